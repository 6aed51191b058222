// SPDX-License-Identifier: GPL-2.0
/*
 * socksec connect, socksec serve: a client and an echo server whose
 * sockets carry settings, to see the guarantee at work. Their output is
 * read by the scenario scripts: keep its lines as they are.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "cli.h"

struct opts {
	int family;
	int socktype;
	uint32_t protocol;
	uint32_t flags;
	int protect;
	const char *message;
	int count;
	int interval_ms;
	int wait_ms;
};

static void conn_usage(FILE *f)
{
	fprintf(f,
		"usage: socksec connect [-4|-6] [-u] [-p PROTO] [-f FLAGS] [-m MSG]\n"
		"                       [-c COUNT] [-i MS] [-w MS] HOST PORT\n"
		"       socksec serve [-4|-6] [-u] [-p PROTO] [-f FLAGS] [-n COUNT] PORT\n"
		"PROTO: default ipsec ipsec2 ktls any; FLAGS: encrypt,insecure or a number;\n"
		"connect sends MSG COUNT times (default 1), -i MS apart, awaiting each\n"
		"echo for -w MS (default 5000);\n"
		"serve echoes until each peer closes, for COUNT peers (0: forever).\n"
		"without -p the socket is left unprotected.\n");
}

static void print_query(const char *who, int fd)
{
	char state[128], proto[16], mech[16];
	struct socksec_query q;

	if (socksec_query(fd, &q) < 0 ||
	    socksec_state_format(q.state, state, sizeof(state)) < 0) {
		printf("%s: query failed: %s\n", who, strerror(errno));
		return;
	}
	printf("%s: protocol=%s flags=0x%x state=%s mechanism=%s ", who,
	       cli_protocol_name(q.protocol, proto, sizeof(proto)), q.flags,
	       state, q.mechanism ? cli_protocol_name(q.mechanism, mech,
						      sizeof(mech)) : "none");
	printf("spi_out=0x%08x spi_in=0x%08x enc=%s auth=%s\n",
	       q.spi_out, q.spi_in, q.enc_alg[0] ? q.enc_alg : "-",
	       q.auth_alg[0] ? q.auth_alg : "-");
}

static int open_socket(const struct opts *o, const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);

	if (fd < 0) {
		perror("socket");
		return -1;
	}
	if (o->protect && socksec_set(fd, o->protocol, o->flags) < 0) {
		fprintf(stderr, "socksec_set: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int resolve(const struct opts *o, const char *host, const char *port,
		   int passive, struct addrinfo **ai)
{
	struct addrinfo hints = {
		.ai_family = o->family,
		.ai_socktype = o->socktype,
		.ai_flags = passive ? AI_PASSIVE : 0,
	};
	int err = getaddrinfo(host, port, &hints, ai);

	if (err)
		fprintf(stderr, "socksec: %s: %s\n", host ? host : port,
			gai_strerror(err));
	return err ? -1 : 0;
}

/* Send the message, wait up to 5 s for the echo, print both ends' view. */
static int exchange(int fd, const char *msg, int wait_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	if (send(fd, msg, strlen(msg), 0) < 0) {
		printf("send: %s (errno %d)\n", strerror(errno), errno);
		return 1;
	}
	if (poll(&p, 1, wait_ms) <= 0) {
		printf("recv: timed out\n");
		return 1;
	}
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		printf("recv: %s (errno %d)\n", n ? strerror(errno) : "closed",
		       n ? errno : 0);
		return 1;
	}
	buf[n] = '\0';
	printf("echo: %s\n", buf);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int do_connect(const struct opts *o, const char *host,
		      const char *port)
{
	struct addrinfo *ai;
	int fd, ret = 0, i;
	long t0;

	if (resolve(o, host, port, 0, &ai) < 0)
		return 1;
	fd = open_socket(o, ai);
	if (fd < 0)
		goto out_free;
	t0 = now_ms();
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		/* Scripts match this line: errno number and time taken. */
		printf("connect: %s (errno %d) after %ld ms\n", strerror(errno),
		       errno, now_ms() - t0);
		ret = 3;
		goto out_close;
	}
	printf("connected in %ld ms\n", now_ms() - t0);
	for (i = 0; i < o->count; i++) {
		if (i && o->interval_ms)
			usleep(o->interval_ms * 1000);
		ret = exchange(fd, o->message, o->wait_ms);
		if (ret) {
			printf("exchange %d of %d failed\n", i + 1, o->count);
			break;
		}
	}
	print_query("client", fd);
out_close:
	close(fd);
	freeaddrinfo(ai);
	return ret;
out_free:
	freeaddrinfo(ai);
	return 1;
}

/* TCP: accept one peer and echo until it closes. UDP: echo one datagram. */
static int serve_one(int lfd, int socktype)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char buf[4096];
	ssize_t n;
	int fd, echoed = 0;

	if (socktype != SOCK_STREAM) {
		n = recvfrom(lfd, buf, sizeof(buf), 0, (struct sockaddr *)&peer,
			     &plen);
		if (n > 0)
			sendto(lfd, buf, n, 0, (struct sockaddr *)&peer, plen);
		print_query("server", lfd);
		return n > 0 ? 0 : 1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("accept");
		return 1;
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		if (!echoed++)
			print_query("server", fd);
		if (send(fd, buf, n, 0) < 0)
			break;
	}
	close(fd);
	return echoed ? 0 : 1;
}

static int do_serve(const struct opts *o, const char *port)
{
	struct addrinfo *ai;
	int fd, one = 1, i, ret = 0;

	if (resolve(o, NULL, port, 1, &ai) < 0)
		return 1;
	fd = open_socket(o, ai);
	if (fd < 0) {
		freeaddrinfo(ai);
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    (o->socktype == SOCK_STREAM && listen(fd, 16) < 0)) {
		perror("bind/listen");
		ret = 1;
		goto out;
	}
	printf("listening\n");
	fflush(stdout);
	for (i = 0; o->count <= 0 || i < o->count; i++) {
		ret |= serve_one(fd, o->socktype);
		fflush(stdout);
	}
out:
	close(fd);
	freeaddrinfo(ai);
	return ret;
}

/* Longest -i and -w: ten minutes. */
#define CONN_MAX_MS	600000
#define CONN_MAX_COUNT	1000000

/* A whole decimal number from 0 to max: no sign, no blanks, no more. */
static bool number(const char *s, long max, int *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || x > max)
		return false;
	*v = x;
	return true;
}

/* The same for option -opt of cmd; 0, or -1 after saying why. */
static int parse_num(const char *cmd, int opt, const char *s, long max, int *v)
{
	if (number(s, max, v))
		return 0;
	cli_err("%s: bad value '%s' for -%c: a number from 0 to %ld", cmd, s,
		opt, max);
	return -1;
}

/* A port: a service name, or a number from min to 65535. */
static int check_port(const char *cmd, const char *port, int min)
{
	int v;

	if (*port >= '0' && *port <= '9' &&
	    (!number(port, 65535, &v) || v < min)) {
		cli_err("%s: bad port '%s': a service name or a number from %d to 65535",
			cmd, port, min);
		return -1;
	}
	return 0;
}

/*
 * The options of connect and serve: the index of the first operand, or -1
 * with the exit status in *status (after -h, or a bad option).
 */
static int parse_opts(int argc, char **argv, struct opts *o, int *status)
{
	int c, bad = 0;

	while ((c = getopt(argc, argv, "46up:f:m:n:c:i:w:h")) != -1) {
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'u':
			o->socktype = SOCK_DGRAM;
			break;
		case 'p':
			if (socksec_protocol_parse(optarg, &o->protocol) < 0) {
				cli_err("%s: bad protocol '%s': default, ipsec, ipsec2, ktls or any",
					argv[0], optarg);
				*status = EXIT_USAGE;
				return -1;
			}
			o->protect = 1;
			break;
		case 'f':
			if (socksec_flags_parse(optarg, &o->flags) < 0) {
				cli_err("%s: bad flags '%s': encrypt, insecure, none or a number, comma-separated",
					argv[0], optarg);
				*status = EXIT_USAGE;
				return -1;
			}
			break;
		case 'm':
			o->message = optarg;
			break;
		case 'n':
		case 'c':
			bad |= parse_num(argv[0], c, optarg, CONN_MAX_COUNT,
					 &o->count);
			break;
		case 'i':
			bad |= parse_num(argv[0], c, optarg, CONN_MAX_MS,
					 &o->interval_ms);
			break;
		case 'w':
			bad |= parse_num(argv[0], c, optarg, CONN_MAX_MS,
					 &o->wait_ms);
			break;
		case 'h':
			conn_usage(stdout);
			*status = EXIT_OK;
			return -1;
		default:
			conn_usage(stderr);
			*status = EXIT_USAGE;
			return -1;
		}
		if (bad) {
			*status = EXIT_USAGE;
			return -1;
		}
	}
	return optind;
}

#define OPTS_DEFAULT { \
	.family = AF_UNSPEC, .socktype = SOCK_STREAM, \
	.message = "socksec-hello", .count = 1, .wait_ms = 5000, \
}

int cmd_connect(int argc, char **argv)
{
	struct opts o = OPTS_DEFAULT;
	int status, i = parse_opts(argc, argv, &o, &status);

	if (i < 0)
		return status;
	if (argc - i != 2) {
		conn_usage(stderr);
		return EXIT_USAGE;
	}
	if (check_port(argv[0], argv[i + 1], 1) < 0)
		return EXIT_USAGE;
	return do_connect(&o, argv[i], argv[i + 1]);
}

int cmd_serve(int argc, char **argv)
{
	struct opts o = OPTS_DEFAULT;
	int status, i = parse_opts(argc, argv, &o, &status);

	if (i < 0)
		return status;
	if (argc - i != 1) {
		conn_usage(stderr);
		return EXIT_USAGE;
	}
	if (check_port(argv[0], argv[i], 0) < 0)
		return EXIT_USAGE;
	return do_serve(&o, argv[i]);
}
