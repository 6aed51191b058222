// SPDX-License-Identifier: GPL-2.0
/*
 * socksec - per-socket protection requirements, enforced by the kernel.
 */

#include <linux/module.h>
#include "socksec.h"

atomic_t socksec_used = ATOMIC_INIT(0);

/**
 * socksec_pin - keep the module loaded for good
 *
 * Called when a socket first points at socksec's settings. Sockets carry
 * the settings without a destructor, so socksec cannot know when the last
 * one dies; unloading under them would leave dangling pointers and, worse,
 * silently drop the protection they were promised. Once any socket holds
 * settings the module therefore stays until reboot ("rmmod: Module socksec
 * is in use").
 */
void socksec_pin(void)
{
	if (!atomic_xchg(&socksec_used, 1))
		__module_get(THIS_MODULE);
}

static int __init socksec_init(void)
{
	int err;

	err = socksec_watch_init();
	if (err)
		goto err_watch;
	socksec_ktls_init();
	/* Whether xfrm's queue bundles leak, before any namespace has one. */
	socksec_xdst_init();
	/* Enforcement in every namespace before any socket can ask for it. */
	err = socksec_netns_init();
	if (err)
		goto err_netns;
	/* The SA notifier reads namespace state: after it exists. */
	err = socksec_ipsec_init();
	if (err)
		goto err_ipsec;
	/* sysfs shows the initial namespace's knobs: after they exist. */
	err = socksec_sysfs_init();
	if (err)
		goto err_sysfs;
	err = socksec_sockopt_init();
	if (err)
		goto err_sockopt;
	pr_info("loaded\n");
	return 0;

err_sockopt:
	socksec_sysfs_exit();
err_sysfs:
	socksec_ipsec_exit();
err_ipsec:
	socksec_netns_exit();
err_netns:
	socksec_ktls_exit();
	socksec_watch_exit();
err_watch:
	return err;
}

static void __exit socksec_exit(void)
{
	socksec_sockopt_exit();
	socksec_sysfs_exit();
	socksec_ipsec_exit();
	socksec_netns_exit();
	socksec_ktls_exit();
	socksec_watch_exit();
}

module_init(socksec_init);
module_exit(socksec_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-socket protection requirements (IPsec, kTLS) enforced by the kernel");
MODULE_AUTHOR("The socksec authors");
