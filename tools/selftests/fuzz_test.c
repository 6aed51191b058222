// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded random inputs against socksec's socket options: every option
 * number of its range and around it, lengths from 0 to past a page,
 * settings valid and not, zero and non-zero tails, unaligned, NULL and
 * unmapped buffers, on TCP, UDP, raw and UDP-Lite sockets of both families
 * in every state (fresh, bound, listening, connected, shut down). Every
 * call must return 0 or one of the errors the ABI documents for it, and a
 * failed set must leave the settings as they were. The seed and the count
 * are printed; the seed is fixed unless SOCKSEC_FUZZ_SEED gives another,
 * and SOCKSEC_FUZZ_N sets the count.
 */
#include <sys/mman.h>
#include "socksec_test.h"
#include "kselftest_harness.h"

#define DEFAULT_N	100000
#define DEFAULT_SEED	0x50c5ec0ffeeULL

struct kind {
	int family, type, proto;
};

static const struct kind kinds[] = {
	{ AF_INET, SOCK_STREAM, 0 },
	{ AF_INET6, SOCK_STREAM, 0 },
	{ AF_INET, SOCK_DGRAM, 0 },
	{ AF_INET6, SOCK_DGRAM, 0 },
	{ AF_INET, SOCK_RAW, IPPROTO_UDP },
	{ AF_INET6, SOCK_RAW, IPPROTO_TCP },
	{ AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE },
};

static unsigned long long rng_state;

static unsigned int rnd(unsigned int n)
{
	/* xorshift64*: small, fast and reproducible from the seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned int)((rng_state * 2685821657736338717ULL) >> 32) % n;
}

static socklen_t addr_of(int family, struct sockaddr_storage *ss)
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

/* A socket of a random kind, brought into a random state. */
static int make_socket(const struct kind *k, int lfd[2])
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(k->family, &ss);
	int fd = socket(k->family, k->type, k->proto);

	if (fd < 0 || k->type == SOCK_RAW)
		return fd;
	switch (rnd(5)) {
	case 0:		/* fresh */
		break;
	case 1:		/* bound */
		bind(fd, (struct sockaddr *)&ss, len);
		break;
	case 2:		/* listening (UDP: bound) */
		bind(fd, (struct sockaddr *)&ss, len);
		if (k->type == SOCK_STREAM)
			listen(fd, 4);
		break;
	case 3:		/* connected to the loopback listener */
	case 4:		/* ... and shut down */
		if (k->type == SOCK_STREAM) {
			int l = lfd[k->family == AF_INET6];

			getsockname(l, (struct sockaddr *)&ss, &len);
		} else {
			((struct sockaddr_in *)&ss)->sin_port = htons(9);
		}
		connect(fd, (struct sockaddr *)&ss, len);
		if (rnd(5) == 4)
			shutdown(fd, SHUT_RDWR);
		break;
	}
	return fd;
}

/* Close what the listeners accepted, so their queues never fill. */
static void drain_accepts(const int lfd[2])
{
	int i, a;

	for (i = 0; i < 2; i++)
		while ((a = accept(lfd[i], NULL, NULL)) >= 0)
			close(a);
}

static bool one_of(int err, const int *set)
{
	for (; *set; set++)
		if (err == *set)
			return true;
	return false;
}

static const int set_errors[] = {
	EINVAL, E2BIG, EFAULT, EPROTONOSUPPORT, EPROTOTYPE, ESOCKTNOSUPPORT,
	EISCONN, EBUSY, EALREADY, 0
};

static const int get_settings_errors[] = { ENODATA, EINVAL, EFAULT, 0 };
static const int get_query_errors[] = { EINVAL, EFAULT, 0 };
static const int unknown_errors[] = { ENOPROTOOPT, 0 };

/*
 * A set: a documented error; a failed one changes nothing, a successful
 * one stores what was asked.
 */
static void check_set(struct __test_metadata *_metadata, unsigned long i,
		      unsigned int opt, socklen_t len, int r, int err,
		      const struct socksec_settings *want,
		      const struct socksec_settings *before,
		      const struct socksec_settings *after)
{
	if (!r && opt == SOCKSEC_SETTINGS) {
		EXPECT_EQ(0, memcmp(want, after, sizeof(*want))) {
			TH_LOG("call %lu: set succeeded, settings %u/%u stored as %u/%u",
			       i, want->protocol, want->flags, after->protocol,
			       after->flags);
		}
	}
	if (opt == SOCKSEC_SETTINGS) {
		EXPECT_TRUE(!r || one_of(err, set_errors)) {
			TH_LOG("call %lu: set %u len %u: %s", i, opt, len,
			       strerror(err));
		}
	} else {
		EXPECT_EQ(ENOPROTOOPT, err) {
			TH_LOG("call %lu: set %u: %s", i, opt, strerror(err));
		}
	}
	if (r || opt != SOCKSEC_SETTINGS) {
		EXPECT_EQ(0, memcmp(before, after, sizeof(*before))) {
			TH_LOG("call %lu: a failed set changed the settings", i);
		}
	}
}

/* A get: a documented error; settings come back whole. */
static void check_get(struct __test_metadata *_metadata, unsigned long i,
		      unsigned int opt, int r, int err, socklen_t l)
{
	const int *errs = opt == SOCKSEC_SETTINGS ? get_settings_errors :
			  opt == SOCKSEC_QUERY ? get_query_errors :
			  unknown_errors;

	if (opt != SOCKSEC_SETTINGS && opt != SOCKSEC_QUERY) {
		EXPECT_EQ(ENOPROTOOPT, err) {
			TH_LOG("call %lu: get %u: %s", i, opt, strerror(err));
		}
		return;
	}
	EXPECT_TRUE(!r || one_of(err, errs)) {
		TH_LOG("call %lu: get %u: %s", i, opt, strerror(err));
	}
	if (!r && opt == SOCKSEC_SETTINGS)
		EXPECT_EQ(sizeof(struct socksec_settings), l);
}

/* The settings of fd as raw bytes (or an errno in the first word). */
static void snapshot(int fd, int level, struct socksec_settings *s)
{
	socklen_t len = sizeof(*s);

	if (getsockopt(fd, level, SOCKSEC_SETTINGS, s, &len)) {
		s->protocol = 0xffff0000u | errno;
		s->flags = 0;
	}
}

FIXTURE(fuzz) {
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* Room for a slow emulated VM: the run takes seconds, not the default 30. */
TEST_F_TIMEOUT(fuzz, random_option_calls, 300)
{
	const char *seed_env = getenv("SOCKSEC_FUZZ_SEED");
	const char *n_env = getenv("SOCKSEC_FUZZ_N");
	unsigned long long seed = seed_env ? strtoull(seed_env, NULL, 0) :
					     DEFAULT_SEED;
	unsigned long n = n_env ? strtoul(n_env, NULL, 0) : DEFAULT_N, i;
	struct sockaddr_storage ss;
	unsigned char *page, *unmapped;
	int lfd[2], fd = -1, level = SOL_IP;
	const struct kind *k = &kinds[0];
	long psz = sysconf(_SC_PAGESIZE);

	rng_state = seed | 1;
	printf("# seed 0x%llx, %lu calls\n", seed, n);
	for (i = 0; i < 2; i++) {
		socklen_t len = addr_of(i ? AF_INET6 : AF_INET, &ss);

		lfd[i] = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ASSERT_GE(lfd[i], 0);
		ASSERT_EQ(0, bind(lfd[i], (struct sockaddr *)&ss, len));
		ASSERT_EQ(0, listen(lfd[i], 1024));
	}
	/* A readable page, and the page after it unmapped. */
	page = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	unmapped = page + psz;
	ASSERT_EQ(0, munmap(unmapped, psz));

	for (i = 0; i < n; i++) {
		struct socksec_settings want = { 0 }, before, after;
		unsigned int opt = SOCKSEC_SETTINGS - 1 + rnd(5);
		socklen_t len;
		void *buf;
		int r, err;

		if (fd < 0 || !rnd(64)) {
			if (fd >= 0)
				close(fd);
			drain_accepts(lfd);
			k = &kinds[rnd(ARRAY_SIZE(kinds))];
			fd = make_socket(k, lfd);
			ASSERT_GE(fd, 0);
			/*
			 * IPv6 sockets reach the options on SOL_IPV6, and on
			 * SOL_IP too, except raw ones (ENOPROTOOPT from the
			 * IPv6 layer, before socksec).
			 */
			level = k->family == AF_INET6 &&
				(k->type == SOCK_RAW || rnd(2)) ? SOL_IPV6 : SOL_IP;
		}
		/* Lengths: around the structures, zero, past a page. */
		switch (rnd(4)) {
		case 0:
			len = rnd(sizeof(struct socksec_query) + 8);
			break;
		case 1:
			len = sizeof(struct socksec_settings);
			break;
		case 2:
			len = rnd(32);
			break;
		default:
			len = psz - 16 + rnd(48);
			break;
		}
		/* Contents: mostly near-valid settings, a tail that may not be zero. */
		memset(page, rnd(8) ? 0 : rnd(256), psz);
		((__u32 *)page)[0] = rnd(8) ? rnd(SS_PROTO_LAST + 3) : rnd(~0u);
		((__u32 *)page)[1] = rnd(8) ? rnd(5) : rnd(~0u);
		/* Buffers: aligned, unaligned, NULL, or running into the hole. */
		switch (rnd(8)) {
		case 0:
			buf = NULL;
			break;
		case 1:
			buf = unmapped - 4;
			break;
		case 2:
			buf = page + 1;
			memmove(page + 1, page, 8);
			break;
		default:
			buf = page;
			break;
		}
		snapshot(fd, level, &before);
		if (buf && buf != unmapped - 4)
			memcpy(&want, buf, sizeof(want));
		if (rnd(2)) {
			r = setsockopt(fd, level, opt, buf, len);
			err = r ? errno : 0;
			snapshot(fd, level, &after);
			check_set(_metadata, i, opt, len, r, err, &want, &before,
				  &after);
		} else {
			socklen_t l = len;

			r = getsockopt(fd, level, opt, buf, &l);
			err = r ? errno : 0;
			check_get(_metadata, i, opt, r, err, l);
		}
		/* Stop at the first failure: its call is logged above. */
		if (!_metadata->passed)
			break;
	}
	if (fd >= 0)
		close(fd);
	close(lfd[0]);
	close(lfd[1]);
	munmap(page, psz);
	printf("# seed 0x%llx: %lu calls checked\n", seed, i);
	EXPECT_EQ(n, i);
}

TEST_HARNESS_MAIN
