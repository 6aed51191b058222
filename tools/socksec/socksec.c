// SPDX-License-Identifier: GPL-2.0
/*
 * socksec - command-line front end of the socksec module, in the style of
 * iproute2: one command group per source file.
 *
 *   show       sockets with settings and what protects them (show.c)
 *   defaults   the administrator's defaults in sysfs (defaults.c)
 *   stats      the namespace's counters (stats.c)
 *   connect, serve  protected connections to try the guarantee (conn.c)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

#ifndef SOCKSEC_VERSION
#define SOCKSEC_VERSION "unknown"
#endif

struct cli_opts cli;

bool cli_module_loaded(void)
{
	if (access(SOCKSEC_SYSFS, F_OK) == 0)
		return true;
	if (errno == ENOENT)
		cli_err("the socksec module is not loaded (%s is missing): modprobe socksec",
			SOCKSEC_SYSFS);
	else
		cli_err("%s: %s", SOCKSEC_SYSFS, strerror(errno));
	return false;
}

const char *cli_protocol_name(uint32_t protocol, char *buf, size_t len)
{
	const char *name = socksec_protocol_name(protocol);

	if (name)
		return name;
	snprintf(buf, len, "%u", protocol);
	return buf;
}

/* The flag bits socksec knows. */
#define CLI_FLAGS_KNOWN (SOCKSEC_GUARANTEE_ENCRYPTION | SOCKSEC_ALLOW_INSECURE)

void cli_flags_format(uint32_t flags, char *buf, size_t len)
{
	uint32_t rest = flags & ~CLI_FLAGS_KNOWN;

	snprintf(buf, len, "%s%s%s", (flags & SOCKSEC_GUARANTEE_ENCRYPTION) ?
		 "encrypt" : "",
		 (flags & SOCKSEC_GUARANTEE_ENCRYPTION) &&
		 (flags & SOCKSEC_ALLOW_INSECURE) ? "," : "",
		 (flags & SOCKSEC_ALLOW_INSECURE) ? "insecure" : "");
	if (rest)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s0x%x",
			 flags & CLI_FLAGS_KNOWN ? "," : "", rest);
	else if (!flags)
		snprintf(buf, len, "none");
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: socksec [-j|--json] [--pretty] COMMAND [ARGS]\n"
		"       socksec {-h|--help|-V|--version}\n"
		"       socksec help [COMMAND]\n"
		"commands:\n"
		"  show [-t] [-u] [-4] [-6] [--protocol PROTO] [--state STATE]\n"
		"       [sport [OP] PORT] [dport [OP] PORT]\n"
		"                        sockets with settings and their protection\n"
		"  defaults [show]       the system defaults (/sys/kernel/socksec)\n"
		"  defaults get KEY      one default's value\n"
		"  defaults set KEY VALUE\n"
		"                        change a default (root)\n"
		"  stats [NAME...]       the counters of /proc/net/socksec\n"
		"  connect [-4|-6] [-u] [-p PROTO] [-f FLAGS] [-m MSG] [-c COUNT]\n"
		"          [-i MS] [-w MS] HOST PORT\n"
		"                        a client that sends MSG and awaits its echo\n"
		"  serve [-4|-6] [-u] [-p PROTO] [-f FLAGS] [-n COUNT] PORT\n"
		"                        an echo server\n"
		"'socksec COMMAND -h' describes one command; see socksec(8).\n");
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "show", cmd_show },
	{ "defaults", cmd_defaults },
	{ "stats", cmd_stats },
	{ "connect", cmd_connect },
	{ "serve", cmd_serve },
	/* Before "defaults set" existed. */
	{ "set", cmd_set },
};

/* "help [COMMAND]": the usage, or the command's own (its -h). */
static int cmd_help(int argc, char **argv)
{
	char help[] = "-h";
	char *args[3] = { NULL, help, NULL };
	size_t i;

	if (argc == 1) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2) {
		cli_err("help: one command at most");
		print_usage(stderr);
		return EXIT_USAGE;
	}
	/* "set" is "defaults set" under its old name. */
	args[0] = strcmp(argv[1], "set") ? argv[1] : "defaults";
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(args[0], commands[i].name)) {
			optind = 0;
			return commands[i].fn(2, args);
		}
	}
	cli_err("help: unknown command '%s' (try socksec --help)", argv[1]);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	/* Line by line, so scripts can follow a running exchange. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* "+": the options end at the command. */
	while ((c = getopt_long(argc, argv, "+jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			cli.json = true;
			break;
		case 'P':
			cli.json = true;
			cli.pretty = true;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("socksec %s\n", SOCKSEC_VERSION);
			return EXIT_OK;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help"))
		return cmd_help(argc - optind, argv + optind);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			argc -= optind;
			argv += optind;
			/* Each command parses its own options afresh. */
			optind = 0;
			return commands[i].fn(argc, argv);
		}
	}
	cli_err("unknown command '%s' (try socksec --help)", argv[optind]);
	return EXIT_USAGE;
}
