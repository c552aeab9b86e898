/*
 * store.h — the durable store: SQLite in WAL mode, synchronous=FULL, a
 * versioned schema (PRAGMA user_version), prepared statements. The store's
 * files (store*.c, store_priv.h, store_sql.h) are the only ones that
 * include sqlite3.h and the only ones holding SQL; the store includes no
 * calendar header.
 *
 * Times are seconds since the epoch (UTC); dates are civil days (util.h).
 * Every function returns 0 on success and -1 on a store error (logged, with
 * the SQLite message kept for store_errmsg()), unless said otherwise; a
 * lookup returns 1 found, 0 not found, -1 error; a count or value returns
 * it (>= 0) or -1 on error.
 * Strings passed in are copied; strings in structs filled by the store are
 * owned by the struct and freed by the matching *_clear().
 */
#ifndef RELANCE_STORE_H
#define RELANCE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"



struct store;

struct student {
	char *id, *given_name, *family_name, *email, *phone;
	char locale[3];
	int consent_sms, consent_email;
	char uai[9];
	char *programme_code, *programme_label, *session;
	int32_t last_exam_on;
	char *adviser_id;
	int stopped;
	char *feed_token;
	int64_t last_contact_at;   /* last attendance or delivered reminder */
	int64_t lost_alerted_at;
	/* when and by what (enum consent_by) each consent was last expressed;
	 * 0 and CONSENT_DEFAULT for the configured default */
	int64_t consent_sms_at, consent_email_at;
	int consent_sms_by, consent_email_by;
};
void student_clear(struct student *s);

struct appt {
	int64_t id;
	char uid[96];
	char *student_id, *adviser_id;
	char uai[9];
	enum appt_kind kind;
	int plan_index;            /* offset index for check-ins, -1 otherwise */
	int64_t starts_at, ends_at;
	enum appt_status status;
	int sequence;
	int64_t replaces;          /* id of the appointment it replaces, 0 */
	int replacements;          /* replacements booked for this original chain */
	int absences;              /* consecutive absences up to this one */
	char *window_key;          /* drop-in window, NULL for check-ins */
	enum situation situation;
	char *changed_by;          /* "exam.completed", "attendance:absent", ... */
	int64_t created_at, updated_at;
	int reminded;              /* 0: reminder rows not made yet (beyond the horizon) */
	/* the student's answer (contract section 8) */
	enum answer answer;        /* ANSWER_NONE, ANSWER_CONFIRMED or ANSWER_CANCELLED */
	int moves;                 /* moves made by the student */
	int64_t answered_at;       /* 0: never answered */
	char code_hash[65];        /* link_code_hash() of its link code, "" for none;
				    * store_appt_insert() writes it when set */
};
void appt_clear(struct appt *a);

struct reminder {
	int64_t id, appointment_id;
	char *student_id;
	enum channel channel;
	enum rem_kind kind;
	enum rem_status status;
	int attempts;
	int64_t due_at, next_at, sent_at;
	char *last_error;
};
void reminder_clear(struct reminder *r);

/* ---- life cycle ---------------------------------------------------------- */
/* Opens (and creates or migrates, unless readonly) the store. NULL on error
 * with a message in err. A store of a newer schema is refused. */
struct store *store_open(const char *path, bool readonly, char *err, size_t errlen);
void store_close(struct store *st);
const char *store_errmsg(struct store *st);
/* A passive WAL checkpoint (copies committed pages into the database file
 * without blocking the writer): run from another thread, it keeps that work
 * off the ingest path. 0 or -1. */
int store_checkpoint(struct store *st);
/* Page cache bound of this connection (default 32 MiB). */
int store_set_cache_kb(struct store *st, int kb);
int store_schema_version(struct store *st);

int store_begin(struct store *st);
int store_commit(struct store *st);
/* A transaction whose commit survives a crash of the process but maybe not
 * a power loss (no fsync of its own). For records whose loss only means a
 * message is sent again (delivery outcomes), never for ingest, whose Kafka
 * offsets move after the commit. */
int store_begin_relaxed(struct store *st);
void store_rollback(struct store *st);

/* ---- ingest ---------------------------------------------------------------- */
/* Remembers (source, id). Returns 1 if new, 0 if already seen, -1 on error. */
int store_event_remember(struct store *st, const char *source, const char *id,
			 const char *type, const char *student_id, const char *topic,
			 int partition, int64_t offset, int64_t now);
/* 1 if (source, id) was remembered, 0 if not, -1 on error. */
int store_event_seen(struct store *st, const char *source, const char *id);
/* Keeps the whole message and counts it (counter 'dead_letters'): 1 stored, 0
 * stored already (same origin), -1. */
int store_dead_letter(struct store *st, const char *topic, int partition, int64_t offset,
		      const char *reason, const void *payload, size_t len, int64_t now);

int store_adviser_upsert(struct store *st, const char *id, const char *name, const char *email);
int store_establishment_upsert(struct store *st, const char *uai, const char *name);
/* 1 found, 0 not found, -1 error. */
int store_student_get(struct store *st, const char *id, struct student *out);
/* Inserts or updates every field except feed_token (created once). */
int store_student_put(struct store *st, const struct student *s, int64_t now);
int store_student_touch_contact(struct store *st, const char *id, int64_t when);

/* A new UID: <time prefix><random>@domain. */
void store_appt_new_uid(struct store *st, const char *domain, int64_t now, char uid[96]);
/* Inserts a, a->id set; with a new UID written into a->uid unless a->uid is
 * set already (store_appt_new_uid()); a->code_hash too when not "". */
int store_appt_insert(struct store *st, struct appt *a, const char *domain, int64_t now);
/* Changes status (and times when starts_at != 0), bumps SEQUENCE. */
int store_appt_update(struct store *st, int64_t id, int status, int64_t starts_at,
		      int64_t ends_at, const char *changed_by, int64_t now);
int store_appt_set_situation(struct store *st, int64_t id, int situation);
/* These three: 1 found, 0 not found, -1 error. by_start: of a student,
 * kind and start, the confirmed one first, then the latest. */
int store_appt_by_uid(struct store *st, const char *uid, struct appt *out);
int store_appt_by_start(struct store *st, const char *student_id, int kind, int64_t starts_at,
			struct appt *out);
int store_appt_by_id(struct store *st, int64_t id, struct appt *out);
/* All appointments of a student, by start time. Caller frees with
 * store_appts_free(). */
int store_appts_of_student(struct store *st, const char *student_id, struct appt **out, size_t *n);
/* Confirmed appointments whose reminder rows are not made yet and that
 * start at or before `before`, earliest first, at most limit. */
int store_appts_to_remind(struct store *st, int64_t before, int limit, struct appt **out, size_t *n);
/* The appointment's reminder rows are made (reminded = 1). */
int store_appt_set_reminded(struct store *st, int64_t id);
void store_appts_free(struct appt *a, size_t n);

int store_reminder_insert(struct store *st, int64_t appointment_id, const char *student_id,
			  int channel, int kind, int64_t due_at, int64_t now);
/* Cancels pending (or being sent) reminders of an appointment (channel 0:
 * all channels). */
int store_reminders_cancel_appt(struct store *st, int64_t appointment_id, int channel,
				const char *why, int64_t now);
/* Cancels pending reminders of a student on a channel (0: all). */
int store_reminders_cancel_student(struct store *st, const char *student_id, int channel,
				   const char *why, int64_t now);
/* Count of reminders of an appointment on a channel that are not
 * cancelled; -1 on error. */
int store_reminders_count_appt(struct store *st, int64_t appointment_id, int channel);
/* Pending student reminders of an appointment, by channel, due time and
 * id. Free with store_reminders_free(). */
int store_reminders_pending_appt(struct store *st, int64_t appointment_id, struct reminder **out,
				 size_t *n);
/* A pending reminder due at another time (its appointment moved): due_at
 * and next_at set, attempts and last error reset. */
int store_reminder_retime(struct store *st, int64_t id, int64_t due_at);
/* Is a reminder of the appointment on another channel than channel, due
 * at or after since, sent or being sent? 1, 0, -1. */
int store_reminder_delivered(struct store *st, int64_t appointment_id, int channel,
			     int64_t since);

int store_dropin_add(struct store *st, const char *window_key, int64_t starts_at, int delta);
int store_counter_add(struct store *st, const char *name, int64_t delta);
/* Value of a counter, 0 when absent, -1 on error. */
int64_t store_counter_get(struct store *st, const char *name);
int store_attendance_record(struct store *st, const char *student_id, int64_t appointment_id,
			    int kind, int64_t starts_at, int status, int situation,
			    const char *source, const char *event_id, int64_t now);

/* ---- loading books at start ---------------------------------------------- */
/* Confirmed check-ins ending after since: fn(adviser, start, end). */
int store_each_booking(struct store *st, int64_t since,
		       void (*fn)(const char *adviser, int64_t start, int64_t end, void *arg), void *arg);
int store_each_dropin_fill(struct store *st,
			   void (*fn)(const char *window_key, int64_t start, int booked, void *arg),
			   void *arg);

/* ---- feeds (generic row access) ------------------------------------------ */
/* Monotonic change counter of appointments (stored value, >= 0); feeds
 * changed since rev. -1 on error. */
int64_t store_rev(struct store *st);

/* ==== feeds section ==== */
/* Calendar feeds (feed.c). kind: enum store_feed_kind, whose codes are those
 * of enum ical_feed_kind (the store includes no calendar header). */
enum store_feed_kind { STORE_FEED_ADVISER = 1, STORE_FEED_STUDENT, STORE_FEED_ESTABLISHMENT };
/* One appointment of a feed, with names (strings borrowed, NULL when the
 * column is NULL); feed.c makes a struct ical_appt of it. */
struct feed_row {
	const char *uid;
	int kind;                   /* enum appt_kind */
	int status;                 /* enum appt_status */
	int sequence;
	int64_t starts_at, ends_at, created_at, updated_at;
	const char *locale;
	const char *student_given_name, *student_family_name, *student_id;
	const char *adviser_name, *adviser_email, *adviser_id;
	int situation;              /* enum situation */
	int answer;                 /* enum answer: the student's (contract section 8) */
	const char *student_email;
};
struct feed_owner {
	char *id, *name, *email;    /* name: adviser, "given family", establishment */
	char locale[3];
};
void feed_owner_clear(struct feed_owner *o);
/* Owner of a feed token: 1 found, 0 unknown (or revoked) token, -1 error. */
int store_feed_owner(struct store *st, int kind, const char *token, struct feed_owner *out);
/* Token of a feed by owner id: 1, 0 no such id, -1. */
int store_feed_token(struct store *st, int kind, const char *id, char out[65]);
/* Appointments of an adviser's or a student's feed by start time, with
 * names; cancelled ones only when changed at or after cancelled_since,
 * the others only when starting at or after past_since. r and its strings
 * are valid during the call only. 0 (also for another kind, which has no
 * rows) or -1. */
int store_feed_each_appt(struct store *st, int kind, const char *id, int64_t cancelled_since,
			 int64_t past_since, void (*fn)(const struct feed_row *r, void *arg),
			 void *arg);
/* Latest change of a drop-in booking of a window (0: none); -1 error. */
int64_t store_feed_dropin_stamp(struct store *st, const char *window_key);
/* Appointments changed after since_rev, distinct by owners. */
int store_feed_changed(struct store *st, int64_t since_rev,
		       void (*fn)(const char *student_id, const char *adviser_id, const char *uai,
				  int kind, const char *window_key, void *arg),
		       void *arg);
/* Every feed: advisers, students with appointments, establishments. */
int store_feed_each_owner(struct store *st,
			  void (*fn)(int kind, const char *id, const char *token, void *arg), void *arg);
/* Integer meta values ('feeds_rev'): 0 when absent, -1 error. */
int64_t store_feed_meta_get(struct store *st, const char *key);
int store_feed_meta_set(struct store *st, const char *key, int64_t v);
/* A secret of the installation kept in meta under key (32 hex digits):
 * made at random the first time. 0 or -1 (store error). */
#define STORE_SECRET_LEN 32
int store_meta_secret(struct store *st, const char *key, char out[STORE_SECRET_LEN + 1]);
/* Cheap aggregates for /metrics: fn("appointments", status, 0, NULL, n),
 * fn("reminders", channel, status, NULL, n), fn("dead_letters", 0, 0, NULL,
 * n: the rows kept), fn("counter", 0, 0, name, value: counter 'dead_letters' counts
 * every dead letter ever stored), fn("held_events", 0, 0, NULL, n). */
/* When the oldest pending reminder of channel whose time has come
 * (next_at <= now) became due: its next_at, 0 when none, -1 error. */
int64_t store_oldest_due(struct store *st, int channel, int64_t now);
int store_feed_metrics(struct store *st,
		       void (*fn)(const char *what, int a, int b, const char *name, int64_t n,
				  void *arg),
		       void *arg);

/* ==== relancectl section ==== */
/* Read side of relancectl (read-only connection) and its two actions. */
int store_ctl_count_students(struct store *st, int64_t *total, int64_t *stopped);
int store_ctl_count_events(struct store *st, int64_t *events, int64_t *dead_letters);
/* Confirmed appointments whose reminder rows are not made yet (beyond the
 * horizon). */
int store_ctl_count_awaiting(struct store *st, int64_t *appointments);
/* fn(kind, status, n) per (kind, status) of appointments. */
int store_ctl_each_appt_count(struct store *st,
			      void (*fn)(int kind, int status, int64_t n, void *arg), void *arg);
/* fn(kind, channel, status, n) per group of reminders. */
int store_ctl_each_reminder_count(struct store *st,
				  void (*fn)(int kind, int channel, int status, int64_t n, void *arg),
				  void *arg);
/* Counters whose name starts with prefix, by name. */
int store_ctl_each_counter(struct store *st, const char *prefix,
			   void (*fn)(const char *name, int64_t value, void *arg), void *arg);
/* Database size in bytes (pages in use, WAL not included); -1 on error. */
int64_t store_ctl_db_size(struct store *st);
/* Reminders with their appointment's UID ("" for none): of one student
 * (student_id != NULL, by due time) or of one status (status >= 0, by
 * next_at). r and uid are valid during the call only. */
int store_ctl_each_reminder(struct store *st, const char *student_id, int status,
			    void (*fn)(const struct reminder *r, const char *appt_uid, void *arg),
			    void *arg);
struct dead_letter {
	int64_t id;
	const char *topic;
	int partition;
	int64_t offset;
	const char *reason;
	const void *payload;
	size_t len;
	int64_t received_at;
};
/* Dead letters by id; d is valid during the call only. */
int store_ctl_each_dead_letter(struct store *st,
			       void (*fn)(const struct dead_letter *d, void *arg), void *arg);
/* Indicators of one establishment and programme (strings borrowed). */
struct indicators {
	const char *uai, *establishment, *programme_code, *programme_label;
	int64_t students, stopped;
	int64_t checkins_attended, checkins_missed, checkins_excused, checkins_planned;
	int64_t dropins_attended, dropins_missed, dropins_excused, dropins_planned;
	int64_t situation[SITUATION_N]; /* by enum situation, [SIT_NONE] none recorded */
	int64_t workshops_present, workshops_recorded;
	/* students' answers on check-ins and drop-ins (contract section 8):
	 * answerable = not cancelled by relance (cancelled by the student
	 * included); of them confirmed, cancelled by the student, moved; the
	 * attended and missed ones confirmed or moved, and with no answer */
	int64_t answerable, confirmed, cancelled, moved;
	int64_t confirmed_attended, confirmed_missed, unconfirmed_attended, unconfirmed_missed;
};
/* final_index: plan_index of the last check-in (the +180-day one). */
int store_ctl_each_indicators(struct store *st, int final_index,
			      void (*fn)(const struct indicators *in, void *arg), void *arg);
/* Students' messages for advisers received at or after since, oldest
 * first, with the UID of the appointment each is about ("" for none); m
 * and uid are valid during the call only. */
struct student_message;
int store_ctl_each_reply(struct store *st, int64_t since,
			 void (*fn)(const struct student_message *m, const char *appt_uid,
				    void *arg),
			 void *arg);
/* Replaces the feed token of an adviser, student or establishment (kind:
 * enum store_feed_kind) by a new one (written to out): 1, 0 no such id (or
 * kind), -1 error. */
int store_ctl_feed_revoke(struct store *st, int kind, const char *id, char out[65]);
/* Inside a write transaction: continue the change counter (meta 'rev') from
 * its stored value, which another process (relanced) may have advanced. */
int store_ctl_sync_rev(struct store *st);
/* Puts a failed, cancelled or skipped reminder back to pending, due now,
 * attempts reset: 1 done, 0 no such reminder, 2 refused (why says it), -1 error.
 * Inside the caller's write transaction. */
int store_ctl_retry(struct store *st, int64_t id, int64_t now, char *why, size_t whylen);

/* ==== delivery section ==== */
/* Reminders left in status sending (REM_SENDING) by a crash go back to pending:
 * at-least-once. Returns how many, or -1. */
int store_reminders_requeue_sending(struct store *st);
/* Earliest next_at of the pending reminders of channel (CH_SMS, CH_EMAIL):
 * 1 (in *next_at), 0 none, -1. */
int store_reminder_next_due(struct store *st, int channel, int64_t *next_at);
/* Pending reminders of channel with next_at <= now, by next_at then id, at
 * most limit. Free with store_reminders_free(). */
int store_reminders_due(struct store *st, int channel, int64_t now, int limit,
			struct reminder **out, size_t *n);
void store_reminders_free(struct reminder *r, size_t n);
/* 1 found, 0 not, -1 error. */
int store_reminder_get(struct store *st, int64_t id, struct reminder *out);
/* Sets status, attempts, next_at, sent_at (0: NULL) and last_error. */
int store_reminder_set(struct store *st, int64_t id, int status, int attempts, int64_t next_at,
		       int64_t sent_at, const char *last_error);
int store_attempt_add(struct store *st, int64_t reminder_id, int64_t at, int channel,
		      const char *outcome, const char *detail);
/* Count of student reminders (REM_REMINDER) sent in [from, to) or being
 * sent now; -1 on error. */
int store_reminders_sent_between(struct store *st, const char *student_id, int64_t from,
				 int64_t to);
/* Name and email of an adviser (malloc'd, NULL when absent): 1, 0, -1. */
int store_adviser_contact(struct store *st, const char *id, char **name, char **email);
/* Is there a reminder of the appointment on channel with that due time,
 * not cancelled? 1, 0, -1. */
int store_reminder_twin(struct store *st, int64_t appointment_id, int channel, int64_t due_at);
/*
 * Digests of students' messages for their advisers (contract section 8):
 * store_digests_queue() adds, due at now, one REM_ALERT_MESSAGES email row
 * (reminders.adviser_id set) for each adviser with an email address and
 * messages not mailed yet, unless one of theirs is pending or being sent,
 * or was due, sent or failed less than gap seconds ago: how many, or -1.
 * store_reminder_adviser(): the adviser of such a row (malloc'd in *out,
 * NULL for none): 1, 0 no such reminder, -1.
 */
int store_digests_queue(struct store *st, int64_t now, int64_t gap);
int store_reminder_adviser(struct store *st, int64_t reminder_id, char **out);
/* One message of a digest (strings malloc'd). */
struct digest_message {
	int64_t id;
	char *given_name, *family_name;     /* the student's (NULL when unknown) */
	int64_t appt_starts_at;             /* the appointment it is about, 0: none */
	int64_t received_at;
	char *text;
};
/* The adviser's messages not mailed yet, oldest first, at most limit (free
 * with store_digest_messages_free): 0 or -1. */
int store_digest_messages(struct store *st, const char *adviser_id, int limit,
			  struct digest_message **out, size_t *n);
void store_digest_messages_free(struct digest_message *v, size_t n);
/* The digest reminder_id was sent at now: its adviser's messages up to id
 * upto (those it listed) are mailed. 0 or -1. */
int store_digest_mailed(struct store *st, int64_t reminder_id, int64_t upto, int64_t now);
/* Is there a later student reminder than r (same appointment and channel,
 * due after r, or at the same time with a larger id) that is due at now
 * and not sent yet (pending or being sent)? 1, 0, -1. */
int store_reminder_superseded(struct store *st, const struct reminder *r, int64_t now);

/* ==== http receipts section ==== */
/* Sets a student's consent on a channel (CH_SMS / CH_EMAIL), expressed at
 * `at` by `by` (enum consent_by). */
int store_student_set_consent(struct store *st, const char *id, int channel, int value, int64_t at,
			      int by, int64_t now);
/* The ids of every student whose phone is phone (E.164), by id: 0 with
 * *ids (free with store_ids_free()) and *n, or -1. */
int store_students_by_phone(struct store *st, const char *phone, char ***ids, size_t *n);
void store_ids_free(char **ids, size_t n);

/* ==== held events section ==== */
/* Events whose student is not known yet (contract 1.4), held until the
 * student's exam.completed (store_hold.c). A message as received, with the
 * parts of its event the store indexes; pointers are borrowed. */
struct held_msg {
	const char *source, *id, *type, *student_id;
	const char *topic;
	int partition;
	int64_t offset;
	const void *key;            /* NULL: the message had no key */
	size_t keylen;
	const void *value;
	size_t len;
	const void *headers;        /* hold_headers_pack() (hold.h) */
	size_t hlen;
};
/* A held event read back: m points into buf, which the row owns. */
struct held_event {
	int64_t seq, received_at;
	int student_known;          /* store_hold_expired() only (1 elsewhere) */
	struct held_msg m;
	char *buf;
};
/* Holds m: 1 held, 0 already held (same source and id), -1 error. */
int store_hold_insert(struct store *st, const struct held_msg *m, int64_t now);
/* The held events of a student in arrival order. Free with store_hold_free(). */
int store_hold_of_student(struct store *st, const char *student_id, struct held_event **out,
			  size_t *n);
/* Held events received at or before `before`, in arrival order, at most
 * limit, each saying whether its student is known by now. */
int store_hold_expired(struct store *st, int64_t before, int limit, struct held_event **out,
		       size_t *n);
void store_hold_free(struct held_event *v, size_t n);
int store_hold_delete(struct store *st, int64_t seq);
/* fn(student_id) for every student with held events. */
int store_hold_each_student(struct store *st, void (*fn)(const char *student_id, void *arg),
			    void *arg);
/* Number of held events and the reception time of the oldest (0: none). */
int store_hold_count(struct store *st, int64_t *n, int64_t *oldest);

/* ==== publish queue section ==== */
/* A message waiting for its topic (store_outbox.c, producer.c): dead
 * letters and outcome events. Pointers are borrowed. */
struct outbox_msg {
	int64_t id;
	const char *topic;
	const void *key;            /* NULL: no key */
	size_t keylen;
	const void *value;
	size_t len;
	const void *headers;        /* hold_headers_pack() (hold.h) */
	size_t hlen;
	int attempts;
};
/* Queues m (id and attempts ignored) in the caller's transaction. 0, -1. */
int store_outbox_add(struct store *st, const struct outbox_msg *m, int64_t now);
/* fn(m, arg) for the rows due at now, at most limit, oldest due first (m
 * points into the row: valid during the call only). 0 or -1. */
int store_outbox_each_due(struct store *st, int64_t now, int limit,
			  void (*fn)(const struct outbox_msg *m, void *arg), void *arg);
/* The broker has message id: removed. 0 or -1. */
int store_outbox_delete(struct store *st, int64_t id);
/* Publishing id failed: tried again later (2^attempts s, at most cap). */
int store_outbox_retry(struct store *st, int64_t id, int64_t now, int64_t cap);
/* Number of queued messages and the creation time of the oldest (0: none). */
int store_outbox_count(struct store *st, int64_t *n, int64_t *oldest);
/* Deletes at most limit dead letters received before `before`: how many, -1. */
int store_dead_letters_prune(struct store *st, int64_t before, int limit);

/* ==== answers section ==== */
/* Students' answers (store_reply.c, contract section 8). */
/* Sets the code hash of an appointment (link.h). */
int store_appt_set_code(struct store *st, int64_t id, const char *code_hash);
/* Moves a drop-in appointment to another window (its key). */
int store_appt_set_window(struct store *st, int64_t id, const char *window_key);
/* The appointment of a code hash: 1, 0, -1. */
int store_appt_by_code(struct store *st, const char *code_hash, struct appt *out);
/* fn(id, uid) for appointments starting after now whose code hash is set
 * (a link was given out), by id, from after_id, at most limit: the count,
 * or -1. */
int store_appts_coded(struct store *st, int64_t now, int64_t after_id, int limit,
		      void (*fn)(int64_t id, const char *uid, void *arg), void *arg);
/* Records an answer on an appointment: answer (< 0 keeps it), moves + 1
 * when moved, answered_at = updated_at = now, a new rev (feeds). */
int store_appt_answer(struct store *st, int64_t id, int answer, int moved, int64_t now);
/* The next confirmed appointment of a student starting after now: 1, 0, -1. */
int store_appt_next_of(struct store *st, const char *student_id, int64_t now, struct appt *out);
/* Acknowledgements of replies (REM_ACK_*, any status) due since `since`
 * for the students whose phone (E.164) is phone: a count or -1. */
int64_t store_acks_to_phone(struct store *st, const char *phone, int64_t since);
struct student_message {
	int64_t id;
	const char *student_id, *adviser_id;  /* adviser_id may be NULL */
	int64_t appointment_id;               /* 0: none */
	int via;                              /* enum answer_via */
	const char *text;
	int64_t received_at, mailed_at;       /* mailed_at 0: not mailed yet */
};
/* Keeps a message for the adviser: its id (> 0) or -1. */
int64_t store_message_insert(struct store *st, const char *student_id, const char *adviser_id,
			     int64_t appointment_id, int via, const char *text, int64_t now);

/* ---- alerts ------------------------------------------------------------------ */
/* 1 if the student already has an alert of that kind (any status), 0 if
 * not, -1 on error. */
int store_alert_exists(struct store *st, const char *student_id, int kind);
/* Students due a lost-student alert: not stopped, no contact since
 * quiet_since, not alerted since quiet_since, with a confirmed appointment
 * still to come. fn(student_id). */
int store_each_lost_student(struct store *st, int64_t quiet_since, int64_t now,
			    void (*fn)(const char *student_id, void *arg), void *arg);
int store_student_mark_lost_alerted(struct store *st, const char *student_id, int64_t now);

#endif
