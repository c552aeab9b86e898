/*
 * sms.c — SMS gateways (sms.h): Kannel sendsms (GET with charset=UTF-8,
 * coding=0 for GSM 03.38 texts, else 2; dlr-mask=19 and a dlr-url naming
 * the reminder with its secret), a JSON webhook, the file:// outbox, and
 * the keywords of students' replies (STOP; yes and no of contract section
 * 8), all read after one normalisation. Contract section 4. Answers of
 * sendsms as in RECIPES.md: 202 "0: Accepted" and "3: Queued" are success,
 * 503/429/5xx transient, other 4xx (403 "Not routable", authorization)
 * permanent. What the gateway answered is kept only as its status code and
 * a redacted first line (reason_redact(), util.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config.h"
#include "gsm7.h"
#include "log.h"
#include "sms.h"
#include "util.h"

/* The key of the delivery-report secrets (sms_set_dlr_key). */
static uint8_t dlr_key[16];

int
sms_set_dlr_key(const char *hex)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t k[16];

	if (hex == NULL || strlen(hex) != 32 || strspn(hex, digits) != 32)
		return -1;
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)((strchr(digits, hex[2 * i]) - digits) << 4 |
				 (strchr(digits, hex[2 * i + 1]) - digits));
	memcpy(dlr_key, k, sizeof k);
	explicit_bzero(k, sizeof k);
	return 0;
}

void
sms_dlr_secret(int64_t reminder_id, char out[SMS_DLR_SECRET_LEN + 1])
{
	uint8_t msg[12] = { 'd', 'l', 'r', ':' };
	for (int i = 0; i < 8; i++)
		msg[4 + i] = (uint8_t)((uint64_t)reminder_id >> (8 * i));
	snprintf(out, SMS_DLR_SECRET_LEN + 1, "%016llx",
		 (unsigned long long)siphash24(dlr_key, msg, sizeof msg));
}

int
sms_dlr_secret_ok(int64_t reminder_id, const char *given)
{
	char want[SMS_DLR_SECRET_LEN + 1];
	int ok;

	sms_dlr_secret(reminder_id, want);
	ok = secret_eq(given, want);
	explicit_bzero(want, sizeof want);
	return ok;
}

void
sms_req_clear(struct sms_req *r)
{
	free(r->url);
	free(r->body);
	curl_slist_free_all(r->headers);
	memset(r, 0, sizeof *r);
}

int
sms_is_gsm(const char *text)
{
	return gsm7_septets(text) >= 0;
}

/* Base letters of U+00C0..U+00FF, upper case (' ': not a letter). */
static const char latin1_base[] =
	"AAAAAAACEEEEIIIIDNOOOOO OUUUUYTSAAAAAAACEEEEIIIIDNOOOOO OUUUUYTY";
_Static_assert(sizeof latin1_base == 0x100 - 0xc0 + 1, "one letter per code point");

/* The upper-case ASCII letters code point cp folds to (at most 2, in
 * out), or 0 when it is no letter or digit: a separator. */
static size_t
fold_cp(unsigned cp, char out[3])
{
	if (cp < 0x80) {
		if (!isalnum((int)cp))
			return 0;
		out[0] = (char)toupper((int)cp);
		return 1;
	}
	if (cp == 0x152 || cp == 0x153) {   /* Œ œ */
		out[0] = 'O';
		out[1] = 'E';
		return 2;
	}
	if (cp >= 0xc0 && cp <= 0xff && latin1_base[cp - 0xc0] != ' ') {
		out[0] = latin1_base[cp - 0xc0];
		return 1;
	}
	if (cp >= 0x100 && cp <= 0x17f) {
		/* Latin Extended-A: gsm7.c's base letter of each. */
		char utf8[3] = { (char)(0xc0 | cp >> 6), (char)(0x80 | (cp & 0x3f)), '\0' };
		char *t = gsm7_transliterate(utf8);
		size_t n = 0;
		for (size_t i = 0; t[i] && n < 2; i++)
			if (isalpha((unsigned char)t[i]))
				out[n++] = (char)toupper((unsigned char)t[i]);
		free(t);
		return n;
	}
	return 0;
}

int
sms_normalise(const char *text, char *out, size_t outlen)
{
	size_t n = 0;
	const char *p = text ? text : "";

	if (outlen == 0)
		return -1;
	while (*p) {
		char f[3];
		unsigned cp;
		size_t k;

		p += gsm7_utf8_next(p, &cp);
		k = fold_cp(cp, f);
		if (k == 0) {
			/* one space between words, none before the first */
			if (n > 0 && out[n - 1] != ' ') {
				if (n + 1 >= outlen)
					return -1;
				out[n++] = ' ';
			}
			continue;
		}
		/* Combining accents (U+0300..U+036F) follow their letter: dropped. */
		if (n + k >= outlen)
			return -1;
		memcpy(out + n, f, k);
		n += k;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return (int)n;
}

/* Courtesy around a keyword ("Oui merci", "Bonjour, non désolé", "STOP
 * svp"), in normalised form: stripped from both ends before the keyword
 * is looked up. A keyword with anything else ("non mais", "NON STOP",
 * "c'est bon") stays a message for the adviser. */
static const char *const courtesy[] = {
	"MERCI BEAUCOUP", "MERCI", "SVP", "STP", "S IL VOUS PLAIT", "S IL TE PLAIT", "DESOLE",
	"DESOLEE", "BONJOUR", "BONSOIR", "MADAME", "MONSIEUR", "PLEASE", "THANK YOU", "THANKS",
	"SORRY", "HELLO",
};

/* Strips one courtesy phrase from the start or the end of w (n chars):
 * the new length, or n when none is there. */
static size_t
strip_courtesy(char *w, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(courtesy); i++) {
		size_t k = strlen(courtesy[i]);
		if (k >= n)
			continue;
		if (memcmp(w, courtesy[i], k) == 0 && w[k] == ' ') {
			memmove(w, w + k + 1, n - k);
			return n - k - 1;
		}
		if (memcmp(w + n - k, courtesy[i], k) == 0 && w[n - k - 1] == ' ') {
			w[n - k - 1] = '\0';
			return n - k - 1;
		}
	}
	return n;
}

enum sms_reply
sms_reply_kind(const char *text)
{
	static const struct {
		const char *word;
		enum sms_reply kind;
	} words[] = {
		{ "STOP", SMS_REPLY_STOP }, { "ARRET", SMS_REPLY_STOP }, { "STOP SMS", SMS_REPLY_STOP },
		{ "OUI", SMS_REPLY_YES }, { "YES", SMS_REPLY_YES }, { "OK", SMS_REPLY_YES },
		{ "C", SMS_REPLY_YES },
		{ "NON", SMS_REPLY_NO }, { "NO", SMS_REPLY_NO }, { "ANNULER", SMS_REPLY_NO },
		{ "CANCEL", SMS_REPLY_NO },
	};
	char w[128];
	int len = sms_normalise(text, w, sizeof w);
	size_t n, before;

	if (len <= 0)
		return SMS_REPLY_OTHER;
	n = (size_t)len;
	do {
		before = n;
		n = strip_courtesy(w, n);
	} while (n != before);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcmp(w, words[i].word) == 0)
			return words[i].kind;
	return SMS_REPLY_OTHER;
}

int
sms_is_stop(const char *text)
{
	return sms_reply_kind(text) == SMS_REPLY_STOP;
}

/* 1 when text is UTF-8 as JSON and SQLite take it: strict (no overlong
 * forms, no surrogates, at most U+10FFFF). */
static int
utf8_valid(const char *text)
{
	for (const char *p = text; *p;) {
		unsigned cp;
		size_t n = gsm7_utf8_next(p, &cp);
		if ((cp == 0xfffd && n == 1) || (n == 2 && cp < 0x80) ||
		    (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		p += n;
	}
	return 1;
}

static int
charset_is(const char *charset, const char *const *names)
{
	for (; charset && *names; names++)
		if (strcasecmp(charset, *names) == 0)
			return 1;
	return 0;
}

char *
sms_text_read(const char *text, const char *charset, const char *coding)
{
	static const char *const latin1[] = { "ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1",
					      "WINDOWS-1252", "CP1252", NULL };
	struct strbuf b = { 0 };

	if ((charset && (strncasecmp(charset, "UTF-16", 6) == 0 ||
			 strncasecmp(charset, "UCS", 3) == 0 ||
			 strcasecmp(charset, "ISO-10646-UCS-2") == 0)) ||
	    (charset == NULL && coding && strcmp(coding, "2") == 0))
		return NULL;    /* cut at its first NUL octet: unreadable */
	text = text ? text : "";
	if (!charset_is(charset, latin1) && utf8_valid(text))
		return xstrdup(text);
	/* ISO-8859-1 said, or not UTF-8 (8-bit data): each octet a code point */
	strbuf_add(&b, "", 0);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		char u[2] = { (char)(0xc0 | *p >> 6), (char)(0x80 | (*p & 0x3f)) };
		if (*p < 0x80)
			strbuf_add(&b, (const char *)p, 1);
		else
			strbuf_add(&b, u, 2);
	}
	return b.p;
}

int
sms_text_blank(const char *text)
{
	for (const char *p = text ? text : ""; *p;) {
		unsigned cp;
		p += gsm7_utf8_next(p, &cp);
		if (!(cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0x1680 ||
		      (cp >= 0x2000 && cp <= 0x200f) || cp == 0x2028 || cp == 0x2029 ||
		      cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff))
			return 0;
	}
	return 1;
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
	char *q = NULL, *dlr = NULL, idbuf[24], secret[SMS_DLR_SECRET_LEN + 1];

	if (e == NULL)
		return NULL;
	if (cfg->sms.gateway == SMS_GATEWAY_KANNEL) {
		snprintf(idbuf, sizeof idbuf, "%lld", (long long)reminder_id);
		sms_dlr_secret(reminder_id, secret);
		dlr = xasprintf("%s/sms/kannel/dlr?id=%s&secret=%s&status=%%d", cfg->sms.dlr_url,
				idbuf, secret);
		add_param(e, &q, "username", cfg->sms.user);
		add_param(e, &q, "password", password);
		add_param(e, &q, "from", cfg->sms.sender);
		add_param(e, &q, "to", to);
		add_param(e, &q, "text", text);
		add_param(e, &q, "charset", "UTF-8");
		/* [sms] encoding = gsm7 transliterated the text: coding 0 (GSM
		 * 03.38, 160 a segment); unicode keeps UCS-2 when it is needed. */
		add_param(e, &q, "coding", sms_is_gsm(text) ? "0" : "2");
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

int
sms_auth_refused(const struct config *cfg, long code, const char *body)
{
	/* 401 and 403 answer relance itself (contract 4): Kannel's
	 * "Authorization failed for sendsms", or a proxy in front of it. But
	 * Kannel's sendsms also answers 403 "Not routable. Do not try again."
	 * for a denied prefix: an answer about the message, not relance. */
	if (cfg->sms.gateway == SMS_GATEWAY_KANNEL && code == 403 && body &&
	    strncmp(body, "Not routable", 12) == 0)
		return 0;
	return code == 401 || code == 403;
}

enum send_result
sms_classify(const struct config *cfg, CURLcode rc, long code, const char *body, char *why,
	     size_t whylen)
{
	char first[80];

	/* The answer may name the student or their number: only its code and a
	 * redacted first line go on (log, attempts, outcome events). */
	reason_redact(body, first, sizeof first);

	if (rc != CURLE_OK) {
		snprintf(why, whylen, "%s", curl_easy_strerror(rc));
		return SEND_TRANSIENT;
	}
	if (code >= 200 && code < 300) {
		if (cfg->sms.gateway == SMS_GATEWAY_KANNEL && first[0] && first[0] != '#')
			log_debug("sms: unexpected sendsms answer: %s", first);
		snprintf(why, whylen, "HTTP %ld %s", code, first);
		return SEND_OK;
	}
	snprintf(why, whylen, "HTTP %ld %s", code, first);
	if (sms_auth_refused(cfg, code, body))
		return SEND_AUTH;
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
