/*
 * dispatch.c — the dispatcher (dispatch.h): due reminders and adviser
 * alerts out through SMTP and SMS gateways with retries, quiet hours, the
 * daily cap, SMS-to-email fallback, outcome events, and the HTTP receipts
 * (Kannel delivery reports, incoming STOP replies). Contract sections 2
 * (quiet hours, never after the appointment started), 4 and 5
 * (at-least-once).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chanpause.h"
#include "config.h"
#include "dispatch.h"
#include "dispatch_msg.h"
#include "dispatch_state.h"
#include "event.h"
#include "http.h"
#include "ical.h"
#include "log.h"
#include "policy.h"
#include "loop.h"
#include "producer.h"
#include "reply.h"
#include "schedule.h"
#include "sms.h"
#include "smtp.h"
#include "store.h"
#include "template.h"
#include "util.h"

#define BATCH 256
#define MAX_SLEEP_MS 5000       /* safety net: re-check the store at least this often */
#define POKE_MS 200
#define DRAIN_TURN_MS 10        /* dispatch_free: time given to one channel at a time */
#define STORE_RETRY_SECS 30     /* a reminder whose state could not be read goes again then */

/* The two channels, each with its own transfers and limit: emails at
 * [retry] concurrency (SMTP relays limit sessions per client), SMS at
 * [sms] concurrency (a Kannel request takes ~40 ms, see README). */
static const int chans[] = { CH_EMAIL, CH_SMS };
#define NCHANS ARRAY_SIZE(chans)

struct dispatch {
	const struct config *cfg;
	const struct templates *tpl;
	struct store *st;
	struct loop *loop;
	struct producer *prod;
	struct http *http[NCHANS];  /* per channel, index as in chans[] */
	struct chan_pause pause[NCHANS]; /* credentials refused: paused (chanpause.h) */
	struct loop_timer *timer;
	int64_t wake_at;            /* epoch the timer is armed for, 0: now/unknown */
	int64_t last_poke;          /* mono ms */
	char *smtp_password, *sms_password;
	const struct reply *reply;  /* personal links ({link}), NULL: none */
	int stopping;
	struct dispatch_stats stats;
};

/* One send in flight. */
struct job {
	struct dispatch *d;
	int64_t rid, appt_id, due_at;
	int64_t upto;               /* digests: the last student message listed */
	int channel, kind, attempts;
	char *student_id;
	char appt_uid[96];
	struct smtp_upload up;
	struct sms_req req;
};

static void run(void *arg);

/* Index in chans[] (and d->http[]) of channel ch. */
static size_t
chan_index(int ch)
{
	size_t i = 0;
	while (i + 1 < NCHANS && chans[i] != ch)
		i++;
	return i;
}

/* Sends the channel of chans[i] may have in flight. */
static int
limit(const struct dispatch *d, size_t i)
{
	return chans[i] == CH_SMS ? d->cfg->sms.concurrency : d->cfg->retry.concurrency;
}

/* How many more sends the channel of chans[i] may start now: none while
 * it is paused, one at a time when a pause is over until one works. */
static int
room(const struct dispatch *d, size_t i)
{
	return chan_pause_limit(&d->pause[i], limit(d, i), clock_now()) -
	       http_inflight(d->http[i]);
}

/* Is the channel of chans[i] in a pause at now? */
static int
pausing(const struct dispatch *d, size_t i, int64_t now)
{
	return d->pause[i].paused && d->pause[i].until > now;
}

static int
inflight(const struct dispatch *d)
{
	int n = 0;
	for (size_t i = 0; i < NCHANS; i++)
		n += http_inflight(d->http[i]);
	return n;
}

/* Earliest next_at over the channels that have room (a full channel is
 * re-run by a completion; a paused one goes at the end of its pause): 1,
 * 0 none, -1 error. */
static int
next_due(struct dispatch *d, int64_t *next)
{
	int64_t t, now = clock_now();
	int found = 0, rc;

	for (size_t i = 0; i < NCHANS; i++) {
		if (!pausing(d, i, now) && room(d, i) <= 0)
			continue;
		rc = store_reminder_next_due(d->st, chans[i], &t);
		if (rc < 0)
			return -1;
		if (rc == 1 && pausing(d, i, now) && t < d->pause[i].until)
			t = d->pause[i].until;
		if (rc == 1 && (!found || t < *next)) {
			*next = t;
			found = 1;
		}
	}
	return found;
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	smtp_upload_clear(&j->up);
	sms_req_clear(&j->req);
	free(j->student_id);
	free(j);
}

/* The kind of a reminder in outcome events and logs: its model name, "_" for "-". */
static const char *
kind_name(int kind)
{
	static const char *const names[REM_KIND_N] = { "reminder", "reminder", "alert_absences",
		"alert_lost", "ack_confirmed", "ack_cancelled", "ack_message", "alert_messages" };
	return kind > 0 && kind < REM_KIND_N ? names[kind] : "reminder";
}

static void
stat_add(struct dispatch *d, int channel, enum dispatch_stat what)
{
	if (channel > 0 && channel < DISPATCH_CHANNELS)
		d->stats.by_channel[channel][what]++;
}

_Static_assert(DISPATCH_CHANNELS == CHANNEL_N, "dispatch stats: one row per channel code");

/* ---- secrets -------------------------------------------------------------- */

static void
secret_free(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static void
load_secrets(struct dispatch *d)
{
	secret_free(&d->smtp_password);
	secret_free(&d->sms_password);
	if (d->cfg->smtp.password_file) {
		d->smtp_password = config_read_secret(d->cfg->smtp.password_file);
		if (d->smtp_password == NULL)
			log_warn("smtp: cannot read password_file %s", d->cfg->smtp.password_file);
	}
	if (d->cfg->sms.password_file) {
		d->sms_password = config_read_secret(d->cfg->sms.password_file);
		if (d->sms_password == NULL)
			log_warn("sms: cannot read password_file %s", d->cfg->sms.password_file);
	}
}

/* ---- timer ------------------------------------------------------------------ */

/* Arms the timer for the next due reminder of a channel with room (at
 * most MAX_SLEEP_MS away). */
static void
arm(struct dispatch *d)
{
	int64_t next = 0, now = clock_now(), ms;
	int rc;

	if (d->stopping)
		return;
	rc = next_due(d, &next);
	if (rc == 1 && next <= now) {
		d->wake_at = now;
		loop_timer_set(d->timer, 0);
		return;
	}
	ms = rc == 1 ? (next - now) * 1000 : MAX_SLEEP_MS;
	if (ms > MAX_SLEEP_MS)
		ms = MAX_SLEEP_MS;
	d->wake_at = now + ms / 1000;
	loop_timer_set(d->timer, ms);
}

void dispatch_set_reply(struct dispatch *d, const struct reply *r) { d->reply = r; }

void
dispatch_poke(struct dispatch *d)
{
	int64_t mono = clock_mono_ms(), next = 0, now;
	if (d == NULL || d->stopping || mono - d->last_poke < POKE_MS)
		return;
	d->last_poke = mono;
	now = clock_now();
	if (next_due(d, &next) == 1 && next < d->wake_at) {
		d->wake_at = next <= now ? now : next;
		loop_timer_set(d->timer, next <= now ? 0 : (next - now) * 1000);
	}
}

/* ---- outcomes ------------------------------------------------------------------- */

/*
 * Queues the outcome event of reminder r, which just became final (sent or
 * failed), in the caller's transaction (the publish queue, producer.h).
 * One final outcome per reminder: a delivery report that says "not
 * delivered" after the send publishes nothing more (the attempt is
 * stored; the email fallback, if any, is a reminder with its own outcome).
 * 0, or -1 on a store error.
 */
static int
queue_outcome(struct dispatch *d, const struct reminder *r, const char *appt_uid, int attempts,
	      int sent, const char *why, int64_t now)
{
	char id[160];
	json_t *data;

	if (d->cfg->kafka.topic_outcomes == NULL || *d->cfg->kafka.topic_outcomes == '\0')
		return 0;
	snprintf(id, sizeof id, "reminder-%lld-%d-%s@%s", (long long)r->id, attempts,
		 sent ? "sent" : "failed", d->cfg->calendar.domain);
	data = json_pack("{s:I, s:s?, s:s, s:s, s:s, s:i, s:s, s:s?}",
			 "reminder_id", (json_int_t)r->id,
			 "appointment_uid", appt_uid && *appt_uid ? appt_uid : NULL,
			 "student_id", r->student_id, "channel", channel_name(r->channel),
			 "kind", kind_name(r->kind), "attempts", attempts,
			 "outcome", sent ? "sent" : "failed", "error", sent ? NULL : why);
	if (data == NULL) {
		log_warnx("reminder %lld: cannot make the outcome event", (long long)r->id);
		return 0;
	}
	return producer_queue_cloudevent(d->st, d->cfg->kafka.topic_outcomes, r->student_id,
					 d->cfg->calendar.domain,
					 sent ? "avenirpro.relance.reminder.sent" :
						"avenirpro.relance.reminder.failed",
					 id, r->student_id, data, now);
}

/* ---- SMS to email fallback ------------------------------------------------------- */

/* Adds an email reminder for the failed SMS reminder r when the student
 * can get one: 0 (done or nothing to do), -1 on a store error. */
static int
fallback_email(struct dispatch *d, const struct reminder *r, int64_t now)
{
	struct student s = { 0 };
	struct appt a = { 0 };
	int rc;

	if (r->kind != REM_REMINDER || r->channel != CH_SMS || r->appointment_id == 0)
		return 0;
	if ((rc = store_student_get(d->st, r->student_id, &s)) <= 0)
		return rc;
	if (s.stopped || s.email == NULL || !s.consent_email || !policy_channel_on(d->cfg, CH_EMAIL)) {
		log_info("reminder %lld: SMS failed, no email to fall back to", (long long)r->id);
		goto out;
	}
	rc = store_appt_by_id(d->st, r->appointment_id, &a);
	if (rc <= 0 || a.status != APPT_CONFIRMED || a.starts_at <= now)
		goto out;
	rc = store_reminder_twin(d->st, r->appointment_id, CH_EMAIL, r->due_at);
	if (rc == 1) {
		log_info("reminder %lld: SMS failed; an email reminder exists already",
			 (long long)r->id);
		rc = 0;
		goto out;
	}
	if (rc == 0 && (rc = store_reminder_insert(d->st, r->appointment_id, r->student_id,
						   CH_EMAIL, REM_REMINDER, now, now)) == 0)
		log_info("reminder %lld: SMS failed, falling back to email", (long long)r->id);
out:
	student_clear(&s);
	appt_clear(&a);
	return rc < 0 ? -1 : 0;
}

/* ---- results -------------------------------------------------------------------------- */

/* Full-jitter exponential backoff: random in [1, min(max, first * 2^(n-1))]. */
static int64_t
backoff(const struct config *cfg, int attempts)
{
	int64_t cap = cfg->retry.first;
	for (int i = 1; i < attempts && cap < cfg->retry.max; i++)
		cap *= 2;
	if (cap > cfg->retry.max)
		cap = cfg->retry.max;
	if (cap < 1)
		cap = 1;
	return 1 + (int64_t)(random_u64() % (uint64_t)cap);
}

/*
 * Records the outcome of one attempt of reminder rid: the attempts row and
 * the reminder's new state, in one transaction; then the outcome event
 * when it is final.
 */
static void
record(struct dispatch *d, int64_t rid, const char *appt_uid, enum send_result res,
       const char *why, int touch, int64_t upto)
{
	struct reminder r = { 0 };
	int64_t now = clock_now();
	int attempts, final = 0, in_tx = 0, found;

	if (store_begin_relaxed(d->st) != 0)
		goto fail;
	in_tx = 1;
	if ((found = store_reminder_get(d->st, rid, &r)) < 0)
		goto fail;
	if (found == 0) {
		/* Deleted meanwhile (not done by relance itself): nothing to record. */
		store_rollback(d->st);
		log_warnx("reminder %lld: gone from the store before its outcome was recorded",
			  (long long)rid);
		return;
	}
	/* A refusal of relance's credentials is not the reminder's attempt. */
	attempts = r.attempts + (res != SEND_AUTH);
	if (store_attempt_add(d->st, rid, now, r.channel,
			      res == SEND_OK ? "sent" : res == SEND_TRANSIENT ? "transient" :
			      res == SEND_AUTH ? "refused" : "permanent", why))
		goto fail;
	if (res == SEND_OK) {
		if (store_reminder_set(d->st, rid, REM_SENT, attempts, now, now, NULL))
			goto fail;
		if (touch && r.kind == REM_REMINDER &&
		    store_student_touch_contact(d->st, r.student_id, now))
			goto fail;
		/* A digest sent: the messages it listed are mailed. */
		if (r.kind == REM_ALERT_MESSAGES && upto > 0 &&
		    store_digest_mailed(d->st, rid, upto, now))
			goto fail;
		final = 1;
	} else if (r.status == REM_CANCELLED) {
		/* Cancelled while in flight (STOP, appointment cancelled): stays so. */
		if (store_reminder_set(d->st, rid, REM_CANCELLED, attempts, now, r.sent_at,
				       r.last_error))
			goto fail;
	} else if (res == SEND_AUTH) {
		/* Stays pending: taken again when its channel's pause is over. */
		if (store_reminder_set(d->st, rid, REM_PENDING, attempts, now, 0, r.last_error))
			goto fail;
		final = -1;
	} else if (res == SEND_TRANSIENT && attempts < d->cfg->retry.attempts) {
		int64_t next = now + backoff(d->cfg, attempts);
		if (store_reminder_set(d->st, rid, REM_PENDING, attempts, next, 0, why))
			goto fail;
		d->stats.retried++;
		stat_add(d, r.channel, DSTAT_RETRIED);
	} else {
		if (store_reminder_set(d->st, rid, REM_FAILED, attempts, now, 0, why) ||
		    fallback_email(d, &r, now))
			goto fail;
		final = 2;
	}
	if (final > 0 && queue_outcome(d, &r, appt_uid, attempts, final == 1, why, now))
		goto fail;
	if (store_commit(d->st) != 0)
		goto fail;
	in_tx = 0;
	if (final > 0)
		producer_kick(d->prod);
	if (final == 1) {
		d->stats.sent++;
		stat_add(d, r.channel, DSTAT_SENT);
		log_debug("reminder %lld (%s, %s): sent", (long long)rid, kind_name(r.kind),
			  channel_name(r.channel));
	} else if (final == 2) {
		d->stats.failed++;
		stat_add(d, r.channel, DSTAT_FAILED);
		log_warnx("reminder %lld (%s, %s): failed after %d attempt%s: %s", (long long)rid,
			  kind_name(r.kind), channel_name(r.channel), attempts,
			  attempts > 1 ? "s" : "", why);
	} else if (final == -1) {
		log_debug("reminder %lld (%s): %s; stays pending", (long long)rid,
			  channel_name(r.channel), why);
	} else {
		log_info("reminder %lld (%s): attempt %d failed, retried later: %s", (long long)rid,
			 channel_name(r.channel), attempts, why);
	}
	reminder_clear(&r);
	return;
fail:
	if (in_tx)
		store_rollback(d->st);
	/* Left "sending": requeued at the next start (at-least-once). */
	log_err("reminder %lld: cannot record the outcome of an attempt", (long long)rid);
	reminder_clear(&r);
}

/* Pauses or resumes channel ch after an answer res (code) of its server
 * or gateway; relancectl status reads meta 'paused:CHANNEL' (since when). */
static void
pause_update(struct dispatch *d, int ch, enum send_result res, long code)
{
	struct chan_pause *p = &d->pause[chan_index(ch)];
	int64_t now = clock_now();
	char key[32];

	snprintf(key, sizeof key, "paused:%s", channel_name(ch));
	if (res == SEND_AUTH && chan_pause_refused(p, d->cfg, ch, code, now))
		store_feed_meta_set(d->st, key, now);
	else if ((res == SEND_OK || res == SEND_PERMANENT) && chan_pause_works(p, ch, now))
		store_feed_meta_set(d->st, key, 0);
}

static void
on_done(CURL *e, CURLcode rc, long code, const char *body, size_t len, void *arg)
{
	struct job *j = arg;
	struct dispatch *d = j->d;
	char why[200];
	enum send_result res;
	(void)e;
	(void)len;

	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		/* Shutting down with the send unfinished: stays "sending", and is
		 * requeued at the next start. */
		job_free(j);
		return;
	}
	if (j->channel == CH_EMAIL)
		res = smtp_classify(rc, code, why, sizeof why);
	else
		res = sms_classify(d->cfg, rc, code, body, why, sizeof why);
	record(d, j->rid, j->appt_uid, res, why,
	       j->channel == CH_EMAIL || d->cfg->sms.gateway != SMS_GATEWAY_KANNEL, j->upto);
	pause_update(d, j->channel, res, code);
	job_free(j);
	if (!d->stopping)
		loop_timer_set(d->timer, 0);
}

/* ---- one reminder at send time ------------------------------------------------------------ */

enum verdict { V_SEND, V_DONE };

/* Writes the state of r decided at send time: 0, or -1 (logged; r stays
 * as it was and is taken again). */
static int
settle(struct dispatch *d, const struct reminder *r, int status, int64_t next_at, int64_t sent_at,
       const char *why)
{
	if (store_reminder_set(d->st, r->id, status, r->attempts, next_at, sent_at, why) == 0)
		return 0;
	log_err("reminder %lld: cannot record it as %s (%s); taken again later", (long long)r->id,
		rem_status_name(status), why);
	return -1;
}

/* Writes a verdict other than POLICY_SEND. */
static void
write_verdict(struct dispatch *d, const struct reminder *r, const struct policy_verdict *v,
	      int64_t now)
{
	char t[17];

	switch (v->action) {
	case POLICY_SEND:
		break;
	case POLICY_DEFER:
		if (settle(d, r, REM_PENDING, v->at, 0, v->reason))
			return;
		d->stats.deferred++;
		wall_format(v->at, t);
		log_info("reminder %lld (%s): %s, moved to %s", (long long)r->id,
			 channel_name(r->channel), v->reason, t);
		break;
	case POLICY_CANCEL:
	case POLICY_SKIP: {
		int skip = v->action == POLICY_SKIP;
		if (settle(d, r, skip ? REM_SKIPPED : REM_CANCELLED, r->next_at, now, v->reason))
			return;
		if (skip)
			d->stats.skipped++;
		else
			d->stats.cancelled++;
		stat_add(d, r->channel, skip ? DSTAT_SKIPPED : DSTAT_CANCELLED);
		log_info("reminder %lld (%s): %s: %s", (long long)r->id, channel_name(r->channel),
			 rem_status_name(skip ? REM_SKIPPED : REM_CANCELLED), v->reason);
		break;
	}
	case POLICY_FAIL:
		if (settle(d, r, REM_FAILED, now, 0, v->reason))
			return;
		d->stats.failed++;
		stat_add(d, r->channel, DSTAT_FAILED);
		log_warnx("reminder %lld (%s): failed: %s", (long long)r->id, kind_name(r->kind),
			  v->reason);
		break;
	}
}

/*
 * Checks reminder r at now (policy_send_verdict) and builds its message
 * into m: V_SEND, or V_DONE when it was cancelled, deferred or failed here
 * (store updated), or left for later after a store error: a store error
 * never cancels or fails a reminder.
 */
static enum verdict
prepare(struct dispatch *d, const struct reminder *r, int64_t now, struct msg *m, char *appt_uid,
	size_t uidlen)
{
	struct send_state x;
	struct policy_send_input in = { .r = r };
	struct policy_verdict v;

	memset(&x, 0, sizeof x);
	if (send_state_load(d->st, d->cfg, r, now, &x) != 0) {
		log_err("reminder %lld: cannot read its student or appointment: %s; retried in %ds",
			(long long)r->id, store_errmsg(d->st), STORE_RETRY_SECS);
		settle(d, r, REM_PENDING, now + STORE_RETRY_SECS, 0, r->last_error);
		send_state_clear(&x);
		return V_DONE;
	}
	if (x.have_appt)
		snprintf(appt_uid, uidlen, "%s", x.a.uid);
	in.s = x.have_student ? &x.s : NULL;
	in.a = x.have_appt ? &x.a : NULL;
	in.sent_today = x.sent_today;
	in.superseded = x.superseded;
	in.adviser_email = x.aemail && *x.aemail;
	in.messages = (int)x.nmsgs;
	v = policy_send_verdict(d->cfg, &in, now);
	/* The link goes out: its code hash is stored first, in the transaction
	 * that marks r "sending" (both survive, or r is sent again with the
	 * same link). */
	if (v.action == POLICY_SEND && d->reply && x.have_appt &&
	    (r->kind == REM_REMINDER || policy_is_ack(r->kind)) &&
	    reply_code_issue(d->st, reply_key(d->reply), &x.a) != 0) {
		log_err("reminder %lld: cannot store the code of its link: %s; retried in %ds",
			(long long)r->id, store_errmsg(d->st), STORE_RETRY_SECS);
		settle(d, r, REM_PENDING, now + STORE_RETRY_SECS, 0, r->last_error);
		send_state_clear(&x);
		return V_DONE;
	}
	if (v.action == POLICY_SEND)
		send_state_build(d->cfg, d->tpl, d->reply, r, &x, now, m);
	else
		write_verdict(d, r, &v, now);
	send_state_clear(&x);
	return v.action == POLICY_SEND ? V_SEND : V_DONE;
}

/* Starts the transfer of a prepared message; the reminder is "sending". */
static void
start(struct dispatch *d, const struct reminder *r, struct msg *m, const char *appt_uid)
{
	struct job *j = xcalloc(1, sizeof *j);
	CURL *e = NULL;

	j->d = d;
	j->rid = r->id;
	j->appt_id = r->appointment_id;
	j->due_at = r->due_at;
	j->channel = r->channel;
	j->kind = r->kind;
	j->attempts = r->attempts;
	j->upto = m->upto;
	j->student_id = xstrdup(r->student_id);
	snprintf(j->appt_uid, sizeof j->appt_uid, "%s", appt_uid);
	if (r->channel == CH_EMAIL) {
		j->up.data = msg_email(d->cfg, r->id, m, &j->up.len);
		e = smtp_easy(d->cfg, d->smtp_password, m->to, m->cc, &j->up);
	} else {
		char *body = NULL;
		if (d->cfg->sms.gateway == SMS_GATEWAY_WEBHOOK) {
			char idbuf[24];
			snprintf(idbuf, sizeof idbuf, "%lld", (long long)r->id);
			struct tpl_var v[] = {
				{ "to", m->to }, { "text", m->text }, { "sender", d->cfg->sms.sender },
				{ "reminder_id", idbuf },
			};
			body = template_render(d->tpl, TPL_SMS_WEBHOOK, "fr", v, ARRAY_SIZE(v), NULL);
		}
		e = sms_easy(d->cfg, d->sms_password, m->to, m->text, r->id, body, &j->req);
		free(body);
	}
	if (e == NULL) {
		record(d, r->id, appt_uid, SEND_PERMANENT, "cannot build the transfer", 0, 0);
		job_free(j);
		return;
	}
	if (http_submit(d->http[chan_index(r->channel)], e, on_done, j) != 0) {
		record(d, r->id, appt_uid, SEND_TRANSIENT, "cannot start the transfer", 0, 0);
		job_free(j);
	}
}

/* Writes a prepared message to the outbox: 0 or -1. */
static int
to_outbox(struct dispatch *d, const struct reminder *r, struct msg *m, const char *dir)
{
	int rc;
	if (r->channel == CH_EMAIL) {
		size_t len;
		char *data = msg_email(d->cfg, r->id, m, &len);
		rc = smtp_outbox_write(dir, r->id, data, len);
		free(data);
	} else {
		rc = sms_outbox_write(dir, r->id, d->cfg->sms.sender, m->to, m->text);
	}
	return rc;
}

struct pending_send {
	struct reminder *r;
	struct msg m;
	char appt_uid[96];
	const char *outbox;
	int go;
};

/*
 * Takes the due reminders of chans[ci], at most the channel's room, and
 * sends them: 1 when the batch was full (more may be due), else 0.
 */
static int
run_channel(struct dispatch *d, size_t ci, int64_t now)
{
	struct reminder *v = NULL;
	struct pending_send *ps = NULL;
	size_t n = 0;
	int want = room(d, ci), full = 0;

	if (want <= 0)
		return 0;
	if (want > BATCH)
		want = BATCH;
	if (store_reminders_due(d->st, chans[ci], now, want, &v, &n) != 0 || n == 0)
		goto out;
	full = n == (size_t)want;
	ps = xcalloc(n, sizeof *ps);
	if (store_begin_relaxed(d->st) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		ps[i].r = &v[i];
		if (prepare(d, &v[i], now, &ps[i].m, ps[i].appt_uid,
			    sizeof ps[i].appt_uid) != V_SEND)
			continue;
		/* Marked "sending" before anything goes out. */
		if (settle(d, &v[i], REM_SENDING, v[i].next_at, 0, v[i].last_error))
			continue;
		ps[i].go = 1;
		ps[i].outbox = smtp_outbox_dir(v[i].channel == CH_EMAIL ? d->cfg->smtp.url :
					       d->cfg->sms.url);
	}
	if (store_commit(d->st) != 0) {
		store_rollback(d->st);
		log_err("dispatch: cannot mark reminders as sending; retried shortly");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ps[i].go)
			continue;
		if (ps[i].outbox) {
			int rc = to_outbox(d, ps[i].r, &ps[i].m, ps[i].outbox);
			record(d, ps[i].r->id, ps[i].appt_uid, rc == 0 ? SEND_OK : SEND_TRANSIENT,
			       rc == 0 ? "written to the outbox" : "cannot write to the outbox", 1,
			       ps[i].m.upto);
		} else {
			start(d, ps[i].r, &ps[i].m, ps[i].appt_uid);
		}
	}
out:
	for (size_t i = 0; ps && i < n; i++)
		msg_clear(&ps[i].m);
	free(ps);
	store_reminders_free(v, n);
	return full;
}

/* The timer: each channel sends what is due within its own room. */
static void
run(void *arg)
{
	struct dispatch *d = arg;
	int64_t now;
	int again = 0;

	if (d->stopping)
		return;
	now = clock_now();
	for (size_t i = 0; i < NCHANS; i++)
		if (run_channel(d, i, now) && room(d, i) > 0)
			again = 1;
	if (again) {
		d->wake_at = now;
		loop_timer_set(d->timer, 0);
	} else {
		arm(d);
	}
}

/* ---- SMS gateway callbacks (web_sms.c) ---------------------------------------------- */

int
dispatch_sms_fallback(struct dispatch *d, const struct reminder *r, int64_t now)
{
	return fallback_email(d, r, now);
}

void
dispatch_sms_undelivered(struct dispatch *d, const struct reminder *r, int64_t now)
{
	(void)now;
	/* Its final outcome was published when it was sent (queue_outcome). */
	d->stats.failed++;
	stat_add(d, CH_SMS, DSTAT_FAILED);
	log_warnx("reminder %lld (sms): delivery report says not delivered", (long long)r->id);
	loop_timer_set(d->timer, 0);
}

/* ---- life cycle -------------------------------------------------------------------------- */

struct dispatch *
dispatch_new(const struct config *cfg, const struct templates *tpl, struct store *st,
	     struct loop *l, struct producer *prod)
{
	struct dispatch *d = xcalloc(1, sizeof *d);
	int n;

	d->cfg = cfg;
	d->tpl = tpl;
	d->st = st;
	d->loop = l;
	d->prod = prod;
	for (size_t i = 0; i < NCHANS; i++)
		d->http[i] = http_new(l, limit(d, i));
	d->timer = loop_timer_new(l, run, d);
	load_secrets(d);
	/* No channel is paused at start (relancectl status reads these). */
	store_feed_meta_set(st, "paused:sms", 0);
	store_feed_meta_set(st, "paused:email", 0);
	n = store_reminders_requeue_sending(st);
	if (n < 0)
		log_err("dispatch: cannot requeue the reminders left \"sending\": %s", store_errmsg(st));
	if (n > 0)
		log_notice("%d reminders were being sent when relanced stopped: sending them again", n);
	d->wake_at = clock_now();
	loop_timer_set(d->timer, 0);
	return d;
}

void
dispatch_reconfigure(struct dispatch *d, const struct config *cfg, const struct templates *tpl)
{
	d->cfg = cfg;
	d->tpl = tpl;
	for (size_t i = 0; i < NCHANS; i++)
		http_set_concurrency(d->http[i], limit(d, i));
	load_secrets(d);
	/* New credentials maybe: a paused channel tries again at once. */
	for (size_t i = 0; i < NCHANS; i++)
		chan_pause_retry_now(&d->pause[i]);
	loop_timer_set(d->timer, 0);
}

const struct dispatch_stats *
dispatch_stats(struct dispatch *d)
{
	d->stats.inflight = inflight(d);
	for (size_t i = 0; i < NCHANS; i++) {
		d->stats.paused[chans[i]] = d->pause[i].paused;
		d->stats.pauses[chans[i]] = d->pause[i].count;
		snprintf(d->stats.pause_reason[chans[i]], sizeof d->stats.pause_reason[0], "%s",
			 d->pause[i].reason);
	}
	return &d->stats;
}

void
dispatch_free(struct dispatch *d, int timeout_ms)
{
	int64_t deadline, left_ms;
	int left;
	if (d == NULL)
		return;
	d->stopping = 1;
	loop_timer_stop(d->timer);
	/* Both channels progress together: short turns until the deadline. */
	deadline = clock_mono_ms() + timeout_ms;
	while ((left = inflight(d)) > 0 && (left_ms = deadline - clock_mono_ms()) > 0)
		for (size_t i = 0; i < NCHANS; i++)
			http_drain(d->http[i], left_ms < DRAIN_TURN_MS ? (int)left_ms :
					       DRAIN_TURN_MS);
	if (left > 0)
		log_notice("%d sends unfinished at stop: they go again at the next start", left);
	for (size_t i = 0; i < NCHANS; i++)
		http_free(d->http[i]);
	loop_timer_free(d->timer);
	secret_free(&d->smtp_password);
	secret_free(&d->sms_password);
	free(d);
}
