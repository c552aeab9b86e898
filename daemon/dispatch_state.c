/*
 * dispatch_state.c — a reminder's state at send time and its message
 * (dispatch_state.h).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dispatch_msg.h"
#include "dispatch_state.h"
#include "policy.h"
#include "reply.h"
#include "store.h"


void
send_state_clear(struct send_state *x)
{
	student_clear(&x->s);
	appt_clear(&x->a);
	store_appts_free(x->all, x->nall);
	store_digest_messages_free(x->msgs, x->nmsgs);
	free(x->aname);
	free(x->aemail);
	memset(x, 0, sizeof *x);
}

/* The appointment an alert is about: its own, else the student's next one
 * (NULL when none). */
static const struct appt *
alert_appt(const struct send_state *x, int64_t now)
{
	if (x->have_appt)
		return &x->a;
	for (size_t i = 0; i < x->nall; i++)
		if (x->all[i].status == APPT_CONFIRMED && x->all[i].starts_at > now)
			return &x->all[i];
	return NULL;
}

/* A digest of students' messages: its adviser, their contact and the
 * messages not mailed yet. 0 or -1. */
static int
load_digest(struct store *st, const struct reminder *r, struct send_state *x)
{
	char *adviser = NULL;
	int rc = -1;

	if (store_reminder_adviser(st, r->id, &adviser) < 0)
		return -1;
	if (adviser == NULL)
		return 0;       /* no adviser: nothing to list, cancelled */
	if (store_adviser_contact(st, adviser, &x->aname, &x->aemail) >= 0 &&
	    store_digest_messages(st, adviser, DIGEST_MAX, &x->msgs, &x->nmsgs) == 0)
		rc = 0;
	free(adviser);
	return rc;
}

/* Reads what the verdict on r needs into x: 0, or -1 on a store error. */
int
send_state_load(struct store *st, const struct config *cfg, const struct reminder *r,
		int64_t now, struct send_state *x)
{
	const char *adviser;
	int rc;

	if ((rc = store_student_get(st, r->student_id, &x->s)) <= 0)
		return rc;
	x->have_student = 1;
	if (r->appointment_id && (rc = store_appt_by_id(st, r->appointment_id, &x->a)) != 0) {
		if (rc < 0)
			return -1;
		x->have_appt = 1;
	}
	if (r->kind == REM_REMINDER && !x->have_appt)
		return 0;       /* cancelled: nothing more to read */
	if (r->kind == REM_ALERT_MESSAGES)
		return load_digest(st, r, x);
	/* After an outage only the latest of the overdue reminders goes. */
	if (r->kind == REM_REMINDER &&
	    (x->superseded = store_reminder_superseded(st, r, now)) < 0)
		return -1;
	if ((r->kind == REM_ALERT_ABSENCES || r->kind == REM_ALERT_LOST) && !x->have_appt &&
	    store_appts_of_student(st, x->s.id, &x->all, &x->nall))
		return -1;
	/* the adviser of the appointment (reminders, acknowledgements), else
	 * the student's */
	adviser = (r->kind == REM_REMINDER || policy_is_ack(r->kind)) && x->a.adviser_id ?
		  x->a.adviser_id : x->s.adviser_id;
	if (store_adviser_contact(st, adviser, &x->aname, &x->aemail) < 0)
		return -1;
	if (r->kind == REM_REMINDER && cfg->reminders.max_per_day > 0) {
		int64_t from, to;
		policy_today(now, &from, &to);
		x->sent_today = store_reminders_sent_between(st, x->s.id, from, to);
		if (x->sent_today < 0)
			return -1;
	}
	return 0;
}

/* The message of r, which goes, from what send_state_load() read. */
void
send_state_build(const struct config *cfg, const struct templates *tpl, const struct reply *reply,
		 const struct reminder *r, struct send_state *x, int64_t now, struct msg *m)
{
	char link[512] = "";

	/* the personal link of the appointment (reminders, acknowledgements) */
	if ((r->kind == REM_REMINDER || policy_is_ack(r->kind)) && x->have_appt && reply)
		reply_link(reply, x->a.uid, link, sizeof link);
	if (r->kind == REM_REMINDER) {
		msg_reminder(cfg, tpl, r, &x->s, &x->a, x->aname, x->aemail, link, now, m);
	} else if (policy_is_ack(r->kind)) {
		msg_ack(cfg, tpl, r, &x->s, x->have_appt ? &x->a : NULL, x->aname, link, m);
	} else if (r->kind == REM_ALERT_MESSAGES) {
		msg_digest(cfg, tpl, x->aname, x->aemail, x->msgs, x->nmsgs, m);
	} else {
		msg_alert(cfg, tpl, r, &x->s, alert_appt(x, now), x->aname, x->aemail, m);
	}
}

