// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite over the TLS record framing tracker (module/tlsframe.c):
 * what a kTLS-required socket may send before kernel TLS transmit takes
 * over its stream. Every stream of the table is fed whole, cut at every
 * offset, in chunks of every small size, retransmitted, and with the
 * budget at, just above and just below what it needs.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <net/tcp.h>
#include "tlsframe.h"

#define HS	22	/* handshake */
#define CCS	20	/* change_cipher_spec */
#define AL	21	/* alert */
#define AD	23	/* application_data */

/* Record headers below: type, version 3.minor, length (2 bytes). */

/* A stream and what the tracker must say of it. */
struct f_case {
	const char *name;
	const u8 *bytes;
	u32 len;
	enum socksec_tls_res res;	/* of the whole stream */
	u32 bad_at;			/* first offset that fails (if not OK) */
};

/* ClientHello-sized record, a CCS, then TLS 1.3's encrypted flight. */
static const u8 s_flight[] = {
	HS, 3, 1, 0x00, 0x06, 1, 0, 0, 2, 3, 3,
	CCS, 3, 3, 0x00, 0x01, 1,
	AD, 3, 3, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef,
	AL, 3, 3, 0x00, 0x02, 1, 0,
};

static const u8 s_empty_record[] = { AD, 3, 3, 0x00, 0x00, HS, 3, 3, 0x00, 0x01, 9 };
static const u8 s_plain_http[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
static const u8 s_heartbeat[] = { 24, 3, 3, 0x00, 0x01, 1 };
static const u8 s_type_19[] = { 19, 3, 3, 0x00, 0x01, 1 };
static const u8 s_ssl3[] = { HS, 3, 0, 0x00, 0x01, 1 };
static const u8 s_tls13_version[] = { HS, 3, 4, 0x00, 0x01, 1 };
static const u8 s_major_2[] = { HS, 2, 3, 0, 1, 1 };
static const u8 s_sslv2_hello[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0 };
static const u8 s_max_len[] = { AD, 3, 3, 0x48, 0x00 };
static const u8 s_over_len[] = { AD, 3, 3, 0x48, 0x01 };
/* A good record, then clear text where the next header must be. */
static const u8 s_then_clear[] = { HS, 3, 3, 0x00, 0x02, 1, 2, 'h', 'e', 'l', 'l', 'o' };
/* A good record and a header whose length byte is too large. */
static const u8 s_then_over[] = { HS, 3, 3, 0x00, 0x01, 7, AD, 3, 3, 0xff, 0xff };

static const struct f_case f_cases[] = {
	{ "handshake flight", s_flight, sizeof(s_flight), SOCKSEC_TLS_OK },
	{ "empty record", s_empty_record, sizeof(s_empty_record), SOCKSEC_TLS_OK },
	{ "largest length", s_max_len, sizeof(s_max_len), SOCKSEC_TLS_OK },
	{ "plain http", s_plain_http, sizeof(s_plain_http) - 1,
	  SOCKSEC_TLS_UNFRAMED, 0 },
	{ "heartbeat", s_heartbeat, sizeof(s_heartbeat), SOCKSEC_TLS_UNFRAMED, 0 },
	{ "type 19", s_type_19, sizeof(s_type_19), SOCKSEC_TLS_UNFRAMED, 0 },
	{ "ssl 3.0", s_ssl3, sizeof(s_ssl3), SOCKSEC_TLS_UNFRAMED, 2 },
	{ "record version 3.4", s_tls13_version, sizeof(s_tls13_version),
	  SOCKSEC_TLS_UNFRAMED, 2 },
	{ "major version 2", s_major_2, sizeof(s_major_2), SOCKSEC_TLS_UNFRAMED, 1 },
	{ "sslv2 hello", s_sslv2_hello, sizeof(s_sslv2_hello),
	  SOCKSEC_TLS_UNFRAMED, 0 },
	{ "length over the limit", s_over_len, sizeof(s_over_len),
	  SOCKSEC_TLS_UNFRAMED, 4 },
	{ "clear text after a record", s_then_clear, sizeof(s_then_clear),
	  SOCKSEC_TLS_UNFRAMED, 7 },
	{ "oversize header after a record", s_then_over, sizeof(s_then_over),
	  SOCKSEC_TLS_UNFRAMED, 10 },
};

static void f_case_desc(const struct f_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(f_case, f_cases, f_case_desc);

/* Segments read from a stream buffer: @seq0 is its first byte's seq. */
struct f_stream {
	const u8 *bytes;
	u32 len;
	u32 seq0;
	u32 seg_seq;
};

static bool f_read(void *arg, u32 off, u8 *buf, u32 n)
{
	const struct f_stream *s = arg;
	u32 at = s->seg_seq - s->seq0 + off;

	if (at + n > s->len)
		return false;
	memcpy(buf, s->bytes + at, n);
	return true;
}

/* Feed [from, to) of the stream as one segment. */
static enum socksec_tls_res f_feed(struct socksec_tls_track *t,
				   struct f_stream *s, u32 from, u32 to)
{
	s->seg_seq = s->seq0 + from;
	return socksec_tls_advance(t, s->seg_seq, to - from, f_read, s);
}

/*
 * Feed the stream in chunks of @chunk bytes; return the first result that
 * is not OK and set *at to the offset of the chunk that gave it.
 */
static enum socksec_tls_res f_run(const struct f_case *c, u32 seq0, u32 budget,
				  u32 chunk, u32 *at,
				  struct socksec_tls_track *t)
{
	struct f_stream s = { .bytes = c->bytes, .len = c->len, .seq0 = seq0 };
	enum socksec_tls_res res = SOCKSEC_TLS_OK;
	u32 off;

	socksec_tls_track_init(t, seq0, budget);
	for (off = 0; off < c->len; off += chunk) {
		res = f_feed(t, &s, off, min(c->len, off + chunk));
		if (res != SOCKSEC_TLS_OK) {
			*at = off;
			return res;
		}
	}
	return res;
}

/* The stream in chunks of 1 to 7 bytes, and whole; at any seq. */
static void framing_chunks_test(struct kunit *test)
{
	static const u32 seqs[] = { 1, 0xfffffff0, 0x7ffffffe };
	const struct f_case *c = test->param_value;
	struct socksec_tls_track t;
	u32 chunk, i, at;

	for (i = 0; i < ARRAY_SIZE(seqs); i++) {
		for (chunk = 1; chunk <= 8; chunk++) {
			u32 size = chunk == 8 ? c->len : chunk;
			enum socksec_tls_res res;

			at = U32_MAX;
			res = f_run(c, seqs[i], U32_MAX, size, &at, &t);
			KUNIT_EXPECT_EQ_MSG(test, res, c->res,
					    "chunk %u seq %#x", size, seqs[i]);
			if (c->res == SOCKSEC_TLS_OK) {
				KUNIT_EXPECT_EQ(test, t.end, seqs[i] + c->len);
				KUNIT_EXPECT_EQ(test, t.spent, c->len);
				continue;
			}
			/* Fails in the chunk holding the first bad byte. */
			KUNIT_EXPECT_EQ_MSG(test, at, c->bad_at / size * size,
					    "chunk %u", size);
			/* ... and for good: later bytes fail too. */
			KUNIT_EXPECT_EQ(test, t.failed, c->res);
		}
	}
}

/* Two segments cut at every offset: the same verdict as whole. */
static void framing_split_test(struct kunit *test)
{
	const struct f_case *c = test->param_value;
	struct f_stream s = { .bytes = c->bytes, .len = c->len, .seq0 = 1000 };
	struct socksec_tls_track t;
	u32 cut;

	for (cut = 1; cut < c->len; cut++) {
		enum socksec_tls_res r1, r2;

		socksec_tls_track_init(&t, s.seq0, U32_MAX);
		r1 = f_feed(&t, &s, 0, cut);
		r2 = f_feed(&t, &s, cut, c->len);
		if (c->res == SOCKSEC_TLS_OK) {
			KUNIT_EXPECT_EQ_MSG(test, r1, SOCKSEC_TLS_OK, "cut %u", cut);
			KUNIT_EXPECT_EQ_MSG(test, r2, SOCKSEC_TLS_OK, "cut %u", cut);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, cut > c->bad_at ? r1 : r2,
					    c->res, "cut %u", cut);
		}
	}
}

/* The budget holds exactly the stream; one byte less fails its end. */
static void budget_edge_test(struct kunit *test)
{
	const struct f_case c = { "flight", s_flight, sizeof(s_flight) };
	struct socksec_tls_track t;
	u32 at = U32_MAX;

	KUNIT_EXPECT_EQ(test, f_run(&c, 5, c.len, 4, &at, &t), SOCKSEC_TLS_OK);
	KUNIT_EXPECT_EQ(test, t.spent, c.len);
	KUNIT_EXPECT_EQ(test, f_run(&c, 5, c.len - 1, 4, &at, &t),
			SOCKSEC_TLS_BUDGET);
	KUNIT_EXPECT_EQ(test, at, (c.len - 1) / 4 * 4);
	/* The refused segment is not counted, and stays refused. */
	KUNIT_EXPECT_LE(test, t.spent, c.len - 1);
	KUNIT_EXPECT_EQ(test, t.failed, SOCKSEC_TLS_BUDGET);
	/* A budget of 0: not even a first byte. */
	KUNIT_EXPECT_EQ(test, f_run(&c, 5, 0, 1, &at, &t), SOCKSEC_TLS_BUDGET);
	KUNIT_EXPECT_EQ(test, at, 0);
}

/* Retransmissions pass again and are not charged twice. */
static void retransmit_test(struct kunit *test)
{
	struct f_stream s = { .bytes = s_flight, .len = sizeof(s_flight),
			      .seq0 = 0xfffffffa };
	struct socksec_tls_track t;

	socksec_tls_track_init(&t, s.seq0, sizeof(s_flight));
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 0, 13), SOCKSEC_TLS_OK);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 0, 13), SOCKSEC_TLS_OK);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 3, 9), SOCKSEC_TLS_OK);
	KUNIT_EXPECT_EQ(test, t.spent, 13);
	/* Old and new bytes in one segment: only the new ones count. */
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 7, 20), SOCKSEC_TLS_OK);
	KUNIT_EXPECT_EQ(test, t.spent, 20);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 0, s.len), SOCKSEC_TLS_OK);
	KUNIT_EXPECT_EQ(test, t.spent, s.len);
	KUNIT_EXPECT_EQ(test, t.end, s.seq0 + s.len);
	/* The budget is spent, yet a retransmission still goes. */
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 2, s.len), SOCKSEC_TLS_OK);
}

/* Bytes after ones the tracker never saw cannot be judged. */
static void gap_test(struct kunit *test)
{
	struct f_stream s = { .bytes = s_flight, .len = sizeof(s_flight),
			      .seq0 = 77 };
	struct socksec_tls_track t;

	socksec_tls_track_init(&t, s.seq0, U32_MAX);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 0, 5), SOCKSEC_TLS_OK);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 6, 12), SOCKSEC_TLS_GAP);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 5, 12), SOCKSEC_TLS_GAP);
}

/*
 * Kernel TLS's first byte known exactly: the handshake's bytes before it
 * are judged and charged, kernel TLS's own are neither (they need not
 * even be records the tracker could read), and the tracker is done.
 */
static void install_exact_test(struct kunit *test)
{
	u8 buf[sizeof(s_flight) + 8];
	struct f_stream s = { .bytes = buf, .len = sizeof(buf), .seq0 = 10 };
	struct socksec_tls_track t;
	u32 p = sizeof(s_flight);

	memcpy(buf, s_flight, p);
	memset(buf + p, 'x', 8);	/* not a record: never read */
	socksec_tls_track_init(&t, s.seq0, p);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 0, 9), SOCKSEC_TLS_OK);
	socksec_tls_install(&t, s.seq0 + p, s.seq0 + p);
	KUNIT_EXPECT_FALSE(test, socksec_tls_done(&t));
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 9, s.len), SOCKSEC_TLS_OK);
	KUNIT_EXPECT_EQ(test, t.spent, p);
	KUNIT_EXPECT_EQ(test, t.end, s.seq0 + p);
	KUNIT_EXPECT_TRUE(test, socksec_tls_done(&t));
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, p + 2, s.len), SOCKSEC_TLS_OK);
}

/*
 * The install boundary decides by stream position: clear bytes written
 * before TLS_TX and sent after it fail, though kernel TLS is installed.
 */
static void install_boundary_test(struct kunit *test)
{
	static const u8 clear_then_tls[] = {
		HS, 3, 3, 0x00, 0x01, 1, 'S', 'E', 'C', 'R', 'E', 'T',
		AD, 3, 3, 0x00, 0x02, 0, 0,
	};
	struct f_stream s = { .bytes = clear_then_tls,
			      .len = sizeof(clear_then_tls), .seq0 = 3 };
	struct socksec_tls_track t;

	socksec_tls_track_init(&t, s.seq0, 1000);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 0, 6), SOCKSEC_TLS_OK);
	/* TLS_TX after "SECRET" was written: kTLS begins at offset 12. */
	socksec_tls_install(&t, s.seq0 + 12, s.seq0 + 12);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 6, s.len), SOCKSEC_TLS_UNFRAMED);
	KUNIT_EXPECT_FALSE(test, socksec_tls_done(&t));
}

/*
 * Kernel TLS's first byte only bounded: the bytes between the last one
 * known written before TLS_TX and the bound are judged, not charged.
 */
static void install_bounded_test(struct kunit *test)
{
	struct f_stream s = { .bytes = s_flight, .len = sizeof(s_flight),
			      .seq0 = 0xffffffff };
	struct socksec_tls_track t;

	socksec_tls_track_init(&t, s.seq0, 13);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 0, 7), SOCKSEC_TLS_OK);
	socksec_tls_install(&t, s.seq0 + s.len, s.seq0 + 13);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 7, s.len), SOCKSEC_TLS_OK);
	KUNIT_EXPECT_EQ(test, t.spent, 13);
	KUNIT_EXPECT_TRUE(test, socksec_tls_done(&t));

	/* Unframed bytes in the uncharged stretch still fail. */
	s.bytes = s_then_clear;
	s.len = sizeof(s_then_clear);
	socksec_tls_track_init(&t, s.seq0, 100);
	socksec_tls_install(&t, s.seq0 + s.len, s.seq0);
	KUNIT_EXPECT_EQ(test, f_feed(&t, &s, 0, s.len), SOCKSEC_TLS_UNFRAMED);
	KUNIT_EXPECT_EQ(test, t.spent, 0);
}

/* Bounds behind what was judged already are moved up to it. */
static void install_clamp_test(struct kunit *test)
{
	struct socksec_tls_track t;

	socksec_tls_track_init(&t, 100, 10);
	t.end = 150;
	socksec_tls_install(&t, 120, 90);
	KUNIT_EXPECT_EQ(test, t.judge_end, 150);
	KUNIT_EXPECT_EQ(test, t.charge_end, 150);
	KUNIT_EXPECT_TRUE(test, socksec_tls_done(&t));
	socksec_tls_track_init(&t, 100, 10);
	socksec_tls_install(&t, 120, 130);
	KUNIT_EXPECT_EQ(test, t.charge_end, 120);
}

/* A record header judged as far as it has arrived. */
static const struct {
	u8 h[5];
	unsigned int n;
	bool ok;
} hdr_cases[] = {
	{ { HS }, 1, true }, { { AD }, 1, true }, { { 24 }, 1, false },
	{ { 'G' }, 1, false }, { { HS, 3 }, 2, true }, { { HS, 2 }, 2, false },
	{ { HS, 3, 0 }, 3, false }, { { HS, 3, 1 }, 3, true },
	{ { HS, 3, 3 }, 3, true }, { { HS, 3, 4 }, 3, false },
	{ { HS, 3, 3, 0x48 }, 4, true },
	{ { HS, 3, 3, 0x48, 0x00 }, 5, true },
	{ { HS, 3, 3, 0x48, 0x01 }, 5, false },
	{ { HS, 3, 3, 0x47, 0xff }, 5, true },
};

static void record_header_test(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hdr_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    socksec_tls_record_ok(hdr_cases[i].h,
							  hdr_cases[i].n),
				    hdr_cases[i].ok, "case %u", i);
}

static struct kunit_case socksec_tlsframe_cases[] = {
	KUNIT_CASE_PARAM(framing_chunks_test, f_case_gen_params),
	KUNIT_CASE_PARAM(framing_split_test, f_case_gen_params),
	KUNIT_CASE(budget_edge_test),
	KUNIT_CASE(retransmit_test),
	KUNIT_CASE(gap_test),
	KUNIT_CASE(install_exact_test),
	KUNIT_CASE(install_boundary_test),
	KUNIT_CASE(install_bounded_test),
	KUNIT_CASE(install_clamp_test),
	KUNIT_CASE(record_header_test),
	{}
};

static struct kunit_suite socksec_tlsframe_suite = {
	.name = "socksec_tlsframe",
	.test_cases = socksec_tlsframe_cases,
};

kunit_test_suite(socksec_tlsframe_suite);
