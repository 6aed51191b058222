/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TLS record framing tracker: what a kTLS-required socket has sent
 * before kernel TLS transmit took over its stream, followed by TCP
 * sequence number. Pure logic over a small struct: KUnit drives it with
 * tables (kunit/tlsframe_test.c); ktls.c feeds it packets.
 *
 * Positions are TCP sequence numbers, compared with before()/after()
 * arithmetic: a tracker covers far less than 2^31 bytes of a stream.
 */
#ifndef _SOCKSEC_TLSFRAME_H
#define _SOCKSEC_TLSFRAME_H

#include <linux/types.h>

/* TLS record header: type, legacy version, length (RFC 8446 5.1). */
#define SOCKSEC_TLS_HDR_LEN	5
/* The largest record a TLS 1.2 peer may send (RFC 5246 6.2.3). */
#define SOCKSEC_TLS_MAX_REC	((1 << 14) + 2048)

/* How the bytes of one segment fare. */
enum socksec_tls_res {
	SOCKSEC_TLS_OK,		/* well-formed, within the budget */
	SOCKSEC_TLS_UNFRAMED,	/* a byte that is no TLS record's */
	SOCKSEC_TLS_BUDGET,	/* more than the budget before TLS_TX */
	SOCKSEC_TLS_GAP,	/* bytes after ones never seen */
};

/**
 * struct socksec_tls_track - the framing of a stream's first bytes
 * @end: just past the last byte judged
 * @body_end: just past the record whose header was read last
 * @judge_end: where judging stops (kernel TLS's first byte, or a bound
 *	on it), valid once @installed
 * @charge_end: bytes from here on are not charged to the budget, valid
 *	once @installed
 * @spent: bytes charged to the budget
 * @budget: bytes the stream may send before kernel TLS takes over
 * @hdr: the bytes of the next record header read so far
 * @hdr_len: how many (0 to 4; a complete header is judged at once)
 * @installed: kernel TLS transmit was seen installed
 * @failed: a byte broke the framing or the budget: every later one fails
 */
struct socksec_tls_track {
	u32 end;
	u32 body_end;
	u32 judge_end;
	u32 charge_end;
	u32 spent;
	u32 budget;
	u8 hdr[SOCKSEC_TLS_HDR_LEN];
	u8 hdr_len;
	bool installed;
	enum socksec_tls_res failed;
};

/*
 * Reads @n bytes at offset @off of the segment being judged into @buf;
 * returns false if they cannot be read.
 */
typedef bool (*socksec_tls_read_t)(void *arg, u32 off, u8 *buf, u32 n);

void socksec_tls_track_init(struct socksec_tls_track *t, u32 seq, u32 budget);
bool socksec_tls_record_ok(const u8 *h, unsigned int n);
void socksec_tls_install(struct socksec_tls_track *t, u32 judge_end,
			 u32 charge_end);
enum socksec_tls_res socksec_tls_advance(struct socksec_tls_track *t,
					 u32 seq, u32 len,
					 socksec_tls_read_t read, void *arg);
bool socksec_tls_done(const struct socksec_tls_track *t);

#endif /* _SOCKSEC_TLSFRAME_H */
