// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite over the parsers and printers of socksec's sysfs values
 * (module/decide.c): /sys/kernel/socksec/{default_protocol,mode,
 * default_flags}. A write that is refused must leave the value alone, so
 * every rejected spelling is also checked to leave the output untouched.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "decide_test.h"

#define UNTOUCHED 0xdeadbeefu

struct p_case {
	const char *in;
	int err;	/* 0 or -EINVAL */
	u32 out;	/* the value when accepted */
};

/* Printable description of an input: whitespace spelled out. */
static void p_desc(const char *in, char *desc)
{
	size_t o = 0;

	o += scnprintf(desc + o, KUNIT_PARAM_DESC_SIZE - o, "\"");
	for (; *in && o < KUNIT_PARAM_DESC_SIZE - 8; in++) {
		if (*in == '\n')
			o += scnprintf(desc + o, KUNIT_PARAM_DESC_SIZE - o, "\\n");
		else if (*in == '\t')
			o += scnprintf(desc + o, KUNIT_PARAM_DESC_SIZE - o, "\\t");
		else if (*in == ' ')
			o += scnprintf(desc + o, KUNIT_PARAM_DESC_SIZE - o, "<sp>");
		else
			o += scnprintf(desc + o, KUNIT_PARAM_DESC_SIZE - o, "%c", *in);
	}
	scnprintf(desc + o, KUNIT_PARAM_DESC_SIZE - o, "\"");
}

static void p_case_desc(const struct p_case *c, char *desc)
{
	p_desc(c->in, desc);
}

/* ------------------------------------------------ default_protocol --- */

static const struct p_case proto_cases[] = {
	{ "ipsec", 0, SOCKSEC_PROTO_IPSEC },
	{ "ipsec\n", 0, SOCKSEC_PROTO_IPSEC },
	{ "ktls", 0, SOCKSEC_PROTO_KTLS },
	{ "ktls\n", 0, SOCKSEC_PROTO_KTLS },
	{ "any", 0, SOCKSEC_PROTO_ANY },
	{ "any\n", 0, SOCKSEC_PROTO_ANY },
	/* DEFAULT would be circular; IPSEC2 is a per-socket choice. */
	{ "default", -EINVAL },
	{ "default\n", -EINVAL },
	{ "ipsec2", -EINVAL },
	{ "ipsec2\n", -EINVAL },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "IPSEC", -EINVAL },
	{ "Ktls", -EINVAL },
	{ " ipsec", -EINVAL },
	{ "ipsec ", -EINVAL },
	{ "ipsec\t", -EINVAL },
	{ "ipsec\n\n", -EINVAL },
	{ "ipsec\nktls", -EINVAL },
	{ "ipse", -EINVAL },
	{ "ipsecx", -EINVAL },
	{ "an", -EINVAL },
	{ "anything", -EINVAL },
	{ "none", -EINVAL },
	{ "off", -EINVAL },
	{ "0", -EINVAL },
	{ "1", -EINVAL },
	{ "3", -EINVAL },
	{ "4", -EINVAL },
};

KUNIT_ARRAY_PARAM(proto, proto_cases, p_case_desc);

static void parse_protocol_test(struct kunit *test)
{
	const struct p_case *c = test->param_value;
	u32 out = UNTOUCHED;

	KUNIT_EXPECT_EQ(test, socksec_parse_protocol(c->in, &out), c->err);
	KUNIT_EXPECT_EQ(test, out, c->err ? UNTOUCHED : c->out);
}

static void protocol_name_test(struct kunit *test)
{
	static const u32 settable[] = {
		SOCKSEC_PROTO_IPSEC, SOCKSEC_PROTO_KTLS, SOCKSEC_PROTO_ANY,
	};
	u32 out;
	size_t i;

	KUNIT_EXPECT_STREQ(test, socksec_protocol_name(0), "default");
	KUNIT_EXPECT_STREQ(test, socksec_protocol_name(1), "ipsec");
	KUNIT_EXPECT_STREQ(test, socksec_protocol_name(2), "ipsec2");
	KUNIT_EXPECT_STREQ(test, socksec_protocol_name(3), "ktls");
	KUNIT_EXPECT_STREQ(test, socksec_protocol_name(4), "any");
	KUNIT_EXPECT_STREQ(test, socksec_protocol_name(5), "unknown");
	KUNIT_EXPECT_STREQ(test, socksec_protocol_name(0x80000000), "unknown");
	KUNIT_EXPECT_STREQ(test, socksec_protocol_name(0xffffffff), "unknown");

	/* What sysfs shows, sysfs takes back (with echo's newline too). */
	for (i = 0; i < ARRAY_SIZE(settable); i++) {
		const char *name = socksec_protocol_name(settable[i]);
		char buf[16];

		out = UNTOUCHED;
		KUNIT_EXPECT_EQ(test, socksec_parse_protocol(name, &out), 0);
		KUNIT_EXPECT_EQ(test, out, settable[i]);
		snprintf(buf, sizeof(buf), "%s\n", name);
		out = UNTOUCHED;
		KUNIT_EXPECT_EQ(test, socksec_parse_protocol(buf, &out), 0);
		KUNIT_EXPECT_EQ(test, out, settable[i]);
	}
}

/* ------------------------------------------------------------ mode --- */

static const struct p_case mode_cases[] = {
	{ "enforce", 0, SOCKSEC_MODE_ENFORCE },
	{ "enforce\n", 0, SOCKSEC_MODE_ENFORCE },
	{ "audit", 0, SOCKSEC_MODE_AUDIT },
	{ "audit\n", 0, SOCKSEC_MODE_AUDIT },
	{ "off", 0, SOCKSEC_MODE_OFF },
	{ "off\n", 0, SOCKSEC_MODE_OFF },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "Enforce", -EINVAL },
	{ "OFF", -EINVAL },
	{ "on", -EINVAL },
	{ "of", -EINVAL },
	{ "offf", -EINVAL },
	{ "enforced", -EINVAL },
	{ "audi", -EINVAL },
	{ " off", -EINVAL },
	{ "off ", -EINVAL },
	{ "off\t", -EINVAL },
	{ "off\n\n", -EINVAL },
	{ "0", -EINVAL },
	{ "1", -EINVAL },
	{ "2", -EINVAL },
	{ "ipsec", -EINVAL },
};

KUNIT_ARRAY_PARAM(mode, mode_cases, p_case_desc);

static void parse_mode_test(struct kunit *test)
{
	const struct p_case *c = test->param_value;
	enum socksec_mode out = (enum socksec_mode)UNTOUCHED;

	KUNIT_EXPECT_EQ(test, socksec_parse_mode(c->in, &out), c->err);
	KUNIT_EXPECT_EQ(test, (u32)out, c->err ? UNTOUCHED : c->out);
}

static void mode_name_test(struct kunit *test)
{
	enum socksec_mode m, out;

	KUNIT_EXPECT_STREQ(test, socksec_mode_name(SOCKSEC_MODE_ENFORCE), "enforce");
	KUNIT_EXPECT_STREQ(test, socksec_mode_name(SOCKSEC_MODE_AUDIT), "audit");
	KUNIT_EXPECT_STREQ(test, socksec_mode_name(SOCKSEC_MODE_OFF), "off");
	KUNIT_EXPECT_STREQ(test, socksec_mode_name(__SOCKSEC_MODE_MAX), "unknown");
	KUNIT_EXPECT_STREQ(test, socksec_mode_name((enum socksec_mode)-1), "unknown");

	for (m = 0; m < __SOCKSEC_MODE_MAX; m++) {
		out = (enum socksec_mode)UNTOUCHED;
		KUNIT_EXPECT_EQ(test, socksec_parse_mode(socksec_mode_name(m), &out), 0);
		KUNIT_EXPECT_EQ(test, out, m);
	}
}

/* ----------------------------------------------------- default_flags --- */

static const struct p_case flags_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, SOCKSEC_GUARANTEE_ENCRYPTION },
	{ "2", 0, SOCKSEC_ALLOW_INSECURE },
	{ "0\n", 0, 0 },
	{ "1\n", 0, SOCKSEC_GUARANTEE_ENCRYPTION },
	{ "2\n", 0, SOCKSEC_ALLOW_INSECURE },
	{ "0x0", 0, 0 },
	{ "0x1", 0, SOCKSEC_GUARANTEE_ENCRYPTION },
	{ "0x2\n", 0, SOCKSEC_ALLOW_INSECURE },
	{ "0X2", 0, SOCKSEC_ALLOW_INSECURE },
	{ "00", 0, 0 },
	{ "01", 0, SOCKSEC_GUARANTEE_ENCRYPTION },
	{ "02\n", 0, SOCKSEC_ALLOW_INSECURE },
	{ "0x00000001", 0, SOCKSEC_GUARANTEE_ENCRYPTION },
	/* Both flags contradict each other, as on a socket. */
	{ "3", -EINVAL },
	{ "3\n", -EINVAL },
	{ "0x3", -EINVAL },
	{ "03", -EINVAL },
	/* Out of range: unknown bits. */
	{ "4", -EINVAL },
	{ "5", -EINVAL },
	{ "8", -EINVAL },
	{ "0x10", -EINVAL },
	{ "0x80000000", -EINVAL },
	{ "0x80000001", -EINVAL },
	{ "2147483649", -EINVAL },
	{ "4294967295", -EINVAL },
	{ "0xffffffff", -EINVAL },
	{ "4294967296", -EINVAL },		/* overflows u32 */
	{ "4294967297", -EINVAL },		/* would wrap to 1 */
	{ "0x100000001", -EINVAL },
	{ "18446744073709551617", -EINVAL },
	{ "-1", -EINVAL },
	{ "-0", -EINVAL },
	/* Not a number. */
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ " 1", -EINVAL },
	{ "1 ", -EINVAL },
	{ "1\t", -EINVAL },
	{ "1\n\n", -EINVAL },
	{ "1,2", -EINVAL },
	{ "1.0", -EINVAL },
	{ "0x", -EINVAL },
	{ "08", -EINVAL },
	{ "0b1", -EINVAL },
	{ "1a", -EINVAL },
	{ "encrypt", -EINVAL },
	{ "guarantee_encryption", -EINVAL },
	{ "insecure", -EINVAL },
};

KUNIT_ARRAY_PARAM(flags, flags_cases, p_case_desc);

static void parse_flags_test(struct kunit *test)
{
	const struct p_case *c = test->param_value;
	u32 out = UNTOUCHED;

	KUNIT_EXPECT_EQ(test, socksec_parse_flags(c->in, &out), c->err);
	KUNIT_EXPECT_EQ(test, out, c->err ? UNTOUCHED : c->out);
}

/*
 * A default can never hold flags a socket could not set: default_flags
 * takes a number exactly when SOCKSEC_SETTINGS takes it as flags.
 */
static void flags_match_sockopt_test(struct kunit *test)
{
	static const u32 values[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 0x100, 0x80000000,
		0x80000001, 0x80000002, 0xfffffffe, 0xffffffff,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(values); i++) {
		struct socksec_settings s = {
			.protocol = SOCKSEC_PROTO_IPSEC,
			.flags = values[i],
		};
		char dec[16], hex[16];
		u32 out;

		snprintf(dec, sizeof(dec), "%u", values[i]);
		snprintf(hex, sizeof(hex), "0x%x\n", values[i]);
		KUNIT_EXPECT_EQ_MSG(test, socksec_parse_flags(dec, &out) == 0,
				    socksec_validate(&s, SOCKSEC_SK_TCP) == 0,
				    "flags %s", dec);
		KUNIT_EXPECT_EQ_MSG(test, socksec_parse_flags(hex, &out) == 0,
				    socksec_validate(&s, SOCKSEC_SK_TCP) == 0,
				    "flags 0x%x", values[i]);
	}
}

static struct kunit_case socksec_sysfs_parse_cases[] = {
	KUNIT_CASE_PARAM(parse_protocol_test, proto_gen_params),
	KUNIT_CASE(protocol_name_test),
	KUNIT_CASE_PARAM(parse_mode_test, mode_gen_params),
	KUNIT_CASE(mode_name_test),
	KUNIT_CASE_PARAM(parse_flags_test, flags_gen_params),
	KUNIT_CASE(flags_match_sockopt_test),
	{}
};

static struct kunit_suite socksec_sysfs_parse_suite = {
	.name = "socksec_sysfs_parse",
	.test_cases = socksec_sysfs_parse_cases,
};

kunit_test_suite(socksec_sysfs_parse_suite);
