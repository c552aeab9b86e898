/*
 * smtp.c — email messages and their SMTP transfer (smtp.h).
 * RFC 5322 (Internet Message Format), RFC 2045/2046 (MIME, multipart/mixed,
 * quoted-printable, base64), RFC 2047 (encoded words in Subject and display
 * names), RFC 5545/6047 (text/calendar; method=PUBLISH attachment),
 * RFC 5321 + RFC 3207 (SMTP with STARTTLS) and RFC 4954 (AUTH) through
 * libcurl. Contract section 4.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "smtp.h"
#include "util.h"


static void
sb_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
sb_fmt(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatal("vasprintf");
	va_end(ap);
	sb_str(b, s);
	free(s);
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
sb_base64(struct strbuf *b, const unsigned char *s, size_t n, size_t wrap)
{
	char q[4];
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		strbuf_add(b, q, 4);
		col += 4;
		if (wrap && col >= wrap && i + 3 < n) {
			strbuf_add(b, "\r\n", 2);
			col = 0;
		}
	}
}

/* A copy of s with every control character (CR and LF included) turned
 * into a space: header values come from data. */
static char *
flatten(const char *s)
{
	char *o = xstrdup(s ? s : "");
	for (char *p = o; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return o;
}

static int
needs_encoding(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80)
			return 1;
	return strstr(s, "=?") != NULL;
}

char *
smtp_encode_header(const char *value, size_t prefix_len)
{
	struct strbuf b = { 0 };
	char *v = flatten(value);
	size_t n = strlen(v), i = 0;

	strbuf_add(&b, "", 0);
	if (!needs_encoding(v)) {
		/* Plain ASCII: cut at 900 octets, far below the 998 limit. */
		if (n > 900)
			v[900] = '\0';
		sb_str(&b, v);
		free(v);
		return b.p;
	}
	(void)prefix_len;
	/* Encoded words of at most 45 octets of text (60 of base64, 72 with
	 * the =?UTF-8?B?...?= frame), never splitting a UTF-8 sequence. */
	while (i < n) {
		size_t take = n - i < 45 ? n - i : 45;
		while (take < n - i && take > 0 && ((unsigned char)v[i + take] & 0xc0) == 0x80)
			take--;
		if (take == 0)
			take = n - i < 45 ? n - i : 45;
		if (i > 0)
			strbuf_add(&b, "\r\n ", 3);
		sb_str(&b, "=?UTF-8?B?");
		sb_base64(&b, (const unsigned char *)v + i, take, 0);
		sb_str(&b, "?=");
		i += take;
	}
	free(v);
	return b.p;
}

int
smtp_addr_spec(const char *from, char *out, size_t outlen)
{
	const char *lt, *gt;
	size_t n;
	if (from == NULL)
		return -1;
	lt = strrchr(from, '<');
	if (lt) {
		gt = strchr(lt, '>');
		if (gt == NULL)
			return -1;
		from = lt + 1;
		n = (size_t)(gt - from);
	} else {
		while (*from == ' ')
			from++;
		n = strcspn(from, " \t");
	}
	if (n == 0 || n >= outlen || memchr(from, '@', n) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)from[i] <= 0x20 || from[i] == 0x7f)
			return -1;
	memcpy(out, from, n);
	out[n] = '\0';
	return 0;
}

/* "Display Name <addr>" with the name encoded or quoted as needed. */
static void
sb_mailbox(struct strbuf *b, const char *mailbox)
{
	char addr[320];
	const char *lt = strrchr(mailbox, '<');

	if (smtp_addr_spec(mailbox, addr, sizeof addr) != 0) {
		char *f = flatten(mailbox);
		sb_str(b, f);
		free(f);
		return;
	}
	if (lt && lt > mailbox) {
		char *name = xmalloc((size_t)(lt - mailbox) + 1), *s, *e;
		memcpy(name, mailbox, (size_t)(lt - mailbox));
		name[lt - mailbox] = '\0';
		s = name;
		while (*s == ' ' || *s == '"')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '"'))
			*--e = '\0';
		if (*s) {
			if (needs_encoding(s)) {
				char *enc = smtp_encode_header(s, 6);
				sb_str(b, enc);
				free(enc);
			} else {
				char *f = flatten(s);
				sb_str(b, "\"");
				for (char *p = f; *p; p++) {
					if (*p == '"' || *p == '\\')
						strbuf_add(b, "\\", 1);
					strbuf_add(b, p, 1);
				}
				sb_str(b, "\"");
				free(f);
			}
			sb_str(b, " ");
		}
		free(name);
	}
	sb_fmt(b, "<%s>", addr);
}

/* Quoted-printable (RFC 2045 6.7) of UTF-8 text with '\n' line ends. */
static void
sb_qp(struct strbuf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		char enc[3];
		size_t w;
		int literal;
		if (*p == '\n') {
			strbuf_add(b, "\r\n", 2);
			col = 0;
			continue;
		}
		if (*p == '\r')
			continue;
		/* Spaces before a line end, '=', non-ASCII and controls are encoded;
		 * so is a leading '.' (dot-stuffing never touches us then). */
		literal = (*p >= 33 && *p <= 126 && *p != '=' && !(*p == '.' && col == 0)) ||
			  ((*p == ' ' || *p == '\t') && p[1] != '\n' && p[1] != '\0');
		w = literal ? 1 : 3;
		if (col + w > 75) {
			strbuf_add(b, "=\r\n", 3);
			col = 0;
		}
		if (literal) {
			strbuf_add(b, (const char *)p, 1);
		} else {
			enc[0] = '=';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 15];
			strbuf_add(b, enc, 3);
		}
		col += w;
	}
	strbuf_add(b, "\r\n", 2);
}

char *
smtp_build(const struct smtp_msg *m, size_t *len)
{
	struct strbuf b = { 0 };
	char date[64], boundary[64], rnd[17], addr[320];
	struct tm tm;
	time_t t = (time_t)m->date;
	char *subject, *mid;

	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	random_hex(rnd, 8);
	snprintf(boundary, sizeof boundary, "=_relance_%s", rnd);

	sb_str(&b, "From: ");
	sb_mailbox(&b, m->from);
	sb_str(&b, "\r\nTo: ");
	sb_mailbox(&b, m->to);
	sb_str(&b, "\r\n");
	if (m->cc && *m->cc) {
		sb_str(&b, "Cc: ");
		sb_mailbox(&b, m->cc);
		sb_str(&b, "\r\n");
	}
	subject = smtp_encode_header(m->subject, 9);
	sb_fmt(&b, "Subject: %s\r\n", subject);
	free(subject);
	sb_fmt(&b, "Date: %s\r\n", date);
	mid = flatten(m->message_id);
	for (char *p = mid; *p; p++)
		if (*p == ' ' || *p == '<' || *p == '>')
			*p = '_';
	sb_fmt(&b, "Message-ID: <%s>\r\n", mid);
	free(mid);
	if (smtp_addr_spec(m->from, addr, sizeof addr) == 0)
		sb_str(&b, "Auto-Submitted: auto-generated\r\n");
	sb_str(&b, "MIME-Version: 1.0\r\n");
	if (m->ics) {
		sb_fmt(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary);
		sb_str(&b, "This is a MIME message.\r\n");
		sb_fmt(&b, "--%s\r\n", boundary);
	}
	sb_str(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	sb_qp(&b, m->body ? m->body : "");
	if (m->ics) {
		sb_fmt(&b, "--%s\r\n", boundary);
		sb_str(&b, "Content-Type: text/calendar; charset=UTF-8; method=PUBLISH;"
			   " name=\"rendez-vous.ics\"\r\n"
			   "Content-Disposition: attachment; filename=\"rendez-vous.ics\"\r\n"
			   "Content-Transfer-Encoding: base64\r\n\r\n");
		sb_base64(&b, (const unsigned char *)m->ics, m->ics_len, 76);
		sb_fmt(&b, "\r\n--%s--\r\n", boundary);
	}
	*len = b.len;
	return b.p;
}

/* ---- transfer ---------------------------------------------------------- */

void
smtp_upload_clear(struct smtp_upload *u)
{
	free(u->data);
	curl_slist_free_all(u->rcpt);
	memset(u, 0, sizeof *u);
}

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp_upload *u = arg;
	size_t n = size * nitems;
	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

CURL *
smtp_easy(const struct config *cfg, const char *password, const char *rcpt, const char *cc,
	  struct smtp_upload *up)
{
	CURL *e = NULL;
	char from[320], *url = NULL, *fromarg = NULL, *r = NULL;
	size_t ul = strlen(cfg->smtp.url);

	if (smtp_addr_spec(cfg->smtp.from, from, sizeof from) != 0)
		return NULL;
	e = curl_easy_init();
	if (e == NULL)
		return NULL;
	/* The URL path is the EHLO name. */
	url = xasprintf("%.*s/%s", (int)(ul && cfg->smtp.url[ul - 1] == '/' ? ul - 1 : ul),
			cfg->smtp.url, cfg->smtp.helo ? cfg->smtp.helo : "localhost");
	curl_easy_setopt(e, CURLOPT_URL, url);
	fromarg = xasprintf("<%s>", from);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, fromarg);
	r = xasprintf("<%s>", rcpt);
	up->rcpt = curl_slist_append(up->rcpt, r);
	free(r);
	if (cc && *cc) {
		r = xasprintf("<%s>", cc);
		up->rcpt = curl_slist_append(up->rcpt, r);
		free(r);
	}
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, up->rcpt);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, up);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
	if (strncmp(cfg->smtp.url, "smtp://", 7) == 0)
		curl_easy_setopt(e, CURLOPT_USE_SSL, cfg->smtp.tls == SMTP_TLS_NONE ?
				 (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	if (cfg->smtp.user && *cfg->smtp.user) {
		curl_easy_setopt(e, CURLOPT_USERNAME, cfg->smtp.user);
		if (password)
			curl_easy_setopt(e, CURLOPT_PASSWORD, password);
	}
	if (cfg->smtp.ca_file && *cfg->smtp.ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->smtp.ca_file);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	free(url);
	free(fromarg);
	return e;
}

enum send_result
smtp_classify(CURLcode rc, long code, char *why, size_t whylen)
{
	if (rc == CURLE_OK && (code == 0 || (code >= 200 && code < 300))) {
		snprintf(why, whylen, "accepted (%ld)", code);
		return SEND_OK;
	}
	/* libcurl ends a refused AUTH (535, 534, 454...) with CURLE_LOGIN_DENIED;
	 * 530 "authentication required" comes at MAIL FROM. */
	if (rc == CURLE_LOGIN_DENIED || code == 530 || code == 534 || code == 535) {
		snprintf(why, whylen, "SMTP %ld: authentication refused", code);
		return SEND_AUTH;
	}
	if (code >= 500 && code < 600) {
		snprintf(why, whylen, "SMTP %ld: %s", code, curl_easy_strerror(rc));
		return SEND_PERMANENT;
	}
	if (code >= 400 && code < 500) {
		snprintf(why, whylen, "SMTP %ld: %s", code, curl_easy_strerror(rc));
		return SEND_TRANSIENT;
	}
	snprintf(why, whylen, "%s", curl_easy_strerror(rc == CURLE_OK ? CURLE_WEIRD_SERVER_REPLY : rc));
	return SEND_TRANSIENT;
}

/* ---- outbox -------------------------------------------------------------- */

const char *
smtp_outbox_dir(const char *url)
{
	if (url && strncmp(url, "file://", 7) == 0) {
		const char *d = url + 7;
		/* file:///dir -> /dir, file:////dir (a doubled slash) too */
		while (d[0] == '/' && d[1] == '/')
			d++;
		return d;
	}
	return NULL;
}

int
smtp_outbox_write(const char *dir, int64_t id, const char *msg, size_t len)
{
	return outbox_write(dir, id, "eml", msg, len);
}
