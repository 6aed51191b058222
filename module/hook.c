// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hooks. LOCAL_OUT sees every packet a local socket sends,
 * before xfrm transforms it and again as the ESP/AH packet afterwards;
 * LOCAL_IN sees what arrives for local sockets after xfrm input. The hooks
 * gather facts, let socksec_decide() judge, and act on the verdict.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_socket.h>
#include <net/tls.h>
#include <net/xfrm.h>
#include "socksec.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* Whether kernel TLS transmit is installed on a full TCP socket. */
static bool socksec_ktls_tx(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tcp_ulp_ops *ulp;

	if (sk->sk_protocol != IPPROTO_TCP)
		return false;
	ulp = READ_ONCE(icsk->icsk_ulp_ops);
	if (!ulp || strcmp(ulp->name, "tls"))
		return false;
	return tls_get_ctx(sk)->tx_conf != TLS_BASE;
}

static bool socksec_transformed(const struct sk_buff *skb, u8 family)
{
	if (family == NFPROTO_IPV4)
		return IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED;
	return IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED;
}

static void socksec_out_facts(struct net *net, struct sk_buff *skb,
			      const struct sock *sk, u8 family,
			      struct socksec_pkt_facts *f)
{
	const struct dst_entry *dst = skb_dst(skb);

	memset(f, 0, sizeof(*f));
	if (dst)
		f->loopback = xfrm_dst_path(dst)->dev->flags & IFF_LOOPBACK;
	f->transformed = socksec_transformed(skb, family);
	if (f->transformed) {
		f->xfrm = socksec_transformed_level(net, skb, family);
	} else if (dst) {
		/*
		 * Held: waiting on xfrm's queue for an SA, or routed to the
		 * blackhole xfrm uses while an SA is being acquired with
		 * xfrm_larval_drop=1. Either way it cannot leave in clear.
		 */
		f->xfrm_queued = (dst->flags & DST_XFRM_QUEUE) ||
				 dst->output == dst_discard_out;
		f->xfrm = socksec_bundle_level(dst);
		f->has_payload = socksec_has_payload(skb, family);
	}
	if (sk && sk_fullsock(sk))
		f->ktls_tx = socksec_ktls_tx(sk);
}

/* Name the process (when there is one) and the addresses of a refusal. */
static void socksec_log(const struct sk_buff *skb, u8 family, bool ingress,
			const char *what, enum socksec_reason reason)
{
	const char *comm = in_task() ? current->comm : "-";
	int pid = in_task() ? task_pid_nr(current) : 0;

	if (family == NFPROTO_IPV4)
		pr_notice_ratelimited("%s %s packet (%s): pid %d comm %s %pI4 -> %pI4 proto %u\n",
				      what, ingress ? "ingress" : "egress",
				      socksec_reason_name(reason), pid, comm,
				      &ip_hdr(skb)->saddr, &ip_hdr(skb)->daddr,
				      ip_hdr(skb)->protocol);
	else
		pr_notice_ratelimited("%s %s packet (%s): pid %d comm %s %pI6c -> %pI6c\n",
				      what, ingress ? "ingress" : "egress",
				      socksec_reason_name(reason), pid, comm,
				      &ipv6_hdr(skb)->saddr, &ipv6_hdr(skb)->daddr);
}

/* The counters of one direction, by verdict. */
struct socksec_dir_counters {
	bool ingress;
	enum socksec_counter pass, exempt, insecure, audit;
};

static const struct socksec_dir_counters socksec_out_counters = {
	.ingress  = false,
	.pass	  = SOCKSEC_C_OUT_PROTECTED,
	.exempt	  = SOCKSEC_C_OUT_EXEMPT,
	.insecure = SOCKSEC_C_OUT_INSECURE,
	.audit	  = SOCKSEC_C_OUT_AUDIT,
};

static const struct socksec_dir_counters socksec_in_counters = {
	.ingress  = true,
	.pass	  = SOCKSEC_C_IN_PROTECTED,
	.exempt	  = SOCKSEC_C_IN_EXEMPT,
	.insecure = SOCKSEC_C_IN_INSECURE,
	.audit	  = SOCKSEC_C_IN_AUDIT,
};

/* Count a passing verdict (and log an audited one); false for a drop. */
static bool socksec_passes(struct socksec_net *sn,
			   const struct socksec_dir_counters *c,
			   enum socksec_verdict v, const struct sk_buff *skb,
			   u8 family, enum socksec_reason reason)
{
	switch (v) {
	case SOCKSEC_PASS:
		socksec_count(sn, c->pass);
		return true;
	case SOCKSEC_PASS_EXEMPT:
		socksec_count(sn, c->exempt);
		return true;
	case SOCKSEC_PASS_INSECURE:
		socksec_count(sn, c->insecure);
		return true;
	case SOCKSEC_PASS_AUDIT:
		socksec_count(sn, c->audit);
		socksec_log(skb, family, c->ingress, "audit: would drop", reason);
		return true;
	case SOCKSEC_PASS_OFF:
		return true;
	case SOCKSEC_DROP:
		break;
	}
	return false;
}

/*
 * The requirement of a packet's socket. Time-wait replies and resets go
 * out through a per-CPU control socket that carries the protected socket's
 * mark: the mark alone then says IPsec is required.
 */
static bool socksec_out_requirement(const struct sk_buff *skb, struct sock *sk,
				    const struct socksec_defaults *def,
				    struct socksec_effective *eff)
{
	const struct socksec_iset *set = NULL;
	struct socksec_ipsec_cfg cfg;

	if (sk && sk_fullsock(sk))
		set = socksec_sk_settings(sk);
	if (set) {
		socksec_resolve(set, def, eff);
		return true;
	}
	socksec_ipsec_cfg_get(&cfg);
	if (!cfg.mark || !(skb->mark & cfg.mark))
		return false;
	eff->protocol = SOCKSEC_PROTO_IPSEC;
	eff->flags = 0;
	return true;
}

/*
 * A protected packet of a socket passed. If the socket still caches xfrm's
 * queue dst from when it waited, drop it: xfrm considers that dst valid
 * forever, so every later packet would wait on the queue too instead of
 * taking the bundle of the SA that now exists. sk_dst_reset() is lockless.
 */
static void socksec_out_secured(struct sock *sk)
{
	struct dst_entry *dst;
	bool queued;

	socksec_watch_secured(sk);
	rcu_read_lock();
	dst = rcu_dereference(sk->sk_dst_cache);
	queued = dst && (dst->flags & DST_XFRM_QUEUE);
	rcu_read_unlock();
	if (queued)
		sk_dst_reset(sk);
}

static unsigned int socksec_out(struct sk_buff *skb,
				const struct nf_hook_state *state, u8 family)
{
	struct sock *sk = skb_to_full_sk(skb);
	struct socksec_net *sn = socksec_net(state->net);
	struct socksec_defaults def;
	struct socksec_effective eff;
	struct socksec_pkt_facts f;
	enum socksec_reason reason;
	enum socksec_verdict v;
	/* A SYN-ACK's socket is the listener: never abort that one. */
	bool own = sk && sk == skb->sk && sk_fullsock(sk);

	socksec_defaults_get(&def);
	if (def.mode == SOCKSEC_MODE_OFF)
		return NF_ACCEPT;
	if (!socksec_out_requirement(skb, sk, &def, &eff))
		return NF_ACCEPT;
	socksec_out_facts(state->net, skb, sk, family, &f);

	v = socksec_decide(&eff, &def, &f, &reason);
	if (v == SOCKSEC_PASS && f.xfrm_queued) {
		socksec_count(sn, SOCKSEC_C_OUT_HELD);
		if (own)
			socksec_watch_held(sk);
		return NF_ACCEPT;
	}
	if (v == SOCKSEC_PASS && own)
		socksec_out_secured(sk);
	if (socksec_passes(sn, &socksec_out_counters, v, skb, family, reason))
		return NF_ACCEPT;
	atomic_long_inc(&sn->out_drop[reason]);
	trace_socksec_verdict(sk, false, false, eff.protocol, eff.flags,
			      socksec_reason_name(reason));
	socksec_log(skb, family, false, "dropped", reason);
	if (own)
		socksec_watch_refuse(sk, reason);
	/* UDP's sendmsg() reports this errno to the application at once. */
	return NF_DROP_ERR(socksec_reason_errno(reason));
}

static unsigned int socksec_out4(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	return socksec_out(skb, state, NFPROTO_IPV4);
}

static unsigned int socksec_out6(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	return socksec_out(skb, state, NFPROTO_IPV6);
}

/* The local socket an incoming TCP or UDP packet is for, referenced. */
static struct sock *socksec_in_lookup(struct sk_buff *skb,
				      const struct nf_hook_state *state,
				      u8 family)
{
	if (family == NFPROTO_IPV4)
		return nf_sk_lookup_slow_v4(state->net, skb, state->in);
	return nf_sk_lookup_slow_v6(state->net, skb, state->in);
}

/*
 * A packet that arrived under IPsec for no socket would be answered in
 * clear: a UDP datagram with an ICMP port unreachable quoting its decrypted
 * payload, a TCP segment (say, a SYN-ACK for a connection socksec has just
 * refused) with a reset by the control socket, which carries no mark and
 * so takes no SA. Drop it silently instead.
 */
static unsigned int socksec_in_orphan(struct socksec_net *sn,
				      struct sk_buff *skb, u8 family)
{
	unsigned int off = 0;
	int proto;

	if (!skb_sec_path(skb))
		return NF_ACCEPT;
	if (family == NFPROTO_IPV4)
		proto = ip_hdr(skb)->protocol;
	else
		proto = ipv6_find_hdr(skb, &off, -1, NULL, NULL);
	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return NF_ACCEPT;
	socksec_count(sn, SOCKSEC_C_IN_ORPHAN);
	return NF_DROP;
}

/*
 * Ingress: clear text for a socket that requires IPsec never reaches it.
 * Only IPsec is checked here; kernel TLS protects inbound payload itself
 * once installed, and its handshake arrives in clear by design.
 */
static unsigned int socksec_in(struct sk_buff *skb,
			       const struct nf_hook_state *state, u8 family)
{
	struct socksec_net *sn = socksec_net(state->net);
	const struct socksec_iset *set;
	struct socksec_defaults def;
	struct socksec_effective eff;
	struct socksec_pkt_facts f = { };
	enum socksec_reason reason;
	enum socksec_verdict v;
	struct sock *sk, *full;

	if (!socksec_pinned_once())
		return NF_ACCEPT;
	socksec_defaults_get(&def);
	if (def.mode == SOCKSEC_MODE_OFF)
		return NF_ACCEPT;
	sk = socksec_in_lookup(skb, state, family);
	if (!sk)
		return socksec_in_orphan(sn, skb, family);
	full = sk_to_full_sk(sk);
	set = full && sk_fullsock(full) ? socksec_sk_settings(full) : NULL;
	if (!set)
		goto accept;
	socksec_resolve(set, &def, &eff);
	if (eff.protocol != SOCKSEC_PROTO_IPSEC &&
	    eff.protocol != SOCKSEC_PROTO_IPSEC2)
		goto accept;
	f.loopback = state->in && (state->in->flags & IFF_LOOPBACK);
	f.xfrm = socksec_secpath_level(skb);
	f.has_payload = true;
	v = socksec_decide(&eff, &def, &f, &reason);
	if (socksec_passes(sn, &socksec_in_counters, v, skb, family, reason))
		goto accept;
	socksec_count(sn, SOCKSEC_C_IN_DROPPED);
	trace_socksec_verdict(full, true, false, eff.protocol, eff.flags,
			      socksec_reason_name(reason));
	socksec_log(skb, family, true, "dropped", reason);
	sock_gen_put(sk);
	return NF_DROP;
accept:
	sock_gen_put(sk);
	return NF_ACCEPT;
}

static unsigned int socksec_in4(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	return socksec_in(skb, state, NFPROTO_IPV4);
}

static unsigned int socksec_in6(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	return socksec_in(skb, state, NFPROTO_IPV6);
}

/*
 * Last on output, so the verdict sees the final route (NAT and mangle may
 * reroute earlier); last on input, after xfrm policy checks and filtering.
 */
static const struct nf_hook_ops socksec_nf_ops[] = {
	{
		.hook	  = socksec_out4,
		.pf	  = NFPROTO_IPV4,
		.hooknum  = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_LAST - 1,
	},
	{
		.hook	  = socksec_out6,
		.pf	  = NFPROTO_IPV6,
		.hooknum  = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_LAST - 1,
	},
	{
		.hook	  = socksec_in4,
		.pf	  = NFPROTO_IPV4,
		.hooknum  = NF_INET_LOCAL_IN,
		.priority = NF_IP_PRI_LAST - 1,
	},
	{
		.hook	  = socksec_in6,
		.pf	  = NFPROTO_IPV6,
		.hooknum  = NF_INET_LOCAL_IN,
		.priority = NF_IP6_PRI_LAST - 1,
	},
};

int socksec_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, socksec_nf_ops,
				     ARRAY_SIZE(socksec_nf_ops));
}

void socksec_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, socksec_nf_ops, ARRAY_SIZE(socksec_nf_ops));
}
