// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites over socksec's pure decision logic (module/decide.c):
 * validating settings, interning them, resolving DEFAULT against the
 * administrator's defaults, and the verdict on one outgoing packet.
 *
 * The expectations come from the documented contract (uapi/linux/socksec.h,
 * Documentation, DESIGN.md "Semantics"), written down as tables of cases
 * and properties; they are not a copy of the code.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include "decide_test.h"

#define G SOCKSEC_GUARANTEE_ENCRYPTION
#define A SOCKSEC_ALLOW_INSECURE

static const enum socksec_sock_kind all_kinds[] = {
	SOCKSEC_SK_TCP, SOCKSEC_SK_UDP, SOCKSEC_SK_OTHER,
};

/* ================================================================ ABI === */

/*
 * Once released, the numbers and layouts of uapi/linux/socksec.h never
 * change: pin every one of them.
 */
static void abi_numbers_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, SOCKSEC_SETTINGS, 4800);
	KUNIT_EXPECT_EQ(test, SOCKSEC_QUERY, 4801);

	KUNIT_EXPECT_EQ(test, SOCKSEC_PROTO_DEFAULT, 0);
	KUNIT_EXPECT_EQ(test, SOCKSEC_PROTO_IPSEC, 1);
	KUNIT_EXPECT_EQ(test, SOCKSEC_PROTO_IPSEC2, 2);
	KUNIT_EXPECT_EQ(test, SOCKSEC_PROTO_KTLS, 3);
	KUNIT_EXPECT_EQ(test, SOCKSEC_PROTO_ANY, 4);

	KUNIT_EXPECT_EQ(test, SOCKSEC_GUARANTEE_ENCRYPTION, 0x1u);
	KUNIT_EXPECT_EQ(test, SOCKSEC_ALLOW_INSECURE, 0x2u);

	KUNIT_EXPECT_EQ(test, SOCKSEC_STATE_REQUIRED, 0x01u);
	KUNIT_EXPECT_EQ(test, SOCKSEC_STATE_PENDING, 0x02u);
	KUNIT_EXPECT_EQ(test, SOCKSEC_STATE_SECURED, 0x04u);
	KUNIT_EXPECT_EQ(test, SOCKSEC_STATE_ENCRYPTED, 0x08u);
	KUNIT_EXPECT_EQ(test, SOCKSEC_STATE_INSECURE, 0x10u);
	KUNIT_EXPECT_EQ(test, SOCKSEC_STATE_REFUSED, 0x20u);
	KUNIT_EXPECT_EQ(test, SOCKSEC_ALG_NAME_LEN, 64);
}

static void abi_layout_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct socksec_settings), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_settings, protocol), 0);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_settings, flags), 4);

	KUNIT_EXPECT_EQ(test, sizeof(struct socksec_query), 160);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, protocol), 0);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, flags), 4);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, state), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, mechanism), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, spi_out), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, spi_in), 20);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, enc_alg), 24);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, auth_alg), 88);
	/* Grown at its end: programs built before still get their part. */
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, tls_version), 152);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, tls_cipher), 154);
	KUNIT_EXPECT_EQ(test, offsetof(struct socksec_query, tls_dirs), 156);

	/* Interned objects leave the low bits of sk_user_data for its tags. */
	KUNIT_EXPECT_EQ(test, __alignof__(struct socksec_iset), 8);
}

static struct kunit_case socksec_abi_cases[] = {
	KUNIT_CASE(abi_numbers_test),
	KUNIT_CASE(abi_layout_test),
	{}
};

static struct kunit_suite socksec_abi_suite = {
	.name = "socksec_abi",
	.test_cases = socksec_abi_cases,
};

/* =========================================================== validate === */

/*
 * The documented rules, as properties of each protocol value and each flags
 * value (uapi/linux/socksec.h, "setsockopt() errors"):
 *   unknown protocol                          EPROTONOSUPPORT
 *   unknown flag bits, or both flags          EINVAL
 *   socket neither TCP nor UDP                ESOCKTNOSUPPORT
 *   SOCKSEC_PROTO_KTLS on a non-TCP socket    EPROTOTYPE
 * and, when several apply, the value is judged before the socket
 * (decide.c, socksec_validate): protocol, flags, socket type, kTLS-on-TCP.
 */
struct v_proto {
	u32 protocol;
	bool known;
	bool tcp_only;
};

static const struct v_proto v_protos[] = {
	{ 0, true, false },		/* DEFAULT */
	{ 1, true, false },		/* IPSEC */
	{ 2, true, false },		/* IPSEC2 */
	{ 3, true, true },		/* KTLS: TCP only */
	{ 4, true, false },		/* ANY */
	{ 5, false, false },		/* first unknown */
	{ 6, false, false },
	{ 0xff, false, false },
	{ 0x100, false, false },
	{ 0x103, false, false },	/* KTLS in the low byte */
	{ 0x10001, false, false },	/* IPSEC in the low half */
	{ 0x7fffffff, false, false },
	{ 0x80000000, false, false },
	{ 0x80000001, false, false },
	{ 0xfffffffe, false, false },
	{ 0xffffffff, false, false },
};

struct v_flags {
	u32 flags;
	bool valid;
};

static const struct v_flags v_flagsets[] = {
	{ 0x0, true },
	{ 0x1, true },			/* GUARANTEE_ENCRYPTION */
	{ 0x2, true },			/* ALLOW_INSECURE */
	{ 0x3, false },			/* both: contradictory */
	{ 0x4, false },			/* unknown bits ... */
	{ 0x5, false },
	{ 0x6, false },
	{ 0x7, false },
	{ 0x8, false },
	{ 0x10, false },
	{ 0x100, false },
	{ 0x80000000, false },
	{ 0x80000001, false },
	{ 0x80000002, false },
	{ 0xfffffffc, false },
	{ 0xfffffffe, false },
	{ 0xffffffff, false },
};

static int v_expected(const struct v_proto *p, const struct v_flags *f,
		      enum socksec_sock_kind kind)
{
	if (!p->known)
		return -EPROTONOSUPPORT;
	if (!f->valid)
		return -EINVAL;
	if (kind != SOCKSEC_SK_TCP && kind != SOCKSEC_SK_UDP)
		return -ESOCKTNOSUPPORT;
	if (p->tcp_only && kind != SOCKSEC_SK_TCP)
		return -EPROTOTYPE;
	return 0;
}

static void v_proto_desc(const struct v_proto *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "protocol 0x%x (%s)",
		 p->protocol, t_proto(p->protocol));
}

KUNIT_ARRAY_PARAM(v_proto, v_protos, v_proto_desc);

/* One protocol value against every flags value and every socket kind. */
static void validate_matrix_test(struct kunit *test)
{
	const struct v_proto *p = test->param_value;
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(v_flagsets); i++) {
		for (k = 0; k < ARRAY_SIZE(all_kinds); k++) {
			const struct v_flags *f = &v_flagsets[i];
			struct socksec_settings s = {
				.protocol = p->protocol,
				.flags = f->flags,
			};
			int want = v_expected(p, f, all_kinds[k]);

			KUNIT_EXPECT_EQ_MSG(test, socksec_validate(&s, all_kinds[k]),
					    want,
					    "protocol=0x%x flags=0x%x kind=%s",
					    s.protocol, s.flags,
					    t_kind(all_kinds[k]));
			/* The settings are an input, never rewritten. */
			KUNIT_EXPECT_EQ(test, s.protocol, p->protocol);
			KUNIT_EXPECT_EQ(test, s.flags, f->flags);
			if (t_failed(test))
				return;
		}
	}
}

/* Hand-picked cases, each with its errno written out. */
struct v_case {
	const char *name;
	u32 protocol, flags;
	enum socksec_sock_kind kind;
	int err;
};

static const struct v_case v_cases[] = {
	{ "ipsec tcp", 1, 0, SOCKSEC_SK_TCP, 0 },
	{ "ipsec udp", 1, 0, SOCKSEC_SK_UDP, 0 },
	{ "ipsec2 tcp encrypt", 2, G, SOCKSEC_SK_TCP, 0 },
	{ "ipsec udp insecure", 1, A, SOCKSEC_SK_UDP, 0 },
	{ "default tcp", 0, 0, SOCKSEC_SK_TCP, 0 },
	{ "default udp insecure", 0, A, SOCKSEC_SK_UDP, 0 },
	{ "ktls tcp", 3, 0, SOCKSEC_SK_TCP, 0 },
	{ "ktls tcp encrypt", 3, G, SOCKSEC_SK_TCP, 0 },
	{ "ktls udp", 3, 0, SOCKSEC_SK_UDP, -EPROTOTYPE },
	{ "ktls udp encrypt", 3, G, SOCKSEC_SK_UDP, -EPROTOTYPE },
	{ "any udp (ipsec can serve)", 4, 0, SOCKSEC_SK_UDP, 0 },
	{ "any tcp insecure", 4, A, SOCKSEC_SK_TCP, 0 },
	{ "ipsec raw socket", 1, 0, SOCKSEC_SK_OTHER, -ESOCKTNOSUPPORT },
	{ "ktls raw socket", 3, 0, SOCKSEC_SK_OTHER, -ESOCKTNOSUPPORT },
	{ "both flags", 1, G | A, SOCKSEC_SK_TCP, -EINVAL },
	{ "unknown flag bit 2", 1, 0x4, SOCKSEC_SK_TCP, -EINVAL },
	{ "unknown flag bit 31", 1, 0x80000000, SOCKSEC_SK_TCP, -EINVAL },
	{ "encrypt plus unknown bit", 1, G | 0x8, SOCKSEC_SK_TCP, -EINVAL },
	{ "protocol 5", 5, 0, SOCKSEC_SK_TCP, -EPROTONOSUPPORT },
	{ "protocol -1", 0xffffffff, 0, SOCKSEC_SK_TCP, -EPROTONOSUPPORT },
	/* Precedence: the value before the socket, protocol before flags. */
	{ "bad protocol and bad flags", 9, G | A, SOCKSEC_SK_TCP, -EPROTONOSUPPORT },
	{ "bad protocol on raw socket", 9, 0, SOCKSEC_SK_OTHER, -EPROTONOSUPPORT },
	{ "bad flags on raw socket", 1, 0x10, SOCKSEC_SK_OTHER, -EINVAL },
	{ "both flags, ktls on udp", 3, G | A, SOCKSEC_SK_UDP, -EINVAL },
	{ "ktls on raw socket is the type's fault", 3, 0, SOCKSEC_SK_OTHER, -ESOCKTNOSUPPORT },
};

static void v_case_desc(const struct v_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(v_case, v_cases, v_case_desc);

static void validate_cases_test(struct kunit *test)
{
	const struct v_case *c = test->param_value;
	struct socksec_settings s = { .protocol = c->protocol, .flags = c->flags };

	KUNIT_EXPECT_EQ(test, socksec_validate(&s, c->kind), c->err);
}

static struct kunit_case socksec_validate_cases[] = {
	KUNIT_CASE_PARAM(validate_matrix_test, v_proto_gen_params),
	KUNIT_CASE_PARAM(validate_cases_test, v_case_gen_params),
	{}
};

static struct kunit_suite socksec_validate_suite = {
	.name = "socksec_validate",
	.test_cases = socksec_validate_cases,
};

/* ============================================================= intern === */

/* Every valid value: 5 protocols x 3 flag combinations. */
static const struct socksec_settings i_valid[] = {
	{ 0, 0 }, { 0, G }, { 0, A },
	{ 1, 0 }, { 1, G }, { 1, A },
	{ 2, 0 }, { 2, G }, { 2, A },
	{ 3, 0 }, { 3, G }, { 3, A },
	{ 4, 0 }, { 4, G }, { 4, A },
};

static void i_valid_desc(const struct socksec_settings *s, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s flags 0x%x",
		 t_proto(s->protocol), s->flags);
}

KUNIT_ARRAY_PARAM(i_valid, i_valid, i_valid_desc);

static void intern_valid_test(struct kunit *test)
{
	const struct socksec_settings *want = test->param_value;
	struct socksec_settings on_stack = *want;
	struct socksec_settings *on_heap;
	const struct socksec_iset *a, *b, *c;

	on_heap = kunit_kzalloc(test, sizeof(*on_heap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, on_heap);
	*on_heap = *want;

	a = socksec_intern(want);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, a->protocol, want->protocol);
	KUNIT_EXPECT_EQ(test, a->flags, want->flags);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((uintptr_t)a, 8));
	KUNIT_EXPECT_TRUE(test, socksec_iset_owned(a));

	/* Equal values from anywhere intern to the same object. */
	b = socksec_intern(&on_stack);
	c = socksec_intern(on_heap);
	KUNIT_EXPECT_PTR_EQ(test, b, a);
	KUNIT_EXPECT_PTR_EQ(test, c, a);

	/* The object is not the caller's memory. */
	KUNIT_EXPECT_PTR_NE(test, (const void *)a, (const void *)want);
	KUNIT_EXPECT_PTR_NE(test, (const void *)a, (const void *)on_heap);
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned(on_heap));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned(&on_stack));

	/* Every value a TCP socket may set interns. */
	KUNIT_EXPECT_EQ(test, socksec_validate(want, SOCKSEC_SK_TCP), 0);
}

/* Distinct values intern to distinct objects. */
static void intern_distinct_test(struct kunit *test)
{
	const struct socksec_iset *p[ARRAY_SIZE(i_valid)];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(i_valid); i++) {
		p[i] = socksec_intern(&i_valid[i]);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	for (i = 0; i < ARRAY_SIZE(i_valid); i++)
		for (j = i + 1; j < ARRAY_SIZE(i_valid); j++)
			KUNIT_EXPECT_PTR_NE_MSG(test, p[i], p[j],
						"%s/0x%x vs %s/0x%x",
						t_proto(i_valid[i].protocol),
						i_valid[i].flags,
						t_proto(i_valid[j].protocol),
						i_valid[j].flags);
}

/*
 * Over every protocol and flags value of the validate tables: a value
 * interns exactly when a TCP socket may set it, and invalid values give
 * NULL.
 */
static void intern_invalid_test(struct kunit *test)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(v_protos); i++) {
		for (j = 0; j < ARRAY_SIZE(v_flagsets); j++) {
			struct socksec_settings s = {
				.protocol = v_protos[i].protocol,
				.flags = v_flagsets[j].flags,
			};
			bool valid = v_protos[i].known && v_flagsets[j].valid;
			const struct socksec_iset *p = socksec_intern(&s);

			if (valid) {
				KUNIT_EXPECT_NOT_NULL_MSG(test, p,
							  "protocol=0x%x flags=0x%x",
							  s.protocol, s.flags);
			} else {
				KUNIT_EXPECT_NULL_MSG(test, p,
						      "protocol=0x%x flags=0x%x",
						      s.protocol, s.flags);
			}
			KUNIT_EXPECT_EQ_MSG(test, !!p,
					    socksec_validate(&s, SOCKSEC_SK_TCP) == 0,
					    "protocol=0x%x flags=0x%x",
					    s.protocol, s.flags);
			if (t_failed(test))
				return;
		}
	}
}

static bool i_is_interned(const void *c, const struct socksec_iset **all,
			  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c == (const void *)all[i])
			return true;
	return false;
}

/*
 * socksec_iset_owned() is true exactly for the pointers socksec_intern()
 * hands out: not for NULL, not for pointers next to or inside them, not for
 * tagged or misaligned ones, not for copies elsewhere.
 */
static void iset_owned_test(struct kunit *test)
{
	static const struct socksec_iset static_copy = { 1, 0 };
	const struct socksec_iset *all[ARRAY_SIZE(i_valid)];
	struct socksec_iset stack_copy = { 1, 0 };
	struct socksec_iset *heap_copy;
	uintptr_t lo = ULONG_MAX, hi = 0;
	static const long deltas[] = {
		-24, -16, -8, -4, -1, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32,
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(i_valid); i++) {
		all[i] = socksec_intern(&i_valid[i]);
		KUNIT_ASSERT_NOT_NULL(test, all[i]);
		KUNIT_EXPECT_TRUE(test, socksec_iset_owned(all[i]));
		lo = min_t(uintptr_t, lo, (uintptr_t)all[i]);
		hi = max_t(uintptr_t, hi, (uintptr_t)all[i]);
	}

	KUNIT_EXPECT_FALSE(test, socksec_iset_owned(NULL));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned(&stack_copy));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned(&static_copy));
	heap_copy = kunit_kzalloc(test, sizeof(*heap_copy), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap_copy);
	*heap_copy = *all[3];
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned(heap_copy));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned(test));

	/*
	 * Just outside the interned objects (before the first, past the
	 * last) and every offset around each of them: owned only when the
	 * address is itself one of the interned objects.
	 */
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		for (j = 0; j < ARRAY_SIZE(deltas); j++) {
			const void *c = (const void *)((uintptr_t)all[i] + deltas[j]);

			KUNIT_EXPECT_EQ_MSG(test, socksec_iset_owned(c),
					    i_is_interned(c, all, ARRAY_SIZE(all)),
					    "%s/0x%x %+ld bytes",
					    t_proto(i_valid[i].protocol),
					    i_valid[i].flags, deltas[j]);
		}
		/* sk_user_data tag bits left in: not ours. */
		KUNIT_EXPECT_FALSE(test,
				   socksec_iset_owned((void *)((uintptr_t)all[i] | 1)));
		KUNIT_EXPECT_FALSE(test,
				   socksec_iset_owned((void *)((uintptr_t)all[i] | 2)));
		if (t_failed(test))
			return;
	}
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned((void *)(lo - 8)));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned((void *)(lo - 1)));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned((void *)(hi + 8)));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned((void *)(hi + 16)));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned((void *)(hi + 64)));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned((void *)ULONG_MAX));
	KUNIT_EXPECT_FALSE(test, socksec_iset_owned((void *)(ULONG_MAX & ~7UL)));
}

static struct kunit_case socksec_intern_cases[] = {
	KUNIT_CASE_PARAM(intern_valid_test, i_valid_gen_params),
	KUNIT_CASE(intern_distinct_test),
	KUNIT_CASE(intern_invalid_test),
	KUNIT_CASE(iset_owned_test),
	{}
};

static struct kunit_suite socksec_intern_suite = {
	.name = "socksec_intern",
	.test_cases = socksec_intern_cases,
};

/* ============================================================ resolve === */

struct r_case {
	const char *name;
	u32 set_protocol, set_flags;	/* the socket's (interned) settings */
	u32 def_protocol, def_flags;	/* sysfs defaults */
	u32 protocol, flags;		/* expected effective requirement */
};

static const struct r_case r_cases[] = {
	/* An explicit protocol is taken as is: the defaults don't apply. */
	{ "ipsec keeps its flags", 1, 0, 3, G, 1, 0 },
	{ "ipsec+encrypt ignores default insecure", 1, G, 3, A, 1, G },
	{ "ipsec+insecure ignores default encrypt", 1, A, 4, G, 1, A },
	{ "ipsec2 stays ipsec2", 2, G, 1, 0, 2, G },
	{ "ktls stays ktls", 3, 0, 1, G, 3, 0 },
	{ "ktls+insecure stays", 3, A, 4, A, 3, A },
	{ "any stays any", 4, 0, 1, G, 4, 0 },
	{ "any+encrypt stays", 4, G, 3, 0, 4, G },
	/* DEFAULT takes the default protocol and ORs the default flags. */
	{ "default -> ipsec", 0, 0, 1, 0, 1, 0 },
	{ "default -> ktls", 0, 0, 3, 0, 3, 0 },
	{ "default -> any", 0, 0, 4, 0, 4, 0 },
	{ "default gets default encrypt", 0, 0, 1, G, 1, G },
	{ "default gets default insecure", 0, 0, 4, A, 4, A },
	{ "default+encrypt keeps encrypt", 0, G, 3, 0, 3, G },
	{ "default+insecure keeps insecure", 0, A, 1, 0, 1, A },
	{ "default+insecure, default insecure", 0, A, 1, A, 1, A },
	{ "default+encrypt, default encrypt", 0, G, 4, G, 4, G },
	/* Both after the OR: the stricter wins, a default only tightens. */
	{ "default+insecure, default encrypt", 0, A, 1, G, 1, G },
	{ "default+encrypt, default insecure", 0, G, 3, A, 3, G },
	{ "default+insecure, default encrypt (any)", 0, A, 4, G, 4, G },
	/* Stray bits in the defaults never reach the effective flags. */
	{ "default ignores unknown default bits", 0, 0, 1, 0x4 | A, 1, A },
	{ "default ignores high default bits", 0, G, 4, 0x80000000, 4, G },
};

static void r_case_desc(const struct r_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(r_case, r_cases, r_case_desc);

static void resolve_cases_test(struct kunit *test)
{
	const struct r_case *c = test->param_value;
	struct socksec_settings s = {
		.protocol = c->set_protocol,
		.flags = c->set_flags,
	};
	struct socksec_defaults def = {
		.protocol = c->def_protocol,
		.flags = c->def_flags,
		.mode = SOCKSEC_MODE_ENFORCE,
	};
	const struct socksec_iset *set = socksec_intern(&s);
	struct socksec_effective eff;

	KUNIT_ASSERT_NOT_NULL(test, set);
	memset(&eff, 0xa5, sizeof(eff));
	socksec_resolve(set, &def, &eff);
	KUNIT_EXPECT_EQ(test, eff.protocol, c->protocol);
	KUNIT_EXPECT_EQ(test, eff.flags, c->flags);
	/* The interned object is shared: resolving must not change it. */
	KUNIT_EXPECT_EQ(test, set->protocol, c->set_protocol);
	KUNIT_EXPECT_EQ(test, set->flags, c->set_flags);
}

/*
 * Every interned value against every valid default: properties that must
 * hold whatever the table above forgot.
 */
static void resolve_all_test(struct kunit *test)
{
	static const u32 def_protocols[] = { 1, 3, 4 };
	static const u32 def_flags[] = { 0, G, A };
	size_t i, j, k;

	for (i = 0; i < ARRAY_SIZE(i_valid); i++) {
		for (j = 0; j < ARRAY_SIZE(def_protocols); j++) {
			for (k = 0; k < ARRAY_SIZE(def_flags); k++) {
				const struct socksec_iset *set = socksec_intern(&i_valid[i]);
				struct socksec_defaults def = {
					.protocol = def_protocols[j],
					.flags = def_flags[k],
				};
				struct socksec_effective eff;
				u32 asked = i_valid[i].flags | def_flags[k];

				KUNIT_ASSERT_NOT_NULL(test, set);
				memset(&eff, 0x5a, sizeof(eff));
				socksec_resolve(set, &def, &eff);

				/* Never DEFAULT, never contradictory, never unknown bits. */
				KUNIT_EXPECT_NE(test, eff.protocol, (u32)SOCKSEC_PROTO_DEFAULT);
				KUNIT_EXPECT_LE(test, eff.protocol, (u32)SOCKSEC_PROTO_LAST);
				KUNIT_EXPECT_NE(test, eff.flags, G | A);
				KUNIT_EXPECT_EQ(test, eff.flags & ~(G | A), 0u);

				if (i_valid[i].protocol != SOCKSEC_PROTO_DEFAULT) {
					KUNIT_EXPECT_EQ(test, eff.protocol, i_valid[i].protocol);
					KUNIT_EXPECT_EQ(test, eff.flags, i_valid[i].flags);
				} else {
					KUNIT_EXPECT_EQ(test, eff.protocol, def_protocols[j]);
					/* A flag asked for by either side is in force ... */
					if (asked & G)
						KUNIT_EXPECT_TRUE(test, eff.flags & G);
					/* ... except insecure, which encryption overrides. */
					if ((asked & A) && !(asked & G))
						KUNIT_EXPECT_TRUE(test, eff.flags & A);
					if (asked & G)
						KUNIT_EXPECT_FALSE(test, eff.flags & A);
					/* Nothing that was not asked for. */
					KUNIT_EXPECT_EQ(test, eff.flags & ~asked, 0u);
				}
				if (t_failed(test)) {
					kunit_info(test, "failed for socket %s/0x%x, default %s/0x%x\n",
						   t_proto(i_valid[i].protocol), i_valid[i].flags,
						   t_proto(def_protocols[j]), def_flags[k]);
					return;
				}
			}
		}
	}
}

static struct kunit_case socksec_resolve_cases[] = {
	KUNIT_CASE_PARAM(resolve_cases_test, r_case_gen_params),
	KUNIT_CASE(resolve_all_test),
	{}
};

static struct kunit_suite socksec_resolve_suite = {
	.name = "socksec_resolve",
	.test_cases = socksec_resolve_cases,
};

/* ============================================================= decide === */

/* Packets, as the hook describes them. */
#define PKT(lo, tr, q, x, kt, pl) {					\
	.loopback = (lo), .transformed = (tr), .xfrm_queued = (q),	\
	.xfrm = SOCKSEC_XFRM_##x, .ktls_tx = (kt), .has_payload = (pl) }
/* Data in clear; a SYN or pure ACK in clear (no payload). */
#define CLEAR_DATA		PKT(0, 0, 0, NONE, 0, 1)
#define CLEAR_SYN		PKT(0, 0, 0, NONE, 0, 0)
/* Held on xfrm's queue while the SA is negotiated. */
#define QUEUED_SYN		PKT(0, 0, 1, NONE, 0, 0)
#define QUEUED_DATA		PKT(0, 0, 1, NONE, 0, 1)
/* The bundle applies ESP with a cipher / AH or ESP-NULL. */
#define ESP_DATA		PKT(0, 0, 0, ENCRYPTED, 0, 1)
#define ESP_SYN			PKT(0, 0, 0, ENCRYPTED, 0, 0)
#define AH_DATA			PKT(0, 0, 0, INTEGRITY, 0, 1)
#define AH_SYN			PKT(0, 0, 0, INTEGRITY, 0, 0)
/* kTLS TX installed. */
/*
 * Plain segments of a kTLS stream: the handshake tracker vouches for
 * them (the hook judges every one of KTLS sockets, and of ANY sockets
 * those IPsec does not protect).
 */
#define TLS_PKT(lo, x, pl) {						\
	.loopback = (lo), .xfrm = SOCKSEC_XFRM_##x, .ktls_tx = 1,	\
	.has_payload = (pl), .handshake = SOCKSEC_HS_OK }
#define KTLS_DATA		TLS_PKT(0, NONE, 1)
#define KTLS_ACK		TLS_PKT(0, NONE, 0)
#define KTLS_OVER_AH		TLS_PKT(0, INTEGRITY, 1)
#define KTLS_OVER_ESP		TLS_PKT(0, ENCRYPTED, 1)
/* kTLS installed, but the segment holds clear bytes written before it. */
#define KTLS_UNFRAMED		{ .ktls_tx = 1, .has_payload = 1,	\
				  .handshake = SOCKSEC_HS_UNFRAMED }
#define KTLS_UNFRAMED_OVER_ESP	{ .ktls_tx = 1, .has_payload = 1,	\
				  .handshake = SOCKSEC_HS_UNFRAMED,	\
				  .xfrm = SOCKSEC_XFRM_ENCRYPTED }
/* Before TLS_TX: handshake records; non-TLS bytes; past the budget. */
#define HS_RECORDS		{ .has_payload = 1, .handshake = SOCKSEC_HS_OK }
#define HS_UNFRAMED		{ .has_payload = 1,			\
				  .handshake = SOCKSEC_HS_UNFRAMED }
#define HS_BUDGET		{ .has_payload = 1, .handshake = SOCKSEC_HS_BUDGET }
#define HS_BUDGET_OVER_ESP	{ .has_payload = 1,			\
				  .handshake = SOCKSEC_HS_BUDGET,	\
				  .xfrm = SOCKSEC_XFRM_ENCRYPTED }
#define HS_BUDGET_OVER_AH	{ .has_payload = 1,			\
				  .handshake = SOCKSEC_HS_BUDGET,	\
				  .xfrm = SOCKSEC_XFRM_INTEGRITY }
/*
 * The ESP/AH output of xfrm, passing LOCAL_OUT again: its level is that of
 * the SA found again by SPI (NONE when there is none), and its payload is
 * inside ESP, so the hook reports none (Documentation/design.rst).
 */
#define ESP_OUTPUT		PKT(0, 1, 0, ENCRYPTED, 0, 0)
#define AH_OUTPUT		PKT(0, 1, 0, INTEGRITY, 0, 0)
#define LOST_SA_OUTPUT		PKT(0, 1, 0, NONE, 0, 0)
#define ESP_OUTPUT_KTLS		PKT(0, 1, 0, ENCRYPTED, 1, 0)
#define AH_OUTPUT_KTLS		PKT(0, 1, 0, INTEGRITY, 1, 0)
/* Over lo. */
#define LO_CLEAR_DATA		PKT(1, 0, 0, NONE, 0, 1)
#define LO_CLEAR_SYN		PKT(1, 0, 0, NONE, 0, 0)
#define LO_QUEUED_SYN		PKT(1, 0, 1, NONE, 0, 0)
#define LO_ESP_DATA		PKT(1, 0, 0, ENCRYPTED, 0, 1)
#define LO_AH_DATA		PKT(1, 0, 0, INTEGRITY, 0, 1)
#define LO_KTLS_DATA		TLS_PKT(1, NONE, 1)

#define ENF SOCKSEC_MODE_ENFORCE
#define AUD SOCKSEC_MODE_AUDIT
#define OFF SOCKSEC_MODE_OFF

struct d_case {
	const char *name;
	u32 protocol, flags;		/* effective (resolved) requirement */
	enum socksec_mode mode;
	bool protect_loopback;
	struct socksec_pkt_facts f;
	enum socksec_verdict verdict;
	enum socksec_reason reason;
};

#define V(v) SOCKSEC_##v
#define R(r) SOCKSEC_R_##r

static const struct d_case d_cases[] = {
	/* ---- IPsec ---- */
	{ "ipsec: esp data", 1, 0, ENF, 0, ESP_DATA, V(PASS), R(NONE) },
	{ "ipsec: esp syn", 1, 0, ENF, 0, ESP_SYN, V(PASS), R(NONE) },
	{ "ipsec: ah data", 1, 0, ENF, 0, AH_DATA, V(PASS), R(NONE) },
	{ "ipsec: ah syn", 1, 0, ENF, 0, AH_SYN, V(PASS), R(NONE) },
	{ "ipsec: clear data dropped", 1, 0, ENF, 0, CLEAR_DATA, V(DROP), R(NO_SA) },
	{ "ipsec: clear syn dropped", 1, 0, ENF, 0, CLEAR_SYN, V(DROP), R(NO_SA) },
	{ "ipsec: syn held on xfrm queue", 1, 0, ENF, 0, QUEUED_SYN, V(PASS), R(NONE) },
	{ "ipsec: data held on xfrm queue", 1, 0, ENF, 0, QUEUED_DATA, V(PASS), R(NONE) },
	{ "ipsec: ktls alone is not ipsec", 1, 0, ENF, 0, KTLS_DATA, V(DROP), R(NO_SA) },
	{ "ipsec: ktls over ah", 1, 0, ENF, 0, KTLS_OVER_AH, V(PASS), R(NONE) },
	{ "ipsec: esp output", 1, 0, ENF, 0, ESP_OUTPUT, V(PASS), R(NONE) },
	{ "ipsec: ah output", 1, 0, ENF, 0, AH_OUTPUT, V(PASS), R(NONE) },
	{ "ipsec: output of an SA not found", 1, 0, ENF, 0, LOST_SA_OUTPUT, V(DROP), R(NO_SA) },
	{ "ipsec+encrypt: esp data", 1, G, ENF, 0, ESP_DATA, V(PASS), R(NONE) },
	{ "ipsec+encrypt: esp syn", 1, G, ENF, 0, ESP_SYN, V(PASS), R(NONE) },
	{ "ipsec+encrypt: esp-null/ah data refused", 1, G, ENF, 0, AH_DATA, V(DROP), R(WEAK_SA) },
	{ "ipsec+encrypt: esp-null/ah syn refused", 1, G, ENF, 0, AH_SYN, V(DROP), R(WEAK_SA) },
	{ "ipsec+encrypt: clear data is no_sa", 1, G, ENF, 0, CLEAR_DATA, V(DROP), R(NO_SA) },
	{ "ipsec+encrypt: ktls over esp-null", 1, G, ENF, 0, KTLS_OVER_AH, V(DROP), R(WEAK_SA) },
	{ "ipsec+encrypt: queued syn", 1, G, ENF, 0, QUEUED_SYN, V(PASS), R(NONE) },
	{ "ipsec+encrypt: esp output", 1, G, ENF, 0, ESP_OUTPUT, V(PASS), R(NONE) },
	{ "ipsec+encrypt: released from queue via esp-null",
	  1, G, ENF, 0, AH_OUTPUT, V(DROP), R(WEAK_SA) },
	{ "ipsec+encrypt: esp-null output with ktls",
	  1, G, ENF, 0, AH_OUTPUT_KTLS, V(DROP), R(WEAK_SA) },
	{ "ipsec+encrypt, audit: esp-null output",
	  1, G, AUD, 0, AH_OUTPUT, V(PASS_AUDIT), R(WEAK_SA) },
	{ "ipsec+insecure: output of an SA not found",
	  1, A, ENF, 0, LOST_SA_OUTPUT, V(PASS_INSECURE), R(NO_SA) },
	{ "ipsec+insecure: clear data allowed",
	  1, A, ENF, 0, CLEAR_DATA, V(PASS_INSECURE), R(NO_SA) },
	{ "ipsec+insecure: clear syn allowed",
	  1, A, ENF, 0, CLEAR_SYN, V(PASS_INSECURE), R(NO_SA) },
	{ "ipsec+insecure: queued syn still held", 1, A, ENF, 0, QUEUED_SYN, V(PASS), R(NONE) },
	{ "ipsec+insecure: esp data", 1, A, ENF, 0, ESP_DATA, V(PASS), R(NONE) },
	{ "ipsec+insecure: ah data", 1, A, ENF, 0, AH_DATA, V(PASS), R(NONE) },
	{ "ipsec+insecure, audit: clear data",
	  1, A, AUD, 0, CLEAR_DATA, V(PASS_INSECURE), R(NO_SA) },
	{ "ipsec, audit: clear data", 1, 0, AUD, 0, CLEAR_DATA, V(PASS_AUDIT), R(NO_SA) },
	{ "ipsec, audit: esp data", 1, 0, AUD, 0, ESP_DATA, V(PASS), R(NONE) },
	{ "ipsec+encrypt, audit: esp-null", 1, G, AUD, 0, AH_DATA, V(PASS_AUDIT), R(WEAK_SA) },
	{ "ipsec, off: clear data", 1, 0, OFF, 0, CLEAR_DATA, V(PASS_OFF), R(NONE) },
	{ "ipsec+encrypt, off: esp-null", 1, G, OFF, 0, AH_DATA, V(PASS_OFF), R(NONE) },
	{ "ipsec, off: loopback", 1, 0, OFF, 1, LO_CLEAR_DATA, V(PASS_OFF), R(NONE) },
	{ "ipsec: loopback exempt", 1, 0, ENF, 0, LO_CLEAR_DATA, V(PASS_EXEMPT), R(NONE) },
	{ "ipsec: loopback syn exempt", 1, 0, ENF, 0, LO_CLEAR_SYN, V(PASS_EXEMPT), R(NONE) },
	{ "ipsec+encrypt: loopback exempt", 1, G, ENF, 0, LO_AH_DATA, V(PASS_EXEMPT), R(NONE) },
	{ "ipsec, audit: loopback exempt", 1, 0, AUD, 0, LO_CLEAR_DATA, V(PASS_EXEMPT), R(NONE) },
	{ "ipsec+insecure: loopback exempt", 1, A, ENF, 0, LO_CLEAR_DATA, V(PASS_EXEMPT), R(NONE) },
	{ "ipsec: protected loopback, clear", 1, 0, ENF, 1, LO_CLEAR_DATA, V(DROP), R(NO_SA) },
	{ "ipsec: protected loopback, syn", 1, 0, ENF, 1, LO_CLEAR_SYN, V(DROP), R(NO_SA) },
	{ "ipsec: protected loopback, queued", 1, 0, ENF, 1, LO_QUEUED_SYN, V(PASS), R(NONE) },
	{ "ipsec: protected loopback, esp", 1, 0, ENF, 1, LO_ESP_DATA, V(PASS), R(NONE) },
	{ "ipsec+encrypt: protected loopback, ah", 1, G, ENF, 1, LO_AH_DATA, V(DROP), R(WEAK_SA) },
	{ "ipsec, audit: protected loopback",
	  1, 0, AUD, 1, LO_CLEAR_DATA, V(PASS_AUDIT), R(NO_SA) },
	{ "ipsec+insecure: protected loopback",
	  1, A, ENF, 1, LO_CLEAR_DATA, V(PASS_INSECURE), R(NO_SA) },
	{ "ipsec: protect_loopback, wire esp", 1, 0, ENF, 1, ESP_DATA, V(PASS), R(NONE) },
	{ "ipsec: protect_loopback, wire clear", 1, 0, ENF, 1, CLEAR_DATA, V(DROP), R(NO_SA) },

	/* ---- IPsec2: the same requirement on packets ---- */
	{ "ipsec2: esp data", 2, 0, ENF, 0, ESP_DATA, V(PASS), R(NONE) },
	{ "ipsec2: ah data", 2, 0, ENF, 0, AH_DATA, V(PASS), R(NONE) },
	{ "ipsec2: clear data", 2, 0, ENF, 0, CLEAR_DATA, V(DROP), R(NO_SA) },
	{ "ipsec2: clear syn", 2, 0, ENF, 0, CLEAR_SYN, V(DROP), R(NO_SA) },
	{ "ipsec2: queued syn", 2, 0, ENF, 0, QUEUED_SYN, V(PASS), R(NONE) },
	{ "ipsec2: ktls alone", 2, 0, ENF, 0, KTLS_DATA, V(DROP), R(NO_SA) },
	{ "ipsec2+encrypt: esp-null", 2, G, ENF, 0, AH_DATA, V(DROP), R(WEAK_SA) },
	{ "ipsec2+encrypt: esp", 2, G, ENF, 0, ESP_DATA, V(PASS), R(NONE) },
	{ "ipsec2+encrypt: esp output", 2, G, ENF, 0, ESP_OUTPUT, V(PASS), R(NONE) },
	{ "ipsec2+encrypt: esp-null output", 2, G, ENF, 0, AH_OUTPUT, V(DROP), R(WEAK_SA) },
	{ "any+encrypt: released from queue via esp-null",
	  4, G, ENF, 0, AH_OUTPUT, V(DROP), R(WEAK_SA) },
	{ "any: output of an SA not found", 4, 0, ENF, 0, LOST_SA_OUTPUT, V(DROP), R(NO_SA) },
	{ "ipsec2+insecure: clear", 2, A, ENF, 0, CLEAR_DATA, V(PASS_INSECURE), R(NO_SA) },
	{ "ipsec2, audit: clear", 2, 0, AUD, 0, CLEAR_DATA, V(PASS_AUDIT), R(NO_SA) },
	{ "ipsec2, off: clear", 2, 0, OFF, 0, CLEAR_DATA, V(PASS_OFF), R(NONE) },
	{ "ipsec2: loopback exempt", 2, 0, ENF, 0, LO_CLEAR_DATA, V(PASS_EXEMPT), R(NONE) },
	{ "ipsec2: protected loopback", 2, 0, ENF, 1, LO_CLEAR_DATA, V(DROP), R(NO_SA) },

	/* ---- kTLS ---- */
	{ "ktls: data with tls tx", 3, 0, ENF, 0, KTLS_DATA, V(PASS), R(NONE) },
	{ "ktls: ack with tls tx", 3, 0, ENF, 0, KTLS_ACK, V(PASS), R(NONE) },
	{ "ktls: syn before tls", 3, 0, ENF, 0, CLEAR_SYN, V(PASS), R(NONE) },
	{ "ktls: data before tls dropped", 3, 0, ENF, 0, CLEAR_DATA, V(DROP), R(NO_KTLS) },
	{ "ktls: clear stream start after tls tx dropped", 3, 0, ENF, 0,
	  KTLS_UNFRAMED, V(DROP), R(NO_KTLS) },
	{ "any: clear stream start after tls tx is no ktls", 4, 0, ENF, 0,
	  KTLS_UNFRAMED, V(DROP), R(NO_KTLS) },
	{ "ktls: handshake records before tls", 3, 0, ENF, 0, HS_RECORDS, V(PASS), R(NONE) },
	{ "ktls+encrypt: handshake records before tls",
	  3, G, ENF, 0, HS_RECORDS, V(PASS), R(NONE) },
	{ "ktls: non-tls bytes before tls", 3, 0, ENF, 0, HS_UNFRAMED, V(DROP), R(NO_KTLS) },
	{ "ktls: budget spent", 3, 0, ENF, 0, HS_BUDGET, V(DROP), R(TLS_BUDGET) },
	{ "ktls+insecure: budget spent",
	  3, A, ENF, 0, HS_BUDGET, V(PASS_INSECURE), R(TLS_BUDGET) },
	{ "ktls, audit: budget spent", 3, 0, AUD, 0, HS_BUDGET, V(PASS_AUDIT), R(TLS_BUDGET) },
	{ "ktls: esp does not pay the budget",
	  3, 0, ENF, 0, HS_BUDGET_OVER_ESP, V(DROP), R(TLS_BUDGET) },
	{ "any: handshake records", 4, 0, ENF, 0, HS_RECORDS, V(PASS), R(NONE) },
	{ "any: budget spent", 4, 0, ENF, 0, HS_BUDGET, V(DROP), R(TLS_BUDGET) },
	{ "any: budget spent, esp protects it", 4, 0, ENF, 0,
	  HS_BUDGET_OVER_ESP, V(PASS), R(NONE) },
	{ "any+encrypt: budget spent over esp-null", 4, G, ENF, 0,
	  HS_BUDGET_OVER_AH, V(DROP), R(TLS_BUDGET) },
	{ "any: non-tls bytes, no sa", 4, 0, ENF, 0, HS_UNFRAMED, V(DROP), R(NO_KTLS) },
	{ "any: clear stream start, esp protects it", 4, 0, ENF, 0,
	  KTLS_UNFRAMED_OVER_ESP, V(PASS), R(NONE) },
	{ "ktls: esp does not replace tls", 3, 0, ENF, 0, ESP_DATA, V(DROP), R(NO_KTLS) },
	{ "ktls: ah does not replace tls", 3, 0, ENF, 0, AH_DATA, V(DROP), R(NO_KTLS) },
	{ "ktls: queue does not replace tls", 3, 0, ENF, 0, QUEUED_DATA, V(DROP), R(NO_KTLS) },
	{ "ktls: tls over esp", 3, 0, ENF, 0, KTLS_OVER_ESP, V(PASS), R(NONE) },
	{ "ktls: esp output", 3, 0, ENF, 0, ESP_OUTPUT, V(PASS), R(NONE) },
	{ "ktls: esp output with tls", 3, 0, ENF, 0, ESP_OUTPUT_KTLS, V(PASS), R(NONE) },
	{ "ktls+encrypt: esp-null output, judged before",
	  3, G, ENF, 0, AH_OUTPUT, V(PASS), R(NONE) },
	{ "ktls+encrypt: tls always encrypts", 3, G, ENF, 0, KTLS_DATA, V(PASS), R(NONE) },
	{ "ktls+encrypt: tls over esp-null", 3, G, ENF, 0, KTLS_OVER_AH, V(PASS), R(NONE) },
	{ "ktls+encrypt: syn before tls", 3, G, ENF, 0, CLEAR_SYN, V(PASS), R(NONE) },
	{ "ktls+encrypt: data before tls", 3, G, ENF, 0, CLEAR_DATA, V(DROP), R(NO_KTLS) },
	{ "ktls+insecure: data before tls",
	  3, A, ENF, 0, CLEAR_DATA, V(PASS_INSECURE), R(NO_KTLS) },
	{ "ktls+insecure: data with tls", 3, A, ENF, 0, KTLS_DATA, V(PASS), R(NONE) },
	{ "ktls, audit: data before tls", 3, 0, AUD, 0, CLEAR_DATA, V(PASS_AUDIT), R(NO_KTLS) },
	{ "ktls, off: data before tls", 3, 0, OFF, 0, CLEAR_DATA, V(PASS_OFF), R(NONE) },
	{ "ktls: loopback exempt", 3, 0, ENF, 0, LO_CLEAR_DATA, V(PASS_EXEMPT), R(NONE) },
	{ "ktls: protected loopback, no tls", 3, 0, ENF, 1, LO_CLEAR_DATA, V(DROP), R(NO_KTLS) },
	{ "ktls: protected loopback, syn", 3, 0, ENF, 1, LO_CLEAR_SYN, V(PASS), R(NONE) },
	{ "ktls: protected loopback, tls", 3, 0, ENF, 1, LO_KTLS_DATA, V(PASS), R(NONE) },
	{ "ktls, audit: protected loopback",
	  3, 0, AUD, 1, LO_CLEAR_DATA, V(PASS_AUDIT), R(NO_KTLS) },

	/* ---- either ---- */
	{ "any: esp data", 4, 0, ENF, 0, ESP_DATA, V(PASS), R(NONE) },
	{ "any: ah data", 4, 0, ENF, 0, AH_DATA, V(PASS), R(NONE) },
	{ "any: tls data", 4, 0, ENF, 0, KTLS_DATA, V(PASS), R(NONE) },
	{ "any: queued data", 4, 0, ENF, 0, QUEUED_DATA, V(PASS), R(NONE) },
	{ "any: syn before either", 4, 0, ENF, 0, CLEAR_SYN, V(PASS), R(NONE) },
	{ "any: clear data dropped", 4, 0, ENF, 0, CLEAR_DATA, V(DROP), R(NO_SA) },
	{ "any: esp output", 4, 0, ENF, 0, ESP_OUTPUT, V(PASS), R(NONE) },
	{ "any: ah output", 4, 0, ENF, 0, AH_OUTPUT, V(PASS), R(NONE) },
	{ "any+encrypt: esp output", 4, G, ENF, 0, ESP_OUTPUT, V(PASS), R(NONE) },
	{ "any+encrypt: esp-null output with tls", 4, G, ENF, 0, AH_OUTPUT_KTLS, V(PASS), R(NONE) },
	{ "any+encrypt: esp data", 4, G, ENF, 0, ESP_DATA, V(PASS), R(NONE) },
	{ "any+encrypt: tls data", 4, G, ENF, 0, KTLS_DATA, V(PASS), R(NONE) },
	{ "any+encrypt: esp-null data", 4, G, ENF, 0, AH_DATA, V(DROP), R(WEAK_SA) },
	{ "any+encrypt: tls over esp-null", 4, G, ENF, 0, KTLS_OVER_AH, V(PASS), R(NONE) },
	{ "any+encrypt: clear data", 4, G, ENF, 0, CLEAR_DATA, V(DROP), R(NO_SA) },
	{ "any+encrypt: queued data", 4, G, ENF, 0, QUEUED_DATA, V(PASS), R(NONE) },
	{ "any+insecure: clear data", 4, A, ENF, 0, CLEAR_DATA, V(PASS_INSECURE), R(NO_SA) },
	{ "any+insecure: tls data", 4, A, ENF, 0, KTLS_DATA, V(PASS), R(NONE) },
	{ "any, audit: clear data", 4, 0, AUD, 0, CLEAR_DATA, V(PASS_AUDIT), R(NO_SA) },
	{ "any+encrypt, audit: esp-null", 4, G, AUD, 0, AH_DATA, V(PASS_AUDIT), R(WEAK_SA) },
	{ "any, off: clear data", 4, 0, OFF, 0, CLEAR_DATA, V(PASS_OFF), R(NONE) },
	{ "any: loopback exempt", 4, 0, ENF, 0, LO_CLEAR_DATA, V(PASS_EXEMPT), R(NONE) },
	{ "any: protected loopback, clear", 4, 0, ENF, 1, LO_CLEAR_DATA, V(DROP), R(NO_SA) },
	{ "any: protected loopback, tls", 4, 0, ENF, 1, LO_KTLS_DATA, V(PASS), R(NONE) },
	{ "any: protected loopback, esp", 4, 0, ENF, 1, LO_ESP_DATA, V(PASS), R(NONE) },
};

static void d_case_desc(const struct d_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(d_case, d_cases, d_case_desc);

static void decide_cases_test(struct kunit *test)
{
	const struct d_case *c = test->param_value;
	struct socksec_effective eff = { .protocol = c->protocol, .flags = c->flags };
	struct socksec_defaults def = {
		.protocol = SOCKSEC_PROTO_IPSEC,
		.flags = 0,
		.mode = c->mode,
		.protect_loopback = c->protect_loopback,
	};
	enum socksec_reason reason = __SOCKSEC_R_MAX;	/* must be written */
	enum socksec_verdict v;

	v = socksec_decide(&eff, &def, &c->f, &reason);
	KUNIT_EXPECT_EQ_MSG(test, v, c->verdict, "verdict %s, expected %s",
			    t_verdict(v), t_verdict(c->verdict));
	KUNIT_EXPECT_EQ_MSG(test, reason, c->reason, "reason %s, expected %s",
			    t_reason(reason), t_reason(c->reason));
}

/* The explicit table covers what it claims to: every protocol, mode, ... */
static void decide_table_coverage_test(struct kunit *test)
{
	unsigned int proto = 0, modes = 0, verdicts = 0, reasons = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(d_cases); i++) {
		proto |= BIT(d_cases[i].protocol);
		modes |= BIT(d_cases[i].mode);
		verdicts |= BIT(d_cases[i].verdict);
		reasons |= BIT(d_cases[i].reason);
	}
	KUNIT_EXPECT_EQ(test, proto, BIT(1) | BIT(2) | BIT(3) | BIT(4));
	KUNIT_EXPECT_EQ(test, modes, BIT(ENF) | BIT(AUD) | BIT(OFF));
	KUNIT_EXPECT_EQ(test, verdicts,
			BIT(V(PASS)) | BIT(V(PASS_OFF)) | BIT(V(PASS_EXEMPT)) |
			BIT(V(PASS_INSECURE)) | BIT(V(PASS_AUDIT)) | BIT(V(DROP)));
	KUNIT_EXPECT_EQ(test, reasons,
			BIT(R(NONE)) | BIT(R(NO_SA)) | BIT(R(WEAK_SA)) |
			BIT(R(NO_KTLS)) | BIT(R(TLS_BUDGET)));
}

/* Run one combination. */
struct d_run {
	enum socksec_verdict v;
	enum socksec_reason r;
};

static struct d_run d_run(u32 protocol, u32 flags, enum socksec_mode mode,
			  bool protect_lo, const struct socksec_pkt_facts *f)
{
	struct socksec_effective eff = { .protocol = protocol, .flags = flags };
	struct socksec_defaults def = {
		.protocol = SOCKSEC_PROTO_ANY,
		.mode = mode,
		.protect_loopback = protect_lo,
	};
	struct d_run out;

	out.r = __SOCKSEC_R_MAX;
	out.v = socksec_decide(&eff, &def, f, &out.r);
	return out;
}

static bool d_passes(enum socksec_verdict v)
{
	return v == SOCKSEC_PASS || v == SOCKSEC_PASS_OFF ||
	       v == SOCKSEC_PASS_EXEMPT;
}

/* The SA levels a packet can have, weakest first. */
static const enum socksec_xfrm_level d_levels[] = {
	SOCKSEC_XFRM_NONE, SOCKSEC_XFRM_INTEGRITY, SOCKSEC_XFRM_ENCRYPTED,
};

/*
 * One combination of decide_properties_test, checked against the
 * contract's properties. False, with the combination named, when one of
 * them does not hold.
 */
static bool d_properties_check(struct kunit *test, u32 p, u32 fl,
			       enum socksec_mode m, unsigned int pl,
			       unsigned int lo, unsigned int q, unsigned int li,
			       unsigned int kt, unsigned int pay)
{
	struct socksec_pkt_facts f = {
		.loopback = lo, .xfrm_queued = q, .xfrm = d_levels[li],
		.ktls_tx = kt, .has_payload = pay,
		.handshake = kt ? SOCKSEC_HS_OK : SOCKSEC_HS_NONE,
	};
	struct socksec_pkt_facts g;
	struct d_run r = d_run(p, fl, m, pl, &f), o;
	bool exempt = lo && !pl;
	bool ipsec_only = p == 1 || p == 2;

	/* Always a known verdict, and the reason is always written. */
	KUNIT_EXPECT_LE(test, (int)r.v, (int)SOCKSEC_DROP);
	KUNIT_EXPECT_LT(test, (int)r.r, (int)__SOCKSEC_R_MAX);
	/* A reason exactly when the packet is unprotected. */
	KUNIT_EXPECT_EQ(test, r.r == SOCKSEC_R_NONE, d_passes(r.v));
	/* hold_timeout is the hook's business, never a packet's. */
	KUNIT_EXPECT_NE(test, r.r, SOCKSEC_R_HOLD_TIMEOUT);

	/* mode=off: socksec does nothing. */
	if (m == OFF)
		KUNIT_EXPECT_EQ(test, r.v, SOCKSEC_PASS_OFF);
	/* Loopback is exempt unless protect_loopback. */
	if (m != OFF && exempt)
		KUNIT_EXPECT_EQ(test, r.v, SOCKSEC_PASS_EXEMPT);
	if (!exempt || m == OFF)
		KUNIT_EXPECT_NE(test, r.v, SOCKSEC_PASS_EXEMPT);
	/* Only ALLOW_INSECURE lets clear text go as "insecure"... */
	if (!(fl & A))
		KUNIT_EXPECT_NE(test, r.v, SOCKSEC_PASS_INSECURE);
	/* ... and then nothing is dropped or merely audited. */
	if (fl & A) {
		KUNIT_EXPECT_NE(test, r.v, SOCKSEC_DROP);
		KUNIT_EXPECT_NE(test, r.v, SOCKSEC_PASS_AUDIT);
	}
	/* Audit never drops, enforce never audits. */
	if (m == AUD)
		KUNIT_EXPECT_NE(test, r.v, SOCKSEC_DROP);
	if (m != AUD)
		KUNIT_EXPECT_NE(test, r.v, SOCKSEC_PASS_AUDIT);
	/* Audit judges exactly like enforce, and only lets it go. */
	if (m == AUD) {
		o = d_run(p, fl, ENF, pl, &f);
		KUNIT_EXPECT_EQ(test, r.r, o.r);
		KUNIT_EXPECT_EQ(test, r.v,
				o.v == SOCKSEC_DROP ? SOCKSEC_PASS_AUDIT : o.v);
	}
	/*
	 * The one promise: without ALLOW_INSECURE, in enforce mode,
	 * a packet with payload and no protection of any kind, not
	 * exempt, never leaves.
	 */
	if (m == ENF && !(fl & A) && !exempt && !q &&
	    d_levels[li] == SOCKSEC_XFRM_NONE && !kt && pay)
		KUNIT_EXPECT_EQ(test, r.v, SOCKSEC_DROP);
	/* Nor, for IPsec, a SYN or ACK in clear. */
	if (m == ENF && !(fl & A) && !exempt && !q && ipsec_only &&
	    d_levels[li] == SOCKSEC_XFRM_NONE)
		KUNIT_EXPECT_EQ(test, r.v, SOCKSEC_DROP);
	/* Integrity-only IPsec never satisfies GUARANTEE_ENCRYPTION. */
	if (m == ENF && (fl & G) && !exempt && !q && ipsec_only &&
	    d_levels[li] != SOCKSEC_XFRM_ENCRYPTED) {
		KUNIT_EXPECT_EQ(test, r.v, SOCKSEC_DROP);
		KUNIT_EXPECT_EQ(test, r.r,
				d_levels[li] == SOCKSEC_XFRM_INTEGRITY ?
				SOCKSEC_R_WEAK_SA : SOCKSEC_R_NO_SA);
	}
	/* IPsec requirements ignore kTLS, kTLS ignores IPsec. */
	g = f;
	g.ktls_tx = !kt;
	g.handshake = !kt ? SOCKSEC_HS_OK : SOCKSEC_HS_NONE;
	if (ipsec_only) {
		o = d_run(p, fl, m, pl, &g);
		KUNIT_EXPECT_EQ(test, r.v, o.v);
		KUNIT_EXPECT_EQ(test, r.r, o.r);
	}
	if (p == 3) {
		g = f;
		g.xfrm_queued = !q;
		g.xfrm = d_levels[(li + 1) % ARRAY_SIZE(d_levels)];
		o = d_run(p, fl, m, pl, &g);
		KUNIT_EXPECT_EQ(test, r.v, o.v);
		KUNIT_EXPECT_EQ(test, r.r, o.r);
	}
	/*
	 * xfrm's output of a packet (payload hidden in ESP) is judged
	 * like a payload packet on that SA: the level is what counts,
	 * whether or not the packet waited on the queue before.
	 */
	if ((ipsec_only || p == 4) && !q) {
		struct d_run plain;

		g = f;
		g.has_payload = true;
		plain = d_run(p, fl, m, pl, &g);
		g.transformed = true;
		g.has_payload = false;
		o = d_run(p, fl, m, pl, &g);
		KUNIT_EXPECT_EQ(test, plain.v, o.v);
		KUNIT_EXPECT_EQ(test, plain.r, o.r);
	}
	/* IPSEC2 asks of packets what IPSEC asks. */
	if (p == 2) {
		o = d_run(1, fl, m, pl, &f);
		KUNIT_EXPECT_EQ(test, r.v, o.v);
		KUNIT_EXPECT_EQ(test, r.r, o.r);
	}
	/* With protect_loopback, lo is judged like a wire. */
	if (pl) {
		g = f;
		g.loopback = !lo;
		o = d_run(p, fl, m, pl, &g);
		KUNIT_EXPECT_EQ(test, r.v, o.v);
		KUNIT_EXPECT_EQ(test, r.r, o.r);
	}
	/* More protection never turns a pass into something else. */
	if (r.v == SOCKSEC_PASS) {
		if (li + 1 < ARRAY_SIZE(d_levels)) {
			g = f;
			g.xfrm = d_levels[li + 1];
			KUNIT_EXPECT_EQ(test, d_run(p, fl, m, pl, &g).v, SOCKSEC_PASS);
		}
		g = f;
		g.ktls_tx = true;
		KUNIT_EXPECT_EQ(test, d_run(p, fl, m, pl, &g).v, SOCKSEC_PASS);
		g = f;
		g.xfrm_queued = true;
		KUNIT_EXPECT_EQ(test, d_run(p, fl, m, pl, &g).v, SOCKSEC_PASS);
		g = f;
		g.has_payload = false;
		KUNIT_EXPECT_EQ(test, d_run(p, fl, m, pl, &g).v, SOCKSEC_PASS);
	}
	/* GUARANTEE_ENCRYPTION only tightens. */
	if ((fl & G) && r.v == SOCKSEC_PASS)
		KUNIT_EXPECT_EQ(test, d_run(p, 0, m, pl, &f).v, SOCKSEC_PASS);
	/* ALLOW_INSECURE only loosens: what passes without, passes. */
	if (fl == 0 && r.v == SOCKSEC_PASS)
		KUNIT_EXPECT_EQ(test, d_run(p, A, m, pl, &f).v, SOCKSEC_PASS);

	if (t_failed(test)) {
		kunit_info(test,
			   "failed for %s flags 0x%x mode %s protect_lo %u: loopback %u queued %u xfrm %s ktls %u payload %u -> %s/%s\n",
			   t_proto(p), fl, t_mode(m), pl, lo, q,
			   t_xfrm(d_levels[li]), kt, pay,
			   t_verdict(r.v), t_reason(r.r));
		return false;
	}
	return true;
}

/*
 * Every packet (all combinations of loopback, queued, SA level, kTLS,
 * payload) for one effective requirement, mode and loopback setting,
 * counted in *n. False at the first combination that fails.
 */
static bool d_properties_packets(struct kunit *test, u32 p, u32 fl,
				 enum socksec_mode m, unsigned int pl,
				 unsigned int *n)
{
	unsigned int lo, q, li, kt, pay;
	bool ok = true;

	for (lo = 0; ok && lo < 2; lo++) {
		for (q = 0; ok && q < 2; q++) {
			for (li = 0; ok && li < ARRAY_SIZE(d_levels); li++) {
				for (kt = 0; ok && kt < 2; kt++) {
					for (pay = 0; ok && pay < 2; pay++) {
						(*n)++;
						ok = d_properties_check(test, p, fl, m, pl,
									lo, q, li, kt, pay);
					}
				}
			}
		}
	}
	return ok;
}

/*
 * Every effective requirement x mode x loopback setting x packet (all
 * combinations of loopback, queued, SA level, kTLS, payload), checked
 * against the contract's properties rather than a second implementation.
 */
static void decide_properties_test(struct kunit *test)
{
	static const u32 protos[] = { 1, 2, 3, 4 };
	static const u32 flagsets[] = { 0, G, A };
	static const enum socksec_mode modes[] = { ENF, AUD, OFF };
	unsigned int pi, fi, mi, pl, n = 0;

	for (pi = 0; pi < ARRAY_SIZE(protos); pi++) {
		for (fi = 0; fi < ARRAY_SIZE(flagsets); fi++) {
			for (mi = 0; mi < ARRAY_SIZE(modes); mi++) {
				for (pl = 0; pl < 2; pl++) {
					if (!d_properties_packets(test, protos[pi], flagsets[fi],
								  modes[mi], pl, &n))
						return;
				}
			}
		}
	}
	KUNIT_EXPECT_EQ(test, n, 4u * 3 * 3 * 2 * 2 * 2 * 3 * 2 * 2);
}

/*
 * Settings that were never resolved (DEFAULT) or garbage never pass a
 * packet, however well protected: decide fails closed.
 */
static void decide_fail_closed_test(struct kunit *test)
{
	static const u32 bad[] = { 0, 5, 0x80000000, 0xffffffff };
	const struct socksec_pkt_facts best = KTLS_OVER_ESP;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct d_run r = d_run(bad[i], 0, ENF, false, &best);

		KUNIT_EXPECT_EQ_MSG(test, r.v, SOCKSEC_DROP, "protocol 0x%x -> %s",
				    bad[i], t_verdict(r.v));
		KUNIT_EXPECT_NE(test, r.r, SOCKSEC_R_NONE);
	}
}

static void reason_name_test(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, socksec_reason_name(SOCKSEC_R_NONE), "none");
	KUNIT_EXPECT_STREQ(test, socksec_reason_name(SOCKSEC_R_NO_SA), "no_sa");
	KUNIT_EXPECT_STREQ(test, socksec_reason_name(SOCKSEC_R_WEAK_SA), "weak_sa");
	KUNIT_EXPECT_STREQ(test, socksec_reason_name(SOCKSEC_R_NO_KTLS), "no_ktls");
	KUNIT_EXPECT_STREQ(test, socksec_reason_name(SOCKSEC_R_HOLD_TIMEOUT),
			   "hold_timeout");
	KUNIT_EXPECT_STREQ(test, socksec_reason_name(SOCKSEC_R_TLS_BUDGET),
			   "tls_budget");
	KUNIT_EXPECT_STREQ(test, socksec_reason_name(__SOCKSEC_R_MAX), "unknown");
	KUNIT_EXPECT_STREQ(test, socksec_reason_name((enum socksec_reason)1000),
			   "unknown");
	KUNIT_EXPECT_STREQ(test, socksec_reason_name((enum socksec_reason)-1),
			   "unknown");
}

static struct kunit_case socksec_decide_cases[] = {
	KUNIT_CASE_PARAM(decide_cases_test, d_case_gen_params),
	KUNIT_CASE(decide_table_coverage_test),
	KUNIT_CASE(decide_properties_test),
	KUNIT_CASE(decide_fail_closed_test),
	KUNIT_CASE(reason_name_test),
	{}
};

static struct kunit_suite socksec_decide_suite = {
	.name = "socksec_decide",
	.test_cases = socksec_decide_cases,
};

kunit_test_suites(&socksec_abi_suite, &socksec_validate_suite,
		  &socksec_intern_suite, &socksec_resolve_suite,
		  &socksec_decide_suite);

MODULE_DESCRIPTION("KUnit suites for socksec's decision logic");
MODULE_LICENSE("GPL");
