// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: counters, netfilter hooks, /proc/net/socksec
 * and the on-demand IPsec policies. Every namespace, present and future,
 * gets the hooks, so a protected socket is covered wherever it lives.
 */

#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "socksec.h"

static unsigned int socksec_net_id __read_mostly;

/* Serialises configuration changes against namespace creation and exit. */
DEFINE_MUTEX(socksec_cfg_lock);
static LIST_HEAD(socksec_nets);
/*
 * Registered for good: a namespace that exits now is dying and keeps its
 * xfrm wrapper to its end (xdst.c). Cleared before the module lets go of
 * the namespaces, which it then unwraps, dying or not.
 */
static bool socksec_nets_live;

struct socksec_net *socksec_net(const struct net *net)
{
	return net_generic(net, socksec_net_id);
}

/* Bring one namespace's policies in line with the current configuration. */
static void socksec_net_sync(struct socksec_net *sn)
{
	struct socksec_ipsec_cfg cfg;
	int err;

	lockdep_assert_held(&socksec_cfg_lock);
	socksec_ipsec_cfg_get(sn->net, &cfg);
	err = socksec_ipsec_sync(sn, &cfg);
	if (err)
		pr_warn_ratelimited("on-demand IPsec policies not installed in a namespace: %d; protected traffic there is dropped\n",
				    err);
}

/* A namespace's IPsec knob changed (knobs.c). */
void socksec_ipsec_resync(struct net *net)
{
	struct socksec_net *sn = socksec_net(net);

	mutex_lock(&socksec_cfg_lock);
	/* Not yet (or no longer) listed: its init (exit) takes care. */
	if (!list_empty(&sn->list))
		socksec_net_sync(sn);
	mutex_unlock(&socksec_cfg_lock);
}

/* The global ipsec_mark changed (sysfs.c). */
void socksec_ipsec_resync_all(void)
{
	struct socksec_net *sn;

	mutex_lock(&socksec_cfg_lock);
	list_for_each_entry(sn, &socksec_nets, list)
		socksec_net_sync(sn);
	mutex_unlock(&socksec_cfg_lock);
}

static int __net_init socksec_net_init(struct net *net)
{
	struct socksec_net *sn = socksec_net(net);
	int err;

	sn->net = net;
	INIT_LIST_HEAD(&sn->list);
	socksec_knobs_init(sn);
	/* Ten forgotten ACQUIREs a second, in bursts of twenty; silent. */
	ratelimit_state_init(&sn->forget_rs, HZ, 20);
	ratelimit_set_flags(&sn->forget_rs, RATELIMIT_MSG_ON_RELEASE);
	err = socksec_proc_init(net);
	if (err)
		goto err_proc;
	err = socksec_hooks_register(net);
	if (err)
		goto err_hooks;
	mutex_lock(&socksec_cfg_lock);
	list_add(&sn->list, &socksec_nets);
	socksec_net_sync(sn);
	mutex_unlock(&socksec_cfg_lock);
	/* Last: from here on the namespace's administrator may change them. */
	err = socksec_sysctl_register(sn);
	if (err)
		goto err_sysctl;
	return 0;

err_sysctl:
	mutex_lock(&socksec_cfg_lock);
	list_del_init(&sn->list);
	socksec_ipsec_clear(sn);
	socksec_xdst_unwrap(sn);
	mutex_unlock(&socksec_cfg_lock);
	socksec_hooks_unregister(net);
err_hooks:
	socksec_proc_exit(net);
err_proc:
	return err;
}

static void __net_exit socksec_net_exit(struct net *net)
{
	struct socksec_net *sn = socksec_net(net);

	socksec_sysctl_unregister(sn);
	mutex_lock(&socksec_cfg_lock);
	list_del_init(&sn->list);
	socksec_ipsec_clear(sn);
	mutex_unlock(&socksec_cfg_lock);
	socksec_hooks_unregister(net);
	/* No hook arms a watch any more; finish those that read sn. */
	socksec_watch_flush_net(net);
	socksec_proc_exit(net);
}

/*
 * The module goes or fails to load: after the exits, give xfrm its
 * methods back in every namespace it leaves (xdst.c), once the bundles
 * of the packets our policies' queues just freed have died wrapped. A
 * dying namespace keeps them to its end.
 */
static void __net_exit socksec_net_exit_batch(struct list_head *net_exit_list)
{
	struct net *net;

	if (READ_ONCE(socksec_nets_live))
		return;
	rcu_barrier();
	mutex_lock(&socksec_cfg_lock);
	list_for_each_entry(net, net_exit_list, exit_list)
		socksec_xdst_unwrap(socksec_net(net));
	mutex_unlock(&socksec_cfg_lock);
}

static struct pernet_operations socksec_net_ops = {
	.init = socksec_net_init,
	.exit = socksec_net_exit,
	.exit_batch = socksec_net_exit_batch,
	.id   = &socksec_net_id,
	.size = sizeof(struct socksec_net),
};

int socksec_netns_init(void)
{
	int err;

	err = register_pernet_subsys(&socksec_net_ops);
	if (err) {
		/* The namespaces it reached were unwrapped (not yet live). */
		socksec_xdst_exit();
		return err;
	}
	WRITE_ONCE(socksec_nets_live, true);
	return 0;
}

void socksec_netns_exit(void)
{
	WRITE_ONCE(socksec_nets_live, false);
	unregister_pernet_subsys(&socksec_net_ops);
	socksec_xdst_exit();
}
