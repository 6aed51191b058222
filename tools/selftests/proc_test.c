// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/socksec under churn: threads open, connect and close
 * protected and unprotected sockets while others read the file with tiny
 * buffers, seek about, pread at odd offsets (some on one shared
 * descriptor), and a process in another network namespace reads both its
 * own file and this one's. Every pass from offset 0 to the end is one
 * well-formed snapshot: the counters once each and in order, the header
 * once, then socket lines that parse, none twice. Bounded by counts, not
 * by time. Run as root in the test VM with socksec loaded.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include "socksec_test.h"
#include "kselftest_harness.h"

#define PROC_FILE	"/proc/net/socksec"
#define HEADER		"# proto local remote protocol flags state spi_out spi_in enc"
#define CHURNERS	3
#define CHURN_ROUNDS	80
#define MAX_PASSES	200
#define MAX_TEXT	(1024 * 1024)

/* What is wrong with one line, or NULL. */
static const char *bad_line(const char *l)
{
	static const char *const protos[] = {
		"default", "ipsec", "ipsec2", "ktls", "any",
	};
	static const char *const states[] = {
		"required", "pending", "secured", "encrypted", "insecure",
		"refused",
	};
	char tr[8], loc[80], rem[80], proto[16], flags[16], state[16];
	char so[32], si[32], enc[96], extra[2];
	const char *p;
	size_t i;
	bool ok;

	if (l[0] == '#')
		return strcmp(l, HEADER) ? "a comment that is not the header" : NULL;
	if (isalpha((unsigned char)l[0]) && strchr(l, ' ') &&
	    !strchr(strchr(l, ' ') + 1, ' ')) {
		for (p = l; *p != ' '; p++)
			if (!islower((unsigned char)*p) && *p != '_')
				return "a counter name with other than a-z and _";
		if (!*++p)
			return "a counter without a value";
		for (; *p; p++)
			if (!isdigit((unsigned char)*p))
				return "a counter value that is not a number";
		return NULL;
	}
	if (sscanf(l, "%7s %79s %79s %15s %15s %15s %31s %31s %95s %1s", tr, loc,
		   rem, proto, flags, state, so, si, enc, extra) != 9)
		return "a socket line without its nine fields";
	if (strcmp(tr, "tcp") && strcmp(tr, "udp"))
		return "a transport neither tcp nor udp";
	if (!strchr(loc, ':') || !strchr(rem, ':') ||
	    !isdigit((unsigned char)loc[strlen(loc) - 1]) ||
	    !isdigit((unsigned char)rem[strlen(rem) - 1]))
		return "an address without its port";
	for (ok = false, i = 0; i < ARRAY_SIZE(protos); i++)
		ok |= !strcmp(proto, protos[i]);
	if (!ok)
		return "an unknown protocol";
	if (strncmp(flags, "0x", 2) || strspn(flags + 2, "0123456789abcdef") !=
	    strlen(flags + 2) || !flags[2])
		return "flags that are not hex";
	for (ok = false, i = 0; i < ARRAY_SIZE(states); i++)
		ok |= !strcmp(state, states[i]);
	if (!ok)
		return "an unknown state";
	if (strncmp(so, "spi_out=0x", 10) || strlen(so) != 18 ||
	    strncmp(si, "spi_in=0x", 9) || strlen(si) != 17 ||
	    strncmp(enc, "enc=", 4) || !enc[4])
		return "bad spi_out, spi_in or enc";
	return NULL;
}

/*
 * A whole pass: lines that parse, the counters (which come first, in the
 * same order every time) once each, the header once after them, no socket
 * line twice. Returns NULL or what is wrong, with the line in *at.
 */
static const char *bad_pass(char *text, size_t len, const char **at)
{
	static char first_counters[4096];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	char counters[4096] = "";
	size_t nc = 0, nlines = 0, i, j;
	bool header = false;
	char **lines;
	const char *why = NULL;
	char *l, *save;

	*at = "";
	if (!len || text[len - 1] != '\n')
		return "text that does not end with a newline";
	if (memchr(text, '\0', len))
		return "a NUL byte";
	text[len] = '\0';
	lines = calloc(len, sizeof(*lines));
	if (!lines)
		return "out of memory";
	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		*at = l;
		why = bad_line(l);
		if (why)
			goto out;
		if (l[0] == '#') {
			if (header) {
				why = "the header twice";
				goto out;
			}
			header = true;
		} else if (!header) {
			/* A counter: its name, in order. */
			j = strcspn(l, " ");
			if (nc + j + 2 < sizeof(counters)) {
				memcpy(counters + nc, l, j + 1);
				nc += j + 1;
				counters[nc] = '\0';
			}
		} else if (strchr(l, ' ') && !strchr(strchr(l, ' ') + 1, ' ')) {
			why = "a counter after the header";
			goto out;
		} else {
			lines[nlines++] = l;
		}
	}
	if (!header) {
		why = "no header";
		goto out;
	}
	pthread_mutex_lock(&lock);
	if (!first_counters[0])
		strcpy(first_counters, counters);
	if (strcmp(first_counters, counters)) {
		*at = counters;
		why = "the counters changed names or order";
	}
	pthread_mutex_unlock(&lock);
	if (why)
		goto out;
	/* Local and remote address of a TCP socket, or a UDP port, are unique. */
	for (i = 0; i < nlines && !why; i++)
		for (j = i + 1; j < nlines; j++)
			if (!strcmp(lines[i], lines[j])) {
				*at = lines[i];
				why = "a socket line twice";
				break;
			}
out:
	free(lines);
	return why;
}

/* One pass read chunk bytes at a time; the length, or -1. */
static ssize_t read_pass(int fd, char *buf, size_t size, size_t chunk)
{
	size_t got = 0;
	ssize_t n = 0;

	if (lseek(fd, 0, SEEK_SET))
		return -1;
	while (got + chunk < size && (n = read(fd, buf + got, chunk)) > 0)
		got += n;
	return n < 0 ? -1 : (ssize_t)got;
}

struct churn {
	atomic_int running;
	atomic_int failures, sockets, passes;
	char why[256];
	pthread_mutex_t why_lock;
};

static void note(struct churn *c, const char *why, const char *at)
{
	pthread_mutex_lock(&c->why_lock);
	if (!c->failures++)
		snprintf(c->why, sizeof(c->why), "%s: '%.200s'", why, at);
	pthread_mutex_unlock(&c->why_lock);
}

/* A TCP listener, a client and the accepted socket, some protected. */
static void churn_tcp(struct churn *c, int family, int round)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6);
	int level = family == AF_INET ? SOL_IP : SOL_IPV6;
	int l, s, a = -1;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	l = socket(family, SOCK_STREAM, 0);
	s = socket(family, SOCK_STREAM, 0);
	if (l < 0 || s < 0)
		goto out;
	if (round % 2 && ss_set(l, level, SOCKSEC_PROTO_IPSEC, 0))
		note(c, "ss_set listener", strerror(errno));
	if (round % 3 && ss_set(s, level, round % 3 == 1 ? SOCKSEC_PROTO_ANY :
				SOCKSEC_PROTO_IPSEC, SOCKSEC_GUARANTEE_ENCRYPTION))
		note(c, "ss_set client", strerror(errno));
	if (bind(l, (struct sockaddr *)&ss, len) ||
	    getsockname(l, (struct sockaddr *)&ss, &len) || listen(l, 4) ||
	    connect(s, (struct sockaddr *)&ss, len)) {
		note(c, "loopback connection", strerror(errno));
		goto out;
	}
	a = accept(l, NULL, NULL);
	c->sockets += 3;
out:
	/* Reset some (no time-wait), close others in order. */
	if (round % 4 == 0) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (s >= 0)
		close(s);
	if (a >= 0)
		close(a);
	if (l >= 0)
		close(l);
}

static void churn_udp(struct churn *c, int round)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int u = socket(AF_INET, SOCK_DGRAM, 0);

	if (u < 0)
		return;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (round % 2 && ss_set(u, SOL_IP, SOCKSEC_PROTO_ANY, SOCKSEC_ALLOW_INSECURE))
		note(c, "ss_set udp", strerror(errno));
	if (bind(u, (struct sockaddr *)&sin, sizeof(sin)))
		note(c, "udp bind", strerror(errno));
	else
		c->sockets++;
	close(u);
}

static void *churner(void *arg)
{
	struct churn *c = arg;
	int i;

	for (i = 0; i < CHURN_ROUNDS; i++) {
		churn_tcp(c, i % 2 ? AF_INET6 : AF_INET, i);
		churn_udp(c, i);
	}
	c->running--;
	return NULL;
}

/* Whole passes with a tiny buffer (1 or 7 bytes) while the churn lasts. */
struct reader {
	struct churn *c;
	size_t chunk;
};

static void *tiny_reader(void *arg)
{
	struct reader *r = arg;
	struct churn *c = r->c;
	char *buf = malloc(MAX_TEXT + 1);
	const char *why, *at;
	int fd, i;
	ssize_t n;

	fd = open(PROC_FILE, O_RDONLY);
	if (fd < 0 || !buf) {
		note(c, "open", strerror(errno));
		goto out;
	}
	for (i = 0; i < MAX_PASSES && (c->running > 0 || i < 2); i++) {
		n = read_pass(fd, buf, MAX_TEXT, r->chunk);
		if (n < 0) {
			note(c, "read", strerror(errno));
			break;
		}
		why = bad_pass(buf, n, &at);
		if (why)
			note(c, why, at);
		c->passes++;
	}
	close(fd);
out:
	free(buf);
	return NULL;
}

/*
 * Seeks forward and back, preads at odd offsets, some past the end: never
 * an error, never more than was asked, and a pass from 0 afterwards is
 * whole. Two of these share one descriptor.
 */
struct seeker {
	struct churn *c;
	int fd;
	unsigned int seed;
};

static void *seeker(void *arg)
{
	struct seeker *s = arg;
	struct churn *c = s->c;
	char *buf = malloc(MAX_TEXT + 1), small[64];
	unsigned int x = s->seed;
	int i;
	ssize_t n;

	if (!buf)
		return NULL;
	for (i = 0; i < MAX_PASSES * 4 && (c->running > 0 || i < 2); i++) {
		off_t off;

		x = x * 1103515245 + 12345;
		off = (x >> 8) % 4099;
		n = pread(s->fd, small, 1 + x % 13, off);
		if (n < 0 || n > (ssize_t)(1 + x % 13) || memchr(small, 0, n))
			note(c, "pread", n < 0 ? strerror(errno) : "bad length or NUL");
		off = lseek(s->fd, (x >> 4) % 3000, SEEK_SET);
		if (off < 0 || read(s->fd, small, 7) < 0)
			note(c, "lseek and read", strerror(errno));
		if (lseek(s->fd, -1, SEEK_CUR) < 0 && errno != EINVAL)
			note(c, "lseek back", strerror(errno));
		if (i % 16)
			continue;
		/* A pass of preads from 0 on: the other seeker may cut in. */
		{
			size_t got = 0;

			while ((n = pread(s->fd, buf + got, 4096, got)) > 0 &&
			       got + 2 * 4096 < MAX_TEXT)
				got += n;
			if (n < 0)
				note(c, "pread pass", strerror(errno));
		}
	}
	free(buf);
	return NULL;
}

/*
 * In a new network namespace: its own file lists no socket of ours, and
 * ours (through /proc/PID/net) reads whole. Exit status 0 or a line.
 */
static int other_namespace(pid_t parent)
{
	char *buf = malloc(MAX_TEXT + 1), path[64];
	const char *why, *at;
	int fd, own, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/net/socksec", parent);
	fd = open(path, O_RDONLY);
	if (!buf || fd < 0 || unshare(CLONE_NEWNET))
		return __LINE__;
	own = open(PROC_FILE, O_RDONLY);
	if (own < 0)
		return __LINE__;
	for (i = 0; i < MAX_PASSES / 4; i++) {
		n = read_pass(own, buf, MAX_TEXT, 7);
		if (n < 0)
			return __LINE__;
		buf[n] = '\0';
		if (strstr(buf, "\ntcp ") || strstr(buf, "\nudp "))
			return __LINE__;
		if (bad_pass(buf, n, &at))
			return __LINE__;
		/* Opened before the unshare: still the first namespace's. */
		n = read_pass(fd, buf, MAX_TEXT, 1 + i % 64);
		if (n < 0)
			return __LINE__;
		why = bad_pass(buf, n, &at);
		if (why) {
			fprintf(stderr, "# %s: %s\n", why, at);
			return __LINE__;
		}
	}
	return 0;
}

/*
 * No state; the fixture gives the tests a timeout fit for a loaded
 * machine running the VM without acceleration (the work is bounded by
 * counts, the timeout only catches a hang).
 */
FIXTURE(proc) {
	int unused;
};

FIXTURE_SETUP(proc)
{
}

FIXTURE_TEARDOWN(proc)
{
}

TEST_F_TIMEOUT(proc, read_under_churn, 300)
{
	struct churn c = { .why_lock = PTHREAD_MUTEX_INITIALIZER };
	struct reader tiny[] = { { &c, 1 }, { &c, 7 } };
	struct seeker seek[2];
	pthread_t ch[CHURNERS], rd[ARRAY_SIZE(tiny)], sk[ARRAY_SIZE(seek)];
	int shared, status;
	size_t i;
	pid_t pid;

	shared = open(PROC_FILE, O_RDONLY);
	ASSERT_LE(0, shared);
	c.running = CHURNERS;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(other_namespace(getppid()));
	for (i = 0; i < CHURNERS; i++)
		ASSERT_EQ(0, pthread_create(&ch[i], NULL, churner, &c));
	for (i = 0; i < ARRAY_SIZE(tiny); i++)
		ASSERT_EQ(0, pthread_create(&rd[i], NULL, tiny_reader, &tiny[i]));
	for (i = 0; i < ARRAY_SIZE(seek); i++) {
		seek[i] = (struct seeker){ &c, shared, 7 + i };
		ASSERT_EQ(0, pthread_create(&sk[i], NULL, seeker, &seek[i]));
	}
	for (i = 0; i < CHURNERS; i++)
		pthread_join(ch[i], NULL);
	for (i = 0; i < ARRAY_SIZE(tiny); i++)
		pthread_join(rd[i], NULL);
	for (i = 0; i < ARRAY_SIZE(seek); i++)
		pthread_join(sk[i], NULL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(shared);
	EXPECT_EQ(0, c.failures)
		TH_LOG("%d failures, first: %s", (int)c.failures, c.why);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("other namespace: line %d",
						 WEXITSTATUS(status));
	EXPECT_LT(0, c.passes);
	TH_LOG("%d sockets, %d tiny-buffer passes", (int)c.sockets,
	       (int)c.passes);
}

/* A quiet file, read every way: the same text each time. */
TEST_F_TIMEOUT(proc, same_text_every_way, 120)
{
	static char whole[MAX_TEXT + 1], bytes[MAX_TEXT + 1], piece[MAX_TEXT + 1];
	ssize_t n1, n2, n;
	const char *at;
	size_t got = 0;
	int fd, tries;

	fd = open(PROC_FILE, O_RDONLY);
	ASSERT_LE(0, fd);
	/*
	 * Counters move only with traffic, which this process makes none
	 * of; a socket closed by an earlier test may still send a last
	 * packet, so a few tries.
	 */
	for (tries = 0; tries < 10; tries++) {
		n1 = read_pass(fd, whole, MAX_TEXT, 65536);
		n2 = read_pass(fd, bytes, MAX_TEXT, 1);
		ASSERT_LT(0, n1);
		if (n1 == n2 && !memcmp(whole, bytes, n1))
			break;
		usleep(100000);
	}
	ASSERT_EQ(n1, n2);
	EXPECT_EQ(0, memcmp(whole, bytes, n1));
	/* From odd offsets on, in 7-byte preads: the tail of the same text. */
	while ((n = pread(fd, piece + got, 7, 3 + got)) > 0)
		got += n;
	ASSERT_EQ(0, n);
	EXPECT_EQ((size_t)n1 - 3, got);
	EXPECT_EQ(0, memcmp(whole + 3, piece, got));
	/* Past the end: nothing. Before the start: EINVAL. */
	EXPECT_EQ(0, pread(fd, piece, 16, n1 + 100));
	EXPECT_EQ(-1, lseek(fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, bad_pass(whole, n1, &at)) TH_LOG("%s", at);
	close(fd);
}

TEST_HARNESS_MAIN
