/*
 * template.c — message templates (template.h): loading from [templates]
 * dir with placeholder checking at load time (errors as FILE:LINE), and
 * rendering with {name} substitution. Contract section 4 (texts in the
 * student's language) and section 6 (reload re-reads templates).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

static const char *const reminder_vars[] = {
	"given_name", "family_name", "date", "time", "weekday", "location", "adviser_name",
	"kind", NULL
};
static const char *const alert_vars[] = {
	"adviser_name", "student_name", "student_id", "given_name", "family_name", "email",
	"phone", "date", "time", "weekday", "kind", "location", "absences", "days",
	"establishment", "programme", NULL
};
static const char *const webhook_vars[] = { "to", "text", "sender", "reminder_id", NULL };

static const char *const *const known[TPL_COUNT] = {
	[TPL_SMS_REMINDER] = reminder_vars,
	[TPL_EMAIL_REMINDER] = reminder_vars,
	[TPL_ALERT_ABSENCES] = alert_vars,
	[TPL_ALERT_LOST] = alert_vars,
	[TPL_SMS_WEBHOOK] = webhook_vars,
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
	return id == TPL_EMAIL_REMINDER || id == TPL_ALERT_ABSENCES || id == TPL_ALERT_LOST;
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

/* Checks the placeholders of text (starting at line lineno of path). */
static int
check_text(enum tpl_id id, const char *path, int lineno, const char *text,
	   config_error_fn errfn, void *arg)
{
	char msg[512];
	int bad = 0;

	for (const char *p = text; *p; p++) {
		size_t n;
		if (*p == '\n') {
			lineno++;
			continue;
		}
		if (*p != '{' || (n = placeholder_len(p + 1)) == 0)
			continue;
		if (!known_var(id, p + 1, n)) {
			snprintf(msg, sizeof msg, "%s:%d: unknown placeholder {%.*s}", path, lineno,
				 (int)(n > 64 ? 64 : n), p + 1);
			errfn(msg, arg);
			bad = 1;
		}
		p += n + 1;
	}
	return bad ? -1 : 0;
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
	char *path = NULL, *buf = NULL, *subject = NULL, msg[512];
	char *body = NULL;
	size_t len = 0, blen = 0;
	int lineno = 0, body_line = 0, rc = -1, state;
	char *line, *next;

	path = id == TPL_SMS_WEBHOOK ? xasprintf("%s/%s", dir, files[id])
				     : xasprintf("%s/%s/%s", dir, locales[li], files[id]);
	buf = file_read(path, &len);
	if (buf == NULL) {
		snprintf(msg, sizeof msg, "%s:0: cannot read template: %s", path, strerror(errno));
		errfn(msg, arg);
		goto out;
	}
	if (len > TPL_MAX_SIZE || memchr(buf, '\0', len) != NULL) {
		snprintf(msg, sizeof msg, "%s:0: not a text template (NUL byte or over %d bytes)",
			 path, TPL_MAX_SIZE);
		errfn(msg, arg);
		goto out;
	}
	body = xmalloc(len + 1);
	/* state: 0 expecting Subject (email), 1 expecting the blank line, 2 body */
	state = is_email(id) ? 0 : 2;
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		size_t ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (line[0] == '#')
			continue;       /* comments, anywhere */
		if (state == 0) {
			if (strncmp(line, "Subject:", 8) != 0) {
				snprintf(msg, sizeof msg, "%s:%d: expected \"Subject: ...\"", path,
					 lineno);
				errfn(msg, arg);
				goto out;
			}
			const char *s = line + 8;
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s == '\0') {
				snprintf(msg, sizeof msg, "%s:%d: empty subject", path, lineno);
				errfn(msg, arg);
				goto out;
			}
			subject = xstrdup(s);
			if (check_text(id, path, lineno, subject, errfn, arg))
				goto out;
			state = 1;
			continue;
		}
		if (state == 1) {
			if (line[0] != '\0') {
				snprintf(msg, sizeof msg, "%s:%d: expected an empty line after the subject",
					 path, lineno);
				errfn(msg, arg);
				goto out;
			}
			state = 2;
			continue;
		}
		if (blen == 0)
			body_line = lineno;
		memcpy(body + blen, line, ll);
		blen += ll;
		body[blen++] = '\n';
	}
	while (blen && body[blen - 1] == '\n')
		blen--;
	body[blen] = '\0';
	if (blen == 0) {
		snprintf(msg, sizeof msg, "%s:%d: empty template", path, lineno);
		errfn(msg, arg);
		goto out;
	}
	if (check_text(id, path, body_line, body, errfn, arg))
		goto out;
	out->subject = subject;
	out->body = body;
	subject = body = NULL;
	rc = 0;
out:
	free(subject);
	free(body);
	free(buf);
	free(path);
	return rc;
}

struct templates *
template_load(const char *dir, config_error_fn errfn, void *arg)
{
	struct templates *t = xcalloc(1, sizeof *t);
	int bad = 0;

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

static char *
render(const char *text, const struct tpl_var *vars, size_t nvars, int json)
{
	struct strbuf b = { 0 };
	strbuf_add(&b, "", 0);
	for (const char *p = text; *p; p++) {
		if (*p != '{') {
			const char *q = strchr(p, '{');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			strbuf_add(&b, p, n);
			p += n - 1;
			continue;
		}
		size_t n = placeholder_len(p + 1);
		if (n == 0) {
			strbuf_add(&b, "{", 1);
			continue;
		}
		const char *e = p + 1 + n;
		for (size_t i = 0; i < nvars; i++) {
			if (strlen(vars[i].name) == n && memcmp(vars[i].name, p + 1, n) == 0) {
				const char *v = vars[i].value ? vars[i].value : "";
				if (json)
					buf_add_json(&b, v);
				else
					strbuf_add(&b, v, strlen(v));
				break;
			}
		}
		p = e;
	}
	return b.p;
}

char *
template_render(const struct templates *t, enum tpl_id id, const char *locale,
		const struct tpl_var *vars, size_t nvars, char **subject)
{
	const struct tpl *x = &t->t[id][locale_index(locale)];
	if (subject)
		*subject = x->subject ? render(x->subject, vars, nvars, 0) : NULL;
	return render(x->body, vars, nvars, id == TPL_SMS_WEBHOOK);
}
