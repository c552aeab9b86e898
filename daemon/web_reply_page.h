/*
 * web_reply_page.h — the HTML of the students' page (contract section 8),
 * in French and English: the appointment with its three forms, what was
 * just done, why an answer was refused, and the small plain pages (404,
 * 429, 500). Pure: it formats what it is given (times in the process's
 * zone, [calendar] timezone) and knows nothing of HTTP or the store.
 */
#ifndef RELANCE_WEB_REPLY_PAGE_H
#define RELANCE_WEB_REPLY_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "reply.h"

enum page_notice {
	NOTICE_NONE = 0,
	NOTICE_DONE_CONFIRM,        /* the page after a 303: what was done */
	NOTICE_DONE_CANCEL,
	NOTICE_DONE_MOVE,
	NOTICE_STALE,               /* 409: the appointment changed since the form */
	NOTICE_MOVES_USED,          /* 409: REPLY_MAX_MOVES moves made already */
	NOTICE_SLOT_TAKEN,          /* 409: the chosen slot is no longer free */
	NOTICE_CANCELLED,           /* 409: the appointment is cancelled */
	NOTICE_REFUSED,             /* 409: any other refusal */
	NOTICE_NO_SLOT,             /* 400: "move" without a slot chosen */
};

struct page {
	const struct reply_view *v;
	const char *code;           /* the page's code (forms post to it) */
	const char *token;          /* the forms' token */
	const int64_t *slots;       /* free slots to move to, earliest first */
	int nslots;
	enum page_notice notice;
};

enum page_plain {
	PLAIN_NOT_FOUND,            /* unknown or expired link */
	PLAIN_RATE_LIMITED,         /* too many unknown links tried */
	PLAIN_UNAVAILABLE,          /* store error */
	PLAIN_BAD_REQUEST,          /* a form of no known action */
};

/* Each returns a malloc'd UTF-8 HTML5 document and its length in *len. */
char *page_html(const struct page *p, size_t *len);
/* 403: the form's token is missing or wrong (nothing changed); a link back
 * to the page, in the language of v. */
char *page_forbidden_html(const struct reply_view *v, const char *code, size_t *len);
/* Without an appointment: in French and English. */
char *page_plain_html(enum page_plain what, size_t *len);

/* "lundi 7 décembre 2026" / "Monday 7 December 2026" and "10h30" /
 * "10:30" of t in the process's zone (en: 0 French, 1 English). */
void page_day_text(int64_t t, int en, char *out, size_t outlen);
void page_time_text(int64_t t, int en, char *out, size_t outlen);

#endif
