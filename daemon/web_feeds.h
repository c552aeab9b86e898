/*
 * web_feeds.h — the calendar feeds over HTTP (contract section 3):
 * GET /feeds/{adviser,student,establishment}/<token>.ics.
 */
#ifndef RELANCE_WEB_FEEDS_H
#define RELANCE_WEB_FEEDS_H

struct feed;
struct httpd;

/* Registers /feeds/ on h, served from f (which must outlive h). 0 or -1. */
int web_feeds_register(struct httpd *h, struct feed *f);

#endif
