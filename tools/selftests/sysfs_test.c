// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/socksec: every knob takes its valid values, refuses bad ones
 * with EINVAL keeping the old value, and is root's alone.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include "socksec_test.h"
#include "kselftest_harness.h"

struct knob_case {
	const char *knob;
	const char *good[6];	/* written, then read back as shown */
	const char *shown[6];
	const char *bad[8];
};

static const struct knob_case knobs[] = {
	{
		"default_protocol",
		{ "ktls", "any\n", "ipsec" },
		{ "ktls", "any", "ipsec" },
		{ "", "default", "ipsec2", "IPSEC", "ipsec ", "tls", "1" },
	},
	{
		"default_flags",
		{ "1", "0x2", "0", "02" },
		{ "0x1", "0x2", "0x0", "0x2" },
		{ "3", "4", "0x80000000", "-1", "encrypt", "", "1x" },
	},
	{
		"mode",
		{ "audit", "off\n", "enforce" },
		{ "audit", "off", "enforce" },
		{ "", "Enforce", "on", "enforce2", "1" },
	},
	{
		"protect_loopback",
		{ "1", "0", "y", "n" },
		{ "1", "0", "1", "0" },
		{ "", "2", "maybe", "-1" },
	},
	{
		"ipsec_reqid",
		{ "4242", "0x10", "0" },
		{ "4242", "16", "0" },
		{ "", "-1", "abc", "4294967296", "1 2" },
	},
	{
		"ipsec_mark",
		{ "0x10000000", "1", "0x01000000" },
		{ "0x10000000", "0x00000001", "0x01000000" },
		{ "", "0", "3", "0x80000000", "0x30000000", "mark" },
	},
	{
		"hold_timeout_ms",
		{ "100", "600000", "5000" },
		{ "100", "600000", "5000" },
		{ "", "99", "600001", "-5", "abc", "0" },
	},
	{
		"ktls_handshake_budget",
		{ "0", "1048576", "0x100", "32768" },
		{ "0", "1048576", "256", "32768" },
		{ "", "1048577", "-1", "4294967296", "32k", "1 2" },
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

TEST_HARNESS_MAIN
