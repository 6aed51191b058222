// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-boundary - kernel TLS installed with fixed keys, no handshake, to
 * test socksec's kTLS rules where a handshake library cannot go.
 *
 *   ktls-boundary server [-4|-6] PORT
 *	Accept one connection (no socksec settings), install TLS_RX with the
 *	fixed keys, print each record's data as "server: got N bytes: DATA",
 *	or "server: recv: ERROR" when the stream ends otherwise.
 *
 *   ktls-boundary client [-4|-6] [-m MARKER] [-k] [-u] HOST PORT
 *	A socket with SOCKSEC_PROTO_KTLS settings (none with -u) connects,
 *	sets TCP_CORK, then:
 *	  -k absent ("after"): installs TLS_TX, writes MARKER (the kernel
 *	    encrypts it), uncorks; MARKER must reach the server;
 *	  -k present ("before"): writes MARKER in clear while corked, checks
 *	    with SIOCOUTQNSD that none of it has left, installs TLS_TX, then
 *	    uncorks: the clear bytes now leave after TLS_TX, and socksec must
 *	    judge them by the handshake rules and refuse them (EACCES).
 *	Prints "client: unsent_at_install=N", "client: tls_tx=installed",
 *	then "client: result=ok" or "client: result=errno:NAME" (the first
 *	error of a following write or read).
 *
 * Both ends use the same fixed AES-GCM-128 keys, TLS 1.2 record format.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <socksec.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static void fixed_keys(struct tls12_crypto_info_aes_gcm_128 *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->info.version = TLS_1_2_VERSION;
	ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci->key, 0x4b, sizeof(ci->key));
	memset(ci->iv, 0x49, sizeof(ci->iv));
	memset(ci->salt, 0x53, sizeof(ci->salt));
}

static int install(int fd, int dir)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	fixed_keys(&ci);
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) < 0 &&
	    errno != EEXIST)
		return -1;
	return setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci));
}

static const char *errname(int err)
{
	switch (err) {
	case EACCES: return "EACCES";
	case ECONNRESET: return "ECONNRESET";
	case EPIPE: return "EPIPE";
	case ENOKEY: return "ENOKEY";
	case EBADMSG: return "EBADMSG";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return strerror(err);
	}
}

static int run_server(int family, const char *port)
{
	struct sockaddr_storage ss = { .ss_family = family };
	int one = 1, lfd, fd, n;
	char buf[4096];

	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(atoi(port));
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(atoi(port));
	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&ss, sizeof(ss)) < 0 || listen(lfd, 4) < 0) {
		perror("server: listen");
		return 1;
	}
	printf("server: listening on %s\n", port);
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0 || install(fd, TLS_RX) < 0) {
		perror("server: accept/TLS_RX");
		return 1;
	}
	for (;;) {
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			printf("server: recv: %s\n", errname(errno));
			break;
		}
		if (n == 0) {
			printf("server: eof\n");
			break;
		}
		buf[n] = '\0';
		printf("server: got %d bytes: %s\n", n, buf);
		fflush(stdout);
	}
	close(fd);
	close(lfd);
	return 0;
}

/* -1 with errno at the first error the connection reports within a second. */
static int conn_error(int fd, const char *more)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int i, n;
	char c;

	for (i = 0; i < 10; i++) {
		if (more && send(fd, more, strlen(more), MSG_NOSIGNAL) < 0)
			return -1;
		if (poll(&p, 1, 100) > 0) {
			n = recv(fd, &c, 1, MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN)
				return -1;
			if (n == 0) {
				/* The peer ended it: nothing else to learn. */
				errno = EPIPE;
				return -1;
			}
		}
	}
	return 0;
}

static int run_client(int family, const char *host, const char *port,
		      const char *marker, int before, int unprotected)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int one = 1, zero = 0, fd, err, unsent = -1;
	size_t len = strlen(marker);

	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "%s: %s\n", host, gai_strerror(err));
		return 1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 ||
	    (!unprotected &&
	     socksec_set(fd, SOCKSEC_PROTO_KTLS, SOCKSEC_GUARANTEE_ENCRYPTION) < 0) ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    setsockopt(fd, SOL_TCP, TCP_CORK, &one, sizeof(one)) < 0) {
		perror("client: socket/socksec_set/connect/cork");
		return 1;
	}
	freeaddrinfo(ai);
	if (before) {
		if (send(fd, marker, len, 0) != (ssize_t)len) {
			perror("client: send before TLS_TX");
			return 1;
		}
		if (ioctl(fd, SIOCOUTQNSD, &unsent) < 0) {
			perror("client: SIOCOUTQNSD");
			return 1;
		}
	}
	printf("client: unsent_at_install=%d\n", unsent);
	if (install(fd, TLS_TX) < 0) {
		perror("client: TLS_TX");
		return 1;
	}
	printf("client: tls_tx=installed\n");
	if (!before && send(fd, marker, len, 0) != (ssize_t)len) {
		printf("client: result=errno:%s\n", errname(errno));
		return 0;
	}
	if (setsockopt(fd, SOL_TCP, TCP_CORK, &zero, sizeof(zero)) < 0) {
		printf("client: result=errno:%s\n", errname(errno));
		return 0;
	}
	/* In "before" mode, keep writing through kTLS: the refusal shows. */
	if (conn_error(fd, before ? marker : NULL) < 0)
		printf("client: result=errno:%s\n", errname(errno));
	else
		printf("client: result=ok\n");
	fflush(stdout);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *marker = "SOCKSEC-BOUNDARY-MARKER";
	int family = AF_UNSPEC, before = 0, unprotected = 0, c, srv;

	if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")))
		goto usage;
	srv = !strcmp(argv[1], "server");
	optind = 2;
	while ((c = getopt(argc, argv, "46kum:")) != -1) {
		switch (c) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'k':
			before = 1;
			break;
		case 'u':
			unprotected = 1;
			break;
		case 'm':
			marker = optarg;
			break;
		default:
			goto usage;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (srv && argc - optind == 1)
		return run_server(family == AF_UNSPEC ? AF_INET6 : family, argv[optind]);
	if (!srv && argc - optind == 2)
		return run_client(family, argv[optind], argv[optind + 1], marker, before,
				  unprotected);
usage:
	fprintf(stderr, "usage: %s server [-4|-6] PORT\n"
		"       %s client [-4|-6] [-k] [-u] [-m MARKER] HOST PORT\n", argv[0], argv[0]);
	return 2;
}
