// SPDX-License-Identifier: GPL-2.0
/*
 * Every network namespace has its own knobs (net.socksec.*): a new one
 * starts with the initial namespace's values, and from then on neither
 * side's changes reach the other. /sys/kernel/socksec is the initial
 * namespace's. A namespace's administrator (root in the user namespace
 * that owns it, privileged nowhere else) sets its knobs and nobody else's.
 * Run as root in the test VM with socksec loaded.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/wait.h>
#include "socksec_test.h"
#include "kselftest_harness.h"

static const char *const knobs[] = {
	"default_protocol", "default_flags", "mode", "protect_loopback",
	"ipsec_reqid", "hold_timeout_ms", "ktls_handshake_budget",
};

/* net.socksec.KNOB of the caller's namespace; 0 or errno. */
#define SYSCTL_DIR "/proc/sys/net/socksec"

static int sysctl_read(const char *knob, char *buf, size_t len)
{
	return knob_read(SYSCTL_DIR, knob, buf, len);
}

static int sysctl_write(const char *knob, const char *val)
{
	return knob_write(SYSCTL_DIR, knob, val);
}

FIXTURE(ns) {
	char saved[ARRAY_SIZE(knobs)][64];
};

FIXTURE_SETUP(ns)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		ASSERT_EQ(0, sysfs_read(knobs[i], self->saved[i],
					sizeof(self->saved[i])));
}

FIXTURE_TEARDOWN(ns)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		EXPECT_EQ(0, sysfs_write(knobs[i], self->saved[i]));
}

/* sysfs and the initial namespace's sysctls are the same knobs. */
TEST_F(ns, sysfs_is_the_initial_namespace)
{
	char buf[64];
	size_t i;

	ASSERT_EQ(0, sysfs_write("default_protocol", "ktls"));
	ASSERT_EQ(0, sysctl_read("default_protocol", buf, sizeof(buf)));
	EXPECT_STREQ("ktls", buf);
	ASSERT_EQ(0, sysctl_write("hold_timeout_ms", "1234"));
	ASSERT_EQ(0, sysfs_read("hold_timeout_ms", buf, sizeof(buf)));
	EXPECT_STREQ("1234", buf);
	/* The same syntax and the same refusals either way. */
	EXPECT_EQ(EINVAL, sysctl_write("default_flags", "3"));
	EXPECT_EQ(EINVAL, sysctl_write("mode", "on"));
	EXPECT_EQ(EINVAL, sysctl_write("hold_timeout_ms", "99"));
	EXPECT_EQ(EINVAL, sysctl_write("ktls_handshake_budget", "1048577"));
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		char a[64];

		ASSERT_EQ(0, sysfs_read(knobs[i], a, sizeof(a)));
		ASSERT_EQ(0, sysctl_read(knobs[i], buf, sizeof(buf)));
		EXPECT_STREQ(a, buf) TH_LOG("%s", knobs[i]);
	}
	/* The mark is global: no namespace has its own. */
	EXPECT_EQ(ENOENT, sysctl_read("ipsec_mark", buf, sizeof(buf)));
}

/*
 * In a child: a new namespace starts with the host's values; its own
 * changes stay its own. Exit status: 0, or the line of the failure.
 */
static int child_isolated(void)
{
	char buf[64];

	if (unshare(CLONE_NEWNET))
		return __LINE__;
	if (sysctl_read("mode", buf, sizeof(buf)) || strcmp(buf, "audit"))
		return __LINE__;
	if (sysctl_read("ktls_handshake_budget", buf, sizeof(buf)) ||
	    strcmp(buf, "777"))
		return __LINE__;
	if (sysctl_write("mode", "off") || sysctl_write("ipsec_reqid", "99"))
		return __LINE__;
	/* The host's (sysfs) did not move. */
	if (sysfs_read("mode", buf, sizeof(buf)) || strcmp(buf, "audit"))
		return __LINE__;
	if (sysfs_read("ipsec_reqid", buf, sizeof(buf)) || !strcmp(buf, "99"))
		return __LINE__;
	return 0;
}

TEST_F(ns, new_namespace_starts_with_host_values_then_stands_alone)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, sysfs_write("mode", "audit"));
	ASSERT_EQ(0, sysfs_write("ktls_handshake_budget", "777"));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(child_isolated());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("failed at line %d",
						 WEXITSTATUS(status));
}

/*
 * A KTLS socket's clear text on loopback: exempt where protect_loopback
 * is 0, refused where it is 1. Returns the socket error after sending.
 */
static int loopback_clear_text(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l, c, a, err = -1, i;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sin, len) ||
	    getsockname(l, (struct sockaddr *)&sin, &len) || listen(l, 1))
		return -1;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (ss_set(c, SOL_IP, SOCKSEC_PROTO_KTLS, 0) ||
	    connect(c, (struct sockaddr *)&sin, len))
		return -1;
	a = accept(l, NULL, NULL);
	send(c, "clear text", 10, MSG_NOSIGNAL);
	for (i = 0; i < 100; i++) {
		len = sizeof(err);
		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err)
			break;
		usleep(10000);
	}
	close(a);
	close(c);
	close(l);
	return err;
}

static int child_enforces_own(void)
{
	if (unshare(CLONE_NEWNET))
		return 1;
	if (sysctl_write("protect_loopback", "1") ||
	    sysctl_write("mode", "enforce"))
		return 2;
	/* lo of a new namespace starts down. */
	if (system("ip link set lo up"))
		return 3;
	return loopback_clear_text() == EACCES ? 0 : 4;
}

/* Enforcement follows the socket's namespace's knobs, not the host's. */
TEST_F(ns, enforcement_follows_the_namespace)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, sysfs_write("protect_loopback", "0"));
	ASSERT_EQ(0, sysfs_write("mode", "off"));
	EXPECT_EQ(0, loopback_clear_text());
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(child_enforces_own());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* ... and the host's stayed as they were. */
	EXPECT_EQ(0, loopback_clear_text());
}

/*
 * An unprivileged user's own user and network namespace: root there sets
 * that namespace's knobs, not the host's.
 */
static int child_unprivileged(void)
{
	char buf[64];

	if (setgid(65534) || setuid(65534))
		return 1;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 2;
	if (sysctl_write("default_protocol", "any"))
		return 3;
	if (sysctl_read("default_protocol", buf, sizeof(buf)) ||
	    strcmp(buf, "any"))
		return 4;
	if (sysfs_write("default_protocol", "any") != EACCES)
		return 5;
	return 0;
}

TEST_F(ns, namespace_owner_sets_its_own_knobs_only)
{
	char buf[64];
	int status;
	pid_t pid;

	ASSERT_EQ(0, sysfs_write("default_protocol", "ipsec"));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(child_unprivileged());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, sysfs_read("default_protocol", buf, sizeof(buf)));
	EXPECT_STREQ("ipsec", buf);
}

TEST_HARNESS_MAIN
