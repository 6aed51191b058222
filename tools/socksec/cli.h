/* SPDX-License-Identifier: GPL-2.0 */
/*
 * socksec CLI: what the command groups share.
 */
#ifndef SOCKSEC_CLI_H
#define SOCKSEC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <socksec.h>

#define SOCKSEC_SYSFS	"/sys/kernel/socksec"
#define SOCKSEC_PROC	"/proc/net/socksec"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit statuses of every command (documented in socksec(8)). */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* the system refused or failed */
#define EXIT_USAGE	2	/* bad command line, unknown key, bad value */

/* Options given before the command (also accepted by each command). */
struct cli_opts {
	bool json;
	bool pretty;
};

extern struct cli_opts cli;

int cmd_show(int argc, char **argv);
int cmd_defaults(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* "socksec: " and the message on stderr, one line. */
#define cli_err(fmt, ...) \
	(fflush(stdout), fprintf(stderr, "socksec: " fmt "\n", ##__VA_ARGS__))
/* Whether the module is loaded; if not, says so on stderr. */
bool cli_module_loaded(void);
/* The protocol's name, or its number when libsocksec does not know it. */
const char *cli_protocol_name(uint32_t protocol, char *buf, size_t len);
/* "encrypt", "insecure", "encrypt,0x4", "none" for flags. */
void cli_flags_format(uint32_t flags, char *buf, size_t len);

/* One socket line of /proc/net/socksec. */
#define PROC_MAX_EXTRA 8
struct proc_sock {
	char transport[8];		/* "tcp", "udp" */
	int family;			/* AF_INET, AF_INET6 */
	char laddr[64], raddr[64];
	unsigned int lport, rport;
	char protocol[16];		/* requirement in force */
	uint32_t flags;
	char state[16];			/* the strongest state word */
	char mechanism[16];		/* "ipsec", "ktls", "none" */
	uint32_t spi_out, spi_in;
	char cipher[80];		/* "" when none */
	/* key=value fields this CLI does not know yet, kept as they are */
	int n_extra;
	char extra_key[PROC_MAX_EXTRA][32];
	char extra_val[PROC_MAX_EXTRA][80];
};

struct proc_reader {
	int (*counter)(const char *name, uint64_t value, void *arg);
	int (*sock)(const struct proc_sock *s, void *arg);
	void *arg;
};

/*
 * Reads /proc/net/socksec, calling the reader's callbacks (either may be
 * NULL). Returns EXIT_OK, or an exit status after saying why on stderr.
 */
int proc_read(const struct proc_reader *r);

#endif /* SOCKSEC_CLI_H */
