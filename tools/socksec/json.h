/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer for the socksec CLI: objects and arrays
 * nest, members are written as they come, strings are escaped.
 */
#ifndef SOCKSEC_JSON_H
#define SOCKSEC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f, bool pretty);
/* @key is NULL inside an array and at the top level. */
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_uint(struct json *j, const char *key, uint64_t val);
void json_int(struct json *j, const char *key, int64_t val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* Ends the document with a newline; 0, or -1 if writing failed. */
int json_finish(struct json *j);

#endif /* SOCKSEC_JSON_H */
