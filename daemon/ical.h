/*
 * ical.h — iCalendar rendering (RFC 5545) with libical: adviser, student and
 * establishment feeds, and one appointment as a standalone VCALENDAR for
 * email attachments. Pure: no I/O, no store; the caller passes rows.
 */
#ifndef RELANCE_ICAL_H
#define RELANCE_ICAL_H

#include <stddef.h>
#include <stdint.h>

struct config;

/* One appointment as the feeds see it (strings borrowed from the caller). */
struct ical_appt {
	const char *uid;
	int kind;                   /* enum appt_kind (event.h) */
	int status;                 /* enum appt_status (store.h) */
	int sequence;
	int64_t starts_at, ends_at;
	int64_t created_at, updated_at;
	const char *locale;         /* "fr" | "en" */
	/* Personal data: adviser and student feeds only (NULL in establishment feeds). */
	const char *student_given_name, *student_family_name, *student_id;
	const char *adviser_name, *adviser_email, *adviser_id;
	const char *location;
	int situation;              /* enum situation (event.h) */
	/* The student's answer (enum answer, contract section 8): confirmed,
	 * an ATTENDEE with PARTSTAT=ACCEPTED (DECLINED when cancelled by the
	 * student, none before an answer) and a mark
	 * in the adviser feed's SUMMARY; cancelled by the student, said in
	 * SUMMARY. student_email: the ATTENDEE's address (NULL: a URN of the
	 * student id). */
	int answer;
	const char *student_email;
	/* Drop-in fill level (establishment feed): booked / capacity. */
	int booked, capacity;
};

enum ical_feed_kind { ICAL_FEED_ADVISER = 1, ICAL_FEED_STUDENT, ICAL_FEED_ESTABLISHMENT };

/* A cancelled event stays in the feeds this long after its cancellation
 * (at least 30 days, contract section 3). */
#define ICAL_CANCELLED_KEEP (31 * 86400)

/*
 * Renders a whole feed as VCALENDAR text (CRLF lines, folded at 75 octets).
 * name goes into X-WR-CALNAME. Leaves out cancelled events changed more
 * than ICAL_CANCELLED_KEEP ago (the caller leaves out the past beyond
 * [calendar] keep_past). Adviser feeds are in [calendar] adviser_locale,
 * student feeds in each appointment's locale; a cancelled event's SUMMARY
 * says so (and that the student cancelled it), a confirmed one's in the
 * adviser feed carries a mark. Returns a malloc'd NUL-terminated string (length in *len) or
 * NULL.
 */
char *ical_render_feed(const struct config *cfg, enum ical_feed_kind kind, const char *name,
		       const struct ical_appt *appts, size_t n, int64_t now, size_t *len);
/* One appointment as METHOD:PUBLISH VCALENDAR (for email attachments). */
char *ical_render_one(const struct config *cfg, const struct ical_appt *a, int64_t now, size_t *len);

#endif
