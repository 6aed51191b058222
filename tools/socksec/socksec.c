// SPDX-License-Identifier: GPL-2.0
/*
 * socksec - command-line front end: show and set the system defaults, and
 * open protected connections (a client and an echo server) to see the
 * guarantee at work.
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
#include <socksec.h>

#define SYSFS_DIR "/sys/kernel/socksec"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: socksec show\n"
		"       socksec set KNOB VALUE\n"
		"       socksec connect [-4|-6] [-u] [-p PROTO] [-f FLAGS] [-m MSG]\n"
		"                       [-c COUNT] [-i MS] [-w MS] HOST PORT\n"
		"       socksec serve [-4|-6] [-u] [-p PROTO] [-f FLAGS] [-n COUNT] PORT\n"
		"PROTO: default ipsec ipsec2 ktls any; FLAGS: encrypt,insecure or a number;\n"
		"connect sends MSG COUNT times (default 1), -i MS apart, awaiting each\n"
		"echo for -w MS (default 5000);\n"
		"serve echoes until each peer closes, for COUNT peers (0: forever).\n"
		"without -p the socket is left unprotected.\n");
}

static int cat_file(const char *dir, const char *name)
{
	char path[256], buf[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	printf("%s: ", name);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

static int cmd_show(void)
{
	static const char *const knobs[] = {
		"mode", "default_protocol", "default_flags", "protect_loopback",
		"ipsec_reqid", "ipsec_mark", "hold_timeout_ms",
	};
	char buf[4096];
	size_t i, n;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		if (cat_file(SYSFS_DIR, knobs[i]) < 0 && errno != ENOENT) {
			perror(knobs[i]);
			return 1;
		}
	f = fopen("/proc/net/socksec", "r");
	if (f) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(f);
	}
	return 0;
}

static int cmd_set(const char *knob, const char *value)
{
	char path[256];
	FILE *f;

	if (strchr(knob, '/')) {
		fprintf(stderr, "socksec: bad knob name %s\n", knob);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/%s", SYSFS_DIR, knob);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", value) < 0 || fclose(f) == EOF) {
		fprintf(stderr, "socksec: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

static void print_query(const char *who, int fd)
{
	struct socksec_query q;
	char state[128];

	if (socksec_query(fd, &q) < 0 ||
	    socksec_state_format(q.state, state, sizeof(state)) < 0) {
		printf("%s: query failed: %s\n", who, strerror(errno));
		return;
	}
	printf("%s: protocol=%s flags=0x%x state=%s mechanism=%s ", who,
	       socksec_protocol_name(q.protocol), q.flags, state,
	       q.mechanism ? socksec_protocol_name(q.mechanism) : "none");
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

static int cmd_connect(const struct opts *o, const char *host,
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

static int cmd_serve(const struct opts *o, const char *port)
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

int main(int argc, char **argv)
{
	struct opts o = {
		.family = AF_UNSPEC, .socktype = SOCK_STREAM,
		.message = "socksec-hello", .count = 1, .wait_ms = 5000,
	};
	const char *cmd;
	int c;

	if (argc < 2) {
		print_help(stderr);
		return 2;
	}
	/* Line by line, so scripts can follow a running exchange. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	cmd = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "46up:f:m:n:c:i:w:h")) != -1) {
		switch (c) {
		case '4':
			o.family = AF_INET;
			break;
		case '6':
			o.family = AF_INET6;
			break;
		case 'u':
			o.socktype = SOCK_DGRAM;
			break;
		case 'p':
			if (socksec_protocol_parse(optarg, &o.protocol) < 0) {
				fprintf(stderr, "socksec: bad protocol %s\n", optarg);
				return 2;
			}
			o.protect = 1;
			break;
		case 'f':
			if (socksec_flags_parse(optarg, &o.flags) < 0) {
				fprintf(stderr, "socksec: bad flags %s\n", optarg);
				return 2;
			}
			break;
		case 'm':
			o.message = optarg;
			break;
		case 'n':
		case 'c':
			o.count = atoi(optarg);
			break;
		case 'i':
			o.interval_ms = atoi(optarg);
			break;
		case 'w':
			o.wait_ms = atoi(optarg);
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			print_help(stderr);
			return 2;
		}
	}
	if (!strcmp(cmd, "show") && optind == argc)
		return cmd_show();
	if (!strcmp(cmd, "set") && argc - optind == 2)
		return cmd_set(argv[optind], argv[optind + 1]);
	if (!strcmp(cmd, "connect") && argc - optind == 2)
		return cmd_connect(&o, argv[optind], argv[optind + 1]);
	if (!strcmp(cmd, "serve") && argc - optind == 1)
		return cmd_serve(&o, argv[optind]);
	print_help(stderr);
	return 2;
}
