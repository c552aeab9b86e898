/*
 * event.h — CloudEvents 1.0 (structured JSON and binary mode) into a
 * validated struct event, per contract section 1. Pure: no I/O, no store.
 *
 * Every rule of section 1 is checked here; a rejected message gets one short
 * reason without personal data (it becomes the relance-error header and the
 * log line).
 */
#ifndef RELANCE_EVENT_H
#define RELANCE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"


/* A tri-state for optional booleans. */
enum tri { TRI_UNSET = -1, TRI_FALSE = 0, TRI_TRUE = 1 };

/* All strings are owned by the event and NUL-terminated UTF-8; absent
 * optional strings are NULL. */
struct ev_exam {
	char *student_id, *given_name, *family_name, *email, *phone;
	char locale[3];            /* "fr" (default) or "en" */
	enum tri consent_sms, consent_email;  /* unset: configured default */
	char uai[9];
	char *establishment_name;
	char *programme_code, *programme_label;
	char *session;
	int32_t last_exam_on;      /* civil day */
	char *adviser_id, *adviser_name, *adviser_email;
};

struct ev_attendance {
	char *student_id;
	char *appointment_uid;     /* either this ... */
	enum appt_kind kind;       /* ... or kind + starts_at (0 if uid given) */
	int64_t starts_at;
	enum attendance_status status;
	enum situation situation;
};

struct ev_update {
	char *student_id;
	char *email, *phone;       /* NULL: unchanged */
	char locale[3];            /* "" unchanged */
	enum tri consent_sms, consent_email;
	bool stop;                 /* follow_up: "stop" */
};

struct event {
	char *id, *source, *type, *subject;
	int64_t time;              /* 0 when absent */
	bool has_time;
	enum event_type kind;
	union {
		struct ev_exam exam;
		struct ev_attendance att;
		struct ev_update upd;
	} u;
};

/* One Kafka header, for binary mode (ce_* headers). */
struct event_header {
	const char *name;
	const void *value;
	size_t len;
};

/*
 * Parses one Kafka message. In binary mode (a ce_specversion header is
 * present) the envelope comes from ce_* headers and the value is the data
 * object. Returns a new event, or NULL with a short reason in err
 * (e.g. "invalid JSON", "data.student.id: bad characters").
 */
struct event *event_parse(const void *value, size_t len,
			  const struct event_header *headers, size_t nheaders,
			  char *err, size_t errlen);
void event_free(struct event *ev);


/* Validators shared with other modules (0 valid, -1 not). */
int event_valid_email(const char *s);
/* 1 when code point cp is a Unicode format character (category Cf: soft
 * hyphen, zero-width and bidi controls, BOM...): refused in every text of
 * an event ("format character"), escaped by relancectl. */
int event_is_format_char(uint32_t cp);
int event_valid_phone(const char *s);   /* E.164: + then 8..15 digits, no leading 0 */
int event_valid_uai(const char *s);     /* 7 digits + 1 letter */
int event_valid_student_id(const char *s);

#endif
