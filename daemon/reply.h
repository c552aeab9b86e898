/*
 * reply.h — students' answers (contract section 8): what the page and the
 * SMS replies ask, and the one place that turns an answer into changes.
 *
 * Runs on the loop thread (the HTTP handlers' thread). Each answer is one
 * store transaction: the change goes through the planner (plan_answer, the
 * only writer of bookings), the answer is recorded on the appointment
 * (answer, moves, answered_at) or as a student message, and a CloudEvent
 * avenirpro.reply.<answer> is queued in the outbox for [kafka]
 * topic.replies in the same transaction (published by producer.c). A
 * change wakes the feed writer and the dispatcher as any change does.
 *
 * Callers: web_reply.c (the page) and web_sms.c (SMS replies). reply.c
 * calls plan, store, link; never back into them.
 */
#ifndef RELANCE_REPLY_H
#define RELANCE_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "model.h"

struct config;
struct planner;
struct store;
struct reply;

#define REPLY_MAX_MOVES 2       /* moves per appointment (section 8) */
#define REPLY_SLOTS 6           /* free slots the page offers (at least 5) */
#define REPLY_ACKS_PER_DAY 5    /* SMS acknowledgements to one number in 24 hours */

/* The appointment as the page may show it: nothing else of the student. */
struct reply_view {
	char uid[96];
	enum appt_kind kind;
	enum appt_status status;
	enum answer answer;         /* ANSWER_NONE, _CONFIRMED or _CANCELLED */
	int moves;                  /* moves made by the student so far */
	int sequence;               /* for the page token */
	int64_t starts_at, ends_at;
	char locale[3];             /* the student's language: "fr" | "en" */
	char adviser_first_name[64]; /* first word of the adviser's name, "" if none */
	char location[256];         /* [checkins] or [dropin] location */
};

enum reply_result {
	REPLY_DONE = 0,             /* changed (and published) */
	REPLY_ALREADY = 1,          /* nothing to change (double tap, same slot) */
	REPLY_REFUSED = 2,          /* not allowed now: moves used up, slot taken,
				     * appointment cancelled or started; why in err */
	REPLY_NOT_FOUND = 3,        /* no such code / no appointment to answer */
	REPLY_ERROR = -1,           /* store error: nothing changed */
};

/* cfg, st and p are borrowed (swapped by reply_reconfigure); the key is read
 * from [answers] key_file, made (0600, random) when missing. NULL with a
 * reason in err. */
struct reply *reply_new(const struct config *cfg, struct store *st, struct planner *p,
			char *err, size_t errlen);
int reply_reconfigure(struct reply *r, const struct config *cfg);
void reply_free(struct reply *r);
const uint8_t *reply_key(const struct reply *r);

/* The appointment of a code, valid until it starts: 1 found (view filled),
 * 0 unknown or expired, -1 store error. */
int reply_lookup(struct reply *r, const char *code, int64_t now, struct reply_view *out);
/* Free slots the appointment of view could move to (same rules as the
 * planner), earliest first: count written to starts (at most max), -1. */
int reply_free_slots(struct reply *r, const struct reply_view *v, int64_t now,
		     int64_t *starts, int max);

/* The three page actions, by code. new_start: one of reply_free_slots. */
enum reply_result reply_confirm(struct reply *r, const char *code, enum answer_via via,
				int64_t now, char *err, size_t errlen);
enum reply_result reply_cancel(struct reply *r, const char *code, enum answer_via via,
			       int64_t now, char *err, size_t errlen);
enum reply_result reply_move(struct reply *r, const char *code, int64_t new_start,
			     int64_t now, char *err, size_t errlen);

/* An SMS answer from the students of a number (student_ids, as STOP finds
 * them): ANSWER_CONFIRMED / ANSWER_CANCELLED act on the next appointment
 * (earliest start after now, among them); ANSWER_MESSAGE (or a yes/no with
 * no appointment to answer) keeps text as a message for the adviser. Queues
 * the one-segment acknowledgement (REM_ACK_*) to the student it applied
 * to, unless REPLY_ACKS_PER_DAY were queued to that number in the last 24
 * hours (a flood of replies gets no flood of answers: every answer is
 * still applied and every message kept; counted as sms_ack_capped).
 * *applied_to gets that student's id (borrowed from student_ids) or NULL. */
enum reply_result reply_sms(struct reply *r, char **student_ids, size_t n, enum answer a,
			    const char *text, int64_t now, const char **applied_to);

/* The personal link of an appointment, BASE_URL/r/CODE ([calendar]
 * base_url), for templates: written to out (size outlen). A link opens
 * its page once reply_code_issue() stored its code hash. */
void reply_link(const struct reply *r, const char *uid, char *out, size_t outlen);
struct appt;
/* Stores the code hash of a (a->code_hash, then the row) when it has none:
 * done before a link goes out (the dispatcher, relancectl link). key:
 * reply_key() or reply_link_key_read(). 0, or -1 on a store error. */
int reply_code_issue(struct store *st, const uint8_t key[LINK_KEY_LEN], struct appt *a);
/* Reads [answers] key_file without making it (relancectl): 0, or -1 with
 * a reason in err. */
int reply_link_key_read(const struct config *cfg, uint8_t key[LINK_KEY_LEN], char *err,
			size_t errlen);

struct reply_stats {
	uint64_t answers[ANSWER_N];  /* by enum answer */
	uint64_t refused;
};
const struct reply_stats *reply_stats(const struct reply *r);

#endif
