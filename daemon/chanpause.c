/*
 * chanpause.c — the pause of a sending channel refused by its server or
 * gateway (chanpause.h; contract section 4).
 */
#include <stdio.h>

#include "chanpause.h"
#include "log.h"
#include "model.h"
#include "policy.h"

int
chan_pause_refused(struct chan_pause *p, const struct config *cfg, int channel, long code,
		   int64_t now)
{
	const char *name = channel == CH_SMS ? "sms" : "smtp";
	int fresh = !p->paused;

	if (p->paused && p->until > now)
		return 0;               /* sent before the pause started */
	p->delay = policy_pause_delay(cfg, fresh ? 0 : p->delay);
	p->until = now + p->delay;
	if (fresh) {
		p->paused = 1;
		p->since = now;
		p->count++;
		if (channel == CH_SMS)
			snprintf(p->reason, sizeof p->reason,
				 "sms: the gateway refused the credentials (HTTP %ld), channel paused", code);
		else
			snprintf(p->reason, sizeof p->reason,
				 "smtp: authentication refused (%ld), channel paused", code);
	}
	if (fresh || p->relog)
		log_err("%s%s; reminders stay pending, tried again in %llds (fix [%s] user or"
			" password_file, then reload)", p->reason, fresh ? "" : " (after the reload)",
			(long long)p->delay, name);
	else
		log_info("%s: still refused (%ld), tried again in %llds", name, code,
			 (long long)p->delay);
	p->relog = 0;
	return fresh;
}

int
chan_pause_works(struct chan_pause *p, int channel, int64_t now)
{
	if (!p->paused)
		return 0;
	log_notice("%s: the %s accepts relance again: channel resumed (paused for %llds)",
		   channel == CH_SMS ? "sms" : "smtp", channel == CH_SMS ? "gateway" : "server",
		   (long long)(now - p->since));
	p->paused = 0;
	p->relog = 0;
	p->until = p->delay = 0;
	p->reason[0] = '\0';
	return 1;
}

void
chan_pause_retry_now(struct chan_pause *p)
{
	if (!p->paused)
		return;
	p->until = 0;
	p->delay = 0;
	p->relog = 1;
}

int
chan_pause_limit(const struct chan_pause *p, int limit, int64_t now)
{
	if (!p->paused)
		return limit;
	return p->until > now ? 0 : 1;
}
