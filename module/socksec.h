/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between socksec's files. One file per concern:
 *   main.c	module init/exit, pinning
 *   decide.c	pure decision logic (KUnit-tested)
 *   facts.c	facts about packets and SAs (KUnit-tested)
 *   sockopt.c	the socket options
 *   sysfs.c	/sys/kernel/socksec defaults
 *   netns.c	per-network-namespace state and hook registration
 *   hook.c	netfilter hooks: egress and ingress verdicts
 *   ipsec.c	xfrm facts, on-demand policies, query of SAs
 *   ktls.c	kernel TLS state of a socket
 *   watch.c	sockets waiting for protection; hold timeout and abort
 *   proc.c	/proc/net/socksec
 *   xdst.c	xfrm queue bundles: the route reference the kernel forgets
 */
#ifndef _SOCKSEC_H
#define _SOCKSEC_H

#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <linux/ratelimit.h>
#include "decide.h"
#include "facts.h"
#include "compat.h"

/* Counters of /proc/net/socksec, per network namespace. */
enum socksec_counter {
	SOCKSEC_C_SOCKETS,		/* sockets given settings */
	SOCKSEC_C_OUT_PROTECTED,	/* egress packets protected */
	SOCKSEC_C_OUT_HELD,		/* egress packets held by xfrm */
	SOCKSEC_C_OUT_HOLD_LIMITED,	/* ... dropped: the user holds enough */
	SOCKSEC_C_OUT_EXEMPT,		/* egress loopback packets exempted */
	SOCKSEC_C_OUT_INSECURE,		/* egress clear text, ALLOW_INSECURE */
	SOCKSEC_C_OUT_AUDIT,		/* egress clear text, mode=audit */
	SOCKSEC_C_IN_PROTECTED,		/* ingress packets that came protected */
	SOCKSEC_C_IN_EXEMPT,
	SOCKSEC_C_IN_INSECURE,
	SOCKSEC_C_IN_AUDIT,
	SOCKSEC_C_IN_DROPPED,		/* ingress clear text dropped */
	SOCKSEC_C_IN_ORPHAN,		/* protected packets for no socket */
	__SOCKSEC_C_MAX
};

/*
 * The knobs every network namespace has (net.socksec.*; sysfs shows and
 * sets the initial namespace's). A new namespace starts with the initial
 * namespace's values. ipsec_mark is not among them: it is global.
 */
enum socksec_knob {
	SOCKSEC_K_DEFAULT_PROTOCOL,
	SOCKSEC_K_DEFAULT_FLAGS,
	SOCKSEC_K_MODE,
	SOCKSEC_K_PROTECT_LOOPBACK,
	SOCKSEC_K_IPSEC_REQID,
	SOCKSEC_K_HOLD_TIMEOUT_MS,
	SOCKSEC_K_KTLS_BUDGET,
	__SOCKSEC_K_MAX
};

/* IPsec knobs of sysfs. */
struct socksec_ipsec_cfg {
	u32 reqid;		/* 0: SPD mode; N: on-demand with reqid N */
	u32 mark;		/* mark bit of sockets that require IPsec */
	u32 hold_timeout_ms;	/* how long packets may wait for an SA */
	bool protect_loopback;
	enum socksec_mode mode;
};

/* The mark of sockets that try IPsec but accept clear text. */
static inline u32 socksec_optional_mark(u32 mark)
{
	return mark << 1;
}

struct xfrm_policy;

/* Per network namespace state. */
struct socksec_net {
	struct net *net;
	struct list_head list;		/* socksec_nets, under socksec_cfg_lock */
	/* Knob values: read with READ_ONCE, written under socksec_cfg_lock. */
	u32 knob[__SOCKSEC_K_MAX];
	struct ctl_table *sysctl_table;
	struct ctl_table_header *sysctl;
	atomic_long_t ctr[__SOCKSEC_C_MAX];
	atomic_long_t out_drop[__SOCKSEC_R_MAX];
	atomic_long_t aborted[__SOCKSEC_R_MAX];
	/*
	 * On-demand policies: written under socksec_cfg_lock, read under RCU
	 * (slots with READ_ONCE). Each holds our allocation reference until
	 * socksec_pol_del(). Room for the old set while a new one replaces
	 * it (socksec_ipsec_sync()).
	 */
	struct xfrm_policy *pol[16];
	unsigned int npol;
	int saved_larval_drop;
	bool larval_drop_set;
	/* xfrm dst_ops whose destroy socksec wrapped (xdst.c), a bit each. */
	u8 xdst_wrapped;
	/* Forgotten ACQUIREs (socksec_ipsec_forget_acquire()). */
	struct ratelimit_state forget_rs;
};

/* netns.c */
extern struct mutex socksec_cfg_lock;
int socksec_netns_init(void);
void socksec_netns_exit(void);
struct socksec_net *socksec_net(const struct net *net);
void socksec_ipsec_resync_all(void);
void socksec_ipsec_resync(struct net *net);

static inline void socksec_count(struct socksec_net *sn, enum socksec_counter c)
{
	atomic_long_inc(&sn->ctr[c]);
}

/* sysfs.c */
int socksec_sysfs_init(void);
void socksec_sysfs_exit(void);
u32 socksec_ipsec_mark(void);
extern struct mutex socksec_mark_lock;

/* knobs.c */
extern const char *const socksec_knob_names[__SOCKSEC_K_MAX];
void socksec_knobs_init(struct socksec_net *sn);
/* The longest text of a knob's value, a trailing newline aside. */
#define SOCKSEC_KNOB_TEXT_MAX	31
int socksec_knob_text_ok(const char *buf, size_t count);
int socksec_knob_parse(enum socksec_knob k, const char *buf, u32 *v);
int socksec_knob_print(enum socksec_knob k, u32 v, char *buf, size_t len);
u32 socksec_knob_get(const struct net *net, enum socksec_knob k);
int socksec_knob_set(struct net *net, enum socksec_knob k, u32 v);
int socksec_sysctl_register(struct socksec_net *sn);
void socksec_sysctl_unregister(struct socksec_net *sn);
void socksec_defaults_get(const struct net *net, struct socksec_defaults *def);
void socksec_ipsec_cfg_get(const struct net *net,
			   struct socksec_ipsec_cfg *cfg);
u32 socksec_ktls_budget(const struct net *net);

/* hook.c */
int socksec_hooks_register(struct net *net);
void socksec_hooks_unregister(struct net *net);

/* xdst.c */
void socksec_xdst_init(void);
void socksec_xdst_wrap(struct socksec_net *sn);
void socksec_xdst_unwrap(struct socksec_net *sn);
void socksec_xdst_exit(void);

/* ipsec.c */
int socksec_ipsec_init(void);
void socksec_ipsec_exit(void);
enum socksec_xfrm_level socksec_transformed_level(struct net *net,
						  struct sk_buff *skb,
						  u8 family);
int socksec_ipsec_sync(struct socksec_net *sn,
		       const struct socksec_ipsec_cfg *cfg);
void socksec_ipsec_clear(struct socksec_net *sn);
void socksec_ipsec_query(struct sock *sk, struct socksec_query *q);
void socksec_ipsec_forget_acquire(struct sock *sk);
void socksec_ipsec_unqueue(struct sock *sk);
bool socksec_ipsec_hold_full(const struct dst_entry *dst, kuid_t uid);

/* Packets one user may have waiting on one xfrm hold queue. */
#define SOCKSEC_HOLD_PER_USER	32

/* watch.c */
void socksec_watch_held(struct sock *sk);
void socksec_watch_secured(struct sock *sk);
void socksec_watch_refuse(struct sock *sk, enum socksec_reason reason);
enum socksec_reason socksec_watch_refused(const struct sock *sk);
void socksec_watch_flush_net(const struct net *net);
bool socksec_watch_pending(const struct sock *sk);
int socksec_watch_init(void);
void socksec_watch_exit(void);
int socksec_reason_errno(enum socksec_reason reason);

/* ktls.c */
bool socksec_ktls_tx(const struct sock *sk);
void socksec_ktls_judge(struct sock *sk, const struct sk_buff *skb, u8 family,
			bool advance, struct socksec_pkt_facts *f);
bool socksec_ktls_query(const struct sock *sk, struct socksec_query *q);
bool socksec_ktls_handshaking(const struct sock *sk);
void socksec_ktls_init(void);
void socksec_ktls_exit(void);

/* proc.c */
int socksec_proc_init(struct net *net);
void socksec_proc_exit(struct net *net);

/* sockopt.c */
int socksec_sockopt_init(void);
void socksec_sockopt_exit(void);
void socksec_fill_query(struct sock *sk, struct socksec_query *q);

/* main.c */
void socksec_pin(void);
extern atomic_t socksec_used;

/* Whether any socket was ever given settings: gates ingress lookups. */
static inline bool socksec_pinned_once(void)
{
	return atomic_read(&socksec_used);
}

/**
 * socksec_sk_settings - the settings a full socket carries, if any
 * @sk: a full socket (not a request or time-wait socket)
 *
 * Lockless: called under RCU from the packet path and from option
 * handlers. Returns NULL for sockets without settings and for sockets
 * whose sk_user_data belongs to someone else.
 */
static inline const struct socksec_iset *
socksec_sk_settings(const struct sock *sk)
{
	uintptr_t raw = (uintptr_t)rcu_dereference_check(__sk_user_data(sk),
							 true);

	/* A tagged pointer is never socksec's: it tags nothing. */
	if (raw & ~SK_USER_DATA_PTRMASK)
		return NULL;
	if (!socksec_iset_owned((const void *)raw))
		return NULL;
	return (const struct socksec_iset *)raw;
}

/**
 * socksec_sk_sockaddrs - a socket's local and remote address and port
 * @sk: a full inet socket
 * @local: filled in
 * @remote: filled in
 *
 * For log lines and /proc, printed with %pISpc. An IPv6 socket talking to
 * an IPv4 peer (v4-mapped addresses) shows as IPv4.
 */
static inline void socksec_sk_sockaddrs(const struct sock *sk,
					struct sockaddr_storage *local,
					struct sockaddr_storage *remote)
{
	const struct inet_sock *inet = inet_sk(sk);

	memset(local, 0, sizeof(*local));
	memset(remote, 0, sizeof(*remote));
	if (sk->sk_family == AF_INET6 &&
	    !ipv6_addr_v4mapped(&sk->sk_v6_daddr) &&
	    !ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr)) {
		struct sockaddr_in6 *l = (struct sockaddr_in6 *)local;
		struct sockaddr_in6 *r = (struct sockaddr_in6 *)remote;

		l->sin6_family = AF_INET6;
		l->sin6_addr = sk->sk_v6_rcv_saddr;
		l->sin6_port = inet->inet_sport;
		r->sin6_family = AF_INET6;
		r->sin6_addr = sk->sk_v6_daddr;
		r->sin6_port = inet->inet_dport;
	} else {
		struct sockaddr_in *l = (struct sockaddr_in *)local;
		struct sockaddr_in *r = (struct sockaddr_in *)remote;

		l->sin_family = AF_INET;
		l->sin_addr.s_addr = inet->inet_rcv_saddr;
		l->sin_port = inet->inet_sport;
		r->sin_family = AF_INET;
		r->sin_addr.s_addr = inet->inet_daddr;
		r->sin_port = inet->inet_dport;
	}
}

#endif /* _SOCKSEC_H */
