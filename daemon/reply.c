/*
 * reply.c — students' answers (reply.h, contract section 8): the link key,
 * the appointment of a code, and each answer as one store transaction:
 * the planner's change (plan_answer), the answer recorded, the
 * avenirpro.reply.* CloudEvent queued for [kafka] topic.replies through the
 * publish queue (producer_queue_cloudevent, as outcome events), and for an
 * SMS reply the REM_ACK_* acknowledgement row (sent by the dispatcher).
 *
 * The key ([answers] key_file, default link.key next to the store) holds
 * 64 hex digits: made at the first start (0600, O_EXCL, O_NOFOLLOW, from
 * getrandom), read again by reply_reconfigure().
 *
 * Code hashes (appointments.code_hash) exist for the links given out
 * only: reply_issue() writes an appointment's when its link first goes
 * into a message (the dispatcher, before the send) or is printed by
 * `relancectl link`. Hashing every appointment at planning time cost 40 %
 * of the ingest rate at national scale (a random unique index of a
 * million rows); a code nobody was given needs no lookup. A key that
 * changed on reload rewrites the hashes of the appointments to come that
 * have one (links already sent with the old key then answer 404).
 *
 * Calls: plan (changes), store, link, producer (the queue); never back
 * into its callers (web_reply.c, web_sms.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "log.h"
#include "plan.h"
#include "producer.h"
#include "reply.h"
#include "store.h"
#include "util.h"

_Static_assert(REPLY_SLOTS == PLAN_FREE_SLOTS, "the page offers the slots a move may take");
_Static_assert(REPLY_MAX_MOVES == PLAN_MAX_MOVES, "one limit of moves");

#define CODE_BATCH 2000

struct reply {
	const struct config *cfg;
	struct store *st;
	struct planner *p;
	uint8_t key[LINK_KEY_LEN];
	struct reply_stats stats;
};

/* ---- the key ------------------------------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads the key of path (64 hex digits, then blanks): 1 read, 0 no such
 * file, -1 error (err). */
static int
key_read(const char *path, uint8_t key[LINK_KEY_LEN], char *err, size_t errlen)
{
	char buf[2 * LINK_KEY_LEN + 16];
	struct stat sb;
	ssize_t n;
	/* O_NONBLOCK: a FIFO put in its place must not hang the loop. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), rc = -1;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP)
			snprintf(err, errlen, "%s: a symbolic link (not followed)", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (sb.st_mode & 077)
		log_warnx("%s: readable by others than its owner: chmod 600 it", path);
	/* Longer than a key and a few blanks: not a key (what follows the
	 * first read would go unseen). */
	n = sb.st_size > (off_t)sizeof buf - 1 ? -1 : read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 2 * LINK_KEY_LEN) {
		snprintf(err, errlen, "%s: not a key (64 hex digits)", path);
		goto out;
	}
	buf[n] = '\0';
	for (ssize_t i = 2 * LINK_KEY_LEN; i < n; i++)
		if (buf[i] != '\n' && buf[i] != '\r' && buf[i] != ' ' && buf[i] != '\t') {
			snprintf(err, errlen, "%s: not a key (64 hex digits)", path);
			goto out;
		}
	for (int i = 0; i < LINK_KEY_LEN; i++) {
		int hi = hexval(buf[2 * i]), lo = hexval(buf[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			snprintf(err, errlen, "%s: not a key (64 hex digits)", path);
			goto out;
		}
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	rc = 1;
out:
	explicit_bzero(buf, sizeof buf);
	return rc;
}

/* fsync of the directory of path: the new file's name survives a crash. */
static void
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") :
		    slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		if (fsync(fd) != 0)
			log_warnx("%s: fsync: %s", dir, strerror(errno));
		close(fd);
	}
	free(dir);
}

/* Writes key to a new file at path (0600): 1 written, 0 it exists already
 * (made by another process meanwhile), -1 error. */
static int
key_write(const char *path, const uint8_t key[LINK_KEY_LEN], char *err, size_t errlen)
{
	char hex[2 * LINK_KEY_LEN + 2];
	int fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < LINK_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[2 * LINK_KEY_LEN] = '\n';
	ok = write(fd, hex, 2 * LINK_KEY_LEN + 1) == 2 * LINK_KEY_LEN + 1 && fsync(fd) == 0;
	explicit_bzero(hex, sizeof hex);
	if (close(fd) != 0)
		ok = 0;
	if (!ok) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	sync_dir(path);
	return 1;
}

/* Makes a new key file at path: 1 made, 0 it exists already (made by
 * another process meanwhile), -1 error. */
static int
key_make(const char *path, uint8_t key[LINK_KEY_LEN], char *err, size_t errlen)
{
	int rc;

	if (getrandom(key, LINK_KEY_LEN, 0) != LINK_KEY_LEN) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	rc = key_write(path, key, err, errlen);
	if (rc == 1)
		log_notice("%s: new personal link key made (back it up with the store)", path);
	return rc;
}

/* The key of cfg's key_file, made when missing. 0 or -1 (err). */
static int
key_load(const struct config *cfg, uint8_t key[LINK_KEY_LEN], char *err, size_t errlen)
{
	const char *path = cfg->answers.key_file;

	for (int tries = 0; tries < 3; tries++) {
		int rc = key_read(path, key, err, errlen);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
		rc = key_make(path, key, err, errlen);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	snprintf(err, errlen, "%s: cannot read or make the key", path);
	return -1;
}

/* ---- code hashes ------------------------------------------------------------------ */

struct codeless {
	int64_t id[CODE_BATCH];
	char uid[CODE_BATCH][96];
	int n;
};

static void
on_codeless(int64_t id, const char *uid, void *arg)
{
	struct codeless *c = arg;
	if (c->n < CODE_BATCH) {
		c->id[c->n] = id;
		snprintf(c->uid[c->n], sizeof c->uid[c->n], "%s", uid);
		c->n++;
	}
}

/* Rewrites the code hashes of the appointments to come that have one, for
 * a new key, CODE_BATCH per transaction. 0 or -1. */
static int
rewrite_codes(struct reply *r, int64_t now)
{
	struct codeless *c;
	int64_t after = 0;
	long total = 0;
	int rc = 0;

	c = xcalloc(1, sizeof *c);
	do {
		c->n = 0;
		if (store_begin(r->st) ||
		    store_appts_coded(r->st, now, after, CODE_BATCH, on_codeless, c) < 0) {
			rc = -1;
			break;
		}
		for (int i = 0; i < c->n && rc == 0; i++) {
			char code[LINK_CODE_LEN + 1], hash[LINK_HASH_LEN + 1];
			link_code(r->key, c->uid[i], code);
			link_code_hash(code, hash);
			rc = store_appt_set_code(r->st, c->id[i], hash);
			after = c->id[i];
		}
		if (rc == 0 && store_commit(r->st) == 0)
			total += c->n;
		else
			rc = -1;
	} while (rc == 0 && c->n == CODE_BATCH);
	if (rc)
		store_rollback(r->st);
	else if (total > 0)
		log_info("personal links: code of %ld appointments to come rewritten for the new key",
			 total);
	free(c);
	return rc;
}

/* ---- life cycle ------------------------------------------------------------------- */

struct reply *
reply_new(const struct config *cfg, struct store *st, struct planner *p, char *err, size_t errlen)
{
	struct reply *r = xcalloc(1, sizeof *r);

	r->cfg = cfg;
	r->st = st;
	r->p = p;
	if (key_load(cfg, r->key, err, errlen) != 0) {
		free(r);
		return NULL;
	}
	return r;
}

int
reply_reconfigure(struct reply *r, const struct config *cfg)
{
	uint8_t key[LINK_KEY_LEN];
	char err[256];
	int changed;

	r->cfg = cfg;
	switch (key_read(cfg->answers.key_file, key, err, sizeof err)) {
	case 1:
		break;
	case 0:
		/* Deleted (or key_file moved): a new key would make every link
		 * already sent answer 404. The key in use is written back; a
		 * new key is a new file put there on purpose. */
		if (key_write(cfg->answers.key_file, r->key, err, sizeof err) < 0) {
			log_err("personal links: %s: missing, and the key in use cannot be written"
				" back (%s); keeping it", cfg->answers.key_file, err);
			return -1;
		}
		log_warnx("%s: missing: the key in use written back (links sent keep working)",
			  cfg->answers.key_file);
		return 0;
	default:
		log_err("personal links: %s; keeping the key in use", err);
		return -1;
	}
	changed = memcmp(key, r->key, sizeof key) != 0;
	memcpy(r->key, key, sizeof key);
	explicit_bzero(key, sizeof key);
	if (!changed)
		return 0;
	log_notice("personal links: the key changed: links sent before answer 404 from now on");
	return rewrite_codes(r, clock_now());
}

void
reply_free(struct reply *r)
{
	if (r == NULL)
		return;
	explicit_bzero(r->key, sizeof r->key);
	free(r);
}

const uint8_t *reply_key(const struct reply *r) { return r->key; }
const struct reply_stats *reply_stats(const struct reply *r) { return &r->stats; }

void
reply_link(const struct reply *r, const char *uid, char *out, size_t outlen)
{
	char code[LINK_CODE_LEN + 1];

	link_code(r->key, uid, code);
	snprintf(out, outlen, "%s/r/%s", r->cfg->calendar.base_url, code);
}

int
reply_link_key_read(const struct config *cfg, uint8_t key[LINK_KEY_LEN], char *err, size_t errlen)
{
	int rc = key_read(cfg->answers.key_file, key, err, errlen);
	if (rc == 0)
		snprintf(err, errlen, "%s: no key (relanced makes it at its first start)",
			 cfg->answers.key_file);
	return rc == 1 ? 0 : -1;
}

int
reply_code_issue(struct store *st, const uint8_t key[LINK_KEY_LEN], struct appt *a)
{
	char code[LINK_CODE_LEN + 1];

	if (a->code_hash[0] != '\0')
		return 0;
	link_code(key, a->uid, code);
	link_code_hash(code, a->code_hash);
	if (store_appt_set_code(st, a->id, a->code_hash) == 0)
		return 0;
	a->code_hash[0] = '\0';
	return -1;
}

/* ---- lookup ----------------------------------------------------------------------- */

/* The appointment of a code that may be answered or shown (confirmed, or
 * cancelled by the student) and has not started: 1, 0, -1. */
static int
appt_of_code(struct reply *r, const char *code, int64_t now, struct appt *a)
{
	char hash[LINK_HASH_LEN + 1];
	int found;

	memset(a, 0, sizeof *a);
	if (!link_code_shape(code))
		return 0;
	link_code_hash(code, hash);
	found = store_appt_by_code(r->st, hash, a);
	if (found <= 0)
		return found;
	if (a->starts_at <= now ||
	    (a->status != APPT_CONFIRMED &&
	     !(a->status == APPT_CANCELLED && a->answer == ANSWER_CANCELLED))) {
		appt_clear(a);
		return 0;
	}
	return 1;
}

/* Length of the blank at s: an ASCII blank or control character, or a
 * Unicode space in UTF-8 (no-break U+00A0, U+2000..U+200A, narrow no-break
 * U+202F, U+205F, ideographic U+3000); 0 when s is not one. */
static size_t
blank_len(const unsigned char *s)
{
	if (*s != '\0' && (*s <= ' ' || *s == 0x7f))
		return 1;
	if (s[0] == 0xc2 && s[1] == 0xa0)
		return 2;
	if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xaf))
		return 3;
	if ((s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) ||
	    (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80))
		return 3;
	return 0;
}

/* The first word of name into out: up to the first blank of any kind, so
 * "Amélie\u00a0Comelli" never shows the family name. */
static void
first_word(const char *name, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = 0, b;

	out[0] = '\0';
	if (name == NULL)
		return;
	while ((b = blank_len(p)) > 0)
		p += b;
	while (p[n] != '\0' && blank_len(p + n) == 0)
		n++;
	if (n >= outlen)
		n = outlen - 1;
	/* never half a UTF-8 sequence */
	while (n > 0 && n < strlen((const char *)p) && (p[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, p, n);
	out[n] = '\0';
}

int
reply_lookup(struct reply *r, const char *code, int64_t now, struct reply_view *out)
{
	struct appt a;
	struct student s = { 0 };
	char *name = NULL, *email = NULL;
	const char *loc;
	int found = appt_of_code(r, code, now, &a);

	memset(out, 0, sizeof *out);
	if (found <= 0)
		return found;
	if (store_student_get(r->st, a.student_id, &s) < 0 ||
	    (a.adviser_id && store_adviser_contact(r->st, a.adviser_id, &name, &email) < 0)) {
		found = -1;
		goto out;
	}
	snprintf(out->uid, sizeof out->uid, "%s", a.uid);
	out->kind = a.kind;
	out->status = a.status;
	out->answer = a.answer == ANSWER_CANCELLED || a.answer == ANSWER_CONFIRMED ? a.answer :
										       ANSWER_NONE;
	out->moves = a.moves;
	out->sequence = a.sequence;
	out->starts_at = a.starts_at;
	out->ends_at = a.ends_at;
	snprintf(out->locale, sizeof out->locale, "%s", s.locale[0] ? s.locale : "fr");
	first_word(name, out->adviser_first_name, sizeof out->adviser_first_name);
	loc = a.kind == KIND_DROPIN ? r->cfg->dropin.location : r->cfg->checkins.location;
	snprintf(out->location, sizeof out->location, "%s", loc ? loc : "");
out:
	free(name);
	free(email);
	student_clear(&s);
	appt_clear(&a);
	return found;
}

int
reply_free_slots(struct reply *r, const struct reply_view *v, int64_t now, int64_t *starts,
		 int max)
{
	struct appt a;
	int found = store_appt_by_uid(r->st, v->uid, &a), n;

	if (found <= 0)
		return found < 0 ? -1 : 0;
	n = a.status == APPT_CONFIRMED && a.starts_at > now && a.moves < REPLY_MAX_MOVES ?
		    plan_free_slots(r->p, &a, now, starts, max) : 0;
	appt_clear(&a);
	return n;
}

/* ---- the answer event ------------------------------------------------------------------ */

/* Queues avenirpro.reply.<answer> for appointment a (as it is now; NULL
 * for a message without appointment) of student_id. prev: the start before
 * a move (0 otherwise); text: a message's. 0 or -1. */
static int
queue_reply_event(struct reply *r, int answer, enum answer_via via, const struct appt *a,
		  const char *student_id, int64_t prev, const char *text, int64_t msg_id,
		  int64_t now)
{
	char type[64], id[200], st_at[21], prev_at[21];
	json_t *data;

	if (a)
		rfc3339_format_utc(a->starts_at, st_at);
	if (prev)
		rfc3339_format_utc(prev, prev_at);
	snprintf(type, sizeof type, "avenirpro.reply.%s", answer_name(answer));
	if (answer == ANSWER_MESSAGE)
		snprintf(id, sizeof id, "reply-message-%lld@%s", (long long)msg_id,
			 r->cfg->calendar.domain);
	else
		snprintf(id, sizeof id, "reply-%s-%lld-%d@%s", answer_name(answer),
			 (long long)a->id, a->sequence, r->cfg->calendar.domain);
	data = json_pack("{s:s*, s:s, s:s, s:s*, s:s*, s:s*}",
			 "appointment_uid", a ? a->uid : NULL, "student_id", student_id,
			 "via", answer_via_name(via), "starts_at", a ? st_at : NULL,
			 "previous_starts_at", prev ? prev_at : NULL, "text", text);
	if (data == NULL) {
		log_warnx("%s: cannot make the reply event", id);
		return 0;
	}
	return producer_queue_cloudevent(r->st, r->cfg->kafka.topic_replies, student_id,
					 r->cfg->calendar.domain, type, id,
					 a ? a->uid : student_id, data, now);
}

/* ---- answers ---------------------------------------------------------------------------- */

static enum reply_result
result_of(enum plan_answer_result pr)
{
	switch (pr) {
	case PLAN_ANSWER_DONE:
		return REPLY_DONE;
	case PLAN_ANSWER_ALREADY:
		return REPLY_ALREADY;
	case PLAN_ANSWER_REFUSED:
		return REPLY_REFUSED;
	default:
		return REPLY_ERROR;
	}
}

/* Applies answer to appointment a inside the caller's transaction, and
 * queues its event when it changed something. */
static enum reply_result
answer_appt(struct reply *r, struct appt *a, int answer, enum answer_via via, int64_t new_start,
	    int64_t now, char *err, size_t errlen)
{
	enum reply_result res;
	int64_t prev = a->starts_at;
	struct appt after;

	res = result_of(plan_answer(r->p, a, answer, new_start, now, err, errlen));
	if (res != REPLY_DONE)
		return res;
	/* The event says the appointment as it is now (new time, sequence). */
	if (store_appt_by_id(r->st, a->id, &after) != 1)
		return REPLY_ERROR;
	if (queue_reply_event(r, answer, via, &after, after.student_id,
			      answer == ANSWER_MOVED ? prev : 0, NULL, 0, now))
		res = REPLY_ERROR;
	appt_clear(&after);
	return res;
}

/* Ends the transaction of an answer: committed when res changed
 * something, rolled back otherwise (and the books reloaded after an
 * error). The result, REPLY_ERROR when the commit failed. */
static enum reply_result
finish(struct reply *r, enum reply_result res, int answer)
{
	if (res == REPLY_DONE && store_commit(r->st) == 0) {
		r->stats.answers[answer]++;
		return REPLY_DONE;
	}
	store_rollback(r->st);
	if (res == REPLY_DONE || res == REPLY_ERROR) {
		if (plan_reload(r->p) != 0)
			log_err("answers: cannot reload the books from the store");
		return REPLY_ERROR;
	}
	if (res == REPLY_REFUSED)
		r->stats.refused++;
	return res;
}

static enum reply_result
answer_code(struct reply *r, const char *code, int answer, enum answer_via via, int64_t new_start,
	    int64_t now, char *err, size_t errlen)
{
	struct appt a;
	int found;
	enum reply_result res;

	snprintf(err, errlen, "%s", "");
	if (store_begin(r->st) != 0)
		return REPLY_ERROR;
	found = appt_of_code(r, code, now, &a);
	if (found <= 0) {
		store_rollback(r->st);
		return found < 0 ? REPLY_ERROR : REPLY_NOT_FOUND;
	}
	res = answer_appt(r, &a, answer, via, new_start, now, err, errlen);
	appt_clear(&a);
	return finish(r, res, answer);
}

enum reply_result
reply_confirm(struct reply *r, const char *code, enum answer_via via, int64_t now, char *err,
	      size_t errlen)
{
	return answer_code(r, code, ANSWER_CONFIRMED, via, 0, now, err, errlen);
}

enum reply_result
reply_cancel(struct reply *r, const char *code, enum answer_via via, int64_t now, char *err,
	     size_t errlen)
{
	return answer_code(r, code, ANSWER_CANCELLED, via, 0, now, err, errlen);
}

enum reply_result
reply_move(struct reply *r, const char *code, int64_t new_start, int64_t now, char *err,
	   size_t errlen)
{
	return answer_code(r, code, ANSWER_MOVED, VIA_WEB, new_start, now, err, errlen);
}

/* ---- SMS replies -------------------------------------------------------------------------- */

/* The next appointment among the students of a number: its index in ids
 * (a filled), -1 none, -2 error. */
static int
next_among(struct reply *r, char **ids, size_t n, int64_t now, struct appt *a)
{
	int best = -1;

	memset(a, 0, sizeof *a);
	for (size_t i = 0; i < n; i++) {
		struct appt b;
		int found = store_appt_next_of(r->st, ids[i], now, &b);
		if (found < 0) {
			appt_clear(a);
			return -2;
		}
		if (found == 0)
			continue;
		if (best < 0 || b.starts_at < a->starts_at) {
			appt_clear(a);
			*a = b;
			best = (int)i;
		} else {
			appt_clear(&b);
		}
	}
	return best;
}

/* Queues the acknowledgement (REM_ACK_*) of an SMS answer to student id,
 * due now, unless the student can get no SMS or their number got
 * REPLY_ACKS_PER_DAY in the last 24 hours. 0 or -1. */
static int
queue_ack(struct reply *r, const char *id, int kind, int64_t appointment_id, int64_t now)
{
	struct student s = { 0 };
	int found = store_student_get(r->st, id, &s), rc = 0;
	int64_t sent;

	if (found < 0)
		return -1;
	if (!found || s.stopped || !s.phone || !s.consent_sms) {
		log_info("student %s: no SMS acknowledgement (no consent or no phone)", id);
	} else if ((sent = store_acks_to_phone(r->st, s.phone, now - 86400)) < 0) {
		rc = -1;
	} else if (sent >= REPLY_ACKS_PER_DAY) {
		log_info("student %s: no SMS acknowledgement (%d already to the number in 24 hours)",
			 id, REPLY_ACKS_PER_DAY);
		rc = store_counter_add(r->st, "sms_ack_capped", 1);
	} else {
		rc = store_reminder_insert(r->st, appointment_id, id, CH_SMS, kind, now, now);
	}
	student_clear(&s);
	return rc;
}

/* Keeps text as a message of student ids[who] (about appointment a, or
 * none when a->id is 0) for the adviser. 0 or -1. */
static int
keep_message(struct reply *r, const char *student_id, const struct appt *a, const char *text,
	     int64_t now)
{
	struct student s = { 0 };
	int found = store_student_get(r->st, student_id, &s), rc = -1;
	int64_t id;

	if (found < 0)
		return -1;
	id = store_message_insert(r->st, student_id, a->id ? a->adviser_id : s.adviser_id, a->id,
				  VIA_SMS, text ? text : "", now);
	if (id > 0 && queue_reply_event(r, ANSWER_MESSAGE, VIA_SMS, a->id ? a : NULL, student_id, 0,
					text ? text : "", id, now) == 0)
		rc = 0;
	student_clear(&s);
	return rc;
}

static int
ack_kind(int answer)
{
	return answer == ANSWER_CONFIRMED ? REM_ACK_CONFIRMED :
	       answer == ANSWER_CANCELLED ? REM_ACK_CANCELLED : REM_ACK_MESSAGE;
}

enum reply_result
reply_sms(struct reply *r, char **student_ids, size_t n, enum answer a, const char *text,
	  int64_t now, const char **applied_to)
{
	struct appt ap;
	char err[256];
	int who, answer = a;
	enum reply_result res = REPLY_DONE;

	*applied_to = NULL;
	if (n == 0)
		return REPLY_NOT_FOUND;
	if (store_begin(r->st) != 0)
		return REPLY_ERROR;
	who = next_among(r, student_ids, n, now, &ap);
	if (who == -2) {
		store_rollback(r->st);
		return REPLY_ERROR;
	}
	if (who >= 0 && (answer == ANSWER_CONFIRMED || answer == ANSWER_CANCELLED)) {
		res = answer_appt(r, &ap, answer, VIA_SMS, 0, now, err, sizeof err);
		if (res == REPLY_REFUSED) {
			log_info("appointment %s: SMS answer %s refused: %s", ap.uid,
				 answer_name(answer), err);
			answer = ANSWER_MESSAGE;    /* kept for the adviser instead */
		}
	} else {
		answer = ANSWER_MESSAGE;
	}
	if (who < 0)
		who = 0;
	if (answer == ANSWER_MESSAGE)
		res = keep_message(r, student_ids[who], &ap, text, now) ? REPLY_ERROR : REPLY_DONE;
	if ((res == REPLY_DONE || res == REPLY_ALREADY) &&
	    queue_ack(r, student_ids[who], ack_kind(answer), ap.id, now))
		res = REPLY_ERROR;
	appt_clear(&ap);
	/* A repeated yes or no is acknowledged again: commit the ack. */
	if (res == REPLY_ALREADY) {
		if (store_commit(r->st) == 0) {
			*applied_to = student_ids[who];
			return REPLY_ALREADY;
		}
		res = REPLY_ERROR;
	}
	res = finish(r, res, answer);
	if (res == REPLY_DONE)
		*applied_to = student_ids[who];
	return res;
}
