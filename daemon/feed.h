/*
 * feed.h — calendar feeds (contract section 3): feed identity (tokens in
 * the store, URLs under calendar.base_url), the HTTP handlers for the feeds,
 * /healthz and /metrics, and the background pass that writes every feed as
 * a file under calendar.feeds_dir.
 *
 * feed knows nothing of main or the consumer: what only main knows (is the
 * consumer healthy, its counters) comes through struct feed_hooks.
 */
#ifndef RELANCE_FEED_H
#define RELANCE_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct config;
struct store;
struct httpd;
struct feed;

struct feed_hooks {
	/* 0 when healthy; otherwise -1 with a one-line reason in why. */
	int (*health)(char *why, size_t whylen, void *arg);
	/* Appends main's own metrics (Prometheus text format) to out. */
	void (*metrics)(FILE *out, void *arg);
	void *arg;
};

/* cfg and st must outlive the feed (see feed_reconfigure); hooks is copied. */
struct feed *feed_new(const struct config *cfg, struct store *st, const struct feed_hooks *hooks);
void feed_free(struct feed *f);
void feed_reconfigure(struct feed *f, const struct config *cfg);
/* Registers /feeds/, /healthz and /metrics. 0 or -1. */
int feed_register(struct feed *f, struct httpd *h);

/*
 * One step of the file pass: writes the feeds changed since the last pass
 * (each at most once per calendar.refresh, at most a bounded number of
 * files per call), removes the files of revoked tokens. Never call it
 * inside a store transaction. Returns 1 when work is left that could be
 * done now (call again soon), 0 otherwise, -1 on a store error.
 */
int feed_pass(struct feed *f, int64_t now);
/*
 * The file writer: a thread with its own store connection running
 * feed_pass() every feed_pass_interval_ms() (no per-pass bound). cfg must
 * stay valid until feed_writer_stop(); on reload, stop and start again.
 */
struct feed_writer;
struct feed_writer *feed_writer_start(const struct config *cfg, char *err, size_t errlen);
void feed_writer_stop(struct feed_writer *w);
/* How often the file pass runs when idle, in ms. */
int64_t feed_pass_interval_ms(const struct config *cfg);

/* "adviser", "student", "establishment" <-> enum ical_feed_kind; 0 unknown. */
const char *feed_kind_name(int kind);
int feed_kind_parse(const char *name);
/* base_url + "/feeds/<kind>/<token>.ics", malloc'd. */
char *feed_url(const struct config *cfg, int kind, const char *token);

#endif
