/*
 * dispatch_msg.h — the messages of the dispatcher (dispatch_msg.c): what a
 * prepared send needs, built from the templates for a student reminder or
 * an adviser alert. No store access: the caller passes what it read.
 */
#ifndef RELANCE_DISPATCH_MSG_H
#define RELANCE_DISPATCH_MSG_H

#include <stddef.h>
#include <stdint.h>

struct appt;
struct config;
struct reminder;
struct student;
struct templates;

/* What a prepared send needs (strings malloc'd, freed by msg_clear). */
struct msg {
	char *to, *cc, *subject, *text, *ics;
	size_t ics_len;
};

void msg_clear(struct msg *m);
/* The message of student reminder r about appointment a: an SMS text to
 * s->phone, or an email to s->email with a's iCalendar attachment. aname
 * and aemail (the adviser's, may be NULL) are quoted in it; link is a's
 * personal link ({link}, reply_link(); NULL or "": none). */
void msg_reminder(const struct config *cfg, const struct templates *tpl, const struct reminder *r,
		  const struct student *s, const struct appt *a, const char *aname,
		  const char *aemail, const char *link, int64_t now, struct msg *m);
/* The adviser alert r (French) about student s, to aemail (with [smtp]
 * alerts_to in copy); a (the appointment it is about) may be NULL. */
void msg_alert(const struct config *cfg, const struct templates *tpl, const struct reminder *r,
	       const struct student *s, const struct appt *a, const char *aname, const char *aemail,
	       struct msg *m);
/* With [sms] encoding = gsm7, warns (log) for each locale and place
 * ([checkins] and [dropin] location) whose SMS reminder cannot fit one
 * segment even with names shortened: rendered with 100-character names,
 * the longest kind, weekday, date and time, and a personal link of
 * [calendar] base_url. Returns how many. */
int msg_check_sms(const struct config *cfg, const struct templates *tpl);
/* The MIME email of m for reminder rid (malloc'd; its length in *len). */
char *msg_email(const struct config *cfg, int64_t rid, const struct msg *m, size_t *len);

#endif
