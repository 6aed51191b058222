// SPDX-License-Identifier: GPL-2.0
/*
 * Pure decision logic; see decide.h. Every function here is a function of
 * its arguments (and of the constant intern table), nothing else.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "decide.h"

/*
 * One object per (protocol, flags) pair, indexed by both; the entries with
 * both flags exist only to keep the table rectangular and are never handed
 * out. The table is small and constant: interning costs nothing and hands
 * out pointers that stay valid as long as the module is loaded (see
 * Documentation/design.rst on why the module pins itself once a socket
 * points here).
 */
#define SOCKSEC_NFLAGS (SOCKSEC_FLAGS_ALL + 1)
static const struct socksec_iset
socksec_isets[SOCKSEC_NPROTO][SOCKSEC_NFLAGS] = {
	[SOCKSEC_PROTO_DEFAULT] = {
		{ 0, 0 }, { 0, 1 }, { 0, 2 }, { 0, 3 },
	},
	[SOCKSEC_PROTO_IPSEC] = {
		{ 1, 0 }, { 1, 1 }, { 1, 2 }, { 1, 3 },
	},
	[SOCKSEC_PROTO_IPSEC2] = {
		{ 2, 0 }, { 2, 1 }, { 2, 2 }, { 2, 3 },
	},
	[SOCKSEC_PROTO_KTLS] = {
		{ 3, 0 }, { 3, 1 }, { 3, 2 }, { 3, 3 },
	},
	[SOCKSEC_PROTO_ANY] = {
		{ 4, 0 }, { 4, 1 }, { 4, 2 }, { 4, 3 },
	},
};

/**
 * socksec_validate - check settings asked for on one socket
 * @s: the settings, as copied from user space
 * @kind: the socket's transport
 *
 * The order of the checks fixes which errno wins when several apply:
 * the value itself first, then whether it fits the socket.
 *
 * Return: 0, or the negative errno documented in uapi/linux/socksec.h.
 */
int socksec_validate(const struct socksec_settings *s,
		     enum socksec_sock_kind kind)
{
	if (s->protocol > SOCKSEC_PROTO_LAST)
		return -EPROTONOSUPPORT;
	if (s->flags & ~SOCKSEC_FLAGS_ALL)
		return -EINVAL;
	if ((s->flags & SOCKSEC_FLAGS_ALL) == SOCKSEC_FLAGS_ALL)
		return -EINVAL;
	if (kind == SOCKSEC_SK_OTHER)
		return -ESOCKTNOSUPPORT;
	if (s->protocol == SOCKSEC_PROTO_KTLS && kind != SOCKSEC_SK_TCP)
		return -EPROTOTYPE;
	return 0;
}

/**
 * socksec_intern - the unique object for a settings value
 * @s: settings that passed socksec_validate()
 *
 * Return: the interned object, or NULL for an invalid value.
 */
const struct socksec_iset *socksec_intern(const struct socksec_settings *s)
{
	if (s->protocol > SOCKSEC_PROTO_LAST || s->flags >= SOCKSEC_NFLAGS ||
	    s->flags == SOCKSEC_FLAGS_ALL)
		return NULL;
	return &socksec_isets[s->protocol][s->flags];
}

/**
 * socksec_iset_owned - whether a pointer is one of socksec's objects
 * @p: a socket's sk_user_data, tag bits already stripped
 *
 * sk_user_data has other owners (sockmap, in-kernel users); socksec only
 * ever acts on pointers into its own table.
 */
bool socksec_iset_owned(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	uintptr_t lo = (uintptr_t)&socksec_isets[0][0];
	uintptr_t hi = (uintptr_t)&socksec_isets[SOCKSEC_PROTO_LAST][SOCKSEC_FLAGS_ALL];

	if (a < lo || a > hi || (a - lo) % sizeof(struct socksec_iset))
		return false;
	/* Both-flags entries exist only to keep the table rectangular. */
	return ((const struct socksec_iset *)p)->flags != SOCKSEC_FLAGS_ALL;
}

/**
 * socksec_resolve - the requirement in force for a socket
 * @set: the socket's settings
 * @def: the administrator's defaults
 * @eff: filled in
 *
 * DEFAULT takes the default protocol and ORs in the default flags. When
 * the OR yields both flags the stricter one wins: GUARANTEE_ENCRYPTION
 * stays, ALLOW_INSECURE goes, so a default can only tighten.
 */
void socksec_resolve(const struct socksec_iset *set,
		     const struct socksec_defaults *def,
		     struct socksec_effective *eff)
{
	eff->protocol = set->protocol;
	eff->flags = set->flags;
	if (set->protocol != SOCKSEC_PROTO_DEFAULT)
		return;
	eff->protocol = def->protocol;
	eff->flags |= def->flags & SOCKSEC_FLAGS_ALL;
	if (eff->flags & SOCKSEC_GUARANTEE_ENCRYPTION)
		eff->flags &= ~SOCKSEC_ALLOW_INSECURE;
}

/* Whether IPsec protects a packet as the requirement's flags ask. */
bool socksec_ipsec_ok(const struct socksec_effective *eff,
		      const struct socksec_pkt_facts *f)
{
	enum socksec_xfrm_level need = SOCKSEC_XFRM_INTEGRITY;

	if (eff->flags & SOCKSEC_GUARANTEE_ENCRYPTION)
		need = SOCKSEC_XFRM_ENCRYPTED;
	/*
	 * A queued packet sits on xfrm's hold queue: it leaves only after
	 * an SA transforms it, and that transformed packet is judged again.
	 */
	return f->xfrm_queued || f->xfrm >= need;
}

/*
 * kTLS protects payload; segments without payload carry none to leak.
 * Before kernel TLS takes over, the tracker lets the handshake through.
 */
static bool socksec_ktls_ok(const struct socksec_pkt_facts *f)
{
	return f->handshake == SOCKSEC_HS_OK || !f->has_payload;
}

static enum socksec_reason socksec_ktls_reason(const struct socksec_pkt_facts *f)
{
	return f->handshake == SOCKSEC_HS_BUDGET ? SOCKSEC_R_TLS_BUDGET :
						   SOCKSEC_R_NO_KTLS;
}

static enum socksec_reason
socksec_ipsec_reason(const struct socksec_effective *eff,
		     const struct socksec_pkt_facts *f)
{
	if (f->xfrm == SOCKSEC_XFRM_INTEGRITY &&
	    (eff->flags & SOCKSEC_GUARANTEE_ENCRYPTION))
		return SOCKSEC_R_WEAK_SA;
	return SOCKSEC_R_NO_SA;
}

/**
 * socksec_decide - verdict for one outgoing packet of a protected socket
 * @eff: the socket's effective requirement
 * @def: the administrator's defaults (mode, loopback)
 * @f: facts about the packet
 * @reason: set to why the packet is unprotected (SOCKSEC_R_NONE if it is not)
 *
 * Return: what the hook must do with the packet.
 */
enum socksec_verdict socksec_decide(const struct socksec_effective *eff,
				    const struct socksec_defaults *def,
				    const struct socksec_pkt_facts *f,
				    enum socksec_reason *reason)
{
	bool ok;

	*reason = SOCKSEC_R_NONE;
	if (def->mode == SOCKSEC_MODE_OFF)
		return SOCKSEC_PASS_OFF;
	if (f->loopback && !def->protect_loopback)
		return SOCKSEC_PASS_EXEMPT;

	switch (eff->protocol) {
	case SOCKSEC_PROTO_IPSEC:
	case SOCKSEC_PROTO_IPSEC2:
		ok = socksec_ipsec_ok(eff, f);
		if (!ok)
			*reason = socksec_ipsec_reason(eff, f);
		break;
	case SOCKSEC_PROTO_KTLS:
		ok = socksec_ktls_ok(f);
		if (!ok)
			*reason = socksec_ktls_reason(f);
		break;
	case SOCKSEC_PROTO_ANY:
		/*
		 * xfrm's output has its payload inside ESP: only the SA (or
		 * kTLS underneath) can vouch for it, not its lack of payload.
		 */
		ok = socksec_ipsec_ok(eff, f) ||
		     (f->transformed ? f->ktls_tx : socksec_ktls_ok(f));
		/* A TLS stream that failed the tracker fails as kTLS. */
		if (!ok && f->handshake > SOCKSEC_HS_OK)
			*reason = socksec_ktls_reason(f);
		else if (!ok)
			*reason = socksec_ipsec_reason(eff, f);
		break;
	default:
		/* Unreachable for interned settings; fail closed. */
		ok = false;
		*reason = SOCKSEC_R_NO_SA;
		break;
	}
	if (ok)
		return SOCKSEC_PASS;
	if (eff->flags & SOCKSEC_ALLOW_INSECURE)
		return SOCKSEC_PASS_INSECURE;
	if (def->mode == SOCKSEC_MODE_AUDIT)
		return SOCKSEC_PASS_AUDIT;
	return SOCKSEC_DROP;
}

static const char *const socksec_reason_names[__SOCKSEC_R_MAX] = {
	[SOCKSEC_R_NONE]	 = "none",
	[SOCKSEC_R_NO_SA]	 = "no_sa",
	[SOCKSEC_R_WEAK_SA]	 = "weak_sa",
	[SOCKSEC_R_NO_KTLS]	 = "no_ktls",
	[SOCKSEC_R_HOLD_TIMEOUT] = "hold_timeout",
	[SOCKSEC_R_TLS_BUDGET]	 = "tls_budget",
};

const char *socksec_reason_name(enum socksec_reason r)
{
	if ((unsigned int)r >= __SOCKSEC_R_MAX)
		return "unknown";
	return socksec_reason_names[r];
}

/* Names of the protocols an administrator may choose as the default. */
static const char *const socksec_default_protocols[] = {
	[SOCKSEC_PROTO_IPSEC] = "ipsec",
	[SOCKSEC_PROTO_KTLS]  = "ktls",
	[SOCKSEC_PROTO_ANY]   = "any",
};

int socksec_parse_protocol(const char *buf, u32 *protocol)
{
	u32 p;

	for (p = 0; p < ARRAY_SIZE(socksec_default_protocols); p++) {
		if (socksec_default_protocols[p] &&
		    sysfs_streq(buf, socksec_default_protocols[p])) {
			*protocol = p;
			return 0;
		}
	}
	return -EINVAL;
}

const char *socksec_protocol_name(u32 protocol)
{
	static const char *const names[SOCKSEC_NPROTO] = {
		[SOCKSEC_PROTO_DEFAULT] = "default",
		[SOCKSEC_PROTO_IPSEC]	= "ipsec",
		[SOCKSEC_PROTO_IPSEC2]	= "ipsec2",
		[SOCKSEC_PROTO_KTLS]	= "ktls",
		[SOCKSEC_PROTO_ANY]	= "any",
	};

	if (protocol > SOCKSEC_PROTO_LAST)
		return "unknown";
	return names[protocol];
}

static const char *const socksec_mode_names[__SOCKSEC_MODE_MAX] = {
	[SOCKSEC_MODE_ENFORCE] = "enforce",
	[SOCKSEC_MODE_AUDIT]   = "audit",
	[SOCKSEC_MODE_OFF]     = "off",
};

int socksec_parse_mode(const char *buf, enum socksec_mode *mode)
{
	int i = sysfs_match_string(socksec_mode_names, buf);

	if (i < 0)
		return -EINVAL;
	*mode = i;
	return 0;
}

const char *socksec_mode_name(enum socksec_mode mode)
{
	if ((unsigned int)mode >= __SOCKSEC_MODE_MAX)
		return "unknown";
	return socksec_mode_names[mode];
}

/*
 * Flags are written as a number (decimal, 0x hex or 0 octal); the same
 * rules as the socket option apply, so a default can never hold a value
 * a socket could not.
 */
int socksec_parse_flags(const char *buf, u32 *flags)
{
	u32 v;

	if (kstrtou32(buf, 0, &v))
		return -EINVAL;
	if ((v & ~SOCKSEC_FLAGS_ALL) || v == SOCKSEC_FLAGS_ALL)
		return -EINVAL;
	*flags = v;
	return 0;
}
