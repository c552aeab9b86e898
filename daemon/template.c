/*
 * template.c — message templates (template.h): loading from [templates]
 * dir with placeholder checking at load time (errors as FILE:LINE), and
 * rendering with {name} substitution. Contract section 4 (texts in the
 * student's language) and section 6 (reload re-reads templates).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsm7.h"
#include "log.h"
#include "template.h"
#include "util.h"

#define TPL_MAX_SIZE (64 * 1024)

static const char *const locales[] = { "fr", "en" };
#define NLOCALES 2

static const char *const files[TPL_COUNT] = {
	[TPL_SMS_REMINDER] = "reminder.sms",
	[TPL_EMAIL_REMINDER] = "reminder.email",
	[TPL_ALERT_ABSENCES] = "alert-absences.email",
	[TPL_ALERT_LOST] = "alert-lost.email",
	[TPL_SMS_WEBHOOK] = "webhook.json",
	[TPL_SMS_ACK_CONFIRMED] = "ack-confirmed.sms",
	[TPL_SMS_ACK_CANCELLED] = "ack-cancelled.sms",
	[TPL_SMS_ACK_MESSAGE] = "ack-message.sms",
	[TPL_ALERT_MESSAGES] = "alert-messages.email",
};

static const char *const reminder_vars[] = {
	"given_name", "family_name", "date", "time", "weekday", "location", "adviser_name",
	"kind", "link", NULL
};
static const char *const alert_vars[] = {
	"adviser_name", "student_name", "student_id", "given_name", "family_name", "email",
	"phone", "date", "time", "weekday", "kind", "location", "absences", "days",
	"lost_after", "establishment", "programme", NULL
};
static const char *const webhook_vars[] = { "to", "text", "sender", "reminder_id", NULL };
/* Acknowledgements: the appointment answered (none for a message without
 * one: its placeholders render empty) and its personal link. */
static const char *const ack_vars[] = {
	"given_name", "date", "time", "weekday", "location", "adviser_name", "kind", "link", NULL
};
static const char *const digest_vars[] = { "adviser_name", "count", "messages", NULL };

static const char *const *const known[TPL_COUNT] = {
	[TPL_SMS_REMINDER] = reminder_vars,
	[TPL_EMAIL_REMINDER] = reminder_vars,
	[TPL_ALERT_ABSENCES] = alert_vars,
	[TPL_ALERT_LOST] = alert_vars,
	[TPL_SMS_WEBHOOK] = webhook_vars,
	[TPL_SMS_ACK_CONFIRMED] = ack_vars,
	[TPL_SMS_ACK_CANCELLED] = ack_vars,
	[TPL_SMS_ACK_MESSAGE] = ack_vars,
	[TPL_ALERT_MESSAGES] = digest_vars,
};

struct tpl {
	char *subject;          /* email templates only */
	char *body;
};

struct templates {
	struct tpl t[TPL_COUNT][NLOCALES];
};

static int
is_email(enum tpl_id id)
{
	return id == TPL_EMAIL_REMINDER || id == TPL_ALERT_ABSENCES || id == TPL_ALERT_LOST ||
	       id == TPL_ALERT_MESSAGES;
}

static int
locale_index(const char *locale)
{
	return locale && strcmp(locale, "en") == 0 ? 1 : 0;
}

const char *
template_file(enum tpl_id id, const char *locale)
{
	static char buf[2][64];
	int i = locale_index(locale);
	if (id == TPL_SMS_WEBHOOK)
		return files[id];
	snprintf(buf[i], sizeof buf[i], "%s/%s", locales[i], files[id]);
	return buf[i];
}

static int
known_var(enum tpl_id id, const char *name, size_t len)
{
	for (const char *const *v = known[id]; *v; v++)
		if (strlen(*v) == len && memcmp(*v, name, len) == 0)
			return 1;
	return 0;
}

/* Length of the placeholder name at p (just after a '{') when p holds
 * "name}" with name of [A-Za-z0-9_], else 0: any other '{' is literal
 * (JSON bodies are full of them). */
static size_t
placeholder_len(const char *p)
{
	size_t n = 0;
	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
	       (p[n] >= '0' && p[n] <= '9') || p[n] == '_')
		n++;
	return n > 0 && p[n] == '}' ? n : 0;
}

/* Reports "path:line: reason" through errfn. */
static void __attribute__((format(printf, 5, 6)))
tpl_error(config_error_fn errfn, void *arg, const char *path, int lineno, const char *fmt, ...)
{
	char reason[400], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof msg, "%s:%d: %s", path, lineno, reason);
	errfn(msg, arg);
}

/* Checks the placeholders and optional parts of text (starting at line
 * lineno of path). */
static int
check_text(enum tpl_id id, const char *path, int lineno, const char *text,
	   config_error_fn errfn, void *arg)
{
	int bad = 0, optline = 0;

	for (const char *p = text; *p; p++) {
		size_t n;
		if (*p == '\n') {
			lineno++;
			continue;
		}
		if (id != TPL_SMS_WEBHOOK && p[0] == '{' && p[1] == '[') {
			if (optline) {
				tpl_error(errfn, arg, path, lineno, "\"{[\" inside an optional part");
				bad = 1;
			}
			optline = lineno;
			p++;
			continue;
		}
		if (optline && p[0] == ']' && p[1] == '}') {
			optline = 0;
			p++;
			continue;
		}
		if (*p != '{' || (n = placeholder_len(p + 1)) == 0)
			continue;
		if (!known_var(id, p + 1, n)) {
			tpl_error(errfn, arg, path, lineno, "unknown placeholder {%.*s}",
				  (int)(n > 64 ? 64 : n), p + 1);
			bad = 1;
		}
		p += n + 1;
	}
	if (optline) {
		tpl_error(errfn, arg, path, optline, "optional part \"{[\" without its \"]}\"");
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* Where a template file's reading is. */
enum tpl_part {
	TPL_SUBJECT,                /* expecting "Subject: ..." (email) */
	TPL_BLANK,                  /* expecting the empty line after it */
	TPL_BODY,
};

struct tpl_reader {
	const char *path;
	enum tpl_id id;
	config_error_fn errfn;
	void *arg;
	enum tpl_part part;
	int lineno, body_line;
	char *subject, *body;       /* body has room for the whole file */
	size_t blen;
};

/* One line (not a comment, without its end of line) of length ll. */
static int
tpl_line(struct tpl_reader *r, const char *line, size_t ll)
{
	const char *s;

	switch (r->part) {
	case TPL_SUBJECT:
		if (strncmp(line, "Subject:", 8) != 0) {
			tpl_error(r->errfn, r->arg, r->path, r->lineno,
				  "expected \"Subject: ...\"");
			return -1;
		}
		for (s = line + 8; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0') {
			tpl_error(r->errfn, r->arg, r->path, r->lineno, "empty subject");
			return -1;
		}
		r->subject = xstrdup(s);
		r->part = TPL_BLANK;
		return check_text(r->id, r->path, r->lineno, r->subject, r->errfn, r->arg);
	case TPL_BLANK:
		if (line[0] != '\0') {
			tpl_error(r->errfn, r->arg, r->path, r->lineno,
				  "expected an empty line after the subject");
			return -1;
		}
		r->part = TPL_BODY;
		return 0;
	case TPL_BODY:
		break;
	}
	if (r->blen == 0)
		r->body_line = r->lineno;
	memcpy(r->body + r->blen, line, ll);
	r->blen += ll;
	r->body[r->blen++] = '\n';
	return 0;
}

/* The lines of buf (modified); trailing empty lines are dropped. */
static int
tpl_read(struct tpl_reader *r, char *buf)
{
	char *line, *next;

	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r->lineno++;
		size_t ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (line[0] == '#')
			continue;       /* comments, anywhere */
		if (tpl_line(r, line, ll))
			return -1;
	}
	while (r->blen && r->body[r->blen - 1] == '\n')
		r->blen--;
	r->body[r->blen] = '\0';
	if (r->blen == 0) {
		tpl_error(r->errfn, r->arg, r->path, r->lineno, "empty template");
		return -1;
	}
	return check_text(r->id, r->path, r->body_line, r->body, r->errfn, r->arg);
}

/*
 * Reads one template file: lines starting with '#' are comments. Email
 * templates start with "Subject: ..." then an empty line then the body.
 * Trailing empty lines are dropped.
 */
static int
load_one(const char *dir, enum tpl_id id, int li, struct tpl *out, config_error_fn errfn,
	 void *arg)
{
	struct tpl_reader r = { .id = id, .errfn = errfn, .arg = arg,
				.part = is_email(id) ? TPL_SUBJECT : TPL_BODY };
	char *path, *buf;
	size_t len = 0;
	int rc = -1;

	path = id == TPL_SMS_WEBHOOK ? xasprintf("%s/%s", dir, files[id])
				     : xasprintf("%s/%s/%s", dir, locales[li], files[id]);
	r.path = path;
	buf = file_read(path, &len);
	if (buf == NULL) {
		tpl_error(errfn, arg, path, 0, "cannot read template: %s", strerror(errno));
		goto out;
	}
	if (len > TPL_MAX_SIZE || memchr(buf, '\0', len) != NULL) {
		tpl_error(errfn, arg, path, 0, "not a text template (NUL byte or over %d bytes)",
			  TPL_MAX_SIZE);
		goto out;
	}
	r.body = xmalloc(len + 1);
	if (tpl_read(&r, buf))
		goto out;
	out->subject = r.subject;
	out->body = r.body;
	r.subject = r.body = NULL;
	rc = 0;
out:
	free(r.subject);
	free(r.body);
	free(buf);
	free(path);
	return rc;
}

const char *
template_dir_problem(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) != 0)
		return strerror(errno);
	if (!S_ISDIR(sb.st_mode))
		return "not a directory";
	if (access(dir, X_OK) != 0) /* files are opened by name */
		return strerror(errno);
	return NULL;
}

struct templates *
template_load(const char *dir, config_error_fn errfn, void *arg)
{
	struct templates *t;
	const char *why = template_dir_problem(dir);
	int bad = 0;

	/* A wrong [templates] dir is one fault: said once, not per file. */
	if (why != NULL) {
		char msg[PATH_MAX + 128];
		snprintf(msg, sizeof msg, "%s: [templates] dir: cannot read this directory: %s", dir,
			 why);
		errfn(msg, arg);
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	for (int id = 0; id < TPL_COUNT; id++) {
		for (int li = 0; li < NLOCALES; li++) {
			if (id == TPL_SMS_WEBHOOK && li > 0) {
				t->t[id][li].body = xstrdup(t->t[id][0].body);
				continue;
			}
			if (load_one(dir, id, li, &t->t[id][li], errfn, arg))
				bad = 1;
		}
	}
	if (bad) {
		template_free(t);
		return NULL;
	}
	return t;
}

void
template_free(struct templates *t)
{
	if (t == NULL)
		return;
	for (int id = 0; id < TPL_COUNT; id++)
		for (int li = 0; li < NLOCALES; li++) {
			free(t->t[id][li].subject);
			free(t->t[id][li].body);
		}
	free(t);
}

/* ---- rendering ------------------------------------------------------------ */


static void
buf_add_json(struct strbuf *b, const char *s)
{
	char esc[8];
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			strbuf_add(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			strbuf_add(b, esc, 6);
		} else {
			strbuf_add(b, s, 1);
		}
	}
}

/* The value of placeholder name[0..n) ("" when NULL), NULL when no var
 * has that name. */
static const char *
var_value(const struct tpl_var *vars, size_t nvars, const char *name, size_t n)
{
	for (size_t i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == n && memcmp(vars[i].name, name, n) == 0)
			return vars[i].value ? vars[i].value : "";
	return NULL;
}

/* Renders p[0..end) (no optional part in it) at the end of b. With
 * empty != NULL, only sets *empty when a placeholder of it renders "". */
static void
render_span(struct strbuf *b, const char *p, const char *end, const struct tpl_var *vars,
	    size_t nvars, int json, int *empty)
{
	while (p < end) {
		const char *q = memchr(p, '{', (size_t)(end - p));
		size_t n;
		if (q == NULL)
			q = end;
		if (empty == NULL)
			strbuf_add(b, p, (size_t)(q - p));
		if (q == end)
			break;
		if ((n = placeholder_len(q + 1)) == 0) {
			if (empty == NULL)
				strbuf_add(b, "{", 1);
			p = q + 1;
			continue;
		}
		const char *v = var_value(vars, nvars, q + 1, n);
		if (empty != NULL)
			*empty |= v == NULL || *v == '\0';
		else if (v != NULL && json)
			buf_add_json(b, v);
		else if (v != NULL)
			strbuf_add(b, v, strlen(v));
		p = q + n + 2;
	}
}

/*
 * Renders text. Except in JSON (the webhook body), "{[...]}" is an
 * optional part: rendered when every placeholder in it has a value and it
 * is one of the first keep parts, else dropped.
 */
static char *
render(const char *text, const struct tpl_var *vars, size_t nvars, int json, int keep)
{
	struct strbuf b = { 0 };
	const char *p = text, *q;
	int idx = 0;

	strbuf_add(&b, "", 0);
	while (!json && (q = strstr(p, "{[")) != NULL) {
		const char *e = strstr(q + 2, "]}");        /* there is one: checked at load */
		int empty = 0;
		render_span(&b, p, q, vars, nvars, 0, NULL);
		render_span(&b, q + 2, e, vars, nvars, 0, &empty);
		if (idx++ < keep && !empty)
			render_span(&b, q + 2, e, vars, nvars, 0, NULL);
		p = e + 2;
	}
	render_span(&b, p, p + strlen(p), vars, nvars, json, NULL);
	return b.p;
}

char *
template_render(const struct templates *t, enum tpl_id id, const char *locale,
		const struct tpl_var *vars, size_t nvars, char **subject)
{
	const struct tpl *x = &t->t[id][locale_index(locale)];
	if (subject)
		*subject = x->subject ? render(x->subject, vars, nvars, 0, INT_MAX) : NULL;
	return render(x->body, vars, nvars, id == TPL_SMS_WEBHOOK, INT_MAX);
}

/* ---- SMS that fit one segment --------------------------------------------- */

/* The placeholders that may be shortened to fit an SMS: names, never the
 * time or the place. */
static const char *const sms_names[] = { "given_name", "family_name", "adviser_name" };
/* Characters a name keeps before optional parts are dropped. */
#define SMS_NAME_MIN 10

/*
 * Cuts the longest name of own[0..n) (NULL: not a name; else v[i].value)
 * that has more than min characters by over characters, not below min: at
 * a space or hyphen when that keeps at least half, else between two
 * characters. 0 when no name has more than min characters.
 */
static int
shorten_name(struct tpl_var *v, char **own, size_t n, int over, size_t min)
{
	size_t best = n, blen = min, cut;
	char *s;

	for (size_t i = 0; i < n; i++) {
		size_t l = own[i] ? gsm7_utf8_len(own[i]) : 0;
		if (l > blen) {
			best = i;
			blen = l;
		}
	}
	if (best == n)
		return 0;
	s = own[best];
	cut = gsm7_utf8_prefix(s, blen > min + (size_t)over ? blen - (size_t)over : min);
	if (s[cut] != ' ' && s[cut] != '-')
		for (size_t j = cut; j > cut / 2; j--)
			if (s[j - 1] == ' ' || s[j - 1] == '-') {
				cut = j - 1;
				break;
			}
	while (cut > 0 && strchr(" -'", s[cut - 1]))
		cut--;
	s[cut] = '\0';
	v[best].value = s;
	return 1;
}

/* own[i]: a transliterated copy of vars[i].value when it is a name that
 * body uses, else NULL. */
static char **
sms_name_copies(const char *body, const struct tpl_var *vars, size_t nvars)
{
	char **own = xcalloc(nvars + 1, sizeof *own);

	for (size_t i = 0; i < nvars; i++)
		for (size_t k = 0; k < ARRAY_SIZE(sms_names); k++) {
			char ph[32];
			snprintf(ph, sizeof ph, "{%s}", sms_names[k]);
			if (vars[i].value && strcmp(vars[i].name, sms_names[k]) == 0 &&
			    strstr(body, ph))
				own[i] = gsm7_transliterate(vars[i].value);
		}
	return own;
}

char *
template_render_sms(const struct templates *t, const char *locale, const struct tpl_var *vars,
		    size_t nvars, int gsm7)
{
	return template_render_sms_id(t, TPL_SMS_REMINDER, locale, vars, nvars, gsm7);
}

char *
template_render_sms_id(const struct templates *t, enum tpl_id id, const char *locale,
		       const struct tpl_var *vars, size_t nvars, int gsm7)
{
	const char *body = t->t[id][locale_index(locale)].body, *o;
	struct tpl_var *v;
	char **own, *text;
	int keep = 0;

	if (!gsm7)
		return render(body, vars, nvars, 0, INT_MAX);
	for (o = body; (o = strstr(o, "{[")) != NULL; o += 2)
		keep++;
	own = sms_name_copies(body, vars, nvars);
	v = xmalloc((nvars + 1) * sizeof *v);
	memcpy(v, vars, nvars * sizeof *v);
	for (size_t i = 0; i < nvars; i++)
		if (own[i])
			v[i].value = own[i];
	for (;;) {
		char *r = render(body, v, nvars, 0, keep);
		int over;
		text = gsm7_transliterate(r);
		free(r);
		over = gsm7_septets(text) - GSM7_SEGMENT;
		if (over <= 0)
			break;
		/* Names first (down to SMS_NAME_MIN characters), then the
		 * optional parts from the last, then names down to 1. */
		if (!shorten_name(v, own, nvars, over, keep > 0 ? SMS_NAME_MIN : 1) && keep-- == 0)
			break;
		free(text);
	}
	for (size_t i = 0; i < nvars; i++)
		free(own[i]);
	free(own);
	free(v);
	return text;
}
