// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite over the facts the verdict is made of (module/facts.c): the
 * protection an SA, an output bundle or a received packet's sec_path
 * gives, where the SPI of an ESP/AH packet is, and whether a packet
 * carries payload.
 *
 * Nothing is mocked: every test builds the real kernel objects the
 * functions read (struct xfrm_state, struct xfrm_dst chains, skbs with a
 * sec_path, IPv4/IPv6 packets written header by header) and checks the
 * answer against the documented meaning (DESIGN.md "Semantics" 2: AH and
 * ESP with the null cipher give integrity only; ESP with a real cipher or
 * an AEAD encrypts; GMAC is an AEAD that only authenticates).
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kernel.h>
#include <linux/pfkeyv2.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <net/xfrm.h>
#include "decide_test.h"
#include "facts.h"

#define NONE SOCKSEC_XFRM_NONE
#define INTEGRITY SOCKSEC_XFRM_INTEGRITY
#define ENCRYPTED SOCKSEC_XFRM_ENCRYPTED

/* ============================================================== SAs === */

/*
 * An SA as xfrm_user leaves it after XFRM_MSG_NEWSA: the protocol, the
 * canonical algorithm names (xfrm_user copies the name of the algorithm
 * it looked up, not the user's spelling) and, for ciphers, the PF_KEY
 * number of the algorithm in props.ealgo.
 */
struct s_case {
	const char *name;
	u8 proto;
	const char *aead;	/* x->aead */
	const char *ealg;	/* x->ealg */
	u8 ealgo;		/* x->props.ealgo */
	const char *aalg;	/* x->aalg */
	const char *calg;	/* x->calg */
	enum socksec_xfrm_level want;
};

/* Named SAs, also the building blocks of the bundles and sec_paths below. */
enum {
	S_AH,
	S_IPCOMP,
	S_ESP_GCM,
	S_ESP_GMAC,
	S_ESP_CHACHA,
	S_ESP_CCM,
	S_ESP_CBC,
	S_ESP_3DES,
	S_ESP_CTR,
	S_ESP_NULL,
	S_ESP_NULL_BY_NAME,
	S_ESP_NULL_BY_NUMBER,
	S_ESP_AUTH_ONLY,
	S_OTHER_PROTO,
	S_NONE_PROTO,
};

static const struct s_case s_cases[] = {
	[S_AH] = { "AH hmac(sha256)", IPPROTO_AH,
		   .aalg = "hmac(sha256)", .want = INTEGRITY },
	[S_IPCOMP] = { "IPcomp deflate", IPPROTO_COMP,
		       .calg = "deflate", .want = NONE },
	[S_ESP_GCM] = { "ESP rfc4106(gcm(aes))", IPPROTO_ESP,
			.aead = "rfc4106(gcm(aes))", .want = ENCRYPTED },
	[S_ESP_GMAC] = { "ESP rfc4543(gcm(aes)) (GMAC)", IPPROTO_ESP,
			 .aead = "rfc4543(gcm(aes))", .want = INTEGRITY },
	[S_ESP_CHACHA] = { "ESP rfc7539esp(chacha20,poly1305)", IPPROTO_ESP,
			   .aead = "rfc7539esp(chacha20,poly1305)",
			   .want = ENCRYPTED },
	[S_ESP_CCM] = { "ESP rfc4309(ccm(aes))", IPPROTO_ESP,
			.aead = "rfc4309(ccm(aes))", .want = ENCRYPTED },
	[S_ESP_CBC] = { "ESP cbc(aes) hmac(sha256)", IPPROTO_ESP,
			.ealg = "cbc(aes)", .ealgo = SADB_X_EALG_AESCBC,
			.aalg = "hmac(sha256)", .want = ENCRYPTED },
	[S_ESP_3DES] = { "ESP cbc(des3_ede) hmac(sha1)", IPPROTO_ESP,
			 .ealg = "cbc(des3_ede)", .ealgo = SADB_EALG_3DESCBC,
			 .aalg = "hmac(sha1)", .want = ENCRYPTED },
	[S_ESP_CTR] = { "ESP rfc3686(ctr(aes)) hmac(sha256)", IPPROTO_ESP,
			.ealg = "rfc3686(ctr(aes))", .ealgo = SADB_X_EALG_AESCTR,
			.aalg = "hmac(sha256)", .want = ENCRYPTED },
	[S_ESP_NULL] = { "ESP ecb(cipher_null) hmac(sha256)", IPPROTO_ESP,
			 .ealg = "ecb(cipher_null)", .ealgo = SADB_EALG_NULL,
			 .aalg = "hmac(sha256)", .want = INTEGRITY },
	/* Either mark of the null cipher is enough to distrust it. */
	[S_ESP_NULL_BY_NAME] = { "ESP ecb(cipher_null), ealgo 0", IPPROTO_ESP,
				 .ealg = "ecb(cipher_null)",
				 .aalg = "hmac(sha256)", .want = INTEGRITY },
	[S_ESP_NULL_BY_NUMBER] = { "ESP ealgo SADB_EALG_NULL, other name",
				   IPPROTO_ESP, .ealg = "cbc(aes)",
				   .ealgo = SADB_EALG_NULL,
				   .aalg = "hmac(sha256)", .want = INTEGRITY },
	[S_ESP_AUTH_ONLY] = { "ESP hmac(sha256), no cipher", IPPROTO_ESP,
			      .aalg = "hmac(sha256)", .want = INTEGRITY },
	/*
	 * Mobile IPv6 states (route optimisation) protect nothing, nor does
	 * a protocol xfrm does not know: fail closed.
	 */
	[S_OTHER_PROTO] = { "IPPROTO_ROUTING (MIPv6)", IPPROTO_ROUTING,
			    .want = NONE },
	[S_NONE_PROTO] = { "protocol 0", 0, .want = NONE },
};

static void s_case_desc(const struct s_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(s_case, s_cases, s_case_desc);

static struct xfrm_algo *t_algo(struct kunit *test, const char *name)
{
	struct xfrm_algo *a;

	if (!name)
		return NULL;
	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_ASSERT_LT(test, strlen(name), sizeof(a->alg_name));
	strscpy(a->alg_name, name, sizeof(a->alg_name));
	return a;
}

/*
 * A valid SA of case @c, holding one reference: the test's own, never
 * dropped through xfrm_state_put(), so __xfrm_state_destroy() never runs
 * on it and KUnit frees the memory when the test ends.
 */
static struct xfrm_state *t_state(struct kunit *test, const struct s_case *c,
				  u8 km_state)
{
	struct xfrm_state *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, x);
	x->id.proto = c->proto;
	x->id.spi = cpu_to_be32(0x1000 + (c - s_cases));
	x->props.ealgo = c->ealgo;
	x->km.state = km_state;
	refcount_set(&x->refcnt, 1);
	if (c->aead) {
		x->aead = kunit_kzalloc(test, sizeof(*x->aead), GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, x->aead);
		KUNIT_ASSERT_LT(test, strlen(c->aead), sizeof(x->aead->alg_name));
		strscpy(x->aead->alg_name, c->aead, sizeof(x->aead->alg_name));
		x->aead->alg_icv_len = 128;
	}
	x->ealg = t_algo(test, c->ealg);
	x->calg = t_algo(test, c->calg);
	if (c->aalg) {
		x->aalg = kunit_kzalloc(test, sizeof(*x->aalg), GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, x->aalg);
		strscpy(x->aalg->alg_name, c->aalg, sizeof(x->aalg->alg_name));
		x->aalg->alg_trunc_len = 128;
	}
	return x;
}

static void state_level_test(struct kunit *test)
{
	const struct s_case *c = test->param_value;
	struct xfrm_state *x = t_state(test, c, XFRM_STATE_VALID);
	enum socksec_xfrm_level got = socksec_state_level(x);

	KUNIT_EXPECT_EQ_MSG(test, got, c->want, "%s: got %s, want %s",
			    c->name, t_xfrm(got), t_xfrm(c->want));
}

/*
 * An SA's level is a property of its transform, not of its lifetime:
 * bundles and sec_paths decide which SAs count.
 */
static void state_level_any_km_state_test(struct kunit *test)
{
	static const u8 km[] = {
		XFRM_STATE_VOID, XFRM_STATE_ACQ, XFRM_STATE_VALID,
		XFRM_STATE_ERROR, XFRM_STATE_EXPIRED, XFRM_STATE_DEAD,
	};
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(s_cases); i++) {
		for (k = 0; k < ARRAY_SIZE(km); k++) {
			struct xfrm_state *x = t_state(test, &s_cases[i], km[k]);

			KUNIT_EXPECT_EQ_MSG(test, socksec_state_level(x),
					    s_cases[i].want, "%s, km.state %u",
					    s_cases[i].name, km[k]);
		}
	}
}

/* ========================================================== bundles === */

struct b_link {
	u8 sa;		/* index into s_cases */
	u8 km;		/* km.state */
};

#define V(sa) { S_##sa, XFRM_STATE_VALID }
#define K(sa, km) { S_##sa, XFRM_STATE_##km }

enum b_kind {
	B_BUNDLE,	/* xfrm_dsts over a plain route */
	B_ROUTE,	/* a plain route, no xfrm */
	B_QUEUE,	/* xfrm's hold-queue dst: DST_XFRM_QUEUE, no state */
	B_NULL,		/* no dst at all */
};

/*
 * A dst chain as xfrm_bundle_create() leaves it: one xfrm_dst per
 * transform, linked through ->child, the last child being the route.
 */
struct b_case {
	const char *name;
	enum b_kind kind;
	unsigned int n;
	struct b_link l[XFRM_MAX_DEPTH];
	enum socksec_xfrm_level want;
};

static const struct b_case b_cases[] = {
	{ "plain route", B_ROUTE, .want = NONE },
	{ "NULL dst", B_NULL, .want = NONE },
	{ "xfrm hold queue dst", B_QUEUE, .want = NONE },
	{ "ESP-GCM", B_BUNDLE, 1, { V(ESP_GCM) }, ENCRYPTED },
	{ "ESP-CBC", B_BUNDLE, 1, { V(ESP_CBC) }, ENCRYPTED },
	{ "ESP-ChaCha20", B_BUNDLE, 1, { V(ESP_CHACHA) }, ENCRYPTED },
	{ "AH", B_BUNDLE, 1, { V(AH) }, INTEGRITY },
	{ "ESP-NULL", B_BUNDLE, 1, { V(ESP_NULL) }, INTEGRITY },
	{ "ESP-GMAC", B_BUNDLE, 1, { V(ESP_GMAC) }, INTEGRITY },
	{ "ESP auth only", B_BUNDLE, 1, { V(ESP_AUTH_ONLY) }, INTEGRITY },
	{ "IPcomp", B_BUNDLE, 1, { V(IPCOMP) }, NONE },
	{ "AH over ESP-GCM", B_BUNDLE, 2, { V(AH), V(ESP_GCM) }, ENCRYPTED },
	{ "ESP-GCM over AH", B_BUNDLE, 2, { V(ESP_GCM), V(AH) }, ENCRYPTED },
	{ "AH over ESP-NULL", B_BUNDLE, 2, { V(AH), V(ESP_NULL) }, INTEGRITY },
	{ "IPcomp over ESP-GCM", B_BUNDLE, 2, { V(IPCOMP), V(ESP_GCM) },
	  ENCRYPTED },
	{ "ESP-GCM over IPcomp", B_BUNDLE, 2, { V(ESP_GCM), V(IPCOMP) },
	  ENCRYPTED },
	{ "IPcomp over AH over ESP-CBC", B_BUNDLE, 3,
	  { V(IPCOMP), V(AH), V(ESP_CBC) }, ENCRYPTED },
	{ "IPcomp over ESP-NULL over AH", B_BUNDLE, 3,
	  { V(IPCOMP), V(ESP_NULL), V(AH) }, INTEGRITY },
	{ "six deep, encrypting SA last", B_BUNDLE, 6,
	  { V(IPCOMP), V(AH), V(AH), V(ESP_NULL), V(AH), V(ESP_GCM) },
	  ENCRYPTED },
	/* SAs that are not (or no longer) valid protect nothing. */
	{ "ESP-GCM larval (ACQ)", B_BUNDLE, 1, { K(ESP_GCM, ACQ) }, NONE },
	{ "ESP-GCM expired", B_BUNDLE, 1, { K(ESP_GCM, EXPIRED) }, NONE },
	{ "ESP-GCM dead", B_BUNDLE, 1, { K(ESP_GCM, DEAD) }, NONE },
	{ "ESP-GCM void", B_BUNDLE, 1, { K(ESP_GCM, VOID) }, NONE },
	{ "ESP-GCM error", B_BUNDLE, 1, { K(ESP_GCM, ERROR) }, NONE },
	{ "AH expired", B_BUNDLE, 1, { K(AH, EXPIRED) }, NONE },
	{ "AH over expired ESP-GCM", B_BUNDLE, 2,
	  { V(AH), K(ESP_GCM, EXPIRED) }, INTEGRITY },
	{ "expired ESP-GCM over AH", B_BUNDLE, 2,
	  { K(ESP_GCM, EXPIRED), V(AH) }, INTEGRITY },
	{ "dead AH over ESP-GCM", B_BUNDLE, 2,
	  { K(AH, DEAD), V(ESP_GCM) }, ENCRYPTED },
};

static void b_case_desc(const struct b_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(b_case, b_cases, b_case_desc);

static void bundle_level_test(struct kunit *test)
{
	const struct b_case *c = test->param_value;
	struct dst_entry *route, *dst;
	struct xfrm_dst *xdst;
	enum socksec_xfrm_level got;
	unsigned int i;

	KUNIT_ASSERT_LE(test, c->n, ARRAY_SIZE(c->l));
	route = kunit_kzalloc(test, sizeof(*route), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, route);

	switch (c->kind) {
	case B_NULL:
		dst = NULL;
		break;
	case B_ROUTE:
		dst = route;
		break;
	case B_QUEUE:
		/* xfrm_create_dummy_bundle(): no state, DST_XFRM_QUEUE. */
		xdst = kunit_kzalloc(test, sizeof(*xdst), GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, xdst);
		xdst->u.dst.flags = DST_XFRM_QUEUE;
		xdst->child = route;
		xdst->path = route;
		xdst->route = route;
		dst = &xdst->u.dst;
		break;
	default:
		KUNIT_ASSERT_GT(test, c->n, 0u);
		/* From the innermost link (next to the route) outwards. */
		dst = route;
		for (i = c->n; i-- > 0;) {
			const struct s_case *s = &s_cases[c->l[i].sa];

			xdst = kunit_kzalloc(test, sizeof(*xdst), GFP_KERNEL);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, xdst);
			xdst->u.dst.xfrm = t_state(test, s, c->l[i].km);
			xdst->child = dst;
			xdst->path = route;
			xdst->route = route;
			dst = &xdst->u.dst;
		}
		/* The chain is what the code will walk. */
		for (i = 0; i < c->n; i++) {
			KUNIT_ASSERT_NOT_NULL(test, dst->xfrm);
			KUNIT_ASSERT_EQ(test, dst->xfrm->km.state, c->l[i].km);
			dst = xfrm_dst_child(dst);
		}
		KUNIT_ASSERT_PTR_EQ(test, dst, route);
		dst = &xdst->u.dst;
		break;
	}

	got = socksec_bundle_level(dst);
	KUNIT_EXPECT_EQ_MSG(test, got, c->want, "%s: got %s, want %s",
			    c->name, t_xfrm(got), t_xfrm(c->want));
}

/* ========================================================= sec_path === */

/* The SAs a received packet went through, outermost first (xfrm_input). */
struct sp_case {
	const char *name;
	bool no_sp;
	unsigned int n;
	struct b_link l[XFRM_MAX_DEPTH];
	enum socksec_xfrm_level want;
};

static const struct sp_case sp_cases[] = {
	{ "no sec_path", true, .want = NONE },
	{ "empty sec_path", .want = NONE },
	{ "ESP-GCM", .n = 1, { V(ESP_GCM) }, ENCRYPTED },
	{ "ESP-CBC", .n = 1, { V(ESP_CBC) }, ENCRYPTED },
	{ "AH", .n = 1, { V(AH) }, INTEGRITY },
	{ "ESP-NULL", .n = 1, { V(ESP_NULL) }, INTEGRITY },
	{ "ESP-GMAC", .n = 1, { V(ESP_GMAC) }, INTEGRITY },
	{ "IPcomp", .n = 1, { V(IPCOMP) }, NONE },
	{ "AH, then ESP-GCM", .n = 2, { V(AH), V(ESP_GCM) }, ENCRYPTED },
	{ "ESP-GCM, then AH", .n = 2, { V(ESP_GCM), V(AH) }, ENCRYPTED },
	{ "ESP-GCM, then IPcomp", .n = 2, { V(ESP_GCM), V(IPCOMP) },
	  ENCRYPTED },
	{ "AH, then ESP-NULL", .n = 2, { V(AH), V(ESP_NULL) }, INTEGRITY },
	{ "six deep, encrypting SA last", .n = XFRM_MAX_DEPTH,
	  { V(IPCOMP), V(AH), V(AH), V(ESP_NULL), V(AH), V(ESP_GCM) },
	  ENCRYPTED },
	{ "six deep, encrypting SA first", .n = XFRM_MAX_DEPTH,
	  { V(ESP_CHACHA), V(AH), V(IPCOMP), V(AH), V(ESP_NULL), V(AH) },
	  ENCRYPTED },
	/* The SA decrypted this packet; that it expired since changes nothing. */
	{ "ESP-GCM, expired since", .n = 1, { K(ESP_GCM, EXPIRED) },
	  ENCRYPTED },
};

static void sp_case_desc(const struct sp_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sp_case, sp_cases, sp_case_desc);

/* ---- skbs owned by the test: freed when it ends, however it ends ---- */

#define T_HEADROOM	64
#define T_SKB_SIZE	512

static int t_skb_init(struct kunit_resource *res, void *context)
{
	struct sk_buff *skb = alloc_skb(T_HEADROOM + T_SKB_SIZE, GFP_KERNEL);

	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, T_HEADROOM);
	res->data = skb;
	return 0;
}

static void t_skb_free(struct kunit_resource *res)
{
	kfree_skb(res->data);
}

static struct sk_buff *t_skb(struct kunit *test)
{
	struct sk_buff *skb = kunit_alloc_resource(test, t_skb_init, t_skb_free,
						   GFP_KERNEL, NULL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);
	return skb;
}

static bool t_match_data(struct kunit *test, struct kunit_resource *res,
			 void *data)
{
	return res->data == data;
}

/* Free a t_skb() now rather than at the end of the test. */
static void t_skb_release(struct kunit *test, struct sk_buff *skb)
{
	KUNIT_ASSERT_EQ(test, kunit_destroy_resource(test, t_match_data, skb), 0);
}

/*
 * References: xfrm_input() puts into sp->xvec[] a reference it got from
 * xfrm_state_lookup(), and freeing the skb drops it (skb_ext_put() ->
 * skb_ext_put_sp() -> xfrm_state_put() on each of the sp->len entries).
 * So each fabricated SA holds two: the test's own (t_state()) and the
 * sec_path's (xfrm_state_hold() below). Freeing the skb takes the count
 * back to one, never to zero, so __xfrm_state_destroy() never sees an SA
 * it did not create; KUnit frees the SAs after the skb (resources go in
 * reverse order), also when an assertion ends the test early. The counts
 * are checked on the way: reading the sec_path takes and drops nothing.
 */
static void secpath_level_test(struct kunit *test)
{
	const struct sp_case *c = test->param_value;
	struct xfrm_state *x[XFRM_MAX_DEPTH] = {};
	enum socksec_xfrm_level got;
	struct sec_path *sp;
	struct sk_buff *skb;
	unsigned int i;

	KUNIT_ASSERT_LE(test, c->n, ARRAY_SIZE(x));
	for (i = 0; i < c->n; i++)
		x[i] = t_state(test, &s_cases[c->l[i].sa], c->l[i].km);

	skb = t_skb(test);
	skb_put_zero(skb, 40);
	skb_reset_network_header(skb);
	if (!c->no_sp) {
		sp = secpath_set(skb);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sp);
		KUNIT_ASSERT_EQ(test, sp->len, 0);
		for (i = 0; i < c->n; i++) {
			xfrm_state_hold(x[i]);
			sp->xvec[sp->len++] = x[i];
		}
		KUNIT_ASSERT_PTR_EQ(test, skb_sec_path(skb), sp);
	} else {
		KUNIT_ASSERT_NULL(test, skb_sec_path(skb));
	}

	got = socksec_secpath_level(skb);
	KUNIT_EXPECT_EQ_MSG(test, got, c->want, "%s: got %s, want %s",
			    c->name, t_xfrm(got), t_xfrm(c->want));

	for (i = 0; i < c->n; i++)
		KUNIT_EXPECT_EQ(test, refcount_read(&x[i]->refcnt), 2);
	t_skb_release(test, skb);
	for (i = 0; i < c->n; i++)
		KUNIT_EXPECT_EQ(test, refcount_read(&x[i]->refcnt), 1);
}

/* ========================================================== packets === */

/*
 * Packets are written header by header into an skb, the way they are
 * when the LOCAL_OUT hook sees them: network header set, transport
 * header not. Each header's "next header" field names the header that
 * follows it; tot_len / payload_len and the IPv4 checksum are filled in
 * last, after an optional cut that truncates the packet.
 */
enum t_hdr {
	H_END,
	H_IP4,		/* 20 bytes */
	H_IP4_RA,	/* 24: with a Router Alert option */
	H_IP4_OPT40,	/* 60: 40 bytes of options, ihl 15 */
	H_IP6,		/* 40 */
	H_HOP,		/* 8: hop-by-hop options, PadN */
	H_DEST,		/* 16: destination options, PadN */
	H_FRAG0,	/* 8: fragment header of a first fragment */
	H_AH,		/* 24: AH with a 96-bit ICV */
	H_ESP,		/* 24: ESP header and 16 bytes of IV */
	H_TCP,		/* 20: SYN */
	H_TCP_OPT,	/* 32: SYN, doff 8 (MSS, WS, SACK-permitted) */
	H_UDP,		/* 8 */
	H_ICMP,		/* 8: echo request */
	H_ICMP6,	/* 8: echo request */
	H_DATA1,	/* 1 payload byte */
};

#define T_MAX_HDRS	6
#define T_ESP_SPI	0xe5b1c0deu
#define T_ESP_SEQ	0x5e000001u
#define T_AH_SPI	0xa4b1c0deu
#define T_AH_SEQ	0x5e000002u

struct t_pkt {
	bool mac;			/* an Ethernet header in front */
	u8 hdrs[T_MAX_HDRS];		/* enum t_hdr, H_END-terminated */
	unsigned int cut;		/* bytes cut off the end */
};

static unsigned int t_hdr_len(u8 h)
{
	switch (h) {
	case H_IP4: return 20;
	case H_IP4_RA: return 24;
	case H_IP4_OPT40: return 60;
	case H_IP6: return 40;
	case H_HOP: return 8;
	case H_DEST: return 16;
	case H_FRAG0: return 8;
	case H_AH: return 24;
	case H_ESP: return 24;
	case H_TCP: return 20;
	case H_TCP_OPT: return 32;
	case H_UDP: return 8;
	case H_ICMP: return 8;
	case H_ICMP6: return 8;
	case H_DATA1: return 1;
	default: return 0;
	}
}

/* The protocol number naming header @h in the header before it. */
static u8 t_hdr_proto(u8 h)
{
	switch (h) {
	case H_IP4:
	case H_IP4_RA:
	case H_IP4_OPT40: return IPPROTO_IPIP;
	case H_IP6: return IPPROTO_IPV6;
	case H_HOP: return NEXTHDR_HOP;
	case H_DEST: return NEXTHDR_DEST;
	case H_FRAG0: return NEXTHDR_FRAGMENT;
	case H_AH: return IPPROTO_AH;
	case H_ESP: return IPPROTO_ESP;
	case H_TCP:
	case H_TCP_OPT: return IPPROTO_TCP;
	case H_UDP: return IPPROTO_UDP;
	case H_ICMP: return IPPROTO_ICMP;
	case H_ICMP6: return IPPROTO_ICMPV6;
	default: return NEXTHDR_NONE;
	}
}

static void t_put_ip4(struct sk_buff *skb, unsigned int len, u8 next)
{
	struct iphdr *iph = skb_put_zero(skb, len);
	u8 *opt = (u8 *)(iph + 1);

	iph->version = 4;
	iph->ihl = len / 4;
	iph->ttl = 64;
	iph->id = htons(0x1234);
	iph->frag_off = htons(IP_DF);
	iph->protocol = next;
	iph->saddr = htonl(0xc0000201);		/* 192.0.2.1 */
	iph->daddr = htonl(0xc0000202);		/* 192.0.2.2 */
	if (len == 24) {
		opt[0] = IPOPT_RA;
		opt[1] = 4;
	} else if (len > 20) {
		memset(opt, IPOPT_NOOP, len - 20 - 1);
		opt[len - 20 - 1] = IPOPT_END;
	}
}

static void t_put_ip6(struct sk_buff *skb, u8 next)
{
	struct ipv6hdr *ip6 = skb_put_zero(skb, sizeof(*ip6));

	ip6->version = 6;
	ip6->nexthdr = next;
	ip6->hop_limit = 64;
	ip6->saddr.s6_addr32[0] = htonl(0x20010db8);	/* 2001:db8::1 */
	ip6->saddr.s6_addr[15] = 1;
	ip6->daddr.s6_addr32[0] = htonl(0x20010db8);	/* 2001:db8::2 */
	ip6->daddr.s6_addr[15] = 2;
}

/* An options header of @len bytes (8n) holding one PadN option. */
static void t_put_opts(struct sk_buff *skb, unsigned int len, u8 next)
{
	u8 *p = skb_put_zero(skb, len);

	p[0] = next;
	p[1] = len / 8 - 1;
	p[2] = IPV6_TLV_PADN;
	p[3] = len - 4;
}

static void t_put_tcp(struct sk_buff *skb, unsigned int len)
{
	static const u8 opts[12] = {
		TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
		TCPOPT_NOP, TCPOPT_WINDOW, TCPOLEN_WINDOW, 7,
		TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM, TCPOPT_NOP, TCPOPT_NOP,
	};
	struct tcphdr *th = skb_put_zero(skb, len);

	th->source = htons(40000);
	th->dest = htons(443);
	th->seq = htonl(0x01020304);
	th->doff = len / 4;
	th->syn = 1;
	th->window = htons(64240);
	if (len > sizeof(*th))
		memcpy(th + 1, opts, min_t(size_t, len - sizeof(*th), sizeof(opts)));
}

static void t_put_hdr(struct sk_buff *skb, u8 h, u8 next)
{
	struct ip_auth_hdr *ah;
	struct ip_esp_hdr *esp;
	struct frag_hdr *fh;
	struct udphdr *uh;
	u8 *p;

	switch (h) {
	case H_IP4:
	case H_IP4_RA:
	case H_IP4_OPT40:
		t_put_ip4(skb, t_hdr_len(h), next);
		break;
	case H_IP6:
		t_put_ip6(skb, next);
		break;
	case H_HOP:
	case H_DEST:
		t_put_opts(skb, t_hdr_len(h), next);
		break;
	case H_FRAG0:
		fh = skb_put_zero(skb, sizeof(*fh));
		fh->nexthdr = next;
		fh->frag_off = htons(IP6_MF);
		fh->identification = htonl(0x12345678);
		break;
	case H_AH:
		ah = skb_put_zero(skb, t_hdr_len(h));
		ah->nexthdr = next;
		ah->hdrlen = t_hdr_len(h) / 4 - 2;
		ah->spi = htonl(T_AH_SPI);
		ah->seq_no = htonl(T_AH_SEQ);
		memset(ah->auth_data, 0xaa, t_hdr_len(h) - sizeof(*ah));
		break;
	case H_ESP:
		esp = skb_put_zero(skb, t_hdr_len(h));
		esp->spi = htonl(T_ESP_SPI);
		esp->seq_no = htonl(T_ESP_SEQ);
		memset(esp->enc_data, 0xcc, t_hdr_len(h) - sizeof(*esp));
		break;
	case H_TCP:
	case H_TCP_OPT:
		t_put_tcp(skb, t_hdr_len(h));
		break;
	case H_UDP:
		uh = skb_put_zero(skb, sizeof(*uh));
		uh->source = htons(40000);
		uh->dest = htons(53);
		break;
	case H_ICMP:
	case H_ICMP6:
		p = skb_put_zero(skb, t_hdr_len(h));
		p[0] = h == H_ICMP ? ICMP_ECHO : ICMPV6_ECHO_REQUEST;
		break;
	case H_DATA1:
		skb_put_u8(skb, 'x');
		break;
	}
}

static u8 t_family(const struct t_pkt *p)
{
	return p->hdrs[0] == H_IP6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
}

/* The packet @p in a fresh skb owned by the test. */
static struct sk_buff *t_build(struct kunit *test, const struct t_pkt *p)
{
	struct sk_buff *skb = t_skb(test);
	unsigned int i, len = 0, nh;

	if (p->mac) {
		struct ethhdr *eth = skb_put_zero(skb, ETH_HLEN);

		skb_reset_mac_header(skb);
		eth->h_proto = t_family(p) == NFPROTO_IPV6 ?
			       htons(ETH_P_IPV6) : htons(ETH_P_IP);
	}
	nh = skb->len;
	skb_set_network_header(skb, nh);
	skb->protocol = t_family(p) == NFPROTO_IPV6 ?
			htons(ETH_P_IPV6) : htons(ETH_P_IP);

	for (i = 0; i < T_MAX_HDRS && p->hdrs[i] != H_END; i++) {
		u8 next = i + 1 < T_MAX_HDRS ? p->hdrs[i + 1] : H_END;

		KUNIT_ASSERT_LE(test, skb->len + t_hdr_len(p->hdrs[i]),
				T_SKB_SIZE);
		t_put_hdr(skb, p->hdrs[i], t_hdr_proto(next));
		len += t_hdr_len(p->hdrs[i]);
	}
	KUNIT_ASSERT_GT(test, len, p->cut);
	skb_trim(skb, skb->len - p->cut);

	if (t_family(p) == NFPROTO_IPV6) {
		KUNIT_ASSERT_GE(test, skb->len - nh, sizeof(struct ipv6hdr));
		ipv6_hdr(skb)->payload_len =
			htons(skb->len - nh - sizeof(struct ipv6hdr));
		KUNIT_ASSERT_EQ(test, (int)ipv6_hdr(skb)->version, 6);
	} else {
		KUNIT_ASSERT_GE(test, skb->len - nh, ip_hdrlen(skb));
		ip_hdr(skb)->tot_len = htons(skb->len - nh);
		ip_send_check(ip_hdr(skb));
		KUNIT_ASSERT_EQ(test, (int)ip_hdr(skb)->version, 4);
	}
	KUNIT_ASSERT_EQ(test, skb->len, nh + len - p->cut);
	KUNIT_ASSERT_EQ(test, skb_network_offset(skb), (int)nh);
	return skb;
}

/* ------------------------------------------------------ find_spi ------ */

struct spi_case {
	const char *name;
	struct t_pkt pkt;
	int err;
	u8 proto;		/* when err == 0 */
	u32 spi;		/* when err == 0, host order */
};

#define IP4(...) { .hdrs = { H_IP4, __VA_ARGS__ } }
#define IP6(...) { .hdrs = { H_IP6, __VA_ARGS__ } }
#define ESP_OK .proto = IPPROTO_ESP, .spi = T_ESP_SPI
#define AH_OK .proto = IPPROTO_AH, .spi = T_AH_SPI
#define BAD .err = -EINVAL

static const struct spi_case spi_cases[] = {
	{ "v4 ESP", IP4(H_ESP), ESP_OK },
	{ "v4 ESP, Router Alert option", { .hdrs = { H_IP4_RA, H_ESP } },
	  ESP_OK },
	{ "v4 ESP, 40 bytes of options", { .hdrs = { H_IP4_OPT40, H_ESP } },
	  ESP_OK },
	{ "v4 ESP behind an Ethernet header",
	  { .mac = true, .hdrs = { H_IP4, H_ESP } }, ESP_OK },
	{ "v4 AH over TCP", IP4(H_AH, H_TCP), AH_OK },
	{ "v4 AH over ESP", IP4(H_AH, H_ESP), AH_OK },
	{ "v4 AH, options", { .hdrs = { H_IP4_RA, H_AH, H_TCP } }, AH_OK },
	{ "v4 AH behind an Ethernet header",
	  { .mac = true, .hdrs = { H_IP4, H_AH, H_UDP } }, AH_OK },
	{ "v4 TCP", IP4(H_TCP, H_DATA1), BAD },
	{ "v4 UDP", IP4(H_UDP, H_DATA1), BAD },
	{ "v4 ICMP", IP4(H_ICMP), BAD },
	{ "v4 ESP cut to 3 bytes", { .hdrs = { H_IP4, H_ESP }, .cut = 21 },
	  BAD },
	{ "v4 ESP without its header", { .hdrs = { H_IP4, H_ESP }, .cut = 24 },
	  BAD },
	{ "v4 AH cut to 7 bytes", { .hdrs = { H_IP4, H_AH, H_TCP },
				   .cut = 20 + 17 }, BAD },
	{ "v6 ESP", IP6(H_ESP), ESP_OK },
	{ "v6 ESP after hop-by-hop", IP6(H_HOP, H_ESP), ESP_OK },
	{ "v6 ESP after destination options", IP6(H_DEST, H_ESP), ESP_OK },
	{ "v6 ESP after hop-by-hop and dstopts", IP6(H_HOP, H_DEST, H_ESP),
	  ESP_OK },
	{ "v6 ESP in a first fragment", IP6(H_FRAG0, H_ESP), ESP_OK },
	{ "v6 ESP behind an Ethernet header",
	  { .mac = true, .hdrs = { H_IP6, H_HOP, H_ESP } }, ESP_OK },
	{ "v6 AH over TCP", IP6(H_AH, H_TCP), AH_OK },
	{ "v6 AH over ESP", IP6(H_AH, H_ESP), AH_OK },
	{ "v6 AH after hop-by-hop", IP6(H_HOP, H_AH, H_TCP), AH_OK },
	{ "v6 TCP", IP6(H_TCP, H_DATA1), BAD },
	{ "v6 UDP after dstopts", IP6(H_DEST, H_UDP), BAD },
	{ "v6 ICMPv6", IP6(H_ICMP6), BAD },
	{ "v6 ESP cut to 3 bytes", { .hdrs = { H_IP6, H_ESP }, .cut = 21 },
	  BAD },
	{ "v6 hop-by-hop cut to 1 byte",
	  { .hdrs = { H_IP6, H_HOP, H_ESP }, .cut = 7 + 24 }, BAD },
	{ "v6 AH cut to 7 bytes", { .hdrs = { H_IP6, H_AH, H_TCP },
				   .cut = 20 + 17 }, BAD },
};

static void spi_case_desc(const struct spi_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(spi_case, spi_cases, spi_case_desc);

static void find_spi_test(struct kunit *test)
{
	const struct spi_case *c = test->param_value;
	struct sk_buff *skb = t_build(test, &c->pkt);
	unsigned int len = skb->len;
	void *data = skb->data;
	__be32 spi = htonl(0xdeadbeef);
	u8 proto = 0xff;
	int err;

	err = socksec_find_spi(skb, t_family(&c->pkt), &proto, &spi);
	KUNIT_EXPECT_EQ_MSG(test, err, c->err, "%s: proto %u", c->name, proto);
	if (!c->err && !err) {
		u32 got = be32_to_cpu(spi);

		KUNIT_EXPECT_EQ_MSG(test, proto, c->proto, "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, got, c->spi, "%s: SPI 0x%08x, want 0x%08x",
				    c->name, got, c->spi);
	}
	/* A fact-finder reads the packet; it never pulls or trims it. */
	KUNIT_EXPECT_EQ(test, skb->len, len);
	KUNIT_EXPECT_PTR_EQ(test, skb->data, data);
}

/* ---------------------------------------------------- has_payload ----- */

struct pay_case {
	const char *name;
	struct t_pkt pkt;
	bool payload;
};

static const struct pay_case pay_cases[] = {
	{ "v4 TCP SYN", IP4(H_TCP), false },
	{ "v4 TCP, 1 byte", IP4(H_TCP, H_DATA1), true },
	{ "v4 TCP doff 8", IP4(H_TCP_OPT), false },
	{ "v4 TCP doff 8, 1 byte", IP4(H_TCP_OPT, H_DATA1), true },
	{ "v4 TCP SYN, IP options", { .hdrs = { H_IP4_RA, H_TCP } }, false },
	{ "v4 TCP, 1 byte, IP options", { .hdrs = { H_IP4_OPT40, H_TCP, H_DATA1 } },
	  true },
	{ "v4 TCP SYN behind an Ethernet header",
	  { .mac = true, .hdrs = { H_IP4, H_TCP } }, false },
	{ "v4 TCP, 1 byte, behind an Ethernet header",
	  { .mac = true, .hdrs = { H_IP4, H_TCP, H_DATA1 } }, true },
	{ "v4 UDP, empty", IP4(H_UDP), true },
	{ "v4 UDP, 1 byte", IP4(H_UDP, H_DATA1), true },
	{ "v4 ICMP", IP4(H_ICMP), true },
	{ "v4 ESP", IP4(H_ESP), true },
	{ "v4 TCP header cut to 10 bytes", { .hdrs = { H_IP4, H_TCP }, .cut = 10 },
	  true },
	{ "v4 TCP header missing", { .hdrs = { H_IP4, H_TCP }, .cut = 20 },
	  true },
	{ "v6 TCP SYN", IP6(H_TCP), false },
	{ "v6 TCP, 1 byte", IP6(H_TCP, H_DATA1), true },
	{ "v6 TCP doff 8", IP6(H_TCP_OPT), false },
	{ "v6 TCP doff 8, 1 byte", IP6(H_TCP_OPT, H_DATA1), true },
	{ "v6 TCP SYN after hop-by-hop", IP6(H_HOP, H_TCP), false },
	{ "v6 TCP, 1 byte, after dstopts", IP6(H_DEST, H_TCP, H_DATA1), true },
	{ "v6 TCP doff 8 after hop-by-hop and dstopts",
	  IP6(H_HOP, H_DEST, H_TCP_OPT), false },
	{ "v6 TCP SYN behind an Ethernet header",
	  { .mac = true, .hdrs = { H_IP6, H_TCP } }, false },
	{ "v6 UDP, empty", IP6(H_UDP), true },
	{ "v6 UDP, 1 byte", IP6(H_UDP, H_DATA1), true },
	{ "v6 ICMPv6", IP6(H_ICMP6), true },
	{ "v6 ESP", IP6(H_ESP), true },
	{ "v6 TCP header cut to 10 bytes", { .hdrs = { H_IP6, H_TCP }, .cut = 10 },
	  true },
	{ "v6 hop-by-hop cut short", { .hdrs = { H_IP6, H_HOP, H_TCP },
				       .cut = 20 + 7 }, true },
};

static void pay_case_desc(const struct pay_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pay_case, pay_cases, pay_case_desc);

static void has_payload_test(struct kunit *test)
{
	const struct pay_case *c = test->param_value;
	struct sk_buff *skb = t_build(test, &c->pkt);
	unsigned int len = skb->len;
	void *data = skb->data;

	KUNIT_EXPECT_EQ_MSG(test, socksec_has_payload(skb, t_family(&c->pkt)),
			    c->payload, "%s", c->name);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	KUNIT_EXPECT_PTR_EQ(test, skb->data, data);
}

static struct kunit_case socksec_facts_cases[] = {
	KUNIT_CASE_PARAM(state_level_test, s_case_gen_params),
	KUNIT_CASE(state_level_any_km_state_test),
	KUNIT_CASE_PARAM(bundle_level_test, b_case_gen_params),
	KUNIT_CASE_PARAM(secpath_level_test, sp_case_gen_params),
	KUNIT_CASE_PARAM(find_spi_test, spi_case_gen_params),
	KUNIT_CASE_PARAM(has_payload_test, pay_case_gen_params),
	{}
};

static struct kunit_suite socksec_facts_suite = {
	.name = "socksec_facts",
	.test_cases = socksec_facts_cases,
};

kunit_test_suite(socksec_facts_suite);
