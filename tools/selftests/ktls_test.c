// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel TLS as protection, on loopback: the handshake allowance before
 * TLS_TX (TLS records only, within ktls_handshake_budget), the refusal
 * of anything else (EACCES), the install boundary (bytes written before
 * TLS_TX and sent after it are still judged as the handshake's), the
 * query after TLS_TX, ANY without IPsec, ALLOW_INSECURE, listeners, and
 * sockets without settings. The records are written by hand here so that
 * every edge can be reached; tools/testing/ktls/ runs real TLS programs.
 * Run as root in the test VM with socksec loaded; the fixture makes
 * loopback subject to the rules and puts the knobs back afterwards.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <netinet/tcp.h>
#include <linux/tls.h>
#include "socksec_test.h"
#include "kselftest_harness.h"

static const char *const knobs[] = {
	"protect_loopback", "mode", "ktls_handshake_budget", "ipsec_reqid",
};

/* Record headers below: type, version 3.minor, length (2 bytes). */

/* A ClientHello-like record, a change_cipher_spec, an encrypted flight. */
static const unsigned char hello[] = {
	22, 3, 1, 0x00, 0x0a, 1, 0, 0, 6, 3, 3, 0xaa, 0xbb, 0xcc, 0xdd,
	20, 3, 3, 0x00, 0x01, 1,
	23, 3, 3, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef,
};

static const char secret[] = "SECRET-CLEAR-TEXT";

FIXTURE(lo) {
	char saved[ARRAY_SIZE(knobs)][64];
	struct sockaddr_in sin;
	int lfd;
};

FIXTURE_SETUP(lo)
{
	socklen_t len = sizeof(self->sin);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		ASSERT_EQ(0, sysfs_read(knobs[i], self->saved[i],
					sizeof(self->saved[i])));
	ASSERT_EQ(0, sysfs_write("mode", "enforce"));
	ASSERT_EQ(0, sysfs_write("protect_loopback", "1"));
	/* SPD mode with no policy: loopback has no IPsec, only kTLS. */
	ASSERT_EQ(0, sysfs_write("ipsec_reqid", "0"));
	ASSERT_EQ(0, sysfs_write("ktls_handshake_budget", "32768"));

	memset(&self->sin, 0, sizeof(self->sin));
	self->sin.sin_family = AF_INET;
	self->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	self->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(self->lfd, 0);
	ASSERT_EQ(0, bind(self->lfd, (struct sockaddr *)&self->sin, len));
	ASSERT_EQ(0, getsockname(self->lfd, (struct sockaddr *)&self->sin,
				 &len));
	ASSERT_EQ(0, listen(self->lfd, 16));
}

FIXTURE_TEARDOWN(lo)
{
	size_t i;

	close(self->lfd);
	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		EXPECT_EQ(0, sysfs_write(knobs[i], self->saved[i]));
}

/* A client with settings (protocol 0: none), connected; *a the peer. */
static int client(struct __test_metadata *_metadata,
		  struct _test_data_lo *self, __u32 protocol, __u32 flags, int *a)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (protocol && ss_set(fd, SOL_IP, protocol, flags))
		return -1;
	/* Every send() its own segment: records cut where the test says. */
	setsockopt(fd, SOL_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&self->sin, sizeof(self->sin)))
		return -1;
	*a = accept(self->lfd, NULL, NULL);
	return *a < 0 ? -1 : fd;
}

/* The crypto_info of one cipher and version, a fixed test key. */
struct cipher {
	__u16 version, type;
	size_t size;
	unsigned int overhead;	/* bytes a record adds to its payload */
};

static const struct cipher aes128_12 = {
	TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128,
	sizeof(struct tls12_crypto_info_aes_gcm_128), 5 + 8 + 16,
};

static int ktls_install(int fd, int dir, const struct cipher *c)
{
	union {
		struct tls_crypto_info info;
		unsigned char raw[128];
	} ci;

	memset(&ci, 0x11, sizeof(ci));
	ci.info.version = c->version;
	ci.info.cipher_type = c->type;
	/* EEXIST: the ULP is attached already. */
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) &&
	    errno != EEXIST)
		return errno;
	if (setsockopt(fd, SOL_TLS, dir, &ci, c->size))
		return errno;
	return 0;
}

/* Wait (up to 2 s) for the refusal's abort; returns the socket error. */
static int refusal(int fd)
{
	int i, err = 0;

	for (i = 0; i < 200 && !err; i++) {
		err = sock_error(fd);
		if (!err)
			usleep(10000);
	}
	return err;
}

/* A counter of /proc/net/socksec, -1 if missing. */
static long counter(const char *name)
{
	FILE *f = fopen("/proc/net/socksec", "r");
	char line[256], key[128];
	long v, found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %ld", key, &v) == 2 &&
		    !strcmp(key, name)) {
			found = v;
			break;
		}
	fclose(f);
	return found;
}

/* The handshake, cut inside headers, then kernel TLS: data flows. */
TEST_F(lo, handshake_then_ktls)
{
	static const size_t cuts[] = { 2, 9, 15, 16, 22, 26 };
	struct socksec_query q;
	char buf[512];
	size_t off = 0, i;
	int c, a;

	c = client(_metadata, self, SOCKSEC_PROTO_KTLS,
		   SOCKSEC_GUARANTEE_ENCRYPTION, &a);
	ASSERT_GE(c, 0);
	for (i = 0; i <= ARRAY_SIZE(cuts); i++) {
		size_t end = i < ARRAY_SIZE(cuts) ? cuts[i] : sizeof(hello);

		ASSERT_EQ(end - off, send(c, hello + off, end - off, 0));
		off = end;
		usleep(2000);
	}
	ASSERT_EQ(sizeof(hello), drain(a, buf, sizeof(hello), 500));
	EXPECT_EQ(0, memcmp(buf, hello, sizeof(hello)));
	ASSERT_EQ(0, ss_query(c, SOL_IP, &q));
	EXPECT_TRUE(q.state & SOCKSEC_STATE_PENDING) TH_LOG("state 0x%x", q.state);
	EXPECT_EQ(0, q.mechanism);

	ASSERT_EQ(0, ktls_install(c, TLS_TX, &aes128_12));
	ASSERT_EQ(sizeof(secret), send(c, secret, sizeof(secret), 0));
	ASSERT_EQ(sizeof(secret) + aes128_12.overhead,
		  drain(a, buf, sizeof(buf), 500));
	EXPECT_EQ(NULL, memmem(buf, sizeof(buf), secret, sizeof(secret) - 1));
	EXPECT_EQ(0, sock_error(c));
	ASSERT_EQ(0, ss_query(c, SOL_IP, &q));
	EXPECT_EQ(SOCKSEC_PROTO_KTLS, q.mechanism);
	EXPECT_EQ(SOCKSEC_STATE_REQUIRED | SOCKSEC_STATE_SECURED |
		  SOCKSEC_STATE_ENCRYPTED, q.state);
	EXPECT_EQ(TLS_1_2_VERSION, q.tls_version);
	EXPECT_EQ(TLS_CIPHER_AES_GCM_128, q.tls_cipher);
	EXPECT_EQ(SOCKSEC_TLS_TX, q.tls_dirs);
	close(c);
	close(a);
}

/* Not TLS before TLS_TX: dropped, refused with EACCES, nothing read. */
TEST_F(lo, clear_text_before_ktls_refused)
{
	long before = counter("aborted_no_ktls");
	char buf[256];
	int c, a;

	ASSERT_GE(before, 0);
	c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
	ASSERT_GE(c, 0);
	send(c, "GET / HTTP/1.0\r\n\r\n", 18, MSG_NOSIGNAL);
	EXPECT_EQ(EACCES, refusal(c));
	EXPECT_EQ(0, drain(a, buf, sizeof(buf), 100));
	EXPECT_EQ(before + 1, counter("aborted_no_ktls"));
	close(c);
	close(a);
}

/* Clear text after good records: the records arrive, the rest not. */
TEST_F(lo, clear_text_after_records_refused)
{
	char buf[256];
	int c, a;

	c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
	ASSERT_GE(c, 0);
	ASSERT_EQ(sizeof(hello), send(c, hello, sizeof(hello), 0));
	usleep(20000);
	send(c, secret, sizeof(secret), MSG_NOSIGNAL);
	EXPECT_EQ(EACCES, refusal(c));
	EXPECT_EQ(sizeof(hello), drain(a, buf, sizeof(buf), 100));
	close(c);
	close(a);
}

/* The budget: exactly spent is fine, one segment more is refused. */
TEST_F(lo, budget_spent_refused)
{
	unsigned char rec[64] = { 22, 3, 3, 0x00, 0x3b };
	long before = counter("aborted_tls_budget");
	char buf[512];
	int c, a;

	ASSERT_EQ(0, sysfs_write("ktls_handshake_budget", "128"));
	c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
	ASSERT_GE(c, 0);
	ASSERT_EQ(64, send(c, rec, 64, 0));
	usleep(20000);
	/* The stream keeps the budget it began with. */
	ASSERT_EQ(0, sysfs_write("ktls_handshake_budget", "32768"));
	ASSERT_EQ(64, send(c, rec, 64, 0));
	usleep(20000);
	EXPECT_EQ(0, sock_error(c));
	send(c, rec, 5, MSG_NOSIGNAL);
	EXPECT_EQ(EACCES, refusal(c));
	EXPECT_EQ(128, drain(a, buf, sizeof(buf), 100));
	EXPECT_EQ(before + 1, counter("aborted_tls_budget"));
	close(c);
	close(a);
}

/*
 * The install boundary: clear bytes written before TLS_TX, held back by
 * TCP_CORK until after it, are still the handshake's bytes and not TLS
 * records: refused, though kernel TLS is installed when they leave. With
 * a kernel TLS record written behind them, and without.
 */
TEST_F(lo, install_boundary_clear_refused)
{
	int on = 1, off = 0, c, a, tls_write;
	char buf[1024];
	size_t got;

	for (tls_write = 0; tls_write < 2; tls_write++) {
		c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
		ASSERT_GE(c, 0);
		ASSERT_EQ(0, setsockopt(c, SOL_TCP, TCP_CORK, &on, sizeof(on)));
		ASSERT_EQ(sizeof(hello), send(c, hello, sizeof(hello), 0));
		ASSERT_EQ(sizeof(secret), send(c, secret, sizeof(secret), 0));
		ASSERT_EQ(0, ktls_install(c, TLS_TX, &aes128_12));
		if (tls_write)
			ASSERT_EQ(5, send(c, "after", 5, 0));
		ASSERT_EQ(0, setsockopt(c, SOL_TCP, TCP_CORK, &off, sizeof(off)));
		EXPECT_EQ(EACCES, refusal(c)) TH_LOG("tls write %d", tls_write);
		got = drain(a, buf, sizeof(buf), 100);
		EXPECT_EQ(NULL, memmem(buf, got, secret, sizeof(secret) - 1));
		close(c);
		close(a);
	}
}

/* ... and handshake records held back the same way go out fine. */
TEST_F(lo, install_boundary_records_pass)
{
	int on = 1, off = 0, c, a, tls_write;
	char buf[1024];

	for (tls_write = 0; tls_write < 2; tls_write++) {
		c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
		ASSERT_GE(c, 0);
		ASSERT_EQ(0, setsockopt(c, SOL_TCP, TCP_CORK, &on, sizeof(on)));
		ASSERT_EQ(sizeof(hello), send(c, hello, sizeof(hello), 0));
		ASSERT_EQ(0, ktls_install(c, TLS_TX, &aes128_12));
		if (tls_write)
			ASSERT_EQ(sizeof(secret), send(c, secret, sizeof(secret), 0));
		ASSERT_EQ(0, setsockopt(c, SOL_TCP, TCP_CORK, &off, sizeof(off)));
		EXPECT_EQ(sizeof(hello) +
			  (tls_write ? sizeof(secret) + aes128_12.overhead : 0),
			  drain(a, buf, sizeof(buf), 300));
		EXPECT_EQ(0, memcmp(buf, hello, sizeof(hello)));
		EXPECT_EQ(0, sock_error(c));
		close(c);
		close(a);
	}
}

/* Versions and ciphers the query reports; RX too when installed. */
TEST_F(lo, query_reports_version_cipher_and_rx)
{
	static const struct cipher ciphers[] = {
		{ TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128,
		  sizeof(struct tls12_crypto_info_aes_gcm_128), 5 + 8 + 16 },
		{ TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256,
		  sizeof(struct tls12_crypto_info_aes_gcm_256), 5 + 1 + 16 },
		{ TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305,
		  sizeof(struct tls12_crypto_info_chacha20_poly1305), 5 + 1 + 16 },
	};
	struct socksec_query q;
	size_t i;
	int c, a;

	for (i = 0; i < ARRAY_SIZE(ciphers); i++) {
		c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
		ASSERT_GE(c, 0);
		ASSERT_EQ(0, ktls_install(c, TLS_TX, &ciphers[i]));
		ASSERT_EQ(0, ktls_install(c, TLS_RX, &ciphers[i]));
		ASSERT_EQ(0, ss_query(c, SOL_IP, &q));
		EXPECT_EQ(ciphers[i].version, q.tls_version);
		EXPECT_EQ(ciphers[i].type, q.tls_cipher);
		EXPECT_EQ(SOCKSEC_TLS_TX | SOCKSEC_TLS_RX, q.tls_dirs);
		EXPECT_EQ(SOCKSEC_PROTO_KTLS, q.mechanism);
		close(c);
		close(a);
	}
}

/* ANY with no IPsec to be had: kTLS alone satisfies it. */
TEST_F(lo, any_satisfied_by_ktls)
{
	char buf[512];
	int c, a;

	c = client(_metadata, self, SOCKSEC_PROTO_ANY, 0, &a);
	ASSERT_GE(c, 0);
	ASSERT_EQ(sizeof(hello), send(c, hello, sizeof(hello), 0));
	ASSERT_EQ(0, ktls_install(c, TLS_TX, &aes128_12));
	ASSERT_EQ(sizeof(secret), send(c, secret, sizeof(secret), 0));
	EXPECT_EQ(sizeof(hello) + sizeof(secret) + aes128_12.overhead,
		  drain(a, buf, sizeof(buf), 300));
	EXPECT_EQ(0, sock_error(c));
	close(c);
	close(a);

	c = client(_metadata, self, SOCKSEC_PROTO_ANY, 0, &a);
	ASSERT_GE(c, 0);
	send(c, secret, sizeof(secret), MSG_NOSIGNAL);
	EXPECT_EQ(EACCES, refusal(c));
	EXPECT_EQ(0, drain(a, buf, sizeof(buf), 100));
	close(c);
	close(a);
}

/* ALLOW_INSECURE: clear text goes, counted, and the query says so. */
TEST_F(lo, allow_insecure_counts_clear_text)
{
	long before = counter("out_insecure_allowed");
	struct socksec_query q;
	char buf[256];
	int c, a;

	c = client(_metadata, self, SOCKSEC_PROTO_KTLS, SOCKSEC_ALLOW_INSECURE, &a);
	ASSERT_GE(c, 0);
	ASSERT_EQ(sizeof(secret), send(c, secret, sizeof(secret), 0));
	EXPECT_EQ(sizeof(secret), drain(a, buf, sizeof(buf), 300));
	EXPECT_GT(counter("out_insecure_allowed"), before);
	ASSERT_EQ(0, ss_query(c, SOL_IP, &q));
	EXPECT_TRUE(q.state & SOCKSEC_STATE_INSECURE) TH_LOG("state 0x%x", q.state);
	EXPECT_EQ(0, sock_error(c));
	close(c);
	close(a);
}

/* mode=audit: clear text goes, counted; nothing is aborted. */
TEST_F(lo, audit_counts_clear_text)
{
	long before = counter("out_audit");
	char buf[256];
	int c, a;

	ASSERT_EQ(0, sysfs_write("mode", "audit"));
	c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
	ASSERT_GE(c, 0);
	ASSERT_EQ(sizeof(secret), send(c, secret, sizeof(secret), 0));
	EXPECT_EQ(sizeof(secret), drain(a, buf, sizeof(buf), 300));
	EXPECT_GT(counter("out_audit"), before);
	EXPECT_EQ(0, sock_error(c));
	close(c);
	close(a);
}

/* A KTLS listener: each accepted socket handshakes on its own. */
TEST_F(lo, listener_children_judged_each)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char buf[512];
	int l, c, a, i;

	l = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(l, 0);
	ASSERT_EQ(0, ss_set(l, SOL_IP, SOCKSEC_PROTO_KTLS, 0));
	sin = self->sin;
	sin.sin_port = 0;
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&sin, len));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&sin, &len));
	ASSERT_EQ(0, listen(l, 4));
	for (i = 0; i < 2; i++) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_EQ(0, connect(c, (struct sockaddr *)&sin, sizeof(sin)));
		a = accept(l, NULL, NULL);
		ASSERT_GE(a, 0);
		if (i == 0) {
			ASSERT_EQ(sizeof(hello), send(a, hello, sizeof(hello), 0));
			ASSERT_EQ(0, ktls_install(a, TLS_TX, &aes128_12));
			ASSERT_EQ(sizeof(secret), send(a, secret, sizeof(secret), 0));
			EXPECT_EQ(sizeof(hello) + sizeof(secret) + aes128_12.overhead,
				  drain(c, buf, sizeof(buf), 300));
			EXPECT_EQ(0, sock_error(a));
		} else {
			send(a, secret, sizeof(secret), MSG_NOSIGNAL);
			EXPECT_EQ(EACCES, refusal(a));
			EXPECT_EQ(0, drain(c, buf, sizeof(buf), 100));
		}
		close(c);
		close(a);
	}
	close(l);
}

/* The tcp_fastopen sysctl; returns 0 or errno. */
static int fastopen_sysctl(char *old, size_t len, const char *val)
{
	const char *path = "/proc/sys/net/ipv4/tcp_fastopen";
	FILE *f = fopen(path, "r");
	int err = 0;

	if (!f)
		return errno;
	if (old && !fgets(old, len, f))
		err = EIO;
	fclose(f);
	f = fopen(path, "w");
	if (!f)
		return errno;
	if (fputs(val, f) < 0)
		err = EIO;
	if (fclose(f))
		err = errno;
	return err;
}

/*
 * Fast Open: the handshake's first record rides in the SYN, whose own
 * sequence number comes before the data's.
 */
TEST_F(lo, fast_open_first_record_in_syn)
{
	int qlen = 8, l, c, a;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char old[32], buf[512];

	/* Client and server, no cookie needed either way. */
	ASSERT_EQ(0, fastopen_sysctl(old, sizeof(old), "519"));
	l = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_GE(l, 0);
	sin = self->sin;
	sin.sin_port = 0;
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&sin, len));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&sin, &len));
	ASSERT_EQ(0, setsockopt(l, SOL_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)));
	ASSERT_EQ(0, listen(l, 4));

	c = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, ss_set(c, SOL_IP, SOCKSEC_PROTO_KTLS, 0));
	ASSERT_EQ(15, sendto(c, hello, 15, MSG_FASTOPEN,
			     (struct sockaddr *)&sin, sizeof(sin)));
	a = accept(l, NULL, NULL);
	ASSERT_GE(a, 0);
	ASSERT_EQ(sizeof(hello) - 15, send(c, hello + 15, sizeof(hello) - 15, 0));
	ASSERT_EQ(0, ktls_install(c, TLS_TX, &aes128_12));
	ASSERT_EQ(sizeof(secret), send(c, secret, sizeof(secret), 0));
	EXPECT_EQ(sizeof(hello) + sizeof(secret) + aes128_12.overhead,
		  drain(a, buf, sizeof(buf), 300));
	EXPECT_EQ(0, memcmp(buf, hello, sizeof(hello)));
	EXPECT_EQ(0, sock_error(c));
	close(c);
	close(a);
	close(l);
	EXPECT_EQ(0, fastopen_sysctl(NULL, 0, old));
}

/*
 * A first transmission lost before socksec's hook (here to a firewall
 * rule ahead of it) is not the end of the stream's judging: the tracker
 * began at the SYN, and the clear bytes are refused when TCP sends them
 * again, though kernel TLS is installed by then.
 */
TEST_F(lo, lost_first_transmission_still_judged)
{
	static const char long_secret[] =
		"SECRET-CLEAR-TEXT-LOST-ONCE-AND-SENT-AGAIN-LATER";
	char buf[1024];
	FILE *nft;
	size_t got;
	int c, a;

	c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
	ASSERT_GE(c, 0);
	/* Payload segments to the peer die ahead of socksec's hook. */
	nft = popen("nft -f -", "w");
	ASSERT_NE(NULL, nft);
	fprintf(nft, "table inet socksec_lost {\n");
	fprintf(nft, "  chain out { type filter hook output priority 0;\n");
	fprintf(nft, "    tcp dport %d meta length gt 80 drop\n",
		ntohs(self->sin.sin_port));
	fprintf(nft, "  }\n}\n");
	ASSERT_EQ(0, pclose(nft));
	send(c, long_secret, sizeof(long_secret), MSG_NOSIGNAL);
	usleep(50000);
	ASSERT_EQ(0, ktls_install(c, TLS_TX, &aes128_12));
	ASSERT_EQ(0, system("nft delete table inet socksec_lost"));
	send(c, "x", 1, MSG_NOSIGNAL);
	EXPECT_EQ(EACCES, refusal(c));
	got = drain(a, buf, sizeof(buf), 1500);
	EXPECT_EQ(NULL, memmem(buf, got, long_secret, sizeof(long_secret) - 1));
	close(c);
	close(a);
}

/*
 * close() with kernel TLS records still queued: the kernel drops the
 * TLS context before TCP sends them, and they are past the stream's
 * boundary, so they go out as what they are.
 */
TEST_F(lo, close_sends_queued_records)
{
	static char data[300000];
	size_t want, got;
	char *buf;
	int c, a;

	buf = malloc(sizeof(data) * 2);
	ASSERT_NE(NULL, buf);
	c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
	ASSERT_GE(c, 0);
	ASSERT_EQ(sizeof(hello), send(c, hello, sizeof(hello), 0));
	ASSERT_EQ(0, ktls_install(c, TLS_TX, &aes128_12));
	ASSERT_EQ(sizeof(data), send(c, data, sizeof(data), 0));
	close(c);
	want = sizeof(hello) + sizeof(data) +
	       (sizeof(data) + 16383) / 16384 * aes128_12.overhead;
	got = drain(a, buf, sizeof(data) * 2, 1000);
	EXPECT_EQ(want, got);
	free(buf);
	close(a);
}

/* No settings: clear text, then kernel TLS, as without socksec. */
TEST_F(lo, unprotected_socket_unaffected)
{
	char buf[512];
	int c, a;

	c = client(_metadata, self, 0, 0, &a);
	ASSERT_GE(c, 0);
	ASSERT_EQ(sizeof(secret), send(c, secret, sizeof(secret), 0));
	ASSERT_EQ(0, ktls_install(c, TLS_TX, &aes128_12));
	ASSERT_EQ(sizeof(secret), send(c, secret, sizeof(secret), 0));
	EXPECT_EQ(2 * sizeof(secret) + aes128_12.overhead,
		  drain(a, buf, sizeof(buf), 300));
	EXPECT_EQ(0, sock_error(c));
	close(c);
	close(a);
}

/* Kernel TLS from the first byte (no handshake on this socket): fine. */
TEST_F(lo, ktls_from_the_first_byte)
{
	static char big[60000];
	size_t want, got = 0;
	char *buf;
	int c, a;

	buf = malloc(sizeof(big) * 2);
	ASSERT_NE(NULL, buf);
	c = client(_metadata, self, SOCKSEC_PROTO_KTLS, 0, &a);
	ASSERT_GE(c, 0);
	ASSERT_EQ(0, ktls_install(c, TLS_TX, &aes128_12));
	/* More than the budget: kernel TLS's own bytes are not charged. */
	ASSERT_EQ(0, sysfs_write("ktls_handshake_budget", "0"));
	ASSERT_EQ(sizeof(big), send(c, big, sizeof(big), 0));
	/* Records of at most 16 KiB each, every one with its overhead. */
	want = sizeof(big) + (sizeof(big) + 16383) / 16384 * aes128_12.overhead;
	got = drain(a, buf, sizeof(big) * 2, 500);
	EXPECT_EQ(want, got);
	EXPECT_EQ(0, sock_error(c));
	free(buf);
	close(c);
	close(a);
}

TEST_HARNESS_MAIN
