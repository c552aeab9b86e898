/*
 * sms.c — SMS gateways (sms.h): Kannel sendsms (GET with charset=UTF-8,
 * coding=2 for texts outside GSM 03.38, dlr-mask=19 and a dlr-url naming
 * the reminder), a JSON webhook, the file:// outbox, and the STOP reply
 * rule. Contract section 4. Answers of sendsms as in RECIPES.md: 202
 * "0: Accepted" and "3: Queued" are success, 503/429/5xx transient, other
 * 4xx (403 "Not routable", authorization) permanent.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "log.h"
#include "sms.h"
#include "util.h"

void
sms_req_clear(struct sms_req *r)
{
	free(r->url);
	free(r->body);
	curl_slist_free_all(r->headers);
	memset(r, 0, sizeof *r);
}

/* Decodes one UTF-8 sequence; returns its length (1 on invalid bytes). */
static size_t
utf8_next(const unsigned char *s, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		*cp = ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*cp = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
		return 3;
	}
	if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80) {
		*cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
		      (s[3] & 0x3fu);
		return 4;
	}
	*cp = 0xfffd;
	return 1;
}

int
sms_is_gsm(const char *text)
{
	/* Non-ASCII characters of the GSM 03.38 basic set and extension table. */
	static const unsigned gsm[] = {
		0xa3, 0xa5, 0xe8, 0xe9, 0xf9, 0xec, 0xf2, 0xc7, 0xd8, 0xf8, 0xc5, 0xe5,
		0x394, 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e,
		0xc6, 0xe6, 0xdf, 0xc9, 0xa4, 0xa1, 0xc4, 0xd6, 0xd1, 0xdc, 0xa7, 0xbf,
		0xe4, 0xf6, 0xf1, 0xfc, 0xe0, 0x20ac,
	};
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		unsigned cp;
		size_t n = utf8_next(p, &cp);
		int ok = 0;
		if (cp < 0x80) {
			/* ASCII except ` (GSM has no backquote) and most controls. */
			ok = cp != '`' && (cp >= 0x20 || cp == '\n' || cp == '\r');
		} else {
			for (size_t i = 0; i < ARRAY_SIZE(gsm); i++)
				if (gsm[i] == cp)
					ok = 1;
		}
		if (!ok)
			return 0;
		p += n;
	}
	return 1;
}

int
sms_is_stop(const char *text)
{
	char w[32];
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)(text ? text : "");

	/* Keep letters (ASCII upper-cased, Ê/ê folded to E) and single spaces
	 * between words; drop punctuation and spaces around. */
	while (*p && n < sizeof w - 2) {
		if (isalpha(*p)) {
			w[n++] = (char)toupper(*p);
			p++;
		} else if ((p[0] == 0xc3 && (p[1] == 0x8a || p[1] == 0xaa))) {
			w[n++] = 'E';
			p += 2;
		} else {
			if (n > 0 && w[n - 1] != ' ')
				w[n++] = ' ';
			p++;
		}
	}
	if (*p)
		return 0;
	while (n > 0 && w[n - 1] == ' ')
		n--;
	w[n] = '\0';
	return strcmp(w, "STOP") == 0 || strcmp(w, "ARRET") == 0 || strcmp(w, "STOP SMS") == 0;
}

static void
add_param(CURL *e, char **q, const char *name, const char *value)
{
	char *enc = curl_easy_escape(e, value ? value : "", 0), *n;
	n = xasprintf("%s%s%s=%s", *q ? *q : "", *q ? "&" : "", name, enc ? enc : "");
	curl_free(enc);
	free(*q);
	*q = n;
}

CURL *
sms_easy(const struct config *cfg, const char *password, const char *to, const char *text,
	 int64_t reminder_id, const char *body, struct sms_req *req)
{
	CURL *e = curl_easy_init();
	char *q = NULL, *dlr = NULL, idbuf[24];

	if (e == NULL)
		return NULL;
	if (cfg->sms.gateway == SMS_GATEWAY_KANNEL) {
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)reminder_id);
		dlr = xasprintf("%s/sms/kannel/dlr?id=%s&status=%%d", cfg->sms.dlr_url, idbuf);
		add_param(e, &q, "username", cfg->sms.user);
		add_param(e, &q, "password", password);
		add_param(e, &q, "from", cfg->sms.sender);
		add_param(e, &q, "to", to);
		add_param(e, &q, "text", text);
		add_param(e, &q, "charset", "UTF-8");
		if (!sms_is_gsm(text))
			add_param(e, &q, "coding", "2");
		/* delivered (1), not delivered (2), rejected by the SMSC (16): the
		 * reports that change something; not the intermediate ones. */
		add_param(e, &q, "dlr-mask", "19");
		add_param(e, &q, "dlr-url", dlr);
		req->url = xasprintf("%s%s%s", cfg->sms.url, strchr(cfg->sms.url, '?') ? "&" : "?", q);
		curl_easy_setopt(e, CURLOPT_URL, req->url);
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		char *h;
		req->url = xstrdup(cfg->sms.url);
		req->body = xstrdup(body ? body : "{}");
		req->headers = curl_slist_append(req->headers, "Content-Type: application/json");
		for (size_t i = 0; i < cfg->sms.nheaders; i++) {
			h = xasprintf("%s: %s", cfg->sms.headers[i].key, cfg->sms.headers[i].value);
			req->headers = curl_slist_append(req->headers, h);
			free(h);
		}
		if (password) {
			h = xasprintf("Authorization: Bearer %s", password);
			req->headers = curl_slist_append(req->headers, h);
			explicit_bzero(h, strlen(h));
			free(h);
		}
		curl_easy_setopt(e, CURLOPT_URL, req->url);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	free(q);
	free(dlr);
	return e;
}

enum send_result
sms_classify(const struct config *cfg, CURLcode rc, long code, const char *body, char *why,
	     size_t whylen)
{
	char first[80];
	size_t n = strcspn(body ? body : "", "\r\n");
	snprintf(first, sizeof first, "%.*s", (int)(n > 79 ? 79 : n), body ? body : "");

	if (rc != CURLE_OK) {
		snprintf(why, whylen, "%s", curl_easy_strerror(rc));
		return SEND_TRANSIENT;
	}
	if (code >= 200 && code < 300) {
		if (cfg->sms.gateway == SMS_GATEWAY_KANNEL && first[0] && !isdigit((unsigned char)first[0]))
			log_debug("sms: unexpected sendsms answer: %s", first);
		snprintf(why, whylen, "HTTP %ld %s", code, first);
		return SEND_OK;
	}
	snprintf(why, whylen, "HTTP %ld %s", code, first);
	if (code == 429 || code >= 500)
		return SEND_TRANSIENT;
	return SEND_PERMANENT;
}

int
sms_outbox_write(const char *dir, int64_t id, const char *sender, const char *to, const char *text)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "reminder", (json_int_t)id,
			      "from", sender ? sender : "", "to", to ? to : "", "text", text ? text : "");
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int rc = -1;

	if (s != NULL) {
		/* One JSON document per file, ending with a newline. */
		size_t len = strlen(s);
		s[len] = '\n';
		rc = outbox_write(dir, id, "json", s, len + 1);
	}
	free(s);
	json_decref(o);
	return rc;
}
