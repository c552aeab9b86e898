/*
 * schedule.h — the scheduling rules of contract section 2, as pure logic:
 * check-in slots in advisers' office hours, summer drop-in slots with
 * capacity, reminder due times with quiet hours. No SQL, no I/O; the clock
 * is a parameter ("now"). Wall-clock maths go through util.h (the process
 * time zone, set from [calendar] timezone).
 *
 * The in-memory books (struct agenda, struct dropins) mirror what the store
 * holds; the caller loads them from the store at start and marks every
 * booking it commits.
 */
#ifndef RELANCE_SCHEDULE_H
#define RELANCE_SCHEDULE_H

#include <stdint.h>
#include "config.h"

/* ---- check-ins --------------------------------------------------------- */

/* Booked check-in slots of every adviser. Slots are the office hours of a
 * day cut into [checkins] duration pieces from the start of each range. */
struct agenda;
struct agenda *agenda_new(const struct config *cfg);
void agenda_free(struct agenda *a);
/* Marks [start, end) busy for adviser (every slot it overlaps). */
void agenda_mark(struct agenda *a, const char *adviser, int64_t start, int64_t end);
/* Frees the slots of [start, end) (a cancelled booking). */
void agenda_unmark(struct agenda *a, const char *adviser, int64_t start, int64_t end);
/* Is [start, end) free for adviser? */
int agenda_is_free(const struct agenda *a, const char *adviser, int64_t start, int64_t end);
/*
 * First free slot of adviser on or after civil day from_day (skipping
 * closed days and days without office hours) that starts at or after
 * not_before. Does not mark it. Returns 0 with *start and *end, or -1 if
 * nothing is free within two years.
 */
int agenda_find(const struct agenda *a, const char *adviser, int32_t from_day,
		int64_t not_before, int64_t *start, int64_t *end);

/* Civil day of the target of check-in offset o after last_exam_on. */
int32_t schedule_checkin_day(const struct offset *o, int32_t last_exam_on);

/* ---- drop-ins ---------------------------------------------------------- */

struct dropins;
struct dropins *dropins_new(const struct config *cfg);
void dropins_free(struct dropins *d);
/* Adds n bookings to the slot of window (by its key) starting at start;
 * unknown windows/slots (config changed) are ignored. */
void dropins_add(struct dropins *d, const char *window_key, int64_t start, int n);
/*
 * Earliest slot with room, among the windows for uai (its own and "*"),
 * whose day is at least one day after after_day, starting at or after
 * not_before. Returns 0 with the window index (into cfg->dropin.windows),
 * start and end; -1 when every slot is full: full[0..*nfull) then names
 * every matching window that had slots the student could take (each one
 * has a shortage; *nfull is 0 when no window applied at all). full has
 * room for cfg->dropin.nwindows entries, or is NULL; so may nfull be.
 */
int dropins_find(const struct dropins *d, const char *uai, int32_t after_day,
		 int64_t not_before, int *window, int64_t *start, int64_t *end,
		 int *full, size_t *nfull);
/* Index of the window of that key (cfg->dropin.windows), or -1. */
int dropins_window_index(const struct dropins *d, const char *window_key);
/* Does window (an index) apply to a student of uai: its own or "*"? */
int dropins_window_applies(const struct dropins *d, int window, const char *uai);
/* Booked count of a slot. */
int dropins_fill(const struct dropins *d, int window, int64_t start);
/* Every slot of window i: calls fn(start, end, booked, capacity, arg). */
void dropins_each_slot(const struct dropins *d, int window,
		       void (*fn)(int64_t start, int64_t end, int booked, int capacity, void *arg),
		       void *arg);

/* ---- reminders --------------------------------------------------------- */

/* Is t inside the quiet hours? */
int schedule_in_quiet(const struct config *cfg, int64_t t);
/*
 * Moves due out of the quiet hours per section 2: to their end if that is
 * still before appt_start, otherwise to one minute before they began.
 * Returns the adjusted time (unchanged when not quiet).
 */
int64_t schedule_quiet_adjust(const struct config *cfg, int64_t due, int64_t appt_start);
/*
 * Due times of the reminders of an appointment starting at appt_start,
 * planned at now: one per [reminders] offset, quiet-adjusted. Offsets whose
 * time has passed collapse into one reminder due at once (now, adjusted),
 * and none is planned once the appointment has started or when the only
 * possible time is inside the quiet hours up to the appointment.
 * Writes at most max entries to due[] (with the offset index in which[])
 * and returns the count.
 */
int schedule_reminders(const struct config *cfg, int64_t appt_start, int64_t now,
		       int64_t *due, int *which, int max);
/* When the reminder of offset index which of an appointment starting at
 * appt_start falls due, quiet-adjusted (what schedule_reminders() gives
 * it when planned before that time). */
int64_t schedule_offset_due(const struct config *cfg, int64_t appt_start, int which);
/*
 * How long before an appointment its reminder rows are made: [reminders]
 * horizon, but never less than the largest offset plus two days (quiet
 * hours move a reminder up to a day earlier; a day in "d" offsets may have
 * 25 hours), so that a row always exists well before it is due.
 */
int64_t schedule_reminder_horizon(const struct config *cfg);

#endif
