/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * socksec - per-socket protection requirements, enforced by the kernel.
 *
 * This is the user-space ABI. Once released, nothing in it changes meaning:
 * new fields are only ever appended to the structures, and the kernel treats
 * a larger structure from user space whose extra bytes are all zero like the
 * structure it knows (E2BIG when they are not zero).
 *
 * An application states what it requires of one socket:
 *
 *	struct socksec_settings s = {
 *		.protocol = SOCKSEC_PROTO_IPSEC,
 *		.flags	  = SOCKSEC_GUARANTEE_ENCRYPTION,
 *	};
 *	setsockopt(fd, SOL_IP, SOCKSEC_SETTINGS, &s, sizeof(s));
 *
 * The same option numbers work on SOL_IP and SOL_IPV6, for TCP and UDP
 * sockets of both families. See Documentation/socksec.rst.
 */
#ifndef _UAPI_LINUX_SOCKSEC_H
#define _UAPI_LINUX_SOCKSEC_H

#include <linux/types.h>

/*
 * Option numbers, on SOL_IP and SOL_IPV6 alike. They sit far above every
 * IP_* and IPV6_* option and clear of the ranges netfilter modules own
 * (iptables 64.., arptables 96.., ebtables 128.., ip6tables 64..,
 * IPVS 1152..), so the kernel hands them to socksec through nf_sockopt.
 */
#define SOCKSEC_SETTINGS	4800	/* set and get */
#define SOCKSEC_QUERY		4801	/* get only */

/*
 * enum socksec_protocol - what must protect the socket's traffic
 * @SOCKSEC_PROTO_DEFAULT: whatever the administrator chose in
 *	/sys/kernel/socksec/default_protocol, read when a packet is
 *	checked, not when the option is set.
 * @SOCKSEC_PROTO_IPSEC: an IPsec SA (ESP or AH) must protect every packet.
 * @SOCKSEC_PROTO_IPSEC2: the same requirement as IPSEC (the number of
 *	Windows' SOCKET_SECURITY_PROTOCOL_IPSEC2, whose extended settings
 *	socksec does not have).
 * @SOCKSEC_PROTO_KTLS: kernel TLS must protect the payload (TCP only).
 * @SOCKSEC_PROTO_ANY: either IPsec or kernel TLS satisfies the requirement.
 */
enum socksec_protocol {
	SOCKSEC_PROTO_DEFAULT	= 0,
	SOCKSEC_PROTO_IPSEC	= 1,
	SOCKSEC_PROTO_IPSEC2	= 2,
	SOCKSEC_PROTO_KTLS	= 3,
	SOCKSEC_PROTO_ANY	= 4,
};

/*
 * Settings flags.
 * @SOCKSEC_GUARANTEE_ENCRYPTION: protection must include confidentiality;
 *	integrity-only IPsec (AH, ESP with the null cipher) does not count.
 * @SOCKSEC_ALLOW_INSECURE: protection is tried, but clear text is allowed
 *	(and counted) when it cannot be had. Contradicts
 *	SOCKSEC_GUARANTEE_ENCRYPTION: setting both is EINVAL.
 */
#define SOCKSEC_GUARANTEE_ENCRYPTION	0x1u
#define SOCKSEC_ALLOW_INSECURE		0x2u

/*
 * struct socksec_settings - argument of SOCKSEC_SETTINGS
 * @protocol: one of enum socksec_protocol.
 * @flags: SOCKSEC_GUARANTEE_ENCRYPTION and/or SOCKSEC_ALLOW_INSECURE.
 *
 * setsockopt() errors (nothing is changed when one is returned):
 *	EINVAL		optlen shorter than the structure, unknown flag bits,
 *			or both flags at once
 *	E2BIG		optlen longer than the structure with non-zero extra
 *			bytes (or longer than a page)
 *	EFAULT		optval not readable
 *	EPROTONOSUPPORT	unknown protocol
 *	EPROTOTYPE	SOCKSEC_PROTO_KTLS on a socket that is not TCP
 *	ESOCKTNOSUPPORT	the socket is neither TCP nor UDP
 *	EISCONN		the socket is connected, connecting or listening
 *	EALREADY	a UDP socket that has a port already has other
 *			settings
 *	EBUSY		another kernel user owns the socket's sk_user_data
 *			(for example a BPF sockmap)
 * getsockopt() returns ENODATA when the socket has no settings.
 */
struct socksec_settings {
	__u32 protocol;
	__u32 flags;
};

/* Bits of socksec_query.state. */
#define SOCKSEC_STATE_REQUIRED	0x01u	/* the socket has settings */
#define SOCKSEC_STATE_PENDING	0x02u	/* protection being negotiated */
#define SOCKSEC_STATE_SECURED	0x04u	/* traffic is protected */
#define SOCKSEC_STATE_ENCRYPTED	0x08u	/* ... with confidentiality */
#define SOCKSEC_STATE_INSECURE	0x10u	/* clear text was allowed */
#define SOCKSEC_STATE_REFUSED	0x20u	/* the connection was refused */

#define SOCKSEC_ALG_NAME_LEN	64

/* Bits of socksec_query.tls_dirs: the directions kernel TLS covers. */
#define SOCKSEC_TLS_TX		0x1u	/* TLS_TX installed */
#define SOCKSEC_TLS_RX		0x2u	/* TLS_RX installed */

/*
 * struct socksec_query - result of getsockopt(SOCKSEC_QUERY)
 * @protocol: the requirement in force, SOCKSEC_PROTO_DEFAULT already
 *	resolved through sysfs (0 when the socket has no settings).
 * @flags: the flags in force (the socket's, plus default_flags when the
 *	socket asked for the default).
 * @state: SOCKSEC_STATE_* bits.
 * @mechanism: what protects the traffic now: SOCKSEC_PROTO_IPSEC,
 *	SOCKSEC_PROTO_KTLS, or 0 for nothing (yet).
 * @spi_out: outbound IPsec SPI, host byte order (0 if none).
 * @spi_in: inbound IPsec SPI, host byte order (0 if none).
 * @enc_alg: encryption (or AEAD) algorithm name, e.g. "rfc4106(gcm(aes))"
 *	or "ecb(cipher_null)"; empty when none.
 * @auth_alg: integrity algorithm name, e.g. "hmac(sha256)"; empty when
 *	none or folded into an AEAD.
 * @tls_version: the TLS version kernel TLS transmit uses, as <linux/tls.h>
 *	writes it (TLS_1_2_VERSION 0x0303, TLS_1_3_VERSION 0x0304); 0 when
 *	kernel TLS transmit is not installed.
 * @tls_cipher: its TLS_CIPHER_* number from <linux/tls.h> (51 AES-GCM-128,
 *	52 AES-GCM-256, 54 ChaCha20-Poly1305, ...); 0 when none.
 * @tls_dirs: SOCKSEC_TLS_TX and SOCKSEC_TLS_RX bits.
 *
 * getsockopt() copies min(optlen, sizeof(struct socksec_query)) bytes and
 * sets optlen to that; optlen below offsetof(..., spi_out) is EINVAL. The
 * structure only grows at its end: a program built against an older
 * header gets the fields it knows.
 */
struct socksec_query {
	__u32 protocol;
	__u32 flags;
	__u32 state;
	__u32 mechanism;
	__u32 spi_out;
	__u32 spi_in;
	char enc_alg[SOCKSEC_ALG_NAME_LEN];
	char auth_alg[SOCKSEC_ALG_NAME_LEN];
	__u16 tls_version;
	__u16 tls_cipher;
	__u32 tls_dirs;
};

#endif /* _UAPI_LINUX_SOCKSEC_H */
