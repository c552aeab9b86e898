/*
 * event.c — CloudEvents 1.0 messages (structured JSON mode and Kafka binary
 * mode) into a validated struct event. Implements contract section 1
 * (1.1 exam.completed, 1.2 attendance.recorded, 1.3 student.updated, 1.4 bad
 * input: one short reason, never the offending value). Pure: no I/O.
 *
 * Decisions the contract leaves open (documented here once):
 * - The message is capped at 64 KiB ("message too large"); duplicate JSON
 *   keys are rejected.
 * - Envelope attributes set to JSON null are absent (CloudEvents JSON format
 *   3.1.1). Inside data, null is a wrong type everywhere: in
 *   student.updated, "email": null is NOT "remove the address" (a student
 *   must keep a channel and a silent removal would be a guess); it is
 *   rejected as "must be a string".
 * - Optional free-text fields (family_name, names, labels, session,
 *   subject) that are "" are treated as absent; so are the contact fields
 *   of exam.completed (school exports write "" for a missing address), so
 *   "email": "" with a valid phone is a student reached by SMS. In
 *   student.updated, whose only purpose is a change, "" is invalid. A
 *   contact present and invalid rejects the event even when the other one
 *   is valid: relance does not guess which address the school meant.
 * - UAI: 7 digits + one letter, either case; stored upper-cased.
 * - Adviser ids follow the student id rule (1-64 of [A-Za-z0-9._-]).
 * - Establishment name is bounded like a label (200 code points); person
 *   names are bounded to 100. Lengths count UTF-8 code points.
 * - "Control character" means Unicode Cc: U+0000-U+001F and U+007F-U+009F.
 *   Every string of the message is checked, unknown fields included (their
 *   reason names only the section, "data" or "envelope").
 * - Email: the HTML standard's "valid e-mail address" (event_valid.c):
 *   ASCII atext and dots before one '@', dot-separated labels after it; at
 *   most 254 bytes. This refuses ',', ';', '<', '>', quotes and spaces,
 *   which could otherwise add recipients in a header.
 * - Binary mode: header names are matched case-insensitively; a repeated
 *   ce_* or content-type header is rejected. Reasons name the header
 *   ("ce_id: missing"). In structured mode a content-type header is ignored.
 * - Attendance with both appointment_uid and kind/starts_at: all given
 *   fields are validated, the uid wins (kind and starts_at are left 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "event.h"
#include "event_priv.h"
#include "util.h"


enum {
	F_REQ = 1,		/* missing is an error */
	F_NULL_ABSENT = 2,	/* JSON null means absent */
	F_EMPTY_ABSENT = 4,	/* "" means absent */
};

struct pctx {
	char *err;
	size_t errlen;
	bool binary;
};

static int
fail(struct pctx *c, const char *path, const char *what)
{
	if (c->err != NULL && c->errlen > 0) {
		if (path != NULL)
			snprintf(c->err, c->errlen, "%s: %s", path, what);
		else
			snprintf(c->err, c->errlen, "%s", what);
	}
	return -1;
}

/* What is wrong with a text event_text_check() refused. */
static const char *
text_fault(const char *s, size_t len)
{
	int r = event_text_check((const unsigned char *)s, len, 1, NULL);
	return r == -3 ? "format character" : r == -1 ? "invalid UTF-8" : "control character";
}

/* Checks a JSON string value: UTF-8, no control or format characters, length. */
static int
check_string(struct pctx *c, json_t *v, const char *path, size_t maxcp, size_t *ncp)
{
	size_t n = 0;
	int r;

	r = event_text_check((const unsigned char *)json_string_value(v), json_string_length(v), 1, &n);
	if (r == -1)
		return fail(c, path, "invalid UTF-8");
	if (r == -2)
		return fail(c, path, "control character");
	if (r == -3)
		return fail(c, path, "format character");
	if (n > maxcp)
		return fail(c, path, "too long");
	*ncp = n;
	return 0;
}

/*
 * Reads obj.key as a string (obj NULL: absent) into a new copy *dst (NULL
 * when absent). -1 with the reason set on any violation.
 */
static int
get_text(struct pctx *c, json_t *obj, const char *key, const char *path, int flags,
	 size_t maxcp, char **dst)
{
	json_t *v;
	size_t n;

	*dst = NULL;
	v = obj != NULL ? json_object_get(obj, key) : NULL;
	if (v != NULL && json_is_null(v) && (flags & F_NULL_ABSENT))
		v = NULL;
	if (v == NULL) {
		if (flags & F_REQ)
			return fail(c, path, "missing");
		return 0;
	}
	if (!json_is_string(v))
		return fail(c, path, "must be a string");
	if (check_string(c, v, path, maxcp, &n) == -1)
		return -1;
	if (n == 0) {
		if (flags & F_REQ)
			return fail(c, path, "empty");
		if (flags & F_EMPTY_ABSENT)
			return 0;
	}
	*dst = xstrdup(json_string_value(v));
	return 0;
}

/* obj.key as an object into *out (NULL when absent and optional). */
static int
get_object(struct pctx *c, json_t *obj, const char *key, const char *path, int flags,
	   json_t **out)
{
	json_t *v;

	*out = NULL;
	v = obj != NULL ? json_object_get(obj, key) : NULL;
	if (v == NULL) {
		if (flags & F_REQ)
			return fail(c, path, "missing");
		return 0;
	}
	if (!json_is_object(v))
		return fail(c, path, "must be an object");
	*out = v;
	return 0;
}

static int
get_bool(struct pctx *c, json_t *obj, const char *key, const char *path, enum tri *out)
{
	json_t *v;

	*out = TRI_UNSET;
	v = obj != NULL ? json_object_get(obj, key) : NULL;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return fail(c, path, "must be a boolean");
	*out = json_is_true(v) ? TRI_TRUE : TRI_FALSE;
	return 0;
}

/* obj.key as a name of the model (model.h) whose code is > 0; *out gets the
 * code, 0 when absent. */
static int
get_enum(struct pctx *c, json_t *obj, const char *key, const char *path, int flags,
	 int (*parse)(const char *), int *out)
{
	char *s = NULL;
	int ret = -1, v;

	*out = 0;
	if (get_text(c, obj, key, path, flags, MAX_SHORT, &s) == -1)
		goto out;
	if (s == NULL) {
		ret = 0;
		goto out;
	}
	if ((v = parse(s)) > 0) {
		*out = v;
		ret = 0;
		goto out;
	}
	fail(c, path, "unknown value");
out:
	free(s);
	return ret;
}

/* A text (get_text()) that valid() accepts, else "path: why". */
static int
get_valid(struct pctx *c, json_t *obj, const char *key, const char *path, int flags,
	  size_t maxcp, int (*valid)(const char *), const char *why, char **dst)
{
	if (get_text(c, obj, key, path, flags, maxcp, dst) == -1)
		return -1;
	if (*dst != NULL && valid(*dst) == -1)
		return fail(c, path, why);
	return 0;
}

static int
get_id(struct pctx *c, json_t *obj, const char *key, const char *path, char **dst)
{
	return get_valid(c, obj, key, path, F_REQ, MAX_ID, event_valid_student_id,
			 "bad characters", dst);
}

static int
get_email(struct pctx *c, json_t *obj, const char *key, const char *path, int flags, char **dst)
{
	return get_valid(c, obj, key, path, flags, MAX_EMAIL, event_valid_email, "invalid", dst);
}

static int
get_phone(struct pctx *c, json_t *obj, const char *key, const char *path, int flags, char **dst)
{
	return get_valid(c, obj, key, path, flags, MAX_SHORT, event_valid_phone, "invalid", dst);
}

/* locale: absent leaves out untouched. */
static int
get_locale(struct pctx *c, json_t *obj, const char *path, char out[3])
{
	char *s = NULL;
	int ret = -1;

	if (get_text(c, obj, "locale", path, 0, MAX_SHORT, &s) == -1)
		goto out;
	if (s != NULL) {
		if (strcmp(s, "fr") != 0 && strcmp(s, "en") != 0) {
			fail(c, path, "must be fr or en");
			goto out;
		}
		memcpy(out, s, 3);
	}
	ret = 0;
out:
	free(s);
	return ret;
}

static int
get_consent(struct pctx *c, json_t *obj, const char *path, const char *path_sms,
	    const char *path_email, enum tri *sms, enum tri *email)
{
	json_t *o;

	*sms = *email = TRI_UNSET;
	if (get_object(c, obj, "consent", path, 0, &o) == -1)
		return -1;
	if (o == NULL)
		return 0;
	if (get_bool(c, o, "sms", path_sms, sms) == -1 ||
	    get_bool(c, o, "email", path_email, email) == -1)
		return -1;
	return 0;
}

static int
get_time(struct pctx *c, json_t *obj, const char *key, const char *path, int flags,
	 int64_t *t, bool *has)
{
	char *s = NULL;
	int ret = -1;

	*has = false;
	if (get_text(c, obj, key, path, flags, MAX_SHORT, &s) == -1)
		goto out;
	if (s != NULL) {
		if (rfc3339_parse(s, t) == -1) {
			fail(c, path, "not RFC 3339");
			goto out;
		}
		*has = true;
	}
	ret = 0;
out:
	free(s);
	return ret;
}

/* "YYYY-MM-DD" shape, real or not. */
static int
date_shaped(const char *s)
{
	static const char shape[] = "dddd-dd-dd";

	if (strlen(s) != 10)
		return 0;
	for (int i = 0; i < 10; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
			return 0;
	}
	return 1;
}

/* --- data sections ------------------------------------------------------ */

static int
parse_exam(struct pctx *c, json_t *data, struct ev_exam *x)
{
	json_t *st, *es, *pr, *exm, *adv;
	char *s = NULL;
	int ret = -1;

	memcpy(x->locale, "fr", 3);
	x->consent_sms = x->consent_email = TRI_UNSET;

	if (get_object(c, data, "student", "data.student", F_REQ, &st) == -1 ||
	    get_id(c, st, "id", "data.student.id", &x->student_id) == -1 ||
	    get_text(c, st, "given_name", "data.student.given_name", F_REQ, MAX_NAME,
		     &x->given_name) == -1 ||
	    get_text(c, st, "family_name", "data.student.family_name", F_EMPTY_ABSENT,
		     MAX_NAME, &x->family_name) == -1 ||
	    get_email(c, st, "email", "data.student.email", F_EMPTY_ABSENT, &x->email) == -1 ||
	    get_phone(c, st, "phone", "data.student.phone", F_EMPTY_ABSENT, &x->phone) == -1 ||
	    get_locale(c, st, "data.student.locale", x->locale) == -1 ||
	    get_consent(c, st, "data.student.consent", "data.student.consent.sms",
			"data.student.consent.email", &x->consent_sms, &x->consent_email) == -1)
		goto out;
	if (x->email == NULL && x->phone == NULL) {
		fail(c, "data.student", "email or phone required");
		goto out;
	}

	if (get_object(c, data, "establishment", "data.establishment", F_REQ, &es) == -1 ||
	    get_text(c, es, "uai", "data.establishment.uai", F_REQ, MAX_SHORT, &s) == -1)
		goto out;
	if (event_valid_uai(s) == -1) {
		fail(c, "data.establishment.uai", "invalid");
		goto out;
	}
	for (int i = 0; i < 8; i++)
		x->uai[i] = i == 7 && s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
	x->uai[8] = '\0';
	xfree(s);
	if (get_text(c, es, "name", "data.establishment.name", F_EMPTY_ABSENT, MAX_LABEL,
		     &x->establishment_name) == -1)
		goto out;

	if (get_object(c, data, "programme", "data.programme", 0, &pr) == -1 ||
	    get_text(c, pr, "code", "data.programme.code", F_EMPTY_ABSENT, MAX_SHORT,
		     &x->programme_code) == -1 ||
	    get_text(c, pr, "label", "data.programme.label", F_EMPTY_ABSENT, MAX_LABEL,
		     &x->programme_label) == -1)
		goto out;

	if (get_object(c, data, "exam", "data.exam", F_REQ, &exm) == -1 ||
	    get_text(c, exm, "session", "data.exam.session", F_EMPTY_ABSENT, MAX_SHORT,
		     &x->session) == -1 ||
	    get_text(c, exm, "last_exam_on", "data.exam.last_exam_on", F_REQ, MAX_SHORT,
		     &s) == -1)
		goto out;
	if (date_parse(s, &x->last_exam_on) == -1) {
		fail(c, "data.exam.last_exam_on",
		     date_shaped(s) ? "not a real date" : "must be YYYY-MM-DD");
		goto out;
	}
	xfree(s);

	if (get_object(c, data, "adviser", "data.adviser", F_REQ, &adv) == -1 ||
	    get_id(c, adv, "id", "data.adviser.id", &x->adviser_id) == -1 ||
	    get_text(c, adv, "name", "data.adviser.name", F_EMPTY_ABSENT, MAX_NAME,
		     &x->adviser_name) == -1 ||
	    get_email(c, adv, "email", "data.adviser.email", F_EMPTY_ABSENT,
		      &x->adviser_email) == -1)
		goto out;
	ret = 0;
out:
	free(s);
	return ret;
}

static int
parse_attendance(struct pctx *c, json_t *data, struct ev_attendance *a)
{
	int kind, status, sit;
	int64_t t = 0;
	bool has_t;

	if (get_id(c, data, "student_id", "data.student_id", &a->student_id) == -1 ||
	    get_text(c, data, "appointment_uid", "data.appointment_uid", 0, MAX_UID,
		     &a->appointment_uid) == -1 ||
	    get_enum(c, data, "kind", "data.kind", 0, appt_kind_parse, &kind) == -1 ||
	    get_time(c, data, "starts_at", "data.starts_at", 0, &t, &has_t) == -1 ||
	    get_enum(c, data, "status", "data.status", F_REQ, attendance_parse, &status) == -1 ||
	    get_enum(c, data, "situation", "data.situation", 0, situation_parse, &sit) == -1)
		return -1;
	if (a->appointment_uid != NULL && a->appointment_uid[0] == '\0')
		return fail(c, "data.appointment_uid", "empty");
	if (a->appointment_uid == NULL) {
		if (kind == 0 && !has_t)
			return fail(c, "data", "appointment_uid or kind and starts_at required");
		if (kind == 0)
			return fail(c, "data.kind", "missing");
		if (!has_t)
			return fail(c, "data.starts_at", "missing");
		a->kind = (enum appt_kind)kind;
		a->starts_at = t;
	}
	a->status = (enum attendance_status)status;
	a->situation = (enum situation)sit;
	return 0;
}

static int
parse_update(struct pctx *c, json_t *data, struct ev_update *u)
{
	char *s = NULL;
	int ret = -1;

	u->locale[0] = '\0';
	if (get_id(c, data, "student_id", "data.student_id", &u->student_id) == -1 ||
	    get_email(c, data, "email", "data.email", 0, &u->email) == -1 ||
	    get_phone(c, data, "phone", "data.phone", 0, &u->phone) == -1 ||
	    get_locale(c, data, "data.locale", u->locale) == -1 ||
	    get_consent(c, data, "data.consent", "data.consent.sms", "data.consent.email",
			&u->consent_sms, &u->consent_email) == -1 ||
	    get_text(c, data, "follow_up", "data.follow_up", 0, MAX_SHORT, &s) == -1)
		goto out;
	if (s != NULL) {
		if (strcmp(s, "stop") != 0) {
			fail(c, "data.follow_up", "must be stop");
			goto out;
		}
		u->stop = true;
	}
	if (u->email == NULL && u->phone == NULL && u->locale[0] == '\0' &&
	    u->consent_sms == TRI_UNSET && u->consent_email == TRI_UNSET && !u->stop) {
		fail(c, "data", "nothing to update");
		goto out;
	}
	ret = 0;
out:
	free(s);
	return ret;
}

/* --- envelope ----------------------------------------------------------- */

/* RFC 3986 URI-reference characters: printable ASCII minus space and
 * "<>\^`{|}, with '%' followed by two hex digits. */
static int
uri_reference_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p) != NULL)
			return 0;
		if (*p == '%') {
			if (!((p[1] >= '0' && p[1] <= '9') || (p[1] >= 'a' && p[1] <= 'f') ||
			      (p[1] >= 'A' && p[1] <= 'F')) ||
			    !((p[2] >= '0' && p[2] <= '9') || (p[2] >= 'a' && p[2] <= 'f') ||
			      (p[2] >= 'A' && p[2] <= 'F')))
				return 0;
		}
	}
	return 1;
}

/* "application/json", any case, optionally followed by ";parameters". */
static int
content_type_json(const char *s)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, want, n) != 0)
		return 0;
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0' || *s == ';';
}

#define AP(c, name)	((c)->binary ? "ce_" name : name)

static int
parse_envelope(struct pctx *c, json_t *env, struct event *ev)
{
	char *s = NULL;
	int ret = -1, k;

	if (get_text(c, env, "specversion", AP(c, "specversion"), F_REQ, MAX_SHORT, &s) == -1)
		goto out;
	if (strcmp(s, "1.0") != 0) {
		fail(c, AP(c, "specversion"), "must be 1.0");
		goto out;
	}
	xfree(s);
	if (get_text(c, env, "id", AP(c, "id"), F_REQ | F_NULL_ABSENT, 128, &ev->id) == -1 ||
	    get_text(c, env, "source", AP(c, "source"), F_REQ | F_NULL_ABSENT, 256,
		     &ev->source) == -1)
		goto out;
	if (!uri_reference_ok(ev->source)) {
		fail(c, AP(c, "source"), "not a URI reference");
		goto out;
	}
	if (get_text(c, env, "type", AP(c, "type"), F_REQ | F_NULL_ABSENT, 256, &ev->type) == -1)
		goto out;
	if ((k = event_type_parse(ev->type)) > 0)
		ev->kind = (enum event_type)k;
	else {
		fail(c, NULL, "unknown type");
		goto out;
	}
	if (get_time(c, env, "time", AP(c, "time"), F_NULL_ABSENT, &ev->time,
		     &ev->has_time) == -1 ||
	    get_text(c, env, "subject", AP(c, "subject"), F_NULL_ABSENT | F_EMPTY_ABSENT, 256,
		     &ev->subject) == -1 ||
	    get_text(c, env, "datacontenttype",
		     c->binary ? "content-type" : "datacontenttype", F_NULL_ABSENT, 256,
		     &s) == -1)
		goto out;
	if (s != NULL && !content_type_json(s)) {
		fail(c, c->binary ? "content-type" : "datacontenttype",
		     "must be application/json");
		goto out;
	}
	ret = 0;
out:
	free(s);
	return ret;
}

/* Every string and key of v (unknown fields too): UTF-8, no control chars. */
static int
walk(struct pctx *c, json_t *v, const char *path)
{
	const char *key;
	json_t *m;
	size_t i, n;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, key, m) {
			if (event_text_check((const unsigned char *)key, strlen(key), 1, &n) != 0)
				return fail(c, path, text_fault(key, strlen(key)));
			if (walk(c, m, path) == -1)
				return -1;
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, m) {
			if (walk(c, m, path) == -1)
				return -1;
		}
		break;
	case JSON_STRING:
		if (event_text_check((const unsigned char *)json_string_value(v),
			       json_string_length(v), 1, &n) != 0)
			return fail(c, path, text_fault(json_string_value(v), json_string_length(v)));
		break;
	default:
		break;
	}
	return 0;
}

/* --- binary mode -------------------------------------------------------- */

static const struct {
	const char *header, *attr;
} binary_map[] = {
	{ "ce_specversion", "specversion" },
	{ "ce_id", "id" },
	{ "ce_source", "source" },
	{ "ce_type", "type" },
	{ "ce_time", "time" },
	{ "ce_subject", "subject" },
	{ "content-type", "datacontenttype" },
};

static bool
has_header(const struct event_header *h, size_t nh, const char *name)
{
	for (size_t i = 0; i < nh; i++) {
		if (h[i].name != NULL && strcasecmp(h[i].name, name) == 0)
			return true;
	}
	return false;
}

/* Builds the envelope object from ce_* headers; data is added by caller. */
static json_t *
binary_envelope(struct pctx *c, const struct event_header *h, size_t nh)
{
	json_t *env = json_object(), *v;

	if (env == NULL) {
		fail(c, NULL, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < nh; i++) {
		size_t k;
		const char *val;
		size_t len;

		if (h[i].name == NULL)
			continue;
		for (k = 0; k < ARRAY_SIZE(binary_map); k++) {
			if (strcasecmp(h[i].name, binary_map[k].header) == 0)
				break;
		}
		if (k == ARRAY_SIZE(binary_map))
			continue;
		if (json_object_get(env, binary_map[k].attr) != NULL) {
			fail(c, binary_map[k].header, "duplicate header");
			goto bad;
		}
		val = h[i].value != NULL ? h[i].value : "";
		len = h[i].value != NULL ? h[i].len : 0;
		if (len > EVENT_MAX_SIZE) {
			fail(c, binary_map[k].header, "too long");
			goto bad;
		}
		if (event_text_check((const unsigned char *)val, len, 0, NULL) != 0) {
			fail(c, binary_map[k].header, "invalid UTF-8");
			goto bad;
		}
		/* json_stringn keeps embedded NULs: text checks see them. */
		v = json_stringn(val, len);
		if (v == NULL || json_object_set_new(env, binary_map[k].attr, v) == -1) {
			fail(c, binary_map[k].header, "invalid");
			goto bad;
		}
	}
	return env;
bad:
	json_decref(env);
	return NULL;
}

/* --- public ------------------------------------------------------------- */

struct event *
event_parse(const void *value, size_t len, const struct event_header *headers,
	    size_t nheaders, char *err, size_t errlen)
{
	struct pctx c = { err, errlen, false };
	struct event *ev = NULL, *ret = NULL;
	json_t *root = NULL, *env = NULL, *data;
	json_error_t jerr;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (headers != NULL && has_header(headers, nheaders, "ce_specversion"))
		c.binary = true;
	if (value == NULL || len == 0) {
		fail(&c, NULL, "empty message");
		goto out;
	}
	if (len > EVENT_MAX_SIZE) {
		fail(&c, NULL, "message too large");
		goto out;
	}
	if (event_text_check(value, len, 0, NULL) != 0) {
		fail(&c, NULL, "invalid UTF-8");
		goto out;
	}
	root = json_loadb(value, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL) {
		fail(&c, NULL, json_error_code(&jerr) == json_error_duplicate_key ?
			       "duplicate key" : "invalid JSON");
		goto out;
	}
	if (c.binary) {
		env = binary_envelope(&c, headers, nheaders);
		if (env == NULL)
			goto out;
		if (json_object_set(env, "data", root) == -1) {
			fail(&c, NULL, "out of memory");
			goto out;
		}
	} else {
		if (!json_is_object(root)) {
			fail(&c, NULL, "not an object");
			goto out;
		}
		env = json_incref(root);
	}

	ev = xcalloc(1, sizeof(*ev));
	if (parse_envelope(&c, env, ev) == -1)
		goto out;
	if (get_object(&c, env, "data", "data", F_REQ, &data) == -1)
		goto out;
	switch (ev->kind) {
	case EV_EXAM_COMPLETED:
		if (parse_exam(&c, data, &ev->u.exam) == -1)
			goto out;
		break;
	case EV_ATTENDANCE_RECORDED:
		if (parse_attendance(&c, data, &ev->u.att) == -1)
			goto out;
		break;
	case EV_STUDENT_UPDATED:
		if (parse_update(&c, data, &ev->u.upd) == -1)
			goto out;
		break;
	}
	/* Unknown fields: allowed, but no control characters either. */
	if (walk(&c, data, "data") == -1)
		goto out;
	json_object_del(env, "data");
	if (walk(&c, env, "envelope") == -1)
		goto out;
	ret = ev;
	ev = NULL;
out:
	event_free(ev);
	json_decref(env);
	json_decref(root);
	return ret;
}

void
event_free(struct event *ev)
{
	if (ev == NULL)
		return;
	switch (ev->kind) {
	case EV_EXAM_COMPLETED: {
		struct ev_exam *x = &ev->u.exam;
		free(x->student_id);
		free(x->given_name);
		free(x->family_name);
		free(x->email);
		free(x->phone);
		free(x->establishment_name);
		free(x->programme_code);
		free(x->programme_label);
		free(x->session);
		free(x->adviser_id);
		free(x->adviser_name);
		free(x->adviser_email);
		break;
	}
	case EV_ATTENDANCE_RECORDED:
		free(ev->u.att.student_id);
		free(ev->u.att.appointment_uid);
		break;
	case EV_STUDENT_UPDATED:
		free(ev->u.upd.student_id);
		free(ev->u.upd.email);
		free(ev->u.upd.phone);
		break;
	}
	free(ev->id);
	free(ev->source);
	free(ev->type);
	free(ev->subject);
	free(ev);
}
