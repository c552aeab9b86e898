/*
 * config_value.c — the parsers of single relance.conf values (keys[] in
 * config.c): strings, numbers, durations, the listen address, URLs, domain
 * names, email addresses, SMS senders and headers, IP lists, enums, the
 * log level and the SMS country; and the secret files (config.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_priv.h"
#include "log.h"
#include "phone.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* secrets */

char *
config_secret_path(const char *name, const char *config_path)
{
	const char *creds, *slash;

	if (name == NULL || *name == '\0')
		return NULL;
	if (name[0] == '/')
		return xstrdup(name);
	creds = getenv("CREDENTIALS_DIRECTORY");
	if (creds != NULL && *creds != '\0')
		return xasprintf("%s/%s", creds, name);
	if (config_path == NULL || (slash = strrchr(config_path, '/')) == NULL)
		return xasprintf("./%s", name);
	if (slash == config_path)
		return xasprintf("/%s", name);
	return xasprintf("%.*s/%s", (int)(slash - config_path), config_path,
	    name);
}

char *
config_read_secret(const char *path)
{
	char *buf, *secret = NULL;
	size_t len = 0, n;

	if (path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	buf = file_read(path, &len);
	if (buf == NULL)
		return NULL;
	n = strcspn(buf, "\r\n");
	if (n == 0)
		errno = ENODATA;
	else {
		secret = xmalloc(n + 1);
		memcpy(secret, buf, n);
		secret[n] = '\0';
	}
	explicit_bzero(buf, len);
	free(buf);
	return secret;
}

/* ------------------------------------------------------------------------ */
/* key parsers: 0, or -1 with err filled */

void
cfg_set_string(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

KEY_PARSER(p_str)
{
	if (*v == '\0') {
		snprintf(err, el, "must not be empty");
		return -1;
	}
	cfg_set_string(FIELD(x->c, k, char *), v);
	return 0;
}

/* Replaces *dst by a copy of v, or NULL for "". */
static void
set_optional(char **dst, const char *v)
{
	free(*dst);
	*dst = *v ? xstrdup(v) : NULL;
}

/* Empty means none (NULL). */
KEY_PARSER(p_str_opt)
{
	set_optional(FIELD(x->c, k, char *), v);
	return 0;
}

/* May be empty (""). */
KEY_PARSER(p_text)
{
	cfg_set_string(FIELD(x->c, k, char *), v);
	return 0;
}

KEY_PARSER(p_int)
{
	long long n;

	if (parse_int(v, k->min, k->max, &n) == -1) {
		snprintf(err, el, "\"%s\" is not a number from %lld to %lld", v,
		    k->min, k->max);
		return -1;
	}
	*FIELD(x->c, k, int) = (int)n;
	return 0;
}

int
cfg_duration_value(const struct key *k, const char *v, int64_t *secs, char *err,
    size_t el)
{
	if (all_digits(v)) {
		snprintf(err, el, "\"%s\" needs a unit (s, m, h, d)", v);
		return -1;
	}
	if (config_parse_duration(v, secs) == -1) {
		snprintf(err, el, "\"%s\" is not a duration (e.g. 30s, 15m, 2h, "
		    "3d)", v);
		return -1;
	}
	if (*secs < k->min || *secs > k->max) {
		char a[32], b[32];
		/* bounds are whole minutes/hours/days in keys[] */
		snprintf(a, sizeof a, "%llds", k->min);
		snprintf(b, sizeof b, "%lldd", k->max / 86400);
		if (k->min >= 60 && k->min % 60 == 0)
			snprintf(a, sizeof a, "%lldm", k->min / 60);
		snprintf(err, el, "\"%s\" is out of range (%s to %s)", v, a, b);
		return -1;
	}
	return 0;
}

KEY_PARSER(p_duration)
{
	int64_t secs;

	if (cfg_duration_value(k, v, &secs, err, el) == -1)
		return -1;
	*FIELD(x->c, k, int64_t) = secs;
	return 0;
}

/* A struct span: "Ny" (1 to 100 calendar years) or a duration in whole
 * days within the key's bounds. */
KEY_PARSER(p_span)
{
	struct span *sp = FIELD(x->c, k, struct span);
	size_t len = strlen(v);
	int64_t secs;

	if (len >= 2 && len <= 4 && v[len - 1] == 'y' && strspn(v, "0123456789") == len - 1) {
		int years = atoi(v);
		if (years < 1 || years > 100) {
			snprintf(err, el, "\"%s\" is out of range (1y to 100y)", v);
			return -1;
		}
		sp->years = years;
		sp->secs = 0;
		return 0;
	}
	if (cfg_duration_value(k, v, &secs, err, el) == -1)
		return -1;
	if (secs % 86400 != 0) {
		snprintf(err, el, "\"%s\" is not a whole number of days (or years: 2y)", v);
		return -1;
	}
	sp->years = 0;
	sp->secs = secs;
	return 0;
}

/* An int field holding whole minutes as seconds (checkins duration). */
KEY_PARSER(p_duration_min)
{
	int64_t secs;

	if (cfg_duration_value(k, v, &secs, err, el) == -1)
		return -1;
	if (secs % 60 != 0) {
		snprintf(err, el, "\"%s\" is not a whole number of minutes", v);
		return -1;
	}
	*FIELD(x->c, k, int) = (int)secs;
	return 0;
}

KEY_PARSER(p_timezone)
{
	char path[512];
	struct stat st;

	/* The same test as tz_set(), without selecting the zone. The
	 * default is not checked: tz_set() does when it is used. */
	if (!x->defaults && strcmp(v, "UTC") != 0 && (*v == '\0' || v[0] == '/' ||
	    strstr(v, "..") || strlen(v) >= 128 ||
	    (snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", v),
	    stat(path, &st) != 0) || !S_ISREG(st.st_mode))) {
		snprintf(err, el, "\"%s\" is not a time zone known to the "
		    "system (e.g. Europe/Paris)", v);
		return -1;
	}
	cfg_set_string(&x->c->calendar.timezone, v);
	return 0;
}

KEY_PARSER(p_listen)
{
	char host[64];
	const char *port, *end;
	unsigned char addr[16];
	long long n;
	int ok = 0;

	if (v[0] == '[') {
		end = strchr(v, ']');
		if (end != NULL && end[1] == ':' &&
		    (size_t)(end - v - 1) < sizeof host) {
			memcpy(host, v + 1, (size_t)(end - v - 1));
			host[end - v - 1] = '\0';
			port = end + 2;
			ok = inet_pton(AF_INET6, host, addr) == 1;
		}
	} else {
		end = strrchr(v, ':');
		if (end != NULL && (size_t)(end - v) < sizeof host) {
			memcpy(host, v, (size_t)(end - v));
			host[end - v] = '\0';
			port = end + 1;
			ok = inet_pton(AF_INET, host, addr) == 1;
		}
	}
	if (!ok || parse_int(port, 0, 65535, &n) == -1) {
		snprintf(err, el, "\"%s\" is not ADDRESS:PORT (e.g. "
		    "127.0.0.1:8470 or [::1]:8470; port 0 disables)", v);
		return -1;
	}
	cfg_set_string(&x->c->calendar.listen_host, host);
	x->c->calendar.listen_port = (int)n;
	return 0;
}

static int
check_url(const char *v, const char *const *schemes, char *err, size_t el)
{
	for (size_t i = 0; schemes[i] != NULL; i++) {
		size_t n = strlen(schemes[i]);
		if (strncmp(v, schemes[i], n) != 0)
			continue;
		if (strcmp(schemes[i], "file://") == 0) {
			if (v[n] != '/' || v[n + 1] == '\0')
				break;
		} else if (v[n] == '\0' || v[n] == '/')
			break;
		if (strpbrk(v, " \t") != NULL || has_ctl(v))
			break;
		return 0;
	}
	snprintf(err, el, "\"%s\" is not a URL starting with ", v);
	for (size_t i = 0; schemes[i] != NULL; i++) {
		size_t len = strlen(err);
		snprintf(err + len, el - len, "%s%s%s", i == 0 ? "" :
		    schemes[i + 1] == NULL ? " or " : ", ", schemes[i],
		    strcmp(schemes[i], "file://") == 0 ? "/" : "");
	}
	return -1;
}

static const char *const http_schemes[] = { "http://", "https://", NULL };

/* http(s) base URL, stored without trailing slash. */
KEY_PARSER(p_base_url)
{
	char **dst = FIELD(x->c, k, char *);
	size_t n;

	if (check_url(v, http_schemes, err, el) == -1)
		return -1;
	free(*dst);
	*dst = xstrdup(v);
	n = strlen(*dst);
	while (n > 0 && (*dst)[n - 1] == '/')
		(*dst)[--n] = '\0';
	return 0;
}

KEY_PARSER(p_domain)
{
	size_t n = strlen(v);

	if (n == 0 || n > 253 || v[0] == '.' || v[0] == '-' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") != n) {
		snprintf(err, el, "\"%s\" is not a domain name", v);
		return -1;
	}
	cfg_set_string(FIELD(x->c, k, char *), v);
	return 0;
}

KEY_PARSER(p_consent)
{
	char *copy = xstrdup(v), *items[8];
	bool sms = false, email = false;
	int n, rc = -1;

	if (strcmp(v, "none") != 0) {
		n = split_list(copy, items, (int)ARRAY_SIZE(items));
		if (n == -1) {
			snprintf(err, el, "too many items in \"%s\"", v);
			goto out;
		}
		for (int i = 0; i < n; i++) {
			if (strcmp(items[i], "sms") == 0)
				sms = true;
			else if (strcmp(items[i], "email") == 0)
				email = true;
			else {
				snprintf(err, el, "\"%s\" is not sms or email "
				    "(or none alone)", items[i]);
				goto out;
			}
		}
	}
	x->c->reminders.consent_sms = sms;
	x->c->reminders.consent_email = email;
	rc = 0;
out:
	free(copy);
	return rc;
}

/* A URL with one of schemes into k's field. */
static int
url_field(struct ctx *x, const struct key *k, const char *v,
    const char *const *schemes, char *err, size_t el)
{
	/* Empty: the channel is off (contract section 6). */
	if (*v != '\0' && check_url(v, schemes, err, el) == -1)
		return -1;
	set_optional(FIELD(x->c, k, char *), v);
	return 0;
}

KEY_PARSER(p_smtp_url)
{
	static const char *const s[] = { "smtp://", "smtps://", "file://", NULL };

	return url_field(x, k, v, s, err, el);
}

KEY_PARSER(p_sms_url)
{
	static const char *const s[] = { "http://", "https://", "file://", NULL };

	return url_field(x, k, v, s, err, el);
}

static int
valid_address(const char *v)
{
	const char *at = strchr(v, '@');

	return at != NULL && at != v && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && strpbrk(v, " \t<>") == NULL &&
	    !has_ctl(v);
}

/* "Name <addr@host>" or "addr@host" */
KEY_PARSER(p_from)
{
	const char *lt = strrchr(v, '<');
	char addr[320];
	int ok;

	if (lt != NULL) {
		size_t n = strlen(lt + 1);
		ok = n > 1 && n < sizeof addr && lt[n] == '>';
		if (ok) {
			memcpy(addr, lt + 1, n - 1);
			addr[n - 1] = '\0';
			ok = valid_address(addr);
		}
	} else
		ok = valid_address(v);
	if (!ok || has_ctl(v)) {
		snprintf(err, el, "\"%s\" is not an address (e.g. "
		    "Avenir Pro <no-reply@example.org>)", v);
		return -1;
	}
	cfg_set_string(&x->c->smtp.from, v);
	return 0;
}

KEY_PARSER(p_email_opt)
{
	if (*v != '\0' && !valid_address(v)) {
		snprintf(err, el, "\"%s\" is not an email address", v);
		return -1;
	}
	set_optional(FIELD(x->c, k, char *), v);
	return 0;
}

/* The index of v in names[0, n), or -1 with "\"v\" is not a, b or c". */
static int
one_of(const char *v, const char *const *names, int n, char *err, size_t el)
{
	size_t len;

	for (int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	snprintf(err, el, "\"%s\" is not ", v);
	for (int i = 0; i < n; i++) {
		len = strlen(err);
		snprintf(err + len, el - len, "%s%s", i == 0 ? "" :
		    i == n - 1 ? " or " : ", ", names[i]);
	}
	return -1;
}

KEY_PARSER(p_tls)
{
	/* in enum smtp_tls order */
	static const char *const names[] = { "required", "none" };
	int i = one_of(v, names, (int)ARRAY_SIZE(names), err, el);

	if (i == -1)
		return -1;
	x->c->smtp.tls = (enum smtp_tls)i;
	return 0;
}

KEY_PARSER(p_gateway)
{
	/* in enum sms_gateway order */
	static const char *const names[] = { "kannel", "webhook" };
	int i = one_of(v, names, (int)ARRAY_SIZE(names), err, el);

	if (i == -1)
		return -1;
	x->c->sms.gateway = (enum sms_gateway)i;
	return 0;
}

/* [sms] encoding: gsm7 (transliterated to GSM 03.38) or unicode (UCS-2). */
KEY_PARSER(p_sms_encoding)
{
	static const char *const names[] = { "gsm7", "unicode" };
	int i = one_of(v, names, (int)ARRAY_SIZE(names), err, el);

	x->c->sms.encoding = i == 1 ? SMS_ENCODING_UNICODE : SMS_ENCODING_GSM7;
	return i == -1 ? -1 : 0;
}

KEY_PARSER(p_secret)
{
	char **dst = FIELD(x->c, k, char *);

	free(*dst);
	*dst = config_secret_path(v, x->path);
	return 0;
}

/* Alphanumeric sender (up to 11 characters) or a number (up to 15 digits,
 * optional leading +), as SMS networks accept. */
KEY_PARSER(p_sender)
{
	size_t n = strlen(v);
	const char *d = v[0] == '+' ? v + 1 : v;
	int ok;

	if (all_digits(d))
		ok = strlen(d) <= 15;
	else
		ok = n >= 1 && n <= 11 && strspn(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_") == n;
	if (!ok) {
		snprintf(err, el, "\"%s\" is not an SMS sender (up to 11 letters "
		    "and digits, or a number)", v);
		return -1;
	}
	cfg_set_string(&x->c->sms.sender, v);
	return 0;
}

KEY_PARSER(p_header)
{
	const char *colon = strchr(v, ':');
	size_t nlen, n = x->c->sms.nheaders;
	char *name, *value;

	nlen = colon ? (size_t)(colon - v) : 0;
	if (colon == NULL || nlen == 0 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~") != nlen) {
		snprintf(err, el, "\"%s\" is not \"Name: value\"", v);
		return -1;
	}
	value = xstrdup(colon + 1);
	name = trim(value);
	if (*name == '\0') {
		snprintf(err, el, "\"%s\" has an empty value", v);
		free(value);
		return -1;
	}
	memmove(value, name, strlen(name) + 1);
	name = xmalloc(nlen + 1);
	memcpy(name, v, nlen);
	name[nlen] = '\0';
	x->c->sms.headers = xrealloc(x->c->sms.headers,
	    (n + 1) * sizeof *x->c->sms.headers);
	x->c->sms.headers[n].key = name;
	x->c->sms.headers[n].value = value;
	x->c->sms.nheaders = n + 1;
	return 0;
}

KEY_PARSER(p_allow_from)
{
	char *copy = xstrdup(v), *items[64], *out = NULL;
	unsigned char addr[16];
	int n = 0, rc = -1;
	size_t len = 0;

	if (*v != '\0' && strcmp(v, "none") != 0) {
		n = split_list(copy, items, (int)ARRAY_SIZE(items));
		if (n == -1) {
			snprintf(err, el, "too many addresses (max %zu)",
			    ARRAY_SIZE(items));
			goto out;
		}
	}
	out = xmalloc(strlen(v) + 1);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (inet_pton(AF_INET, items[i], addr) != 1 &&
		    inet_pton(AF_INET6, items[i], addr) != 1) {
			snprintf(err, el, "\"%s\" is not an IP address",
			    items[i]);
			goto out;
		}
		len += (size_t)sprintf(out + len, "%s%s", i ? "," : "",
		    items[i]);
	}
	free(*FIELD(x->c, k, char *));
	*FIELD(x->c, k, char *) = out;
	out = NULL;
	rc = 0;
out:
	free(out);
	free(copy);
	return rc;
}

/* A language of relance's texts, into a char[3] field. */
KEY_PARSER(p_locale)
{
	static const char *const names[] = { "fr", "en" };
	int i = one_of(v, names, (int)ARRAY_SIZE(names), err, el);

	if (i == -1)
		return -1;
	memcpy(FIELD(x->c, k, char), names[i], 3);
	return 0;
}

KEY_PARSER(p_log_level)
{
	const char *names[LOG_LVL_DEBUG - LOG_LVL_ERR + 1];
	int i;

	/* the levels' own names (log.h), from the most severe */
	for (i = 0; i < (int)ARRAY_SIZE(names); i++)
		names[i] = log_level_name(LOG_LVL_ERR + i);
	i = one_of(v, names, (int)ARRAY_SIZE(names), err, el);
	if (i == -1)
		return -1;
	x->c->daemon.log_level = (enum log_level)(LOG_LVL_ERR + i);
	return 0;
}


/* [sms] country: a country of phone.h's table, in any case. */
KEY_PARSER(p_country)
{
	char cc[3];

	if (strlen(v) == 2) {
		cc[0] = (char)toupper((unsigned char)v[0]);
		cc[1] = (char)toupper((unsigned char)v[1]);
		cc[2] = '\0';
		if (phone_country_known(cc)) {
			memcpy(x->c->sms.country, cc, sizeof cc);
			return 0;
		}
	}
	snprintf(err, el, "\"%s\" is not a known country (%s)", v, phone_countries());
	return -1;
}
