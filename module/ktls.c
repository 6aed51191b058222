// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TLS: what the kernel's TLS ULP tells about a socket.
 */

#include <net/inet_connection_sock.h>
#include <net/tcp.h>
#include <net/tls.h>
#include "socksec.h"

/**
 * socksec_ktls_tx - whether kernel TLS transmit is installed on a socket
 * @sk: a full socket
 *
 * Call under rcu_read_lock(). Only a TCP stream socket is an
 * inet_connection_sock: a raw socket of protocol TCP is not, and must not
 * be read as one.
 */
bool socksec_ktls_tx(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tcp_ulp_ops *ulp;
	const struct tls_context *ctx;

	if (!sk_is_tcp(sk))
		return false;
	ulp = READ_ONCE(icsk->icsk_ulp_ops);
	if (!ulp || strcmp(ulp->name, "tls"))
		return false;
	/*
	 * tls_sk_proto_close() clears the context before tcp_close() sends
	 * the FIN, while the ULP is still named "tls": no context, no kernel
	 * TLS. The context is freed after an RCU grace period.
	 */
	ctx = rcu_dereference(icsk->icsk_ulp_data);
	return ctx && ctx->tx_conf != TLS_BASE;
}

/*
 * Whether @n (1 to 5) bytes can begin a TLS record (RFC 8446 5.1): type,
 * legacy version, length. A tiny send window may cut a stream's first
 * segment shorter than a record header: its bytes are checked as far as
 * they go.
 */
static bool socksec_tls_record_start(const u8 *h, unsigned int n)
{
	if (h[0] < 20 || h[0] > 24)		/* change_cipher_spec..heartbeat */
		return false;
	if (n >= 2 && h[1] != 3)		/* SSL 3.0 .. TLS 1.3 */
		return false;
	if (n >= 3 && h[2] > 4)
		return false;
	return n < 5 || ((h[3] << 8) | h[4]) <= (1 << 14) + 2048;
}

/**
 * socksec_ktls_unframed - clear bytes queued before TLS_TX, sent after it
 * @sk: a full TCP socket with kernel TLS transmit installed
 * @skb: one of its outgoing packets, network header set
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 *
 * A socket that requires kTLS gets no payload byte past socksec before
 * TLS_TX is installed: the first one refuses it. Bytes written before
 * TLS_TX that TCP had not sent yet (corked, or held back by Nagle or the
 * peer's window) leave after it, as written, while kTLS is installed.
 * They are the stream's first payload bytes, and kTLS would have begun
 * the stream with a TLS record: the stream's first segment must start
 * with one. tcp_sock::bytes_sent already counts the segment being sent,
 * so it equals the segment's payload only for the stream's first one
 * (a first transmission lost before this hook, say to a failed route
 * lookup, makes its retransmission look like a later segment: see
 * Documentation/socksec.rst, "Known limits").
 */
bool socksec_ktls_unframed(const struct sock *sk, const struct sk_buff *skb,
			   u8 family)
{
	unsigned int off, len;
	const struct tcphdr *th;
	struct tcphdr _th;
	u8 _h[5];
	const u8 *h;

	if (socksec_transport(skb, family, &off) != IPPROTO_TCP)
		return true;
	th = skb_header_pointer(skb, off, sizeof(_th), &_th);
	if (!th || skb->len < off + th->doff * 4U)
		return true;
	off += th->doff * 4U;
	len = skb->len - off;
	if (!len || READ_ONCE(tcp_sk(sk)->bytes_sent) != len)
		return false;
	len = min_t(unsigned int, len, sizeof(_h));
	h = skb_header_pointer(skb, off, len, _h);
	return !h || !socksec_tls_record_start(h, len);
}
