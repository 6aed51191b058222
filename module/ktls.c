// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TLS: what the kernel's TLS ULP tells about a socket.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
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

/* The first bytes of a TLS record (RFC 8446 5.1): type, version, length. */
static bool socksec_tls_record_start(const u8 *h)
{
	return h[0] >= 20 && h[0] <= 24 &&	/* change_cipher_spec..heartbeat */
	       h[1] == 3 && h[2] <= 4 &&	/* SSL 3.0 .. TLS 1.3 */
	       ((h[3] << 8) | h[4]) <= (1 << 14) + 2048;
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
 * so it equals the segment's payload only for the stream's first one.
 */
bool socksec_ktls_unframed(const struct sock *sk, const struct sk_buff *skb,
			   u8 family)
{
	unsigned int off = 0, len;
	const struct tcphdr *th;
	struct tcphdr _th;
	u8 _h[5];
	const u8 *h;

	if (family == NFPROTO_IPV4)
		off = skb_network_offset(skb) + ip_hdrlen(skb);
	else if (ipv6_find_hdr(skb, &off, IPPROTO_TCP, NULL, NULL) < 0)
		return true;
	th = skb_header_pointer(skb, off, sizeof(_th), &_th);
	if (!th || skb->len < off + th->doff * 4U)
		return true;
	off += th->doff * 4U;
	len = skb->len - off;
	if (!len || READ_ONCE(tcp_sk(sk)->bytes_sent) != len)
		return false;
	h = skb_header_pointer(skb, off, sizeof(_h), _h);
	return !h || !socksec_tls_record_start(h);
}
