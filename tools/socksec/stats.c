// SPDX-License-Identifier: GPL-2.0
/*
 * socksec stats: the counters of /proc/net/socksec (of the caller's
 * network namespace), all or those named.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "json.h"

#define MAX_COUNTERS 128

struct counters {
	int n;
	char name[MAX_COUNTERS][64];
	uint64_t value[MAX_COUNTERS];
};

static void stats_usage(FILE *f)
{
	fprintf(f,
		"usage: socksec stats [-j] [--pretty] [-z] [NAME...]\n"
		"the counters of %s, all or the NAMEs given;\n"
		"-z: only those that are not zero\n", SOCKSEC_PROC);
}

static int add_counter(const char *name, uint64_t value, void *arg)
{
	struct counters *c = arg;

	if (c->n == MAX_COUNTERS || strlen(name) >= sizeof(c->name[0]))
		return 0;
	strcpy(c->name[c->n], name);
	c->value[c->n++] = value;
	return 0;
}

static int find(const struct counters *c, const char *name)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return i;
	return -1;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'P' },
		{ "nonzero", no_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct counters *c;
	struct proc_reader r = { .counter = add_counter };
	bool nonzero = false;
	int *pick, npick = 0, i, w = 0, ch, ret;
	struct json j;

	while ((ch = getopt_long(argc, argv, "jzh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			cli.json = true;
			break;
		case 'P':
			cli.json = true;
			cli.pretty = true;
			break;
		case 'z':
			nonzero = true;
			break;
		case 'h':
			stats_usage(stdout);
			return EXIT_OK;
		default:
			stats_usage(stderr);
			return EXIT_USAGE;
		}
	}
	c = calloc(1, sizeof(*c));
	pick = calloc(MAX_COUNTERS, sizeof(*pick));
	if (!c || !pick) {
		cli_err("out of memory");
		ret = EXIT_FAIL;
		goto out;
	}
	r.arg = c;
	ret = proc_read(&r);
	if (ret != EXIT_OK)
		goto out;
	for (; optind < argc; optind++) {
		i = find(c, argv[optind]);
		if (i < 0) {
			cli_err("stats: unknown counter '%s' (socksec stats lists them)",
				argv[optind]);
			ret = EXIT_USAGE;
			goto out;
		}
		if (npick < MAX_COUNTERS)
			pick[npick++] = i;
	}
	if (!npick)
		for (i = 0; i < c->n; i++)
			pick[npick++] = i;
	for (i = 0; i < npick; i++)
		if ((int)strlen(c->name[pick[i]]) > w)
			w = strlen(c->name[pick[i]]);
	if (cli.json) {
		json_init(&j, stdout, cli.pretty);
		json_obj_open(&j, NULL);
	}
	for (i = 0; i < npick; i++) {
		int k = pick[i];

		if (nonzero && !c->value[k])
			continue;
		if (cli.json)
			json_uint(&j, c->name[k], c->value[k]);
		else
			printf("%-*s %llu\n", w, c->name[k],
			       (unsigned long long)c->value[k]);
	}
	if (cli.json) {
		json_obj_close(&j);
		if (json_finish(&j))
			ret = EXIT_FAIL;
	}
out:
	free(pick);
	free(c);
	return ret;
}
