/*
 * ical.c — iCalendar rendering of relance's calendars with libical:
 * adviser, student and establishment (drop-in) feeds, and one appointment
 * as a standalone VCALENDAR for email attachments.
 *
 * Implements RFC 5545 (iCalendar), RFC 7986 (REFRESH-INTERVAL) and contract
 * section 3. Text escaping and line folding (75 octets, never inside a
 * UTF-8 sequence) are libical's. The output is deterministic for given rows
 * (DTSTAMP is the event's last change), so its hash is a strong ETag.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libical/ical.h>

#include "config.h"
#include "event.h"
#include "ical.h"
#include "store.h"
#include "util.h"

#define PRODID "-//Avenir Pro//relance//FR"

/* ---- time zone ----------------------------------------------------------- */

static icaltimezone *
zone(const struct config *cfg)
{
	icaltimezone *tz = icaltimezone_get_builtin_timezone(cfg->calendar.timezone);
	return tz ? tz : icaltimezone_get_utc_timezone();
}

static int64_t
tt_epoch(struct icaltimetype t)
{
	return (int64_t)icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
}

/* Latest instant a STANDARD/DAYLIGHT sub-component applies from; INT64_MAX
 * for an open-ended RRULE. */
static int64_t
observance_last(icalcomponent *c)
{
	icalproperty *p;
	int64_t last = tt_epoch(icalcomponent_get_dtstart(c));

	for (p = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_RRULE_PROPERTY)) {
		struct icalrecurrencetype r = icalproperty_get_rrule(p);
		if (icaltime_is_null_time(r.until) && r.count == 0)
			return INT64_MAX;
		if (r.count > 0)
			return INT64_MAX; /* rare; keep it */
		if (tt_epoch(r.until) > last)
			last = tt_epoch(r.until);
	}
	for (p = icalcomponent_get_first_property(c, ICAL_RDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype d = icalproperty_get_rdate(p);
		if (!icaltime_is_null_time(d.time) && tt_epoch(d.time) > last)
			last = tt_epoch(d.time);
	}
	return last;
}

/*
 * The VTIMEZONE of the configured zone, as libical builds it from the
 * system's tzdata, renamed to the plain zone name (what clients know) and
 * without the observances that ended before `since` (the whole history of
 * the zone is 3 KiB and useless to a calendar of recent events). The last
 * observance of each type before `since` is kept, so the offset in effect
 * at `since` stays defined.
 */
static icalcomponent *
vtimezone(const struct config *cfg, int64_t since)
{
	icalcomponent *src = icaltimezone_get_component(zone(cfg));
	icalcomponent *vt, *c, *next;
	icalcomponent *keep_std = NULL, *keep_dst = NULL;
	int64_t best_std = INT64_MIN, best_dst = INT64_MIN;
	icalproperty *p;

	if (src == NULL)
		return NULL;
	vt = icalcomponent_new_clone(src);
	p = icalcomponent_get_first_property(vt, ICAL_TZID_PROPERTY);
	if (p)
		icalproperty_set_tzid(p, cfg->calendar.timezone);
	/* The newest observance of each kind that ended before since. */
	for (c = icalcomponent_get_first_component(vt, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(vt, ICAL_ANY_COMPONENT)) {
		int64_t last = observance_last(c);
		if (last >= since)
			continue;
		if (icalcomponent_isa(c) == ICAL_XDAYLIGHT_COMPONENT) {
			if (last > best_dst) {
				best_dst = last;
				keep_dst = c;
			}
		} else if (last > best_std) {
			best_std = last;
			keep_std = c;
		}
	}
	for (c = icalcomponent_get_first_component(vt, ICAL_ANY_COMPONENT); c; c = next) {
		next = icalcomponent_get_next_component(vt, ICAL_ANY_COMPONENT);
		if (c == keep_std || c == keep_dst || observance_last(c) >= since)
			continue;
		icalcomponent_remove_component(vt, c);
		icalcomponent_free(c);
	}
	return vt;
}

static struct icaltimetype
local_time(const struct config *cfg, int64_t t)
{
	struct icaltimetype tt = icaltime_from_timet_with_zone((time_t)t, 0,
							     icaltimezone_get_utc_timezone());
	return icaltime_convert_to_zone(tt, zone(cfg));
}

static struct icaltimetype
utc_time(int64_t t)
{
	return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

static icalproperty *
with_tzid(icalproperty *p, const struct config *cfg)
{
	icalproperty_add_parameter(p, icalparameter_new_tzid(cfg->calendar.timezone));
	return p;
}

/* ---- texts ---------------------------------------------------------------- */

static int
is_en(const struct ical_appt *a)
{
	return a->locale && strcmp(a->locale, "en") == 0;
}

static const char *
status_text(int status, int en)
{
	switch (status) {
	case APPT_CANCELLED:
		return en ? "cancelled" : "annulé";
	case APPT_ATTENDED:
		return en ? "attended" : "présent";
	case APPT_MISSED:
		return en ? "missed" : "absent";
	case APPT_EXCUSED:
		return en ? "excused" : "excusé";
	default:
		return en ? "scheduled" : "prévu";
	}
}

static const char *
kind_text(int kind, int en)
{
	switch (kind) {
	case KIND_DROPIN:
		return en ? "Summer drop-in" : "Permanence d'été";
	case KIND_WORKSHOP:
		return en ? "Workshop" : "Atelier";
	default:
		return en ? "Check-in" : "Point d'étape";
	}
}

static const char *
situation_text(int s, int en)
{
	switch (s) {
	case SIT_EMPLOYED:
		return en ? "employed" : "en emploi";
	case SIT_TRAINING:
		return en ? "in training" : "en formation";
	case SIT_SEEKING:
		return en ? "seeking a job" : "en recherche d'emploi";
	case SIT_UNKNOWN:
		return en ? "unknown" : "inconnue";
	default:
		return NULL;
	}
}

static const char *
location_of(const struct config *cfg, const struct ical_appt *a)
{
	if (a->location && a->location[0])
		return a->location;
	if (a->kind == KIND_DROPIN)
		return cfg->dropin.location;
	return cfg->checkins.location;
}

static char *
full_name(const struct ical_appt *a)
{
	const char *g = a->student_given_name ? a->student_given_name : "";
	const char *f = a->student_family_name ? a->student_family_name : "";
	return xasprintf("%s%s%s", g, *g && *f ? " " : "", f);
}

/* The adviser feed's DESCRIPTION of a (name: the student's full name). */
static char *
adviser_desc(const struct ical_appt *a, const char *name, int en)
{
	const char *sit = situation_text(a->situation, en);
	const char *st = status_text(a->status, en), *id = a->student_id ? a->student_id : "?";

	if (a->status == APPT_CANCELLED && a->answer == ANSWER_CANCELLED)
		st = en ? "cancelled by the student" : "annulé par l'élève";
	else if (a->status == APPT_CONFIRMED && a->answer == ANSWER_CONFIRMED)
		st = en ? "confirmed by the student" : "confirmé par l'élève";

	if (en)
		return xasprintf("Avenir Pro %s with %s (student %s).\nStatus: %s.%s%s%s",
				 a->kind == KIND_DROPIN ? "summer drop-in session" : "check-in",
				 name, id, st, sit ? "\nSituation: " : "", sit ? sit : "",
				 sit ? "." : "");
	return xasprintf("%s Avenir Pro avec %s (élève %s).\nStatut : %s.%s%s%s",
			 kind_text(a->kind, 0), name, id, st, sit ? "\nSituation : " : "",
			 sit ? sit : "", sit ? "." : "");
}

/* A cancelled event's SUMMARY says so, for clients that ignore STATUS, and
 * who cancelled it when it was the student (the student's own feed says
 * "at your request"); the adviser feed marks what the student confirmed. */
static void
answer_summary(enum ical_feed_kind kind, const struct ical_appt *a, int en, char **summary)
{
	char *s = *summary;
	int own = kind == ICAL_FEED_STUDENT;

	if (a->status == APPT_CANCELLED && a->answer == ANSWER_CANCELLED)
		*summary = xasprintf(en ? (own ? "Cancelled at your request: %s" :
					  "Cancelled by the student: %s") :
				     (own ? "Annulé à votre demande : %s" :
					  "Annulé par l'élève : %s"), s);
	else if (a->status == APPT_CANCELLED)
		*summary = xasprintf(en ? "Cancelled: %s" : "Annulé : %s", s);
	else if (kind == ICAL_FEED_ADVISER && a->answer == ANSWER_CONFIRMED &&
		 a->status == APPT_CONFIRMED)
		*summary = xasprintf(en ? "%s (✔ confirmed)" : "%s (✔ confirmé)", s);
	else
		return;
	free(s);
}

/* A person's CAL-ADDRESS: mailto: of their email address, else the URN
 * urn:relance:WHO:ID (email addresses are optional in events). */
static char *
cal_address(const char *email, const char *who, const char *id)
{
	if (email && email[0])
		return xasprintf("mailto:%s", email);
	return xasprintf("urn:relance:%s:%s", who, id ? id : "unknown");
}

/* The student as ATTENDEE once they answered: PARTSTAT=ACCEPTED when
 * confirmed, DECLINED when cancelled by them. None before (it would say
 * NEEDS-ACTION on every event: 18 % more feed and 50 % more rendering
 * time for a 1,000-event adviser feed, measured with make bench). Adviser
 * and student feeds (and email attachments) only. */
static void
add_attendee(icalcomponent *ev, const struct ical_appt *a)
{
	char *name = full_name(a), *addr;
	icalproperty *p;
	icalparameter_partstat ps = a->answer == ANSWER_CONFIRMED ? ICAL_PARTSTAT_ACCEPTED :
								    ICAL_PARTSTAT_DECLINED;

	addr = cal_address(a->student_email, "student", a->student_id);
	p = icalproperty_new_attendee(addr);
	if (*name)
		icalproperty_add_parameter(p, icalparameter_new_cn(name));
	icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(p, icalparameter_new_partstat(ps));
	icalcomponent_add_property(ev, p);
	free(addr);
	free(name);
}

/* SUMMARY, DESCRIPTION and CATEGORIES for one event of a feed kind:
 * adviser feeds in [calendar] adviser_locale, student feeds in the
 * student's. */
static void
texts(const struct config *cfg, enum ical_feed_kind kind, const struct ical_appt *a,
      char **summary, char **desc, char **cat)
{
	int en = kind == ICAL_FEED_ADVISER ? strcmp(cfg->calendar.adviser_locale, "en") == 0 :
		 kind == ICAL_FEED_STUDENT && is_en(a);
	const char *what = kind_text(a->kind, en);
	const char *st = status_text(a->status, en);
	char *name = NULL;

	switch (kind) {
	case ICAL_FEED_ADVISER:
		name = full_name(a);
		*summary = xasprintf("%s — %s", what, name);
		*desc = adviser_desc(a, name, en);
		*cat = xasprintf("Avenir Pro,%s,%s", what, st);
		break;
	case ICAL_FEED_STUDENT:
		if (a->kind == KIND_CHECKIN && a->adviser_name && a->adviser_name[0])
			*summary = en ? xasprintf("Check-in with your adviser %s", a->adviser_name)
				      : xasprintf("Point d'étape avec %s (Avenir Pro)", a->adviser_name);
		else
			*summary = xasprintf("%s Avenir Pro", what);
		if (en)
			*desc = xasprintf("Avenir Pro follow-up after your exams: %s.\nStatus: %s.%s",
					  a->kind == KIND_DROPIN ? "summer drop-in session" : "check-in", st,
					  a->status == APPT_CANCELLED ? "" :
					  "\nIf you cannot come, please tell your adviser.");
		else
			*desc = xasprintf("Suivi Avenir Pro après vos examens : %s.\nStatut : %s.%s",
					  a->kind == KIND_DROPIN ? "permanence d'été" : "point d'étape", st,
					  a->status == APPT_CANCELLED ? "" :
					  "\nSi vous ne pouvez pas venir, merci de prévenir Avenir Pro.");
		*cat = xasprintf("Avenir Pro,%s", what);
		break;
	default: {
		int full = a->capacity > 0 && a->booked >= a->capacity;
		*summary = xasprintf("Permanence Avenir Pro — %d/%d%s", a->booked, a->capacity,
				     full ? " (complet)" : "");
		*desc = xasprintf("Créneau de permanence d'été : %d inscrit(s) sur %d place(s)%s.",
				  a->booked, a->capacity, full ? ", complet" : "");
		*cat = xstrdup(full ? "Avenir Pro,Permanence,complet" : "Avenir Pro,Permanence");
		break;
	}
	}
	answer_summary(kind, a, en, summary);
	free(name);
}

/* ---- events ------------------------------------------------------------------ */

static int64_t
alarm_secs(const struct config *cfg)
{
	int64_t best = 0;
	for (int i = 0; i < cfg->reminders.noffsets; i++) {
		const struct offset *o = &cfg->reminders.offsets[i];
		int64_t s = o->days ? (int64_t)o->days * 86400 : o->secs;
		if (s > 0 && (best == 0 || s < best))
			best = s;
	}
	return best ? best : 3600;
}

static icalcomponent *
event(const struct config *cfg, enum ical_feed_kind kind, const struct ical_appt *a)
{
	icalcomponent *ev = icalcomponent_new_vevent();
	char *summary = NULL, *desc = NULL, *cat = NULL;
	int cancelled = a->status == APPT_CANCELLED;
	int64_t stamp = a->updated_at ? a->updated_at : a->created_at;

	texts(cfg, kind, a, &summary, &desc, &cat);
	icalcomponent_add_property(ev, icalproperty_new_uid(a->uid ? a->uid : "unknown"));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(stamp)));
	icalcomponent_add_property(ev, with_tzid(icalproperty_new_dtstart(local_time(cfg, a->starts_at)), cfg));
	icalcomponent_add_property(ev, with_tzid(icalproperty_new_dtend(local_time(cfg, a->ends_at)), cfg));
	icalcomponent_add_property(ev, icalproperty_new_sequence(a->sequence));
	icalcomponent_add_property(ev, icalproperty_new_status(cancelled ? ICAL_STATUS_CANCELLED
									 : ICAL_STATUS_CONFIRMED));
	if (a->created_at)
		icalcomponent_add_property(ev, icalproperty_new_created(utc_time(a->created_at)));
	icalcomponent_add_property(ev, icalproperty_new_lastmodified(utc_time(stamp)));
	icalcomponent_add_property(ev, icalproperty_new_summary(summary));
	icalcomponent_add_property(ev, icalproperty_new_description(desc));
	if (location_of(cfg, a) && location_of(cfg, a)[0])
		icalcomponent_add_property(ev, icalproperty_new_location(location_of(cfg, a)));
	icalcomponent_add_property(ev, icalproperty_new_categories(cat));
	icalcomponent_add_property(ev, icalproperty_new_transp(kind == ICAL_FEED_ESTABLISHMENT
								     ? ICAL_TRANSP_TRANSPARENT
								     : ICAL_TRANSP_OPAQUE));
	if (kind != ICAL_FEED_ESTABLISHMENT && ((a->adviser_email && a->adviser_email[0]) ||
						(a->adviser_id && a->adviser_id[0]))) {
		char *addr = cal_address(a->adviser_email, "adviser", a->adviser_id);
		icalproperty *org = icalproperty_new_organizer(addr);
		if (a->adviser_name && a->adviser_name[0])
			icalproperty_add_parameter(org, icalparameter_new_cn(a->adviser_name));
		icalcomponent_add_property(ev, org);
		free(addr);
	}
	if (kind != ICAL_FEED_ESTABLISHMENT && (a->student_id || a->student_given_name) &&
	    (a->answer == ANSWER_CONFIRMED || a->answer == ANSWER_CANCELLED))
		add_attendee(ev, a);
	if (kind == ICAL_FEED_STUDENT && a->status == APPT_CONFIRMED) {
		icalcomponent *al = icalcomponent_new_valarm();
		struct icaltriggertype trig;
		memset(&trig, 0, sizeof trig);
		trig.time = icaltime_null_time();
		trig.duration = icaldurationtype_from_int(-(int)alarm_secs(cfg));
		icalcomponent_add_property(al, icalproperty_new_action(ICAL_ACTION_DISPLAY));
		icalcomponent_add_property(al, icalproperty_new_trigger(trig));
		icalcomponent_add_property(al, icalproperty_new_description(summary));
		icalcomponent_add_component(ev, al);
	}
	free(summary);
	free(desc);
	free(cat);
	return ev;
}

static icalcomponent *
calendar(const struct config *cfg, const char *name)
{
	icalcomponent *cal = icalcomponent_new_vcalendar();
	int64_t refresh = cfg->calendar.refresh < 60 ? 60 : cfg->calendar.refresh;
	icalproperty *p;

	icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	if (name) {
		p = icalproperty_new_x(name);
		icalproperty_set_x_name(p, "X-WR-CALNAME");
		icalcomponent_add_property(cal, p);
	}
	p = icalproperty_new_x(cfg->calendar.timezone);
	icalproperty_set_x_name(p, "X-WR-TIMEZONE");
	icalcomponent_add_property(cal, p);
	icalcomponent_add_property(cal, icalproperty_new_refreshinterval(
		icaldurationtype_from_int((int)refresh)));
	p = icalproperty_new_x(icaldurationtype_as_ical_string(icaldurationtype_from_int((int)refresh)));
	icalproperty_set_x_name(p, "X-PUBLISHED-TTL");
	icalcomponent_add_property(cal, p);
	return cal;
}

static char *
finish(icalcomponent *cal, size_t *len)
{
	char *s = icalcomponent_as_ical_string_r(cal);
	char *out = NULL;
	size_t n;

	icalcomponent_free(cal);
	if (s == NULL)
		return NULL;
	/* Ours to free with free(), like every string of this program. */
	n = strlen(s);
	out = xmalloc(n + 1);
	memcpy(out, s, n + 1);
	icalmemory_free_buffer(s);
	if (len)
		*len = n;
	return out;
}

/* ---- public ------------------------------------------------------------------- */

char *
ical_render_feed(const struct config *cfg, enum ical_feed_kind kind, const char *name,
		 const struct ical_appt *appts, size_t n, int64_t now, size_t *len)
{
	icalcomponent *cal = calendar(cfg, name), *vt;
	int64_t since = now - 366 * 86400;

	for (size_t i = 0; i < n; i++)
		if (appts[i].starts_at - 86400 < since)
			since = appts[i].starts_at - 86400;
	vt = vtimezone(cfg, since);
	if (vt)
		icalcomponent_add_component(cal, vt);
	for (size_t i = 0; i < n; i++) {
		const struct ical_appt *a = &appts[i];
		/* Old cancellations leave the feed after 30 days. */
		if (a->status == APPT_CANCELLED && a->updated_at &&
		    a->updated_at < now - ICAL_CANCELLED_KEEP)
			continue;
		icalcomponent_add_component(cal, event(cfg, kind, a));
	}
	return finish(cal, len);
}

char *
ical_render_one(const struct config *cfg, const struct ical_appt *a, int64_t now, size_t *len)
{
	icalcomponent *cal = calendar(cfg, NULL), *vt;

	vt = vtimezone(cfg, (a->starts_at < now ? a->starts_at : now) - 86400);
	if (vt)
		icalcomponent_add_component(cal, vt);
	icalcomponent_add_component(cal, event(cfg, ICAL_FEED_STUDENT, a));
	return finish(cal, len);
}
