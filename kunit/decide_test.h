/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of socksec's KUnit suites: names for diagnostics, kept
 * independent of the names the code under test prints.
 */
#ifndef _SOCKSEC_DECIDE_TEST_H
#define _SOCKSEC_DECIDE_TEST_H

#include <kunit/test.h>
#include "decide.h"

static inline const char *t_proto(u32 p)
{
	switch (p) {
	case 0: return "default";
	case 1: return "ipsec";
	case 2: return "ipsec2";
	case 3: return "ktls";
	case 4: return "any";
	default: return "bad-proto";
	}
}

static inline const char *t_kind(enum socksec_sock_kind k)
{
	switch (k) {
	case SOCKSEC_SK_TCP: return "tcp";
	case SOCKSEC_SK_UDP: return "udp";
	case SOCKSEC_SK_OTHER: return "other";
	default: return "bad-kind";
	}
}

static inline const char *t_mode(enum socksec_mode m)
{
	switch (m) {
	case SOCKSEC_MODE_ENFORCE: return "enforce";
	case SOCKSEC_MODE_AUDIT: return "audit";
	case SOCKSEC_MODE_OFF: return "off";
	default: return "bad-mode";
	}
}

static inline const char *t_verdict(enum socksec_verdict v)
{
	switch (v) {
	case SOCKSEC_PASS: return "PASS";
	case SOCKSEC_PASS_OFF: return "PASS_OFF";
	case SOCKSEC_PASS_EXEMPT: return "PASS_EXEMPT";
	case SOCKSEC_PASS_INSECURE: return "PASS_INSECURE";
	case SOCKSEC_PASS_AUDIT: return "PASS_AUDIT";
	case SOCKSEC_DROP: return "DROP";
	default: return "bad-verdict";
	}
}

static inline const char *t_reason(enum socksec_reason r)
{
	switch (r) {
	case SOCKSEC_R_NONE: return "none";
	case SOCKSEC_R_NO_SA: return "no_sa";
	case SOCKSEC_R_WEAK_SA: return "weak_sa";
	case SOCKSEC_R_NO_KTLS: return "no_ktls";
	case SOCKSEC_R_HOLD_TIMEOUT: return "hold_timeout";
	default: return "bad-reason";
	}
}

static inline const char *t_xfrm(enum socksec_xfrm_level x)
{
	switch (x) {
	case SOCKSEC_XFRM_NONE: return "none";
	case SOCKSEC_XFRM_INTEGRITY: return "integrity";
	case SOCKSEC_XFRM_ENCRYPTED: return "encrypted";
	default: return "bad-xfrm";
	}
}

/*
 * Loops over many combinations stop at the first failing one: its message
 * names the whole combination, and a broken function then prints one
 * diagnosis instead of thousands.
 */
static inline bool t_failed(struct kunit *test)
{
	return READ_ONCE(test->status) == KUNIT_FAILURE;
}

#endif /* _SOCKSEC_DECIDE_TEST_H */
