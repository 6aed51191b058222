// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TLS: what the kernel's TLS ULP tells about a socket, and the
 * handshake allowance of sockets that require it.
 *
 * Before TLS_TX is installed a kTLS-required socket may send TLS records
 * only (its handshake), up to ktls_handshake_budget bytes; tlsframe.c
 * follows their framing by TCP sequence number. The boundary between the
 * handshake's bytes and kernel TLS's is a stream position, not a moment:
 * bytes written before TLS_TX that TCP sends after it are still the
 * handshake's, judged as such. Where kernel TLS's first byte is seen
 * from here:
 *  - TLS_TX installed and no record made by it yet (its record sequence
 *    is still the one the application gave): every queued byte was
 *    written before it, so its first byte is tcp_sock::write_seq. Exact.
 *  - Records already made: it is between the last byte written before
 *    the tracker last looked (charged to the budget) and write_seq (the
 *    bytes in between are judged for framing only, not charged).
 * Once the stream passes that position the tracker is done: it stays, so
 * that a socket without one is a socket whose stream socksec did not see
 * from its start, and such a stream is refused.
 *
 * Ownership, references and locking of a tracker (struct socksec_tls_sk):
 *  - Only sockets with settings of their own that require kTLS get one:
 *    at their SYN (active open; a SYN again means a new stream and a new
 *    tracker), or, for a socket that sent no SYN (accepted, repaired), at
 *    the payload segment that begins at its first unacknowledged byte
 *    while none was acknowledged yet. Such a socket pins the module.
 *  - The tracker owns one reference on its socket, taken with
 *    refcount_inc_not_zero() and dropped in the RCU callback that frees
 *    it, after it is unhashed: when the collector finds the socket
 *    closed, when a new SYN replaces it, or at module exit.
 *  - socksec_tls_lock (BH) guards the hash table; each tracker's lock
 *    guards its framing state. Writers of the framing state are
 *    LOCAL_OUT's TCP transmit path, which already runs with the socket
 *    owned (lock_sock or bh_lock_sock); POST_ROUTING only reads.
 *  - Readers find trackers under RCU.
 */

#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>
#include <net/tls.h>
#include "socksec.h"
#include "tlsframe.h"

struct socksec_tls_sk {
	struct hlist_node node;
	struct rcu_head rcu;
	struct sock *sk;		/* referenced */
	spinlock_t lock;		/* guards what follows */
	u32 written;			/* write_seq when last judged pre-TLS_TX */
	struct socksec_tls_track t;
};

/* A tracker lives as long as its connection: room for many. */
static DEFINE_HASHTABLE(socksec_tls_socks, 10);
static DEFINE_SPINLOCK(socksec_tls_lock);
static atomic_t socksec_ntls = ATOMIC_INIT(0);
static struct delayed_work socksec_tls_gc_work;

/* How often closed sockets' trackers are collected. */
#define SOCKSEC_TLS_GC_JIFFIES	HZ

/* Under rcu_read_lock(): a TCP socket's TLS context, or NULL. */
static const struct tls_context *socksec_tls_ctx(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tcp_ulp_ops *ulp;

	/*
	 * Only a TCP stream socket is an inet_connection_sock: a raw socket
	 * of protocol TCP is not, and must not be read as one.
	 */
	if (!sk_is_tcp(sk))
		return NULL;
	ulp = READ_ONCE(icsk->icsk_ulp_ops);
	if (!ulp || strcmp(ulp->name, "tls"))
		return NULL;
	/*
	 * tls_sk_proto_close() clears the context before tcp_close() sends
	 * the FIN, while the ULP is still named "tls": no context, no kernel
	 * TLS. The context is freed after an RCU grace period.
	 */
	return rcu_dereference(icsk->icsk_ulp_data);
}

/**
 * socksec_ktls_tx - whether kernel TLS transmit is installed on a socket
 * @sk: a full socket
 *
 * Call under rcu_read_lock().
 */
bool socksec_ktls_tx(const struct sock *sk)
{
	const struct tls_context *ctx = socksec_tls_ctx(sk);

	return ctx && ctx->tx_conf != TLS_BASE;
}

/*
 * The record sequence number the application installed TLS_TX with, and
 * its length; NULL for a cipher socksec does not know.
 */
static const u8 *socksec_tls_first_rec_seq(const struct tls_context *ctx,
					   unsigned int *len)
{
	const union tls_crypto_context *c = &ctx->crypto_send;

	switch (c->info.cipher_type) {
	case TLS_CIPHER_AES_GCM_128:
		*len = TLS_CIPHER_AES_GCM_128_REC_SEQ_SIZE;
		return c->aes_gcm_128.rec_seq;
	case TLS_CIPHER_AES_CCM_128:
		/* Laid out as AES-GCM-128's, which the union holds. */
		*len = TLS_CIPHER_AES_CCM_128_REC_SEQ_SIZE;
		return c->aes_gcm_128.rec_seq;
	case TLS_CIPHER_AES_GCM_256:
		*len = TLS_CIPHER_AES_GCM_256_REC_SEQ_SIZE;
		return c->aes_gcm_256.rec_seq;
	case TLS_CIPHER_CHACHA20_POLY1305:
		*len = TLS_CIPHER_CHACHA20_POLY1305_REC_SEQ_SIZE;
		return c->chacha20_poly1305.rec_seq;
	case TLS_CIPHER_SM4_GCM:
		*len = TLS_CIPHER_SM4_GCM_REC_SEQ_SIZE;
		return c->sm4_gcm.rec_seq;
	case TLS_CIPHER_SM4_CCM:
		*len = TLS_CIPHER_SM4_CCM_REC_SEQ_SIZE;
		return c->sm4_ccm.rec_seq;
	default:
		return NULL;
	}
}

/*
 * The record sequence number of kernel TLS's next record, NULL when it
 * cannot be read. Where it is an allocation of its own, a closing socket
 * frees it before it sends what kernel TLS still holds
 * (tls_sk_proto_cleanup()): closing is flagged before.
 */
static const u8 *socksec_tls_tx_rec_seq(const struct tls_context *ctx)
{
#ifdef SOCKSEC_TLS_REC_SEQ_ALLOCATED
	if (ctx->tx_conf != TLS_SW ||
	    test_bit(BIT_TX_CLOSING, &tls_sw_ctx_tx(ctx)->tx_bitmask))
		return NULL;
#endif
	return (const u8 *)ctx->tx.rec_seq;
}

/*
 * Whether kernel TLS may have put records of its own in TCP's write
 * queue: its record sequence number moved on from the installed one.
 * Where that cannot be told (a cipher socksec does not know, a closing
 * socket) the answer is yes: the boundary is then only bounded, see the
 * top of this file.
 */
static bool socksec_tls_made_records(const struct tls_context *ctx)
{
	const u8 *first, *now = socksec_tls_tx_rec_seq(ctx);
	unsigned int len;

	first = socksec_tls_first_rec_seq(ctx, &len);
	return !first || !now || memcmp(first, now, len);
}

/**
 * socksec_ktls_query - the kernel TLS part of SOCKSEC_QUERY
 * @sk: a full socket
 * @q: its tls_* fields are filled in
 *
 * Return: whether kernel TLS transmit is installed.
 */
bool socksec_ktls_query(const struct sock *sk, struct socksec_query *q)
{
	const struct tls_context *ctx;
	bool tx = false;

	rcu_read_lock();
	ctx = socksec_tls_ctx(sk);
	if (ctx) {
		tx = ctx->tx_conf != TLS_BASE;
		if (tx) {
			q->tls_dirs |= SOCKSEC_TLS_TX;
			q->tls_version = READ_ONCE(ctx->crypto_send.info.version);
			q->tls_cipher = READ_ONCE(ctx->crypto_send.info.cipher_type);
		}
		if (ctx->rx_conf != TLS_BASE)
			q->tls_dirs |= SOCKSEC_TLS_RX;
	}
	rcu_read_unlock();
	return tx;
}

static struct socksec_tls_sk *socksec_tls_find(const struct sock *sk)
{
	struct socksec_tls_sk *ts;

	hash_for_each_possible_rcu(socksec_tls_socks, ts, node,
				   (unsigned long)sk)
		if (ts->sk == sk)
			return ts;
	return NULL;
}

static void socksec_tls_free(struct rcu_head *head)
{
	struct socksec_tls_sk *ts = container_of(head, struct socksec_tls_sk,
						 rcu);

	sock_put(ts->sk);
	kfree(ts);
}

/* Under socksec_tls_lock: unhash; freed (and unreferenced) after RCU. */
static void socksec_tls_unhash(struct socksec_tls_sk *ts)
{
	hlist_del_init_rcu(&ts->node);
	atomic_dec(&socksec_ntls);
	call_rcu(&ts->rcu, socksec_tls_free);
}

/*
 * A tracker for a stream beginning at @seq. @fresh: a SYN began a new
 * stream, which replaces a tracker of an earlier one.
 */
static struct socksec_tls_sk *socksec_tls_new(struct sock *sk, u32 seq,
					      bool fresh)
{
	struct socksec_tls_sk *ts, *old;

	ts = kzalloc(sizeof(*ts), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!ts)
		return NULL;
	/* A socket past its last reference sends nothing worth tracking. */
	if (!refcount_inc_not_zero(&sk->sk_refcnt)) {
		kfree(ts);
		return NULL;
	}
	ts->sk = sk;
	spin_lock_init(&ts->lock);
	socksec_tls_track_init(&ts->t, seq, socksec_ktls_budget(sock_net(sk)));
	ts->written = seq;

	spin_lock_bh(&socksec_tls_lock);
	old = socksec_tls_find(sk);
	if (old && fresh) {
		socksec_tls_unhash(old);
		old = NULL;
	}
	if (!old) {
		hash_add_rcu(socksec_tls_socks, &ts->node, (unsigned long)sk);
		if (atomic_inc_return(&socksec_ntls) == 1)
			mod_delayed_work(system_wq, &socksec_tls_gc_work,
					 SOCKSEC_TLS_GC_JIFFIES);
	}
	spin_unlock_bh(&socksec_tls_lock);
	if (old) {
		sock_put(sk);
		kfree(ts);
		return old;
	}
	return ts;
}

/* The TCP payload of an outgoing segment: its offset, length and seq. */
struct socksec_tls_seg {
	const struct sk_buff *skb;
	unsigned int off;
	u32 len;
	u32 seq;
	bool syn;		/* an active open's SYN */
};

static bool socksec_tls_seg(const struct sk_buff *skb, u8 family,
			    struct socksec_tls_seg *seg)
{
	const struct tcphdr *th;
	struct tcphdr _th;
	unsigned int off;

	if (socksec_transport(skb, family, &off) != IPPROTO_TCP)
		return false;
	th = skb_header_pointer(skb, off, sizeof(_th), &_th);
	if (!th || skb->len < off + th->doff * 4U)
		return false;
	seg->skb = skb;
	seg->off = off + th->doff * 4U;
	seg->len = skb->len - seg->off;
	/* A SYN (Fast Open's, with data) takes a sequence number itself. */
	seg->seq = ntohl(th->seq) + th->syn;
	seg->syn = th->syn && !th->ack;
	return true;
}

static bool socksec_tls_read(void *arg, u32 off, u8 *buf, u32 n)
{
	const struct socksec_tls_seg *seg = arg;

	return !skb_copy_bits(seg->skb, seg->off + off, buf, n);
}

/* Whether a segment's bytes were judged before (POST_ROUTING). */
static enum socksec_tls_res
socksec_tls_covered(const struct socksec_tls_track *t, u32 seq, u32 len)
{
	if (t->failed != SOCKSEC_TLS_OK)
		return t->failed;
	if (!after(seq + len, t->end) || socksec_tls_done(t))
		return SOCKSEC_TLS_OK;
	return SOCKSEC_TLS_GAP;
}

/*
 * LOCAL_OUT, under the socket's ownership: the first look after TLS_TX
 * sets where kernel TLS's bytes begin (see the top of this file).
 */
static void socksec_tls_observe(struct socksec_tls_sk *ts,
				const struct tls_context *ctx,
				const struct sock *sk)
{
	u32 write_seq = READ_ONCE(tcp_sk(sk)->write_seq);

	if (ts->t.installed)
		return;
	if (!ctx || ctx->tx_conf == TLS_BASE) {
		ts->written = write_seq;
		return;
	}
	if (socksec_tls_made_records(ctx))
		socksec_tls_install(&ts->t, write_seq, ts->written);
	else
		socksec_tls_install(&ts->t, write_seq, write_seq);
}

static enum socksec_tls_handshake socksec_tls_fact(enum socksec_tls_res res)
{
	switch (res) {
	case SOCKSEC_TLS_OK:
		return SOCKSEC_HS_OK;
	case SOCKSEC_TLS_BUDGET:
		return SOCKSEC_HS_BUDGET;
	default:
		return SOCKSEC_HS_UNFRAMED;
	}
}

/*
 * The tracker of a segment's stream, or a new one where the stream's
 * start is certain: a SYN, or a socket that sent no SYN (accepted or
 * repaired) whose segment begins at its first unacknowledged byte while
 * none was acknowledged yet. NULL when the stream cannot be judged.
 */
static struct socksec_tls_sk *socksec_tls_get(struct sock *sk,
					      const struct socksec_tls_seg *seg)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct socksec_tls_sk *ts;

	if (seg->syn)
		return socksec_tls_new(sk, seg->seq, true);
	ts = atomic_read(&socksec_ntls) ? socksec_tls_find(sk) : NULL;
	if (ts)
		return ts;
	if (READ_ONCE(tp->bytes_acked) || seg->seq != READ_ONCE(tp->snd_una))
		return NULL;
	return socksec_tls_new(sk, seg->seq, false);
}

/**
 * socksec_ktls_judge - how a kTLS-required socket's segment fares
 * @sk: the socket, with settings of its own that require kTLS
 * @skb: its TCP segment (a SYN, or one with payload), network header set
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @advance: true at LOCAL_OUT (the segment is judged and the tracker
 *	moves on); false at POST_ROUTING (only whether it was judged)
 * @f: f->ktls_tx and f->handshake are set
 *
 * A stream socksec did not see from its start (it began while mode was
 * off, or its first segment never reached this hook) has no tracker and
 * is refused, kernel TLS or not: what left before is unknown.
 *
 * Call under rcu_read_lock().
 */
void socksec_ktls_judge(struct sock *sk, const struct sk_buff *skb, u8 family,
			bool advance, struct socksec_pkt_facts *f)
{
	const struct tls_context *ctx = socksec_tls_ctx(sk);
	struct socksec_tls_seg seg;
	enum socksec_tls_res res;
	struct socksec_tls_sk *ts;

	f->ktls_tx = ctx && ctx->tx_conf != TLS_BASE;
	f->handshake = SOCKSEC_HS_UNFRAMED;
	if (!socksec_tls_seg(skb, family, &seg))
		return;
	if (advance)
		ts = socksec_tls_get(sk, &seg);
	else
		ts = atomic_read(&socksec_ntls) ? socksec_tls_find(sk) : NULL;
	if (!ts)
		return;
	if (!seg.len) {
		f->handshake = SOCKSEC_HS_OK;
		return;
	}

	spin_lock_bh(&ts->lock);
	if (advance) {
		socksec_tls_observe(ts, ctx, sk);
		res = socksec_tls_advance(&ts->t, seg.seq, seg.len,
					  socksec_tls_read, &seg);
	} else {
		res = socksec_tls_covered(&ts->t, seg.seq, seg.len);
	}
	spin_unlock_bh(&ts->lock);
	f->handshake = socksec_tls_fact(res);
}

/**
 * socksec_ktls_handshaking - whether a socket is in its handshake
 * @sk: a full socket
 *
 * Tracked and kernel TLS transmit not yet seen: SOCKSEC_QUERY's PENDING.
 */
bool socksec_ktls_handshaking(const struct sock *sk)
{
	struct socksec_tls_sk *ts;
	bool hs = false;

	if (!atomic_read(&socksec_ntls))
		return false;
	rcu_read_lock();
	ts = socksec_tls_find(sk);
	if (ts)
		hs = !READ_ONCE(ts->t.installed) &&
		     READ_ONCE(ts->t.failed) == SOCKSEC_TLS_OK;
	rcu_read_unlock();
	return hs;
}

/*
 * Collect the trackers of closed sockets (@all: every tracker). Closed,
 * not orphaned: an orphan still sends what it has queued, and a tracker
 * that is gone fails its pre-TLS_TX bytes closed.
 */
static void socksec_tls_collect(bool all)
{
	struct socksec_tls_sk *ts;
	struct hlist_node *tmp;
	unsigned int bkt;

	/* A bucket at a time: the packet path waits for one at most. */
	for (bkt = 0; bkt < HASH_SIZE(socksec_tls_socks); bkt++) {
		spin_lock_bh(&socksec_tls_lock);
		hlist_for_each_entry_safe(ts, tmp, &socksec_tls_socks[bkt], node)
			if (all || READ_ONCE(ts->sk->sk_state) == TCP_CLOSE)
				socksec_tls_unhash(ts);
		spin_unlock_bh(&socksec_tls_lock);
	}
}

static void socksec_tls_gc(struct work_struct *work)
{
	socksec_tls_collect(false);
	if (atomic_read(&socksec_ntls))
		schedule_delayed_work(&socksec_tls_gc_work,
				      SOCKSEC_TLS_GC_JIFFIES);
}

void socksec_ktls_init(void)
{
	INIT_DELAYED_WORK(&socksec_tls_gc_work, socksec_tls_gc);
}

/* Module exit, after the hooks are gone: no tracker outlives it. */
void socksec_ktls_exit(void)
{
	cancel_delayed_work_sync(&socksec_tls_gc_work);
	socksec_tls_collect(true);
	rcu_barrier();
}
