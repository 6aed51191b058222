// SPDX-License-Identifier: GPL-2.0
/*
 * socksec defaults: the administrator's defaults, one file each in
 * /sys/kernel/socksec. Lists whatever files the loaded module has, so a
 * newer module's keys show without a newer CLI; set says precisely why a
 * value was refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "json.h"

#define MAX_KEYS 64
#define KEY_LEN 64
#define VAL_LEN 256

/* What each known key accepts (Documentation/ABI/testing/sysfs-kernel-socksec). */
static const struct {
	const char *key;
	const char *accepts;
	const char *busy;
} key_help[] = {
	{ "mode", "enforce, audit or off", NULL },
	{ "default_protocol", "ipsec, ktls or any", NULL },
	{ "default_flags",
	  "encrypt (0x1), insecure (0x2), none (0), not both", NULL },
	{ "protect_loopback", "0 or 1 (also y/n, yes/no, on/off)", NULL },
	{ "ipsec_reqid", "0 (SPD mode) or a reqid from 1 to 4294967295", NULL },
	{ "ipsec_mark", "a single bit below bit 31, such as 0x01000000",
	  "it is fixed once a socket has been protected, until reboot" },
	{ "hold_timeout_ms", "a number of milliseconds from 100 to 600000",
	  NULL },
	{ "ktls_handshake_budget", "a number of bytes from 0 to 1048576",
	  NULL },
};

static int key_index(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(key_help); i++)
		if (!strcmp(key, key_help[i].key))
			return i;
	return -1;
}

static void defaults_usage(FILE *f)
{
	fprintf(f,
		"usage: socksec defaults [show] [-j] [--pretty]\n"
		"       socksec defaults get KEY\n"
		"       socksec defaults set KEY VALUE\n"
		"KEYs are the files of %s, such as mode, default_protocol,\n"
		"default_flags, protect_loopback, ipsec_reqid, ipsec_mark,\n"
		"hold_timeout_ms; setting one needs root.\n", SOCKSEC_SYSFS);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of the sysfs directory, sorted; -1 on error. */
static int list_keys(char keys[][KEY_LEN], int max)
{
	char *ptrs[MAX_KEYS], tmp[MAX_KEYS][KEY_LEN];
	struct dirent *de;
	int n = 0, i;
	DIR *d;

	if (!cli_module_loaded())
		return -1;
	d = opendir(SOCKSEC_SYSFS);
	if (!d) {
		cli_err("%s: %s", SOCKSEC_SYSFS, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) && n < max && n < MAX_KEYS) {
		char path[sizeof(SOCKSEC_SYSFS) + KEY_LEN + 1];
		struct stat st;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= KEY_LEN)
			continue;
		snprintf(path, sizeof(path), "%s/%s", SOCKSEC_SYSFS, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		strcpy(tmp[n], de->d_name);
		ptrs[n] = tmp[n];
		n++;
	}
	closedir(d);
	qsort(ptrs, n, sizeof(ptrs[0]), cmp_str);
	for (i = 0; i < n; i++)
		strcpy(keys[i], ptrs[i]);
	return n;
}

static bool known_key(const char *key, char keys[][KEY_LEN], int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static void unknown_key(const char *key, char keys[][KEY_LEN], int n)
{
	char list[MAX_KEYS * (KEY_LEN + 2)] = "";
	int i;

	for (i = 0; i < n; i++) {
		strcat(list, i ? ", " : "");
		strcat(list, keys[i]);
	}
	cli_err("defaults: unknown key '%s' (keys: %s)", key, list);
}

static int read_value(const char *key, char *val, size_t len)
{
	char path[sizeof(SOCKSEC_SYSFS) + KEY_LEN + 1];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", SOCKSEC_SYSFS, key);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		cli_err("%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, val, len - 1);
	if (n < 0)
		cli_err("%s: %s", path, strerror(errno));
	close(fd);
	if (n < 0)
		return -1;
	val[n] = '\0';
	val[strcspn(val, "\n")] = '\0';
	return 0;
}

/* Decimal or 0x numbers become JSON numbers, the rest strings. */
static void json_value(struct json *j, const char *key, const char *val)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 0);
	if (*val >= '0' && *val <= '9' && !*end && !errno &&
	    (val[0] != '0' || !val[1] || val[1] == 'x'))
		json_uint(j, key, v);
	else
		json_str(j, key, val);
}

static int defaults_show(void)
{
	char keys[MAX_KEYS][KEY_LEN], vals[MAX_KEYS][VAL_LEN];
	int n, i, w = 0;
	struct json j;

	n = list_keys(keys, MAX_KEYS);
	if (n < 0)
		return EXIT_FAIL;
	for (i = 0; i < n; i++) {
		if (read_value(keys[i], vals[i], VAL_LEN) < 0)
			return EXIT_FAIL;
		if ((int)strlen(keys[i]) > w)
			w = strlen(keys[i]);
	}
	if (!cli.json) {
		for (i = 0; i < n; i++)
			printf("%-*s %s\n", w, keys[i], vals[i]);
		return EXIT_OK;
	}
	json_init(&j, stdout, cli.pretty);
	json_obj_open(&j, NULL);
	for (i = 0; i < n; i++)
		json_value(&j, keys[i], vals[i]);
	json_obj_close(&j);
	return json_finish(&j) ? EXIT_FAIL : EXIT_OK;
}

static int defaults_get(const char *key)
{
	char keys[MAX_KEYS][KEY_LEN], val[VAL_LEN];
	struct json j;
	int n;

	n = list_keys(keys, MAX_KEYS);
	if (n < 0)
		return EXIT_FAIL;
	if (!known_key(key, keys, n)) {
		unknown_key(key, keys, n);
		return EXIT_USAGE;
	}
	if (read_value(key, val, sizeof(val)) < 0)
		return EXIT_FAIL;
	if (!cli.json) {
		printf("%s\n", val);
		return EXIT_OK;
	}
	json_init(&j, stdout, cli.pretty);
	json_obj_open(&j, NULL);
	json_value(&j, key, val);
	json_obj_close(&j);
	return json_finish(&j) ? EXIT_FAIL : EXIT_OK;
}

static int defaults_set(const char *key, const char *value)
{
	char keys[MAX_KEYS][KEY_LEN], path[sizeof(SOCKSEC_SYSFS) + KEY_LEN + 1];
	char buf[VAL_LEN + 2];
	int n, fd, k = key_index(key), err = 0;
	uint32_t flags;
	size_t len;

	n = list_keys(keys, MAX_KEYS);
	if (n < 0)
		return EXIT_FAIL;
	if (!known_key(key, keys, n)) {
		unknown_key(key, keys, n);
		return EXIT_USAGE;
	}
	/* The kernel takes a number; the names are friendlier. */
	if (!strcmp(key, "default_flags") &&
	    !socksec_flags_parse(value, &flags))
		snprintf(buf, sizeof(buf), "0x%x\n", flags);
	else
		snprintf(buf, sizeof(buf), "%s\n", value);
	len = strlen(buf);
	if (!*value || strchr(value, '\n') || len > VAL_LEN) {
		cli_err("defaults: bad value for %s: %s", key,
			k >= 0 ? key_help[k].accepts : "one line of text");
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/%s", SOCKSEC_SYSFS, key);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		err = errno;
	} else {
		/* One write: the kernel validates the value as a whole. */
		errno = 0;
		if (write(fd, buf, len) != (ssize_t)len)
			err = errno ? errno : EIO;
		if (close(fd) < 0 && !err)
			err = errno;
	}
	switch (err) {
	case 0:
		return EXIT_OK;
	case EACCES:
	case EPERM:
	case EROFS:
		if (geteuid() != 0)
			cli_err("defaults: setting %s needs root", key);
		else
			cli_err("defaults: %s: %s", path, strerror(err));
		return EXIT_FAIL;
	case EINVAL:
	case ERANGE:
		cli_err("defaults: bad value '%s' for %s: %s", value, key,
			k >= 0 ? key_help[k].accepts : "the kernel refused it");
		return EXIT_USAGE;
	case EBUSY:
		cli_err("defaults: %s cannot change now: %s", key,
			k >= 0 && key_help[k].busy ? key_help[k].busy :
			strerror(err));
		return EXIT_FAIL;
	default:
		cli_err("defaults: %s: %s", path, strerror(err));
		return EXIT_FAIL;
	}
}

int cmd_defaults(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub;
	int c;

	/* "+": a VALUE may start with '-'. */
	while ((c = getopt_long(argc, argv, "+jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			cli.json = true;
			break;
		case 'P':
			cli.json = true;
			cli.pretty = true;
			break;
		case 'h':
			defaults_usage(stdout);
			return EXIT_OK;
		default:
			defaults_usage(stderr);
			return EXIT_USAGE;
		}
	}
	sub = optind < argc ? argv[optind] : "show";
	if (!strcmp(sub, "show") && argc - optind <= 1)
		return defaults_show();
	if (!strcmp(sub, "get") && argc - optind == 2)
		return defaults_get(argv[optind + 1]);
	if (!strcmp(sub, "set") && argc - optind == 3)
		return defaults_set(argv[optind + 1], argv[optind + 2]);
	if (!strcmp(sub, "show") || !strcmp(sub, "get") || !strcmp(sub, "set"))
		cli_err("defaults %s: wrong number of arguments", sub);
	else
		cli_err("defaults: unknown subcommand '%s' (show, get, set)", sub);
	defaults_usage(stderr);
	return EXIT_USAGE;
}

/* "socksec set KEY VALUE", as before "defaults set" existed. */
int cmd_set(int argc, char **argv)
{
	if (argc != 3) {
		cli_err("usage: socksec set KEY VALUE (now: socksec defaults set KEY VALUE)");
		return EXIT_USAGE;
	}
	return defaults_set(argv[1], argv[2]);
}
