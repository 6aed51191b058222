/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels socksec supports, in one
 * place, so the logic never carries an #if. Where a version number lies
 * (a change backported into a stable series), Kbuild probes the header
 * instead and defines SOCKSEC_HAVE_*.
 */
#ifndef _SOCKSEC_COMPAT_H
#define _SOCKSEC_COMPAT_H

#include <linux/limits.h>
#include <linux/sysctl.h>
#include <linux/version.h>
#include <net/dst.h>
#include <net/net_namespace.h>
#include <net/udp.h>
#include <net/xfrm.h>

/* The UDP socket table of a namespace (per namespace since 6.2). */
static inline struct udp_table *socksec_udp_table(const struct net *net)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return net->ipv4.udp_table;
#else
	return &udp_table;
#endif
}

/*
 * Copy a __string() field in TP_fast_assign(). Since 6.10 __assign_str()
 * takes the destination only: the source is the one __string() named.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define socksec_assign_str(dst, src) __assign_str(dst)
#else
#define socksec_assign_str(dst, src) __assign_str(dst, src)
#endif

/*
 * xfrm_find_acq() with the 6.1 arguments. Per-CPU SAs gave it a pcpu_num
 * after if_id (6.13, and Debian's 6.12 by a stable backport: Kbuild reads
 * the prototype); UINT_MAX is "no CPU", what every state without per-CPU
 * affinity carries.
 */
static inline struct xfrm_state *
socksec_xfrm_find_acq(struct net *net, const struct xfrm_mark *mark, u8 mode,
		      u32 reqid, u32 if_id, u8 proto,
		      const xfrm_address_t *daddr, const xfrm_address_t *saddr,
		      int create, unsigned short family)
{
#ifdef SOCKSEC_HAVE_XFRM_FIND_ACQ_PCPU
	return xfrm_find_acq(net, mark, mode, reqid, if_id, UINT_MAX, proto,
			     daddr, saddr, create, family);
#else
	return xfrm_find_acq(net, mark, mode, reqid, if_id, proto, daddr,
			     saddr, create, family);
#endif
}

/*
 * A dst of @ops without a device, uncounted, with one reference: since
 * 6.5 dst_alloc() starts every dst with one and has no initial_ref (Kbuild
 * reads the prototype).
 */
static inline void *socksec_dst_alloc(struct dst_ops *ops)
{
#ifdef SOCKSEC_HAVE_DST_ALLOC_INITIAL_REF
	return dst_alloc(ops, NULL, 1, DST_OBSOLETE_NONE, DST_NOCOUNT);
#else
	return dst_alloc(ops, NULL, DST_OBSOLETE_NONE, DST_NOCOUNT);
#endif
}

/* A dst's references: an rcuref_t since 6.5 (Kbuild reads struct dst_entry). */
static inline unsigned int socksec_dst_refs(struct dst_entry *dst)
{
#ifdef SOCKSEC_HAVE_DST_RCUREF
	return rcuref_read(&dst->__rcuref);
#else
	return atomic_read(&dst->__refcnt);
#endif
}

/* Sysctl handlers take their table const since 6.11. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define SOCKSEC_CTL_CONST const
#else
#define SOCKSEC_CTL_CONST
#endif

/*
 * Register a namespace's sysctl table of @n entries. Before 6.5 the table
 * ends with an empty entry instead: @t must have room for one more.
 */
static inline struct ctl_table_header *
socksec_register_net_sysctl(struct net *net, const char *path,
			    struct ctl_table *t, size_t n)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return register_net_sysctl_sz(net, path, t, n);
#else
	return register_net_sysctl(net, path, t);
#endif
}

#endif /* _SOCKSEC_COMPAT_H */
