/*
 * web_metrics.h — the operational endpoints (contract section 6):
 * GET /healthz and GET /metrics (Prometheus text format 0.0.4).
 */
#ifndef RELANCE_WEB_METRICS_H
#define RELANCE_WEB_METRICS_H

struct consumer;
struct dispatch;
struct feed;
struct httpd;
struct planner;
struct reply;
struct store;
struct web_reply;
struct web_sms;

/* Where the numbers come from. st and feed are required; cons and pl may
 * be NULL (tests): /healthz then only checks the store, and /metrics
 * leaves out the event and planning counters; disp, sms and page may be
 * NULL too (their counters are then 0). */
struct web_metrics_src {
	struct store *st;
	struct feed *feed;
	struct consumer *cons;
	struct planner *pl;
	struct dispatch *disp;
	const struct web_sms *sms;
	const struct reply *reply;  /* students' answers (may be NULL) */
	const struct web_reply *page;    /* the students' page (web_reply.h) */
};

/* Registers /healthz and /metrics on h. src (not copied) and what it
 * points to must outlive h. 0 or -1. */
int web_metrics_register(struct httpd *h, const struct web_metrics_src *src);

#endif
