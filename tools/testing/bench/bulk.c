// SPDX-License-Identifier: GPL-2.0
/*
 * bulk - a bulk TCP sender and sink for socksec's throughput benchmark.
 *
 *   bulk recv [-4|-6] [-p] [-k] PORT
 *	accept connections one after the other, forever; read each until
 *	EOF, then close it. With -k, print one line per connection:
 *	    recv bytes=N err=E
 *	(E: the errno that ended it, 0 for EOF).
 *   bulk send [-p] [-k] [-t SECS] [-b BYTES] HOST PORT
 *	connect, write BYTES-sized buffers (default 65536) for SECS seconds
 *	(default 5), shut the write side, wait until the sink has read
 *	everything and closed, and print one line:
 *	    send bytes=N secs=S mbit_s=X connect_ms=C state=0xS spi_out=0x...
 *	S runs from connect() returning to the sink's close, so data still
 *	queued when the clock stops is counted: the rate is end to end.
 *
 * -k makes the stream kernel TLS: TLS 1.3 with AES-128-GCM and a fixed key
 * (no handshake; both ends know it), TLS_TX on the sender right after
 * connect(), before the first write, TLS_RX on each accepted socket before
 * its first read. The sink then reads the records' plain payload, and a
 * record that fails to decrypt ends the connection with EBADMSG.
 *
 * -p gives the socket SOCKSEC_SETTINGS {IPSEC, GUARANTEE_ENCRYPTION}
 * before connect() or listen() (accepted sockets inherit it); with -k the
 * protocol is SOCKSEC_PROTO_KTLS instead. state=, spi_out= and the kernel
 * TLS fields come from SOCKSEC_QUERY just before the sender closes (0
 * without -p).
 *
 * Built by tools/testing/bench/run.sh with the uapi header only:
 *	cc -O2 -Iuapi -o build/bench/bulk tools/testing/bench/bulk.c
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/tls.h>
#include <linux/socksec.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bulk: %s: %s (errno %d)\n", what, strerror(errno), errno);
	exit(1);
}

static void protect(int fd, int family, int ktls)
{
	struct socksec_settings s = {
		.protocol = ktls ? SOCKSEC_PROTO_KTLS : SOCKSEC_PROTO_IPSEC,
		.flags = SOCKSEC_GUARANTEE_ENCRYPTION,
	};
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;

	if (setsockopt(fd, level, SOCKSEC_SETTINGS, &s, sizeof(s)) < 0)
		die("setsockopt(SOCKSEC_SETTINGS)");
}

/*
 * Install kernel TLS in one direction (TLS_TX or TLS_RX): TLS 1.3,
 * AES-128-GCM, the same fixed key, IV and salt on both ends, record
 * sequence numbers from 0.
 */
static void ktls(int fd, int dir)
{
	struct tls12_crypto_info_aes_gcm_128 ci = {
		.info.version = TLS_1_3_VERSION,
		.info.cipher_type = TLS_CIPHER_AES_GCM_128,
	};

	memset(ci.key, 0x4b, sizeof(ci.key));
	memset(ci.iv, 0x49, sizeof(ci.iv));
	memset(ci.salt, 0x53, sizeof(ci.salt));
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) < 0)
		die("setsockopt(TCP_ULP, tls)");
	if (setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci)) < 0)
		die(dir == TLS_TX ? "setsockopt(TLS_TX)" : "setsockopt(TLS_RX)");
}

static int usage(void)
{
	fprintf(stderr, "usage: bulk recv [-4|-6] [-p] [-k] PORT\n"
			"       bulk send [-p] [-k] [-t SECS] [-b BYTES] HOST PORT\n");
	return 2;
}

static void __attribute__((noreturn)) cmd_recv(int family, int prot, int tls,
					       const char *port)
{
	struct addrinfo hints = {
		.ai_family = family, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE,
	}, *ai;
	static char buf[1 << 17];
	unsigned long long bytes;
	int lfd, fd, one = 1;
	ssize_t n;

	if (getaddrinfo(NULL, port, &hints, &ai))
		die("getaddrinfo");
	lfd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	if (prot)
		protect(lfd, ai->ai_family, tls);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(lfd, 8) < 0)
		die("bind/listen");
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		if (tls)
			ktls(fd, TLS_RX);
		bytes = 0;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			bytes += n;
		if (tls) {
			printf("recv bytes=%llu err=%d\n", bytes, n < 0 ? errno : 0);
			fflush(stdout);
		}
		close(fd);
	}
}

static int cmd_send(int prot, int tls, double secs, size_t bufsz,
		    const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct socksec_query q = { 0 };
	socklen_t qlen = sizeof(q);
	unsigned long long bytes = 0;
	double t0, t1, end, tc;
	char *buf, c;
	int fd;
	ssize_t n;

	buf = calloc(1, bufsz);
	if (!buf)
		die("calloc");
	memset(buf, 'x', bufsz);
	if (getaddrinfo(host, port, &hints, &ai))
		die("getaddrinfo");
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (prot)
		protect(fd, ai->ai_family, tls);
	tc = now_s();
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("connect");
	if (tls)
		ktls(fd, TLS_TX);
	t0 = now_s();
	end = t0 + secs;
	while (now_s() < end) {
		n = write(fd, buf, bufsz);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		bytes += n;
	}
	if (prot && getsockopt(fd, ai->ai_family == AF_INET6 ? IPPROTO_IPV6 :
			       IPPROTO_IP, SOCKSEC_QUERY, &q, &qlen) < 0)
		die("getsockopt(SOCKSEC_QUERY)");
	if (shutdown(fd, SHUT_WR) < 0)
		die("shutdown");
	/* The sink closes once it has read everything. */
	while ((n = read(fd, &c, 1)) > 0)
		;
	t1 = now_s();
	close(fd);
	printf("send bytes=%llu secs=%.3f mbit_s=%.1f connect_ms=%.0f ",
	       bytes, t1 - t0, bytes * 8 / (t1 - t0) / 1e6, (t0 - tc) * 1e3);
	printf("state=0x%x spi_out=0x%08x enc=%s ", q.state, q.spi_out,
	       q.enc_alg[0] ? q.enc_alg : "-");
	printf("mechanism=%u tls_version=0x%04x tls_cipher=%u tls_dirs=0x%x\n",
	       q.mechanism, q.tls_version, q.tls_cipher, q.tls_dirs);
	freeaddrinfo(ai);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int family = AF_UNSPEC, prot = 0, tls = 0, c;
	double secs = 5;
	size_t bufsz = 65536;
	const char *cmd;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "46pkt:b:")) != -1) {
		switch (c) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'p':
			prot = 1;
			break;
		case 'k':
			tls = 1;
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'b':
			bufsz = strtoul(optarg, NULL, 0);
			break;
		default:
			return usage();
		}
	}
	if (!strcmp(cmd, "recv") && argc - optind == 1)
		cmd_recv(family, prot, tls, argv[optind]);
	if (!strcmp(cmd, "send") && argc - optind == 2 && secs > 0 && bufsz)
		return cmd_send(prot, tls, secs, bufsz, argv[optind],
				argv[optind + 1]);
	return usage();
}
