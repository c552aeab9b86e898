/*
 * config_priv.h — what the parts of the configuration parser share (not
 * for other modules):
 *   config.c         keys[] (each key's parser, field, bounds and default),
 *                    the line reader and inih handler, load and free;
 *   config_value.c   the value parsers of single keys (strings, numbers,
 *                    durations, URLs, addresses, enums) and secrets;
 *   config_window.c  times and dates: durations, offsets, office hours,
 *                    closures, quiet hours and drop-in windows;
 *   config_check.c   the checks between keys, once the file is read.
 * A key parser gets the value (trimmed, comments removed) and returns 0,
 * or -1 with the reason in err (the caller prefixes "FILE:LINE: [s] k: ").
 */
#ifndef RELANCE_CONFIG_PRIV_H
#define RELANCE_CONFIG_PRIV_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define ERRLEN 256
#define MAX_DURATION (3660LL * 86400) /* ten years and some */

struct ctx;
struct key;

typedef int (*key_parser)(struct ctx *, const struct key *, const char *,
    char *, size_t);

#define KEY_REPEAT 0x1	/* may be given several times */

/* One row of keys[] (config.c): a key, its parser and its default. */
struct key {
	const char *section, *name;
	key_parser parse;
	size_t off;		/* offsetof(struct config, field) */
	long long min, max;	/* bounds for numbers and durations */
	int flags;
	const char *def;	/* default, parsed like a value from the file;
				 * NULL: none (the field stays NULL/0/empty) */
};

struct ctx {
	struct config *c;
	const char *path;
	config_error_fn errfn;
	void *arg;
	int nerrors;

	FILE *f;
	char *raw;		/* getline buffer */
	size_t rawcap;
	int lineno;
	int skip;		/* inside an unknown or malformed section */

	int *seen;		/* line of each keys[] entry, 0 if unset */
	int *rdk_lines;		/* line of each cfg->kafka.rdkafka entry */
	int *window_lines;	/* line of each dropin window */
	struct rd_kafka_conf_s *rk;	/* validates rdkafka.* properties */
	bool defaults;		/* applying keys[].def (config_default()) */
};

#define FIELD(c, k, type) ((type *)(void *)((char *)(c) + (k)->off))

/* config.c: reports "FILE:LINE: reason" (line 0: "FILE: reason"). */
void cfg_error(struct ctx *x, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* config.c: the line a key was set on, 0 if it was not. */
int cfg_line_of(const struct ctx *x, const char *section, const char *name);
/* config_check.c: the checks between keys; errors through cfg_error(). */
void cfg_cross_checks(struct ctx *x);
/* 1 when the host of url is localhost, 127.0.0.0/8 or ::1. */
int cfg_url_host_is_loopback(const char *url);
/* config_check.c: [sms] dlr_url takes the value of [calendar] base_url. */
void cfg_follow_base_url(struct config *c);
/* config_check.c: [answers] key_file is link.key next to [store] path. */
void cfg_follow_store_path(struct config *c);
/* config_value.c: a duration within k's bounds. */
int cfg_duration_value(const struct key *k, const char *v, int64_t *secs, char *err,
    size_t el);
/* config_value.c: replaces *dst by a copy of v. */
void cfg_set_string(char **dst, const char *v);

/* Key parsers (config_value.c, config_window.c): KEY_PARSER(p_x) { ... }
 * defines one with the key_parser prototype. */
#define KEY_PARSER(name) \
	int name(struct ctx *x, const struct key *k, const char *v, char *err, size_t el)
KEY_PARSER(p_allow_from);
KEY_PARSER(p_base_url);
KEY_PARSER(p_closed);
KEY_PARSER(p_consent);
KEY_PARSER(p_country);
KEY_PARSER(p_domain);
KEY_PARSER(p_duration);
KEY_PARSER(p_span);
KEY_PARSER(p_duration_min);
KEY_PARSER(p_email_opt);
KEY_PARSER(p_from);
KEY_PARSER(p_gateway);
KEY_PARSER(p_header);
KEY_PARSER(p_int);
KEY_PARSER(p_listen);
KEY_PARSER(p_locale);
KEY_PARSER(p_log_level);
KEY_PARSER(p_offsets);
KEY_PARSER(p_quiet);
KEY_PARSER(p_secret);
KEY_PARSER(p_sender);
KEY_PARSER(p_sms_encoding);
KEY_PARSER(p_sms_url);
KEY_PARSER(p_smtp_url);
KEY_PARSER(p_str);
KEY_PARSER(p_str_opt);
KEY_PARSER(p_text);
KEY_PARSER(p_timezone);
KEY_PARSER(p_tls);
KEY_PARSER(p_weekhours);
KEY_PARSER(p_window);

/* ------------------------------------------------------------------------ */
/* small string helpers */

static inline char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static inline int
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static inline int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static inline int
parse_int(const char *s, long long min, long long max, long long *out)
{
	long long v = 0;

	if (!all_digits(s) || strlen(s) > 12)
		return -1;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits a comma list in place: items trimmed, empty items kept (""). */
static inline int
split_list(char *s, char **items, int max)
{
	int n = 0;
	char *p = s, *comma;

	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (n == max)
			return -1;
		items[n++] = trim(p);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return n;
}

#endif
