// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets waiting for protection. When a protected socket's packet is
 * held (xfrm is negotiating an SA) the socket is watched: if no protected
 * packet of it passes within hold_timeout_ms, it is aborted with ENOKEY.
 * When a packet must be dropped (no policy can protect it, or only a weak
 * SA exists) the socket is aborted at once. Aborting takes the socket
 * lock, so it happens from a work item holding a socket reference, never
 * from the hook.
 *
 * This is the only per-socket memory socksec uses, and only while a
 * socket waits: entries die when their work runs.
 */

#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include "socksec.h"
#include "trace.h"

struct socksec_watch {
	struct hlist_node node;
	struct rcu_head rcu;
	struct delayed_work work;
	struct sock *sk;		/* referenced */
	enum socksec_reason reason;	/* why it is aborted if it fires */
	bool secured;			/* a protected packet passed since */
	bool refused;			/* abort regardless of later packets */
	pid_t pid;			/* who sent the first packet, if known */
	char comm[TASK_COMM_LEN];
};

static DEFINE_HASHTABLE(socksec_watches, 8);
static DEFINE_SPINLOCK(socksec_watch_lock);
static atomic_t socksec_nwatches = ATOMIC_INIT(0);
static struct workqueue_struct *socksec_wq;

/* The negative errno an application sees for a refusal. */
int socksec_reason_errno(enum socksec_reason reason)
{
	switch (reason) {
	case SOCKSEC_R_WEAK_SA:
		return -EKEYREJECTED;
	case SOCKSEC_R_NO_KTLS:
		return -EACCES;
	default:
		return -ENOKEY;
	}
}

static struct socksec_watch *socksec_watch_find(const struct sock *sk)
{
	struct socksec_watch *w;

	hash_for_each_possible_rcu(socksec_watches, w, node, (unsigned long)sk)
		if (w->sk == sk)
			return w;
	return NULL;
}

/* Name the process that waited and the connection's addresses. */
static void socksec_abort_log(const struct socksec_watch *w, int err)
{
	struct sockaddr_storage local, remote;
	const struct sock *sk = w->sk;

	socksec_sk_sockaddrs(sk, &local, &remote);
	pr_notice_ratelimited("aborted %s connection (%s, error %d): pid %d comm %s %pISpc -> %pISpc\n",
			      sk->sk_protocol == IPPROTO_TCP ? "TCP" : "UDP",
			      socksec_reason_name(w->reason), err, w->pid,
			      w->comm, &local, &remote);
}

static void socksec_abort(const struct socksec_watch *w)
{
	struct sock *sk = w->sk;
	struct socksec_net *sn = socksec_net(sock_net(sk));
	const struct socksec_iset *set;
	int err = -socksec_reason_errno(w->reason);

	atomic_long_inc(&sn->aborted[w->reason]);
	rcu_read_lock();
	set = socksec_sk_settings(sk);
	trace_socksec_verdict(sk, false, true, set ? set->protocol : 0,
			      set ? set->flags : 0, socksec_reason_name(w->reason));
	rcu_read_unlock();
	socksec_abort_log(w, -err);
	/* tcp_abort() or udp_abort(): report err, close the connection. */
	if (sk->sk_prot->diag_destroy)
		sk->sk_prot->diag_destroy(sk, err);
}

static void socksec_watch_work(struct work_struct *work)
{
	struct socksec_watch *w = container_of(to_delayed_work(work),
					       struct socksec_watch, work);
	bool abort;

	spin_lock_bh(&socksec_watch_lock);
	hash_del_rcu(&w->node);
	abort = w->refused || !w->secured;
	spin_unlock_bh(&socksec_watch_lock);
	atomic_dec(&socksec_nwatches);

	if (abort && !sock_flag(w->sk, SOCK_DEAD)) {
		socksec_ipsec_unqueue(w->sk);
		if (w->reason == SOCKSEC_R_HOLD_TIMEOUT)
			socksec_ipsec_forget_acquire(w->sk);
		socksec_abort(w);
	}
	sock_put(w->sk);
	kfree_rcu(w, rcu);
}

static unsigned long socksec_hold_jiffies(void)
{
	struct socksec_ipsec_cfg cfg;

	socksec_ipsec_cfg_get(&cfg);
	return msecs_to_jiffies(cfg.hold_timeout_ms);
}

/*
 * Find or create the socket's watch and (re)arm it. Called from the
 * packet path with softirqs possibly enabled: GFP_ATOMIC, _bh locks.
 */
static void socksec_watch_arm(struct sock *sk, enum socksec_reason reason,
			      bool refuse)
{
	struct socksec_watch *w;
	unsigned long delay = refuse ? 0 : socksec_hold_jiffies();

	spin_lock_bh(&socksec_watch_lock);
	w = socksec_watch_find(sk);
	if (w) {
		if (refuse) {
			w->refused = true;
			w->reason = reason;
			mod_delayed_work(socksec_wq, &w->work, 0);
		} else if (w->secured && !w->refused) {
			/* Protected before, waiting again (SA gone). */
			w->secured = false;
			mod_delayed_work(socksec_wq, &w->work, delay);
		}
		goto out;
	}
	w = kzalloc(sizeof(*w), GFP_ATOMIC);
	if (!w) {
		/* Cannot watch: the packet is held or dropped regardless. */
		goto out;
	}
	sock_hold(sk);
	w->sk = sk;
	w->reason = reason;
	w->refused = refuse;
	if (in_task()) {
		w->pid = task_pid_nr(current);
		get_task_comm(w->comm, current);
	} else {
		strscpy(w->comm, "-", sizeof(w->comm));
	}
	INIT_DELAYED_WORK(&w->work, socksec_watch_work);
	hash_add_rcu(socksec_watches, &w->node, (unsigned long)sk);
	atomic_inc(&socksec_nwatches);
	queue_delayed_work(socksec_wq, &w->work, delay);
out:
	spin_unlock_bh(&socksec_watch_lock);
}

void socksec_watch_held(struct sock *sk)
{
	socksec_watch_arm(sk, SOCKSEC_R_HOLD_TIMEOUT, false);
}

void socksec_watch_refuse(struct sock *sk, enum socksec_reason reason)
{
	socksec_watch_arm(sk, reason, true);
}

/* A protected packet of sk passed: it is no longer waiting. */
void socksec_watch_secured(struct sock *sk)
{
	struct socksec_watch *w;

	if (!atomic_read(&socksec_nwatches))
		return;
	rcu_read_lock();
	w = socksec_watch_find(sk);
	if (w)
		WRITE_ONCE(w->secured, true);
	rcu_read_unlock();
}

bool socksec_watch_pending(const struct sock *sk)
{
	struct socksec_watch *w;
	bool pending = false;

	if (!atomic_read(&socksec_nwatches))
		return false;
	rcu_read_lock();
	w = socksec_watch_find(sk);
	if (w)
		pending = !READ_ONCE(w->secured) || READ_ONCE(w->refused);
	rcu_read_unlock();
	return pending;
}

int socksec_watch_init(void)
{
	socksec_wq = alloc_workqueue("socksec", 0, 0);
	return socksec_wq ? 0 : -ENOMEM;
}

/* Module exit: every watch runs now (and aborts what still waits). */
void socksec_watch_exit(void)
{
	struct socksec_watch *w;
	struct hlist_node *tmp;
	int bkt;

	spin_lock_bh(&socksec_watch_lock);
	hash_for_each_safe(socksec_watches, bkt, tmp, w, node)
		mod_delayed_work(socksec_wq, &w->work, 0);
	spin_unlock_bh(&socksec_watch_lock);
	destroy_workqueue(socksec_wq);
	rcu_barrier();
}
