// SPDX-License-Identifier: GPL-2.0
/*
 * Reading /proc/net/socksec: "name value" counter lines, a "# ..." header,
 * then one line per socket with settings:
 *
 *   tcp 192.0.2.1:40312 192.0.2.2:7000 ipsec 0x1 encrypted spi_out=0x... \
 *	spi_in=0x... enc=rfc4106(gcm(aes))
 *
 * Fields after the sixth are key=value; keys this reader does not know
 * are kept for the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "cli.h"

static int copy_field(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* "192.0.2.1:7000" or "[2001:db8::1]:7000" */
static int parse_endpoint(const char *s, char *addr, size_t len,
			  unsigned int *port, int *family)
{
	const char *colon = strrchr(s, ':');
	uint32_t p;
	size_t n;

	if (!colon || parse_u32(colon + 1, &p) < 0 || p > 65535)
		return -1;
	*port = p;
	if (s[0] == '[') {
		if (colon == s || colon[-1] != ']')
			return -1;
		s++;
		n = colon - 1 - s;
		*family = AF_INET6;
	} else {
		n = colon - s;
		*family = AF_INET;
	}
	if (n == 0 || n >= len)
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	return 0;
}

static int parse_kv(struct proc_sock *s, char *field)
{
	char *eq = strchr(field, '=');
	const char *val;

	if (!eq)
		return -1;
	*eq = '\0';
	val = eq + 1;
	if (!strcmp(field, "spi_out"))
		return parse_u32(val, &s->spi_out);
	if (!strcmp(field, "spi_in"))
		return parse_u32(val, &s->spi_in);
	if (!strcmp(field, "enc"))
		return copy_field(s->cipher, sizeof(s->cipher),
				  strcmp(val, "-") ? val : "");
	if (!strcmp(field, "mechanism") || !strcmp(field, "mech"))
		return copy_field(s->mechanism, sizeof(s->mechanism), val);
	if (s->n_extra == PROC_MAX_EXTRA)
		return 0;
	if (copy_field(s->extra_key[s->n_extra], sizeof(s->extra_key[0]), field) ||
	    copy_field(s->extra_val[s->n_extra], sizeof(s->extra_val[0]), val))
		return -1;
	s->n_extra++;
	return 0;
}

static int parse_sock(char *line, struct proc_sock *s)
{
	char *field, *save = NULL;
	int lfam, rfam, i = 0;

	memset(s, 0, sizeof(*s));
	for (field = strtok_r(line, " \t\n", &save); field;
	     field = strtok_r(NULL, " \t\n", &save), i++) {
		int err = 0;

		switch (i) {
		case 0:
			err = copy_field(s->transport, sizeof(s->transport), field);
			break;
		case 1:
			err = parse_endpoint(field, s->laddr, sizeof(s->laddr),
					     &s->lport, &lfam);
			break;
		case 2:
			err = parse_endpoint(field, s->raddr, sizeof(s->raddr),
					     &s->rport, &rfam);
			break;
		case 3:
			err = copy_field(s->protocol, sizeof(s->protocol), field);
			break;
		case 4:
			err = parse_u32(field, &s->flags);
			break;
		case 5:
			err = copy_field(s->state, sizeof(s->state), field);
			break;
		default:
			err = parse_kv(s, field);
		}
		if (err)
			return -1;
	}
	if (i < 6)
		return -1;
	s->family = lfam;
	/* Older modules do not name the mechanism: an SPI means IPsec. */
	if (!s->mechanism[0]) {
		if (s->spi_out)
			strcpy(s->mechanism, "ipsec");
		else if (!strcmp(s->state, "secured") ||
			 !strcmp(s->state, "encrypted"))
			strcpy(s->mechanism, "ktls");
		else
			strcpy(s->mechanism, "none");
	}
	return 0;
}

int proc_read(const struct proc_reader *r)
{
	char line[1024], name[128];
	unsigned long long v;
	int ret = EXIT_OK, lineno = 0;
	bool sockets = false;
	FILE *f;

	f = fopen(SOCKSEC_PROC, "r");
	if (!f) {
		if (errno == ENOENT && !cli_module_loaded())
			return EXIT_FAIL;
		cli_err("%s: %s", SOCKSEC_PROC, strerror(errno));
		return EXIT_FAIL;
	}
	while (ret == EXIT_OK && fgets(line, sizeof(line), f)) {
		struct proc_sock s;
		char end;

		lineno++;
		if (line[0] == '#') {
			sockets = true;
			continue;
		}
		if (!sockets) {
			if (sscanf(line, "%127s %llu %c", name, &v, &end) != 2) {
				cli_err("%s:%d: not a counter line", SOCKSEC_PROC,
					lineno);
				ret = EXIT_FAIL;
			} else if (r->counter && r->counter(name, v, r->arg)) {
				ret = EXIT_FAIL;
			}
			continue;
		}
		if (parse_sock(line, &s) < 0) {
			cli_err("%s:%d: not a socket line", SOCKSEC_PROC, lineno);
			ret = EXIT_FAIL;
		} else if (r->sock && r->sock(&s, r->arg)) {
			ret = EXIT_FAIL;
		}
	}
	if (ferror(f)) {
		cli_err("%s: %s", SOCKSEC_PROC, strerror(errno));
		ret = EXIT_FAIL;
	}
	fclose(f);
	return ret;
}
