// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsocksec: thin, errno-preserving wrappers around the socksec options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "socksec.h"

#define EXPORT __attribute__((visibility("default")))

/* The option level matching the socket's family: SOL_IP or SOL_IPV6. */
static int socksec_level(int fd)
{
	int domain;
	socklen_t len = sizeof(domain);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return -1;
	switch (domain) {
	case AF_INET:
		return SOL_IP;
	case AF_INET6:
		return SOL_IPV6;
	default:
		errno = EAFNOSUPPORT;
		return -1;
	}
}

EXPORT int socksec_set(int fd, uint32_t protocol, uint32_t flags)
{
	struct socksec_settings s = { .protocol = protocol, .flags = flags };
	int level = socksec_level(fd);

	if (level < 0)
		return -1;
	return setsockopt(fd, level, SOCKSEC_SETTINGS, &s, sizeof(s));
}

EXPORT int socksec_get(int fd, struct socksec_settings *s)
{
	struct socksec_settings got;
	socklen_t len = sizeof(got);
	int level;

	if (!s) {
		errno = EINVAL;
		return -1;
	}
	level = socksec_level(fd);
	if (level < 0 || getsockopt(fd, level, SOCKSEC_SETTINGS, &got, &len) < 0)
		return -1;
	*s = got;
	return 0;
}

EXPORT int socksec_query(int fd, struct socksec_query *q)
{
	struct socksec_query got;
	socklen_t len = sizeof(got);
	int level;

	if (!q) {
		errno = EINVAL;
		return -1;
	}
	level = socksec_level(fd);
	if (level < 0)
		return -1;
	/* An older kernel fills less: the rest reads as zero. */
	memset(&got, 0, sizeof(got));
	if (getsockopt(fd, level, SOCKSEC_QUERY, &got, &len) < 0)
		return -1;
	*q = got;
	return 0;
}

static const char *const socksec_protocol_names[] = {
	[SOCKSEC_PROTO_DEFAULT] = "default",
	[SOCKSEC_PROTO_IPSEC]	= "ipsec",
	[SOCKSEC_PROTO_IPSEC2]	= "ipsec2",
	[SOCKSEC_PROTO_KTLS]	= "ktls",
	[SOCKSEC_PROTO_ANY]	= "any",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

EXPORT const char *socksec_protocol_name(uint32_t protocol)
{
	if (protocol >= ARRAY_LEN(socksec_protocol_names)) {
		errno = EINVAL;
		return NULL;
	}
	return socksec_protocol_names[protocol];
}

EXPORT int socksec_protocol_parse(const char *name, uint32_t *protocol)
{
	uint32_t p;

	if (!name || !protocol) {
		errno = EINVAL;
		return -1;
	}
	for (p = 0; p < ARRAY_LEN(socksec_protocol_names); p++) {
		if (!strcasecmp(name, socksec_protocol_names[p])) {
			*protocol = p;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

static int socksec_flag_word(const char *w, size_t n, uint32_t *flags)
{
	char *end;
	unsigned long v;

	if (n == 7 && !strncasecmp(w, "encrypt", n)) {
		*flags |= SOCKSEC_GUARANTEE_ENCRYPTION;
		return 0;
	}
	if (n == 8 && !strncasecmp(w, "insecure", n)) {
		*flags |= SOCKSEC_ALLOW_INSECURE;
		return 0;
	}
	if (n == 4 && !strncasecmp(w, "none", n))
		return 0;
	/* Digits only: strtoul() would also take blanks and a sign. */
	if (n == 0 || *w < '0' || *w > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoul(w, &end, 0);
	if (errno || end != w + n || v > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	*flags |= (uint32_t)v;
	return 0;
}

EXPORT int socksec_flags_parse(const char *text, uint32_t *flags)
{
	uint32_t f = 0;
	const char *p = text;

	if (!text || !flags) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		size_t n = strcspn(p, ",");

		if (socksec_flag_word(p, n, &f) < 0)
			return -1;
		if (!p[n])
			break;
		p += n + 1;
	}
	*flags = f;
	return 0;
}

EXPORT int socksec_state_format(uint32_t state, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ SOCKSEC_STATE_REQUIRED,  "required" },
		{ SOCKSEC_STATE_PENDING,   "pending" },
		{ SOCKSEC_STATE_SECURED,   "secured" },
		{ SOCKSEC_STATE_ENCRYPTED, "encrypted" },
		{ SOCKSEC_STATE_INSECURE,  "insecure" },
		{ SOCKSEC_STATE_REFUSED,   "refused" },
	};
	size_t i, used = 0;
	int n;

	if (!buf || !len) {
		errno = EINVAL;
		return -1;
	}
	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(bits); i++) {
		if (!(state & bits[i].bit))
			continue;
		n = snprintf(buf + used, len - used, "%s%s",
			     used ? "," : "", bits[i].name);
		if (n < 0 || (size_t)n >= len - used) {
			errno = ENOSPC;
			return -1;
		}
		used += n;
	}
	if (!used && snprintf(buf, len, "none") >= (int)len) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}
