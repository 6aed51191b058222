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
 * this (compat.h).
 *
 * socksec turned the queue on, so socksec drops that reference: in each
 * namespace where it set larval_drop to 0, the destroy method of the
 * namespace's xfrm dst_ops (IPv4 and IPv6) is wrapped by one that drops a
 * dummy bundle's child, then calls the kernel's. That is the whole
 * change: the wrapper touches no other bundle and calls the method it
 * replaced.
 *
 * Lifetime and locking:
 *  - The methods are wrapped and unwrapped under socksec_cfg_lock, with
 *    WRITE_ONCE(): dst_destroy() reads the method once, when a dst dies.
 *  - A namespace stays wrapped while socksec serves it, also after
 *    on-demand negotiation is turned off: sockets may still cache dummy
 *    bundles. It is unwrapped when the namespace or the module goes
 *    (netns.c), after an RCU barrier, so the bundles whose packets our
 *    policies' queues released meanwhile die wrapped. A bundle that dies
 *    later loses its reference as it would without socksec.
 *  - Module unload: once every namespace is unwrapped, socksec_xdst_exit()
 *    waits for whoever may still run the wrapper: RCU callbacks and
 *    softirqs (synchronize_rcu()) and tasks preempted in it
 *    (synchronize_rcu_tasks(), as for trampolines).
 */

#include <net/dst.h>
#include <net/xfrm.h>
#include "socksec.h"

enum { SOCKSEC_XDST_V4, SOCKSEC_XDST_V6, __SOCKSEC_XDST_MAX };

/* The kernel's methods: the same in every namespace (xfrm's templates). */
static void (*socksec_xdst_orig[__SOCKSEC_XDST_MAX])(struct dst_entry *dst);

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

/**
 * socksec_xdst_wrap - drop dummy bundles' child references in a namespace
 * @sn: the namespace, whose larval_drop socksec just set to 0
 *
 * A method that is neither the kernel's first one seen nor ours (someone
 * else wrapped it) is left alone, with a warning: socksec calls only the
 * method it knows.
 */
void socksec_xdst_wrap(struct socksec_net *sn)
{
	struct dst_ops *ops;
	int i;

	lockdep_assert_held(&socksec_cfg_lock);
	if (!SOCKSEC_XFRM_QUEUE_LEAKS_CHILD || sn->xdst_wrapped)
		return;
	for (i = 0; i < __SOCKSEC_XDST_MAX; i++) {
		ops = socksec_xdst_ops(sn->net, i);
		if (!ops)
			continue;
		if (!socksec_xdst_orig[i])
			socksec_xdst_orig[i] = ops->destroy;
		if (!ops->destroy || ops->destroy != socksec_xdst_orig[i]) {
			pr_warn_once("xfrm dst_ops.destroy is not the kernel's; queue bundles' route references are left to the kernel\n");
			continue;
		}
		WRITE_ONCE(ops->destroy, socksec_xdst_wrapper[i]);
		sn->xdst_wrapped |= BIT(i);
	}
}

/**
 * socksec_xdst_unwrap - give a namespace the kernel's methods back
 * @sn: the namespace
 *
 * The caller waited for the RCU callbacks it cares about; the module's
 * exit waits for the wrapper's last callers (socksec_xdst_exit()).
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

/* After every namespace is unwrapped: nobody runs the wrapper any more. */
void socksec_xdst_exit(void)
{
	synchronize_rcu();
	synchronize_rcu_tasks();
}
