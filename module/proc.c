// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/socksec: the namespace's counters, then one line per socket
 * that carries settings, with what protects it now.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>
#include <net/udp.h>
#include "socksec.h"

static const char *const socksec_counter_names[__SOCKSEC_C_MAX] = {
	[SOCKSEC_C_SOCKETS]	  = "sockets_protected",
	[SOCKSEC_C_OUT_PROTECTED] = "out_protected",
	[SOCKSEC_C_OUT_HELD]	  = "out_held",
	[SOCKSEC_C_OUT_HOLD_LIMITED] = "out_hold_limited",
	[SOCKSEC_C_OUT_EXEMPT]	  = "out_loopback_exempt",
	[SOCKSEC_C_OUT_INSECURE]  = "out_insecure_allowed",
	[SOCKSEC_C_OUT_AUDIT]	  = "out_audit",
	[SOCKSEC_C_IN_PROTECTED]  = "in_protected",
	[SOCKSEC_C_IN_EXEMPT]	  = "in_loopback_exempt",
	[SOCKSEC_C_IN_INSECURE]	  = "in_insecure_allowed",
	[SOCKSEC_C_IN_AUDIT]	  = "in_audit",
	[SOCKSEC_C_IN_DROPPED]	  = "in_dropped",
	[SOCKSEC_C_IN_ORPHAN]	  = "in_protected_orphan_dropped",
};

static void socksec_proc_counters(struct seq_file *seq, struct socksec_net *sn)
{
	int i;

	for (i = 0; i < __SOCKSEC_C_MAX; i++)
		seq_printf(seq, "%s %ld\n", socksec_counter_names[i],
			   atomic_long_read(&sn->ctr[i]));
	for (i = SOCKSEC_R_NONE + 1; i < __SOCKSEC_R_MAX; i++)
		seq_printf(seq, "out_dropped_%s %ld\n", socksec_reason_name(i),
			   atomic_long_read(&sn->out_drop[i]));
	for (i = SOCKSEC_R_NONE + 1; i < __SOCKSEC_R_MAX; i++)
		seq_printf(seq, "aborted_%s %ld\n", socksec_reason_name(i),
			   atomic_long_read(&sn->aborted[i]));
}

/* A one-word state: the strongest thing that is true of the socket. */
static const char *socksec_state_word(u32 state)
{
	if (state & SOCKSEC_STATE_REFUSED)
		return "refused";
	if (state & SOCKSEC_STATE_ENCRYPTED)
		return "encrypted";
	if (state & SOCKSEC_STATE_SECURED)
		return "secured";
	if (state & SOCKSEC_STATE_PENDING)
		return "pending";
	if (state & SOCKSEC_STATE_INSECURE)
		return "insecure";
	return "required";
}

/*
 * The file is world-readable, like /proc/net/tcp, but a socket's line
 * (and the SA lookups behind it) is only for its owner and for those who
 * administer the namespace's network: another user learns the counters,
 * not which of your connections are protected by what.
 */
static bool socksec_proc_visible(struct seq_file *seq, const struct sock *sk,
				 bool all)
{
	return all || uid_eq(sk->sk_uid, seq->file->f_cred->fsuid);
}

static void socksec_proc_sock(struct seq_file *seq, struct sock *sk, bool all)
{
	struct sockaddr_storage local, remote;
	const struct socksec_iset *set;
	struct socksec_query q;

	if (!sk_fullsock(sk) || !socksec_proc_visible(seq, sk, all))
		return;
	rcu_read_lock();
	set = socksec_sk_settings(sk);
	rcu_read_unlock();
	if (!set)
		return;
	socksec_fill_query(sk, &q);
	socksec_sk_sockaddrs(sk, &local, &remote);
	seq_printf(seq, "%s %pISpc %pISpc",
		   sk->sk_protocol == IPPROTO_TCP ? "tcp" : "udp", &local, &remote);
	seq_printf(seq, " %s 0x%x %s spi_out=0x%08x spi_in=0x%08x enc=%s\n",
		   socksec_protocol_name(q.protocol), q.flags,
		   socksec_state_word(q.state), q.spi_out, q.spi_in,
		   q.enc_alg[0] ? q.enc_alg : "-");
}

static void socksec_proc_tcp(struct seq_file *seq, struct net *net, bool all)
{
	struct inet_hashinfo *h = net->ipv4.tcp_death_row.hashinfo;
	struct hlist_nulls_node *node;
	struct sock *sk;
	unsigned int i;

	for (i = 0; i <= h->lhash2_mask; i++) {
		struct inet_listen_hashbucket *ilb = &h->lhash2[i];

		if (hlist_nulls_empty(&ilb->nulls_head))
			continue;
		spin_lock_bh(&ilb->lock);
		sk_nulls_for_each(sk, node, &ilb->nulls_head)
			if (net_eq(sock_net(sk), net))
				socksec_proc_sock(seq, sk, all);
		spin_unlock_bh(&ilb->lock);
		cond_resched();
	}
	for (i = 0; i <= h->ehash_mask; i++) {
		spinlock_t *lock = inet_ehash_lockp(h, i);

		if (hlist_nulls_empty(&h->ehash[i].chain))
			continue;
		spin_lock_bh(lock);
		sk_nulls_for_each(sk, node, &h->ehash[i].chain)
			if (net_eq(sock_net(sk), net))
				socksec_proc_sock(seq, sk, all);
		spin_unlock_bh(lock);
		cond_resched();
	}
}

static void socksec_proc_udp(struct seq_file *seq, struct net *net, bool all)
{
	struct sock *sk;
	unsigned int i;

	for (i = 0; i <= socksec_udp_table(net)->mask; i++) {
		struct udp_hslot *hslot = &socksec_udp_table(net)->hash[i];

		if (hlist_empty(&hslot->head))
			continue;
		spin_lock_bh(&hslot->lock);
		sk_for_each(sk, &hslot->head)
			if (net_eq(sock_net(sk), net))
				socksec_proc_sock(seq, sk, all);
		spin_unlock_bh(&hslot->lock);
		cond_resched();
	}
}

static int socksec_proc_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	bool all = file_ns_capable(seq->file, net->user_ns, CAP_NET_ADMIN);

	socksec_proc_counters(seq, socksec_net(net));
	seq_puts(seq, "# proto local remote protocol flags state spi_out spi_in enc\n");
	socksec_proc_tcp(seq, net, all);
	socksec_proc_udp(seq, net, all);
	return 0;
}

int socksec_proc_init(struct net *net)
{
	if (!proc_create_net_single("socksec", 0444, net->proc_net,
				    socksec_proc_show, NULL))
		return -ENOMEM;
	return 0;
}

void socksec_proc_exit(struct net *net)
{
	remove_proc_entry("socksec", net->proc_net);
}
