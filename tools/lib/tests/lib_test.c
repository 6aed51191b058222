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
#include <socksec.h>

static int n, failed;

static void check(int ok, const char *what)
{
	n++;
	if (!ok)
		failed++;
	printf("%sok %d %s\n", ok ? "" : "not ", n, what);
}

int main(void)
{
	char buf[128], tiny[4];
	uint32_t p, f;
	const char *name;
	int fd;

	printf("TAP version 13\n1..14\n");
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
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       n - failed, failed);
	return failed ? 1 : 0;
}
