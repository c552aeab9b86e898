/*
 * log.h — logging for relanced and relancectl.
 *
 * Lines go to stderr with the sd-daemon priority prefixes (<3>, <4>, ...) so
 * that journald keeps levels (sd-daemon(3)). log_warn() appends strerror(errno).
 * errno is preserved by every function. Never pass personal data at info
 * level or above: use ids, counts and reasons.
 */
#ifndef RELANCE_LOG_H
#define RELANCE_LOG_H

#include <stdarg.h>
#include <stdint.h>

/* The syslog/sd-daemon priorities: [daemon] log_level in relance.conf. */
enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARNING = 4, LOG_LVL_NOTICE = 5,
		 LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* The name of a level in relance.conf ("err", "warning", "notice", "info",
 * "debug"); "unknown" outside the enum. */
const char *log_level_name(int level);

/* Messages above this level are not formatted at all. Default: info. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Prefix lines with "<N>" (journald) or not (a terminal). Default: on. */
void log_set_prefix(int on);
/* Whether standard error is the journal's stream: JOURNAL_STREAM names
 * its device and inode (an inherited variable with stderr redirected
 * elsewhere does not count). */
int log_stderr_is_journal(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_at(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vat(int level, const char *fmt, va_list ap);
/* Startup failures and impossible states only. Exit code 3. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Repeated warnings, rate-limited: a line that could repeat once per event
 * (an adviser without a free slot) is logged once per key and period, and
 * the repeats are counted and said in one line: at the first repeat after
 * the period, at log_limit_flush() once the period is over, or at
 * log_limit_free(). Keys carry no personal data (ids only); now is the
 * caller's clock (seconds).
 */
struct log_limit;
struct log_limit *log_limit_new(int64_t period);
/* Says the counts still untold, then frees. */
void log_limit_free(struct log_limit *l);
/* Logs fmt at level unless key was logged less than period ago (then it is
 * counted). 1 logged, 0 counted. */
int log_limited(struct log_limit *l, const char *key, int64_t now, int level,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Says the counts of the keys whose period is over at now. */
void log_limit_flush(struct log_limit *l, int64_t now);

#endif
