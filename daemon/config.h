/*
 * config.h — relance.conf: defaults, INI parsing (inih) and validation into
 * one immutable struct config (contract section 7).
 *
 * config_load() reports *every* error as "FILE:LINE: reason" through the
 * errors callback and returns NULL if there was any. The struct is never
 * modified after loading; a reload loads a new one and swaps it.
 * Each key, its parser, bounds and default: keys[] in config.c.
 *
 * Reload (SIGHUP, main.c reload()): the new struct is handed to the
 * modules that keep a pointer to the configuration, each through its
 * *_reconfigure(), after which the old one is freed:
 *   - consumer_reconfigure() (consumer.c): [daemon] batch and
 *     [kafka] topic.dlq apply to the next batch; brokers, group and the
 *     consumed topics only log that they need a restart (the group
 *     subscription is made once);
 *   - plan_reconfigure() (plan.c): [checkins] and [dropin] (offsets,
 *     duration, office hours, closed days, windows) and [reminders]; the
 *     books are rebuilt from the store with the new windows;
 *   - feed_reconfigure() (feed.c): [calendar] (zone, refresh, base_url,
 *     domain) and locations; the feed cache is dropped and rebuilt;
 *   - dispatch_reconfigure() (dispatch.c): [smtp], [sms] and [retry]
 *     (concurrency limits, secrets read again) and the templates, which
 *     main.c loads again from [templates] dir;
 *   - web_sms_reconfigure() (web_sms.c): [sms] allow_from, which
 *     addresses may post delivery reports and replies.
 * Why: these modules keep the struct config pointer between events (the
 * loop calls them later, from timers and requests), so each must drop it
 * for the new one at a point where no call is under way; the others read
 * the configuration only while called.
 * main.c itself applies [daemon] log_level and [calendar] timezone;
 * [store] path, [calendar] listen and rdkafka.* need a restart (the
 * store, the HTTP listener and the Kafka clients are created once).
 */
#ifndef RELANCE_CONFIG_H
#define RELANCE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "log.h"

#define CONFIG_MAX_RANGES 8      /* time ranges per day / per window */
#define CONFIG_MAX_OFFSETS 16

/* Minutes since local midnight, [start, end). */
struct timerange {
	int start, end;
};

/* An offset: "14d" is calendar days at the same wall-clock time, "48h"/"2h"/
 * "30m"/"30s" an exact duration in seconds. Exactly one of the two is used. */
struct offset {
	int days;
	int64_t secs;
};

/* Weekly opening hours: ranges per weekday (0 = Monday ... 6 = Sunday). */
struct weekhours {
	int n[7];
	struct timerange r[7][CONFIG_MAX_RANGES];
};

struct dropin_window {
	char uai[9];              /* establishment UAI, or "*" for all */
	int32_t first_day, last_day; /* civil days (util.h), inclusive */
	int nranges;
	struct timerange ranges[CONFIG_MAX_RANGES];
	int slot_secs;            /* slot length */
	int capacity;             /* students per slot */
	char key[96];             /* canonical text, identifies the window in the store */
};

struct kv {
	char *key, *value;
};

enum sms_gateway { SMS_GATEWAY_KANNEL, SMS_GATEWAY_WEBHOOK };
enum sms_encoding { SMS_ENCODING_GSM7, SMS_ENCODING_UNICODE };
enum smtp_tls { SMTP_TLS_REQUIRED, SMTP_TLS_NONE };

/* A span of calendar time: whole years (a date N years on, 29 February
 * to 28 February) or seconds (whole days for the keys that take them). */
struct span {
	int years;
	int64_t secs;
};

struct config {
	char *path;                 /* file it was read from */
	int *lines;                 /* line of each key in it (config_line()) */

	struct {
		char *brokers, *group;
		char *topic_exams, *topic_attendance, *topic_students;
		char *topic_dlq, *topic_outcomes;
		char *topic_replies;     /* students' answers (contract section 8) */
		int64_t hold_unknown;    /* events of an unknown student held this long (seconds) */
		struct kv *rdkafka;  /* "rdkafka.X = Y" passed as X=Y */
		size_t nrdkafka;
	} kafka;

	struct {
		char *path;
		int64_t keep_dead_letters;  /* dead letters kept this long (seconds) */
	} store;

	struct {
		char *timezone;
		char *feeds_dir;
		char *listen_host;  /* "127.0.0.1"; listen = host:port */
		int listen_port;    /* 0 disables the HTTP server */
		char *base_url;     /* without trailing slash */
		char *domain;
		int64_t refresh;    /* seconds */
		int64_t keep_past;  /* past appointments kept in feeds (seconds) */
		char adviser_locale[3]; /* "fr" | "en": texts of adviser feeds */
	} calendar;

	struct {
		struct offset offsets[CONFIG_MAX_OFFSETS];
		int noffsets;
		int duration;       /* seconds */
		struct weekhours hours;
		int32_t *closed;    /* civil days, sorted */
		size_t nclosed;
		char *location;
		/* plausible last_exam_on: from last_exam_past before today to
		 * last_exam_future after it, in calendar years ("2y") or days */
		struct span last_exam_past, last_exam_future;
	} checkins;

	struct {
		struct dropin_window *windows;
		size_t nwindows;
		char *location;
	} dropin;

	struct {
		struct offset offsets[CONFIG_MAX_OFFSETS];
		int noffsets;
		struct timerange quiet;  /* start > end means it spans midnight; start == end: none */
		int max_per_day;
		bool consent_sms, consent_email; /* default_consent */
		int64_t lost_after;      /* lost-student alert after this long (seconds) */
		int64_t horizon;         /* reminder rows made this long before the appointment */
	} reminders;

	struct {
		char *url;
		char *from;
		enum smtp_tls tls;
		char *user;
		char *password_file;    /* resolved path or NULL */
		char *ca_file;
		char *helo;
		char *alerts_to;        /* optional copy address for adviser alerts */
	} smtp;

	struct {
		enum sms_gateway gateway;
		char *url;
		char *user;
		char *password_file;    /* resolved path or NULL */
		char *sender;
		char *dlr_url;          /* base of delivery-report URL; default from base_url */
		struct kv *headers;     /* webhook headers */
		size_t nheaders;
		char *allow_from;       /* comma list of IPs allowed on /sms/... (default loopback) */
		int concurrency;        /* gateway requests in flight (kannel, webhook) */
		enum sms_encoding encoding; /* gsm7: transliterated, one segment; unicode: UCS-2 */
		char country[3];        /* ISO 3166 code: how national numbers in replies are read */
	} sms;

	struct {
		int attempts;
		int64_t first, max;     /* seconds */
		int concurrency;        /* emails (SMTP sessions, alerts included) in flight */
	} retry;

	struct {
		char *key_file;         /* personal link key (link.h); default link.key
					 * in the directory of [store] path */
		char *proxies;          /* comma list of IPs whose X-Forwarded-For is
					 * believed (the page's rate limit) */
	} answers;

	struct {
		char *dir;
	} templates;

	struct {
		int batch;              /* Kafka messages per store transaction */
		enum log_level log_level;
	} daemon;
};

/* Called once per error with "FILE:LINE: reason" (no newline). */
typedef void (*config_error_fn)(const char *msg, void *arg);

/* Loads and validates path. NULL on any error (each one reported). */
struct config *config_load(const char *path, config_error_fn errfn, void *arg);

/* The line of the file where [section] key was set, 0 when it was not
 * (a default). */
int config_line(const struct config *c, const char *section, const char *key);
/* The embedded defaults alone (no file). */
struct config *config_default(void);
void config_free(struct config *c);

/* Parsers shared with tests; 0 or -1. */
int config_parse_duration(const char *s, int64_t *secs);       /* "30s" "15m" "2h" "3d" */
int config_parse_offset(const char *s, struct offset *o);
int config_parse_hhmm(const char *s, int *minutes);            /* "09:00" */
int config_parse_weekhours(const char *s, struct weekhours *w, char *err, size_t errlen);
int config_parse_window(const char *s, struct dropin_window *w, char *err, size_t errlen);

/* Resolves a secret file name: absolute as is, relative under
 * $CREDENTIALS_DIRECTORY (or the config file's directory when unset). */
char *config_secret_path(const char *name, const char *config_path);
/* Reads a secret (first line, trailing newline removed). NULL on error. */
char *config_read_secret(const char *path);

#endif
