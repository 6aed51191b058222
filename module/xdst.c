// SPDX-License-Identifier: GPL-2.0
/*
 * xfrm's queue bundles: the route reference the kernel forgets.
 *
 * With net.core.xfrm_larval_drop = 0, which socksec sets where it
 * negotiates on demand (ipsec.c), a route lookup that meets a policy
 * without SAs gets a dummy bundle (DST_XFRM_QUEUE) whose packets wait on
 * the policy's hold queue. xfrm_create_dummy_bundle() takes two references
 * on the route, as the bundle's route and as its child; when the bundle
 * dies only the first is dropped: dst_destroy() drops a child only when
 * dst->xfrm is set, and a dummy bundle has no state. Each dummy bundle
 * thus leaves one reference on its route, and the route outlives its
 * table: every cached route a waiting socket used is lost when the table
 * replaces it (a route or address change, the namespace's end). kmemleak
 * shows it (Documentation/debug.rst). Every kernel socksec supports has
 * this; the probe below checks the one it runs on.
 *
 * socksec turned the queue on, so socksec drops that reference: in each
 * namespace where it set larval_drop to 0, the destroy method of the
 * namespace's xfrm dst_ops (IPv4 and IPv6) is wrapped by one that drops a
 * dummy bundle's child, then calls the kernel's. That is the whole
 * change: the wrapper touches no other bundle and calls the method it
 * replaced. Whether the kernel leaks is not taken on trust: at load,
 * socksec_xdst_init() lets the kernel destroy a dummy bundle made for the
 * purpose and looks at its child. A kernel that drops the child itself
 * gets no wrapper (a second drop would free routes still in use).
 *
 * Lifetime and locking:
 *  - The kernel's methods are read from the initial namespace at load,
 *    before any namespace is wrapped; every namespace copies them from
 *    xfrm's templates. Namespaces are wrapped and unwrapped under
 *    socksec_cfg_lock, with WRITE_ONCE(): dst_destroy() reads the method
 *    when a dst dies.
 *  - A namespace stays wrapped while socksec serves it, also after
 *    on-demand negotiation is turned off (sockets may still cache dummy
 *    bundles), and to its end: xfrm's own exit, after socksec's, frees
 *    the packets still held on other policies' queues, and their bundles
 *    die wrapped. Its dst_ops go with the namespace.
 *  - When the module goes (or fails to load), every namespace it leaves,
 *    dying or not, is unwrapped (netns.c), after an RCU barrier so the
 *    bundles of the packets socksec's own queues just freed die wrapped.
 *    Then socksec_xdst_exit() waits for whoever may still run the
 *    wrapper: softirqs and other non-preemptible callers inside it
 *    (synchronize_rcu()), the RCU callbacks queued until then
 *    (rcu_barrier()), and tasks preempted in it (dst_release_immediate()
 *    from process context: synchronize_rcu_tasks(), as for trampolines).
 *    Dying namespaces whose socksec exit ran before are covered too:
 *    their pernet exits end before unregister_pernet_subsys() gets the
 *    pernet lock, and xfrm's queue timer, which may still free their
 *    packets, is a softirq.
 *  - Only the IPv4 methods are probed: the leak is in dst_destroy(),
 *    which both families share.
 */

#include <net/dst.h>
#include <net/xfrm.h>
#include "socksec.h"

enum { SOCKSEC_XDST_V4, SOCKSEC_XDST_V6, __SOCKSEC_XDST_MAX };

/* The kernel's methods: the same in every namespace (xfrm's templates). */
static void (*socksec_xdst_orig[__SOCKSEC_XDST_MAX])(struct dst_entry *dst);
/* This kernel leaks a dummy bundle's child (socksec_xdst_probe()). */
static bool socksec_xdst_needed;
/* Some namespace was wrapped: the module's exit waits for the wrapper. */
static bool socksec_xdst_used;

/* Drop the reference a dummy bundle holds on its route as its child. */
static void socksec_xdst_put_child(struct dst_entry *dst)
{
	struct xfrm_dst *xdst = (struct xfrm_dst *)dst;

	/*
	 * Only a dummy bundle has the queue flag without a state, and its
	 * child is its route: the route's own reference, dropped by the
	 * kernel's method right after, keeps the dst alive until then.
	 */
	if ((dst->flags & DST_XFRM_QUEUE) && !dst->xfrm && xdst->child &&
	    xdst->child == xdst->route)
		dst_release(xdst->child);
}

static void socksec_xdst4_destroy(struct dst_entry *dst)
{
	socksec_xdst_put_child(dst);
	socksec_xdst_orig[SOCKSEC_XDST_V4](dst);
}

static void socksec_xdst6_destroy(struct dst_entry *dst)
{
	socksec_xdst_put_child(dst);
	socksec_xdst_orig[SOCKSEC_XDST_V6](dst);
}

static void (*const socksec_xdst_wrapper[__SOCKSEC_XDST_MAX])(struct dst_entry *) = {
	[SOCKSEC_XDST_V4] = socksec_xdst4_destroy,
	[SOCKSEC_XDST_V6] = socksec_xdst6_destroy,
};

static struct dst_ops *socksec_xdst_ops(struct net *net, int i)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (i == SOCKSEC_XDST_V6)
		return &net->xfrm.xfrm6_dst_ops;
#endif
	return i == SOCKSEC_XDST_V4 ? &net->xfrm.xfrm4_dst_ops : NULL;
}

/* A bare bundle of the initial namespace's IPv4 xfrm dst_ops. */
static struct xfrm_dst *socksec_xdst_alloc(void)
{
	struct xfrm_dst *xdst;

	xdst = socksec_dst_alloc(&init_net.xfrm.xfrm4_dst_ops);
	if (xdst)
		memset_after(xdst, 0, u.dst);
	return xdst;
}

/*
 * Does the kernel leave a dummy bundle's child reference behind? A bundle
 * shaped as xfrm_create_dummy_bundle() shapes one (the queue flag, no
 * state, its route also its child and path, held once for each) is
 * released to the kernel's own methods (nothing is wrapped yet); once its
 * RCU callback ran, the route has our reference and, if the kernel leaks
 * it, the child's. Neither dst has a device, a state or a policy, so the
 * kernel's method has nothing else to do with them.
 */
static bool socksec_xdst_probe(void)
{
	struct xfrm_dst *dummy, *child;
	unsigned int refs, i;

	dummy = socksec_xdst_alloc();
	child = socksec_xdst_alloc();
	if (!dummy || !child) {
		if (dummy)
			dst_release(&dummy->u.dst);
		if (child)
			dst_release(&child->u.dst);
		return false;
	}
	dst_hold(&child->u.dst);
	dst_hold(&child->u.dst);
	dummy->u.dst.flags |= DST_XFRM_QUEUE;
	dummy->route = &child->u.dst;
	dummy->child = &child->u.dst;
	dummy->path = &child->u.dst;
	dst_release(&dummy->u.dst);
	rcu_barrier();
	refs = socksec_dst_refs(&child->u.dst);
	/* Its end is the kernel's business: nothing of ours is left in it. */
	for (i = 0; i < refs; i++)
		dst_release(&child->u.dst);
	/* Ours and the child's: the kernel left it. */
	return refs == 2;
}

/**
 * socksec_xdst_init - learn the kernel's methods and whether they leak
 *
 * Before any namespace is wrapped. If the probe cannot tell (no memory),
 * nothing is wrapped: a leak is better than a second drop.
 */
void socksec_xdst_init(void)
{
	int i;

	for (i = 0; i < __SOCKSEC_XDST_MAX; i++) {
		struct dst_ops *ops = socksec_xdst_ops(&init_net, i);

		if (ops)
			socksec_xdst_orig[i] = ops->destroy;
	}
	socksec_xdst_needed = socksec_xdst_orig[SOCKSEC_XDST_V4] &&
			      socksec_xdst_probe();
	if (socksec_xdst_needed)
		pr_info("xfrm queue bundles keep a route reference; socksec drops it where it holds packets\n");
}

/**
 * socksec_xdst_wrap - drop dummy bundles' child references in a namespace
 * @sn: the namespace, whose larval_drop socksec just set to 0
 *
 * A method that is not the kernel's (someone else wrapped it) is left
 * alone, with a warning: socksec calls only the method it knows.
 */
void socksec_xdst_wrap(struct socksec_net *sn)
{
	struct dst_ops *ops;
	int i;

	lockdep_assert_held(&socksec_cfg_lock);
	if (!socksec_xdst_needed || sn->xdst_wrapped)
		return;
	for (i = 0; i < __SOCKSEC_XDST_MAX; i++) {
		ops = socksec_xdst_ops(sn->net, i);
		if (!ops)
			continue;
		/* No method: that family is off (ipv6.disable=1). */
		if (!socksec_xdst_orig[i])
			continue;
		if (ops->destroy != socksec_xdst_orig[i]) {
			pr_warn_once("xfrm dst_ops.destroy is not the kernel's; queue bundles' route references are left to the kernel\n");
			continue;
		}
		WRITE_ONCE(ops->destroy, socksec_xdst_wrapper[i]);
		sn->xdst_wrapped |= BIT(i);
		socksec_xdst_used = true;
	}
}

/**
 * socksec_xdst_unwrap - give a namespace the kernel's methods back
 * @sn: the namespace
 *
 * The module's exit waits for the wrapper's last callers
 * (socksec_xdst_exit()).
 */
void socksec_xdst_unwrap(struct socksec_net *sn)
{
	int i;

	lockdep_assert_held(&socksec_cfg_lock);
	for (i = 0; i < __SOCKSEC_XDST_MAX; i++) {
		if (!(sn->xdst_wrapped & BIT(i)))
			continue;
		WRITE_ONCE(socksec_xdst_ops(sn->net, i)->destroy,
			   socksec_xdst_orig[i]);
	}
	sn->xdst_wrapped = 0;
}

/* Every namespace is unwrapped: wait until nobody runs the wrapper. */
void socksec_xdst_exit(void)
{
	if (!socksec_xdst_used)
		return;
	/*
	 * Softirqs still freeing a dying namespace's held packets (xfrm's
	 * queue timer, which policy deletion does not wait for) end, then
	 * the callbacks they queued run; then tasks preempted in the
	 * wrapper leave it.
	 */
	synchronize_rcu();
	rcu_barrier();
	synchronize_rcu_tasks();
}
