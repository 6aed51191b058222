// SPDX-License-Identifier: GPL-2.0
/*
 * Facts about packets and SAs that the verdict is made of. These read only
 * the objects they are given (an SA, a dst chain, an skb), so KUnit checks
 * them with fabricated ones (kunit/facts_test.c).
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/xfrm.h>
#include "facts.h"

/**
 * socksec_state_level - protection one SA gives
 * @x: the SA
 */
enum socksec_xfrm_level socksec_state_level(const struct xfrm_state *x)
{
	switch (x->id.proto) {
	case IPPROTO_AH:
		return SOCKSEC_XFRM_INTEGRITY;
	case IPPROTO_ESP:
		/* rfc4543 is GMAC: an AEAD that authenticates only. */
		if (x->aead)
			return strncmp(x->aead->alg_name, "rfc4543", 7) ?
			       SOCKSEC_XFRM_ENCRYPTED : SOCKSEC_XFRM_INTEGRITY;
		if (x->ealg && x->props.ealgo != SADB_EALG_NULL &&
		    strcmp(x->ealg->alg_name, "ecb(cipher_null)"))
			return SOCKSEC_XFRM_ENCRYPTED;
		return SOCKSEC_XFRM_INTEGRITY;
	default:
		/* IPcomp and others protect nothing. */
		return SOCKSEC_XFRM_NONE;
	}
}

/**
 * socksec_bundle_level - protection an output bundle will apply
 * @dst: the packet's dst
 *
 * The strongest transform of the bundle counts: ESP inside AH encrypts.
 */
enum socksec_xfrm_level socksec_bundle_level(const struct dst_entry *dst)
{
	enum socksec_xfrm_level best = SOCKSEC_XFRM_NONE, l;

	for (; dst && dst->xfrm; dst = xfrm_dst_child(dst)) {
		if (dst->xfrm->km.state != XFRM_STATE_VALID)
			continue;
		l = socksec_state_level(dst->xfrm);
		if (l > best)
			best = l;
	}
	return best;
}

/**
 * socksec_bundle_stale - whether an SA of an output bundle is gone
 * @dst: the packet's dst
 *
 * An SA can expire or be deleted between the route check and the hook.
 * Such a packet must not leave on this route; the hook drops it (without
 * refusing its socket) and the socket's next packet is routed afresh.
 * xfrm_output() would drop it too, but not for an SA with packet offload
 * (6.2 on), whose state it does not look at.
 */
bool socksec_bundle_stale(const struct dst_entry *dst)
{
	for (; dst && dst->xfrm; dst = xfrm_dst_child(dst))
		if (READ_ONCE(dst->xfrm->km.state) != XFRM_STATE_VALID)
			return true;
	return false;
}

/**
 * socksec_secpath_level - protection a received packet arrived with
 * @skb: a packet after xfrm input
 *
 * As for bundles, the strongest transform counts: the payload was inside
 * every transform of the path, so one that encrypted is enough.
 */
enum socksec_xfrm_level socksec_secpath_level(const struct sk_buff *skb)
{
	enum socksec_xfrm_level best = SOCKSEC_XFRM_NONE, l;
	struct sec_path *sp = skb_sec_path(skb);
	int i;

	if (!sp)
		return SOCKSEC_XFRM_NONE;
	for (i = 0; i < sp->len; i++) {
		l = socksec_state_level(sp->xvec[i]);
		if (l > best)
			best = l;
	}
	return best;
}

/**
 * socksec_find_spi - protocol and SPI of a packet's outermost ESP/AH header
 * @skb: the packet, network header set
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @proto: set to IPPROTO_ESP or IPPROTO_AH
 * @spi: set to the SPI, network byte order
 *
 * Only ever called for packets xfrm produced, so a UDP packet is ESP in
 * UDP (NAT traversal).
 *
 * Return: 0, or -EINVAL when the packet is neither ESP nor AH.
 */
int socksec_find_spi(struct sk_buff *skb, u8 family, u8 *proto, __be32 *spi)
{
	/* Stop at AH: ipv6_find_hdr() otherwise walks past it. */
	int flags = IP6_FH_F_AUTH;
	unsigned int off = 0;
	__be32 _spi, *p;
	int nexthdr;

	if (family == NFPROTO_IPV4) {
		nexthdr = ip_hdr(skb)->protocol;
		off = skb_network_offset(skb) + ip_hdrlen(skb);
	} else {
		nexthdr = ipv6_find_hdr(skb, &off, -1, NULL, &flags);
		if (nexthdr < 0)
			return -EINVAL;
	}
	switch (nexthdr) {
	case IPPROTO_AH:
		off += 4;
		break;
	case IPPROTO_UDP:
		/* ESP in UDP (NAT traversal): the SPI follows the UDP header. */
		off += sizeof(struct udphdr);
		nexthdr = IPPROTO_ESP;
		break;
	case IPPROTO_ESP:
		break;
	default:
		return -EINVAL;
	}
	p = skb_header_pointer(skb, off, sizeof(_spi), &_spi);
	/* SPI 0 is the non-ESP marker of IKE in UDP: not xfrm's output. */
	if (!p || !*p)
		return -EINVAL;
	*proto = nexthdr;
	*spi = *p;
	return 0;
}

/**
 * socksec_transport - protocol and offset of a packet's transport header
 * @skb: the packet, network header set
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @off: set to the transport header's offset from skb->data
 *
 * Return: the transport protocol (after IPv6 extension headers), or a
 * negative errno when the IPv6 header chain cannot be walked.
 */
int socksec_transport(const struct sk_buff *skb, u8 family, unsigned int *off)
{
	if (family == NFPROTO_IPV4) {
		*off = skb_network_offset(skb) + ip_hdrlen(skb);
		return ip_hdr(skb)->protocol;
	}
	*off = 0;
	return ipv6_find_hdr(skb, off, -1, NULL, NULL);
}

/**
 * socksec_has_payload - whether a plain packet carries payload bytes
 * @skb: the packet, network header set
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 *
 * Only TCP can send packets without payload (SYN, ACK, FIN); anything
 * unparsable counts as payload, which fails closed.
 */
bool socksec_has_payload(const struct sk_buff *skb, u8 family)
{
	unsigned int off, len;
	struct tcphdr _th;
	const struct tcphdr *th;

	if (socksec_transport(skb, family, &off) != IPPROTO_TCP)
		return true;
	th = skb_header_pointer(skb, off, sizeof(_th), &_th);
	if (!th)
		return true;
	len = skb->len - off;
	return len > th->doff * 4U;
}
