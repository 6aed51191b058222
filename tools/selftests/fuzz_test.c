// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded random inputs against socksec's socket options, interleaved with
 * what programs do to sockets.
 *
 * Option calls: every option number of socksec's range and around it, on
 * SOL_IP and SOL_IPV6, lengths from 0 to past a page, settings valid and
 * not, zero and non-zero tails, aligned, unaligned, NULL and faulting
 * buffers. Between them, on the same socket: bind, listen, accept (the run
 * goes on with the accepted socket), connect (to a loopback listener or a
 * closed port, or a listener whose queue is full, which leaves it in
 * SYN_SENT) and disconnect, shutdown, close (a new socket of a random
 * kind), dup and dup3 (the run goes on with the duplicate, the old
 * descriptor stays in use too), fork (the child makes a few option calls
 * on the inherited descriptor), SCM_RIGHTS (the descriptor goes through an
 * AF_UNIX pair, sometimes as its only reference) and kernel TLS (TCP_ULP,
 * TLS_TX, TLS_RX). Sockets: TCP, UDP, raw, UDP-Lite, SCTP, MPTCP of both
 * families, AF_UNIX stream, datagram and seqpacket, AF_PACKET and
 * AF_NETLINK (kinds whose socket() the kernel does not support are
 * skipped and named).
 *
 * The test keeps a model of each socket: its settings, its state as far
 * as socksec's rules need it, what kernel TLS installed. Every call must
 * give exactly the result the ABI documents for that input in that state
 * (on a family or level socksec does not serve, the kernel's own answer),
 * a failed set must change nothing (settings, socksec's bits in the
 * mark), a successful one must read back, an accepted socket must carry
 * its listener's settings, and every descriptor of a socket must show the
 * same settings.
 *
 * The seed, the count of inputs and the counts per operation are printed.
 * SOCKSEC_FUZZ_SEED gives another seed, SOCKSEC_FUZZ_N another count.
 * The run is a function of the seed alone (fork children use a seed
 * derived from it and the input number) and does not depend on timing: on
 * a failure, the seed and the input number reproduce it
 * (SOCKSEC_FUZZ_N=number+1), and the failing socket's history is printed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/tcp.h>
#include <linux/netlink.h>
#include <linux/tls.h>
#include "socksec_test.h"
#include "kselftest_harness.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

#define DEFAULT_N	100000
#define DEFAULT_SEED	0x50c5ec0ffeeULL
#define HIST		128	/* inputs of the current socket kept for a report */
#define DUP3_BASE	900	/* dup3() targets: DUP3_BASE .. DUP3_BASE + 19 */

/* What reaches socksec's handlers. */
enum kclass {
	K_TCP,		/* socksec: TCP */
	K_UDP,		/* socksec: UDP */
	K_INET,		/* socksec: neither (ESOCKTNOSUPPORT) */
	K_MPTCP,	/* the MPTCP layer answers */
	K_UNIX,		/* no IP level at all */
	K_FOREIGN,	/* packet, netlink: their own levels only */
};

struct kind {
	const char *name;
	int family, type, proto, cls;
};

/* The first four are chosen more often: socksec's rules are about them. */
static const struct kind kinds[] = {
	{ "tcp4", AF_INET, SOCK_STREAM, 0, K_TCP },
	{ "tcp6", AF_INET6, SOCK_STREAM, 0, K_TCP },
	{ "udp4", AF_INET, SOCK_DGRAM, 0, K_UDP },
	{ "udp6", AF_INET6, SOCK_DGRAM, 0, K_UDP },
	{ "raw4", AF_INET, SOCK_RAW, IPPROTO_UDP, K_INET },
	{ "raw6", AF_INET6, SOCK_RAW, IPPROTO_TCP, K_INET },
	{ "udplite4", AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE, K_INET },
	{ "udplite6", AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE, K_INET },
	{ "sctp4", AF_INET, SOCK_STREAM, IPPROTO_SCTP, K_INET },
	{ "sctp6-seqpacket", AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP, K_INET },
	{ "mptcp4", AF_INET, SOCK_STREAM, IPPROTO_MPTCP, K_MPTCP },
	{ "mptcp6", AF_INET6, SOCK_STREAM, IPPROTO_MPTCP, K_MPTCP },
	{ "unix-stream", AF_UNIX, SOCK_STREAM, 0, K_UNIX },
	{ "unix-dgram", AF_UNIX, SOCK_DGRAM, 0, K_UNIX },
	{ "unix-seqpacket", AF_UNIX, SOCK_SEQPACKET, 0, K_UNIX },
	{ "packet", AF_PACKET, SOCK_RAW, 0, K_FOREIGN },
	{ "packet-dgram", AF_PACKET, SOCK_DGRAM, 0, K_FOREIGN },
	{ "netlink", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, K_FOREIGN },
};

enum op {
	OP_SET, OP_GET, OP_CLOSE, OP_BIND, OP_LISTEN, OP_ACCEPT, OP_CONNECT,
	OP_DISCONNECT, OP_SHUTDOWN, OP_DUP, OP_FORK, OP_SCM, OP_KTLS,
	OP_CHILD_CALL, OP_NR
};

static const char *const op_names[OP_NR] = {
	"set", "get", "close", "bind", "listen", "accept", "connect",
	"disconnect", "shutdown", "dup", "fork", "scm_rights", "ktls",
	"fork-child-call",
};

/* How often each operation other than set and get comes. */
static const unsigned int op_weights[OP_NR] = {
	[OP_CLOSE] = 20, [OP_BIND] = 10, [OP_LISTEN] = 10, [OP_ACCEPT] = 12,
	[OP_CONNECT] = 15, [OP_DISCONNECT] = 6, [OP_SHUTDOWN] = 8,
	[OP_DUP] = 8, [OP_FORK] = 1, [OP_SCM] = 8, [OP_KTLS] = 10,
};

/*
 * A socket's state as far as socksec's rules tell results apart. TCP:
 * FRESH and BOUND are TCP_CLOSE (a set succeeds), LISTEN, SYNSENT and
 * CONN are not (EISCONN), SHUT is a connection being shut down, which
 * reaches TCP_CLOSE when the FINs are through. UDP: FRESH has no port,
 * BOUND has one, CONN is connected.
 */
enum st { ST_FRESH, ST_BOUND, ST_LISTEN, ST_SYNSENT, ST_CONN, ST_SHUT };

/* Where a buffer points. */
enum bufk { B_PAGE, B_UNALIGNED, B_NULL, B_HOLE };

struct hist {
	unsigned long i;
	int op, level, opt, len, bufk, r;
	__u32 w0, w1;
};

struct model {
	int fd, alias;		/* alias: another descriptor of it, or -1 */
	const struct kind *k;
	int st;
	bool has;
	struct socksec_settings s;
	unsigned int tls;	/* SOCKSEC_TLS_* installed */
	bool connecting;	/* a connect() may be pending: never block */
};

struct fuzz {
	unsigned long long seed, rng;
	unsigned long i, n;
	bool failed, child;
	unsigned char *page, *hole;
	long psz;
	__u32 mark;		/* ipsec_mark: socksec's bit in sk_mark */
	struct model m;
	int peer;		/* the client an accept was given */
	int sp[2];		/* for SCM_RIGHTS */
	int tcp_l[2], tcp_closed[2];
	struct sockaddr_storage tcp_addr[2], closed_addr[2], full_addr[2];
	socklen_t tcp_len[2], closed_len[2], full_len[2];
	int full_l[2], full_c[2][2];	/* listeners whose queue is full */
	int unix_l[3];		/* stream and seqpacket listeners, dgram */
	struct sockaddr_un unix_addr[4];	/* ... and a name nobody has */
	socklen_t unix_len[4];
	const struct kind *avail[ARRAY_SIZE(kinds)];
	unsigned int navail;
	unsigned long count[OP_NR], kcount[ARRAY_SIZE(kinds)];
	double secs[OP_NR];
	/* Outcomes: the inputs that got somewhere. */
	unsigned long set_ok, tls_tx, tls_rx, tls_set, inherited, syn_sent;
	unsigned long child_ok;
	struct hist hist[HIST];
	unsigned int nhist;
};

static unsigned int rnd(struct fuzz *f, unsigned int n)
{
	/* xorshift64*: small, fast and reproducible from the seed. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return (unsigned int)((f->rng * 2685821657736338717ULL) >> 32) % n;
}

static const char *err_name(int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	return !err ? "0" : name ? name : "?";
}

static struct hist *record(struct fuzz *f, int op, int level, int opt,
			   int len, int bufk, int r)
{
	struct hist *h = &f->hist[f->nhist++ % HIST];

	h->i = f->i;
	h->op = op;
	h->level = level;
	h->opt = opt;
	h->len = len;
	h->bufk = bufk;
	h->r = r;
	h->w0 = ((__u32 *)f->page)[0];
	h->w1 = ((__u32 *)f->page)[1];
	return h;
}

/* A failure: what went wrong and the history of the socket it happened on. */
static void report(struct fuzz *f, const char *fmt, ...)
{
	static const char *const bufs[] = { "page", "page+1", "NULL", "hole-4" };
	unsigned int j = f->nhist > HIST ? f->nhist - HIST : 0;
	va_list ap;

	printf("# seed 0x%llx, input %lu%s (%s, fd %d): ", f->seed, f->i,
	       f->child ? " (fork child)" : "", f->m.k->name, f->m.fd);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n# that socket's inputs:\n");
	for (; j < f->nhist; j++) {
		const struct hist *h = &f->hist[j % HIST];

		if (h->op == OP_SET || h->op == OP_GET)
			printf("#   %lu %s level %d opt %d len %d buf %s words 0x%x 0x%x: %s\n",
			       h->i, op_names[h->op], h->level, h->opt, h->len,
			       bufs[h->bufk], h->w0, h->w1, err_name(h->r));
		else
			printf("#   %lu %s %d: %s\n", h->i, op_names[h->op], h->opt,
			       err_name(h->r));
	}
	fflush(stdout);
	f->failed = true;
}

static socklen_t loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(struct sockaddr_in);
	}
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

static int fam6(const struct kind *k)
{
	return k->family == AF_INET6;
}

/* The level a kind's settings live on. */
static int home_level(const struct kind *k)
{
	return k->family == AF_INET6 ? SOL_IPV6 : SOL_IP;
}

/*
 * Where an option call on this kind and level ends: 0 when socksec's
 * handlers get it, else the kernel's own answer as a negative errno
 * (measured on Debian's 6.1 and 6.12 kernels). AF_UNIX has no option level but SOL_SOCKET;
 * packet and netlink sockets refuse levels not theirs; IPv4 sockets refuse
 * SOL_IPV6 (ip_setsockopt() and ip_getsockopt() disagree on the errno);
 * raw IPv6 sockets do not hand SOL_IP to the IPv4 layer; MPTCP knows a
 * few IP options of its own and nothing else, until it falls back to TCP:
 * from then on it hands every get, and sets (which ones varies), to
 * its TCP subflow, and socksec answers for that (the callers see to it).
 */
static int route(const struct kind *k, int level, bool set)
{
	switch (k->cls) {
	case K_UNIX:
		return -EOPNOTSUPP;
	case K_FOREIGN:
		return -ENOPROTOOPT;
	case K_MPTCP:
		return set ? -ENOPROTOOPT : -EOPNOTSUPP;
	}
	if (k->family == AF_INET && level == SOL_IPV6)
		return set ? -ENOPROTOOPT : -EOPNOTSUPP;
	if (k->family == AF_INET6 && k->type == SOCK_RAW && level == SOL_IP)
		return -ENOPROTOOPT;
	return 0;
}

/* The settings of fd as raw bytes (or an errno in the first word). */
static int snapshot(int fd, int level, struct socksec_settings *s)
{
	socklen_t len = sizeof(*s);

	if (getsockopt(fd, level, SOCKSEC_SETTINGS, s, &len))
		return errno;
	return len == sizeof(*s) ? 0 : EMSGSIZE;
}

/*
 * The bits socksec keeps in a socket's mark: ipsec_mark when it requires
 * IPsec, the next bit up when it also allows clear text, none for KTLS.
 */
static __u32 mark_of(const struct fuzz *f, const struct model *m)
{
	if (!m->has || m->s.protocol == SOCKSEC_PROTO_KTLS)
		return 0;
	return m->s.flags & SOCKSEC_ALLOW_INSECURE ? f->mark << 1 : f->mark;
}

/* Every descriptor of the socket shows the settings (and mark) of the model. */
static void check_model(struct fuzz *f, const char *what)
{
	const struct model *m = &f->m;
	int fds[2] = { m->fd, m->alias }, j;

	if (route(m->k, home_level(m->k), false) && m->k->cls != K_MPTCP)
		return;
	for (j = 0; j < 2 && fds[j] >= 0 && !f->failed; j++) {
		struct socksec_settings s;
		int err = snapshot(fds[j], home_level(m->k), &s);
		socklen_t len = sizeof(__u32);
		__u32 mark = 0;

		if ((m->k->cls == K_TCP || m->k->cls == K_UDP) &&
		    (getsockopt(fds[j], SOL_SOCKET, SO_MARK, &mark, &len) ||
		     (mark & (f->mark | f->mark << 1)) != mark_of(f, m)))
			report(f, "%s: fd %d: mark 0x%x, socksec's bits should be 0x%x",
			       what, fds[j], mark, mark_of(f, m));

		/* MPTCP: EOPNOTSUPP, or its TCP subflow's settings. */
		if (m->k->cls == K_MPTCP && err == EOPNOTSUPP)
			continue;
		if (!m->has && err != ENODATA) {
			report(f, "%s: fd %d: no settings expected, got %s (%u/%u)",
			       what, fds[j], err_name(err), s.protocol, s.flags);
		} else if (m->has && (err || memcmp(&s, &m->s, sizeof(s)))) {
			report(f, "%s: fd %d: settings %u/%u expected, got %s (%u/%u)",
			       what, fds[j], m->s.protocol, m->s.flags,
			       err_name(err), s.protocol, s.flags);
		}
	}
}

static void *buf_of(struct fuzz *f, int bufk)
{
	switch (bufk) {
	case B_NULL:
		return NULL;
	case B_HOLE:
		return f->hole - 4;
	case B_UNALIGNED:
		return f->page + 1;
	default:
		return f->page;
	}
}

/* A random option input: number, level, length, buffer and contents. */
static void gen_input(struct fuzz *f, int *opt, int *level, socklen_t *len,
		      int *bufk)
{
	int home = home_level(f->m.k), fill;

	/* One in four: settings that are valid for some socket. */
	if (!rnd(f, 4)) {
		*opt = SOCKSEC_SETTINGS;
		*level = home;
		*len = sizeof(struct socksec_settings) + (rnd(f, 4) ? 0 : rnd(f, 64));
		memset(f->page, 0, *len + 1);
		((__u32 *)f->page)[0] = rnd(f, SS_PROTO_LAST + 1);
		((__u32 *)f->page)[1] = rnd(f, SS_FLAGS_ALL);
		*bufk = rnd(f, 4) ? B_PAGE : B_UNALIGNED;
		if (*bufk == B_UNALIGNED)
			memmove(f->page + 1, f->page, 8);
		return;
	}
	*opt = SOCKSEC_SETTINGS - 1 + rnd(f, 5);
	*level = rnd(f, 4) ? home : home == SOL_IP ? SOL_IPV6 : SOL_IP;
	/* Lengths: around the structures, zero, past a page. */
	switch (rnd(f, 4)) {
	case 0:
		*len = rnd(f, sizeof(struct socksec_query) + 8);
		break;
	case 1:
		*len = sizeof(struct socksec_settings);
		break;
	case 2:
		*len = rnd(f, 32);
		break;
	default:
		*len = f->psz - 16 + rnd(f, 48);
		break;
	}
	/* Contents: mostly near-valid settings, a tail that may not be zero. */
	fill = rnd(f, 8) ? 0 : rnd(f, 256);
	memset(f->page, fill, f->psz);
	((__u32 *)f->page)[0] = rnd(f, 8) ? rnd(f, SS_PROTO_LAST + 3) : rnd(f, ~0u);
	((__u32 *)f->page)[1] = rnd(f, 8) ? rnd(f, 5) : rnd(f, ~0u);
	/* Buffers: aligned, unaligned, NULL, or running into the hole. */
	switch (rnd(f, 8)) {
	case 0:
		*bufk = B_NULL;
		break;
	case 1:
		*bufk = B_HOLE;
		break;
	case 2:
		*bufk = B_UNALIGNED;
		memmove(f->page + 1, f->page, 8);
		break;
	default:
		*bufk = B_PAGE;
		break;
	}
}

/*
 * What copying the settings in gives: copy_struct_from_user() rules over
 * the page, whose next page is unmapped (the kernel reads the tail word
 * by word, in order, and the hole starts on a word boundary, so reading
 * it byte by byte here finds the same first non-zero byte or fault).
 */
static int predict_copy(struct fuzz *f, const unsigned char *buf,
			socklen_t len)
{
	const unsigned char *end = f->page + f->psz, *p;

	if (len < sizeof(struct socksec_settings))
		return -EINVAL;
	if (len > (socklen_t)f->psz)
		return -E2BIG;
	for (p = buf + sizeof(struct socksec_settings); p < buf + len; p++) {
		if (!buf || p >= end)
			return -EFAULT;
		if (*p)
			return -E2BIG;
	}
	if (!buf || buf + sizeof(struct socksec_settings) > end)
		return -EFAULT;
	return 0;
}

/* 0 or EISCONN (a TCP connection on its way to TCP_CLOSE). */
#define ZERO_OR_EISCONN 1

/* What a set through socksec must give, from the input and the model. */
static int predict_set(struct fuzz *f, int opt, const unsigned char *buf,
		       socklen_t len, struct socksec_settings *want)
{
	const struct model *m = &f->m;
	int err, cls = m->k->cls;

	if (opt != SOCKSEC_SETTINGS)
		return -ENOPROTOOPT;
	err = predict_copy(f, buf, len);
	if (err)
		return err;
	memcpy(want, buf, sizeof(*want));
	if (want->protocol > SS_PROTO_LAST)
		return -EPROTONOSUPPORT;
	if ((want->flags & ~SS_FLAGS_ALL) || want->flags == SS_FLAGS_ALL)
		return -EINVAL;
	/* An MPTCP socket in fallback: its TCP subflow's answer. */
	if (cls == K_MPTCP)
		return ZERO_OR_EISCONN;
	if (cls != K_TCP && cls != K_UDP)
		return -ESOCKTNOSUPPORT;
	if (want->protocol == SOCKSEC_PROTO_KTLS && cls != K_TCP)
		return -EPROTOTYPE;
	switch (m->st) {
	case ST_LISTEN:
	case ST_SYNSENT:
	case ST_CONN:
		return -EISCONN;
	case ST_SHUT:
		return m->k->cls == K_TCP ? ZERO_OR_EISCONN : EISCONN;
	case ST_BOUND:
		if (m->k->cls == K_UDP && m->has &&
		    memcmp(want, &m->s, sizeof(*want)))
			return -EALREADY;
		return 0;
	default:
		return 0;
	}
}

static int pick_fd(struct fuzz *f)
{
	return f->m.alias >= 0 && rnd(f, 2) ? f->m.alias : f->m.fd;
}

static void do_set(struct fuzz *f)
{
	struct socksec_settings want = { 0 };
	int opt, level, bufk, fd = pick_fd(f), r, err, expect;
	struct hist *h;
	socklen_t len;
	void *buf;

	gen_input(f, &opt, &level, &len, &bufk);
	buf = buf_of(f, bufk);
	h = record(f, OP_SET, level, opt, len, bufk, 0);
	r = setsockopt(fd, level, opt, buf, len);
	err = r ? errno : 0;
	h->r = err;
	expect = route(f->m.k, level, true);
	/*
	 * MPTCP refuses socksec's options, or, once it has fallen back to
	 * TCP, hands them (some or all, by kernel) to its TCP subflow.
	 */
	if (f->m.k->cls == K_MPTCP && -err != expect)
		expect = 0;
	if (!expect)
		expect = predict_set(f, opt, buf, len, &want);
	if (expect == ZERO_OR_EISCONN ? err && err != EISCONN : -err != expect) {
		report(f, "set: %s expected, got %s",
		       expect == ZERO_OR_EISCONN ? "0 or EISCONN" : err_name(-expect),
		       err_name(err));
		return;
	}
	if (!err) {
		f->m.has = true;
		f->m.s = want;
		f->set_ok++;
	}
	check_model(f, err ? "after a failed set" : "after a set");
}

/* What SOCKSEC_QUERY said: the settings in force, tls_dirs installed. */
static void check_query(struct fuzz *f, const unsigned char *buf, socklen_t l)
{
	const struct model *m = &f->m;
	struct socksec_query q;
	socklen_t j;

	memset(&q, 0, sizeof(q));
	memcpy(&q, buf, l);
	if (!m->has) {
		for (j = 0; j < l; j++)
			if (buf[j]) {
				report(f, "query: no settings, byte %u is 0x%x", j, buf[j]);
				return;
			}
		return;
	}
	if (!(q.state & SOCKSEC_STATE_REQUIRED) || !q.protocol ||
	    q.protocol > SS_PROTO_LAST || (q.flags & ~SS_FLAGS_ALL) ||
	    q.flags == SS_FLAGS_ALL ||
	    (m->s.protocol != SOCKSEC_PROTO_DEFAULT &&
	     (q.protocol != m->s.protocol || q.flags != m->s.flags))) {
		report(f, "query: settings %u/%u, got protocol %u flags %u state 0x%x",
		       m->s.protocol, m->s.flags, q.protocol, q.flags, q.state);
		return;
	}
	if (l >= offsetof(struct socksec_query, tls_dirs) + sizeof(q.tls_dirs) &&
	    q.tls_dirs != m->tls)
		report(f, "query: tls_dirs 0x%x, kernel TLS installed 0x%x",
		       q.tls_dirs, m->tls);
}

static void do_get(struct fuzz *f)
{
	const unsigned char *end = f->page + f->psz;
	int opt, level, bufk, fd = pick_fd(f), r, err, expect;
	socklen_t len, l, n;
	unsigned char *buf;
	struct hist *h;

	gen_input(f, &opt, &level, &len, &bufk);
	buf = buf_of(f, bufk);
	h = record(f, OP_GET, level, opt, len, bufk, 0);
	l = len;
	r = getsockopt(fd, level, opt, buf, &l);
	err = r ? errno : 0;
	h->r = err;
	expect = route(f->m.k, level, false);
	/* MPTCP in fallback hands every get to its TCP subflow. */
	if (f->m.k->cls == K_MPTCP && -err != expect)
		expect = 0;
	if (expect) {
		if (-err != expect)
			report(f, "get: %s expected, got %s", err_name(-expect),
			       err_name(err));
		return;
	}
	n = sizeof(struct socksec_settings);
	if (opt == SOCKSEC_SETTINGS) {
		expect = (int)len < (int)n ? -EINVAL : !f->m.has ? -ENODATA :
			 !buf || buf + n > end ? -EFAULT : 0;
	} else if (opt == SOCKSEC_QUERY) {
		n = len < sizeof(struct socksec_query) ? len :
		    sizeof(struct socksec_query);
		expect = (int)len < (int)offsetof(struct socksec_query, spi_out) ?
			 -EINVAL : !buf || buf + n > end ? -EFAULT : 0;
	} else {
		expect = -ENOPROTOOPT;
	}
	if (-err != expect) {
		report(f, "get %d len %u: %s expected, got %s", opt, len,
		       err_name(-expect), err_name(err));
		return;
	}
	if (err)
		return;
	if (l != n) {
		report(f, "get %d len %u: length %u returned, %u expected", opt,
		       len, l, n);
		return;
	}
	if (opt == SOCKSEC_SETTINGS && memcmp(buf, &f->m.s, n))
		report(f, "get: settings %u/%u expected, got %u/%u",
		       f->m.s.protocol, f->m.s.flags, ((__u32 *)buf)[0],
		       ((__u32 *)buf)[1]);
	else if (opt == SOCKSEC_QUERY)
		check_query(f, buf, l);
}

static void option_call(struct fuzz *f)
{
	if (rnd(f, 2))
		do_set(f);
	else
		do_get(f);
}

/* Close what the helper listeners accepted. */
static void drain_helpers(struct fuzz *f)
{
	int ls[4] = { f->tcp_l[0], f->tcp_l[1], f->unix_l[0], f->unix_l[1] };
	int j, a;

	for (j = 0; j < 4; j++)
		while (ls[j] >= 0 && (a = accept(ls[j], NULL, NULL)) >= 0)
			close(a);
}

static void close_current(struct fuzz *f)
{
	if (f->m.fd >= 0)
		close(f->m.fd);
	if (f->m.alias >= 0)
		close(f->m.alias);
	if (f->peer >= 0)
		close(f->peer);
	f->m.fd = -1;
	f->m.alias = -1;
	f->peer = -1;
}

static void new_socket(struct fuzz *f)
{
	const struct kind *k;

	close_current(f);
	drain_helpers(f);
	k = f->avail[rnd(f, 2) ? rnd(f, 4) : rnd(f, f->navail)];
	memset(&f->m, 0, sizeof(f->m));
	f->m.k = k;
	f->m.alias = -1;
	f->m.st = ST_FRESH;
	f->m.fd = socket(k->family, k->type, k->proto);
	f->kcount[k - kinds]++;
	f->nhist = 0;
	if (f->m.fd < 0)
		report(f, "socket: %s", err_name(errno));
}

/* A nonblocking call on a socket whose file is blocking. */
static int accept_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL), a, err;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	a = accept(fd, NULL, NULL);
	err = errno;
	fcntl(fd, F_SETFL, fl);
	errno = err;
	return a;
}

static int connect_nonblock(int fd, const struct sockaddr *sa, socklen_t len)
{
	int fl = fcntl(fd, F_GETFL), r, err;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	r = connect(fd, sa, len);
	err = errno;
	fcntl(fd, F_SETFL, fl);
	errno = err;
	return r;
}

static int do_bind(struct fuzz *f)
{
	const struct kind *k = f->m.k;
	struct sockaddr_storage ss;
	socklen_t len;
	int r;

	if (k->family == AF_UNIX) {
		/* Autobind: an abstract name of the kernel's choosing. */
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = AF_UNIX;
		len = sizeof(sa_family_t);
	} else {
		len = loopback(fam6(k) ? AF_INET6 : AF_INET, &ss);
	}
	r = bind(f->m.fd, (struct sockaddr *)&ss, len);
	if (!r && f->m.st == ST_FRESH)
		f->m.st = ST_BOUND;
	return r ? errno : 0;
}

static int do_listen(struct fuzz *f)
{
	int r = listen(f->m.fd, 16);

	if (!r)
		f->m.st = ST_LISTEN;
	return r ? errno : 0;
}

/*
 * Connect to a loopback peer (listener or datagram socket), a closed port,
 * or, for TCP, a listener whose queue is full: its SYNs are dropped and
 * the socket stays in SYN_SENT (with 127 retries, for the whole run).
 */
static int do_connect(struct fuzz *f, int *target)
{
	const struct kind *k = f->m.k;
	int r, j, syncnt = 127, pick = rnd(f, 6);
	bool closed = pick < 2, full = pick == 2;
	struct sockaddr_storage ss;
	const struct sockaddr *sa;
	socklen_t len;

	*target = pick;
	if (full && k->family != AF_UNIX && k->type == SOCK_STREAM &&
	    k->cls != K_INET) {
		j = fam6(k);
		setsockopt(f->m.fd, SOL_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt));
		r = connect_nonblock(f->m.fd, (struct sockaddr *)&f->full_addr[j],
				     f->full_len[j]);
		if (r && errno == EINPROGRESS) {
			f->m.connecting = true;
			f->syn_sent++;
			if (k->cls == K_TCP)
				f->m.st = ST_SYNSENT;
		}
		return r ? errno : 0;
	}
	if (k->family == AF_UNIX) {
		j = closed ? 3 : k->type == SOCK_STREAM ? 0 :
		    k->type == SOCK_SEQPACKET ? 1 : 2;
		sa = (struct sockaddr *)&f->unix_addr[j];
		len = f->unix_len[j];
	} else if (k->type == SOCK_STREAM && k->cls != K_INET) {
		j = fam6(k);
		sa = (struct sockaddr *)(closed ? &f->closed_addr[j] : &f->tcp_addr[j]);
		len = closed ? f->closed_len[j] : f->tcp_len[j];
	} else {
		/* Datagrams, raw, SCTP: port 9 or the closed TCP port. */
		len = loopback(fam6(k) ? AF_INET6 : AF_INET, &ss);
		if (closed)
			memcpy(&ss, &f->closed_addr[fam6(k)], len);
		else
			((struct sockaddr_in *)&ss)->sin_port = htons(9);
		sa = (struct sockaddr *)&ss;
	}
	/*
	 * SCTP waits for its association, and a blocking connect() waits
	 * for a pending one: never. A TCP connect() in progress to a
	 * loopback listener or closed port ends when the SYN-ACK or the
	 * reset is through: wait for that.
	 */
	if (k->proto == IPPROTO_SCTP || f->m.connecting)
		r = connect_nonblock(f->m.fd, sa, len);
	else
		r = connect(f->m.fd, sa, len);
	if (r && errno == EINPROGRESS && k->proto != IPPROTO_SCTP) {
		struct pollfd p = { .fd = f->m.fd, .events = POLLOUT };

		if (poll(&p, 1, 10000) != 1) {
			report(f, "connect: still in progress after 10 s");
			return -1;
		}
		errno = sock_error(f->m.fd);
		r = errno ? -1 : 0;
	}
	if (!r)
		f->m.st = ST_CONN;
	else if (errno == ECONNREFUSED && (k->cls == K_TCP || k->cls == K_MPTCP))
		f->m.st = ST_BOUND;	/* back to TCP_CLOSE, with a port */
	return r ? errno : 0;
}

/*
 * connect(AF_UNSPEC): TCP (and MPTCP) aborts to TCP_CLOSE, listeners too;
 * UDP drops its peer and, as the port was the kernel's choice, the port.
 */
static int do_disconnect(struct fuzz *f)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	int r = connect(f->m.fd, &sa, sizeof(sa));

	if (!r && (f->m.k->cls == K_TCP || f->m.k->cls == K_MPTCP))
		f->m.st = ST_BOUND;
	else if (!r && f->m.k->cls == K_UDP)
		f->m.st = ST_FRESH;
	return r ? errno : 0;
}

static int do_shutdown(struct fuzz *f, int how)
{
	int r = shutdown(f->m.fd, how);

	if (f->m.k->cls == K_TCP || f->m.k->cls == K_MPTCP) {
		/*
		 * A listener shut for reading stops listening, a connect in
		 * SYN_SENT is abandoned: TCP_CLOSE.
		 */
		if ((f->m.st == ST_LISTEN && how != SHUT_WR) ||
		    f->m.st == ST_SYNSENT)
			f->m.st = ST_BOUND;
		else if (f->m.st == ST_CONN)
			f->m.st = ST_SHUT;
	}
	return r ? errno : 0;
}

/*
 * Accept on the current socket. A listener gets a client first and the
 * run goes on with the accepted socket, which must carry the listener's
 * settings; elsewhere a nonblocking accept() must fail.
 */
static int do_accept(struct fuzz *f)
{
	const struct kind *k = f->m.k;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct pollfd p = { .fd = f->m.fd, .events = POLLIN };
	int c, a;

	if (f->m.st != ST_LISTEN || k->proto == IPPROTO_SCTP ||
	    (k->type != SOCK_STREAM && k->type != SOCK_SEQPACKET)) {
		a = accept_nonblock(f->m.fd);
		if (a >= 0) {
			report(f, "accept succeeded on a socket without a client");
			close(a);
			return 0;
		}
		return errno;
	}
	if (f->peer >= 0)
		close(f->peer);
	f->peer = -1;
	c = socket(k->family, k->type, k->family == AF_UNIX ? 0 : IPPROTO_TCP);
	if (c < 0 || getsockname(f->m.fd, (struct sockaddr *)&ss, &len) ||
	    connect(c, (struct sockaddr *)&ss, len)) {
		int err = errno;

		/* An AF_UNIX listener shut for reading refuses clients. */
		if (c < 0 || k->family != AF_UNIX || err != ECONNREFUSED)
			report(f, "accept: the client cannot connect: %s",
			       err_name(err));
		if (c >= 0)
			close(c);
		return err;
	}
	f->peer = c;
	/* The child is queued when connect() returns; poll() only in case. */
	if (poll(&p, 1, 10000) != 1) {
		report(f, "accept: nothing to accept after a connect");
		return -1;
	}
	a = accept_nonblock(f->m.fd);
	if (a < 0) {
		report(f, "accept: %s", err_name(errno));
		return errno;
	}
	close(f->m.fd);
	if (f->m.alias >= 0)
		close(f->m.alias);
	f->m.fd = a;
	f->m.alias = -1;
	f->m.st = ST_CONN;
	f->m.tls = 0;
	f->m.connecting = false;
	if (f->m.has)
		f->inherited++;
	check_model(f, "accepted: the listener's settings");
	return 0;
}

/* dup() or dup3(): the run goes on with the new descriptor. */
static int do_dup(struct fuzz *f, int *how)
{
	int nfd, target;

	if (f->m.alias >= 0)
		close(f->m.alias);
	f->m.alias = -1;
	*how = rnd(f, 2);
	if (*how) {
		target = DUP3_BASE + rnd(f, 20);
		if (target == f->m.fd)
			target++;
		nfd = dup3(f->m.fd, target, rnd(f, 2) ? O_CLOEXEC : 0);
	} else {
		nfd = dup(f->m.fd);
	}
	if (nfd < 0) {
		report(f, "dup: %s", err_name(errno));
		return errno;
	}
	f->m.alias = f->m.fd;
	f->m.fd = nfd;
	check_model(f, "dup: both descriptors");
	return 0;
}

/* Pass the descriptor through an AF_UNIX pair, maybe as its only reference. */
static int do_scm(struct fuzz *f, int *only)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fd = pick_fd(f), nfd;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(f->sp[0], &mh, 0) != 1) {
		report(f, "scm_rights: sendmsg: %s", err_name(errno));
		return errno;
	}
	*only = rnd(f, 2);
	if (*only) {
		/* In flight, the socket lives on in the message alone. */
		close(f->m.fd);
		if (f->m.alias >= 0)
			close(f->m.alias);
		f->m.fd = -1;
	} else if (f->m.alias >= 0) {
		close(f->m.alias);
	}
	f->m.alias = f->m.fd;
	memset(&u, 0, sizeof(u));
	mh.msg_controllen = sizeof(u.buf);
	if (recvmsg(f->sp[1], &mh, rnd(f, 2) ? MSG_CMSG_CLOEXEC : 0) != 1)
		cm = NULL;
	else
		cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS) {
		report(f, "scm_rights: recvmsg: %s", err_name(errno));
		return errno;
	}
	memcpy(&nfd, CMSG_DATA(cm), sizeof(int));
	f->m.fd = nfd;
	check_model(f, "scm_rights: the received descriptor");
	return 0;
}

/* Kernel TLS: the ULP, then TLS_TX, or TLS_RX once TLS_TX is in. */
static int do_ktls(struct fuzz *f, int *dir)
{
	struct tls12_crypto_info_aes_gcm_128 ci;
	int fd = pick_fd(f);

	*dir = 0;
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) &&
	    errno != EEXIST)
		return errno;
	memset(&ci, 0x11, sizeof(ci));
	ci.info.version = TLS_1_2_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	*dir = (f->m.tls & SOCKSEC_TLS_TX) && rnd(f, 2) ? TLS_RX : TLS_TX;
	if (setsockopt(fd, SOL_TLS, *dir, &ci, sizeof(ci)))
		return errno;
	f->m.tls |= *dir == TLS_TX ? SOCKSEC_TLS_TX : SOCKSEC_TLS_RX;
	if (*dir == TLS_TX)
		f->tls_tx++;
	else
		f->tls_rx++;
	if (f->m.has)
		f->tls_set++;
	return 0;
}

/*
 * A child makes a few option calls on the inherited descriptors, from a
 * seed of its own, checks them against its copy of the model and hands
 * the model back through a pipe; the parent checks the socket shows it.
 */
static int do_fork(struct fuzz *f)
{
	struct {
		unsigned int calls;
		bool has;
		struct socksec_settings s;
	} res;
	int p[2], status;
	pid_t pid;

	if (pipe(p)) {
		report(f, "fork: pipe: %s", err_name(errno));
		return errno;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		report(f, "fork: %s", err_name(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!pid) {
		unsigned int j;

		close(p[0]);
		f->child = true;
		f->rng = (f->seed ^ (f->i * 0x9e3779b97f4a7c15ULL)) | 1;
		res.calls = 1 + rnd(f, 16);
		for (j = 0; j < res.calls && !f->failed; j++)
			option_call(f);
		res.has = f->m.has;
		res.s = f->m.s;
		if (f->failed || write(p[1], &res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &res, sizeof(res)) != sizeof(res))
		memset(&res, 0, sizeof(res));
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		report(f, "fork: the child failed (status 0x%x)", status);
		return -1;
	}
	f->count[OP_CHILD_CALL] += res.calls;
	f->child_ok++;
	f->m.has = res.has;
	f->m.s = res.s;
	check_model(f, "fork: what the child set");
	return 0;
}

static int pick_op(struct fuzz *f)
{
	unsigned int total = 0, r, j;

	r = rnd(f, 1000);
	if (r < 440)
		return OP_SET;
	if (r < 880)
		return OP_GET;
	for (j = 0; j < OP_NR; j++)
		total += op_weights[j];
	r = rnd(f, total);
	for (j = 0; r >= op_weights[j]; j++)
		r -= op_weights[j];
	return j;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void one_input(struct fuzz *f)
{
	int op = pick_op(f), arg = 0, err = 0;
	double t = now();

	f->count[op]++;
	switch (op) {
	case OP_SET:
		do_set(f);
		f->secs[op] += now() - t;
		return;
	case OP_GET:
		do_get(f);
		f->secs[op] += now() - t;
		return;
	case OP_CLOSE:
		new_socket(f);
		break;
	case OP_BIND:
		err = do_bind(f);
		break;
	case OP_LISTEN:
		err = do_listen(f);
		break;
	case OP_ACCEPT:
		err = do_accept(f);
		break;
	case OP_CONNECT:
		err = do_connect(f, &arg);
		break;
	case OP_DISCONNECT:
		err = do_disconnect(f);
		break;
	case OP_SHUTDOWN:
		arg = rnd(f, 3);
		err = do_shutdown(f, arg);
		break;
	case OP_DUP:
		err = do_dup(f, &arg);
		break;
	case OP_FORK:
		err = do_fork(f);
		break;
	case OP_SCM:
		err = do_scm(f, &arg);
		break;
	case OP_KTLS:
		err = do_ktls(f, &arg);
		break;
	}
	record(f, op, 0, arg, 0, 0, err);
	if (!f->failed)
		check_model(f, op_names[op]);
	f->secs[op] += now() - t;
}

/* Helpers: loopback listeners, closed ports, AF_UNIX names, the pair. */
static void setup(struct __test_metadata *_metadata, struct fuzz *f)
{
	static const int utypes[3] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
	unsigned int j, k;
	char buf[32];
	int fd;

	for (j = 0; j < 2; j++) {
		int family = j ? AF_INET6 : AF_INET;

		f->tcp_len[j] = loopback(family, &f->tcp_addr[j]);
		f->tcp_l[j] = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ASSERT_GE(f->tcp_l[j], 0);
		ASSERT_EQ(0, bind(f->tcp_l[j], (struct sockaddr *)&f->tcp_addr[j],
				  f->tcp_len[j]));
		ASSERT_EQ(0, listen(f->tcp_l[j], 1024));
		ASSERT_EQ(0, getsockname(f->tcp_l[j], (struct sockaddr *)&f->tcp_addr[j],
					 &f->tcp_len[j]));
		/* Bound, never listening: its port refuses connections. */
		f->closed_len[j] = loopback(family, &f->closed_addr[j]);
		f->tcp_closed[j] = socket(family, SOCK_STREAM, 0);
		ASSERT_GE(f->tcp_closed[j], 0);
		ASSERT_EQ(0, bind(f->tcp_closed[j], (struct sockaddr *)&f->closed_addr[j],
				  f->closed_len[j]));
		ASSERT_EQ(0, getsockname(f->tcp_closed[j],
					 (struct sockaddr *)&f->closed_addr[j],
					 &f->closed_len[j]));
		/* Backlog 1 and two connections never accepted: full. */
		f->full_len[j] = loopback(family, &f->full_addr[j]);
		f->full_l[j] = socket(family, SOCK_STREAM, 0);
		ASSERT_GE(f->full_l[j], 0);
		ASSERT_EQ(0, bind(f->full_l[j], (struct sockaddr *)&f->full_addr[j],
				  f->full_len[j]));
		ASSERT_EQ(0, listen(f->full_l[j], 1));
		ASSERT_EQ(0, getsockname(f->full_l[j], (struct sockaddr *)&f->full_addr[j],
					 &f->full_len[j]));
		for (k = 0; k < 2; k++) {
			f->full_c[j][k] = socket(family, SOCK_STREAM, 0);
			ASSERT_GE(f->full_c[j][k], 0);
			ASSERT_EQ(0, connect(f->full_c[j][k],
					     (struct sockaddr *)&f->full_addr[j],
					     f->full_len[j]));
		}
	}
	for (j = 0; j < 4; j++) {
		struct sockaddr_un *u = &f->unix_addr[j];

		u->sun_family = AF_UNIX;
		snprintf(u->sun_path + 1, sizeof(u->sun_path) - 1,
			 "socksec-fuzz.%d.%u", getpid(), j);
		f->unix_len[j] = offsetof(struct sockaddr_un, sun_path) + 1 +
				 strlen(u->sun_path + 1);
		if (j == 3)
			break;	/* the name nobody binds */
		f->unix_l[j] = socket(AF_UNIX, utypes[j] | SOCK_NONBLOCK, 0);
		ASSERT_GE(f->unix_l[j], 0);
		ASSERT_EQ(0, bind(f->unix_l[j], (struct sockaddr *)u, f->unix_len[j]));
		if (utypes[j] != SOCK_DGRAM)
			ASSERT_EQ(0, listen(f->unix_l[j], 1024));
	}
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, f->sp));
	/* The kinds this kernel has. */
	for (j = 0; j < ARRAY_SIZE(kinds); j++) {
		fd = socket(kinds[j].family, kinds[j].type, kinds[j].proto);
		if (fd >= 0) {
			close(fd);
			f->avail[f->navail++] = &kinds[j];
			continue;
		}
		printf("# %s: no such sockets here (%s), skipped\n", kinds[j].name,
		       err_name(errno));
		ASSERT_TRUE(errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT ||
			    errno == ESOCKTNOSUPPORT);
		/* The first four are what socksec serves: they must exist. */
		ASSERT_GE(j, 4);
	}
	/* socksec's mark bit, from sysfs (its default when unreadable). */
	f->mark = 0x01000000;
	if (!sysfs_read("ipsec_mark", buf, sizeof(buf)))
		f->mark = strtoul(buf, NULL, 0);
	printf("# ipsec_mark 0x%x\n", f->mark);
	/* A readable page, and the page after it unmapped. */
	f->page = mmap(NULL, 2 * f->psz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f->page);
	f->hole = f->page + f->psz;
	ASSERT_EQ(0, munmap(f->hole, f->psz));
}

static void teardown(struct fuzz *f)
{
	unsigned int j;

	close_current(f);
	drain_helpers(f);
	for (j = 0; j < 2; j++) {
		close(f->tcp_l[j]);
		close(f->tcp_closed[j]);
		close(f->full_l[j]);
		close(f->full_c[j][0]);
		close(f->full_c[j][1]);
	}
	for (j = 0; j < 3; j++)
		close(f->unix_l[j]);
	close(f->sp[0]);
	close(f->sp[1]);
	munmap(f->page, f->psz);
}

FIXTURE(fuzz) {
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* Room for a debug kernel in an emulated VM: the run takes tens of seconds. */
TEST_F_TIMEOUT(fuzz, random_option_calls, 900)
{
	const char *seed_env = getenv("SOCKSEC_FUZZ_SEED");
	const char *n_env = getenv("SOCKSEC_FUZZ_N");
	static struct fuzz fz;
	struct fuzz *f = &fz;
	unsigned long total = 0;
	unsigned int j;

	f->seed = seed_env ? strtoull(seed_env, NULL, 0) : DEFAULT_SEED;
	f->n = n_env ? strtoul(n_env, NULL, 0) : DEFAULT_N;
	f->rng = f->seed | 1;
	f->psz = sysconf(_SC_PAGESIZE);
	f->m.fd = -1;
	f->m.alias = -1;
	f->peer = -1;
	printf("# seed 0x%llx, %lu inputs\n", f->seed, f->n);
	fflush(stdout);		/* before any fork() copies the buffer */
	setup(_metadata, f);
	new_socket(f);
	/* Stop at the first failure: it is reported with its history. */
	for (f->i = 0; f->i < f->n && !f->failed; f->i++)
		one_input(f);
	teardown(f);
	printf("# seed 0x%llx: %lu inputs checked%s\n", f->seed, f->i,
	       f->failed ? " (stopped at a failure)" : "");
	for (j = 0; j < OP_NR; j++) {
		printf("#   %-16s %7lu %8.3f s\n", op_names[j], f->count[j],
		       f->secs[j]);
		total += f->count[j];
	}
	printf("#   %-16s %7lu\n", "total", total);
	printf("# %lu sets succeeded, %lu accepted sockets inherited settings,\n",
	       f->set_ok, f->inherited);
	printf("# %lu connects left in SYN_SENT, %lu fork children,\n",
	       f->syn_sent, f->child_ok);
	printf("# kernel TLS %lu TX and %lu RX installed (%lu on sockets with settings)\n",
	       f->tls_tx, f->tls_rx, f->tls_set);
	for (j = 0; j < ARRAY_SIZE(kinds); j++)
		if (f->kcount[j])
			printf("#   sockets %-16s %lu\n", kinds[j].name, f->kcount[j]);
	/* The harness ends the test with _exit(): flush what stdio holds. */
	fflush(stdout);
	EXPECT_FALSE(f->failed);
	EXPECT_EQ(f->n, f->i);
}

TEST_HARNESS_MAIN
