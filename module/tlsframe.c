// SPDX-License-Identifier: GPL-2.0
/*
 * The TLS record framing tracker (see tlsframe.h). Before kernel TLS
 * transmit is installed, a kTLS-required socket may send TLS records
 * only, and only so many bytes of them: its handshake. The tracker reads
 * the 5-byte header of every record as the stream goes by and skips the
 * bodies; a byte where a header must begin that cannot begin one breaks
 * the framing for good.
 */

#include <linux/minmax.h>
#include <net/tcp.h>
#include "tlsframe.h"

/**
 * socksec_tls_track_init - start tracking a stream
 * @t: the tracker
 * @seq: the sequence number of the stream's first payload byte
 * @budget: bytes it may send before kernel TLS transmit takes over
 */
void socksec_tls_track_init(struct socksec_tls_track *t, u32 seq, u32 budget)
{
	memset(t, 0, sizeof(*t));
	t->end = seq;
	t->body_end = seq;
	t->budget = budget;
	t->failed = SOCKSEC_TLS_OK;
}

/**
 * socksec_tls_record_ok - whether bytes can begin a TLS record header
 * @h: the header bytes seen so far
 * @n: how many (1 to 5): a header split across segments is judged as far
 *	as it goes, so its first bytes never leave unjudged
 *
 * The content types a handshake uses: change_cipher_spec (20), alert (21),
 * handshake (22) and application_data (23), which carries TLS 1.3's
 * encrypted handshake. Heartbeat (24) is no part of a handshake. The
 * legacy version is TLS 1.0 to 1.2 (0x0301..0x0303: TLS 1.3 records say
 * 1.2, first ClientHellos often 1.0); SSL 3.0 and SSLv2-style hellos are
 * not spoken. The length is within what TLS 1.2 allows.
 */
bool socksec_tls_record_ok(const u8 *h, unsigned int n)
{
	if (h[0] < 20 || h[0] > 23)
		return false;
	if (n >= 2 && h[1] != 3)
		return false;
	if (n >= 3 && (h[2] < 1 || h[2] > 3))
		return false;
	return n < 5 || ((h[3] << 8) | h[4]) <= SOCKSEC_TLS_MAX_REC;
}

/**
 * socksec_tls_install - kernel TLS transmit was seen installed
 * @t: the tracker
 * @judge_end: a bound on kernel TLS's first byte: bytes before it are
 *	judged as the handshake's, bytes from it on are kernel TLS's
 * @charge_end: bytes before it are known to be written before TLS_TX and
 *	are charged to the budget; between it and @judge_end they are only
 *	judged for framing
 */
void socksec_tls_install(struct socksec_tls_track *t, u32 judge_end,
			 u32 charge_end)
{
	if (before(judge_end, t->end))
		judge_end = t->end;
	if (before(charge_end, t->end))
		charge_end = t->end;
	if (after(charge_end, judge_end))
		charge_end = judge_end;
	t->judge_end = judge_end;
	t->charge_end = charge_end;
	t->installed = true;
}

/* Whether kernel TLS owns every byte the tracker has not judged yet. */
bool socksec_tls_done(const struct socksec_tls_track *t)
{
	return t->installed && !before(t->end, t->judge_end);
}

/* Bytes of [from, to) charged to the budget. */
static u32 socksec_tls_charge(const struct socksec_tls_track *t, u32 from,
			      u32 to)
{
	if (!t->installed)
		return to - from;
	if (!before(from, t->charge_end))
		return 0;
	return (before(to, t->charge_end) ? to : t->charge_end) - from;
}

static enum socksec_tls_res socksec_tls_fail(struct socksec_tls_track *t,
					     enum socksec_tls_res res)
{
	t->failed = res;
	return res;
}

/* Read the header bytes of [cur, cur + n) and judge the header so far. */
static bool socksec_tls_header(struct socksec_tls_track *t, u32 seq, u32 cur,
			       u32 n, socksec_tls_read_t read, void *arg)
{
	if (!read(arg, cur - seq, t->hdr + t->hdr_len, n))
		return false;
	t->hdr_len += n;
	if (!socksec_tls_record_ok(t->hdr, t->hdr_len))
		return false;
	if (t->hdr_len == SOCKSEC_TLS_HDR_LEN) {
		t->body_end = cur + n + ((t->hdr[3] << 8) | t->hdr[4]);
		t->hdr_len = 0;
	}
	return true;
}

/**
 * socksec_tls_advance - judge a segment of the stream
 * @t: the tracker
 * @seq: the segment's first sequence number
 * @len: its payload length
 * @read: reads its payload bytes
 * @arg: for @read
 *
 * Bytes judged before (a retransmission) pass again: the budget counts
 * each stream position once, and a position's bytes were judged the
 * first time they left. A failure is final.
 *
 * Return: SOCKSEC_TLS_OK if the segment may leave.
 */
enum socksec_tls_res socksec_tls_advance(struct socksec_tls_track *t,
					 u32 seq, u32 len,
					 socksec_tls_read_t read, void *arg)
{
	u32 cur, stop = seq + len, charge;
	u64 spent;

	if (t->failed != SOCKSEC_TLS_OK)
		return t->failed;
	if (!after(stop, t->end) || socksec_tls_done(t))
		return SOCKSEC_TLS_OK;
	if (after(seq, t->end))
		return socksec_tls_fail(t, SOCKSEC_TLS_GAP);
	if (t->installed && before(t->judge_end, stop))
		stop = t->judge_end;

	charge = socksec_tls_charge(t, t->end, stop);
	spent = (u64)t->spent + charge;
	if (spent > t->budget)
		return socksec_tls_fail(t, SOCKSEC_TLS_BUDGET);

	for (cur = t->end; before(cur, stop); ) {
		u32 n;

		if (before(cur, t->body_end)) {
			cur = before(t->body_end, stop) ? t->body_end : stop;
			continue;
		}
		n = min_t(u32, SOCKSEC_TLS_HDR_LEN - t->hdr_len, stop - cur);
		if (!socksec_tls_header(t, seq, cur, n, read, arg))
			return socksec_tls_fail(t, SOCKSEC_TLS_UNFRAMED);
		cur += n;
	}
	t->end = stop;
	t->spent = spent;
	return SOCKSEC_TLS_OK;
}
