// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Example: a TCP connection that socksec lets carry only TLS, with kernel
 * TLS (kTLS) doing the record encryption once OpenSSL's handshake is done.
 *
 *   ktls-echo server [options] PORT          answer one connection
 *   ktls-echo client [options] HOST PORT     send MESSAGE, read the echo
 *
 * options:
 *   -2 | -3         TLS 1.2 or TLS 1.3 only (default: either)
 *   -C CIPHER       aes128 (default), aes256 or chacha20
 *   -c CERT -k KEY  the server's certificate chain and key (PEM)
 *   -a CAFILE       the client verifies the server against CAFILE, and
 *                   its name or address against HOST
 *   -m MESSAGE      what the client sends (default "hello")
 *   -f FLAGS        socksec flags (default "encrypt")
 *   -n              the server sends no TLS 1.3 session tickets
 *
 * After the handshake it prints how many bytes the socket had sent
 * ("handshake_bytes=N", from TCP_INFO): what the kernel's handshake budget
 * must allow.
 *
 * The recipe, in order:
 *  1. socksec_set(fd, SOCKSEC_PROTO_KTLS, ...) before connect()/listen():
 *     until kernel TLS transmit is installed, the kernel lets only TLS
 *     handshake records out, and only as many bytes as a handshake needs;
 *  2. SSL_OP_ENABLE_KTLS: OpenSSL installs TLS_TX (and TLS_RX where it
 *     can) with the negotiated keys when the handshake is done;
 *  3. check that it did (BIO_CTRL_GET_KTLS_SEND); SSL_write() then hands
 *     plain data to the kernel, which encrypts it;
 *  4. SOCKSEC_QUERY says what protects the socket: kTLS, its version and
 *     cipher.
 * If OpenSSL cannot use kTLS (built without it, cipher not offloadable),
 * step 3 fails; had the program written anyway, the kernel would have
 * refused: its first application byte ends the connection with EACCES.
 *
 * Build: cc ktls-echo.c -lsocksec -lssl -lcrypto. Debian 12's libssl3 is
 * built without kTLS; run it against an OpenSSL built with enable-ktls
 * (LD_LIBRARY_PATH), and load the kernel's tls module.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <socksec.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct opts {
	int version;		/* 0, TLS1_2_VERSION or TLS1_3_VERSION */
	const char *cipher;
	const char *cert, *key, *cafile;
	const char *message;
	uint32_t flags;
	int no_tickets;
};

static const struct {
	const char *name, *tls12, *tls13;
} ciphers[] = {
	{ "aes128", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256",
	  "TLS_AES_128_GCM_SHA256" },
	{ "aes256", "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384",
	  "TLS_AES_256_GCM_SHA384" },
	{ "chacha20", "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-CHACHA20-POLY1305",
	  "TLS_CHACHA20_POLY1305_SHA256" },
};

static int ssl_fail(const char *what)
{
	fprintf(stderr, "%s failed (errno %d, %s)\n", what, errno, strerror(errno));
	ERR_print_errors_fp(stderr);
	return -1;
}

/*
 * Whether OpenSSL handed record encryption to the kernel. Debian's headers
 * are those of a build without kTLS, where BIO_get_ktls_send() is the
 * constant 0; the control it stands for is the library's own, so ask the
 * library that runs.
 */
static int ktls_send(SSL *ssl)
{
	return BIO_ctrl(SSL_get_wbio(ssl), BIO_CTRL_GET_KTLS_SEND, 0, NULL) > 0;
}

/* The server's chain and key, through OpenSSL's configuration commands. */
static int load_cert(SSL_CTX *ctx, const struct opts *o)
{
	SSL_CONF_CTX *cctx = SSL_CONF_CTX_new();
	int ok;

	if (!cctx)
		return -1;
	SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER |
			       SSL_CONF_FLAG_CERTIFICATE);
	SSL_CONF_CTX_set_ssl_ctx(cctx, ctx);
	ok = SSL_CONF_cmd(cctx, "Certificate", o->cert) > 0 &&
	     SSL_CONF_cmd(cctx, "PrivateKey", o->key) > 0 &&
	     SSL_CONF_CTX_finish(cctx) == 1;
	SSL_CONF_CTX_free(cctx);
	return ok ? 0 : -1;
}

static SSL_CTX *make_ctx(const struct opts *o, int server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	unsigned int i;

	if (!ctx)
		return NULL;
	SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
	SSL_CTX_set_min_proto_version(ctx, o->version ? o->version : TLS1_2_VERSION);
	if (o->version)
		SSL_CTX_set_max_proto_version(ctx, o->version);
	for (i = 0; i < ARRAY_SIZE(ciphers); i++)
		if (!strcmp(ciphers[i].name, o->cipher))
			break;
	if (i == ARRAY_SIZE(ciphers)) {
		fprintf(stderr, "unknown cipher %s\n", o->cipher);
		goto fail;
	}
	if (!SSL_CTX_set_cipher_list(ctx, ciphers[i].tls12) ||
	    !SSL_CTX_set_ciphersuites(ctx, ciphers[i].tls13))
		goto fail;
	if (server && load_cert(ctx, o))
		goto fail;
	if (server && o->no_tickets)
		SSL_CTX_set_num_tickets(ctx, 0);
	if (!server && o->cafile) {
		if (SSL_CTX_load_verify_locations(ctx, o->cafile, NULL) != 1)
			goto fail;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	return ctx;
fail:
	ERR_print_errors_fp(stderr);
	SSL_CTX_free(ctx);
	return NULL;
}

static int print_query(const char *who, int fd)
{
	struct socksec_query q;
	char state[128];

	if (socksec_query(fd, &q) < 0 ||
	    socksec_state_format(q.state, state, sizeof(state)) < 0) {
		perror("socksec_query");
		return -1;
	}
	printf("%s: protocol=%s state=%s mechanism=%s", who,
	       socksec_protocol_name(q.protocol), state,
	       q.mechanism ? socksec_protocol_name(q.mechanism) : "none");
	printf(" tls_version=0x%04x tls_cipher=%u tls_dirs=%s%s\n", q.tls_version, q.tls_cipher,
	       q.tls_dirs & SOCKSEC_TLS_TX ? "tx" : "-",
	       q.tls_dirs & SOCKSEC_TLS_RX ? ",rx" : "");
	fflush(stdout);
	return 0;
}

/* After the handshake: kTLS must be on before a byte of data is written. */
static int check_ktls(const char *who, SSL *ssl, int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -1;
	printf("%s: %s %s ktls_send=%d handshake_bytes=%llu\n", who,
	       SSL_get_version(ssl), SSL_get_cipher_name(ssl), ktls_send(ssl),
	       (unsigned long long)(ti.tcpi_bytes_sent - ti.tcpi_bytes_retrans));
	if (!ktls_send(ssl)) {
		fprintf(stderr, "%s: OpenSSL did not install kernel TLS; not writing\n", who);
		return -1;
	}
	return 0;
}

static int run_server(const struct opts *o, int family, const char *port)
{
	struct sockaddr_storage ss = { .ss_family = family };
	int one = 1, lfd, fd, n, ret = -1;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	char buf[4096];

	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(atoi(port));
	else
		((struct sockaddr_in *)&ss)->sin_port = htons(atoi(port));
	ctx = make_ctx(o, 1);
	if (!ctx)
		return -1;
	lfd = socket(family, SOCK_STREAM, 0);
	/* Accepted sockets inherit the listener's settings. */
	if (lfd < 0 || socksec_set(lfd, SOCKSEC_PROTO_KTLS, o->flags) < 0) {
		perror("socket/socksec_set");
		goto out_ctx;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, sizeof(ss)) < 0 || listen(lfd, 4) < 0) {
		perror("bind/listen");
		goto out_lfd;
	}
	printf("server: listening on %s\n", port);
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("accept");
		goto out_lfd;
	}
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_accept(ssl) != 1) {
		ssl_fail("server: SSL_accept");
		goto out_fd;
	}
	if (check_ktls("server", ssl, fd))
		goto out_fd;
	n = SSL_read(ssl, buf, sizeof(buf) - 1);
	if (n <= 0) {
		ssl_fail("server: SSL_read");
		goto out_fd;
	}
	buf[n] = '\0';
	printf("server: received %d bytes\n", n);
	if (SSL_write(ssl, buf, n) != n) {
		ssl_fail("server: SSL_write");
		goto out_fd;
	}
	if (print_query("server", fd))
		goto out_fd;
	SSL_shutdown(ssl);
	ret = 0;
out_fd:
	SSL_free(ssl);
	close(fd);
out_lfd:
	close(lfd);
out_ctx:
	SSL_CTX_free(ctx);
	return ret;
}

static int run_client(const struct opts *o, int family, const char *host,
		      const char *port)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int fd, n, len, err, ret = -1;
	unsigned char addr[16];
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	char buf[4096];

	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "%s: %s\n", host, gai_strerror(err));
		return -1;
	}
	ctx = make_ctx(o, 0);
	if (!ctx)
		goto out_ai;
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0 || socksec_set(fd, SOCKSEC_PROTO_KTLS, o->flags) < 0) {
		perror("socket/socksec_set");
		goto out_ctx;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		perror("connect");
		goto out_fd;
	}
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd))
		goto out_ssl;
	if (o->cafile) {
		/* The certificate must name HOST, as an address or a name. */
		if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
			err = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
		else
			err = SSL_set1_host(ssl, host);
		if (err != 1)
			goto out_ssl;
	}
	if (SSL_connect(ssl) != 1)
		goto out_ssl;
	if (check_ktls("client", ssl, fd))
		goto out_fd;
	len = strlen(o->message);
	if (SSL_write(ssl, o->message, len) != len) {
		ssl_fail("client: SSL_write");
		goto out_fd;
	}
	n = SSL_read(ssl, buf, sizeof(buf) - 1);
	if (n <= 0) {
		ssl_fail("client: SSL_read");
		goto out_fd;
	}
	buf[n] = '\0';
	printf("echo: %s\n", buf);
	if (print_query("client", fd))
		goto out_fd;
	SSL_shutdown(ssl);
	ret = 0;
	goto out_fd;
out_ssl:
	ssl_fail("client: TLS handshake");
out_fd:
	SSL_free(ssl);
	close(fd);
out_ctx:
	SSL_CTX_free(ctx);
out_ai:
	freeaddrinfo(ai);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { .cipher = "aes128", .message = "hello",
			  .flags = SOCKSEC_GUARANTEE_ENCRYPTION };
	int family = AF_UNSPEC, server, c;

	if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")))
		goto usage;
	server = !strcmp(argv[1], "server");
	optind = 2;
	while ((c = getopt(argc, argv, "4623nC:c:k:a:m:f:")) != -1) {
		switch (c) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'n':
			o.no_tickets = 1;
			break;
		case '2':
			o.version = TLS1_2_VERSION;
			break;
		case '3':
			o.version = TLS1_3_VERSION;
			break;
		case 'C':
			o.cipher = optarg;
			break;
		case 'c':
			o.cert = optarg;
			break;
		case 'k':
			o.key = optarg;
			break;
		case 'a':
			o.cafile = optarg;
			break;
		case 'm':
			o.message = optarg;
			break;
		case 'f':
			if (socksec_flags_parse(optarg, &o.flags) < 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (server && argc - optind == 1 && o.cert && o.key)
		return run_server(&o, family == AF_UNSPEC ? AF_INET6 : family,
				  argv[optind]) ? 1 : 0;
	if (!server && argc - optind == 2)
		return run_client(&o, family, argv[optind], argv[optind + 1]) ? 1 : 0;
usage:
	fprintf(stderr,
		"usage: %s server [-4|-6] [-2|-3] [-n] [-C aes128|aes256|chacha20] [-f FLAGS]\n"
		"                 -c CERT -k KEY PORT\n"
		"       %s client [-4|-6] [-2|-3] [-C ...] [-f FLAGS] [-a CAFILE] [-m MESSAGE] HOST PORT\n",
		argv[0], argv[0]);
	return 2;
}
