/*
 * ctl_impl.h — what ctl.c and the reports (ctl_report.c, ctl_indicators.c,
 * ctl_replies.c) share inside relancectl: the command context, the output
 * helpers (text and JSON), opening the store, the reminder rows of plan
 * and reminders, and the report commands. Not for use outside relancectl's
 * files.
 */
#ifndef RELANCE_CTL_IMPL_H
#define RELANCE_CTL_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <jansson.h>

#include "store.h"

struct ctx {
	const struct config *cfg;
	const struct ctl_opts *o;
	FILE *out, *err;
	struct store *st;
	int64_t now;
	struct stat db;         /* the store file, as found before opening it */
};

struct rem_row {
	struct reminder r;
	char *appt_uid;
};

struct rem_list {
	struct rem_row *v;
	size_t n, cap;
};

/* "-" for 0, else the local wall time "YYYY-MM-DD HH:MM". */
void ctl_text_time(int64_t t, char out[17]);
/* JSON string, or null for NULL. */
json_t *ctl_jstr(const char *s);
/* RFC 3339 local time, or null for 0. */
json_t *ctl_jtime(int64_t t);
json_t *ctl_jbool(int b);
/* Prints doc on out and frees it. */
void ctl_emit(struct ctx *c, json_t *doc);
/* Prints "relancectl: MSG" on err and, with --json, {"error": MSG} on out;
 * returns code. */
int ctl_fail(struct ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Opens the store: CTL_OK or an exit code (message printed). */
int ctl_open_store(struct ctx *c, bool readonly);
/* Prints the store's error: CTL_FAIL. */
int ctl_store_error(struct ctx *c);

/* Appends a copy of r (store_ctl_each_reminder callback; arg: the list). */
void ctl_rem_collect(const struct reminder *r, const char *appt_uid, void *arg);
void ctl_rem_list_free(struct rem_list *l);
json_t *ctl_rem_json(const struct rem_row *x, bool with_student);
void ctl_rem_text(FILE *f, const char *indent, const struct rem_row *x);

/* The reports (ctl_report.c, ctl_indicators.c, ctl_replies.c): an enum
 * ctl_exit. */
int ctl_cmd_status(struct ctx *c);
int ctl_cmd_plan(struct ctx *c, const char *student_id);
int ctl_cmd_indicators(struct ctx *c);
int ctl_cmd_replies(struct ctx *c);
/* Whether s is a --since value replies takes (a duration or a date). */
bool ctl_since_valid(const char *s);

#endif
