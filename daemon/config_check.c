/*
 * config_check.c — the checks between relance.conf keys, made once the
 * whole file is read and every key is valid on its own (config_load()),
 * and the values that follow other keys unless set.
 */
#include <stdlib.h>

#include "config_priv.h"
#include "util.h"

void
cfg_cross_checks(struct ctx *x)
{
	struct config *c = x->c;
	int longest = 0, line;

	for (int d = 0; d < 7; d++)
		for (int i = 0; i < c->checkins.hours.n[d]; i++) {
			int len = c->checkins.hours.r[d][i].end -
			    c->checkins.hours.r[d][i].start;
			if (len > longest)
				longest = len;
		}
	if (c->checkins.noffsets > 0 && c->checkins.duration > longest * 60) {
		line = cfg_line_of(x, "checkins", "duration");
		if (line == 0)
			line = cfg_line_of(x, "checkins", "office_hours");
		cfg_error(x, line, "[checkins] duration: %dm does not fit in any "
		    "office_hours range (longest %dm)", c->checkins.duration / 60,
		    longest);
	}
	if (c->retry.max < c->retry.first) {
		line = cfg_line_of(x, "retry", "max");
		cfg_error(x, line ? line : cfg_line_of(x, "retry", "first"),
		    "[retry] max: %llds is shorter than first (%llds)",
		    (long long)c->retry.max, (long long)c->retry.first);
	}
	/* The delivery-report base follows base_url unless set. */
	if (cfg_line_of(x, "sms", "dlr_url") == 0)
		cfg_follow_base_url(c);
}

void
cfg_follow_base_url(struct config *c)
{
	free(c->sms.dlr_url);
	c->sms.dlr_url = xstrdup(c->calendar.base_url);
}
