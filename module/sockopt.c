// SPDX-License-Identifier: GPL-2.0
/*
 * The socket options: SOCKSEC_SETTINGS (set, get) and SOCKSEC_QUERY (get)
 * on SOL_IP and SOL_IPV6. The IP layers hand options they do not know to
 * netfilter's sockopt table, where socksec registers its range; the
 * handlers run in process context without the socket lock.
 */

#include <linux/netfilter.h>
#include <linux/sockptr.h>
#include <linux/uaccess.h>
#include <net/tcp_states.h>
#include "socksec.h"

static enum socksec_sock_kind socksec_sock_kind(const struct sock *sk)
{
	if (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP)
		return SOCKSEC_SK_TCP;
	if (sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP)
		return SOCKSEC_SK_UDP;
	return SOCKSEC_SK_OTHER;
}

/*
 * Copy the settings in with copy_struct_from_user() rules: shorter than
 * the structure is EINVAL, longer is fine only if the extra bytes are
 * zero (E2BIG otherwise), so a program built against a later ABI still
 * works on this kernel as long as it asks for nothing new.
 */
static int socksec_copy_settings(struct socksec_settings *s, sockptr_t arg,
				 unsigned int len)
{
	int zeroed;

	if (len < sizeof(*s))
		return -EINVAL;
	if (len > PAGE_SIZE)
		return -E2BIG;
	if (len > sizeof(*s)) {
		zeroed = check_zeroed_sockptr(arg, sizeof(*s), len - sizeof(*s));
		if (zeroed < 0)
			return zeroed;
		if (!zeroed)
			return -E2BIG;
	}
	if (copy_from_sockptr(s, arg, sizeof(*s)))
		return -EFAULT;
	return 0;
}

/*
 * Point the socket at its settings. sk_user_data is copied to accepted
 * children by sk_clone_lock(), which is what makes a listener's settings
 * apply to every socket it accepts. Writers of sk_user_data hold
 * sk_callback_lock; socksec never overwrites another owner's pointer.
 */
static int socksec_attach(struct sock *sk, const struct socksec_iset *set)
{
	uintptr_t cur;
	int err = 0;

	write_lock_bh(&sk->sk_callback_lock);
	cur = (uintptr_t)rcu_dereference_protected(__sk_user_data(sk),
			lockdep_is_held(&sk->sk_callback_lock));
	if (cur && !socksec_sk_settings(sk)) {
		err = -EBUSY;
		goto out;
	}
	rcu_assign_sk_user_data(sk, (void *)set);
out:
	write_unlock_bh(&sk->sk_callback_lock);
	return err;
}

/*
 * The mark routes a socket's packets to socksec's on-demand policies (and
 * survives into its time-wait replies): the required bit for sockets that
 * may need IPsec, the optional bit for those that accept clear text.
 */
static void socksec_set_mark(struct sock *sk, const struct socksec_iset *set)
{
	struct socksec_ipsec_cfg cfg;
	u32 mark;

	socksec_ipsec_cfg_get(sock_net(sk), &cfg);
	mark = READ_ONCE(sk->sk_mark) & ~(cfg.mark | socksec_optional_mark(cfg.mark));
	if (set->protocol != SOCKSEC_PROTO_KTLS) {
		if (set->flags & SOCKSEC_ALLOW_INSECURE)
			mark |= socksec_optional_mark(cfg.mark);
		else
			mark |= cfg.mark;
	}
	WRITE_ONCE(sk->sk_mark, mark);
	sk_dst_reset(sk);
}

/*
 * The mark is fixed once the module is pinned (sysfs.c): until then, the
 * first sockets attach, read the mark and pin under socksec_mark_lock, so
 * that a change of ipsec_mark cannot slip in between and leave a socket
 * with a bit no policy matches. The lock is taken before the attach: a
 * socket waiting for it (a resync can take a while) must not meanwhile
 * hold settings that the hooks, not yet pinned, do not enforce. The
 * acquire pairs with socksec_pin()'s atomic_xchg(): whoever sees it pinned
 * sees the mark it was pinned with.
 */
static int socksec_attach_marked(struct sock *sk,
				 const struct socksec_iset *set)
{
	bool first = !atomic_read_acquire(&socksec_used);
	int err;

	if (first)
		mutex_lock(&socksec_mark_lock);
	err = socksec_attach(sk, set);
	if (!err) {
		socksec_set_mark(sk, set);
		if (first)
			socksec_pin();
	}
	if (first)
		mutex_unlock(&socksec_mark_lock);
	return err;
}

static int socksec_set_settings(struct sock *sk, sockptr_t arg,
				unsigned int len)
{
	const struct socksec_iset *set;
	struct socksec_settings s;
	int err;

	err = socksec_copy_settings(&s, arg, len);
	if (err)
		return err;
	err = socksec_validate(&s, socksec_sock_kind(sk));
	if (err)
		return err;
	set = socksec_intern(&s);

	/* The lock orders us against connect() and listen(). */
	lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE) {
		err = -EISCONN;
		goto out;
	}
	/*
	 * An unconnected UDP socket sends and receives while it stays in
	 * TCP_CLOSE: once it has a port, the settings in force stay, so that
	 * whoever else holds the descriptor cannot weaken them mid-flow.
	 */
	if (sk->sk_protocol == IPPROTO_UDP && inet_sk(sk)->inet_num) {
		const struct socksec_iset *cur;

		rcu_read_lock();
		cur = socksec_sk_settings(sk);
		rcu_read_unlock();
		if (cur && cur != set) {
			err = -EALREADY;
			goto out;
		}
	}
	err = socksec_attach_marked(sk, set);
	if (err)
		goto out;
	socksec_count(socksec_net(sock_net(sk)), SOCKSEC_C_SOCKETS);
out:
	release_sock(sk);
	return err;
}

static int socksec_setsockopt(struct sock *sk, int optval, sockptr_t arg,
			      unsigned int len)
{
	switch (optval) {
	case SOCKSEC_SETTINGS:
		return socksec_set_settings(sk, arg, len);
	default:
		return -ENOPROTOOPT;
	}
}

static int socksec_get_settings(struct sock *sk, void __user *user, int *len)
{
	const struct socksec_iset *set;
	struct socksec_settings s;

	if (*len < (int)sizeof(s))
		return -EINVAL;
	rcu_read_lock();
	set = socksec_sk_settings(sk);
	if (set) {
		s.protocol = set->protocol;
		s.flags = set->flags;
	}
	rcu_read_unlock();
	if (!set)
		return -ENODATA;
	if (copy_to_user(user, &s, sizeof(s)))
		return -EFAULT;
	*len = sizeof(s);
	return 0;
}

/* Whether a pending socket error is one of socksec's refusals. */
static bool socksec_refusal_errno(int err, const struct socksec_effective *eff)
{
	switch (err) {
	case ENOKEY:
	case EKEYREJECTED:
		return true;
	case EACCES:
		/* Other layers use EACCES too; socksec only for kTLS. */
		return socksec_wants_ktls(eff->protocol);
	default:
		return false;
	}
}

/**
 * socksec_fill_query - what SOCKSEC_QUERY reports for a socket
 * @sk: a full socket
 * @q: filled in (all zero for a socket without settings)
 */
void socksec_fill_query(struct sock *sk, struct socksec_query *q)
{
	const struct socksec_iset *set;
	struct socksec_effective eff;
	struct socksec_defaults def;
	bool ktls;

	memset(q, 0, sizeof(*q));
	rcu_read_lock();
	set = socksec_sk_settings(sk);
	if (set) {
		socksec_defaults_get(sock_net(sk), &def);
		socksec_resolve(set, &def, &eff);
		q->protocol = eff.protocol;
		q->flags = eff.flags;
		q->state = SOCKSEC_STATE_REQUIRED;
	}
	rcu_read_unlock();
	if (!set)
		return;
	ktls = socksec_ktls_query(sk, q);
	socksec_ipsec_query(sk, q);
	/* IPsec, when it protects, covers the TLS stream as well. */
	if (ktls && !q->mechanism) {
		q->mechanism = SOCKSEC_PROTO_KTLS;
		q->state |= SOCKSEC_STATE_SECURED | SOCKSEC_STATE_ENCRYPTED;
	}
	if (socksec_watch_pending(sk) || socksec_ktls_handshaking(sk))
		q->state |= SOCKSEC_STATE_PENDING;
	if (!(q->state & SOCKSEC_STATE_SECURED) && sk->sk_state != TCP_CLOSE &&
	    (eff.flags & SOCKSEC_ALLOW_INSECURE))
		q->state |= SOCKSEC_STATE_INSECURE;
	if (socksec_refusal_errno(READ_ONCE(sk->sk_err), &eff) ||
	    socksec_refusal_errno(READ_ONCE(sk->sk_err_soft), &eff))
		q->state |= SOCKSEC_STATE_REFUSED;
}

static int socksec_get_query(struct sock *sk, void __user *user, int *len)
{
	struct socksec_query q;
	int n;

	if (*len < (int)offsetof(struct socksec_query, spi_out))
		return -EINVAL;
	socksec_fill_query(sk, &q);
	n = min_t(int, *len, sizeof(q));
	if (copy_to_user(user, &q, n))
		return -EFAULT;
	*len = n;
	return 0;
}

static int socksec_getsockopt(struct sock *sk, int optval, void __user *user,
			      int *len)
{
	switch (optval) {
	case SOCKSEC_SETTINGS:
		return socksec_get_settings(sk, user, len);
	case SOCKSEC_QUERY:
		return socksec_get_query(sk, user, len);
	default:
		return -ENOPROTOOPT;
	}
}

static struct nf_sockopt_ops socksec_sockopts[] = {
	{
		.pf		= PF_INET,
		.set_optmin	= SOCKSEC_SETTINGS,
		.set_optmax	= SOCKSEC_SETTINGS + 1,
		.set		= socksec_setsockopt,
		.get_optmin	= SOCKSEC_SETTINGS,
		.get_optmax	= SOCKSEC_QUERY + 1,
		.get		= socksec_getsockopt,
		.owner		= THIS_MODULE,
	},
	{
		.pf		= PF_INET6,
		.set_optmin	= SOCKSEC_SETTINGS,
		.set_optmax	= SOCKSEC_SETTINGS + 1,
		.set		= socksec_setsockopt,
		.get_optmin	= SOCKSEC_SETTINGS,
		.get_optmax	= SOCKSEC_QUERY + 1,
		.get		= socksec_getsockopt,
		.owner		= THIS_MODULE,
	},
};

int socksec_sockopt_init(void)
{
	int err;

	err = nf_register_sockopt(&socksec_sockopts[0]);
	if (err)
		goto err_inet;
	err = nf_register_sockopt(&socksec_sockopts[1]);
	if (err)
		goto err_inet6;
	return 0;

err_inet6:
	nf_unregister_sockopt(&socksec_sockopts[0]);
err_inet:
	return err;
}

void socksec_sockopt_exit(void)
{
	nf_unregister_sockopt(&socksec_sockopts[1]);
	nf_unregister_sockopt(&socksec_sockopts[0]);
}
