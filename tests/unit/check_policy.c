/*
 * check_policy.c — unit tests of policy.c (contract sections 2 and 4):
 * every branch of the send-time verdict (with the verdict, the time and
 * the reason asserted), of the attendance transitions, of the reminders an
 * appointment gets and of the cancel rule. Europe/Paris, quiet hours
 * 20:00-08:00, reminders at 48 h and 2 h, at most 3 a day.
 */
#include <check.h>
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
	int64_t now = T("2026-07-12T18:00:00+02:00");

	epoch_to_wall(now, &today, NULL);
	/* missed in the past: a check-in from tomorrow, a drop-in from today */
	ck_assert_int_eq(policy_replacement_from(&A, now), today + 1);
	A.kind = KIND_DROPIN;
	ck_assert_int_eq(policy_replacement_from(&A, now), today);
	/* excused in advance: never the day just excused */
	A.kind = KIND_CHECKIN;
	A.starts_at = T("2026-07-20T10:00:00+02:00");
	epoch_to_wall(A.starts_at, &missed, NULL);
	ck_assert_int_eq(policy_replacement_from(&A, now), missed + 1);
	A.kind = KIND_DROPIN;
	ck_assert_int_eq(policy_replacement_from(&A, now), missed);
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

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("verdict");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_send);
	tcase_add_test(tc, test_unknown_student);
	tcase_add_test(tc, test_alerts);
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

	tc = tcase_create("reminders");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_channels);
	tcase_add_test(tc, test_reminders);
	tcase_add_test(tc, test_reminders_offset_at);
	tcase_add_test(tc, test_cancel_rule);
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
