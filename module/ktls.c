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
