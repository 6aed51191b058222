// SPDX-License-Identifier: GPL-2.0
/*
 * IPsec: what protection xfrm gives a packet, the module-owned policies
 * that make protected sockets negotiate on demand, and the SA details a
 * query reports.
 *
 * On demand (ipsec_reqid = N): in every namespace socksec owns global
 * output policies that match the socksec mark bit and carry one ESP
 * transport template with reqid N. The IKE daemon's trap with the same
 * reqid answers the ACQUIRE; with net.core.xfrm_larval_drop = 0 the kernel
 * queues the packets meanwhile, so connect() just waits. Sockets that
 * allow clear text carry the next mark bit, matched by a policy whose
 * template is optional: negotiation starts, packets are not held.
 *
 * In mode=audit both templates are optional (socksec only reports what it
 * would refuse, so nothing may be held); in mode=off there are no policies.
 *
 * Ownership and locking:
 *  - A policy in sn->pol[] carries socksec's allocation reference, dropped
 *    only by socksec_pol_del() under socksec_cfg_lock. xfrm holds its own
 *    references for the policy lists and for an armed hold timer. Readers
 *    outside the lock (the SA notifier, socksec_ipsec_unqueue()) find
 *    policies under RCU and take a reference only with
 *    refcount_inc_not_zero(); xfrm frees policies after a grace period.
 *  - The hold timer: whoever arms it when it was not pending gives it a
 *    policy reference (mod_timer() returning 0), as xfrm does.
 *  - Held packets belong to xfrm's queue, under its hold_queue.lock;
 *    socksec only reorders them, counts them per user, or takes a refused
 *    or dead socket's packets off it (then they are socksec's to free).
 *    A held packet pins its socket's memory, not the socket: its socket
 *    may be past its last reference (see watch.c).
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/xfrm.h>
#include "socksec.h"

/* Priorities: loopback bypass above the protecting policies. */
#define SOCKSEC_POL_PRIO	1000
#define SOCKSEC_POL_PRIO_BYPASS	999
/* Backoff of xfrm's hold queue after a kick (the kernel's minimum). */
#define SOCKSEC_QUEUE_TMO_MIN	(HZ / 10)

/**
 * socksec_transformed_level - protection of a packet xfrm already produced
 * @net: its namespace
 * @skb: the ESP or AH packet
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 *
 * The bundle is gone by now; the SA is found again by SPI. A packet whose
 * SA vanished meanwhile counts as unprotected (fail closed).
 */
enum socksec_xfrm_level socksec_transformed_level(struct net *net,
						  struct sk_buff *skb,
						  u8 family)
{
	enum socksec_xfrm_level l;
	const xfrm_address_t *daddr;
	struct xfrm_state *x;
	__be32 spi;
	u8 proto;

	if (socksec_find_spi(skb, family, &proto, &spi))
		return SOCKSEC_XFRM_NONE;
	if (family == NFPROTO_IPV4)
		daddr = (const xfrm_address_t *)&ip_hdr(skb)->daddr;
	else
		daddr = (const xfrm_address_t *)&ipv6_hdr(skb)->daddr;
	x = xfrm_state_lookup(net, skb->mark, daddr, spi, proto,
			      family == NFPROTO_IPV4 ? AF_INET : AF_INET6);
	if (!x)
		return SOCKSEC_XFRM_NONE;
	l = x->km.state == XFRM_STATE_VALID ? socksec_state_level(x) :
					      SOCKSEC_XFRM_NONE;
	xfrm_state_put(x);
	return l;
}

static void socksec_sel_any(struct xfrm_selector *sel, unsigned short family)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = family;
}

/*
 * One module-owned output policy. @reqid 0 makes a bypass (no template);
 * otherwise one ESP transport template, optional or not.
 */
static struct xfrm_policy *socksec_pol_new(struct net *net,
					   unsigned short family,
					   const struct xfrm_selector *sel,
					   u32 mark, u32 mask, u32 prio,
					   u32 reqid, bool optional)
{
	struct xfrm_policy *pol = xfrm_policy_alloc(net, GFP_KERNEL);
	struct xfrm_tmpl *t;

	if (!pol)
		return NULL;
	pol->selector = *sel;
	pol->family = family;
	pol->type = XFRM_POLICY_TYPE_MAIN;
	pol->action = XFRM_POLICY_ALLOW;
	pol->priority = prio;
	pol->mark.v = mark;
	pol->mark.m = mask;
	pol->lft.soft_byte_limit = XFRM_INF;
	pol->lft.hard_byte_limit = XFRM_INF;
	pol->lft.soft_packet_limit = XFRM_INF;
	pol->lft.hard_packet_limit = XFRM_INF;
	if (!reqid)
		return pol;
	t = &pol->xfrm_vec[0];
	t->id.proto = IPPROTO_ESP;
	t->encap_family = family;
	t->reqid = reqid;
	t->mode = XFRM_MODE_TRANSPORT;
	t->share = XFRM_SHARE_ANY;
	t->optional = optional;
	t->aalgos = ~0U;
	t->ealgos = ~0U;
	t->calgos = ~0U;
	pol->xfrm_nr = 1;
	return pol;
}

/*
 * Link one policy. With @replace, a linked policy of the same selector and
 * mark (our previous one) is replaced in the same step, under xfrm's
 * policy lock, so its traffic never meets a moment without a policy.
 */
static int socksec_pol_add(struct socksec_net *sn, struct xfrm_policy *pol,
			   bool replace)
{
	int err;

	if (!pol)
		return -ENOMEM;
	err = -ENOSPC;
	if (!WARN_ON_ONCE(sn->npol >= ARRAY_SIZE(sn->pol)))
		err = xfrm_policy_insert(XFRM_POLICY_OUT, pol, !replace);
	if (err) {
		/* Never linked: the policy is ours alone to free. */
		pol->walk.dead = 1;
		xfrm_policy_destroy(pol);
		return err;
	}
	/* Our allocation reference stays with us until removal. */
	WRITE_ONCE(sn->pol[sn->npol], pol);
	sn->npol++;
	return 0;
}

/*
 * Unlink one of our policies and drop our reference. An administrator may
 * have flushed it already, or a newer policy replaced it
 * (xfrm_policy_delete() then finds nothing). The
 * memory is freed after an RCU grace period, so socksec_km_notify() and
 * socksec_ipsec_unqueue(), which find policies in sn->pol under RCU, stay
 * safe; they take a reference only with refcount_inc_not_zero().
 */
static void socksec_pol_del(struct xfrm_policy *pol)
{
	xfrm_policy_delete(pol, XFRM_POLICY_OUT);
	xfrm_pol_put(pol);
}

/* Remove the policies sn->pol[from..npol). */
static void socksec_pol_del_tail(struct socksec_net *sn, unsigned int from)
{
	lockdep_assert_held(&socksec_cfg_lock);
	while (sn->npol > from) {
		struct xfrm_policy *pol = sn->pol[--sn->npol];

		WRITE_ONCE(sn->pol[sn->npol], NULL);
		socksec_pol_del(pol);
	}
}

/*
 * Remove the policies sn->pol[0..n) and move the rest to the front. The
 * slots are rewritten before the references go: a reader that starts
 * after a policy's last reference must not find it in a slot.
 */
static void socksec_pol_del_head(struct socksec_net *sn, unsigned int n)
{
	struct xfrm_policy *gone[ARRAY_SIZE(sn->pol)];
	unsigned int i;

	lockdep_assert_held(&socksec_cfg_lock);
	for (i = 0; i < n; i++)
		gone[i] = sn->pol[i];
	for (i = n; i < sn->npol; i++)
		WRITE_ONCE(sn->pol[i - n], sn->pol[i]);
	for (i = sn->npol - n; i < sn->npol; i++)
		WRITE_ONCE(sn->pol[i], NULL);
	sn->npol -= n;
	for (i = 0; i < n; i++)
		socksec_pol_del(gone[i]);
}

static void socksec_larval_drop_restore(struct socksec_net *sn)
{
	if (sn->larval_drop_set) {
		WRITE_ONCE(sn->net->xfrm.sysctl_larval_drop,
			   sn->saved_larval_drop);
		sn->larval_drop_set = false;
	}
}

/**
 * socksec_ipsec_clear - remove a namespace's on-demand policies
 * @sn: the namespace
 */
void socksec_ipsec_clear(struct socksec_net *sn)
{
	socksec_pol_del_tail(sn, 0);
	socksec_larval_drop_restore(sn);
}

static int socksec_ipsec_add_family(struct socksec_net *sn,
				    const struct socksec_ipsec_cfg *cfg,
				    unsigned short family, bool replace)
{
	u32 req = cfg->mark, opt = socksec_optional_mark(cfg->mark);
	u32 prio = SOCKSEC_POL_PRIO, bypass = SOCKSEC_POL_PRIO_BYPASS;
	u32 both = req | opt;
	struct xfrm_selector sel;
	int err;

	socksec_sel_any(&sel, family);
	err = socksec_pol_add(sn, socksec_pol_new(sn->net, family, &sel, req,
						  both, prio, cfg->reqid,
						  cfg->mode == SOCKSEC_MODE_AUDIT),
			      replace);
	if (err)
		return err;
	err = socksec_pol_add(sn, socksec_pol_new(sn->net, family, &sel, opt,
						  both, prio, cfg->reqid, true),
			      replace);
	if (err || cfg->protect_loopback)
		return err;

	/* Loopback never reaches a wire: let it bypass, as the hook does. */
	if (family == AF_INET) {
		sel.daddr.a4 = htonl(INADDR_LOOPBACK & IN_CLASSA_NET);
		sel.prefixlen_d = 8;
	} else {
		sel.daddr.in6 = in6addr_loopback;
		sel.prefixlen_d = 128;
	}
	err = socksec_pol_add(sn, socksec_pol_new(sn->net, family, &sel, req,
						  req, bypass, 0, false),
			      replace);
	if (err)
		return err;
	return socksec_pol_add(sn, socksec_pol_new(sn->net, family, &sel, opt,
						   opt, bypass, 0, false),
			       replace);
}

/**
 * socksec_ipsec_sync - make a namespace's policies match the configuration
 * @sn: the namespace
 * @cfg: the IPsec knobs
 *
 * Each new policy replaces its old twin (same selector and mark) in one
 * step, and old policies without a twin go only after all new ones are
 * in: marked packets never meet a moment without policies, when they
 * would take a plain route and their sockets would be refused for
 * nothing. On failure the new policies are removed again (the old ones
 * they replaced are gone with them: fail closed, and the error is
 * logged).
 * With on-demand negotiation on, the namespace's net.core.xfrm_larval_drop
 * is set to 0 so packets wait on xfrm's queue instead of being dropped;
 * the old value is restored when on-demand negotiation is turned off or
 * the module goes.
 */
int socksec_ipsec_sync(struct socksec_net *sn,
		       const struct socksec_ipsec_cfg *cfg)
{
	unsigned int old = sn->npol;
	int err;

	lockdep_assert_held(&socksec_cfg_lock);
	if (!cfg->reqid || !cfg->mark || cfg->mode == SOCKSEC_MODE_OFF) {
		socksec_ipsec_clear(sn);
		return 0;
	}
	err = socksec_ipsec_add_family(sn, cfg, AF_INET, old);
	if (!err)
		err = socksec_ipsec_add_family(sn, cfg, AF_INET6, old);
	if (err) {
		socksec_ipsec_clear(sn);
		return err;
	}
	socksec_pol_del_head(sn, old);
	if (!sn->larval_drop_set) {
		sn->saved_larval_drop = READ_ONCE(sn->net->xfrm.sysctl_larval_drop);
		sn->larval_drop_set = true;
	}
	WRITE_ONCE(sn->net->xfrm.sysctl_larval_drop, 0);
	/* The queue's bundles forget a route reference: take it back. */
	socksec_xdst_wrap(sn);
	return 0;
}

static void socksec_copy_alg(char *to, const struct xfrm_algo *a)
{
	if (a)
		strscpy(to, a->alg_name, SOCKSEC_ALG_NAME_LEN);
}

static void socksec_query_state(struct socksec_query *q,
				const struct xfrm_state *x)
{
	if (x->aead)
		strscpy(q->enc_alg, x->aead->alg_name, SOCKSEC_ALG_NAME_LEN);
	else
		socksec_copy_alg(q->enc_alg, x->ealg);
	if (x->aalg)
		strscpy(q->auth_alg, x->aalg->alg_name, SOCKSEC_ALG_NAME_LEN);
}

/* A connected socket's addresses, as xfrm sees them (v4-mapped as v4). */
static unsigned short socksec_sk_addrs(const struct sock *sk,
				       const xfrm_address_t **local,
				       const xfrm_address_t **remote)
{
	if (sk->sk_family == AF_INET6 &&
	    !ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		*local = (const xfrm_address_t *)&sk->sk_v6_rcv_saddr;
		*remote = (const xfrm_address_t *)&sk->sk_v6_daddr;
		return AF_INET6;
	}
	*local = (const xfrm_address_t *)&sk->sk_rcv_saddr;
	*remote = (const xfrm_address_t *)&sk->sk_daddr;
	return AF_INET;
}

/* The inbound SA of a connected socket: the one from its peer to it. */
static u32 socksec_inbound_spi(struct sock *sk, u8 proto)
{
	const xfrm_address_t *local, *remote;
	unsigned short family = socksec_sk_addrs(sk, &local, &remote);
	struct xfrm_state *x;
	u32 spi = 0;

	x = xfrm_state_lookup_byaddr(sock_net(sk), READ_ONCE(sk->sk_mark),
				     local, remote, proto, family);
	if (x) {
		if (x->km.state == XFRM_STATE_VALID)
			spi = ntohl(x->id.spi);
		xfrm_state_put(x);
	}
	return spi;
}

/**
 * socksec_ipsec_forget_acquire - drop the pending ACQUIRE of a refused flow
 * @sk: a socket aborted because nothing answered in time
 *
 * While a larval (acquire) state exists the kernel sends no new ACQUIRE for
 * the flow (net.core.xfrm_acq_expires, 30 s by default). Once socksec has
 * given up on the connection, the next attempt should ask the IKE daemon
 * afresh, e.g. right after the administrator started it.
 */
void socksec_ipsec_forget_acquire(struct sock *sk)
{
	const xfrm_address_t *local, *remote;
	unsigned short family = socksec_sk_addrs(sk, &local, &remote);
	struct xfrm_state *x;

	/*
	 * Each forgotten ACQUIRE lets the next packet ask the IKE daemon
	 * again: bounded per namespace, so that users who time out over and
	 * over cannot flood the daemon (the kernel alone would ask once per
	 * flow per xfrm_acq_expires).
	 */
	if (!__ratelimit(&socksec_net(sock_net(sk))->forget_rs))
		return;

	x = xfrm_state_lookup_byaddr(sock_net(sk), READ_ONCE(sk->sk_mark),
				     remote, local, IPPROTO_ESP, family);
	if (!x)
		return;
	if (x->km.state == XFRM_STATE_ACQ)
		xfrm_state_delete(x);
	xfrm_state_put(x);
}

/**
 * socksec_ipsec_query - fill the IPsec part of a socket's query
 * @sk: a full socket
 * @q: the query; protocol, flags and state already set
 *
 * The socket's cached route tells what protects it now: an xfrm bundle
 * (secured, and encrypted with a real cipher), xfrm's queue (pending), or
 * a plain route.
 */
void socksec_ipsec_query(struct sock *sk, struct socksec_query *q)
{
	struct dst_entry *dst;
	struct xfrm_state *x = NULL;
	enum socksec_xfrm_level l;

	rcu_read_lock();
	dst = __sk_dst_get(sk);
	if (!dst)
		goto out;
	if (dst->flags & DST_XFRM_QUEUE) {
		q->state |= SOCKSEC_STATE_PENDING;
		goto out;
	}
	l = socksec_bundle_level(dst);
	if (l == SOCKSEC_XFRM_NONE)
		goto out;
	for (; dst && dst->xfrm; dst = xfrm_dst_child(dst))
		if (socksec_state_level(dst->xfrm) == l) {
			x = dst->xfrm;
			break;
		}
	if (!x)
		goto out;
	q->state |= SOCKSEC_STATE_SECURED;
	if (l == SOCKSEC_XFRM_ENCRYPTED)
		q->state |= SOCKSEC_STATE_ENCRYPTED;
	q->mechanism = SOCKSEC_PROTO_IPSEC;
	q->spi_out = ntohl(x->id.spi);
	socksec_query_state(q, x);
	q->spi_in = socksec_inbound_spi(sk, x->id.proto);
out:
	rcu_read_unlock();
}

/**
 * socksec_ipsec_unqueue - take a refused socket's packets off xfrm's queue
 * @sk: the socket being aborted
 *
 * Left there, they would be retried (and trigger ACQUIREs) for up to a
 * minute, and leave once an SA appears, long after the application was
 * told its connection failed.
 */
void socksec_ipsec_unqueue(struct sock *sk)
{
	struct socksec_net *sn = socksec_net(sock_net(sk));
	struct sk_buff_head gone;
	struct sk_buff *skb, *tmp;
	struct xfrm_policy *pol;
	unsigned int i;

	__skb_queue_head_init(&gone);
	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(sn->pol); i++) {
		struct sk_buff_head *q;

		pol = READ_ONCE(sn->pol[i]);
		if (!pol)
			continue;
		q = &pol->polq.hold_queue;
		spin_lock_bh(&q->lock);
		skb_queue_walk_safe(q, skb, tmp) {
			if (skb->sk != sk)
				continue;
			__skb_unlink(skb, q);
			__skb_queue_tail(&gone, skb);
		}
		spin_unlock_bh(&q->lock);
	}
	rcu_read_unlock();
	__skb_queue_purge(&gone);
}

/**
 * socksec_ipsec_hold_full - whether a user has enough packets held already
 * @dst: a packet's dst; only xfrm's queue dst holds packets
 * @uid: the owner of the packet's socket
 *
 * Walks the queue (at most about a hundred packets) under its lock. The
 * queue dst references its policy, so the policy lives while we look.
 */
bool socksec_ipsec_hold_full(const struct dst_entry *dst, kuid_t uid)
{
	const struct xfrm_dst *xdst = (const struct xfrm_dst *)dst;
	struct sk_buff_head *q;
	struct sk_buff *skb;
	unsigned int n = 0;

	if (!dst || !(dst->flags & DST_XFRM_QUEUE) || !xdst->pols[0])
		return false;
	q = &xdst->pols[0]->polq.hold_queue;
	spin_lock_bh(&q->lock);
	skb_queue_walk(q, skb) {
		const struct sock *sk = skb_to_full_sk(skb);

		if (sk && sk_fullsock(sk) && uid_eq(sk->sk_uid, uid) &&
		    ++n >= SOCKSEC_HOLD_PER_USER)
			break;
	}
	spin_unlock_bh(&q->lock);
	return n >= SOCKSEC_HOLD_PER_USER;
}

/* Whether a held packet is for the destination of an SA. */
static bool socksec_skb_to(const struct sk_buff *skb,
			   const struct xfrm_state *x)
{
	if (x->props.family == AF_INET)
		return skb->protocol == htons(ETH_P_IP) &&
		       ip_hdr(skb)->daddr == x->id.daddr.a4;
	return skb->protocol == htons(ETH_P_IPV6) &&
	       ipv6_addr_equal(&ipv6_hdr(skb)->daddr, &x->id.daddr.in6);
}

/*
 * Packets held on a policy's queue are retried with an exponential backoff
 * (100 ms doubling up to 60 s) that keeps growing while nothing answers,
 * and is shared by every flow of the policy. xfrm retries only the flow of
 * the packet at the head of the queue; once that flow has an SA, every
 * packet is looked up again and sent, or dropped if its flow still has
 * none. When an SA is added, socksec moves the first packet it covers to
 * the head and retries the queue at once: a connection whose SA now
 * exists leaves as soon as the SA does, even behind packets to a peer
 * that never answers.
 */
static void socksec_pol_kick(struct xfrm_policy *pol, const struct xfrm_state *x)
{
	struct xfrm_policy_queue *pq = &pol->polq;
	struct sk_buff *skb;

	/* The policy may be on its way out: act only while it lives. */
	if (!refcount_inc_not_zero(&pol->refcnt))
		return;
	spin_lock_bh(&pq->hold_queue.lock);
	skb_queue_walk(&pq->hold_queue, skb) {
		if (!socksec_skb_to(skb, x))
			continue;
		__skb_unlink(skb, &pq->hold_queue);
		__skb_queue_head(&pq->hold_queue, skb);
		break;
	}
	if (timer_pending(&pq->hold_timer)) {
		pq->timeout = SOCKSEC_QUEUE_TMO_MIN;
		/*
		 * An armed hold timer owns a policy reference. The timer may
		 * have fired since timer_pending() (its handler then waits
		 * for this lock and drops its own reference): re-arming it
		 * then needs a new one, as xfrm itself does.
		 */
		if (!mod_timer(&pq->hold_timer, jiffies))
			xfrm_pol_hold(pol);
	}
	spin_unlock_bh(&pq->hold_queue.lock);
	/* Never the last reference: the caller's policy is still linked. */
	xfrm_pol_put(pol);
}

/*
 * The larval state of an ACQUIRE carries the policy's mark; the kernel
 * replaces it only with an SA of the very same mark. An IKE daemon that
 * installs its SA without that mark leaves the larval state behind, and
 * once the SA is gone it suppresses new ACQUIREs for the flow for
 * net.core.xfrm_acq_expires. Remove it as soon as a real SA covers the
 * same addresses.
 */
static void socksec_pol_drop_larval(struct xfrm_policy *pol,
				    const struct xfrm_state *x)
{
	struct xfrm_state *acq;

	acq = socksec_xfrm_find_acq(xs_net((struct xfrm_state *)x), &pol->mark,
				    XFRM_MODE_TRANSPORT, x->props.reqid, 0,
				    x->id.proto, &x->id.daddr,
				    &x->props.saddr, 0, x->props.family);
	if (!acq)
		return;
	xfrm_state_delete(acq);
	xfrm_state_put(acq);
}

static int socksec_km_notify(struct xfrm_state *x, const struct km_event *c)
{
	struct socksec_net *sn;
	struct xfrm_policy *pol;
	unsigned int i;

	if (c->event != XFRM_MSG_NEWSA && c->event != XFRM_MSG_UPDSA)
		return 0;
	sn = socksec_net(xs_net(x));
	/* km notifiers run under rcu_read_lock(); policies die after RCU. */
	for (i = 0; i < ARRAY_SIZE(sn->pol); i++) {
		pol = READ_ONCE(sn->pol[i]);
		if (!pol || pol->xfrm_nr != 1 ||
		    pol->xfrm_vec[0].reqid != x->props.reqid)
			continue;
		if (x->id.spi)
			socksec_pol_drop_larval(pol, x);
		socksec_pol_kick(pol, x);
	}
	return 0;
}

/* socksec asks no IKE daemon itself: others answer ACQUIREs. */
static int socksec_km_acquire(struct xfrm_state *x, struct xfrm_tmpl *t,
			      struct xfrm_policy *xp)
{
	return -EINVAL;
}

static struct xfrm_policy *socksec_km_compile(struct sock *sk, int opt,
					      u8 *data, int len, int *dir)
{
	*dir = -EINVAL;
	return NULL;
}

static struct xfrm_mgr socksec_km = {
	.notify		= socksec_km_notify,
	.acquire	= socksec_km_acquire,
	.compile_policy	= socksec_km_compile,
};

int socksec_ipsec_init(void)
{
	xfrm_register_km(&socksec_km);
	return 0;
}

void socksec_ipsec_exit(void)
{
	xfrm_unregister_km(&socksec_km);
}
