/*
 * ctl.h — the commands of relancectl (contract sections 6, 7 and 8):
 * status, plan, feed, feed revoke, reminders, dead-letters, indicators
 * (also as CSV), replies, retry and cancel, each printed as text for people
 * or as one JSON document.
 *
 * ctl_main.c parses the command line and loads the configuration; ctl.c
 * opens the store (read-only for reads, a short write transaction for the
 * actions) and prints. Nothing here exits the process.
 */
#ifndef RELANCE_CTL_H
#define RELANCE_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct config;

/* Exit codes of relancectl. */
enum ctl_exit {
	CTL_OK = 0,        /* done */
	CTL_NOTFOUND = 1,  /* the thing asked for does not exist, or the action was refused */
	CTL_USAGE = 2,     /* bad usage */
	CTL_FAIL = 3,      /* configuration, store or other runtime failure */
};

struct ctl_opts {
	bool json;         /* --json: one JSON document on out */
	bool payload;      /* dead-letters --payload */
	bool pending;      /* reminders --pending */
	bool failed;       /* reminders --failed */
	bool skipped;      /* reminders --skipped */
	bool csv;          /* indicators --csv: CSV for a spreadsheet */
	const char *since; /* replies --since DURATION|DATE */
};

/* Runs one command. argv[0] is the command name, argv[1..] its arguments
 * (options already removed). Text or JSON goes to out, messages to err.
 * Calls tz_set() with the configured zone. Returns an enum ctl_exit. */
int ctl_run(const struct config *cfg, int argc, char **argv, const struct ctl_opts *o,
	    FILE *out, FILE *err);

/* Checks a command line (argv[0] the command, options in o) without the
 * configuration: unknown command, wrong number of arguments, options of
 * another command, malformed values. CTL_OK, or CTL_USAGE after saying why
 * on err (with the usage text when the command itself is wrong). ctl_run()
 * checks it too. */
int ctl_usage_check(int argc, char **argv, const struct ctl_opts *o, FILE *err);

/* The usage text. */
void ctl_usage(FILE *f);

/* RFC 3339 with the offset of the configured zone:
 * "2026-07-02T09:00:00+02:00". tz_set() must have been called. */
void ctl_time_format(int64_t t, char out[32]);

#endif
