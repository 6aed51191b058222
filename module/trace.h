/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM socksec

#if !defined(_SOCKSEC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SOCKSEC_TRACE_H

#include <linux/tracepoint.h>
#include <net/sock.h>

#include "compat.h"

/*
 * socksec_verdict - a packet dropped or a connection aborted because it
 * could not be protected as its socket requires
 */
TRACE_EVENT(socksec_verdict,
	TP_PROTO(const struct sock *sk, bool ingress, bool abort,
		 u32 protocol, u32 flags, const char *reason),
	TP_ARGS(sk, ingress, abort, protocol, flags, reason),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(u64, cookie)
		__field(bool, ingress)
		__field(bool, abort)
		__field(u32, protocol)
		__field(u32, flags)
		__string(reason, reason)
	),
	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->cookie = sk ? atomic64_read(&sk->sk_cookie) : 0;
		__entry->ingress = ingress;
		__entry->abort = abort;
		__entry->protocol = protocol;
		__entry->flags = flags;
		socksec_assign_str(reason, reason);
	),
	TP_printk("sk=%p cookie=%llu %s %s protocol=%u flags=0x%x reason=%s",
		  __entry->skaddr, __entry->cookie,
		  __entry->ingress ? "ingress" : "egress",
		  __entry->abort ? "abort" : "drop",
		  __entry->protocol, __entry->flags, __get_str(reason))
);

#endif /* _SOCKSEC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
