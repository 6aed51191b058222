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
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_socket.h>
#include <net/tcp.h>
#include <net/udp.h>
#include <net/xfrm.h>
#include "socksec.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static bool socksec_transformed(const struct sk_buff *skb, u8 family)
{
	if (family == NFPROTO_IPV4)
		return IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED;
	return IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED;
}

/*
 * Whether a plain segment goes past the kTLS handshake tracker: a SYN,
 * which starts the stream's tracker, and every payload segment of a KTLS
 * socket; of an ANY socket only those IPsec does not protect (IPsec
 * alone satisfies ANY). Loopback that is exempt needs no judging.
 */
static bool socksec_out_tracked(const struct sock *sk, bool post,
				const struct socksec_effective *eff,
				const struct socksec_defaults *def,
				const struct socksec_pkt_facts *f)
{
	if (!socksec_wants_ktls(eff->protocol) || !sk_is_tcp(sk) ||
	    (f->loopback && !def->protect_loopback))
		return false;
	/* An active open sends nothing but its SYN in SYN_SENT. */
	if (READ_ONCE(sk->sk_state) == TCP_SYN_SENT && !post)
		return true;
	if (!f->has_payload)
		return false;
	return eff->protocol == SOCKSEC_PROTO_KTLS || !socksec_ipsec_ok(eff, f);
}

/*
 * @sk: the packet's socket when it has settings of its own, else NULL.
 * A plain payload segment of such a socket that requires kTLS goes past
 * the handshake tracker: at LOCAL_OUT it is judged, at POST_ROUTING only
 * found judged.
 */
static void socksec_out_facts(struct net *net, struct sk_buff *skb,
			      struct sock *sk, u8 family, bool post,
			      const struct socksec_effective *eff,
			      const struct socksec_defaults *def,
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
		 * xfrm_larval_drop=1, or on a bundle whose SA expired or was
		 * deleted since the route check (socksec_out() drops that
		 * one). It cannot leave in clear; the socket waits for its
		 * next route.
		 */
		f->xfrm_stale = socksec_bundle_stale(dst);
		f->xfrm_queued = (dst->flags & DST_XFRM_QUEUE) ||
				 dst->output == dst_discard_out ||
				 f->xfrm_stale;
		f->xfrm = socksec_bundle_level(dst);
		f->has_payload = socksec_has_payload(skb, family);
	}
	if (!sk || !sk_fullsock(sk))
		return;
	if (socksec_out_tracked(sk, post, eff, def, f))
		socksec_ktls_judge(sk, skb, family, !post, f);
	else
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
 * IPsec required by a socksec mark alone: time-wait replies and resets go
 * out through a per-CPU control socket that carries the protected
 * socket's mark, and time-wait sockets keep it (tw_mark).
 */
static bool socksec_mark_requirement(const struct net *net, u32 mark,
				     struct socksec_effective *eff)
{
	struct socksec_ipsec_cfg cfg;

	socksec_ipsec_cfg_get(net, &cfg);
	if (!cfg.mark || !(mark & cfg.mark))
		return false;
	eff->protocol = SOCKSEC_PROTO_IPSEC;
	eff->flags = 0;
	return true;
}

/*
 * The requirement of an outgoing packet: its socket's own settings, or
 * the mark. @set tells which: only sockets with settings of their own are
 * ever watched or aborted (a marked socket without settings, or the
 * kernel's control socket, only has its packets judged).
 */
static bool socksec_out_requirement(const struct net *net,
				    const struct sk_buff *skb, struct sock *sk,
				    const struct socksec_defaults *def,
				    struct socksec_effective *eff,
				    const struct socksec_iset **set)
{
	*set = NULL;
	if (sk && sk_fullsock(sk))
		*set = socksec_sk_settings(sk);
	if (*set) {
		socksec_resolve(*set, def, eff);
		return true;
	}
	return socksec_mark_requirement(net, skb->mark, eff);
}

/*
 * Forget a socket's cached queue dst. xfrm considers that dst valid
 * forever: left in place, every later packet of the socket would wait on
 * the queue too, behind whatever heads it (the queue is retried from its
 * head only, and the head may be another flow whose peer never answers),
 * instead of taking the bundle of an SA that exists by then.
 * sk_dst_reset() is lockless.
 */
static void socksec_sk_forget_queue(struct sock *sk)
{
	struct dst_entry *dst;
	bool queued;

	rcu_read_lock();
	dst = rcu_dereference(sk->sk_dst_cache);
	queued = dst && (dst->flags & DST_XFRM_QUEUE);
	rcu_read_unlock();
	if (queued)
		sk_dst_reset(sk);
}

/* Count, trace and log a refused egress packet; abort its own socket. */
static unsigned int socksec_out_drop(struct socksec_net *sn,
				     struct sk_buff *skb, struct sock *sk,
				     bool own, u8 family,
				     const struct socksec_effective *eff,
				     enum socksec_reason reason)
{
	atomic_long_inc(&sn->out_drop[reason]);
	trace_socksec_verdict(sk, false, false, eff->protocol, eff->flags,
			      socksec_reason_name(reason));
	socksec_log(skb, family, false, "dropped", reason);
	if (own)
		socksec_watch_refuse(sk, reason);
	/* UDP's sendmsg() reports this errno to the application at once. */
	return NF_DROP_ERR(socksec_reason_errno(reason));
}

/*
 * A packet about to wait on xfrm's hold queue. The queue belongs to one
 * policy and holds about a hundred packets for every user of the
 * namespace: a user past SOCKSEC_HOLD_PER_USER of them waits without a
 * new one (TCP retransmits it, UDP's sendmsg() gets ENOBUFS), so one user
 * cannot crowd everyone else's first packets out.
 */
static unsigned int socksec_out_held(struct socksec_net *sn,
				     struct sk_buff *skb, struct sock *sk,
				     bool own)
{
	socksec_count(sn, SOCKSEC_C_OUT_HELD);
	if (own) {
		socksec_watch_held(sk);
		/*
		 * This packet waits; the next one (a retransmission) looks
		 * again. The packet may borrow the socket's cached dst
		 * without a reference (TCP does): take one before the cache
		 * lets go of it.
		 */
		if (!skb_dst_force(skb))
			return NF_DROP;
		socksec_sk_forget_queue(sk);
	}
	/* A listener's SYN-ACKs count against the listener's owner. */
	if (!sk || !sk_fullsock(sk) ||
	    !socksec_ipsec_hold_full(skb_dst(skb), sk->sk_uid))
		return NF_ACCEPT;
	socksec_count(sn, SOCKSEC_C_OUT_HOLD_LIMITED);
	return NF_DROP_ERR(-ENOBUFS);
}

/*
 * Egress, at LOCAL_OUT and again, last of all, at POST_ROUTING. LOCAL_OUT
 * sees the packet on the route the socket chose: held on xfrm's queue,
 * entering an xfrm bundle, plain, or already ESP/AH. POST_ROUTING sees
 * what really leaves: packets xfrm's queue releases without passing
 * LOCAL_OUT again, and packets that NAT re-routed (nf_xfrm_me_harder())
 * after the first verdict. There only plain packets are judged; whatever
 * still enters xfrm is judged at LOCAL_OUT as the ESP/AH packet it
 * becomes. Passes are counted once, at LOCAL_OUT.
 */
static unsigned int socksec_out(struct sk_buff *skb,
				const struct nf_hook_state *state, u8 family)
{
	struct sock *sk = skb_to_full_sk(skb);
	struct socksec_net *sn = socksec_net(state->net);
	bool post = state->hook == NF_INET_POST_ROUTING;
	const struct socksec_iset *set;
	struct socksec_defaults def;
	struct socksec_effective eff;
	struct socksec_pkt_facts f;
	enum socksec_reason reason;
	enum socksec_verdict v;
	bool own;

	/* Forwarded packets are no socket's business. */
	if (post && !skb->sk)
		return NF_ACCEPT;
	socksec_defaults_get(state->net, &def);
	if (def.mode == SOCKSEC_MODE_OFF)
		return NF_ACCEPT;
	if (!socksec_out_requirement(state->net, skb, sk, &def, &eff, &set))
		return NF_ACCEPT;
	/* A SYN-ACK's socket is the listener: never abort that one. */
	own = set && sk == skb->sk;
	/* A refused socket sends nothing more until it is aborted. */
	reason = own ? socksec_watch_refused(sk) : SOCKSEC_R_NONE;
	if (reason != SOCKSEC_R_NONE)
		return socksec_out_drop(sn, skb, sk, false, family, &eff, reason);
	if (post && (socksec_transformed(skb, family) ||
		     (skb_dst(skb) && skb_dst(skb)->xfrm)))
		return NF_ACCEPT;

	socksec_out_facts(state->net, skb, set ? sk : NULL, family, post, &eff,
			  &def, &f);
	v = socksec_decide(&eff, &def, &f, &reason);
	/*
	 * An SA of the bundle died after the route check. Drop the packet
	 * here rather than count on xfrm_output(), which skips the SA's
	 * state for packet offload (6.2 on). It is no refusal, and it arms
	 * no watch: whether the socket then waits, passes in clear (audit,
	 * ALLOW_INSECURE) or is refused is for its next packet, on a fresh
	 * route, to tell. TCP retransmits; UDP's sendmsg() sees ENOBUFS
	 * with IP_RECVERR, as for out_hold_limited.
	 */
	if (v != SOCKSEC_DROP && f.xfrm_stale) {
		socksec_count(sn, SOCKSEC_C_OUT_HELD);
		return NF_DROP_ERR(-ENOBUFS);
	}
	/* Held is held, exempt or not (IPv6 to the host's own addresses). */
	if (v != SOCKSEC_DROP && f.xfrm_queued)
		return socksec_out_held(sn, skb, sk, own);
	if (v == SOCKSEC_PASS && own && !post) {
		socksec_watch_secured(sk);
		socksec_sk_forget_queue(sk);
	}
	if (v != SOCKSEC_DROP && post)
		return NF_ACCEPT;
	if (socksec_passes(sn, &socksec_out_counters, v, skb, family, reason))
		return NF_ACCEPT;
	return socksec_out_drop(sn, skb, sk, own, family, &eff, reason);
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
	unsigned int off;
	int proto;

	if (!skb_sec_path(skb))
		return NF_ACCEPT;
	proto = socksec_transport(skb, family, &off);
	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return NF_ACCEPT;
	socksec_count(sn, SOCKSEC_C_IN_ORPHAN);
	return NF_DROP;
}

/*
 * Whether a full socket's traffic goes through IPsec: in on-demand mode
 * every socket with the required mark bit does (or waits for it), its
 * listener's children included; otherwise its route tells.
 */
static bool socksec_sk_routed_ipsec(struct sock *sk)
{
	const struct dst_entry *dst = __sk_dst_get(sk);
	struct socksec_ipsec_cfg cfg;

	socksec_ipsec_cfg_get(sock_net(sk), &cfg);
	if (cfg.reqid && (READ_ONCE(sk->sk_mark) & cfg.mark))
		return true;
	return dst && (dst->xfrm || (dst->flags & DST_XFRM_QUEUE));
}

/*
 * What a received packet's socket requires of it; false when nothing.
 * Kernel TLS records carry their own authentication, checked by the TLS
 * library (or by kernel TLS once TLS_RX is installed): clear TCP for a
 * kTLS socket is its TLS stream, not clear text. ANY is satisfied that
 * way only on TCP and only while the connection is not routed through
 * IPsec; UDP has no kTLS, so ANY on UDP means IPsec.
 */
static bool socksec_in_requirement(struct sock *sk,
				   const struct socksec_defaults *def,
				   struct socksec_effective *eff)
{
	const struct socksec_iset *set = NULL;
	struct sock *full;

	if (sk->sk_state == TCP_TIME_WAIT)
		return socksec_mark_requirement(sock_net(sk),
						inet_twsk(sk)->tw_mark, eff);
	full = sk_to_full_sk(sk);
	if (full && sk_fullsock(full))
		set = socksec_sk_settings(full);
	if (!set)
		return false;
	socksec_resolve(set, def, eff);
	switch (eff->protocol) {
	case SOCKSEC_PROTO_KTLS:
		return false;
	case SOCKSEC_PROTO_ANY:
		return !sk_is_tcp(full) || socksec_sk_routed_ipsec(full);
	default:
		return true;
	}
}

/* The destination port of a UDP packet, 0 if it cannot be read. */
static u16 socksec_udp_dport(const struct sk_buff *skb, u8 family)
{
	unsigned int off;
	struct udphdr _uh;
	const struct udphdr *uh;

	if (socksec_transport(skb, family, &off) != IPPROTO_UDP)
		return 0;
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	return uh ? ntohs(uh->dest) : 0;
}

/* A UDP datagram every socket bound to its port receives. */
static bool socksec_udp_to_many(const struct sk_buff *skb, u8 family)
{
	if (family == NFPROTO_IPV4)
		return skb_rtable(skb) &&
		       (skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
	return ipv6_addr_is_multicast(&ipv6_hdr(skb)->daddr);
}

/*
 * Whether a socket on a datagram's port is among those it is delivered
 * to: the address it is bound to (if any) is the destination, it is
 * bound to no other device, and it is not connected elsewhere.
 */
static bool socksec_udp_receives(const struct sock *sk,
				 const struct sk_buff *skb, u8 family)
{
	const struct inet_sock *inet = inet_sk(sk);
	int dev = sk->sk_bound_dev_if;

	if (dev && dev != skb->skb_iif &&
	    dev != (family == NFPROTO_IPV4 ? inet_sdif(skb) : inet6_sdif(skb)))
		return false;
	if (family == NFPROTO_IPV4) {
		if (sk->sk_family == AF_INET6 && sk->sk_ipv6only)
			return false;
		return (!inet->inet_rcv_saddr ||
			inet->inet_rcv_saddr == ip_hdr(skb)->daddr) &&
		       (!inet->inet_daddr ||
			inet->inet_daddr == ip_hdr(skb)->saddr);
	}
	if (sk->sk_family != AF_INET6)
		return false;
	return (ipv6_addr_any(&sk->sk_v6_rcv_saddr) ||
		ipv6_addr_equal(&sk->sk_v6_rcv_saddr, &ipv6_hdr(skb)->daddr)) &&
	       (ipv6_addr_any(&sk->sk_v6_daddr) ||
		ipv6_addr_equal(&sk->sk_v6_daddr, &ipv6_hdr(skb)->saddr));
}

/*
 * Multicast and broadcast datagrams go to every socket on their port, not
 * to the one socket a lookup finds: judge them against the strictest
 * requirement among the sockets they are delivered to. The slot's lock,
 * as UDP's own multicast delivery takes it: an unlocked walk could be
 * led into another chain by a socket moving meanwhile, and skip one.
 */
static struct sock *socksec_in_strictest(const struct sk_buff *skb,
					 struct net *net, u8 family, u16 port,
					 const struct socksec_defaults *def,
					 const struct socksec_pkt_facts *f,
					 struct socksec_effective *eff)
{
	struct udp_hslot *hslot;
	enum socksec_reason reason;
	struct sock *sk, *found = NULL;

	hslot = udp_hashslot(socksec_udp_table(net), net, port);
	spin_lock(&hslot->lock);
	sk_for_each(sk, &hslot->head) {
		if (!net_eq(sock_net(sk), net) ||
		    udp_sk(sk)->udp_port_hash != port ||
		    !socksec_udp_receives(sk, skb, family))
			continue;
		if (socksec_in_requirement(sk, def, eff) &&
		    socksec_decide(eff, def, f, &reason) == SOCKSEC_DROP) {
			found = sk;
			break;
		}
	}
	spin_unlock(&hslot->lock);
	return found;
}

/*
 * Ingress: clear text for a socket that requires IPsec never reaches it.
 * The verdict is socksec_decide()'s, over the protection the packet
 * arrived with (its secpath).
 */
static unsigned int socksec_in(struct sk_buff *skb,
			       const struct nf_hook_state *state, u8 family)
{
	struct socksec_net *sn = socksec_net(state->net);
	struct socksec_defaults def;
	struct socksec_effective eff;
	struct socksec_pkt_facts f = { };
	enum socksec_reason reason;
	enum socksec_verdict v;
	struct sock *sk, *judged;
	u16 port;

	if (!socksec_pinned_once())
		return NF_ACCEPT;
	socksec_defaults_get(state->net, &def);
	if (def.mode == SOCKSEC_MODE_OFF)
		return NF_ACCEPT;
	f.loopback = state->in && (state->in->flags & IFF_LOOPBACK);
	f.xfrm = socksec_secpath_level(skb);
	f.has_payload = true;
	port = socksec_udp_dport(skb, family);
	if (port && socksec_udp_to_many(skb, family)) {
		sk = NULL;
		judged = socksec_in_strictest(skb, state->net, family, port,
					      &def, &f, &eff);
		if (!judged)
			return NF_ACCEPT;
	} else {
		sk = socksec_in_lookup(skb, state, family);
		if (!sk)
			return socksec_in_orphan(sn, skb, family);
		judged = sk;
		if (!socksec_in_requirement(sk, &def, &eff))
			goto accept;
	}
	v = socksec_decide(&eff, &def, &f, &reason);
	if (socksec_passes(sn, &socksec_in_counters, v, skb, family, reason))
		goto accept;
	socksec_count(sn, SOCKSEC_C_IN_DROPPED);
	trace_socksec_verdict(sk_to_full_sk(judged), true, false, eff.protocol,
			      eff.flags, socksec_reason_name(reason));
	socksec_log(skb, family, true, "dropped", reason);
	if (sk)
		sock_gen_put(sk);
	return NF_DROP;
accept:
	if (sk)
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
		.hook	  = socksec_out4,
		.pf	  = NFPROTO_IPV4,
		.hooknum  = NF_INET_POST_ROUTING,
		.priority = NF_IP_PRI_LAST - 1,
	},
	{
		.hook	  = socksec_out6,
		.pf	  = NFPROTO_IPV6,
		.hooknum  = NF_INET_POST_ROUTING,
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
