// SPDX-License-Identifier: GPL-2.0
/*
 * socksec show: the sockets that carry settings, like ss(8), from
 * /proc/net/socksec; filters on transport, family, requirement, state and
 * ports.
 */
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "cli.h"
#include "json.h"

static const char *const state_words[] = {
	"required", "pending", "secured", "encrypted", "insecure", "refused",
};

enum port_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct port_filter {
	bool set;
	enum port_op op;
	unsigned int port;
};

struct show_filter {
	bool tcp, udp;		/* none set: both */
	bool inet, inet6;	/* -4, -6: neither means both */
	const char *protocol;
	const char *state;
	struct port_filter sport, dport;
};

struct show_rows {
	struct proc_sock *v;
	size_t n, cap;
	const struct show_filter *f;
};

static void show_usage(FILE *f)
{
	fprintf(f,
		"usage: socksec show [-j] [--pretty] [-t] [-u] [-4] [-6]\n"
		"                    [--protocol PROTO] [--state STATE]\n"
		"                    [sport [OP] PORT] [dport [OP] PORT]\n"
		"PROTO: ipsec ipsec2 ktls any (the requirement in force)\n"
		"STATE: required pending secured encrypted insecure refused\n"
		"OP: = != < <= > >= (or eq ne lt le gt ge; default =)\n"
		"PORT: a number or a service name, optionally after ':'\n");
}

static bool port_match(const struct port_filter *pf, unsigned int port)
{
	if (!pf->set)
		return true;
	switch (pf->op) {
	case OP_EQ:
		return port == pf->port;
	case OP_NE:
		return port != pf->port;
	case OP_LT:
		return port < pf->port;
	case OP_LE:
		return port <= pf->port;
	case OP_GT:
		return port > pf->port;
	case OP_GE:
		return port >= pf->port;
	}
	return false;
}

static bool show_match(const struct show_filter *f, const struct proc_sock *s)
{
	if ((f->tcp || f->udp) &&
	    !((f->tcp && !strcmp(s->transport, "tcp")) ||
	      (f->udp && !strcmp(s->transport, "udp"))))
		return false;
	if ((f->inet || f->inet6) &&
	    !(f->inet && s->family == AF_INET) &&
	    !(f->inet6 && s->family == AF_INET6))
		return false;
	if (f->protocol && strcasecmp(f->protocol, s->protocol))
		return false;
	if (f->state && strcasecmp(f->state, s->state))
		return false;
	return port_match(&f->sport, s->lport) &&
	       port_match(&f->dport, s->rport);
}

static int collect(const struct proc_sock *s, void *arg)
{
	struct show_rows *rows = arg;

	if (!show_match(rows->f, s))
		return 0;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? 2 * rows->cap : 16;
		struct proc_sock *v = realloc(rows->v, cap * sizeof(*v));

		if (!v) {
			cli_err("out of memory");
			return -1;
		}
		rows->v = v;
		rows->cap = cap;
	}
	rows->v[rows->n++] = *s;
	return 0;
}

static void endpoint(char *buf, size_t len, const struct proc_sock *s,
		     bool local)
{
	const char *addr = local ? s->laddr : s->raddr;
	unsigned int port = local ? s->lport : s->rport;

	if (s->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
}

static void requirement(char *buf, size_t len, const struct proc_sock *s)
{
	char flags[64];

	cli_flags_format(s->flags, flags, sizeof(flags));
	if (!strcmp(flags, "none"))
		snprintf(buf, len, "%s", s->protocol);
	else
		snprintf(buf, len, "%s+%s", s->protocol, flags);
}

static void print_json(const struct show_rows *rows)
{
	struct json j;
	size_t i;
	int k;

	json_init(&j, stdout, cli.pretty);
	json_arr_open(&j, NULL);
	for (i = 0; i < rows->n; i++) {
		const struct proc_sock *s = &rows->v[i];

		json_obj_open(&j, NULL);
		json_str(&j, "transport", s->transport);
		json_str(&j, "family", s->family == AF_INET6 ? "inet6" : "inet");
		json_obj_open(&j, "local");
		json_str(&j, "address", s->laddr);
		json_uint(&j, "port", s->lport);
		json_obj_close(&j);
		json_obj_open(&j, "peer");
		json_str(&j, "address", s->raddr);
		json_uint(&j, "port", s->rport);
		json_obj_close(&j);
		json_str(&j, "protocol", s->protocol);
		json_uint(&j, "flags", s->flags);
		json_arr_open(&j, "flag_names");
		if (s->flags & SOCKSEC_GUARANTEE_ENCRYPTION)
			json_str(&j, NULL, "encrypt");
		if (s->flags & SOCKSEC_ALLOW_INSECURE)
			json_str(&j, NULL, "insecure");
		json_arr_close(&j);
		json_str(&j, "state", s->state);
		json_str(&j, "mechanism", s->mechanism);
		json_uint(&j, "spi_out", s->spi_out);
		json_uint(&j, "spi_in", s->spi_in);
		if (s->cipher[0])
			json_str(&j, "cipher", s->cipher);
		else
			json_null(&j, "cipher");
		for (k = 0; k < s->n_extra; k++)
			json_str(&j, s->extra_key[k], s->extra_val[k]);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_finish(&j);
}

#define COLS 8

static void print_table(const struct show_rows *rows)
{
	static const char *const head[COLS] = {
		"Proto", "State", "Local Address:Port", "Peer Address:Port",
		"Requires", "Mechanism", "SPI out/in", "Cipher",
	};
	char cell[COLS][96];
	int w[COLS], c;
	size_t i;

	for (c = 0; c < COLS; c++)
		w[c] = strlen(head[c]);
	/* Two passes: the widths, then the lines. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass) {
			for (c = 0; c < COLS - 1; c++)
				printf("%-*s ", w[c], head[c]);
			printf("%s\n", head[COLS - 1]);
		}
		for (i = 0; i < rows->n; i++) {
			const struct proc_sock *s = &rows->v[i];

			snprintf(cell[0], sizeof(cell[0]), "%s", s->transport);
			snprintf(cell[1], sizeof(cell[1]), "%s", s->state);
			endpoint(cell[2], sizeof(cell[2]), s, true);
			endpoint(cell[3], sizeof(cell[3]), s, false);
			requirement(cell[4], sizeof(cell[4]), s);
			snprintf(cell[5], sizeof(cell[5]), "%s", s->mechanism);
			if (s->spi_out || s->spi_in)
				snprintf(cell[6], sizeof(cell[6]), "0x%08x/0x%08x",
					 s->spi_out, s->spi_in);
			else
				snprintf(cell[6], sizeof(cell[6]), "-");
			snprintf(cell[7], sizeof(cell[7]), "%s",
				 s->cipher[0] ? s->cipher : "-");
			for (c = 0; c < COLS; c++) {
				int n = strlen(cell[c]);

				if (!pass) {
					if (n > w[c])
						w[c] = n;
					continue;
				}
				if (c < COLS - 1)
					printf("%-*s ", w[c], cell[c]);
				else
					printf("%s\n", cell[c]);
			}
		}
	}
}

static int parse_port(const char *word, unsigned int *port)
{
	struct servent *se;
	char *end;
	long v;

	if (*word == ':')
		word++;
	/* Digits, or a name: strtol() would also take blanks and signs. */
	if (*word >= '0' && *word <= '9') {
		v = strtol(word, &end, 10);
		if (*end || v > 65535)
			return -1;
		*port = v;
		return 0;
	}
	se = getservbyname(word, NULL);
	if (!se)
		return -1;
	*port = ntohs(se->s_port);
	return 0;
}

static int parse_op(const char *word, enum port_op *op)
{
	static const struct { const char *a, *b; enum port_op op; } ops[] = {
		{ "=", "eq", OP_EQ }, { "==", "eq", OP_EQ },
		{ "!=", "ne", OP_NE }, { "neq", "ne", OP_NE },
		{ "<", "lt", OP_LT }, { "<=", "le", OP_LE },
		{ ">", "gt", OP_GT }, { ">=", "ge", OP_GE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		if (!strcmp(word, ops[i].a) || !strcmp(word, ops[i].b)) {
			*op = ops[i].op;
			return 0;
		}
	}
	return -1;
}

/* "sport [OP] PORT" and "dport [OP] PORT"; returns words used or -1. */
static int parse_expr(int argc, char **argv, struct show_filter *f)
{
	struct port_filter *pf;
	int used = 1;

	if (!strcmp(argv[0], "sport")) {
		pf = &f->sport;
	} else if (!strcmp(argv[0], "dport")) {
		pf = &f->dport;
	} else {
		cli_err("show: unknown filter '%s' (sport, dport)", argv[0]);
		return -1;
	}
	pf->op = OP_EQ;
	if (used < argc && !parse_op(argv[used], &pf->op))
		used++;
	if (used >= argc) {
		cli_err("show: %s wants a port", argv[0]);
		return -1;
	}
	if (parse_port(argv[used], &pf->port) < 0) {
		cli_err("show: %s: bad port '%s'", argv[0], argv[used]);
		return -1;
	}
	pf->set = true;
	return used + 1;
}

int cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'P' },
		{ "tcp", no_argument, NULL, 't' },
		{ "udp", no_argument, NULL, 'u' },
		{ "protocol", required_argument, NULL, 'p' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct show_filter f = { 0 };
	struct show_rows rows = { .f = &f };
	struct proc_reader r = { .sock = collect, .arg = &rows };
	uint32_t proto;
	size_t i;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jtu46p:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			cli.json = true;
			break;
		case 'P':
			cli.json = true;
			cli.pretty = true;
			break;
		case 't':
			f.tcp = true;
			break;
		case 'u':
			f.udp = true;
			break;
		case '4':
			f.inet = true;
			break;
		case '6':
			f.inet6 = true;
			break;
		case 'p':
			if (socksec_protocol_parse(optarg, &proto) < 0 ||
			    proto == SOCKSEC_PROTO_DEFAULT) {
				cli_err("show: unknown protocol '%s' (ipsec, ipsec2, ktls, any)",
					optarg);
				return EXIT_USAGE;
			}
			f.protocol = optarg;
			break;
		case 's':
			for (i = 0; i < ARRAY_SIZE(state_words); i++)
				if (!strcasecmp(optarg, state_words[i]))
					break;
			if (i == ARRAY_SIZE(state_words)) {
				cli_err("show: unknown state '%s' (required, pending, secured, encrypted, insecure, refused)",
					optarg);
				return EXIT_USAGE;
			}
			f.state = optarg;
			break;
		case 'h':
			show_usage(stdout);
			return EXIT_OK;
		default:
			show_usage(stderr);
			return EXIT_USAGE;
		}
	}
	while (optind < argc) {
		int used = parse_expr(argc - optind, argv + optind, &f);

		if (used < 0)
			return EXIT_USAGE;
		optind += used;
	}
	ret = proc_read(&r);
	if (ret == EXIT_OK) {
		if (cli.json)
			print_json(&rows);
		else
			print_table(&rows);
	}
	free(rows.v);
	return ret;
}
