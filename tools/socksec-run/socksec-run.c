// SPDX-License-Identifier: GPL-2.0
/*
 * socksec-run - run an unmodified program with socksec settings on every
 * TCP and UDP socket it creates.
 *
 *   socksec-run [--protocol ipsec|ktls|any|default]
 *               [--guarantee-encryption] [--allow-insecure] [--]
 *               PROGRAM [ARGS...]
 *
 * It checks that the module is loaded, puts libsocksec-run.so first in
 * LD_PRELOAD and the settings in SOCKSEC_RUN_PROTOCOL/SOCKSEC_RUN_FLAGS,
 * and executes PROGRAM. See Documentation/ktls.rst for what the library
 * does and what it cannot cover.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <socksec.h>

#ifndef SOCKSEC_RUN_LIBDIR
#define SOCKSEC_RUN_LIBDIR "/usr/local/lib/socksec"
#endif
#define PRELOAD_NAME "libsocksec-run.so"

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: socksec-run [--protocol ipsec|ktls|any|default]\n"
		"                   [--guarantee-encryption] [--allow-insecure]\n"
		"                   [--] PROGRAM [ARGS...]\n"
		"Runs PROGRAM with socksec settings on each TCP and UDP socket it\n"
		"creates (default protocol: default, the system's choice).\n"
		"Environment: SOCKSEC_RUN_LIB overrides the library's path.\n");
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The library: $SOCKSEC_RUN_LIB, next to this program, or the install path. */
static int find_library(char *buf, size_t len)
{
	const char *env = getenv("SOCKSEC_RUN_LIB");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		if (env[0] != '/' || !is_file(env))
			return -1;
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -1;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(buf, len, "%s/%s", self, PRELOAD_NAME) < (int)len &&
			    is_file(buf))
				return 0;
		}
	}
	if (snprintf(buf, len, "%s/%s", SOCKSEC_RUN_LIBDIR, PRELOAD_NAME) >= (int)len)
		return -1;
	return is_file(buf) ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "protocol", required_argument, NULL, 'p' },
		{ "guarantee-encryption", no_argument, NULL, 'e' },
		{ "allow-insecure", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint32_t protocol = SOCKSEC_PROTO_DEFAULT, flags = 0;
	char lib[PATH_MAX], num[16], *preload;
	const char *old;
	int c;

	/* "+": options end at PROGRAM; its own options are its own. */
	while ((c = getopt_long(argc, argv, "+p:eih", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (socksec_protocol_parse(optarg, &protocol) < 0 ||
			    protocol == SOCKSEC_PROTO_IPSEC2) {
				fprintf(stderr, "socksec-run: unknown protocol '%s'\n", optarg);
				return 2;
			}
			break;
		case 'e':
			flags |= SOCKSEC_GUARANTEE_ENCRYPTION;
			break;
		case 'i':
			flags |= SOCKSEC_ALLOW_INSECURE;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			print_help(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		print_help(stderr);
		return 2;
	}
	if ((flags & SOCKSEC_GUARANTEE_ENCRYPTION) && (flags & SOCKSEC_ALLOW_INSECURE)) {
		fprintf(stderr,
			"socksec-run: --guarantee-encryption and --allow-insecure contradict each other\n");
		return 2;
	}
	if (access("/sys/kernel/socksec", F_OK) < 0) {
		fprintf(stderr,
			"socksec-run: the socksec module is not loaded (no /sys/kernel/socksec)\n");
		return 1;
	}
	if (find_library(lib, sizeof(lib)) < 0) {
		fprintf(stderr, "socksec-run: cannot find %s (set SOCKSEC_RUN_LIB)\n",
			PRELOAD_NAME);
		return 1;
	}
	old = getenv("LD_PRELOAD");
	if (old && *old) {
		if (asprintf(&preload, "%s:%s", lib, old) < 0)
			return 1;
	} else {
		preload = lib;
	}
	snprintf(num, sizeof(num), "%u", protocol);
	if (setenv("SOCKSEC_RUN_PROTOCOL", num, 1) < 0)
		return 1;
	snprintf(num, sizeof(num), "%u", flags);
	if (setenv("SOCKSEC_RUN_FLAGS", num, 1) < 0 ||
	    setenv("LD_PRELOAD", preload, 1) < 0)
		return 1;
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "socksec-run: %s: %s\n", argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
