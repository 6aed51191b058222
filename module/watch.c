// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets waiting for protection. When a protected socket's packet is
 * held (xfrm is negotiating an SA) the socket is watched: if no protected
 * packet of it passes within hold_timeout_ms, it is aborted with ENOKEY.
 * When a packet must be dropped (no policy can protect it, or only a weak
 * SA exists) the socket is aborted at once, and until then it sends
 * nothing more (socksec_watch_refused()). Aborting takes the socket lock,
 * so it happens from a work item holding a socket reference, never from
 * the hook.
 *
 * This is the only per-socket memory socksec uses, and only while a
 * socket waits: entries die when their work runs.
 *
 * Ownership, references and locking of a watch:
 *  - Only sockets with settings of their own are watched (the hook's
 *    "own"); such a socket pins the module, so no watch outlives it.
 *  - The watch owns one reference on its socket, taken with
 *    refcount_inc_not_zero(): a held packet can outlive its socket's last
 *    reference (skbs pin only the memory, through sk_wmem_alloc), and such
 *    a dead socket is never watched. The reference is dropped by the run
 *    of the work that frees the watch, and only there.
 *  - socksec_watch_lock (a BH spinlock) guards the hash table, the
 *    refused/reason fields and every (re)queueing of the work. The work
 *    unhashes and frees its watch only if, under the lock, it finds
 *    itself not queued again: a re-arm that raced with a running work
 *    queues a further run, and that run is the one that finishes. A
 *    watch that aborts its socket stays hashed, refused, until the abort
 *    is done.
 *  - Readers on the packet path find watches under RCU; the memory is
 *    freed with kfree_rcu().
 *  - Every watch of a namespace runs and finishes before the namespace's
 *    state is freed (socksec_watch_flush_net(), after its hooks are gone).
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
	case SOCKSEC_R_TLS_BUDGET:
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

/*
 * Whether this run of the work finishes the watch: under the lock, and
 * only if nobody queued the work again meanwhile (that run finishes). A
 * finished watch is unhashed: its socket may be watched anew.
 */
static bool socksec_watch_finish(struct socksec_watch *w)
{
	bool last;

	spin_lock_bh(&socksec_watch_lock);
	last = !delayed_work_pending(&w->work);
	if (last)
		hash_del_rcu(&w->node);
	spin_unlock_bh(&socksec_watch_lock);
	return last;
}

static void socksec_watch_work(struct work_struct *work)
{
	struct socksec_watch *w = container_of(to_delayed_work(work),
					       struct socksec_watch, work);
	struct sock *sk = w->sk;
	bool abort;

	spin_lock_bh(&socksec_watch_lock);
	if (delayed_work_pending(&w->work)) {
		/* Re-armed while this run started: the next run finishes. */
		spin_unlock_bh(&socksec_watch_lock);
		return;
	}
	/*
	 * Until the abort has happened the socket stays refused (and
	 * hashed): whatever it sends meanwhile, say a clear segment still
	 * in TCP's write queue once kTLS is installed, is dropped.
	 */
	abort = w->refused || !w->secured;
	if (abort)
		WRITE_ONCE(w->refused, true);
	spin_unlock_bh(&socksec_watch_lock);

	if (sock_flag(sk, SOCK_DEAD)) {
		/*
		 * Closed while it waited: what it left on xfrm's queue would
		 * outlive its last reference there.
		 */
		socksec_ipsec_unqueue(sk);
	} else if (abort) {
		socksec_ipsec_unqueue(sk);
		if (w->reason == SOCKSEC_R_HOLD_TIMEOUT)
			socksec_ipsec_forget_acquire(sk);
		socksec_abort(w);
	}
	if (!socksec_watch_finish(w))
		return;
	atomic_dec(&socksec_nwatches);
	sock_put(sk);
	kfree_rcu(w, rcu);
}

static unsigned long socksec_hold_jiffies(const struct net *net)
{
	return msecs_to_jiffies(socksec_knob_get(net,
						 SOCKSEC_K_HOLD_TIMEOUT_MS));
}

/*
 * Find or create the socket's watch and (re)arm it. Called from the
 * packet path with softirqs possibly enabled: GFP_ATOMIC, _bh locks.
 */
static void socksec_watch_arm(struct sock *sk, enum socksec_reason reason,
			      bool refuse)
{
	struct socksec_watch *w;
	unsigned long delay = refuse ? 0 : socksec_hold_jiffies(sock_net(sk));

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
	/* A socket past its last reference is dying, not waiting. */
	if (!refcount_inc_not_zero(&sk->sk_refcnt)) {
		kfree(w);
		goto out;
	}
	w->sk = sk;
	w->reason = reason;
	w->refused = refuse;
	/*
	 * Who sent it, for the log. Not through get_task_comm(): its
	 * task_lock() is held by process context with softirqs enabled, and
	 * this runs under locks that softirqs take (socksec_watch_lock, a
	 * socket's spinlock): both irq lock inversions, found by lockdep.
	 * The sender is current, which does not rename itself meanwhile;
	 * another task writing its /proc comm can only garble the log line.
	 */
	if (in_task()) {
		w->pid = task_pid_nr(current);
		strscpy(w->comm, current->comm, sizeof(w->comm));
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

/* Why a socket was refused and awaits its abort; SOCKSEC_R_NONE if not. */
enum socksec_reason socksec_watch_refused(const struct sock *sk)
{
	enum socksec_reason reason = SOCKSEC_R_NONE;
	struct socksec_watch *w;

	if (!atomic_read(&socksec_nwatches))
		return SOCKSEC_R_NONE;
	rcu_read_lock();
	w = socksec_watch_find(sk);
	if (w && READ_ONCE(w->refused))
		reason = READ_ONCE(w->reason);
	rcu_read_unlock();
	return reason;
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

/*
 * Run every watch of @net (or of all namespaces) now; wait for them only
 * if there were any, so a namespace's exit never waits on another
 * namespace's abort (which may sleep on its socket's lock for long).
 */
static void socksec_watch_run_all(const struct net *net)
{
	struct socksec_watch *w;
	bool any = false;
	int bkt;

	spin_lock_bh(&socksec_watch_lock);
	hash_for_each(socksec_watches, bkt, w, node)
		if (!net || net_eq(sock_net(w->sk), net)) {
			mod_delayed_work(socksec_wq, &w->work, 0);
			any = true;
		}
	spin_unlock_bh(&socksec_watch_lock);
	if (any)
		flush_workqueue(socksec_wq);
}

/**
 * socksec_watch_flush_net - finish a dying namespace's watches
 * @net: the namespace, whose hooks are already unregistered
 *
 * A watch holds a socket reference and a user's socket holds its
 * namespace, so a dying namespace normally has no watch at all; should
 * one exist, it runs to its end here, before the namespace's socksec
 * state is freed.
 */
void socksec_watch_flush_net(const struct net *net)
{
	socksec_watch_run_all(net);
}

/* Module exit: every watch runs now (and aborts what still waits). */
void socksec_watch_exit(void)
{
	socksec_watch_run_all(NULL);
	destroy_workqueue(socksec_wq);
	rcu_barrier();
}
