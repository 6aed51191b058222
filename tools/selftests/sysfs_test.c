// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/socksec: every knob takes its valid values, refuses bad ones
 * with EINVAL keeping the old value, and is root's alone.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "socksec_test.h"
#include "kselftest_harness.h"

struct knob_case {
	const char *knob;
	const char *good[8];	/* written, then read back as shown */
	const char *shown[8];
	const char *bad[12];
	/* For knobs that take a number: one, as it is shown. */
	const char *num_shown;
};

static const struct knob_case knobs[] = {
	{
		"default_protocol",
		{ "ktls", "any\n", "ipsec" },
		{ "ktls", "any", "ipsec" },
		{ "", "default", "ipsec2", "IPSEC", "ipsec ", "tls", "1",
		  "ipsecany", "ips", "unknown" },
		NULL,
	},
	{
		"default_flags",
		{ "1", "0x2", "0", "02" },
		{ "0x1", "0x2", "0x0", "0x2" },
		{ "3", "4", "0x80000000", "-1", "encrypt", "", "1x", "0x1 ",
		  "1,2" },
		"0x1",
	},
	{
		"mode",
		{ "audit", "off\n", "enforce" },
		{ "audit", "off", "enforce" },
		{ "", "Enforce", "on", "enforce2", "1", "audi", "unknown" },
		NULL,
	},
	{
		"protect_loopback",
		{ "1", "0", "y", "n", "ON", "off\n" },
		{ "1", "0", "1", "0", "1", "0" },
		{ "", "2", "maybe", "-1", "10", "1x", "yes please", "nope",
		  "of", "o", "0x1" },
		NULL,
	},
	{
		"ipsec_reqid",
		{ "4242", "0x10", "+7", "010", "0" },
		{ "4242", "16", "7", "8", "0" },
		{ "", "-1", "abc", "4294967296", "1 2", "- 1", "++1", "0x",
		  "1.0", "1e3" },
		"4242",
	},
	{
		"ipsec_mark",
		{ "0x10000000", "1", "0x01000000" },
		{ "0x10000000", "0x00000001", "0x01000000" },
		{ "", "0", "3", "0x80000000", "0x30000000", "mark" },
		"0x10000000",
	},
	{
		"hold_timeout_ms",
		{ "100", "600000", "5000" },
		{ "100", "600000", "5000" },
		{ "", "99", "600001", "-5", "abc", "0", "-0", "5000ms" },
		"5000",
	},
	{
		"ktls_handshake_budget",
		{ "0", "1048576", "0x100", "32768" },
		{ "0", "1048576", "256", "32768" },
		{ "", "1048577", "-1", "4294967296", "32k", "1 2" },
		"256",
	},
};

FIXTURE(knob) {
	char saved[64];
};

FIXTURE_VARIANT(knob) {
	const struct knob_case *c;
};

FIXTURE_VARIANT_ADD(knob, default_protocol) { &knobs[0] };
FIXTURE_VARIANT_ADD(knob, default_flags) { &knobs[1] };
FIXTURE_VARIANT_ADD(knob, mode) { &knobs[2] };
FIXTURE_VARIANT_ADD(knob, protect_loopback) { &knobs[3] };
FIXTURE_VARIANT_ADD(knob, ipsec_reqid) { &knobs[4] };
FIXTURE_VARIANT_ADD(knob, ipsec_mark) { &knobs[5] };
FIXTURE_VARIANT_ADD(knob, hold_timeout_ms) { &knobs[6] };
FIXTURE_VARIANT_ADD(knob, ktls_handshake_budget) { &knobs[7] };

FIXTURE_SETUP(knob)
{
	ASSERT_EQ(0, sysfs_read(variant->c->knob, self->saved, sizeof(self->saved)));
}

FIXTURE_TEARDOWN(knob)
{
	EXPECT_EQ(0, sysfs_write(variant->c->knob, self->saved));
}

TEST_F(knob, valid_values_read_back)
{
	const struct knob_case *c = variant->c;
	char buf[64];
	int i;

	for (i = 0; c->good[i]; i++) {
		EXPECT_EQ(0, sysfs_write(c->knob, c->good[i])) TH_LOG("%s", c->good[i]);
		ASSERT_EQ(0, sysfs_read(c->knob, buf, sizeof(buf)));
		EXPECT_STREQ(c->shown[i], buf);
	}
}

TEST_F(knob, bad_values_are_einval_and_change_nothing)
{
	const struct knob_case *c = variant->c;
	char before[64], after[64];
	int i;

	ASSERT_EQ(0, sysfs_write(c->knob, c->good[0]));
	ASSERT_EQ(0, sysfs_read(c->knob, before, sizeof(before)));
	for (i = 0; c->bad[i]; i++) {
		/* An empty write never reaches the store: skip the syscall. */
		if (!*c->bad[i])
			continue;
		EXPECT_EQ(EINVAL, sysfs_write(c->knob, c->bad[i]))
			TH_LOG("%s <- '%s'", c->knob, c->bad[i]);
		ASSERT_EQ(0, sysfs_read(c->knob, after, sizeof(after)));
		EXPECT_STREQ(before, after);
	}
}

TEST_F(knob, root_owned_0644)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", SYSFS_DIR, variant->c->knob);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0644, st.st_mode & 07777);
}

TEST_F(knob, unprivileged_write_refused)
{
	pid_t pid = fork();
	char now[64];
	int status;

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char buf[64];

		if (setgid(65534) || setuid(65534))
			_exit(10);
		/* Reading is for everyone, writing for root only. */
		if (sysfs_read(variant->c->knob, buf, sizeof(buf)))
			_exit(11);
		_exit(sysfs_write(variant->c->knob, variant->c->good[0]) == EACCES ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, sysfs_read(variant->c->knob, now, sizeof(now)));
	EXPECT_STREQ(self->saved, now);
}

/* The initial namespace's knobs as net.socksec.* (all but ipsec_mark). */
#define SYSCTL_DIR "/proc/sys/net/socksec"

static bool has_sysctl(const struct knob_case *c)
{
	return strcmp(c->knob, "ipsec_mark");
}

/* A valid value of the knob spelled in exactly width characters. */
static void padded(const struct knob_case *c, size_t width, char *buf)
{
	unsigned long v = strtoul(c->num_shown, NULL, 0);
	char hex[16];
	size_t n = snprintf(hex, sizeof(hex), "%lx", v);

	memcpy(buf, "0x", 2);
	memset(buf + 2, '0', width - 2 - n);
	memcpy(buf + width - n, hex, n);
	buf[width] = '\0';
}

/*
 * Text around a valid value, through sysfs and the sysctl alike: blanks,
 * a second line, a carriage return, a NUL byte inside the write, and
 * text longer than a value can be (31 characters and a newline) up to
 * beyond a page, all EINVAL with the old value kept. A write of nothing
 * changes nothing either.
 */
TEST_F_TIMEOUT(knob, malformed_text_is_einval_and_changes_nothing, 60)
{
	const struct knob_case *c = variant->c;
	static const char * const dirs[] = { SYSFS_DIR, SYSCTL_DIR };
	static char big[3 * 4096 + 2];
	const char *g = c->shown[0];
	size_t d, i, lens[] = { 32, 33, 4095, 4096, 4097, 3 * 4096 + 1 };
	char text[96], before[64], after[64];

	ASSERT_EQ(0, sysfs_write(c->knob, c->good[0]));
	ASSERT_EQ(0, sysfs_write(c->knob, c->good[1]));
	ASSERT_EQ(0, sysfs_read(c->knob, before, sizeof(before)));
	for (d = 0; d < (has_sysctl(c) ? 2 : 1); d++) {
		static const char * const forms[] = { " %s", "%s ", "\t%s", "%s\t", "\n%s",
					"%s\n\n", "%s\r\n", "%s\n ", "%s\nx",
					"%s%%", "'%s'" };

		for (i = 0; i < ARRAY_SIZE(forms); i++) {
			snprintf(text, sizeof(text), forms[i], g);
			EXPECT_EQ(EINVAL, knob_pwrite(dirs[d], c->knob, text,
						      strlen(text), -1))
				TH_LOG("%s/%s <- '%s'", dirs[d], c->knob, text);
		}
		/* A NUL inside the write: the value is all of the write. */
		snprintf(text, sizeof(text), "%s%cjunk", g, '\0');
		EXPECT_EQ(EINVAL, knob_pwrite(dirs[d], c->knob, text,
					      strlen(g) + 5, -1)) TH_LOG("%s", dirs[d]);
		EXPECT_EQ(EINVAL, knob_pwrite(dirs[d], c->knob, text,
					      strlen(g) + 1, -1)) TH_LOG("%s", dirs[d]);
		/* Too long, whatever it says. */
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			if (c->num_shown) {
				padded(c, lens[i], big);
			} else {
				memset(big, ' ', lens[i]);
				memcpy(big, g, strlen(g));
			}
			EXPECT_EQ(EINVAL, knob_pwrite(dirs[d], c->knob, big,
						      lens[i], -1))
				TH_LOG("%s/%s <- %zu bytes", dirs[d], c->knob,
				       lens[i]);
		}
		ASSERT_EQ(0, knob_read(dirs[d], c->knob, after, sizeof(after)));
		EXPECT_STREQ(before, after) TH_LOG("%s", dirs[d]);
	}
	/* Nothing: sysfs writes 0 bytes, the sysctl says EINVAL. */
	EXPECT_EQ(0, knob_pwrite(SYSFS_DIR, c->knob, "", 0, -1));
	if (has_sysctl(c))
		EXPECT_EQ(EINVAL, knob_pwrite(SYSCTL_DIR, c->knob, "", 0, -1));
	ASSERT_EQ(0, sysfs_read(c->knob, after, sizeof(after)));
	EXPECT_STREQ(before, after);
}

/* A number may be spelled in up to 31 characters (and a newline). */
TEST_F(knob, longest_value_is_accepted)
{
	const struct knob_case *c = variant->c;
	static const char * const dirs[] = { SYSFS_DIR, SYSCTL_DIR };
	char text[40], now[64];
	size_t d;

	if (!c->num_shown)
		SKIP(return, "%s takes names", c->knob);
	for (d = 0; d < (has_sysctl(c) ? 2 : 1); d++) {
		ASSERT_EQ(0, sysfs_write(c->knob, c->good[1]));
		padded(c, 31, text);
		EXPECT_EQ(0, knob_pwrite(dirs[d], c->knob, text, 31, -1))
			TH_LOG("%s <- %s", dirs[d], text);
		ASSERT_EQ(0, sysfs_read(c->knob, now, sizeof(now)));
		EXPECT_STREQ(c->num_shown, now) TH_LOG("%s", dirs[d]);
		ASSERT_EQ(0, sysfs_write(c->knob, c->good[1]));
		strcat(text, "\n");
		EXPECT_EQ(0, knob_pwrite(dirs[d], c->knob, text, 32, -1))
			TH_LOG("%s <- %s", dirs[d], text);
		ASSERT_EQ(0, sysfs_read(c->knob, now, sizeof(now)));
		EXPECT_STREQ(c->num_shown, now) TH_LOG("%s", dirs[d]);
	}
}

/*
 * Every write() is one whole value, whatever the file offset: a second
 * write on the same descriptor, or a pwrite() past the start, sets the
 * value it carries; values are never put together from pieces.
 */
TEST_F(knob, every_write_is_a_whole_value_at_any_offset)
{
	const struct knob_case *c = variant->c;
	static const char * const dirs[] = { SYSFS_DIR, SYSCTL_DIR };
	char path[256], now[64];
	size_t d;
	int fd;

	for (d = 0; d < (has_sysctl(c) ? 2 : 1); d++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[d], c->knob);
		ASSERT_EQ(0, sysfs_write(c->knob, c->good[0]));
		fd = open(path, O_WRONLY);
		ASSERT_LE(0, fd);
		EXPECT_EQ((ssize_t)strlen(c->good[1]),
			  write(fd, c->good[1], strlen(c->good[1])));
		ASSERT_EQ(0, sysfs_read(c->knob, now, sizeof(now)));
		EXPECT_STREQ(c->shown[1], now) TH_LOG("%s", dirs[d]);
		EXPECT_EQ((ssize_t)strlen(c->good[0]),
			  write(fd, c->good[0], strlen(c->good[0])))
			TH_LOG("%s: second write: %s", dirs[d], strerror(errno));
		ASSERT_EQ(0, sysfs_read(c->knob, now, sizeof(now)));
		EXPECT_STREQ(c->shown[0], now) TH_LOG("%s: second write", dirs[d]);
		/* A bad second write is refused like a first one. */
		EXPECT_EQ(-1, write(fd, "\n\n", 2));
		EXPECT_EQ(EINVAL, errno);
		close(fd);
		EXPECT_EQ(0, knob_pwrite(dirs[d], c->knob, c->good[1],
					 strlen(c->good[1]), 3));
		ASSERT_EQ(0, sysfs_read(c->knob, now, sizeof(now)));
		EXPECT_STREQ(c->shown[1], now) TH_LOG("%s: pwrite at 3", dirs[d]);
		EXPECT_EQ(0, knob_pwrite(dirs[d], c->knob, c->good[0],
					 strlen(c->good[0]), 4096));
		ASSERT_EQ(0, sysfs_read(c->knob, now, sizeof(now)));
		EXPECT_STREQ(c->shown[0], now) TH_LOG("%s: pwrite at 4096", dirs[d]);
	}
}

/* Read a byte at a time, or from an offset: the same text. */
TEST_F(knob, read_in_pieces)
{
	const struct knob_case *c = variant->c;
	char path[256], whole[64], piece[64], want[64];
	size_t got = 0;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, sysfs_write(c->knob, c->good[0]));
	snprintf(want, sizeof(want), "%s\n", c->shown[0]);
	snprintf(path, sizeof(path), "%s/%s", SYSFS_DIR, c->knob);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	while ((n = read(fd, whole + got, 1)) == 1 && got < sizeof(whole) - 1)
		got++;
	EXPECT_EQ(0, n);
	whole[got] = '\0';
	EXPECT_STREQ(want, whole);
	n = pread(fd, piece, sizeof(piece) - 1, 1);
	ASSERT_EQ((ssize_t)strlen(want) - 1, n);
	piece[n] = '\0';
	EXPECT_STREQ(want + 1, piece);
	EXPECT_EQ(0, pread(fd, piece, sizeof(piece), 4096));
	close(fd);
}

/*
 * Concurrent writers of good and bad values to this knob (through sysfs
 * and the sysctl) and of another knob, while readers read it: every read
 * is one whole value that was written, good writes succeed, bad ones are
 * EINVAL, and the last value is one of the good ones. Bounded by counts.
 */
#define RACE_WRITERS	3
#define RACE_READERS	2
#define RACE_WRITES	300
#define RACE_READS	20000

struct race {
	const struct knob_case *c, *other;
	atomic_int writers_left;
	atomic_int bad_reads, bad_good, bad_bad, reads;
	char torn[64];
};

static int n_of(const char *const *v, int max)
{
	int n = 0;

	while (n < max && v[n])
		n++;
	return n;
}

static bool shown_value(const struct knob_case *c, const char *v)
{
	int i;

	for (i = 0; i < 8 && c->shown[i]; i++)
		if (!strcmp(c->shown[i], v))
			return true;
	return false;
}

static void *race_writer(void *arg)
{
	struct race *r = arg;
	const struct knob_case *c = r->c;
	int i, ng = n_of(c->good, 8), nb = n_of(c->bad, 12);

	for (i = 0; i < RACE_WRITES; i++) {
		const char *dir = has_sysctl(c) && i % 3 == 1 ? SYSCTL_DIR :
				  SYSFS_DIR;
		const char *bad = c->bad[(i / 2) % nb];

		if (i % 2 == 0) {
			if (knob_write(dir, c->knob, c->good[(i / 2) % ng]))
				r->bad_good++;
		} else if (*bad && knob_write(dir, c->knob, bad) != EINVAL) {
			r->bad_bad++;
		}
	}
	r->writers_left--;
	return NULL;
}

/* Another knob, at the same time: its good values, round and round. */
static void *race_other(void *arg)
{
	struct race *r = arg;
	const struct knob_case *o = r->other;
	int i, ng = n_of(o->good, 8);

	for (i = 0; i < RACE_WRITES; i++)
		if (sysfs_write(o->knob, o->good[i % ng]))
			r->bad_good++;
	r->writers_left--;
	return NULL;
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < RACE_READS && r->writers_left > 0; i++) {
		const char *dir = has_sysctl(r->c) && i % 2 ? SYSCTL_DIR :
				  SYSFS_DIR;
		char buf[64];

		if (knob_read(dir, r->c->knob, buf, sizeof(buf)) ||
		    !shown_value(r->c, buf)) {
			if (!r->bad_reads++)
				snprintf(r->torn, sizeof(r->torn), "%s", buf);
		}
		r->reads++;
	}
	return NULL;
}

TEST_F_TIMEOUT(knob, concurrent_writers_and_readers, 120)
{
	const struct knob_case *c = variant->c;
	pthread_t w[RACE_WRITERS], rd[RACE_READERS], ot;
	struct race r = { .c = c };
	char other_saved[64], now[64];
	int i;

	r.other = &knobs[(c - knobs + 1) % ARRAY_SIZE(knobs)];
	ASSERT_EQ(0, sysfs_read(r.other->knob, other_saved, sizeof(other_saved)));
	ASSERT_EQ(0, sysfs_write(c->knob, c->good[0]));
	r.writers_left = RACE_WRITERS + 1;
	for (i = 0; i < RACE_READERS; i++)
		ASSERT_EQ(0, pthread_create(&rd[i], NULL, race_reader, &r));
	for (i = 0; i < RACE_WRITERS; i++)
		ASSERT_EQ(0, pthread_create(&w[i], NULL, race_writer, &r));
	ASSERT_EQ(0, pthread_create(&ot, NULL, race_other, &r));
	for (i = 0; i < RACE_WRITERS; i++)
		pthread_join(w[i], NULL);
	pthread_join(ot, NULL);
	for (i = 0; i < RACE_READERS; i++)
		pthread_join(rd[i], NULL);
	EXPECT_EQ(0, r.bad_reads) TH_LOG("first bad read: '%s'", r.torn);
	EXPECT_EQ(0, r.bad_good);
	EXPECT_EQ(0, r.bad_bad);
	ASSERT_EQ(0, sysfs_read(c->knob, now, sizeof(now)));
	EXPECT_TRUE(shown_value(c, now)) TH_LOG("final '%s'", now);
	if (has_sysctl(c)) {
		char ctl[64];

		ASSERT_EQ(0, knob_read(SYSCTL_DIR, c->knob, ctl, sizeof(ctl)));
		EXPECT_STREQ(now, ctl);
	}
	TH_LOG("%d reads", (int)r.reads);
	EXPECT_EQ(0, sysfs_write(r.other->knob, other_saved));
}

TEST_HARNESS_MAIN
