/*
 * web_sms.c — the Kannel SMS gateway's callbacks (contract section 4):
 *
 *   /sms/kannel/dlr?id=<reminder id>&secret=<secret>&status=<Kannel DLR type>
 *       a delivery report: only with the secret relanced put in the
 *       message's dlr-url (sms.h; 403 otherwise, nothing changed), recorded
 *       as an attempt; "delivered" (1) counts
 *       as a contact, "undelivered" (2, 16) fails a sent reminder (email
 *       fallback and outcome event through dispatch.h)
 *   /sms/kannel/incoming?from=<phone>&text=<text>[&coding=%c&charset=%C]
 *       an incoming SMS, read into UTF-8 (sms_text_read(): Latin-1 when it
 *       is no UTF-8; empty, blank or UCS-2 that Kannel did not recode:
 *       only counted), then by sms_reply_kind() (sms.h): a STOP reply
 *       withdraws the SMS consent of every student with that number (in
 *       any form: phone.h) and cancels their pending SMS; OUI / YES / OK /
 *       C confirms and NON / NO / ANNULER / CANCEL cancels the next
 *       appointment among those students, anything else is kept as a
 *       message for the adviser (contract section 8: reply_sms(), which
 *       queues the acknowledgement); from a number of no student, only
 *       counted
 *
 * GET or POST; only from [sms] allow_from (default the loopback: 403
 * otherwise); 400 when an argument is missing or malformed, 404 for a
 * report about no SMS reminder, 500 when the store fails (Kannel tries
 * again: nothing was changed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dispatch.h"
#include "httpd.h"
#include "log.h"
#include "model.h"
#include "phone.h"
#include "reply.h"
#include "sms.h"
#include "store.h"
#include "util.h"
#include "web_sms.h"

struct web_sms {
	const struct config *cfg;
	struct store *st;
	struct dispatch *d;
	struct reply *rep;
	struct web_sms_stats stats;
};

static int
allowed(struct web_sms *w, const char *ip)
{
	const char *list = w->cfg->sms.allow_from ? w->cfg->sms.allow_from : "127.0.0.1,::1";
	size_t il;
	if (ip == NULL)
		return 0;
	if (strncmp(ip, "::ffff:", 7) == 0 && strchr(ip, '.'))
		ip += 7;
	il = strlen(ip);
	for (const char *p = list; *p;) {
		size_t n;
		while (*p == ',' || *p == ' ')
			p++;
		n = strcspn(p, ", ");
		if (n && n == il && memcmp(p, ip, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

static void
respond(struct httpd_response *resp, int status, const char *text)
{
	resp->status = status;
	resp->body = xstrdup(text);
	resp->body_len = strlen(text);
	resp->content_type = "text/plain; charset=utf-8";
}

/* What both Kannel callbacks check first: the caller's address and their
 * two arguments. 1 to go on, else 0 with the answer set (403, 400 missing). */
static int
callback_ok(struct web_sms *w, const struct httpd_request *req, struct httpd_response *resp,
	    const char *a, const char *b, const char *missing)
{
	if (!allowed(w, req->client_ip)) {
		respond(resp, 403, "forbidden\n");
		return 0;
	}
	if (a == NULL || b == NULL) {
		respond(resp, 400, missing);
		return 0;
	}
	return 1;
}

/* ---- delivery reports ------------------------------------------------------------- */

/* The attempt outcome a Kannel DLR type stands for. */
static const char *
dlr_outcome(long status)
{
	if (status == 1)
		return "delivered";
	if (status == 2 || status == 16)
		return "undelivered";
	return status == 8 ? "smsc-accepted" : status == 4 ? "smsc-queued" : "report";
}

/*
 * Records the delivery report status of SMS reminder id, in one store
 * transaction. 1 done, 0 no such SMS reminder, -1 store error.
 */
static int
record_dlr(struct web_sms *w, long long id, long status, int64_t now)
{
	struct reminder r = { 0 };
	char detail[64];
	int undelivered = 0, rc;

	if (store_begin_relaxed(w->st) != 0)
		return -1;
	/* -1 (rolled back) until committed; 0 when there is no such reminder */
	if ((rc = store_reminder_get(w->st, id, &r)) != 1 || r.channel != CH_SMS) {
		rc = rc < 0 ? -1 : 0;
		goto out;
	}
	rc = -1;
	snprintf(detail, sizeof detail, "delivery report %ld", status);
	if (store_attempt_add(w->st, r.id, now, CH_SMS, dlr_outcome(status), detail) ||
	    (status == 1 && r.kind == REM_REMINDER &&
	     store_student_touch_contact(w->st, r.student_id, now)))
		goto out;
	if ((status == 2 || status == 16) && r.status == REM_SENT) {
		if (store_reminder_set(w->st, r.id, REM_FAILED, r.attempts, now, r.sent_at,
				       "delivery report: not delivered"))
			goto out;
		if (dispatch_sms_fallback(w->d, &r, now))
			goto out;
		undelivered = 1;
	}
	if (store_commit(w->st) != 0)
		goto out;
	rc = 1;
	w->stats.dlr++;
	if (undelivered)
		dispatch_sms_undelivered(w->d, &r, now);
	else
		log_debug("reminder %lld (sms): delivery report %ld", id, status);
out:
	if (rc != 1)
		store_rollback(w->st);
	reminder_clear(&r);
	return rc;
}

static int
on_dlr(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
	struct web_sms *w = arg;
	const char *ids = httpd_arg(req, "id"), *sts = httpd_arg(req, "status");
	char *end = NULL;
	long long id;
	long status;
	int64_t now = clock_now();
	int rc;

	if (!callback_ok(w, req, resp, ids, sts, "id and status required\n"))
		return 0;
	errno = 0;
	id = strtoll(ids, &end, 10);
	if (errno || *end || id <= 0) {
		respond(resp, 400, "bad id\n");
		return 0;
	}
	if (!sms_dlr_secret_ok(id, httpd_arg(req, "secret"))) {
		log_notice("delivery report with a wrong or no secret from %s: refused",
			   req->client_ip);
		respond(resp, 403, "forbidden\n");
		return 0;
	}
	status = strtol(sts, &end, 10);
	if (*end || status < 0) {
		respond(resp, 400, "bad status\n");
		return 0;
	}
	rc = record_dlr(w, id, status, now);
	if (rc < 0)
		return -1;
	if (rc == 0)
		respond(resp, 404, "no such SMS reminder\n");
	else
		respond(resp, 200, "ok\n");
	return 0;
}

/* ---- incoming SMS ------------------------------------------------------------------- */

/* Withdraws SMS consent of each student of ids (a STOP reply at now) and
 * cancels their pending SMS. 0 or -1. */
static int
stop_students(struct web_sms *w, char **ids, size_t n, int64_t now)
{
	for (size_t i = 0; i < n; i++)
		if (store_student_set_consent(w->st, ids[i], CH_SMS, 0, now, CONSENT_STOP, now) ||
		    store_reminders_cancel_student(w->st, ids[i], CH_SMS, "STOP reply", now))
			return -1;
	return 0;
}

/*
 * A STOP reply from phone (as the gateway gives it: read into E.164 in
 * [sms] country): every student with that number (siblings, a parent's
 * phone) has SMS consent withdrawn and pending SMS cancelled, in one store
 * transaction (a number of no student is only counted). 0, or -1 on a
 * store error.
 */
static int
stop_reply(struct web_sms *w, const char *phone, int64_t now)
{
	char e164[PHONE_E164_MAX], **ids = NULL;
	size_t n = 0;
	int rc = -1;

	if (store_begin_relaxed(w->st) != 0)
		return -1;
	if (phone_e164(phone, w->cfg->sms.country, e164) == 0 &&
	    store_students_by_phone(w->st, e164, &ids, &n) != 0)
		goto out;
	if (n == 0) {
		if (store_counter_add(w->st, "sms_stop_unknown", 1) || store_commit(w->st))
			goto out;
		log_info("STOP reply from a number that belongs to no student");
	} else {
		if (stop_students(w, ids, n, now) || store_counter_add(w->st, "sms_stop", 1) ||
		    store_commit(w->st))
			goto out;
		for (size_t i = 0; i < n; i++)
			log_info("student %s: STOP reply, SMS consent withdrawn and pending SMS "
				 "cancelled", ids[i]);
	}
	rc = 0;
out:
	store_ids_free(ids, n);
	if (rc != 0)
		store_rollback(w->st);
	return rc;
}

/*
 * A student's answer a (ANSWER_CONFIRMED, _CANCELLED or _MESSAGE) from
 * phone: reply_sms() with the students of the number, in its own store
 * transaction (a number of no student is only counted: no answer, no
 * acknowledgement). 0, or -1 on a store error (nothing changed).
 */
static int
answer_reply(struct web_sms *w, const char *phone, enum answer a, const char *text, int64_t now)
{
	char e164[PHONE_E164_MAX], **ids = NULL;
	uint64_t before[ANSWER_N];
	const char *to = NULL;
	size_t n = 0;
	int rc = -1;
	enum reply_result res;

	if (phone_e164(phone, w->cfg->sms.country, e164) == 0 &&
	    store_students_by_phone(w->st, e164, &ids, &n) != 0)
		return -1;
	if (n == 0 || w->rep == NULL) {
		w->stats.unknown_number++;
		log_info("SMS reply from a number that belongs to no student: not kept");
		rc = store_counter_add(w->st, "sms_reply_unknown", 1);
		goto out;
	}
	memcpy(before, reply_stats(w->rep)->answers, sizeof before);
	res = reply_sms(w->rep, ids, n, a, text, now, &to);
	if (res == REPLY_ERROR)
		goto out;
	/* What it became: a yes or no with nothing to answer is a message. */
	for (int k = 0; k < ANSWER_N; k++)
		if (reply_stats(w->rep)->answers[k] != before[k]) {
			w->stats.answers[k] += reply_stats(w->rep)->answers[k] - before[k];
			log_info("student %s: SMS reply taken as %s%s", to ? to : "?", answer_name(k),
				 k != (int)a ? " (nothing to answer)" : "");
		}
	if (res == REPLY_ALREADY)
		log_info("student %s: SMS reply %s again: acknowledged, nothing changed",
			 to ? to : "?", answer_name(a));
	rc = 0;
out:
	store_ids_free(ids, n);
	return rc;
}

/* An incoming SMS with no text to act on (empty, blank, or UCS-2 that
 * Kannel did not recode: utf8 NULL): only counted. 0 or -1. */
static int
blank_reply(struct web_sms *w, const char *utf8)
{
	if (utf8 == NULL)
		log_notice("an SMS reply in UCS-2 that Kannel did not recode: ignored (set "
			   "mo-recode = true in Kannel's smsbox group)");
	else
		log_info("an SMS reply with no text: ignored");
	return store_counter_add(w->st, "sms_reply_empty", 1);
}

static int
on_incoming(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
	struct web_sms *w = arg;
	const char *from = httpd_arg(req, "from"), *text = httpd_arg(req, "text");
	char *utf8;
	enum sms_reply kind;
	int rc;

	if (!callback_ok(w, req, resp, from, text, "from and text required\n"))
		return 0;
	w->stats.incoming++;
	/* Kannel's %a as it comes (8-bit data, Latin-1), in UTF-8 */
	utf8 = sms_text_read(text, httpd_arg(req, "charset"), httpd_arg(req, "coding"));
	kind = utf8 ? sms_reply_kind(utf8) : SMS_REPLY_OTHER;
	if (utf8 == NULL || sms_text_blank(utf8)) {
		rc = blank_reply(w, utf8);
	} else if (kind == SMS_REPLY_STOP) {
		w->stats.stop_replies++;
		rc = stop_reply(w, from, clock_now());
	} else {
		if (kind == SMS_REPLY_OTHER)
			w->stats.not_understood++;
		rc = answer_reply(w, from, kind == SMS_REPLY_YES ? ANSWER_CONFIRMED :
				  kind == SMS_REPLY_NO ? ANSWER_CANCELLED : ANSWER_MESSAGE, utf8,
				  clock_now());
	}
	free(utf8);
	if (rc != 0)
		return -1;  /* answered 500; nothing was changed */
	respond(resp, 200, "");
	return 0;
}

struct web_sms *
web_sms_register(struct httpd *h, const struct config *cfg, struct store *st, struct dispatch *d,
		 struct reply *rep)
{
	struct web_sms *w = xcalloc(1, sizeof *w);

	w->cfg = cfg;
	w->st = st;
	w->d = d;
	w->rep = rep;
	if (httpd_route(h, "/sms/kannel/dlr", 1, on_dlr, w) ||
	    httpd_route(h, "/sms/kannel/incoming", 1, on_incoming, w) ||
	    /* a concatenated reply of many accented characters or emoji, as
	     * Kannel's get-url escapes it (9 octets per emoji) */
	    httpd_route_max_uri(h, "/sms/kannel/incoming", 16384)) {
		free(w);
		return NULL;
	}
	return w;
}

void
web_sms_reconfigure(struct web_sms *w, const struct config *cfg)
{
	if (w)
		w->cfg = cfg;
}

const struct web_sms_stats *
web_sms_stats(const struct web_sms *w)
{
	return &w->stats;
}

void
web_sms_free(struct web_sms *w)
{
	free(w);
}
