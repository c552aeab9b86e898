/*
 * config_check.c — the checks between relance.conf keys, made once the
 * whole file is read and every key is valid on its own (config_load()),
 * and the values that follow other keys unless set.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "util.h"

/* Is the host of URL (scheme://[user@]host[:port][/...]) a loopback
 * address: localhost, 127.0.0.0/8 or ::1? */
int
cfg_url_host_is_loopback(const char *url)
{
	const char *h = strstr(url, "://"), *at, *end;
	char host[256];
	struct in_addr a4;
	struct in6_addr a6;
	size_t n;

	if (h == NULL)
		return 0;
	h += 3;
	end = h + strcspn(h, "/?#");
	at = memchr(h, '@', (size_t)(end - h));
	if (at != NULL)
		h = at + 1;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (rb == NULL)
			return 0;
		h++;
		n = (size_t)(rb - h);
	} else {
		const char *colon = memchr(h, ':', (size_t)(end - h));
		n = (size_t)((colon ? colon : end) - h);
	}
	if (n == 0 || n >= sizeof host)
		return 0;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* tls = none sends the AUTH password and the mail in clear: loopback only
 * (contract section 4). */
static void
check_smtp_tls(struct ctx *x)
{
	const struct config *c = x->c;
	int line;

	if (c->smtp.tls != SMTP_TLS_NONE || c->smtp.url == NULL ||
	    strncmp(c->smtp.url, "smtp://", 7) != 0 || cfg_url_host_is_loopback(c->smtp.url))
		return;
	line = cfg_line_of(x, "smtp", "tls");
	cfg_error(x, line ? line : cfg_line_of(x, "smtp", "url"),
	    "[smtp] tls: none (plain text, the password in clear) is only allowed "
	    "for a loopback server (127.0.0.0/8, ::1, localhost), not the host of [smtp] url");
}

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
	check_smtp_tls(x);
	/* The delivery-report base follows base_url unless set. */
	if (cfg_line_of(x, "sms", "dlr_url") == 0)
		cfg_follow_base_url(c);
	if (cfg_line_of(x, "answers", "key_file") == 0)
		cfg_follow_store_path(c);
}

void
cfg_follow_base_url(struct config *c)
{
	free(c->sms.dlr_url);
	c->sms.dlr_url = xstrdup(c->calendar.base_url);
}

void
cfg_follow_store_path(struct config *c)
{
	const char *slash = strrchr(c->store.path, '/');

	free(c->answers.key_file);
	if (slash == NULL)
		c->answers.key_file = xstrdup("link.key");
	else
		c->answers.key_file = xasprintf("%.*s/link.key", (int)(slash - c->store.path),
						c->store.path);
}
