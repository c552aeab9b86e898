/*
 * check_policy.c — unit tests of policy.c (contract sections 2 and 4):
 * every branch of the send-time verdict (with the verdict, the time and
 * the reason asserted), of the attendance transitions, of the reminders an
 * appointment gets, of the cancel rule, of consent precedence and of the
 * moves of a new exam.completed (pairing, write order, plausible
 * last_exam_on). Europe/Paris, quiet hours 20:00-08:00, reminders at 48 h
 * and 2 h, at most 3 a day.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "policy.h"
#include "store.h"
#include "util.h"

static struct config C;
static struct student S;
static struct appt A;
static struct reminder R;

static int64_t
T(const char *s)
{
	int64_t t;
	ck_assert_msg(rfc3339_parse(s, &t) == 0, "bad time %s", s);
	return t;
}

static void
setup(void)
{
	ck_assert_int_eq(tz_set("Europe/Paris"), 0);
	memset(&C, 0, sizeof C);
	C.smtp.url = (char *)"smtp://127.0.0.1:25";	/* both channels on */
	C.sms.url = (char *)"http://127.0.0.1:13013/cgi-bin/sendsms";
	C.reminders.noffsets = 2;
	C.reminders.offsets[0].secs = 48 * 3600;
	C.reminders.offsets[1].secs = 2 * 3600;
	C.reminders.quiet = (struct timerange){ 20 * 60, 8 * 60 };
	C.reminders.max_per_day = 3;

	memset(&S, 0, sizeof S);
	S.id = (char *)"S1";
	S.email = (char *)"s1@example.org";
	S.phone = (char *)"+33612345678";
	S.consent_sms = S.consent_email = 1;
	S.adviser_id = (char *)"adv1";

	memset(&A, 0, sizeof A);
	A.id = 7;
	A.student_id = (char *)"S1";
	A.adviser_id = (char *)"adv1";
	A.kind = KIND_CHECKIN;
	A.status = APPT_CONFIRMED;
	A.starts_at = T("2026-07-10T10:00:00+02:00");
	A.ends_at = A.starts_at + 1800;
	A.plan_index = 0;

	memset(&R, 0, sizeof R);
	R.id = 1;
	R.appointment_id = 7;
	R.student_id = (char *)"S1";
	R.channel = CH_SMS;
	R.kind = REM_REMINDER;
	R.status = REM_PENDING;
}

/* The verdict on R at now with the fixture's student and appointment. */
static struct policy_verdict
judge(int64_t now, int sent_today)
{
	struct policy_send_input in = { .r = &R, .s = &S, .a = &A, .sent_today = sent_today,
					 .adviser_email = 1 };
	return policy_send_verdict(&C, &in, now);
}

static void
expect(struct policy_verdict v, enum policy_action action, int64_t at, const char *reason)
{
	ck_assert_msg(v.action == action, "verdict %s, expected %s", policy_action_name(v.action),
		      policy_action_name(action));
	ck_assert_int_eq(v.at, at);
	if (reason == NULL)
		ck_assert_ptr_null(v.reason);
	else
		ck_assert_str_eq(v.reason, reason);
}

/* ---- send-time verdict ------------------------------------------------------ */

START_TEST(test_send)
{
	expect(judge(T("2026-07-09T10:00:00+02:00"), 0), POLICY_SEND, 0, NULL);
	/* under the cap */
	expect(judge(T("2026-07-09T10:00:00+02:00"), 2), POLICY_SEND, 0, NULL);
	/* no cap */
	C.reminders.max_per_day = 0;
	expect(judge(T("2026-07-09T10:00:00+02:00"), 50), POLICY_SEND, 0, NULL);
	/* email on an email reminder */
	R.channel = CH_EMAIL;
	expect(judge(T("2026-07-09T10:00:00+02:00"), 0), POLICY_SEND, 0, NULL);
}
END_TEST

START_TEST(test_unknown_student)
{
	struct policy_send_input in = { .r = &R, .s = NULL, .a = &A };
	expect(policy_send_verdict(&C, &in, T("2026-07-09T10:00:00+02:00")), POLICY_CANCEL, 0,
	       "unknown student");
	/* alerts too */
	R.kind = REM_ALERT_LOST;
	expect(policy_send_verdict(&C, &in, T("2026-07-09T10:00:00+02:00")), POLICY_CANCEL, 0,
	       "unknown student");
}
END_TEST

START_TEST(test_alerts)
{
	int64_t now = T("2026-07-09T23:00:00+02:00");   /* quiet hours: alerts go anyway */
	struct policy_send_input in = { .r = &R, .s = &S, .a = NULL, .sent_today = 99,
					 .adviser_email = 1 };

	R.kind = REM_ALERT_ABSENCES;
	R.channel = CH_SMS;
	expect(policy_send_verdict(&C, &in, now), POLICY_FAIL, 0, "alerts go by email");
	R.channel = CH_EMAIL;
	in.adviser_email = 0;
	expect(policy_send_verdict(&C, &in, now), POLICY_FAIL, 0, "adviser has no email address");
	in.adviser_email = 1;
	expect(policy_send_verdict(&C, &in, now), POLICY_SEND, 0, NULL);
	/* a stopped student's alert, about a cancelled appointment, still goes */
	R.kind = REM_ALERT_LOST;
	S.stopped = 1;
	A.status = APPT_CANCELLED;
	in.a = &A;
	expect(policy_send_verdict(&C, &in, now), POLICY_SEND, 0, NULL);
}
END_TEST

/* Acknowledgements of a student's reply: sent in quiet hours and over
 * the daily cap, whatever the appointment (a cancelled one is what a
 * "NON" acknowledges) or the follow-up; never without SMS consent. */
START_TEST(test_acks)
{
	int64_t now = T("2026-07-09T23:00:00+02:00");   /* quiet hours */
	struct policy_send_input in = { .r = &R, .s = &S, .a = &A, .sent_today = 99 };
	static const int kinds[] = { REM_ACK_CONFIRMED, REM_ACK_CANCELLED, REM_ACK_MESSAGE };

	for (size_t i = 0; i < 3; i++) {
		R.kind = kinds[i];
		R.channel = CH_SMS;
		R.due_at = now - 60;
		S.consent_sms = 1;
		S.stopped = 0;
		A.status = APPT_CONFIRMED;
		in.a = &A;
		expect(policy_send_verdict(&C, &in, now), POLICY_SEND, 0, NULL);
		/* over the cap in the day too */
		expect(policy_send_verdict(&C, &in, T("2026-07-09T10:00:00+02:00")), POLICY_SEND, 0,
		       NULL);
		A.status = APPT_CANCELLED;
		expect(policy_send_verdict(&C, &in, now), POLICY_SEND, 0, NULL);
		in.a = NULL;            /* a message with no appointment */
		expect(policy_send_verdict(&C, &in, now), POLICY_SEND, 0, NULL);
		S.stopped = 1;
		expect(policy_send_verdict(&C, &in, now), POLICY_SEND, 0, NULL);
		/* after a STOP: not sent */
		S.consent_sms = 0;
		expect(policy_send_verdict(&C, &in, now), POLICY_CANCEL, 0, "no SMS consent or phone");
		S.consent_sms = 1;
		S.phone = NULL;
		expect(policy_send_verdict(&C, &in, now), POLICY_CANCEL, 0, "no SMS consent or phone");
		S.phone = (char *)"+33612345678";
		/* hours late (an outage): not sent */
		R.due_at = now - POLICY_ACK_MAX_LATE - 1;
		expect(policy_send_verdict(&C, &in, now), POLICY_CANCEL, 0, "acknowledgement too late");
		R.due_at = now - POLICY_ACK_MAX_LATE;
		expect(policy_send_verdict(&C, &in, now), POLICY_SEND, 0, NULL);
		R.channel = CH_EMAIL;
		expect(policy_send_verdict(&C, &in, now), POLICY_FAIL, 0, "acknowledgements go by SMS");
		/* the channel off: cancelled as any SMS */
		R.channel = CH_SMS;
		C.sms.url = NULL;
		expect(policy_send_verdict(&C, &in, now), POLICY_CANCEL, 0, "channel off: no [sms] url");
		C.sms.url = (char *)"http://127.0.0.1:13013/cgi-bin/sendsms";
	}
}
END_TEST

/* A digest of students' messages goes as the other alerts, when there is
 * still a message to mail. */
START_TEST(test_message_digest)
{
	int64_t now = T("2026-07-09T23:00:00+02:00");
	struct policy_send_input in = { .r = &R, .s = &S, .a = NULL, .adviser_email = 1,
					 .messages = 2 };

	R.kind = REM_ALERT_MESSAGES;
	R.channel = CH_EMAIL;
	expect(policy_send_verdict(&C, &in, now), POLICY_SEND, 0, NULL);
	in.adviser_email = 0;
	expect(policy_send_verdict(&C, &in, now), POLICY_FAIL, 0, "adviser has no email address");
	in.messages = 0;
	expect(policy_send_verdict(&C, &in, now), POLICY_CANCEL, 0,
	       "no student message left to mail");
}
END_TEST

START_TEST(test_appointment_gone)
{
	int64_t now = T("2026-07-09T10:00:00+02:00");
	struct policy_send_input in = { .r = &R, .s = &S, .a = NULL };

	expect(policy_send_verdict(&C, &in, now), POLICY_CANCEL, 0,
	       "appointment no longer confirmed");
	for (int st = APPT_CANCELLED; st <= APPT_EXCUSED; st++) {
		A.status = st;
		expect(judge(now, 0), POLICY_CANCEL, 0, "appointment no longer confirmed");
	}
}
END_TEST

START_TEST(test_appointment_started)
{
	expect(judge(A.starts_at, 0), POLICY_CANCEL, 0, "appointment started");
	expect(judge(A.ends_at + 3600, 0), POLICY_CANCEL, 0, "appointment started");
	/* one second before: still sent */
	expect(judge(A.starts_at - 1, 0), POLICY_SEND, 0, NULL);
}
END_TEST

START_TEST(test_stopped)
{
	S.stopped = 1;
	expect(judge(T("2026-07-09T10:00:00+02:00"), 0), POLICY_CANCEL, 0, "follow-up stopped");
}
END_TEST

START_TEST(test_consent_sms)
{
	int64_t now = T("2026-07-09T10:00:00+02:00");
	S.consent_sms = 0;
	expect(judge(now, 0), POLICY_CANCEL, 0, "no SMS consent or phone");
	S.consent_sms = 1;
	S.phone = NULL;
	expect(judge(now, 0), POLICY_CANCEL, 0, "no SMS consent or phone");
	/* the other channel's consent does not matter */
	S.phone = (char *)"+33612345678";
	S.consent_email = 0;
	expect(judge(now, 0), POLICY_SEND, 0, NULL);
}
END_TEST

START_TEST(test_consent_email)
{
	int64_t now = T("2026-07-09T10:00:00+02:00");
	R.channel = CH_EMAIL;
	S.consent_email = 0;
	expect(judge(now, 0), POLICY_CANCEL, 0, "no email consent or address");
	S.consent_email = 1;
	S.email = NULL;
	expect(judge(now, 0), POLICY_CANCEL, 0, "no email consent or address");
	S.email = (char *)"s1@example.org";
	S.consent_sms = 0;
	expect(judge(now, 0), POLICY_SEND, 0, NULL);
}
END_TEST

START_TEST(test_superseded)
{
	struct policy_send_input in = { .r = &R, .s = &S, .a = &A, .superseded = 1 };
	expect(policy_send_verdict(&C, &in, T("2026-07-09T10:00:00+02:00")), POLICY_SKIP, 0,
	       "skipped: a later reminder is due too");
	/* superseded wins over quiet hours (no deferral to 08:00) ... */
	expect(policy_send_verdict(&C, &in, T("2026-07-09T22:00:00+02:00")), POLICY_SKIP, 0,
	       "skipped: a later reminder is due too");
	/* ... and over the daily cap */
	in.sent_today = 3;
	expect(policy_send_verdict(&C, &in, T("2026-07-09T10:00:00+02:00")), POLICY_SKIP, 0,
	       "skipped: a later reminder is due too");
	/* not superseded: the cap applies */
	in.superseded = 0;
	expect(policy_send_verdict(&C, &in, T("2026-07-09T10:00:00+02:00")), POLICY_DEFER,
	       T("2026-07-10T08:00:00+02:00"), "daily cap reached");
	in.superseded = 1;
	in.sent_today = 0;
	/* consent withdrawn wins over superseded */
	S.consent_sms = 0;
	expect(policy_send_verdict(&C, &in, T("2026-07-09T10:00:00+02:00")), POLICY_CANCEL, 0,
	       "no SMS consent or phone");
	S.consent_sms = 1;
	/* an appointment started wins over superseded */
	expect(policy_send_verdict(&C, &in, A.starts_at), POLICY_CANCEL, 0, "appointment started");
	/* a cancelled appointment wins over superseded */
	A.status = APPT_CANCELLED;
	expect(policy_send_verdict(&C, &in, T("2026-07-09T10:00:00+02:00")), POLICY_CANCEL, 0,
	       "appointment no longer confirmed");
	/* adviser alerts are never superseded */
	A.status = APPT_CONFIRMED;
	R.kind = REM_ALERT_ABSENCES;
	R.channel = CH_EMAIL;
	in.adviser_email = 1;
	expect(policy_send_verdict(&C, &in, T("2026-07-09T10:00:00+02:00")), POLICY_SEND, 0, NULL);
}
END_TEST

START_TEST(test_quiet_defer)
{
	/* 22:00 the evening before a 10:00 appointment: at 08:00 */
	expect(judge(T("2026-07-09T22:00:00+02:00"), 0), POLICY_DEFER,
	       T("2026-07-10T08:00:00+02:00"), "quiet hours");
	/* 07:59 the same morning */
	expect(judge(T("2026-07-10T07:59:00+02:00"), 0), POLICY_DEFER,
	       T("2026-07-10T08:00:00+02:00"), "quiet hours");
	/* quiet hours win over the cap: deferred for the quiet hours */
	expect(judge(T("2026-07-09T22:00:00+02:00"), 3), POLICY_DEFER,
	       T("2026-07-10T08:00:00+02:00"), "quiet hours");
}
END_TEST

START_TEST(test_quiet_cancel)
{
	/* an appointment at 07:30: the quiet hours last until it starts */
	A.starts_at = T("2026-07-10T07:30:00+02:00");
	expect(judge(T("2026-07-09T22:00:00+02:00"), 0), POLICY_CANCEL, 0,
	       "quiet hours until the appointment");
	/* at 08:00 exactly: the end of the quiet hours is not before it */
	A.starts_at = T("2026-07-10T08:00:00+02:00");
	expect(judge(T("2026-07-10T06:00:00+02:00"), 0), POLICY_CANCEL, 0,
	       "quiet hours until the appointment");
}
END_TEST

START_TEST(test_cap_defer)
{
	/* 3 sent today at 10:00, appointment the next day at 10:00: tomorrow 08:00 */
	expect(judge(T("2026-07-09T10:00:00+02:00"), 3), POLICY_DEFER,
	       T("2026-07-10T08:00:00+02:00"), "daily cap reached");
	expect(judge(T("2026-07-09T19:59:00+02:00"), 4), POLICY_DEFER,
	       T("2026-07-10T08:00:00+02:00"), "daily cap reached");
}
END_TEST

START_TEST(test_cap_cancel)
{
	/* appointment later the same day: no next day before it */
	A.starts_at = T("2026-07-09T15:00:00+02:00");
	expect(judge(T("2026-07-09T10:00:00+02:00"), 3), POLICY_CANCEL, 0, "daily cap reached");
	/* next day at 08:00 exactly: not before it */
	A.starts_at = T("2026-07-10T08:00:00+02:00");
	expect(judge(T("2026-07-09T10:00:00+02:00"), 3), POLICY_CANCEL, 0, "daily cap reached");
	/* next day 09:00: after the end of the quiet hours, before it */
	A.starts_at = T("2026-07-10T09:00:00+02:00");
	expect(judge(T("2026-07-09T10:00:00+02:00"), 3), POLICY_DEFER,
	       T("2026-07-10T08:00:00+02:00"), "daily cap reached");
}
END_TEST

START_TEST(test_today_and_names)
{
	int64_t from, to;
	policy_today(T("2026-07-09T10:00:00+02:00"), &from, &to);
	ck_assert_int_eq(from, T("2026-07-09T00:00:00+02:00"));
	ck_assert_int_eq(to, T("2026-07-10T00:00:00+02:00"));
	/* the day of the DST change has 23 hours */
	policy_today(T("2026-03-29T12:00:00+02:00"), &from, &to);
	ck_assert_int_eq(to - from, 23 * 3600);
	ck_assert_str_eq(policy_action_name(POLICY_SEND), "send");
	ck_assert_str_eq(policy_action_name(POLICY_DEFER), "defer");
	ck_assert_str_eq(policy_action_name(POLICY_CANCEL), "cancel");
	ck_assert_str_eq(policy_action_name(POLICY_SKIP), "skip");
	ck_assert_str_eq(policy_action_name(POLICY_FAIL), "fail");
	ck_assert_str_eq(policy_action_name((enum policy_action)42), "unknown");
}
END_TEST

/* ---- attendance ------------------------------------------------------------- */

static struct policy_att_outcome
attend(enum attendance_status st, int absences, int alert_exists, int64_t now)
{
	struct policy_att_input in = { .a = &A, .student_id = "S1", .status = st,
				       .student_stopped = S.stopped, .absences = absences,
				       .alert_exists = alert_exists };
	return policy_attendance(&in, now);
}

START_TEST(test_att_reject)
{
	struct policy_att_input in = { .a = NULL, .student_id = "S1", .status = ATT_PRESENT };
	struct policy_att_outcome o = policy_attendance(&in, A.starts_at);
	ck_assert_str_eq(o.reject, "unknown appointment");
	/* another student's appointment */
	in.a = &A;
	in.student_id = "S2";
	o = policy_attendance(&in, A.starts_at);
	ck_assert_str_eq(o.reject, "unknown appointment");
	ck_assert_int_eq(o.update, 0);
	A.status = APPT_CANCELLED;
	o = attend(ATT_PRESENT, 0, 0, A.starts_at);
	ck_assert_str_eq(o.reject, "appointment cancelled");
	ck_assert_int_eq(o.update, 0);
	ck_assert_int_eq(o.replace, 0);
}
END_TEST

START_TEST(test_att_present)
{
	struct policy_att_outcome o = attend(ATT_PRESENT, 0, 0, A.ends_at);
	ck_assert_ptr_null(o.reject);
	ck_assert_int_eq(o.status, APPT_ATTENDED);
	ck_assert_int_eq(o.update, 1);
	ck_assert_str_eq(o.changed_by, "attendance:present");
	ck_assert_int_eq(o.correction, 0);
	ck_assert_int_eq(o.cancel_reminders, 1);
	ck_assert_int_eq(o.free_slot, 0);
	ck_assert_int_eq(o.replace, 0);
	ck_assert_ptr_null(o.no_replace);
	ck_assert_int_eq(o.alert, 0);
}
END_TEST

START_TEST(test_att_absent)
{
	struct policy_att_outcome o = attend(ATT_ABSENT, 1, 0, A.ends_at);
	ck_assert_int_eq(o.status, APPT_MISSED);
	ck_assert_int_eq(o.update, 1);
	ck_assert_str_eq(o.changed_by, "attendance:absent");
	ck_assert_int_eq(o.cancel_reminders, 1);
	ck_assert_int_eq(o.replace, 1);
	ck_assert_str_eq(o.replace_why, "replacement:absent");
	ck_assert_int_eq(o.alert, 0);
	/* the second consecutive absence raises the alert, once */
	o = attend(ATT_ABSENT, 2, 0, A.ends_at);
	ck_assert_int_eq(o.alert, 1);
	ck_assert_int_eq(o.replace, 1);
	o = attend(ATT_ABSENT, 3, 1, A.ends_at);
	ck_assert_int_eq(o.alert, 0);
}
END_TEST

START_TEST(test_att_excused)
{
	/* excused in advance: the check-in slot is free again */
	struct policy_att_outcome o = attend(ATT_EXCUSED, 5, 0, A.starts_at - 86400);
	ck_assert_int_eq(o.status, APPT_EXCUSED);
	ck_assert_str_eq(o.changed_by, "attendance:excused");
	ck_assert_int_eq(o.free_slot, 1);
	ck_assert_int_eq(o.replace, 1);
	ck_assert_str_eq(o.replace_why, "replacement:excused");
	ck_assert_int_eq(o.alert, 0);
	/* a drop-in frees no adviser slot */
	A.kind = KIND_DROPIN;
	o = attend(ATT_EXCUSED, 0, 0, A.starts_at - 86400);
	ck_assert_int_eq(o.free_slot, 0);
	/* nor a check-in without adviser */
	A.kind = KIND_CHECKIN;
	A.adviser_id = NULL;
	o = attend(ATT_EXCUSED, 0, 0, A.starts_at - 86400);
	ck_assert_int_eq(o.free_slot, 0);
}
END_TEST

START_TEST(test_att_no_replacement)
{
	struct policy_att_outcome o;

	A.replacements = POLICY_MAX_REPLACEMENTS;
	o = attend(ATT_ABSENT, 2, 0, A.ends_at);
	ck_assert_int_eq(o.replace, 0);
	ck_assert_str_eq(o.no_replace, "replacements exhausted");
	ck_assert_int_eq(o.alert, 1);
	/* a stopped student gets none, silently */
	A.replacements = 1;
	S.stopped = 1;
	o = attend(ATT_ABSENT, 1, 0, A.ends_at);
	ck_assert_int_eq(o.replace, 0);
	ck_assert_ptr_null(o.no_replace);
	ck_assert_int_eq(o.update, 1);
}
END_TEST

START_TEST(test_att_correction)
{
	struct policy_att_outcome o;

	A.status = APPT_MISSED;
	o = attend(ATT_PRESENT, 0, 0, A.ends_at);
	ck_assert_ptr_null(o.reject);
	ck_assert_int_eq(o.correction, 1);
	ck_assert_int_eq(o.update, 1);
	ck_assert_int_eq(o.status, APPT_ATTENDED);
	ck_assert_str_eq(o.changed_by, "attendance:correction");
	ck_assert_int_eq(o.cancel_reminders, 0);
	ck_assert_int_eq(o.replace, 0);
	ck_assert_int_eq(o.alert, 0);
	/* the same status again: nothing to write */
	o = attend(ATT_ABSENT, 2, 0, A.ends_at);
	ck_assert_int_eq(o.correction, 1);
	ck_assert_int_eq(o.update, 0);
	ck_assert_int_eq(o.replace, 0);
	ck_assert_int_eq(o.alert, 0);
}
END_TEST

START_TEST(test_consecutive_absences)
{
	struct appt v[6];
	static const enum appt_status st[] = { APPT_MISSED, APPT_ATTENDED, APPT_MISSED,
					       APPT_EXCUSED, APPT_CONFIRMED, APPT_MISSED };
	memset(v, 0, sizeof v);
	for (int i = 0; i < 6; i++) {
		v[i].id = i + 1;
		v[i].status = st[i];
	}
	/* 3 missed after an attended, an excused in between: 2 */
	ck_assert_int_eq(policy_consecutive_absences(v, 6, 5, APPT_MISSED), 2);
	/* up to id 3 only */
	ck_assert_int_eq(policy_consecutive_absences(v, 6, 3, APPT_MISSED), 1);
	/* id 5 read as attended: the run is broken */
	ck_assert_int_eq(policy_consecutive_absences(v, 6, 5, APPT_ATTENDED), 0);
	/* an unknown id: the whole list */
	ck_assert_int_eq(policy_consecutive_absences(v, 6, 99, APPT_MISSED), 2);
	ck_assert_int_eq(policy_consecutive_absences(v, 0, 1, APPT_MISSED), 0);
}
END_TEST

START_TEST(test_replacement_from)
{
	int32_t today, missed;
	int64_t now = T("2026-07-12T18:00:00+02:00"), nb;

	epoch_to_wall(now, &today, NULL);
	/* missed in the past: a check-in from tomorrow, a drop-in from now,
	 * the same day included (dropins_find takes the day before) */
	ck_assert_int_eq(policy_replacement_from(&A, now, &nb), today + 1);
	ck_assert_int_eq(nb, now);
	A.kind = KIND_DROPIN;
	ck_assert_int_eq(policy_replacement_from(&A, now, &nb), today - 1);
	ck_assert_int_eq(nb, now);
	/* excused in advance: never the day just excused for a check-in;
	 * for a drop-in, a slot after the one excused, that day included */
	A.kind = KIND_CHECKIN;
	A.starts_at = T("2026-07-20T10:00:00+02:00");
	A.ends_at = A.starts_at + 1200;
	epoch_to_wall(A.starts_at, &missed, NULL);
	ck_assert_int_eq(policy_replacement_from(&A, now, &nb), missed + 1);
	ck_assert_int_eq(nb, now);
	A.kind = KIND_DROPIN;
	ck_assert_int_eq(policy_replacement_from(&A, now, &nb), missed - 1);
	ck_assert_int_eq(nb, A.ends_at);
	/* recorded during the slot: after its end */
	ck_assert_int_eq(policy_replacement_from(&A, A.starts_at + 60, &nb), missed - 1);
	ck_assert_int_eq(nb, A.ends_at);
}
END_TEST

/* ---- a new exam.completed: moves ---------------------------------------------- */

START_TEST(test_exam_date_range)
{
	int64_t now = T("2026-12-04T10:00:00+01:00");
	int32_t today;

	epoch_to_wall(now, &today, NULL);
	C.checkins.last_exam_past = (struct span){ .secs = 730 * 86400LL };
	C.checkins.last_exam_future = (struct span){ .secs = 365 * 86400LL };
	ck_assert(policy_exam_date_ok(&C, today, now));
	ck_assert(policy_exam_date_ok(&C, today - 730, now));
	ck_assert(!policy_exam_date_ok(&C, today - 731, now));
	ck_assert(policy_exam_date_ok(&C, today + 365, now));
	ck_assert(!policy_exam_date_ok(&C, today + 366, now));
	/* 9999-12-31 and 1900-01-01 */
	ck_assert(!policy_exam_date_ok(&C, days_from_civil(9999, 12, 31), now));
	ck_assert(!policy_exam_date_ok(&C, days_from_civil(1900, 1, 1), now));

	/* The default, in calendar years (contract 1.1: "from two years
	 * before today to one year after"), across 29 February: on
	 * 2028-03-01, 2026-03-01 is 731 days back and still in range. */
	C.checkins.last_exam_past = (struct span){ .years = 2 };
	C.checkins.last_exam_future = (struct span){ .years = 1 };
	now = T("2028-03-01T10:00:00+01:00");
	ck_assert(policy_exam_date_ok(&C, days_from_civil(2026, 3, 1), now));
	ck_assert(!policy_exam_date_ok(&C, days_from_civil(2026, 2, 28), now));
	ck_assert(policy_exam_date_ok(&C, days_from_civil(2029, 3, 1), now));
	ck_assert(!policy_exam_date_ok(&C, days_from_civil(2029, 3, 2), now));
	/* today 29 February: two years back is 28 February */
	now = T("2028-02-29T10:00:00+01:00");
	ck_assert(policy_exam_date_ok(&C, days_from_civil(2026, 2, 28), now));
	ck_assert(!policy_exam_date_ok(&C, days_from_civil(2026, 2, 27), now));
	ck_assert(policy_exam_date_ok(&C, days_from_civil(2029, 2, 28), now));
	ck_assert(!policy_exam_date_ok(&C, days_from_civil(2029, 3, 1), now));
	/* today 2026-12-04: exactly two years back and one year on */
	now = T("2026-12-04T10:00:00+01:00");
	ck_assert(policy_exam_date_ok(&C, days_from_civil(2024, 12, 4), now));
	ck_assert(!policy_exam_date_ok(&C, days_from_civil(2024, 12, 3), now));
	ck_assert(policy_exam_date_ok(&C, days_from_civil(2027, 12, 4), now));
	ck_assert(!policy_exam_date_ok(&C, days_from_civil(2027, 12, 5), now));
}
END_TEST

/* Appointment i of a plan: a check-in of plan_index idx at start (30 min),
 * or a drop-in (idx -1) of window "w1" (20 min). */
static struct appt
mk(int idx, const char *start, int status)
{
	struct appt a;
	memset(&a, 0, sizeof a);
	a.student_id = (char *)"S1";
	a.adviser_id = (char *)"adv1";
	a.kind = idx < 0 ? KIND_DROPIN : KIND_CHECKIN;
	a.plan_index = idx;
	a.starts_at = T(start);
	a.ends_at = a.starts_at + (idx < 0 ? 1200 : 1800);
	a.status = status;
	a.window_key = idx < 0 ? (char *)"w1" : NULL;
	return a;
}

START_TEST(test_pair_plan)
{
	int64_t now = T("2026-07-01T12:00:00+02:00");
	struct appt old[6], want[5];
	int match[5];
	enum policy_fate fate[5];
	unsigned char cancel[6];

	old[0] = mk(0, "2026-06-30T10:00:00+02:00", APPT_ATTENDED);   /* past */
	old[1] = mk(1, "2026-07-20T10:00:00+02:00", APPT_CONFIRMED);  /* same time */
	old[2] = mk(2, "2026-08-20T10:00:00+02:00", APPT_CONFIRMED);  /* moves */
	old[3] = mk(3, "2026-12-20T10:00:00+01:00", APPT_CONFIRMED);  /* not wanted */
	old[4] = mk(-1, "2026-07-02T09:00:00+02:00", APPT_CONFIRMED); /* drop-in moves */
	old[5] = mk(2, "2026-08-21T10:00:00+02:00", APPT_CANCELLED);  /* cancelled before */
	want[0] = mk(0, "2026-07-06T09:00:00+02:00", APPT_CONFIRMED); /* no counterpart */
	want[1] = mk(1, "2026-07-20T10:00:00+02:00", APPT_CONFIRMED);
	want[2] = mk(2, "2026-08-21T10:00:00+02:00", APPT_CONFIRMED);
	want[3] = mk(-1, "2026-07-03T09:00:00+02:00", APPT_CONFIRMED);
	want[4] = mk(4, "2027-01-20T10:00:00+01:00", APPT_CONFIRMED); /* new index */
	ck_assert(!policy_replaceable(&old[0], now));
	ck_assert(policy_replaceable(&old[1], now));
	ck_assert(!policy_replaceable(&old[1], old[1].starts_at));
	ck_assert(!policy_replaceable(&old[5], now));
	policy_pair_plan(old, 6, want, 5, now, match, fate, cancel);
	ck_assert_int_eq(match[0], -1);
	ck_assert_int_eq(fate[0], POLICY_BOOK);
	ck_assert_int_eq(match[1], 1);
	ck_assert_int_eq(fate[1], POLICY_KEEP);
	ck_assert_int_eq(match[2], 2);
	ck_assert_int_eq(fate[2], POLICY_MOVE);
	ck_assert_int_eq(match[3], 4);
	ck_assert_int_eq(fate[3], POLICY_MOVE);
	ck_assert_int_eq(match[4], -1);
	ck_assert_int_eq(fate[4], POLICY_BOOK);
	/* only old[3] is cancelled: the past and the cancelled are not part
	 * of the plan replaced */
	ck_assert_int_eq(cancel[0], 0);
	ck_assert_int_eq(cancel[1], 0);
	ck_assert_int_eq(cancel[2], 0);
	ck_assert_int_eq(cancel[3], 1);
	ck_assert_int_eq(cancel[4], 0);
	ck_assert_int_eq(cancel[5], 0);

	/* Another adviser: no counterpart (cancelled, booked anew); another
	 * drop-in window likewise. */
	want[1].adviser_id = (char *)"adv2";
	want[3].window_key = (char *)"w2";
	policy_pair_plan(old, 6, want, 5, now, match, fate, cancel);
	ck_assert_int_eq(fate[1], POLICY_BOOK);
	ck_assert_int_eq(fate[3], POLICY_BOOK);
	ck_assert_int_eq(cancel[1], 1);
	ck_assert_int_eq(cancel[4], 1);

	/* Two old ones of one index (a replacement): the one at the same
	 * start is kept, the other cancelled. */
	want[1].adviser_id = (char *)"adv1";
	old[3] = mk(1, "2026-07-10T10:00:00+02:00", APPT_CONFIRMED);
	policy_pair_plan(old, 6, want, 2, now, match, fate, cancel);
	ck_assert_int_eq(match[1], 1);
	ck_assert_int_eq(fate[1], POLICY_KEEP);
	ck_assert_int_eq(cancel[3], 1);
	/* Without one at the same start, the earliest moves. */
	want[1].starts_at += 86400;
	want[1].ends_at += 86400;
	policy_pair_plan(old, 6, want, 2, now, match, fate, cancel);
	ck_assert_int_eq(match[1], 3);
	ck_assert_int_eq(fate[1], POLICY_MOVE);
	ck_assert_int_eq(cancel[1], 1);
	/* A new duration is a move too. */
	want[1] = old[1];
	want[1].ends_at += 900;
	policy_pair_plan(old, 6, want, 2, now, match, fate, cancel);
	ck_assert_int_eq(match[1], 1);
	ck_assert_int_eq(fate[1], POLICY_MOVE);
}
END_TEST

/* The moves policy_move_order() gives, as "2,1,r0": want indexes in
 * order, "r" marking a rebooking. */
static char *
move_order(const struct appt *old, const struct appt *want, const enum policy_fate *fate)
{
	static const int match[3] = { 0, 1, 2 };
	static char buf[32];
	unsigned char rebook[3];
	size_t order[3], n = policy_move_order(old, want, match, fate, 3, order, rebook), off = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < n; k++)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s%zu", k ? "," : "",
					rebook[order[k]] ? "r" : "", order[k]);
	return buf;
}

START_TEST(test_move_order)
{
	struct appt old[3], want[3];
	enum policy_fate fate[3] = { POLICY_MOVE, POLICY_MOVE, POLICY_MOVE };

	/* A chain: 0 moves onto 1's start, 1 onto 2's, 2 to a free one: 2,
	 * then 1, then 0. */
	old[0] = mk(0, "2026-07-06T09:00:00+02:00", APPT_CONFIRMED);
	old[1] = mk(1, "2026-07-07T09:00:00+02:00", APPT_CONFIRMED);
	old[2] = mk(2, "2026-07-08T09:00:00+02:00", APPT_CONFIRMED);
	want[0] = old[1];
	want[1] = old[2];
	want[2] = mk(2, "2026-07-09T09:00:00+02:00", APPT_CONFIRMED);
	ck_assert_str_eq(move_order(old, want, fate), "2,1,0");
	/* Kept and booked ones are not moves. */
	fate[1] = POLICY_KEEP;
	fate[2] = POLICY_BOOK;
	want[0] = mk(0, "2026-07-10T09:00:00+02:00", APPT_CONFIRMED);
	ck_assert_str_eq(move_order(old, want, fate), "0");
	/* A swap (a cycle): the first is cancelled and booked anew. */
	fate[1] = fate[2] = POLICY_MOVE;
	want[0] = old[1];
	want[1] = old[0];
	ck_assert_str_eq(move_order(old, want, fate), "2,r0,1");
	/* Another adviser's start does not block; drop-ins never do. */
	want[0].adviser_id = (char *)"adv2";
	want[1].kind = KIND_DROPIN;
	ck_assert_str_eq(move_order(old, want, fate), "0,1,2");
}
END_TEST

/* ---- reminders of an appointment, cancellation -------------------------------- */

START_TEST(test_channels)
{
	int out[2];
	ck_assert_int_eq(policy_channels(&S, 0, out), 2);
	ck_assert_int_eq(out[0], CH_SMS);
	ck_assert_int_eq(out[1], CH_EMAIL);
	ck_assert_int_eq(policy_channels(&S, CH_EMAIL, out), 1);
	ck_assert_int_eq(out[0], CH_EMAIL);
	ck_assert_int_eq(policy_channels(&S, CH_SMS, out), 1);
	ck_assert_int_eq(out[0], CH_SMS);
	S.consent_sms = 0;
	ck_assert_int_eq(policy_channels(&S, CH_SMS, out), 0);
	S.email = NULL;
	ck_assert_int_eq(policy_channels(&S, 0, out), 0);
}
END_TEST

START_TEST(test_reminders)
{
	struct policy_due d[POLICY_MAX_REMINDERS];
	int64_t now = T("2026-07-01T10:00:00+02:00");

	ck_assert_int_eq(policy_reminders(&C, &S, &A, 0, now, d, POLICY_MAX_REMINDERS), 4);
	ck_assert_int_eq(d[0].channel, CH_SMS);
	ck_assert_int_eq(d[0].due_at, T("2026-07-08T10:00:00+02:00"));
	ck_assert_int_eq(d[1].channel, CH_SMS);
	ck_assert_int_eq(d[1].due_at, T("2026-07-10T08:00:00+02:00"));
	ck_assert_int_eq(d[2].channel, CH_EMAIL);
	ck_assert_int_eq(d[2].due_at, d[0].due_at);
	ck_assert_int_eq(d[3].channel, CH_EMAIL);
	/* one channel asked for */
	ck_assert_int_eq(policy_reminders(&C, &S, &A, CH_EMAIL, now, d, POLICY_MAX_REMINDERS), 2);
	ck_assert_int_eq(d[0].channel, CH_EMAIL);
	/* bounded by max */
	ck_assert_int_eq(policy_reminders(&C, &S, &A, 0, now, d, 3), 3);
	/* none for an appointment not confirmed, or a student without channel */
	A.status = APPT_CANCELLED;
	ck_assert_int_eq(policy_reminders(&C, &S, &A, 0, now, d, POLICY_MAX_REMINDERS), 0);
	A.status = APPT_CONFIRMED;
	S.consent_sms = S.consent_email = 0;
	ck_assert_int_eq(policy_reminders(&C, &S, &A, 0, now, d, POLICY_MAX_REMINDERS), 0);
}
END_TEST

/* Pauses after an AUTH refusal: [retry] first, doubling, capped at max. */
START_TEST(test_pause_delay)
{
	C.retry.first = 30;
	C.retry.max = 200;
	ck_assert_int_eq(policy_pause_delay(&C, 0), 30);
	ck_assert_int_eq(policy_pause_delay(&C, 30), 60);
	ck_assert_int_eq(policy_pause_delay(&C, 60), 120);
	ck_assert_int_eq(policy_pause_delay(&C, 120), 200);
	ck_assert_int_eq(policy_pause_delay(&C, 200), 200);
	C.retry.first = 0;
	ck_assert_int_eq(policy_pause_delay(&C, 0), 1);
}
END_TEST

/* A channel without a URL is off: nothing planned or sent on it. */
START_TEST(test_channel_off)
{
	struct policy_due d[POLICY_MAX_REMINDERS];
	int64_t now = T("2026-07-01T10:00:00+02:00");

	ck_assert_int_eq(policy_channel_on(&C, CH_SMS), 1);
	C.sms.url = NULL;
	ck_assert_int_eq(policy_channel_on(&C, CH_SMS), 0);
	ck_assert_int_eq(policy_channel_on(&C, CH_EMAIL), 1);
	ck_assert_int_eq(policy_reminders(&C, &S, &A, 0, now, d, POLICY_MAX_REMINDERS), 2);
	ck_assert_int_eq(d[0].channel, CH_EMAIL);
	ck_assert_int_eq(d[1].channel, CH_EMAIL);
	ck_assert_int_eq(policy_reminders(&C, &S, &A, CH_SMS, now, d, POLICY_MAX_REMINDERS), 0);
	R.channel = CH_SMS;
	expect(judge(T("2026-07-09T10:00:00+02:00"), 0), POLICY_CANCEL, 0, "channel off: no [sms] url");
	C.smtp.url = NULL;
	ck_assert_int_eq(policy_reminders(&C, &S, &A, 0, now, d, POLICY_MAX_REMINDERS), 0);
	R.channel = CH_EMAIL;
	expect(judge(T("2026-07-09T10:00:00+02:00"), 0), POLICY_CANCEL, 0, "channel off: no [smtp] url");
	C.sms.url = (char *)"file:///tmp/outbox";
	ck_assert_int_eq(policy_reminders(&C, &S, &A, 0, now, d, POLICY_MAX_REMINDERS), 2);
	ck_assert_int_eq(d[0].channel, CH_SMS);
}
END_TEST

/* offset_at: when the offset a reminder stands for fell due (what "delivered
 * on one channel means done" compares with the other channel's reminders). */
START_TEST(test_reminders_offset_at)
{
	struct policy_due d[POLICY_MAX_REMINDERS];

	/* planned before both offsets: each stands for its own due time */
	ck_assert_int_eq(policy_reminders(&C, &S, &A, CH_SMS, T("2026-07-01T10:00:00+02:00"), d,
					  POLICY_MAX_REMINDERS), 2);
	ck_assert_int_eq(d[0].offset_at, d[0].due_at);
	ck_assert_int_eq(d[1].offset_at, d[1].due_at);
	/* the 48 h offset passed (07-08 10:00): one due now stands for it */
	ck_assert_int_eq(policy_reminders(&C, &S, &A, CH_SMS, T("2026-07-09T12:00:00+02:00"), d,
					  POLICY_MAX_REMINDERS), 2);
	ck_assert_int_eq(d[0].due_at, T("2026-07-09T12:00:00+02:00"));
	ck_assert_int_eq(d[0].offset_at, T("2026-07-08T10:00:00+02:00"));
	ck_assert_int_eq(d[1].due_at, T("2026-07-10T08:00:00+02:00"));
	ck_assert_int_eq(d[1].offset_at, d[1].due_at);
	/* in the quiet hours: the passed one would go at 08:00 with the 2 h one,
	 * which stands for both */
	ck_assert_int_eq(policy_reminders(&C, &S, &A, CH_SMS, T("2026-07-09T22:00:00+02:00"), d,
					  POLICY_MAX_REMINDERS), 1);
	ck_assert_int_eq(d[0].due_at, T("2026-07-10T08:00:00+02:00"));
	ck_assert_int_eq(d[0].offset_at, d[0].due_at);
}
END_TEST

START_TEST(test_cancel_rule)
{
	ck_assert_int_eq(policy_cancel_check(&A, A.starts_at - 1), POLICY_CANCEL_OK);
	ck_assert_int_eq(policy_cancel_check(&A, A.starts_at), POLICY_CANCEL_STARTED);
	A.status = APPT_ATTENDED;
	ck_assert_int_eq(policy_cancel_check(&A, A.starts_at - 1), POLICY_CANCEL_NOT_CONFIRMED);
	A.status = APPT_CANCELLED;
	ck_assert_int_eq(policy_cancel_check(&A, A.starts_at + 1), POLICY_CANCEL_NOT_CONFIRMED);
}
END_TEST

/* ---- consent: the most recent expression wins ----------------------------------- */

/* One expression (value, at, by) on the current consent cur, and what
 * policy_consent() must keep. Times: hours after t0. */
struct consent_case {
	const char *what;
	struct policy_consent cur;
	int value, at, by;
	struct policy_consent want;
};

START_TEST(test_consent_order)
{
	static const struct consent_case cases[] = {
		{ "a default is no expression: any one replaces it",
		  { 1, 0, CONSENT_DEFAULT }, 0, 0, CONSENT_UPDATE, { 0, 0, CONSENT_UPDATE } },
		{ "... even one older than the epoch of the others",
		  { 0, 0, CONSENT_DEFAULT }, 1, -24, CONSENT_EXAM, { 1, -24, CONSENT_EXAM } },
		{ "a STOP after an exam: the exam re-sent with its own time does not undo it",
		  { 0, 1, CONSENT_STOP }, 1, 0, CONSENT_EXAM, { 0, 1, CONSENT_STOP } },
		{ "nor does an exam.completed of the same second",
		  { 0, 1, CONSENT_STOP }, 1, 1, CONSENT_EXAM, { 0, 1, CONSENT_STOP } },
		{ "a student.updated withdrawal holds against an older-timed exam",
		  { 0, 1, CONSENT_UPDATE }, 1, 0, CONSENT_EXAM, { 0, 1, CONSENT_UPDATE } },
		{ "an older student.updated giving consent back changes nothing",
		  { 0, 1, CONSENT_STOP }, 1, 0, CONSENT_UPDATE, { 0, 1, CONSENT_STOP } },
		{ "a later student.updated gives it back",
		  { 0, 1, CONSENT_STOP }, 1, 2, CONSENT_UPDATE, { 1, 2, CONSENT_UPDATE } },
		{ "a withdrawal read after a later consent is older: ignored",
		  { 1, 2, CONSENT_UPDATE }, 0, 1, CONSENT_UPDATE, { 1, 2, CONSENT_UPDATE } },
		{ "the school's record never gives back what the student withdrew, even later",
		  { 0, 1, CONSENT_UPDATE }, 1, 2, CONSENT_EXAM, { 0, 1, CONSENT_UPDATE } },
		{ "... nor a STOP, even a day later",
		  { 0, 1, CONSENT_STOP }, 1, 24, CONSENT_EXAM, { 0, 1, CONSENT_STOP } },
		{ "a later school record replaces an older school record",
		  { 0, 1, CONSENT_EXAM }, 1, 2, CONSENT_EXAM, { 1, 2, CONSENT_EXAM } },
		{ "a later school withdrawal replaces the student's consent",
		  { 1, 1, CONSENT_UPDATE }, 0, 2, CONSENT_EXAM, { 0, 2, CONSENT_EXAM } },
		{ "at equal times a withdrawal wins",
		  { 1, 1, CONSENT_EXAM }, 0, 1, CONSENT_UPDATE, { 0, 1, CONSENT_UPDATE } },
		{ "... and a consent does not",
		  { 0, 1, CONSENT_EXAM }, 1, 1, CONSENT_UPDATE, { 0, 1, CONSENT_EXAM } },
		{ "a STOP always applies (made now), even after a future-dated record",
		  { 1, 2, CONSENT_UPDATE }, 0, 1, CONSENT_STOP, { 0, 1, CONSENT_STOP } },
	};
	int64_t t0 = T("2026-06-19T16:05:00+02:00");

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct consent_case *c = &cases[i];
		struct policy_consent cur = c->cur, got;

		cur.at = cur.at || cur.by != CONSENT_DEFAULT ? t0 + cur.at * 3600 : 0;
		got = policy_consent(cur, c->value, t0 + c->at * 3600, c->by);
		ck_assert_msg(got.value == c->want.value && got.at == t0 + c->want.at * 3600 &&
			      got.by == c->want.by, "%s: got %d at %+lld h by %s", c->what,
			      got.value, (long long)(got.at - t0) / 3600, consent_by_name(got.by));
	}
}
END_TEST

START_TEST(test_consent_express)
{
	int64_t t0 = T("2026-06-19T16:05:00+02:00");

	/* when it was made: the event's time, never after it was received */
	ck_assert_int_eq(policy_expressed_at(1, t0, t0 + 10), t0);
	ck_assert_int_eq(policy_expressed_at(1, t0 + 99, t0 + 10), t0 + 10);
	ck_assert_int_eq(policy_expressed_at(0, 0, t0 + 10), t0 + 10);

	S.consent_sms = 0;
	S.consent_sms_at = t0 + 60;
	S.consent_sms_by = CONSENT_STOP;
	S.consent_email = 1;
	S.consent_email_at = 0;
	S.consent_email_by = CONSENT_DEFAULT;
	/* an exam.completed (t0) with both consents true: SMS stays withdrawn
	 * (reported), email is the school's record now */
	ck_assert_int_eq(policy_express_consent(&S, 1, 1, t0, CONSENT_EXAM), 1 << CH_SMS);
	ck_assert_int_eq(S.consent_sms, 0);
	ck_assert_int_eq(S.consent_sms_by, CONSENT_STOP);
	ck_assert_int_eq(S.consent_email, 1);
	ck_assert_int_eq(S.consent_email_at, t0);
	ck_assert_int_eq(S.consent_email_by, CONSENT_EXAM);
	/* nothing said (-1): nothing changes, nothing reported */
	ck_assert_int_eq(policy_express_consent(&S, -1, -1, t0 + 120, CONSENT_UPDATE), 0);
	ck_assert_int_eq(S.consent_sms, 0);
	ck_assert_int_eq(S.consent_email_at, t0);
	/* a later student.updated: SMS back, email withdrawn */
	ck_assert_int_eq(policy_express_consent(&S, 1, 0, t0 + 120, CONSENT_UPDATE), 0);
	ck_assert_int_eq(S.consent_sms, 1);
	ck_assert_int_eq(S.consent_sms_at, t0 + 120);
	ck_assert_int_eq(S.consent_email, 0);
	ck_assert_int_eq(S.consent_email_by, CONSENT_UPDATE);
	/* an older exam.completed again: both reported, nothing changes */
	ck_assert_int_eq(policy_express_consent(&S, 0, 1, t0, CONSENT_EXAM),
			 (1 << CH_SMS) | (1 << CH_EMAIL));
	ck_assert_int_eq(S.consent_sms, 1);
	ck_assert_int_eq(S.consent_email, 0);
	ck_assert_str_eq(consent_by_name(CONSENT_STOP), "stop-reply");
	ck_assert_int_eq(consent_by_parse("exam.completed"), CONSENT_EXAM);
}
END_TEST

/* Contract 1.4 and 1.5: what is held until the student arrives. */
START_TEST(test_unknown_student_held)
{
	ck_assert_ptr_null(policy_unknown_student(EV_STUDENT_UPDATED, 0));
	/* by kind and start, or a workshop: the student's plan may name it */
	ck_assert_ptr_null(policy_unknown_student(EV_ATTENDANCE_RECORDED, 0));
	/* a UID relance did not make names no appointment, now or later */
	ck_assert_str_eq(policy_unknown_student(EV_ATTENDANCE_RECORDED, 1), "unknown appointment");
	/* an exam.completed introduces its student: never asked, never held */
	ck_assert_str_eq(policy_unknown_student(EV_EXAM_COMPLETED, 0), "unknown student");
	ck_assert_str_eq(policy_unknown_student(0, 0), "unknown student");
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("verdict");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_send);
	tcase_add_test(tc, test_unknown_student);
	tcase_add_test(tc, test_alerts);
	tcase_add_test(tc, test_acks);
	tcase_add_test(tc, test_message_digest);
	tcase_add_test(tc, test_appointment_gone);
	tcase_add_test(tc, test_appointment_started);
	tcase_add_test(tc, test_stopped);
	tcase_add_test(tc, test_consent_sms);
	tcase_add_test(tc, test_consent_email);
	tcase_add_test(tc, test_superseded);
	tcase_add_test(tc, test_quiet_defer);
	tcase_add_test(tc, test_quiet_cancel);
	tcase_add_test(tc, test_cap_defer);
	tcase_add_test(tc, test_cap_cancel);
	tcase_add_test(tc, test_today_and_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("attendance");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_att_reject);
	tcase_add_test(tc, test_att_present);
	tcase_add_test(tc, test_att_absent);
	tcase_add_test(tc, test_att_excused);
	tcase_add_test(tc, test_att_no_replacement);
	tcase_add_test(tc, test_att_correction);
	tcase_add_test(tc, test_consecutive_absences);
	tcase_add_test(tc, test_replacement_from);
	suite_add_tcase(s, tc);

	tc = tcase_create("moves");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_exam_date_range);
	tcase_add_test(tc, test_pair_plan);
	tcase_add_test(tc, test_move_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("reminders");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_channels);
	tcase_add_test(tc, test_reminders);
	tcase_add_test(tc, test_channel_off);
	tcase_add_test(tc, test_pause_delay);
	tcase_add_test(tc, test_reminders_offset_at);
	tcase_add_test(tc, test_cancel_rule);
	tcase_add_test(tc, test_unknown_student_held);
	suite_add_tcase(s, tc);

	tc = tcase_create("consent");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_consent_order);
	tcase_add_test(tc, test_consent_express);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
