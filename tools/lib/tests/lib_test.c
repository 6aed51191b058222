// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsocksec's pure helpers, on the host: names, parsing, state words.
 * Prints TAP and a "# Totals:" line; the exit status is 1 on any failure.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <socksec.h>

static int n, failed;

static void check(int ok, const char *what)
{
	n++;
	if (!ok)
		failed++;
	printf("%sok %d %s\n", ok ? "" : "not ", n, what);
}

/* errno after a call that must fail with -1 and store nothing. */
#define FAILS(call, err) (errno = 0, (call) == -1 && errno == (err))

/*
 * Wrong arguments: NULL pointers, a zero length, bad words and numbers,
 * descriptors that are not open, not sockets or not of an IP family.
 * Each is -1 (or NULL) with a precise errno, and stores nothing.
 */
static void bad_input(void)
{
	static const char *const bad_flags[] = {
		"", ",", "encrypt,", ",insecure", " 1", "1 ", "+1", "-0", "-1",
		"0x", "1x", "08", "encrypt insecure", "Encrypt2", "0x1,,0x2",
		"4294967296",
	};
	static const char *const bad_protocols[] = {
		"", " ipsec", "ipsec ", "ipsec\n", "ips", "tls", "1", "ipsec,ktls",
	};
	struct socksec_settings s, s0;
	struct socksec_query q, q0;
	uint32_t p = 77, f = 77;
	int fds[4], i, ok;
	char buf[8] = "keep";

	ok = 1;
	for (i = 0; i < (int)(sizeof(bad_flags) / sizeof(*bad_flags)); i++)
		if (!FAILS(socksec_flags_parse(bad_flags[i], &f), EINVAL) || f != 77) {
			printf("# flags '%s' accepted\n", bad_flags[i]);
			ok = 0;
		}
	check(ok, "flags: blanks, signs, empty words, bad numbers: EINVAL, nothing stored");
	ok = 1;
	for (i = 0; i < (int)(sizeof(bad_protocols) / sizeof(*bad_protocols)); i++)
		if (!FAILS(socksec_protocol_parse(bad_protocols[i], &p), EINVAL) ||
		    p != 77) {
			printf("# protocol '%s' accepted\n", bad_protocols[i]);
			ok = 0;
		}
	check(ok, "protocol names: blanks, parts, numbers: EINVAL, nothing stored");
	check(FAILS(socksec_protocol_parse(NULL, &p), EINVAL) &&
	      FAILS(socksec_protocol_parse("ipsec", NULL), EINVAL) && p == 77,
	      "socksec_protocol_parse with NULL: EINVAL");
	check(FAILS(socksec_flags_parse(NULL, &f), EINVAL) &&
	      FAILS(socksec_flags_parse("encrypt", NULL), EINVAL) && f == 77,
	      "socksec_flags_parse with NULL: EINVAL");
	check(FAILS(socksec_state_format(SOCKSEC_STATE_REQUIRED, NULL, 16), EINVAL),
	      "socksec_state_format with a NULL buffer: EINVAL");
	check(FAILS(socksec_state_format(SOCKSEC_STATE_REQUIRED, buf, 0), EINVAL) &&
	      !strcmp(buf, "keep"), "socksec_state_format, length 0: buffer untouched");
	errno = 0;
	check(!socksec_protocol_name(~0u) && errno == EINVAL,
	      "socksec_protocol_name(~0): NULL and EINVAL");
	check(FAILS(socksec_get(0, NULL), EINVAL) && FAILS(socksec_query(0, NULL), EINVAL),
	      "socksec_get and socksec_query with NULL: EINVAL");
	memset(&s0, 0xa5, sizeof(s0));
	memset(&q0, 0xa5, sizeof(q0));
	s = s0;
	q = q0;
	check(FAILS(socksec_set(-1, SOCKSEC_PROTO_IPSEC, 0), EBADF) &&
	      FAILS(socksec_get(-1, &s), EBADF) && FAILS(socksec_query(-1, &q), EBADF) &&
	      !memcmp(&s, &s0, sizeof(s)) && !memcmp(&q, &q0, sizeof(q)),
	      "fd -1: EBADF, nothing stored");
	fds[0] = open("/dev/null", O_RDONLY);
	close(fds[0]);
	check(FAILS(socksec_set(fds[0], SOCKSEC_PROTO_IPSEC, 0), EBADF) &&
	      FAILS(socksec_query(fds[0], &q), EBADF) && !memcmp(&q, &q0, sizeof(q)),
	      "a closed fd: EBADF, nothing stored");
	fds[0] = open("/dev/null", O_RDONLY);
	check(fds[0] >= 0 && FAILS(socksec_get(fds[0], &s), ENOTSOCK) &&
	      FAILS(socksec_query(fds[0], &q), ENOTSOCK) &&
	      !memcmp(&s, &s0, sizeof(s)) && !memcmp(&q, &q0, sizeof(q)),
	      "a file: ENOTSOCK, nothing stored");
	close(fds[0]);
	ok = !socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
	check(ok && FAILS(socksec_set(fds[0], SOCKSEC_PROTO_IPSEC, 0), EAFNOSUPPORT) &&
	      FAILS(socksec_get(fds[0], &s), EAFNOSUPPORT) &&
	      FAILS(socksec_query(fds[1], &q), EAFNOSUPPORT) &&
	      !memcmp(&s, &s0, sizeof(s)) && !memcmp(&q, &q0, sizeof(q)),
	      "an AF_UNIX socket: EAFNOSUPPORT, nothing stored");
	if (ok) {
		close(fds[0]);
		close(fds[1]);
	}
}

int main(void)
{
	char buf[128], tiny[4];
	uint32_t p, f;
	const char *name;
	int fd;

	printf("TAP version 13\n");
	for (p = 0; p <= SOCKSEC_PROTO_ANY; p++) {
		uint32_t back = ~0u;

		name = socksec_protocol_name(p);
		if (!name || socksec_protocol_parse(name, &back) < 0 || back != p)
			break;
	}
	check(p == SOCKSEC_PROTO_ANY + 1, "every protocol's name parses back to it");
	errno = 0;
	name = socksec_protocol_name(SOCKSEC_PROTO_ANY + 1);
	check(!name && errno == EINVAL, "an unknown protocol: NULL and EINVAL");
	check(socksec_protocol_parse("IPsec", &p) == 0 && p == SOCKSEC_PROTO_IPSEC,
	      "protocol names are case-insensitive");
	errno = 0;
	check(socksec_protocol_parse("tls", &p) < 0 && errno == EINVAL,
	      "an unknown protocol name: -1 and EINVAL");
	check(socksec_flags_parse("encrypt", &f) == 0 &&
	      f == SOCKSEC_GUARANTEE_ENCRYPTION, "flags: encrypt");
	check(socksec_flags_parse("insecure,0x4", &f) == 0 &&
	      f == (SOCKSEC_ALLOW_INSECURE | 0x4), "flags: a name and a number");
	check(socksec_flags_parse("none", &f) == 0 && f == 0, "flags: none");
	f = 7;
	errno = 0;
	check(socksec_flags_parse("encrypt,,", &f) < 0 && errno == EINVAL && f == 7,
	      "flags: an empty word is EINVAL and changes nothing");
	check(socksec_flags_parse("0x100000000", &f) < 0 && errno == EINVAL,
	      "flags: more than 32 bits is EINVAL");
	check(socksec_state_format(SOCKSEC_STATE_REQUIRED | SOCKSEC_STATE_SECURED |
				   SOCKSEC_STATE_ENCRYPTED, buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "required,secured,encrypted"), "state words in order");
	check(socksec_state_format(0, buf, sizeof(buf)) == 0 && !strcmp(buf, "none"),
	      "no state bit: none");
	errno = 0;
	check(socksec_state_format(SOCKSEC_STATE_REQUIRED, tiny, sizeof(tiny)) < 0 &&
	      errno == ENOSPC, "a short buffer: ENOSPC");
	errno = 0;
	check(socksec_state_format(0, buf, 0) < 0 && errno == EINVAL,
	      "a zero-length buffer: EINVAL");
	fd = open("/dev/null", O_RDONLY);
	errno = 0;
	check(fd >= 0 && socksec_set(fd, SOCKSEC_PROTO_IPSEC, 0) < 0 &&
	      errno == ENOTSOCK,
	      "socksec_set on a non-socket fails with the kernel's errno");
	if (fd >= 0)
		close(fd);
	bad_input();
	printf("1..%d\n", n);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       n - failed, failed);
	return failed ? 1 : 0;
}
