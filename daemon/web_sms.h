/*
 * web_sms.h — the Kannel SMS gateway's callbacks over HTTP (contract
 * section 4): delivery reports and incoming SMS (STOP replies).
 */
#ifndef RELANCE_WEB_SMS_H
#define RELANCE_WEB_SMS_H

#include <stdint.h>

struct config;
struct dispatch;
struct httpd;
struct store;
struct web_sms;

struct web_sms_stats {
	uint64_t dlr, stop_replies, incoming;
};

/* Registers POST/GET /sms/kannel/dlr and /sms/kannel/incoming on h. cfg
 * is borrowed (swapped with web_sms_reconfigure); st and d must outlive
 * the routes. NULL when the routes cannot be registered. */
struct web_sms *web_sms_register(struct httpd *h, const struct config *cfg, struct store *st,
				 struct dispatch *d);
void web_sms_reconfigure(struct web_sms *w, const struct config *cfg);
const struct web_sms_stats *web_sms_stats(const struct web_sms *w);
void web_sms_free(struct web_sms *w);

#endif
