/*
 * web_reply.h — the students' page over HTTP (contract section 8):
 * GET, HEAD and POST /r/<code>.
 */
#ifndef RELANCE_WEB_REPLY_H
#define RELANCE_WEB_REPLY_H

#include <stdint.h>

#include "model.h"

struct config;
struct httpd;
struct reply;
struct web_reply;

struct web_reply_stats {
	uint64_t views;                 /* pages shown (GET, 200) */
	uint64_t answers[ANSWER_N];     /* changes made from the page, by answer */
	uint64_t already;               /* answers that changed nothing (double tap) */
	uint64_t refused;               /* answers refused (409 with the reason) */
	uint64_t stale;                 /* forms shown before a change (409) */
	uint64_t forbidden;             /* POST without or with a wrong token (403) */
	uint64_t lookups_failed;        /* unknown, expired or malformed codes (404) */
	uint64_t rate_limited;          /* requests refused with 429 */
};

/* Registers /r/ (GET, HEAD, POST) on h. cfg is borrowed (swapped with
 * web_reply_reconfigure: [answers] proxies); r must outlive the route.
 * NULL when the route cannot be registered. */
struct web_reply *web_reply_register(struct httpd *h, const struct config *cfg, struct reply *r);
void web_reply_reconfigure(struct web_reply *w, const struct config *cfg);
const struct web_reply_stats *web_reply_stats(const struct web_reply *w);
void web_reply_free(struct web_reply *w);

#endif
