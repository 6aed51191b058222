// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsocksec-run.so - give every IP socket of an unmodified program the
 * socksec settings socksec-run(1) was asked for.
 *
 * socksec-run puts this library in LD_PRELOAD and the settings in
 * SOCKSEC_RUN_PROTOCOL and SOCKSEC_RUN_FLAGS (numbers, see
 * <linux/socksec.h>). The library wraps:
 *
 * socket()	an AF_INET or AF_INET6 TCP or UDP socket gets SOCKSEC_SETTINGS
 *		before socket() returns. If the kernel refuses the settings,
 *		the socket is closed and socket() fails with the kernel's
 *		errno: the program never holds an unprotected socket.
 *		SOCKSEC_PROTO_KTLS protects TCP only: a UDP socket is refused
 *		with EPROTOTYPE (what the kernel answers too) rather than
 *		left in clear. Other IP sockets (raw, ICMP, SCTP, MPTCP),
 *		which socksec cannot protect, are refused with
 *		ESOCKTNOSUPPORT unless SOCKSEC_ALLOW_INSECURE is asked for.
 * accept(), accept4()
 *		an accepted TCP socket normally inherits its listener's
 *		settings. One that has none (a listener inherited from a
 *		process that did not run under socksec-run) cannot get any
 *		once connected: it is closed and accept() fails with the
 *		kernel's errno for a late setsockopt (EISCONN).
 *
 * When libc's own socket(), accept() or accept4() cannot be found, they fail
 * with ELIBACC. Calls that bypass the dynamic linker are not seen: see
 * Documentation/ktls.rst.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <socksec.h>

#define EXPORT __attribute__((visibility("default")))

static int (*real_socket)(int, int, int);
static int (*real_accept)(int, struct sockaddr *, socklen_t *);
static int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);

/* The settings; -1 in run_protocol when the environment is unusable. */
static int64_t run_protocol = -1;
static uint32_t run_flags;

static int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || *end || n > UINT32_MAX)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

static void socksec_run_init(void)
{
	uint32_t p, f;

	real_socket = dlsym(RTLD_NEXT, "socket");
	real_accept = dlsym(RTLD_NEXT, "accept");
	real_accept4 = dlsym(RTLD_NEXT, "accept4");
	if (parse_u32(getenv("SOCKSEC_RUN_PROTOCOL"), &p) ||
	    parse_u32(getenv("SOCKSEC_RUN_FLAGS"), &f))
		return;
	run_protocol = p;
	run_flags = f;
}

static pthread_once_t socksec_run_once = PTHREAD_ONCE_INIT;

/*
 * Resolved at the first call, not in a constructor: another library's
 * constructor may create a socket before this library's runs.
 */
static void socksec_run_setup(void)
{
	pthread_once(&socksec_run_once, socksec_run_init);
}

/*
 * What socket(domain, type, protocol) needs: 1 settings, 0 nothing (not an
 * IP socket), -1 refuse with errno set.
 */
static int socksec_run_wants(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int tcp = base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP);
	int udp = base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP);

	if (domain != AF_INET && domain != AF_INET6)
		return 0;
	if (run_protocol < 0) {
		/* Loaded without usable settings: nothing may go out. */
		errno = EINVAL;
		return -1;
	}
	if (!tcp && !udp) {
		if (run_flags & SOCKSEC_ALLOW_INSECURE)
			return 0;
		errno = ESOCKTNOSUPPORT;
		return -1;
	}
	if (udp && run_protocol == SOCKSEC_PROTO_KTLS) {
		errno = EPROTOTYPE;
		return -1;
	}
	return 1;
}

EXPORT int socket(int domain, int type, int protocol)
{
	int fd, err, want;

	socksec_run_setup();
	if (!real_socket) {
		errno = ELIBACC;
		return -1;
	}
	want = socksec_run_wants(domain, type, protocol);
	if (want < 0)
		return -1;
	fd = real_socket(domain, type, protocol);
	if (fd < 0 || !want)
		return fd;
	if (socksec_set(fd, (uint32_t)run_protocol, run_flags) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Check (and if need be refuse) a socket accept() returned. */
static int socksec_run_accepted(int fd)
{
	struct socksec_settings s;
	socklen_t len = sizeof(int);
	int domain, type, err;

	if (fd < 0)
		return fd;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		goto refuse;
	if (domain != AF_INET && domain != AF_INET6)
		return fd;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		goto refuse;
	if (type != SOCK_STREAM)
		return fd;
	if (socksec_get(fd, &s) == 0)
		return fd;
	if (errno != ENODATA)
		goto refuse;
	if (run_protocol < 0) {
		errno = EINVAL;
		goto refuse;
	}
	if (socksec_set(fd, (uint32_t)run_protocol, run_flags) == 0)
		return fd;
refuse:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

EXPORT int accept(int sockfd, struct sockaddr *addr, socklen_t *addrlen)
{
	socksec_run_setup();
	if (!real_accept) {
		errno = ELIBACC;
		return -1;
	}
	return socksec_run_accepted(real_accept(sockfd, addr, addrlen));
}

EXPORT int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen,
		   int flags)
{
	socksec_run_setup();
	if (!real_accept4) {
		errno = ELIBACC;
		return -1;
	}
	return socksec_run_accepted(real_accept4(sockfd, addr, addrlen, flags));
}
