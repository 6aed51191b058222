/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Facts about packets and SAs (facts.c): functions of the objects they are
 * given, tested by KUnit with fabricated skbs, dsts and SAs.
 */
#ifndef _SOCKSEC_FACTS_H
#define _SOCKSEC_FACTS_H

#include <linux/skbuff.h>
#include <net/dst.h>
#include "decide.h"

struct xfrm_state;

enum socksec_xfrm_level socksec_state_level(const struct xfrm_state *x);
enum socksec_xfrm_level socksec_bundle_level(const struct dst_entry *dst);
bool socksec_bundle_stale(const struct dst_entry *dst);
enum socksec_xfrm_level socksec_secpath_level(const struct sk_buff *skb);
int socksec_find_spi(struct sk_buff *skb, u8 family, u8 *proto, __be32 *spi);
int socksec_transport(const struct sk_buff *skb, u8 family, unsigned int *off);
bool socksec_has_payload(const struct sk_buff *skb, u8 family);

#endif /* _SOCKSEC_FACTS_H */
