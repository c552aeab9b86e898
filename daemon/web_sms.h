/*
 * web_sms.h — the Kannel SMS gateway's callbacks over HTTP (contract
 * sections 4 and 8): delivery reports and incoming SMS (STOP replies,
 * students' answers and messages for their advisers).
 */
#ifndef RELANCE_WEB_SMS_H
#define RELANCE_WEB_SMS_H

#include <stdint.h>

#include "model.h"

struct config;
struct dispatch;
struct httpd;
struct reply;
struct store;
struct web_sms;

struct web_sms_stats {
	uint64_t dlr, stop_replies, incoming;
	uint64_t answers[ANSWER_N];  /* SMS answers applied, by the answer they became */
	uint64_t not_understood;     /* texts that are no keyword: messages for the adviser */
	uint64_t unknown_number;     /* replies (not STOP) from a number of no student */
};

/* Registers POST/GET /sms/kannel/dlr and /sms/kannel/incoming on h. cfg
 * is borrowed (swapped with web_sms_reconfigure); st, d and rep (students'
 * answers) must outlive the routes. NULL when the routes cannot be
 * registered. */
struct web_sms *web_sms_register(struct httpd *h, const struct config *cfg, struct store *st,
				 struct dispatch *d, struct reply *rep);
void web_sms_reconfigure(struct web_sms *w, const struct config *cfg);
const struct web_sms_stats *web_sms_stats(const struct web_sms *w);
void web_sms_free(struct web_sms *w);

#endif
