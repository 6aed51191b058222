/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure decision logic of socksec: validating settings, interning them,
 * resolving the effective requirement against the administrator's defaults,
 * and deciding a packet's verdict from facts the hook gathered.
 *
 * Nothing here touches a socket, an skb or global state, so KUnit drives
 * every function with tables (kunit/decide_test.c) and the hooks stay thin.
 */
#ifndef _SOCKSEC_DECIDE_H
#define _SOCKSEC_DECIDE_H

#include <linux/types.h>
#include <uapi/linux/socksec.h>

/*
 * Bounds of the ABI's values, kept out of the ABI: the last protocol
 * number, and every flag bit (a mask, not a value: both flags together
 * are refused).
 */
#define SOCKSEC_PROTO_LAST	SOCKSEC_PROTO_ANY
#define SOCKSEC_NPROTO		(SOCKSEC_PROTO_LAST + 1)
#define SOCKSEC_FLAGS_ALL	(SOCKSEC_GUARANTEE_ENCRYPTION | \
				 SOCKSEC_ALLOW_INSECURE)

/* The transport of a socket, as far as socksec cares. */
enum socksec_sock_kind {
	SOCKSEC_SK_TCP,
	SOCKSEC_SK_UDP,
	SOCKSEC_SK_OTHER,
};

/*
 * An interned, validated settings value. Sockets point at one of these
 * through sk_user_data; there is exactly one object per distinct value and
 * none is ever freed, so a socket needs neither memory nor a destructor.
 * The alignment keeps the low bits free for the SK_USER_DATA_* tags.
 */
struct socksec_iset {
	u32 protocol;
	u32 flags;
} __aligned(8);

/* Values of /sys/kernel/socksec/mode. */
enum socksec_mode {
	SOCKSEC_MODE_ENFORCE,
	SOCKSEC_MODE_AUDIT,
	SOCKSEC_MODE_OFF,
	__SOCKSEC_MODE_MAX
};

/* The administrator's defaults, a snapshot of the sysfs knobs. */
struct socksec_defaults {
	u32 protocol;		/* IPSEC, KTLS or ANY; never DEFAULT */
	u32 flags;		/* OR-ed into sockets asking for DEFAULT */
	enum socksec_mode mode;
	bool protect_loopback;
};

/* What a socket requires once DEFAULT is resolved. */
struct socksec_effective {
	u32 protocol;		/* IPSEC, IPSEC2, KTLS or ANY */
	u32 flags;
};

int socksec_validate(const struct socksec_settings *s,
		     enum socksec_sock_kind kind);
const struct socksec_iset *socksec_intern(const struct socksec_settings *s);
bool socksec_iset_owned(const void *p);
void socksec_resolve(const struct socksec_iset *set,
		     const struct socksec_defaults *def,
		     struct socksec_effective *eff);

static inline bool socksec_wants_ipsec(u32 protocol)
{
	return protocol == SOCKSEC_PROTO_IPSEC ||
	       protocol == SOCKSEC_PROTO_IPSEC2 ||
	       protocol == SOCKSEC_PROTO_ANY;
}

static inline bool socksec_wants_ktls(u32 protocol)
{
	return protocol == SOCKSEC_PROTO_KTLS || protocol == SOCKSEC_PROTO_ANY;
}

/* How well an xfrm bundle protects a packet. */
enum socksec_xfrm_level {
	SOCKSEC_XFRM_NONE,		/* no SA will transform it */
	SOCKSEC_XFRM_INTEGRITY,		/* AH, or ESP with the null cipher */
	SOCKSEC_XFRM_ENCRYPTED,		/* ESP with a real cipher or AEAD */
};

/*
 * What the handshake tracker (ktls.c) says of a plain payload segment of
 * a kTLS-required socket.
 */
enum socksec_tls_handshake {
	SOCKSEC_HS_NONE,	/* not judged: nothing vouches for it */
	SOCKSEC_HS_OK,		/* handshake records within the budget, or
				 * kernel TLS's own bytes
				 */
	SOCKSEC_HS_UNFRAMED,	/* a byte that is no TLS record's */
	SOCKSEC_HS_BUDGET,	/* past the budget without TLS_TX */
};

/* Everything the verdict needs to know about one outgoing packet. */
struct socksec_pkt_facts {
	bool loopback;		/* leaves through a loopback device */
	bool transformed;	/* already the ESP/AH output of xfrm */
	bool xfrm_queued;	/* held on xfrm's queue until an SA exists */
	bool xfrm_stale;	/* an SA of its bundle died after the route
				 * check: it never leaves on this route
				 */
	enum socksec_xfrm_level xfrm;	/* what the bundle will apply */
	bool ktls_tx;		/* kernel TLS transmit is installed */
	enum socksec_tls_handshake handshake;	/* a plain payload segment */
	bool has_payload;	/* carries transport payload bytes */
};

enum socksec_verdict {
	SOCKSEC_PASS,		/* protected as required */
	SOCKSEC_PASS_OFF,	/* mode=off: socksec does nothing */
	SOCKSEC_PASS_EXEMPT,	/* loopback, exempt by policy */
	SOCKSEC_PASS_INSECURE,	/* unprotected, allowed by ALLOW_INSECURE */
	SOCKSEC_PASS_AUDIT,	/* unprotected, mode=audit lets it go */
	SOCKSEC_DROP,		/* unprotected: must not leave */
};

enum socksec_reason {
	SOCKSEC_R_NONE,
	SOCKSEC_R_NO_SA,	/* no SA transforms the packet */
	SOCKSEC_R_WEAK_SA,	/* integrity-only SA, encryption required */
	SOCKSEC_R_NO_KTLS,	/* payload before kernel TLS was installed */
	SOCKSEC_R_HOLD_TIMEOUT,	/* protection not had within the timeout */
	SOCKSEC_R_TLS_BUDGET,	/* handshake budget spent before TLS_TX */
	__SOCKSEC_R_MAX
};

bool socksec_ipsec_ok(const struct socksec_effective *eff,
		      const struct socksec_pkt_facts *f);
enum socksec_verdict socksec_decide(const struct socksec_effective *eff,
				    const struct socksec_defaults *def,
				    const struct socksec_pkt_facts *f,
				    enum socksec_reason *reason);

const char *socksec_reason_name(enum socksec_reason r);

/* Parsers and printers of the sysfs values. */
int socksec_parse_protocol(const char *buf, u32 *protocol);
const char *socksec_protocol_name(u32 protocol);
int socksec_parse_mode(const char *buf, enum socksec_mode *mode);
const char *socksec_mode_name(enum socksec_mode mode);
int socksec_parse_flags(const char *buf, u32 *flags);

#endif /* _SOCKSEC_DECIDE_H */
