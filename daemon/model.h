/*
 * model.h — the domain model: every status, kind and channel of relance,
 * its stored code and its one name. Written down once here, as X-macro
 * lists; the enums, model.c's name tables, the store's bound values,
 * relancectl's output, the feeds and tests/lib.sh (which reads this file
 * with awk: keep one X(...) per line) all come from these lists.
 *
 * Pure: no I/O. The codes are stored in SQLite: never renumber one.
 */
#ifndef RELANCE_MODEL_H
#define RELANCE_MODEL_H

/* Appointment status (appointments.status). */
#define APPT_STATUS_LIST(X) \
	X(APPT_CONFIRMED, 1, "confirmed") \
	X(APPT_CANCELLED, 2, "cancelled") \
	X(APPT_ATTENDED, 3, "attended") \
	X(APPT_MISSED, 4, "missed") \
	X(APPT_EXCUSED, 5, "excused")

/* Appointment kind (appointments.kind, attendance events' data.kind). */
#define APPT_KIND_LIST(X) \
	X(KIND_CHECKIN, 1, "check-in") \
	X(KIND_DROPIN, 2, "drop-in") \
	X(KIND_WORKSHOP, 3, "workshop")

/* Reminder status (reminders.status). REM_SKIPPED: not sent because a
 * later reminder of the same appointment and channel was due at the same
 * time (after an outage), which went instead. */
#define REM_STATUS_LIST(X) \
	X(REM_PENDING, 0, "pending") \
	X(REM_SENT, 1, "sent") \
	X(REM_FAILED, 2, "failed") \
	X(REM_CANCELLED, 3, "cancelled") \
	X(REM_SENDING, 4, "sending") \
	X(REM_SKIPPED, 5, "skipped")

/* Reminder kind (reminders.kind): to the student, or an alert to the adviser. */
#define REM_KIND_LIST(X) \
	X(REM_REMINDER, 1, "reminder") \
	X(REM_ALERT_ABSENCES, 2, "alert-absences") \
	X(REM_ALERT_LOST, 3, "alert-lost") \
	X(REM_ACK_CONFIRMED, 4, "ack-confirmed") \
	X(REM_ACK_CANCELLED, 5, "ack-cancelled") \
	X(REM_ACK_MESSAGE, 6, "ack-message") \
	X(REM_ALERT_MESSAGES, 7, "alert-messages")

/* Delivery channel (reminders.channel, attempts.channel). */
#define CHANNEL_LIST(X) \
	X(CH_SMS, 1, "sms") \
	X(CH_EMAIL, 2, "email")

/* Event kind (the CloudEvents type). */
#define EVENT_TYPE_LIST(X) \
	X(EV_EXAM_COMPLETED, 1, "avenirpro.exam.completed") \
	X(EV_ATTENDANCE_RECORDED, 2, "avenirpro.attendance.recorded") \
	X(EV_STUDENT_UPDATED, 3, "avenirpro.student.updated")

/* Attendance status (attendance events' data.status, attendance.status). */
#define ATTENDANCE_LIST(X) \
	X(ATT_PRESENT, 1, "present") \
	X(ATT_ABSENT, 2, "absent") \
	X(ATT_EXCUSED, 3, "excused")

/* Situation of a student at a check-in (SIT_NONE: none recorded). */
#define SITUATION_LIST(X) \
	X(SIT_NONE, 0, "none") \
	X(SIT_EMPLOYED, 1, "employed") \
	X(SIT_TRAINING, 2, "training") \
	X(SIT_SEEKING, 3, "seeking") \
	X(SIT_UNKNOWN, 4, "unknown")

/* Who expressed a student's current consent on a channel
 * (students.consent_sms_by, consent_email_by). */
#define CONSENT_BY_LIST(X) \
	X(CONSENT_DEFAULT, 0, "default") \
	X(CONSENT_EXAM, 1, "exam.completed") \
	X(CONSENT_UPDATE, 2, "student.updated") \
	X(CONSENT_STOP, 3, "stop-reply")

/* A student's answer (contract section 8; appointments.answer holds the
 * last of confirmed/cancelled, ANSWER_NONE when none; a move is counted in
 * appointments.moves; student_messages hold ANSWER_MESSAGE). */
#define ANSWER_LIST(X) \
	X(ANSWER_NONE, 0, "none") \
	X(ANSWER_CONFIRMED, 1, "confirmed") \
	X(ANSWER_CANCELLED, 2, "cancelled") \
	X(ANSWER_MOVED, 3, "moved") \
	X(ANSWER_MESSAGE, 4, "message")

/* Where an answer came from. */
#define ANSWER_VIA_LIST(X) \
	X(VIA_WEB, 1, "web") \
	X(VIA_SMS, 2, "sms")

#define MODEL_ENUM_(id, code, name) id = code,
enum appt_status { APPT_STATUS_LIST(MODEL_ENUM_) };
enum appt_kind { APPT_KIND_LIST(MODEL_ENUM_) };
enum rem_status { REM_STATUS_LIST(MODEL_ENUM_) };
enum rem_kind { REM_KIND_LIST(MODEL_ENUM_) };
enum channel { CHANNEL_LIST(MODEL_ENUM_) };
enum event_type { EVENT_TYPE_LIST(MODEL_ENUM_) };
enum attendance_status { ATTENDANCE_LIST(MODEL_ENUM_) };
enum situation { SITUATION_LIST(MODEL_ENUM_) };
enum consent_by { CONSENT_BY_LIST(MODEL_ENUM_) };
enum answer { ANSWER_LIST(MODEL_ENUM_) };
enum answer_via { ANSWER_VIA_LIST(MODEL_ENUM_) };
#undef MODEL_ENUM_

/* Upper bounds (largest code + 1), for arrays indexed by a code. */
#define APPT_STATUS_N 6
#define APPT_KIND_N 4
#define REM_STATUS_N 6
#define REM_KIND_N 8
#define CHANNEL_N 3
#define EVENT_TYPE_N 4
#define SITUATION_N 5
#define CONSENT_BY_N 4
#define ANSWER_N 5
#define ANSWER_VIA_N 3

/*
 * x_name(v): the name of a code ("unknown" for a code outside the list,
 * never NULL). x_parse(s): the code of a name, -1 for NULL or an unknown
 * name.
 */
const char *appt_status_name(int v);
const char *appt_kind_name(int v);
const char *rem_status_name(int v);
const char *rem_kind_name(int v);
const char *channel_name(int v);
const char *event_type_name(int v);
const char *attendance_name(int v);
const char *situation_name(int v);
const char *consent_by_name(int v);
const char *answer_name(int v);
const char *answer_via_name(int v);
int appt_status_parse(const char *s);
int appt_kind_parse(const char *s);
int rem_status_parse(const char *s);
int rem_kind_parse(const char *s);
int channel_parse(const char *s);
int event_type_parse(const char *s);
int attendance_parse(const char *s);
int situation_parse(const char *s);
int consent_by_parse(const char *s);
int answer_parse(const char *s);
int answer_via_parse(const char *s);

#endif
