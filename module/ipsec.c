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

static int socksec_pol_add(struct socksec_net *sn, struct xfrm_policy *pol)
{
	int err;

	if (!pol)
		return -ENOMEM;
	err = -ENOSPC;
	if (!WARN_ON_ONCE(sn->npol >= ARRAY_SIZE(sn->pol)))
		err = xfrm_policy_insert(XFRM_POLICY_OUT, pol, 1);
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

/**
 * socksec_ipsec_clear - remove a namespace's on-demand policies
 * @sn: the namespace
 *
 * An administrator may have flushed them already (xfrm_policy_delete()
 * then finds nothing); our reference keeps the memory valid either way.
 */
void socksec_ipsec_clear(struct socksec_net *sn)
{
	lockdep_assert_held(&socksec_cfg_lock);
	while (sn->npol) {
		struct xfrm_policy *pol = sn->pol[--sn->npol];

		WRITE_ONCE(sn->pol[sn->npol], NULL);
		xfrm_policy_delete(pol, XFRM_POLICY_OUT);
		/* Freed after an RCU grace period: socksec_km_notify() is safe. */
		xfrm_pol_put(pol);
	}
	if (sn->larval_drop_set) {
		WRITE_ONCE(sn->net->xfrm.sysctl_larval_drop,
			   sn->saved_larval_drop);
		sn->larval_drop_set = false;
	}
}

static int socksec_ipsec_add_family(struct socksec_net *sn,
				    const struct socksec_ipsec_cfg *cfg,
				    unsigned short family)
{
	u32 req = cfg->mark, opt = socksec_optional_mark(cfg->mark);
	u32 both = req | opt;
	struct xfrm_selector sel;
	int err;

	socksec_sel_any(&sel, family);
	err = socksec_pol_add(sn, socksec_pol_new(sn->net, family, &sel, req,
						  both, SOCKSEC_POL_PRIO,
						  cfg->reqid,
						  cfg->mode == SOCKSEC_MODE_AUDIT));
	if (err)
		return err;
	err = socksec_pol_add(sn, socksec_pol_new(sn->net, family, &sel, opt,
						  both, SOCKSEC_POL_PRIO,
						  cfg->reqid, true));
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
						  req, SOCKSEC_POL_PRIO_BYPASS,
						  0, false));
	if (err)
		return err;
	return socksec_pol_add(sn, socksec_pol_new(sn->net, family, &sel, opt,
						   opt, SOCKSEC_POL_PRIO_BYPASS,
						   0, false));
}

/**
 * socksec_ipsec_sync - make a namespace's policies match the configuration
 * @sn: the namespace
 * @cfg: the IPsec knobs
 *
 * Policies are replaced as a whole. With on-demand negotiation on, the
 * namespace's net.core.xfrm_larval_drop is set to 0 so packets wait on
 * xfrm's queue instead of being dropped; the old value is restored when
 * on-demand negotiation is turned off or the module goes.
 */
int socksec_ipsec_sync(struct socksec_net *sn,
		       const struct socksec_ipsec_cfg *cfg)
{
	int err;

	lockdep_assert_held(&socksec_cfg_lock);
	socksec_ipsec_clear(sn);
	if (!cfg->reqid || !cfg->mark || cfg->mode == SOCKSEC_MODE_OFF)
		return 0;
	err = socksec_ipsec_add_family(sn, cfg, AF_INET);
	if (err)
		goto err_clear;
	err = socksec_ipsec_add_family(sn, cfg, AF_INET6);
	if (err)
		goto err_clear;
	sn->saved_larval_drop = READ_ONCE(sn->net->xfrm.sysctl_larval_drop);
	sn->larval_drop_set = true;
	WRITE_ONCE(sn->net->xfrm.sysctl_larval_drop, 0);
	return 0;

err_clear:
	socksec_ipsec_clear(sn);
	return err;
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

/*
 * Packets held on a policy's queue are retried with an exponential backoff
 * (100 ms doubling up to 60 s) that keeps growing while nothing answers,
 * and is shared by every flow of the policy. When an SA is added the
 * queue of socksec's policies is retried at once, so a connection that
 * waits for an IKE daemon started late leaves as soon as its SA exists.
 */
static void socksec_pol_kick(struct xfrm_policy *pol)
{
	struct xfrm_policy_queue *pq = &pol->polq;

	spin_lock_bh(&pq->hold_queue.lock);
	if (timer_pending(&pq->hold_timer)) {
		pq->timeout = SOCKSEC_QUEUE_TMO_MIN;
		/* The pending timer keeps the policy reference it holds. */
		mod_timer(&pq->hold_timer, jiffies);
	}
	spin_unlock_bh(&pq->hold_queue.lock);
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

	acq = xfrm_find_acq(xs_net((struct xfrm_state *)x), &pol->mark,
			    XFRM_MODE_TRANSPORT, x->props.reqid, 0, x->id.proto,
			    &x->id.daddr, &x->props.saddr, 0, x->props.family);
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
		socksec_pol_kick(pol);
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
