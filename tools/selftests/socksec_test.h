/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by socksec's C tests (kselftest harness style).
 */
#ifndef SOCKSEC_TEST_H
#define SOCKSEC_TEST_H

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/socksec.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

#define SYSFS_DIR "/sys/kernel/socksec"
/* Every flag bit (both at once are refused), the last protocol. */
#define SS_FLAGS_ALL (SOCKSEC_GUARANTEE_ENCRYPTION | SOCKSEC_ALLOW_INSECURE)
#define SS_PROTO_LAST SOCKSEC_PROTO_ANY
/* The first option number after socksec's. */
#define SS_OPT_UNUSED (SOCKSEC_QUERY + 1)
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* setsockopt() of raw bytes; returns 0 or errno. */
static inline int ss_set_raw(int fd, int level, const void *p, socklen_t len)
{
	return setsockopt(fd, level, SOCKSEC_SETTINGS, p, len) ? errno : 0;
}

static inline int ss_set(int fd, int level, __u32 protocol, __u32 flags)
{
	struct socksec_settings s = { .protocol = protocol, .flags = flags };

	return ss_set_raw(fd, level, &s, sizeof(s));
}

/* getsockopt(SOCKSEC_SETTINGS); returns 0 or errno. */
static inline int ss_get(int fd, int level, struct socksec_settings *s)
{
	socklen_t len = sizeof(*s);

	memset(s, 0xa5, sizeof(*s));
	if (getsockopt(fd, level, SOCKSEC_SETTINGS, s, &len))
		return errno;
	return len == sizeof(*s) ? 0 : EMSGSIZE;
}

static inline int ss_query(int fd, int level, struct socksec_query *q)
{
	socklen_t len = sizeof(*q);

	memset(q, 0xa5, sizeof(*q));
	if (getsockopt(fd, level, SOCKSEC_QUERY, q, &len))
		return errno;
	return len == sizeof(*q) ? 0 : EMSGSIZE;
}

/* Read a knob's file into buf (newline stripped); returns 0 or errno. */
static inline int knob_read(const char *dir, const char *knob, char *buf,
			    size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return errno;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/*
 * len bytes of val to DIR/KNOB in one write(), at offset off (pwrite) if
 * off >= 0. Returns 0 or errno; a short write is EMSGSIZE.
 */
static inline int knob_pwrite(const char *dir, const char *knob,
			      const void *val, size_t len, off_t off)
{
	char path[256];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	n = off >= 0 ? pwrite(fd, val, len, off) : write(fd, val, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EMSGSIZE;
	close(fd);
	return err;
}

/* Write a knob's file in one write(); returns 0 or errno. */
static inline int knob_write(const char *dir, const char *knob,
			     const char *val)
{
	return knob_pwrite(dir, knob, val, strlen(val), -1);
}

/* A knob of /sys/kernel/socksec (the initial namespace's). */
static inline int sysfs_read(const char *knob, char *buf, size_t len)
{
	return knob_read(SYSFS_DIR, knob, buf, len);
}

static inline int sysfs_write(const char *knob, const char *val)
{
	return knob_write(SYSFS_DIR, knob, val);
}

/* Everything readable on fd within ms, into buf; returns the length. */
static inline size_t drain(int fd, char *buf, size_t size, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < size && poll(&p, 1, ms) > 0) {
		n = recv(fd, buf + got, size - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

/* A socket's pending error (SO_ERROR), -1 if it cannot be read. */
static inline int sock_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = -1;

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err;
}

#endif /* SOCKSEC_TEST_H */
