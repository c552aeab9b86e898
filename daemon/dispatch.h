/*
 * dispatch.h — the dispatcher of relanced (contract section 4): sends due
 * reminders and adviser alerts from the store, on the event loop.
 *
 * A timer is armed for the next due reminder (min next_at of the pending
 * ones); due reminders are taken in next_at order, checked again at send
 * time (appointment confirmed and not started, student still followed,
 * consent and contact, quiet hours, the per-student daily cap), marked
 * "sending" in the store and sent concurrently through http.c, one
 * transfer set per channel with its own bound: at most [retry] concurrency
 * emails (SMTP sessions, alerts included) and [sms] concurrency SMS gateway
 * requests in flight. Each channel takes due reminders only while it has
 * room, so a full channel neither delays the other nor wakes the loop until
 * one of its sends completes. Each attempt's outcome is stored before
 * anything else is sent for that reminder; the final outcome is published
 * to [kafka] topic.outcomes as a CloudEvent.
 *
 * Decisions (README-worthy):
 * - Daily cap: over [reminders] max_per_day sent (or being sent) student
 *   reminders today (local time), a reminder moves to the end of the quiet
 *   hours of the next day (08:00 by default) when that is still before its
 *   appointment, otherwise it is cancelled ("daily cap"). Adviser alerts do
 *   not count and are not capped.
 * - Overdue collapse: when several student reminders of one appointment
 *   and channel are due at once (after an outage of the daemon or of a
 *   peer), only the latest (by due time) goes; the others are recorded as
 *   skipped (REM_SKIPPED), before quiet hours and the daily cap are looked
 *   at.
 * - Quiet hours apply to student reminders only (alerts go to staff).
 * - SMS fallback: a permanent SMS failure or a failed delivery report adds
 *   a new email reminder due now, when the student has an email address and
 *   email consent and no email reminder of the same appointment and due
 *   time exists already (students with both channels get both anyway).
 * - At-least-once: reminders found "sending" at start go back to pending.
 * - Kannel SMS count as a contact when the delivery report says delivered;
 *   email, webhook and outbox sends count when accepted.
 * - Credentials refused (SMTP AUTH 530/534/535/454, gateway 401/403):
 *   the channel pauses (chanpause.h), the reminder stays pending with
 *   its attempts unchanged (the attempt row says "refused"); a reload
 *   makes a paused channel try again at once.
 * - Acknowledgements of students' replies (REM_ACK_*, contract section 8):
 *   SMS due at once, sent as reminders are (retries, outcome events) but
 *   outside quiet hours and the daily cap (policy.h), with the personal
 *   link of the appointment answered.
 * - Digests of students' messages (REM_ALERT_MESSAGES): one email to the
 *   adviser listing at most DIGEST_MAX unmailed messages; once sent, those
 *   it listed are marked mailed (the rows are queued by the periodic job
 *   of main.c through store_digests_queue(), at most one an hour).
 */
#ifndef RELANCE_DISPATCH_H
#define RELANCE_DISPATCH_H

#include <stdint.h>

struct config;
struct loop;
struct producer;
struct reminder;
struct reply;
struct store;
struct templates;

/* What became of reminders since start, per channel (by_channel[CH_SMS]
 * ...) for /metrics. */
enum dispatch_stat { DSTAT_SENT, DSTAT_FAILED, DSTAT_RETRIED, DSTAT_SKIPPED, DSTAT_CANCELLED,
		     DSTAT_N };
#define DISPATCH_CHANNELS 3   /* CHANNEL_N of model.h */

struct dispatch_stats {
	uint64_t sent, failed, retried, cancelled, deferred, skipped;
	uint64_t by_channel[DISPATCH_CHANNELS][DSTAT_N];
	int inflight;
	/* Channels paused because their server or gateway refused relance's
	 * credentials (chanpause.h): 1 while so, with the reason for /healthz;
	 * pauses started since start. */
	int paused[DISPATCH_CHANNELS];
	uint64_t pauses[DISPATCH_CHANNELS];
	char pause_reason[DISPATCH_CHANNELS][120];
};

/* cfg and tpl are borrowed (swapped with dispatch_reconfigure). prod may
 * be NULL (no outcome events). Requeues reminders left "sending". */
struct dispatch *dispatch_new(const struct config *cfg, const struct templates *tpl,
			      struct store *st, struct loop *l, struct producer *prod);
/* Lets in-flight sends finish (at most timeout_ms) and frees. */
void dispatch_free(struct dispatch *d, int timeout_ms);
void dispatch_reconfigure(struct dispatch *d, const struct config *cfg,
			  const struct templates *tpl);
/* The personal links of reminders ({link} of the templates) come from r
 * (reply_link(); borrowed, must outlive d). Without it, no link. */
struct reply;
void dispatch_set_reply(struct dispatch *d, const struct reply *r);
/* Cheap check for reminders that became due earlier than the timer (new
 * plans, relancectl retry); call it before the loop sleeps. */
void dispatch_poke(struct dispatch *d);
/*
 * For the SMS gateway's delivery reports (web_sms.c): r is an SMS reminder
 * a report just marked failed. dispatch_sms_fallback(), inside the
 * caller's store transaction, adds the email fallback reminder when the
 * student has one (0, or -1 on a store error: roll back);
 * dispatch_sms_undelivered(), after the commit, counts the failure and
 * wakes the dispatcher (no second outcome event: the reminder's final
 * outcome was published when it was sent).
 */
int dispatch_sms_fallback(struct dispatch *d, const struct reminder *r, int64_t now);
void dispatch_sms_undelivered(struct dispatch *d, const struct reminder *r, int64_t now);
const struct dispatch_stats *dispatch_stats(struct dispatch *d);

#endif
