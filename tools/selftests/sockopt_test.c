// SPDX-License-Identifier: GPL-2.0
/*
 * The SOCKSEC_SETTINGS and SOCKSEC_QUERY options: every bad input gets its
 * documented errno and changes nothing; valid settings read back; a
 * listener's settings reach accepted sockets; connected, connecting and
 * listening sockets refuse with EISCONN; unprivileged callers may protect
 * their own sockets. Run as root in the test VM with socksec loaded.
 */
#include <sys/wait.h>
#include <netinet/tcp.h>
#include "socksec_test.h"
#include "kselftest_harness.h"

FIXTURE(sock) {
	int fd;
};

FIXTURE_VARIANT(sock) {
	int family;
	int type;
	int level;
};

FIXTURE_VARIANT_ADD(sock, tcp4) { AF_INET, SOCK_STREAM, SOL_IP };
FIXTURE_VARIANT_ADD(sock, udp4) { AF_INET, SOCK_DGRAM, SOL_IP };
FIXTURE_VARIANT_ADD(sock, tcp6) { AF_INET6, SOCK_STREAM, SOL_IPV6 };
FIXTURE_VARIANT_ADD(sock, udp6) { AF_INET6, SOCK_DGRAM, SOL_IPV6 };
/* An IPv6 socket reaches the same options through SOL_IP too. */
FIXTURE_VARIANT_ADD(sock, tcp6_solip) { AF_INET6, SOCK_STREAM, SOL_IP };
FIXTURE_VARIANT_ADD(sock, udp6_solip) { AF_INET6, SOCK_DGRAM, SOL_IP };

FIXTURE_SETUP(sock)
{
	self->fd = socket(variant->family, variant->type, 0);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(sock)
{
	close(self->fd);
}

/* The socket still carries exactly what was last set successfully. */
static int settings_are(int fd, int level, __u32 protocol, __u32 flags)
{
	struct socksec_settings s;
	int err = ss_get(fd, level, &s);

	if (err)
		return -err;
	return s.protocol == protocol && s.flags == flags;
}

TEST_F(sock, fresh_socket_has_no_settings)
{
	struct socksec_settings s;
	struct socksec_query q;

	EXPECT_EQ(ENODATA, ss_get(self->fd, variant->level, &s));
	ASSERT_EQ(0, ss_query(self->fd, variant->level, &q));
	EXPECT_EQ(0, q.state);
	EXPECT_EQ(0, q.protocol);
}

TEST_F(sock, get_after_set_every_valid_value)
{
	__u32 p, f;

	for (p = SOCKSEC_PROTO_DEFAULT; p <= SS_PROTO_LAST; p++) {
		for (f = 0; f <= SS_FLAGS_ALL; f++) {
			int want = 0;

			if (f == SS_FLAGS_ALL)
				want = EINVAL;
			else if (p == SOCKSEC_PROTO_KTLS && variant->type != SOCK_STREAM)
				want = EPROTOTYPE;
			EXPECT_EQ(want, ss_set(self->fd, variant->level, p, f))
				TH_LOG("protocol %u flags %u", p, f);
			if (!want)
				EXPECT_EQ(1, settings_are(self->fd, variant->level, p, f));
		}
	}
}

/* Each bad input, applied on top of good settings, must leave them alone. */
TEST_F(sock, bad_input_changes_nothing)
{
	struct {
		struct socksec_settings s;
		__u32 tail[2];
	} big = { { SOCKSEC_PROTO_ANY, 0 }, { 0, 0 } };
	char page[8192] = { 0 };
	const struct {
		__u32 protocol, flags;
		int err;
	} cases[] = {
		{ SS_PROTO_LAST + 1, 0, EPROTONOSUPPORT },
		{ 0xffffffff, 0, EPROTONOSUPPORT },
		{ SOCKSEC_PROTO_IPSEC, 0x4, EINVAL },
		{ SOCKSEC_PROTO_IPSEC, 0x80000000, EINVAL },
		{ SOCKSEC_PROTO_IPSEC, SS_FLAGS_ALL, EINVAL },
		{ SOCKSEC_PROTO_ANY, SS_FLAGS_ALL | 0x8, EINVAL },
	};
	int lvl = variant->level;
	size_t i;

	ASSERT_EQ(0, ss_set(self->fd, lvl, SOCKSEC_PROTO_IPSEC,
			    SOCKSEC_GUARANTEE_ENCRYPTION));

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		EXPECT_EQ(cases[i].err, ss_set(self->fd, lvl, cases[i].protocol,
					       cases[i].flags))
			TH_LOG("case %zu", i);
	}
	/* Lengths: short is EINVAL, a zero tail is fine, junk is E2BIG. */
	EXPECT_EQ(EINVAL, ss_set_raw(self->fd, lvl, &big, 0));
	EXPECT_EQ(EINVAL, ss_set_raw(self->fd, lvl, &big, 4));
	EXPECT_EQ(EINVAL, ss_set_raw(self->fd, lvl, &big, 7));
	big.tail[1] = 1;
	EXPECT_EQ(E2BIG, ss_set_raw(self->fd, lvl, &big, sizeof(big)));
	EXPECT_EQ(E2BIG, ss_set_raw(self->fd, lvl, page, sizeof(page)));
	EXPECT_EQ(EFAULT, ss_set_raw(self->fd, lvl, NULL, sizeof(big.s)));
	if (variant->type != SOCK_STREAM)
		EXPECT_EQ(EPROTOTYPE, ss_set(self->fd, lvl, SOCKSEC_PROTO_KTLS, 0));

	EXPECT_EQ(1, settings_are(self->fd, lvl, SOCKSEC_PROTO_IPSEC,
				  SOCKSEC_GUARANTEE_ENCRYPTION));

	/* A zero tail is accepted: a later ABI asking nothing new works. */
	big.tail[1] = 0;
	EXPECT_EQ(0, ss_set_raw(self->fd, lvl, &big, sizeof(big)));
	EXPECT_EQ(1, settings_are(self->fd, lvl, SOCKSEC_PROTO_ANY, 0));
}

TEST_F(sock, bad_input_on_fresh_socket_attaches_nothing)
{
	struct socksec_settings s;

	EXPECT_EQ(EPROTONOSUPPORT, ss_set(self->fd, variant->level, 99, 0));
	EXPECT_EQ(EINVAL, ss_set(self->fd, variant->level, SOCKSEC_PROTO_IPSEC, 3));
	EXPECT_EQ(ENODATA, ss_get(self->fd, variant->level, &s));
}

TEST_F(sock, short_get_buffers)
{
	struct socksec_query q;
	socklen_t len;

	ASSERT_EQ(0, ss_set(self->fd, variant->level, SOCKSEC_PROTO_IPSEC, 0));
	len = sizeof(struct socksec_settings) - 1;
	EXPECT_EQ(-1, getsockopt(self->fd, variant->level, SOCKSEC_SETTINGS, &q, &len));
	EXPECT_EQ(EINVAL, errno);
	len = offsetof(struct socksec_query, spi_out) - 1;
	EXPECT_EQ(-1, getsockopt(self->fd, variant->level, SOCKSEC_QUERY, &q, &len));
	EXPECT_EQ(EINVAL, errno);
	/* A query shorter than the whole structure gets its prefix. */
	len = offsetof(struct socksec_query, spi_out);
	EXPECT_EQ(0, getsockopt(self->fd, variant->level, SOCKSEC_QUERY, &q, &len));
	EXPECT_EQ(offsetof(struct socksec_query, spi_out), len);
	EXPECT_EQ(SOCKSEC_PROTO_IPSEC, q.protocol);
	EXPECT_EQ(SOCKSEC_STATE_REQUIRED, q.state & SOCKSEC_STATE_REQUIRED);
}

/* SOCKSEC_QUERY is read-only; numbers past the range are someone else's. */
TEST_F(sock, unknown_options)
{
	struct socksec_settings s = { SOCKSEC_PROTO_IPSEC, 0 };
	socklen_t len = sizeof(s);

	EXPECT_EQ(-1, setsockopt(self->fd, variant->level, SOCKSEC_QUERY, &s, sizeof(s)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, variant->level, SS_OPT_UNUSED, &s, sizeof(s)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, getsockopt(self->fd, variant->level, SS_OPT_UNUSED, &s, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
}

TEST_F(sock, query_resolves_default_from_sysfs)
{
	char old_proto[32], old_flags[32];
	struct socksec_query q;

	ASSERT_EQ(0, sysfs_read("default_protocol", old_proto, sizeof(old_proto)));
	ASSERT_EQ(0, sysfs_read("default_flags", old_flags, sizeof(old_flags)));
	ASSERT_EQ(0, ss_set(self->fd, variant->level, SOCKSEC_PROTO_DEFAULT, 0));

	ASSERT_EQ(0, sysfs_write("default_protocol", "any"));
	ASSERT_EQ(0, sysfs_write("default_flags", "0x1"));
	EXPECT_EQ(0, ss_query(self->fd, variant->level, &q));
	EXPECT_EQ(SOCKSEC_PROTO_ANY, q.protocol);
	EXPECT_EQ(SOCKSEC_GUARANTEE_ENCRYPTION, q.flags);
	EXPECT_EQ(SOCKSEC_STATE_REQUIRED, q.state & SOCKSEC_STATE_REQUIRED);

	/* Read at query time, not at set time. */
	ASSERT_EQ(0, sysfs_write("default_protocol", "ipsec"));
	ASSERT_EQ(0, sysfs_write("default_flags", "0"));
	EXPECT_EQ(0, ss_query(self->fd, variant->level, &q));
	EXPECT_EQ(SOCKSEC_PROTO_IPSEC, q.protocol);
	EXPECT_EQ(0, q.flags);
	/* The socket's own settings still say DEFAULT. */
	EXPECT_EQ(1, settings_are(self->fd, variant->level, SOCKSEC_PROTO_DEFAULT, 0));

	EXPECT_EQ(0, sysfs_write("default_protocol", old_proto));
	EXPECT_EQ(0, sysfs_write("default_flags", old_flags));
}

/* A loopback peer of the fixture's kind, bound to an ephemeral port. */
static int loopback_peer(int family, int type, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	int fd = socket(family, type, 0);

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	*len = family == AF_INET ? sizeof(struct sockaddr_in) :
				   sizeof(struct sockaddr_in6);
	if (fd < 0 || bind(fd, (struct sockaddr *)ss, *len) ||
	    getsockname(fd, (struct sockaddr *)ss, len) ||
	    (type == SOCK_STREAM && listen(fd, 4))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

TEST_F(sock, connected_socket_is_eisconn)
{
	struct socksec_settings s;
	struct sockaddr_storage ss;
	socklen_t len;
	int peer = loopback_peer(variant->family, variant->type, &ss, &len);

	ASSERT_GE(peer, 0);
	ASSERT_EQ(0, connect(self->fd, (struct sockaddr *)&ss, len));
	EXPECT_EQ(EISCONN, ss_set(self->fd, variant->level, SOCKSEC_PROTO_IPSEC, 0));
	EXPECT_EQ(ENODATA, ss_get(self->fd, variant->level, &s));
	close(peer);
}

TEST_F(sock, listening_socket_is_eisconn)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int peer;

	if (variant->type != SOCK_STREAM)
		SKIP(return, "listen() is TCP only");
	peer = loopback_peer(variant->family, variant->type, &ss, &len);
	ASSERT_GE(peer, 0);
	close(self->fd);
	self->fd = peer;
	EXPECT_EQ(EISCONN, ss_set(self->fd, variant->level, SOCKSEC_PROTO_IPSEC, 0));
}

TEST_F(sock, listener_settings_reach_accepted_sockets)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd, c, a, i;

	if (variant->type != SOCK_STREAM)
		SKIP(return, "accept() is TCP only");
	/* Protect the listener before listen(); loopback is exempt by default. */
	lfd = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(0, ss_set(lfd, variant->level, SOCKSEC_PROTO_ANY,
			    SOCKSEC_GUARANTEE_ENCRYPTION));
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = variant->family;
	if (variant->family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	len = variant->family == AF_INET ? sizeof(struct sockaddr_in) :
					   sizeof(struct sockaddr_in6);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&ss, len));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&ss, &len));
	ASSERT_EQ(0, listen(lfd, 4));

	for (i = 0; i < 3; i++) {
		c = socket(variant->family, SOCK_STREAM, 0);
		ASSERT_GE(c, 0);
		ASSERT_EQ(0, connect(c, (struct sockaddr *)&ss, len));
		a = accept(lfd, NULL, NULL);
		ASSERT_GE(a, 0);
		EXPECT_EQ(1, settings_are(a, variant->level, SOCKSEC_PROTO_ANY,
					  SOCKSEC_GUARANTEE_ENCRYPTION));
		/* The client did not ask for anything. */
		EXPECT_EQ(-ENODATA, settings_are(c, variant->level, 0, 0));
		/* Accepted sockets are connected: their settings are fixed. */
		EXPECT_EQ(EISCONN, ss_set(a, variant->level, SOCKSEC_PROTO_IPSEC, 0));
		close(a);
		close(c);
	}
	close(lfd);
}

/* Tightening one's own socket needs no privilege. */
TEST_F(sock, unprivileged_caller)
{
	pid_t pid = fork();
	int status;

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct socksec_settings s;
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		fd = socket(variant->family, variant->type, 0);
		if (fd < 0)
			_exit(11);
		if (ss_set(fd, variant->level, SOCKSEC_PROTO_IPSEC,
			   SOCKSEC_GUARANTEE_ENCRYPTION))
			_exit(12);
		if (ss_get(fd, variant->level, &s) || s.protocol != SOCKSEC_PROTO_IPSEC)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Transports socksec cannot vouch for are refused outright. */
TEST(unsupported_socket_types)
{
	static const struct { int family, type, proto; } socks[] = {
		{ AF_INET, SOCK_RAW, IPPROTO_UDP },
		{ AF_INET6, SOCK_RAW, IPPROTO_UDP },
		{ AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE },
		{ AF_INET6, SOCK_DGRAM, IPPROTO_UDPLITE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(socks); i++) {
		struct socksec_settings s;
		int level = socks[i].family == AF_INET ? SOL_IP : SOL_IPV6;
		int fd = socket(socks[i].family, socks[i].type, socks[i].proto);

		ASSERT_GE(fd, 0) TH_LOG("socket %zu: %s", i, strerror(errno));
		EXPECT_EQ(ESOCKTNOSUPPORT, ss_set(fd, level, SOCKSEC_PROTO_IPSEC, 0))
			TH_LOG("socket %zu", i);
		EXPECT_EQ(ENODATA, ss_get(fd, level, &s));
		close(fd);
	}
}

TEST_HARNESS_MAIN
