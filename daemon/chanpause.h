/*
 * chanpause.h — the pause of a sending channel whose server or gateway
 * refuses relance itself (contract section 4): SMTP AUTH refused (530,
 * 534, 535, 454 on AUTH), gateway 401/403 on the credentials (SEND_AUTH of
 * http.h). A configuration fault, not the reminders': the channel stops
 * taking reminders for a pause (policy_pause_delay: [retry] first,
 * doubling, at most [retry] max), then tries one reminder; the first
 * answer that is not a refusal ends it. No reminder fails for it (the
 * dispatcher leaves them pending, attempts not counted).
 *
 * Logged at error once when a pause starts (and once more when a reload
 * did not fix it), at notice when the channel works again. /healthz gives
 * the reason while the channel is paused. State in memory only: after a
 * restart the first refusal pauses the channel again.
 */
#ifndef RELANCE_CHANPAUSE_H
#define RELANCE_CHANPAUSE_H

#include <stdint.h>

struct config;

struct chan_pause {
	int paused;             /* refused, and no answer since says it works */
	int relog;              /* a reload asked to try again: log the next refusal at error */
	int64_t since;          /* when the channel was first refused */
	int64_t until;          /* no new send before (epoch); 0 after a reload */
	int64_t delay;          /* length of the current pause (s) */
	uint64_t count;         /* pauses started since start */
	char reason[120];       /* "smtp: authentication refused (535), channel paused" */
};

/* A SEND_AUTH answer (code: the SMTP or HTTP status) on channel (CH_EMAIL,
 * CH_SMS) at now: starts the pause (1: a new one, the caller may record
 * it), or lengthens it when the try after a pause was refused too; a
 * refusal of a send started before the pause changes nothing. 0 else. */
int chan_pause_refused(struct chan_pause *p, const struct config *cfg, int channel, long code,
		       int64_t now);
/* Any other answer: the credentials work. 1 when this ended a pause
 * (logged at notice), else 0. */
int chan_pause_works(struct chan_pause *p, int channel, int64_t now);
/* A reload (new configuration, password files read again): the paused
 * channel tries one reminder at once. */
void chan_pause_retry_now(struct chan_pause *p);
/* The sends the channel may have in flight at now, out of limit: limit
 * when not paused, 0 during a pause, 1 once it is over (a try). */
int chan_pause_limit(const struct chan_pause *p, int limit, int64_t now);

#endif
