/*
 * config.c — relance.conf: the keys and their defaults, INI parsing (inih)
 * and loading into one immutable struct config (contract section 7). The
 * value parsers are in config_value.c and config_window.c, the checks
 * between keys in config_check.c (config_priv.h lists the parts).
 *
 * Every key is described once in keys[] (section, name, parser, field,
 * bounds, flags and default). A default is a string parsed by the key's
 * own parser, as if it were in the file: config_default() applies them
 * all, and the table reads like relance.conf(5). Every error is reported as "FILE:LINE: [section] key: reason",
 * all of them, not just the first; config_load() returns NULL if there was
 * any. Nothing here changes process state (no tz_set(), no inih globals).
 *
 * Line numbers and inih. Debian's libinih is built without
 * INI_HANDLER_LINENO (the handler gets no line number; redefining the macro
 * on our side would only change the prototype we compile against, not the
 * call the library makes), and its inline-comment, multi-line and BOM
 * behaviour are build/runtime options we should not depend on. So we read
 * the file ourselves and feed inih through ini_parse_stream() with a reader
 * that hands it one *pre-processed* physical line at a time:
 *   - the reader counts lines, and inih calls the handler synchronously for
 *     the line the reader just returned, so ctx->lineno is the handler's line;
 *   - it drops comment lines, strips inline comments (";" preceded by a space
 *     or tab) and leading blanks (so inih never sees a continuation line);
 *   - it reports syntax errors itself (inih would only tell us the first one)
 *     and unknown or malformed section headers (inih does not call the handler
 *     for a section line), and gives inih an empty line instead;
 *   - a line that does not fit inih's line buffer is an error, not silently
 *     split in two.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>
#include <librdkafka/rdkafka.h>

#include "config_priv.h"
#include "log.h"
#include "util.h"

/* ------------------------------------------------------------------------ */
/* errors */

/* ------------------------------------------------------------------------ */
/* errors */

void
cfg_error(struct ctx *x, int line, const char *fmt, ...)
{
	char reason[512], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(msg, sizeof msg, "%s:%d: %s", x->path, line, reason);
	else
		snprintf(msg, sizeof msg, "%s: %s", x->path, reason);
	x->nerrors++;
	if (x->errfn != NULL)
		x->errfn(msg, x->arg);
	else
		log_err("%s", msg);
}

/* ------------------------------------------------------------------------ */
/* the keys */

#define O(f) offsetof(struct config, f)
#define DAY 86400LL

/*
 * section, key, parser, field (0: the parser knows it), min, max (numbers
 * and durations, in seconds), flags, default (NULL: none; [sms] dlr_url
 * follows base_url, see config_check.c).
 */
static const struct key keys[] = {
	{ "kafka", "brokers", p_str, O(kafka.brokers), 0, 0, 0, "127.0.0.1:9092" },
	{ "kafka", "group", p_str, O(kafka.group), 0, 0, 0, "relance" },
	{ "kafka", "topic.exams", p_str, O(kafka.topic_exams), 0, 0, 0, "avenirpro.exams" },
	{ "kafka", "topic.attendance", p_str, O(kafka.topic_attendance), 0, 0, 0, "avenirpro.attendance" },
	{ "kafka", "topic.students", p_str, O(kafka.topic_students), 0, 0, 0, "avenirpro.students" },
	{ "kafka", "topic.dlq", p_str, O(kafka.topic_dlq), 0, 0, 0, "avenirpro.relance.dlq" },
	{ "kafka", "topic.outcomes", p_str, O(kafka.topic_outcomes), 0, 0, 0, "avenirpro.relance.outcomes" },
	{ "kafka", "topic.replies", p_str, O(kafka.topic_replies), 0, 0, 0, "avenirpro.relance.replies" },
	{ "kafka", "hold_unknown", p_duration, O(kafka.hold_unknown), 60, 3650 * DAY, 0, "7d" },

	{ "store", "path", p_str, O(store.path), 0, 0, 0, "/var/lib/relance/relance.db" },
	{ "store", "keep_dead_letters", p_duration, O(store.keep_dead_letters), DAY, 3650 * DAY, 0, "90d" },

	{ "calendar", "timezone", p_timezone, 0, 0, 0, 0, "Europe/Paris" },
	{ "calendar", "feeds_dir", p_str, O(calendar.feeds_dir), 0, 0, 0, "/var/lib/relance/feeds" },
	{ "calendar", "listen", p_listen, 0, 0, 0, 0, "127.0.0.1:8470" },
	{ "calendar", "base_url", p_base_url, O(calendar.base_url), 0, 0, 0, "http://127.0.0.1:8470" },
	{ "calendar", "domain", p_domain, O(calendar.domain), 0, 0, 0, "relance.example.org" },
	{ "calendar", "refresh", p_duration, O(calendar.refresh), 1, DAY, 0, "60s" },
	{ "calendar", "keep_past", p_duration, O(calendar.keep_past), DAY, 3650 * DAY, 0, "90d" },
	{ "calendar", "adviser_locale", p_locale, O(calendar.adviser_locale), 0, 0, 0, "fr" },

	{ "checkins", "offsets", p_offsets, 0, 1, 3650 * DAY, 0, "14d, 45d, 90d, 180d" },
	{ "checkins", "duration", p_duration_min, O(checkins.duration), 60, DAY, 0, "30m" },
	{ "checkins", "office_hours", p_weekhours, 0, 0, 0, 0, "mon-fri 09:00-12:00 13:30-17:00" },
	{ "checkins", "closed", p_closed, 0, 0, 0, KEY_REPEAT, NULL },
	{ "checkins", "location", p_text, O(checkins.location), 0, 0, 0, "" },
	{ "checkins", "last_exam_past", p_span, O(checkins.last_exam_past), DAY, 100 * 365 * DAY, 0, "2y" },
	{ "checkins", "last_exam_future", p_span, O(checkins.last_exam_future), DAY, 100 * 365 * DAY, 0, "1y" },

	{ "dropin", "window", p_window, 0, 0, 0, KEY_REPEAT, NULL },
	{ "dropin", "location", p_text, O(dropin.location), 0, 0, 0, "" },

	{ "reminders", "offsets", p_offsets, 0, 1, 365 * DAY, 0, "48h, 2h" },
	{ "reminders", "quiet_hours", p_quiet, 0, 0, 0, 0, "20:00-08:00" },
	{ "reminders", "max_per_day", p_int, O(reminders.max_per_day), 1, 1000, 0, "3" },
	{ "reminders", "default_consent", p_consent, 0, 0, 0, 0, "sms, email" },
	{ "reminders", "lost_after", p_duration, O(reminders.lost_after), 60, 3650 * DAY, 0, "30d" },
	{ "reminders", "horizon", p_duration, O(reminders.horizon), 3600, 3650 * DAY, 0, "7d" },

	{ "smtp", "url", p_smtp_url, O(smtp.url), 0, 0, 0, NULL },   /* unset: email off */
	{ "smtp", "from", p_from, 0, 0, 0, 0, "Avenir Pro <no-reply@relance.example.org>" },
	{ "smtp", "tls", p_tls, 0, 0, 0, 0, "required" },
	{ "smtp", "user", p_str_opt, O(smtp.user), 0, 0, 0, NULL },
	{ "smtp", "password_file", p_secret, O(smtp.password_file), 0, 0, 0, NULL },
	{ "smtp", "ca_file", p_str_opt, O(smtp.ca_file), 0, 0, 0, NULL },
	{ "smtp", "helo", p_domain, O(smtp.helo), 0, 0, 0, "localhost" },
	{ "smtp", "alerts_to", p_email_opt, O(smtp.alerts_to), 0, 0, 0, NULL },

	{ "sms", "gateway", p_gateway, 0, 0, 0, 0, "kannel" },
	{ "sms", "url", p_sms_url, O(sms.url), 0, 0, 0, NULL },   /* unset: SMS off */
	{ "sms", "user", p_str_opt, O(sms.user), 0, 0, 0, NULL },
	{ "sms", "password_file", p_secret, O(sms.password_file), 0, 0, 0, NULL },
	{ "sms", "sender", p_sender, 0, 0, 0, 0, "AvenirPro" },
	{ "sms", "dlr_url", p_base_url, O(sms.dlr_url), 0, 0, 0, NULL },
	{ "sms", "allow_from", p_allow_from, O(sms.allow_from), 0, 0, 0, "127.0.0.1, ::1" },
	{ "sms", "header", p_header, 0, 0, 0, KEY_REPEAT, NULL },
	{ "sms", "concurrency", p_int, O(sms.concurrency), 1, 1024, 0, "256" },
	{ "sms", "encoding", p_sms_encoding, 0, 0, 0, 0, "gsm7" },
	{ "sms", "country", p_country, 0, 0, 0, 0, "FR" },

	{ "retry", "attempts", p_int, O(retry.attempts), 1, 100, 0, "8" },
	{ "retry", "first", p_duration, O(retry.first), 1, DAY, 0, "30s" },
	{ "retry", "max", p_duration, O(retry.max), 1, 7 * DAY, 0, "1h" },
	{ "retry", "concurrency", p_int, O(retry.concurrency), 1, 1024, 0, "16" },

	/* key_file: unset, link.key in the directory of [store] path */
	{ "answers", "key_file", p_str, O(answers.key_file), 0, 0, 0, NULL },
	{ "answers", "proxies", p_allow_from, O(answers.proxies), 0, 0, 0, "127.0.0.1, ::1" },

	{ "templates", "dir", p_str, O(templates.dir), 0, 0, 0, "/etc/relance/templates" },

	{ "daemon", "batch", p_int, O(daemon.batch), 1, 100000, 0, "5000" },
	{ "daemon", "log_level", p_log_level, 0, 0, 0, 0, "info" },
};

static const char *const sections[] = {
	"kafka", "store", "calendar", "checkins", "dropin", "reminders", "smtp",
	"sms", "retry", "answers", "templates", "daemon"
};

static int
key_index(const char *section, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
config_line(const struct config *c, const char *section, const char *key)
{
	int i = key_index(section, key);
	return c->lines != NULL && i >= 0 ? c->lines[i] : 0;
}

int
cfg_line_of(const struct ctx *x, const char *section, const char *name)
{
	return x->seen[key_index(section, name)];
}

/* ------------------------------------------------------------------------ */
/* defaults */

/* The defaults of keys[]: each one parsed like a value from the file. */
struct config *
config_default(void)
{
	struct ctx x;
	char err[ERRLEN];

	memset(&x, 0, sizeof x);
	x.path = "(defaults)";
	x.defaults = true;
	x.c = xcalloc(1, sizeof *x.c);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].def == NULL)
			continue;
		err[0] = '\0';
		if (keys[i].parse(&x, &keys[i], keys[i].def, err, sizeof err) == -1)
			fatalx("config: default of [%s] %s: %s", keys[i].section,
			    keys[i].name, err);
	}
	cfg_follow_base_url(x.c);
	cfg_follow_store_path(x.c);
	return x.c;
}

/* Every char * and array of struct config, freed by config_free(). */
static const size_t owned[] = {
	O(path), O(lines), O(kafka.brokers), O(kafka.group), O(kafka.topic_exams),
	O(kafka.topic_attendance), O(kafka.topic_students), O(kafka.topic_dlq),
	O(kafka.topic_outcomes), O(kafka.topic_replies), O(kafka.rdkafka), O(store.path),
	O(calendar.timezone), O(calendar.feeds_dir), O(calendar.listen_host),
	O(calendar.base_url), O(calendar.domain), O(checkins.closed),
	O(checkins.location), O(dropin.windows), O(dropin.location), O(smtp.url),
	O(smtp.from), O(smtp.user), O(smtp.password_file), O(smtp.ca_file),
	O(smtp.helo), O(smtp.alerts_to), O(sms.url), O(sms.user),
	O(sms.password_file), O(sms.sender), O(sms.dlr_url), O(sms.headers),
	O(sms.allow_from), O(answers.key_file), O(answers.proxies), O(templates.dir),
};

static void
kv_free(struct kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	kv_free(c->kafka.rdkafka, c->kafka.nrdkafka);
	kv_free(c->sms.headers, c->sms.nheaders);
	for (size_t i = 0; i < ARRAY_SIZE(owned); i++) {
		void *p;
		memcpy(&p, (char *)c + owned[i], sizeof p);
		free(p);
	}
	free(c);
}

/* ------------------------------------------------------------------------ */
/* parsing */

/* Properties relance sets itself, or that would break its durability. */
static const char *const rdkafka_reserved[] = {
	"bootstrap.servers", "metadata.broker.list", "group.id",
	"enable.auto.commit", "enable.auto.offset.store",
};

static void
rdkafka_key(struct ctx *x, const char *prop, const char *value)
{
	struct config *c = x->c;
	char err[ERRLEN];
	size_t n = c->kafka.nrdkafka;

	if (*prop == '\0') {
		cfg_error(x, x->lineno, "[kafka] rdkafka.: empty property name");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(c->kafka.rdkafka[i].key, prop) == 0) {
			cfg_error(x, x->lineno, "[kafka] rdkafka.%s: duplicate "
			    "key (already set on line %d)", prop,
			    x->rdk_lines[i]);
			return;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(rdkafka_reserved); i++) {
		if (strcmp(prop, rdkafka_reserved[i]) == 0) {
			cfg_error(x, x->lineno, "[kafka] rdkafka.%s: set by "
			    "relance (use brokers and group; offsets are "
			    "committed after the store)", prop);
			return;
		}
	}
	if (x->rk == NULL)
		x->rk = rd_kafka_conf_new();
	if (rd_kafka_conf_set(x->rk, prop, value, err, sizeof err) !=
	    RD_KAFKA_CONF_OK) {
		cfg_error(x, x->lineno, "[kafka] rdkafka.%s: %s", prop, err);
		return;
	}
	c->kafka.rdkafka = xrealloc(c->kafka.rdkafka,
	    (n + 1) * sizeof *c->kafka.rdkafka);
	x->rdk_lines = xrealloc(x->rdk_lines, (n + 1) * sizeof(int));
	c->kafka.rdkafka[n].key = xstrdup(prop);
	c->kafka.rdkafka[n].value = xstrdup(value);
	x->rdk_lines[n] = x->lineno;
	c->kafka.nrdkafka = n + 1;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *x = user;
	char err[ERRLEN];
	const struct key *k;
	int i;

	if (x->skip)
		return 1;
	if (*section == '\0') {
		cfg_error(x, x->lineno, "%s: key outside any [section]", name);
		return 1;
	}
	if (strcmp(section, "kafka") == 0 &&
	    strncmp(name, "rdkafka.", 8) == 0) {
		rdkafka_key(x, name + 8, value);
		return 1;
	}
	i = key_index(section, name);
	if (i == -1) {
		cfg_error(x, x->lineno, "[%s] %s: unknown key", section, name);
		return 1;
	}
	k = &keys[i];
	if (x->seen[i] && !(k->flags & KEY_REPEAT)) {
		cfg_error(x, x->lineno, "[%s] %s: duplicate key (already set "
		    "on line %d)", section, name, x->seen[i]);
		return 1;
	}
	x->seen[i] = x->lineno;
	err[0] = '\0';
	if (k->parse(x, k, value, err, sizeof err) == -1)
		cfg_error(x, x->lineno, "[%s] %s: %s", section, name, err);
	return 1;
}

/* Checks a "[name]" header (already trimmed); 0 if it is a known section. */
static int
section_line(struct ctx *x, const char *line)
{
	size_t n = strlen(line);
	char name[64];
	const char *s, *e;

	if (n < 2 || line[n - 1] != ']') {
		cfg_error(x, x->lineno, "syntax error: \"%s\" is not a section "
		    "header ([name])", line);
		return -1;
	}
	for (s = line + 1; *s == ' ' || *s == '\t'; s++)
		;
	for (e = line + n - 1; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	if ((size_t)(e - s) >= sizeof name) {
		cfg_error(x, x->lineno, "unknown section %s", line);
		return -1;
	}
	memcpy(name, s, (size_t)(e - s));
	name[e - s] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		if (strcmp(name, sections[i]) == 0)
			return 0;
	cfg_error(x, x->lineno, "unknown section [%s]", name);
	return -1;
}

/* ini_reader: one pre-processed line per call (see the top of the file). */
static char *
reader(char *str, int num, void *stream)
{
	struct ctx *x = stream;
	ssize_t len;
	char *line, *p, *eq;

	len = getline(&x->raw, &x->rawcap, x->f);
	if (len == -1)
		return NULL;
	x->lineno++;
	line = x->raw;
	if (x->lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	line = trim(line);
	str[0] = '\0';
	if (*line == '\0' || *line == ';' || *line == '#')
		return str;
	/* inline comment: ";" after a blank */
	for (p = line + 1; *p; p++) {
		if (*p == ';' && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			line = trim(line);
			break;
		}
	}
	if (*line == '[') {
		x->skip = section_line(x, line) == -1;
		if (x->skip)
			return str;
	} else {
		eq = strchr(line, '=');
		if (eq == NULL || eq == line ||
		    memchr(line, ':', (size_t)(eq - line)) != NULL) {
			cfg_error(x, x->lineno, "syntax error: expected "
			    "\"key = value\" or \"[section]\"");
			return str;
		}
	}
	if (strlen(line) + 2 >= (size_t)num) {
		cfg_error(x, x->lineno, "line too long (at most %d characters "
		    "without comments)", num - 3);
		return str;
	}
	memcpy(str, line, strlen(line) + 1);
	return str;
}


struct config *
config_load(const char *path, config_error_fn errfn, void *arg)
{
	struct ctx x;
	struct config *c = NULL;
	int rc;

	memset(&x, 0, sizeof x);
	x.path = path;
	x.errfn = errfn;
	x.arg = arg;
	x.f = fopen(path, "r");
	if (x.f == NULL) {
		cfg_error(&x, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	x.c = config_default();
	x.c->path = xstrdup(path);
	x.seen = xcalloc(ARRAY_SIZE(keys), sizeof *x.seen);

	rc = ini_parse_stream(reader, &x, handler, &x);
	if (ferror(x.f))
		cfg_error(&x, 0, "read error: %s", strerror(errno));
	else if (rc == -2)
		cfg_error(&x, 0, "out of memory");
	/* rc > 0 is a syntax error inih saw; the reader reported it already
	 * (it only gives inih lines it accepts). */
	if (x.nerrors == 0)
		cfg_cross_checks(&x);
	if (x.nerrors == 0) {
		c = x.c;
		x.c = NULL;
		c->lines = x.seen;
		x.seen = NULL;
	}
out:
	if (x.f != NULL)
		fclose(x.f);
	if (x.rk != NULL)
		rd_kafka_conf_destroy(x.rk);
	config_free(x.c);
	free(x.raw);
	free(x.seen);
	free(x.rdk_lines);
	free(x.window_lines);
	return c;
}
