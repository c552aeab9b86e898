/*
 * store_sql.h — the statement registry of the store: every SQL statement,
 * as X(id, SQL) lists by client (core, ingest, feeds, relancectl,
 * delivery and receipts). store_priv.h makes one enum stmt_id of them;
 * store.c prepares each on first use (stmt()) and finalizes it at close.
 *
 * No code typed by hand: a status, kind, channel or situation is written
 * {NAME}, the name of its model.h enum (or of enum store_feed_kind), and
 * store.c replaces it by the enum's code when it prepares the statement
 * (store_sql_expand()). Values that change from call to call are bound
 * (?). Codes are spliced, not bound, because the partial indexes
 * (reminders_due: status = {REM_PENDING}, appointments_no_double_booking:
 * kind = {KIND_CHECKIN} AND status = {APPT_CONFIRMED}, ...) only serve a
 * query whose WHERE holds the same constant: with "status = ?" SQLite plans
 * a full scan, then re-prepares the statement at every bind of that
 * parameter to try again (measured with SQLITE_STMTSTATUS_REPREPARE).
 * Once expanded, every statement is the one prepared before this registry
 * (same tables, terms and parameter order).
 */
#ifndef RELANCE_STORE_SQL_H
#define RELANCE_STORE_SQL_H

#define APPT_COLS "id, uid, student_id, adviser_id, uai, kind, plan_index, starts_at, ends_at," \
	" status, sequence, replaces, replacements, absences, window_key, situation, changed_by," \
	" created_at, updated_at, reminded, answer, moves, coalesce(answered_at, 0), code_hash"
#define STUDENT_COLS "id, given_name, family_name, email, phone, locale, consent_sms," \
	" consent_email, uai, programme_code, programme_label, session, last_exam_on, adviser_id," \
	" stopped, feed_token, last_contact_at, lost_alerted_at, consent_sms_at, consent_sms_by," \
	" consent_email_at, consent_email_by"
#define REM_COLS "id, appointment_id, student_id, channel, kind, status, attempts, due_at," \
	" next_at, sent_at, last_error"
#define CTL_REM_COLS "r.id, r.appointment_id, r.student_id, r.channel, r.kind, r.status," \
	" r.attempts, r.due_at, r.next_at, r.sent_at, r.last_error, coalesce(a.uid, '')"
#define REM_CANCEL_SET "UPDATE reminders SET status = {REM_CANCELLED}, last_error = ?1," \
	" sent_at = ?2 WHERE status IN ({REM_PENDING}, {REM_SENDING})"

/* store.c: transactions and the change counter. */
#define STORE_CORE_STMTS(X) \
	X(ST_BEGIN, "BEGIN IMMEDIATE") \
	X(ST_COMMIT, "COMMIT") \
	X(ST_ROLLBACK, "ROLLBACK") \
	X(ST_REV_GET, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'rev'") \
	X(ST_REV_SET, "UPDATE meta SET value = ? WHERE key = 'rev'")

/* store_ingest.c */
#define STORE_INGEST_STMTS(X) \
	X(ST_EVENT_INSERT, "INSERT OR IGNORE INTO events(source, id, type, student_id, topic," \
		" partition, offset, received_at) VALUES(?,?,?,?,?,?,?,?)") \
	X(ST_EVENT_SEEN, "SELECT 1 FROM events WHERE source = ? AND id = ?") \
	X(ST_DEAD_LETTER, "INSERT OR IGNORE INTO dead_letters(topic, partition, offset, reason," \
		" payload, received_at) VALUES(?,?,?,?,?,?)") \
	X(ST_ADVISER_UPSERT, "INSERT INTO advisers(id, name, email, feed_token) VALUES(?,?,?,?)" \
		" ON CONFLICT(id) DO UPDATE SET name = coalesce(excluded.name, name)," \
		" email = coalesce(excluded.email, email)" \
		" WHERE coalesce(excluded.name, name) IS NOT name" \
		" OR coalesce(excluded.email, email) IS NOT email") \
	X(ST_ESTAB_UPSERT, "INSERT INTO establishments(uai, name, feed_token) VALUES(?,?,?)" \
		" ON CONFLICT(uai) DO UPDATE SET name = coalesce(excluded.name, name)" \
		" WHERE coalesce(excluded.name, name) IS NOT name") \
	X(ST_STUDENT_GET, "SELECT " STUDENT_COLS " FROM students WHERE id = ?") \
	X(ST_STUDENT_PUT, "INSERT INTO students(id, given_name, family_name, email, phone, locale," \
		" consent_sms, consent_email, uai, programme_code, programme_label, session," \
		" last_exam_on, adviser_id, stopped, feed_token, last_contact_at, lost_alerted_at," \
		" consent_sms_at, consent_sms_by, consent_email_at, consent_email_by," \
		" created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" \
		" ON CONFLICT(id) DO UPDATE SET given_name = excluded.given_name," \
		" family_name = excluded.family_name, email = excluded.email, phone = excluded.phone," \
		" locale = excluded.locale, consent_sms = excluded.consent_sms," \
		" consent_email = excluded.consent_email, uai = excluded.uai," \
		" programme_code = excluded.programme_code, programme_label = excluded.programme_label," \
		" session = excluded.session, last_exam_on = excluded.last_exam_on," \
		" adviser_id = excluded.adviser_id, stopped = excluded.stopped," \
		" last_contact_at = excluded.last_contact_at, lost_alerted_at = excluded.lost_alerted_at," \
		" consent_sms_at = excluded.consent_sms_at, consent_sms_by = excluded.consent_sms_by," \
		" consent_email_at = excluded.consent_email_at," \
		" consent_email_by = excluded.consent_email_by, updated_at = excluded.updated_at") \
	X(ST_STUDENT_TOUCH, "UPDATE students SET last_contact_at = max(coalesce(last_contact_at, 0), ?)" \
		" WHERE id = ?") \
	X(ST_APPT_INSERT, "INSERT INTO appointments(uid, student_id, adviser_id, uai, kind, plan_index," \
		" starts_at, ends_at, status, sequence, replaces, replacements, absences, window_key," \
		" situation, changed_by, created_at, updated_at, rev, reminded, code_hash)" \
		" VALUES(?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?,?,?)") \
	X(ST_APPT_UPDATE, "UPDATE appointments SET status = ?, changed_by = ?, updated_at = ?," \
		" sequence = sequence + 1, rev = ? WHERE id = ?") \
	X(ST_APPT_UPDATE_TIMES, "UPDATE appointments SET status = ?, starts_at = ?, ends_at = ?," \
		" changed_by = ?, updated_at = ?, sequence = sequence + 1, rev = ? WHERE id = ?") \
	X(ST_APPT_SITUATION, "UPDATE appointments SET situation = ? WHERE id = ?") \
	X(ST_APPT_BY_UID, "SELECT " APPT_COLS " FROM appointments WHERE uid = ?") \
	X(ST_APPT_BY_START, "SELECT " APPT_COLS " FROM appointments WHERE student_id = ?" \
		" AND kind = ? AND starts_at = ? ORDER BY status = {APPT_CONFIRMED} DESC, id DESC LIMIT 1") \
	X(ST_APPT_BY_ID, "SELECT " APPT_COLS " FROM appointments WHERE id = ?") \
	X(ST_APPTS_OF_STUDENT, "SELECT " APPT_COLS " FROM appointments WHERE student_id = ?" \
		" ORDER BY starts_at, id") \
	X(ST_APPTS_TO_REMIND, "SELECT " APPT_COLS " FROM appointments WHERE reminded = 0" \
		" AND status = {APPT_CONFIRMED} AND starts_at <= ? ORDER BY starts_at LIMIT ?") \
	X(ST_APPT_REMINDED, "UPDATE appointments SET reminded = 1 WHERE id = ?") \
	X(ST_REM_INSERT, "INSERT INTO reminders(appointment_id, student_id, channel, kind, due_at," \
		" next_at, status, created_at) VALUES(?,?,?,?,?,?,{REM_PENDING},?)") \
	/* ?4: a channel, 0 for all */ \
	X(ST_REM_CANCEL_APPT, REM_CANCEL_SET " AND appointment_id = ?3" \
		" AND (?4 = 0 OR channel = ?4)") \
	X(ST_REM_CANCEL_STUDENT, REM_CANCEL_SET " AND student_id = ?3" \
		" AND kind = {REM_REMINDER} AND (?4 = 0 OR channel = ?4)") \
	X(ST_REM_COUNT_APPT, "SELECT count(*) FROM reminders WHERE appointment_id = ? AND channel = ?" \
		" AND status <> {REM_CANCELLED}") \
	/* An appointment moved: its pending reminders, re-timed. */ \
	X(ST_REM_PENDING_APPT, "SELECT " REM_COLS " FROM reminders WHERE appointment_id = ?" \
		" AND status = {REM_PENDING} AND kind = {REM_REMINDER} ORDER BY channel, due_at, id") \
	X(ST_REM_RETIME, "UPDATE reminders SET due_at = ?1, next_at = ?1, attempts = 0," \
		" last_error = NULL WHERE id = ?2 AND status = {REM_PENDING}") \
	/* Delivered on one channel means done: sent (or being sent) on \
	 * another channel than ?2, due at or after ?3. */ \
	X(ST_REM_DELIVERED, "SELECT 1 FROM reminders WHERE appointment_id = ?1 AND channel != ?2" \
		" AND kind = {REM_REMINDER} AND status IN ({REM_SENT}, {REM_SENDING})" \
		" AND due_at >= ?3 LIMIT 1") \
	/* The CHECK applies to the row proposed for insertion too: insert \
	 * max(delta, 0), add the real delta on conflict. */ \
	X(ST_DROPIN_ADD, "INSERT INTO dropin_fill(window_key, starts_at, booked) VALUES(?1,?2,max(?3,0))" \
		" ON CONFLICT(window_key, starts_at) DO UPDATE SET booked = max(booked + ?3, 0)") \
	X(ST_COUNTER_ADD, "INSERT INTO counters(name, value) VALUES(?,?)" \
		" ON CONFLICT(name) DO UPDATE SET value = value + excluded.value") \
	X(ST_COUNTER_GET, "SELECT value FROM counters WHERE name = ?") \
	X(ST_ATTENDANCE, "INSERT INTO attendance(student_id, appointment_id, kind, starts_at, status," \
		" situation, source, event_id, recorded_at) VALUES(?,?,?,?,?,?,?,?,?)") \
	X(ST_EACH_BOOKING, "SELECT adviser_id, starts_at, ends_at FROM appointments" \
		" WHERE kind = {KIND_CHECKIN} AND status = {APPT_CONFIRMED} AND ends_at > ?") \
	X(ST_EACH_DROPIN, "SELECT window_key, starts_at, booked FROM dropin_fill WHERE booked > 0") \
	X(ST_ALERT_EXISTS, "SELECT 1 FROM reminders WHERE student_id = ? AND kind = ? LIMIT 1") \
	X(ST_EACH_LOST, "SELECT s.id FROM students s WHERE s.stopped = 0" \
		" AND coalesce(s.last_contact_at, 0) < ?1 AND coalesce(s.lost_alerted_at, 0) < ?1" \
		" AND EXISTS(SELECT 1 FROM appointments a WHERE a.student_id = s.id" \
		" AND a.status = {APPT_CONFIRMED} AND a.starts_at > ?2)") \
	X(ST_MARK_LOST, "UPDATE students SET lost_alerted_at = ? WHERE id = ?")

/* ?2: cancelled ones changed since then, ?3: others starting since then.
 * Only appointments not started yet are cancelled, so a cancelled one kept
 * starts after ?2 too: the range on (col, starts_at) holds every row. */
#define FEED_ROW_SQL(col) \
	"SELECT a.uid, a.kind, a.status, a.sequence, a.starts_at, a.ends_at, a.created_at," \
	" a.updated_at, s.locale, s.given_name, s.family_name, a.student_id, v.name, v.email," \
	" a.adviser_id, a.situation, a.answer, s.email FROM appointments a" \
	" LEFT JOIN students s ON s.id = a.student_id LEFT JOIN advisers v ON v.id = a.adviser_id" \
	" WHERE a." col " = ?1 AND a.starts_at >= min(?2, ?3) AND CASE a.status" \
	" WHEN {APPT_CANCELLED} THEN a.updated_at >= ?2 ELSE a.starts_at >= ?3 END" \
	" ORDER BY a.starts_at, a.id"

/* store_feed.c (by-kind statements in enum store_feed_kind order) */
#define STORE_FEED_STMTS(X) \
	X(ST_FEED_OWNER_ADVISER, "SELECT id, name, email, 'fr' FROM advisers WHERE feed_token = ?") \
	X(ST_FEED_OWNER_STUDENT, "SELECT id, trim(given_name || ' ' || coalesce(family_name, ''))," \
		" NULL, locale FROM students WHERE feed_token = ?") \
	X(ST_FEED_OWNER_ESTAB, "SELECT uai, coalesce(name, uai), NULL, 'fr' FROM establishments" \
		" WHERE feed_token = ?") \
	X(ST_FEED_TOKEN_ADVISER, "SELECT feed_token FROM advisers WHERE id = ?") \
	X(ST_FEED_TOKEN_STUDENT, "SELECT feed_token FROM students WHERE id = ?") \
	X(ST_FEED_TOKEN_ESTAB, "SELECT feed_token FROM establishments WHERE uai = ?") \
	X(ST_FEED_ROWS_ADVISER, FEED_ROW_SQL("adviser_id")) \
	X(ST_FEED_ROWS_STUDENT, FEED_ROW_SQL("student_id")) \
	X(ST_FEED_DROPIN_STAMP, "SELECT coalesce(max(updated_at), 0) FROM appointments" \
		" WHERE kind = {KIND_DROPIN} AND window_key = ?") \
	X(ST_FEED_CHANGED, "SELECT DISTINCT student_id, adviser_id, uai, kind, window_key" \
		" FROM appointments WHERE rev > ?") \
	X(ST_FEED_OWNERS, "SELECT {STORE_FEED_ADVISER}, id, feed_token FROM advisers" \
		" UNION ALL SELECT {STORE_FEED_STUDENT}, s.id, s.feed_token FROM students s" \
		" WHERE EXISTS(SELECT 1 FROM appointments a WHERE a.student_id = s.id)" \
		" UNION ALL SELECT {STORE_FEED_ESTABLISHMENT}, uai, feed_token FROM establishments") \
	X(ST_FEED_META_GET, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?") \
	X(ST_FEED_META_SET, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)") \
	X(ST_META_TEXT_GET, "SELECT value FROM meta WHERE key = ?") \
	X(ST_META_TEXT_ADD, "INSERT OR IGNORE INTO meta(key, value) VALUES(?, ?)") \
	X(ST_FEED_M_APPT, "SELECT status, 0, NULL, count(*) FROM appointments GROUP BY status") \
	X(ST_FEED_M_REM, "SELECT channel, status, NULL, count(*) FROM reminders" \
		" WHERE kind = {REM_REMINDER} GROUP BY channel, status") \
	X(ST_FEED_M_DEAD, "SELECT 0, 0, NULL, count(*) FROM dead_letters") \
	X(ST_FEED_M_COUNTERS, "SELECT 0, 0, name, value FROM counters") \
	X(ST_FEED_M_OLDEST_DUE, "SELECT coalesce(min(next_at), 0) FROM reminders" \
		" WHERE status = {REM_PENDING} AND channel = ? AND next_at <= ?")

/* Per (uai, programme): students, check-ins and drop-ins by outcome,
 * situations at the final check-in, workshops; students' answers
 * (contract section 8) on check-ins and drop-ins not cancelled by relance
 * (an, those cancelled by the student included): confirmed, cancelled by
 * the student, moved; and the outcome of those answered (confirmed or
 * moved: cfa, cfm) and not (ufa, ufm). */
#define CTL_ANSWERED "kind IN ({KIND_CHECKIN}, {KIND_DROPIN}) AND"
#define CTL_INDICATORS_SQL \
	"WITH a AS (SELECT student_id," \
	"  sum(kind = {KIND_CHECKIN} AND status = {APPT_ATTENDED}) ca," \
	"  sum(kind = {KIND_CHECKIN} AND status = {APPT_MISSED}) cm," \
	"  sum(kind = {KIND_CHECKIN} AND status = {APPT_EXCUSED}) ce," \
	"  sum(kind = {KIND_CHECKIN} AND status = {APPT_CONFIRMED}) cp," \
	"  sum(kind = {KIND_DROPIN} AND status = {APPT_ATTENDED}) da," \
	"  sum(kind = {KIND_DROPIN} AND status = {APPT_MISSED}) dm," \
	"  sum(kind = {KIND_DROPIN} AND status = {APPT_EXCUSED}) de," \
	"  sum(kind = {KIND_DROPIN} AND status = {APPT_CONFIRMED}) dp," \
	"  max(CASE WHEN kind = {KIND_CHECKIN} AND plan_index = ?1 THEN situation ELSE 0 END) sit," \
	"  sum(" CTL_ANSWERED " (status <> {APPT_CANCELLED} OR answer = {ANSWER_CANCELLED})) an," \
	"  sum(" CTL_ANSWERED " answer = {ANSWER_CONFIRMED}) ac," \
	"  sum(" CTL_ANSWERED " answer = {ANSWER_CANCELLED} AND status = {APPT_CANCELLED}) ax," \
	"  sum(" CTL_ANSWERED " moves > 0) am," \
	"  sum(" CTL_ANSWERED " (answer = {ANSWER_CONFIRMED} OR moves > 0)" \
	"   AND status = {APPT_ATTENDED}) cfa," \
	"  sum(" CTL_ANSWERED " (answer = {ANSWER_CONFIRMED} OR moves > 0)" \
	"   AND status = {APPT_MISSED}) cfm," \
	"  sum(" CTL_ANSWERED " answer = {ANSWER_NONE} AND moves = 0 AND status = {APPT_ATTENDED}) ufa," \
	"  sum(" CTL_ANSWERED " answer = {ANSWER_NONE} AND moves = 0 AND status = {APPT_MISSED}) ufm" \
	"  FROM appointments GROUP BY student_id)," \
	" w AS (SELECT student_id, sum(status = {ATT_PRESENT}) wp, count(*) wr FROM attendance" \
	"  WHERE kind = {KIND_WORKSHOP} GROUP BY student_id)" \
	" SELECT s.uai, coalesce(max(e.name), ''), coalesce(s.programme_code, '')," \
	"  coalesce(max(s.programme_label), ''), count(*), sum(s.stopped != 0)," \
	"  total(a.ca), total(a.cm), total(a.ce), total(a.cp)," \
	"  total(a.da), total(a.dm), total(a.de), total(a.dp)," \
	"  sum(coalesce(a.sit, 0) NOT BETWEEN {SIT_EMPLOYED} AND {SIT_UNKNOWN})," \
	"  sum(a.sit = {SIT_EMPLOYED}), sum(a.sit = {SIT_TRAINING})," \
	"  sum(a.sit = {SIT_SEEKING}), sum(a.sit = {SIT_UNKNOWN}), total(w.wp), total(w.wr)," \
	"  total(a.an), total(a.ac), total(a.ax), total(a.am), total(a.cfa), total(a.cfm)," \
	"  total(a.ufa), total(a.ufm)" \
	" FROM students s LEFT JOIN a ON a.student_id = s.id" \
	" LEFT JOIN w ON w.student_id = s.id LEFT JOIN establishments e ON e.uai = s.uai" \
	" GROUP BY s.uai, coalesce(s.programme_code, '') ORDER BY 1, 3"

/* store_admin.c (relancectl; revoke statements in enum store_feed_kind order) */
#define STORE_ADMIN_STMTS(X) \
	X(ST_CTL_STUDENTS, "SELECT count(*), coalesce(sum(stopped != 0), 0) FROM students") \
	X(ST_CTL_EVENTS, "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM dead_letters)") \
	X(ST_CTL_AWAITING, "SELECT count(*) FROM appointments WHERE reminded = 0" \
		" AND status = {APPT_CONFIRMED}") \
	X(ST_CTL_APPT_COUNT, "SELECT kind, status, count(*) FROM appointments GROUP BY kind, status" \
		" ORDER BY kind, status") \
	X(ST_CTL_REM_COUNT, "SELECT kind, channel, status, count(*) FROM reminders" \
		" GROUP BY kind, channel, status ORDER BY kind, channel, status") \
	X(ST_CTL_COUNTERS, "SELECT name, value FROM counters WHERE substr(name, 1, length(?1)) = ?1" \
		" ORDER BY name") \
	X(ST_CTL_DB_SIZE, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") \
	X(ST_CTL_REM_STUDENT, "SELECT " CTL_REM_COLS " FROM reminders r" \
		" LEFT JOIN appointments a ON a.id = r.appointment_id" \
		" WHERE r.student_id = ? ORDER BY r.due_at, r.id") \
	X(ST_CTL_REM_STATUS, "SELECT " CTL_REM_COLS " FROM reminders r" \
		" LEFT JOIN appointments a ON a.id = r.appointment_id" \
		" WHERE r.status = ? ORDER BY r.next_at, r.id") \
	X(ST_CTL_DEAD, "SELECT id, topic, partition, offset, reason, payload, received_at" \
		" FROM dead_letters ORDER BY id") \
	X(ST_CTL_INDICATORS, CTL_INDICATORS_SQL) \
	X(ST_CTL_REPLIES, "SELECT m.id, m.student_id, m.adviser_id, coalesce(m.appointment_id, 0)," \
		" m.via, m.text, m.received_at, coalesce(m.mailed_at, 0), coalesce(a.uid, '')" \
		" FROM student_messages m LEFT JOIN appointments a ON a.id = m.appointment_id" \
		" WHERE m.received_at >= ? ORDER BY m.received_at, m.id") \
	X(ST_CTL_REVOKE_ADVISER, "UPDATE advisers SET feed_token = ?1 WHERE id = ?2") \
	X(ST_CTL_REVOKE_STUDENT, "UPDATE students SET feed_token = ?1 WHERE id = ?2") \
	X(ST_CTL_REVOKE_ESTAB, "UPDATE establishments SET feed_token = ?1 WHERE uai = ?2") \
	X(ST_CTL_RETRY_GET, "SELECT r.status, r.kind, a.status, a.starts_at FROM reminders r" \
		" LEFT JOIN appointments a ON a.id = r.appointment_id WHERE r.id = ?") \
	X(ST_CTL_RETRY_SET, "UPDATE reminders SET status = {REM_PENDING}, next_at = ?," \
		" attempts = 0, sent_at = NULL WHERE id = ?")

/* store_delivery.c: the dispatcher, then the HTTP receipts (DLR, STOP). */
#define STORE_DELIVERY_STMTS(X) \
	X(ST_REM_REQUEUE, "UPDATE reminders SET status = {REM_PENDING} WHERE status = {REM_SENDING}") \
	X(ST_REM_NEXT_DUE, "SELECT min(next_at) FROM reminders" \
		" WHERE status = {REM_PENDING} AND channel = ?") \
	X(ST_REM_DUE, "SELECT " REM_COLS " FROM reminders" \
		" WHERE status = {REM_PENDING} AND channel = ? AND next_at <= ?" \
		" ORDER BY next_at, id LIMIT ?") \
	X(ST_REM_GET, "SELECT " REM_COLS " FROM reminders WHERE id = ?") \
	X(ST_REM_SET, "UPDATE reminders SET status = ?, attempts = ?," \
		" next_at = ?, sent_at = ?, last_error = ? WHERE id = ?") \
	X(ST_ATTEMPT_ADD, "INSERT INTO attempts(reminder_id, at, channel, outcome," \
		" detail) VALUES(?,?,?,?,?)") \
	X(ST_REM_SENT_BETWEEN, "SELECT count(*) FROM reminders WHERE student_id = ?" \
		" AND kind = {REM_REMINDER} AND ((status = {REM_SENT} AND sent_at >= ? AND sent_at < ?)" \
		" OR status = {REM_SENDING})") \
	X(ST_ADVISER_CONTACT, "SELECT name, email FROM advisers WHERE id = ?") \
	X(ST_REM_TWIN, "SELECT 1 FROM reminders WHERE appointment_id = ?" \
		" AND channel = ? AND due_at = ? AND status != {REM_CANCELLED} LIMIT 1") \
	/* A later reminder of the same appointment and channel (?1, ?2) than \
	 * reminder ?3 due at ?4, due too at ?5 and not sent yet. */ \
	X(ST_REM_SUPERSEDED, "SELECT 1 FROM reminders WHERE appointment_id = ?1 AND channel = ?2" \
		" AND kind = {REM_REMINDER} AND status IN ({REM_PENDING}, {REM_SENDING})" \
		" AND due_at <= ?5 AND (due_at > ?4 OR (due_at = ?4 AND id > ?3)) LIMIT 1") \
	X(ST_STUDENTS_BY_PHONE, "SELECT id FROM students WHERE phone = ? ORDER BY id") \
	X(ST_CONSENT_SMS, "UPDATE students SET consent_sms = ?, consent_sms_at = ?," \
		" consent_sms_by = ?, updated_at = ? WHERE id = ?") \
	X(ST_CONSENT_EMAIL, "UPDATE students SET consent_email = ?, consent_email_at = ?," \
		" consent_email_by = ?, updated_at = ? WHERE id = ?") \
	/* Digests of students' messages (contract section 8): a row due now \
	 * (?1) for each adviser with an email address and unmailed messages, \
	 * unless a digest of theirs is waiting or went (or failed) less than \
	 * ?2 seconds ago. */ \
	X(ST_DIGEST_QUEUE, "INSERT INTO reminders(appointment_id, student_id, channel, kind, due_at," \
		" next_at, status, created_at, adviser_id) SELECT NULL, (SELECT m2.student_id" \
		" FROM student_messages m2 WHERE m2.adviser_id = m.adviser_id AND m2.mailed_at IS NULL" \
		" ORDER BY m2.id LIMIT 1), {CH_EMAIL}, {REM_ALERT_MESSAGES}, ?1, ?1, {REM_PENDING}, ?1," \
		" m.adviser_id FROM (SELECT DISTINCT adviser_id FROM student_messages" \
		" WHERE mailed_at IS NULL AND adviser_id IS NOT NULL) m" \
		" JOIN advisers v ON v.id = m.adviser_id AND coalesce(v.email, '') <> ''" \
		" WHERE NOT EXISTS(SELECT 1 FROM reminders r WHERE r.adviser_id = m.adviser_id" \
		" AND r.kind = {REM_ALERT_MESSAGES} AND (r.status IN ({REM_PENDING}, {REM_SENDING})" \
		" OR max(r.due_at, r.next_at, coalesce(r.sent_at, 0)) > ?1 - ?2))") \
	X(ST_REM_ADVISER, "SELECT adviser_id FROM reminders WHERE id = ?") \
	X(ST_DIGEST_MESSAGES, "SELECT m.id, s.given_name, s.family_name, coalesce(a.starts_at, 0)," \
		" m.received_at, m.text FROM student_messages m" \
		" LEFT JOIN students s ON s.id = m.student_id" \
		" LEFT JOIN appointments a ON a.id = m.appointment_id" \
		" WHERE m.adviser_id = ?1 AND m.mailed_at IS NULL ORDER BY m.id LIMIT ?2") \
	X(ST_DIGEST_MAILED, "UPDATE student_messages SET mailed_at = ?1 WHERE adviser_id =" \
		" (SELECT adviser_id FROM reminders WHERE id = ?2) AND mailed_at IS NULL AND id <= ?3")

/* store_hold.c: events held until their student is known (contract 1.4).
 * The key of the message is NULL when it had none (?10 = 0). */
#define HELD_COLS "seq, source, id, type, student_id, topic, partition, offset, msg_key," \
	" value, headers, received_at"
#define STORE_HOLD_STMTS(X) \
	X(ST_HOLD_INSERT, "INSERT OR IGNORE INTO held_events(source, id, type, student_id, topic," \
		" partition, offset, msg_key, value, headers, received_at)" \
		" VALUES(?1,?2,?3,?4,?5,?6,?7,CASE WHEN ?10 THEN ?8 END,?9,?11,?12)") \
	X(ST_HOLD_OF_STUDENT, "SELECT " HELD_COLS ", 1 FROM held_events WHERE student_id = ?" \
		" ORDER BY seq") \
	X(ST_HOLD_EXPIRED, "SELECT " HELD_COLS ", EXISTS(SELECT 1 FROM students s" \
		" WHERE s.id = h.student_id) FROM held_events h WHERE received_at <= ?" \
		" ORDER BY seq LIMIT ?") \
	X(ST_HOLD_DELETE, "DELETE FROM held_events WHERE seq = ?") \
	X(ST_HOLD_STUDENTS, "SELECT DISTINCT student_id FROM held_events") \
	X(ST_HOLD_COUNT, "SELECT count(*), coalesce(min(received_at), 0) FROM held_events") \
	X(ST_FEED_M_HELD, "SELECT 0, 0, NULL, count(*) FROM held_events")

/* store_outbox.c: the publish queue (producer.c) and the retention of dead
 * letters. The key is NULL when the message has none (?3 = 0). A failed
 * publication is tried again after 2^attempts seconds, at most ?3. */
#define STORE_OUTBOX_STMTS(X) \
	X(ST_OUTBOX_ADD, "INSERT INTO outbox(topic, msg_key, value, headers, created_at)" \
		" VALUES(?1, CASE WHEN ?3 THEN ?2 END, ?4, ?5, ?6)") \
	X(ST_OUTBOX_DUE, "SELECT id, topic, msg_key, value, headers, attempts FROM outbox" \
		" WHERE next_at <= ? ORDER BY next_at, id LIMIT ?") \
	X(ST_OUTBOX_DELETE, "DELETE FROM outbox WHERE id = ?") \
	X(ST_OUTBOX_RETRY, "UPDATE outbox SET attempts = attempts + 1," \
		" next_at = ?2 + min(?3, 1 << min(attempts, 16)) WHERE id = ?1") \
	X(ST_OUTBOX_COUNT, "SELECT count(*), coalesce(min(created_at), 0) FROM outbox") \
	X(ST_DEAD_PRUNE, "DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters" \
		" WHERE received_at < ? ORDER BY received_at LIMIT ?)")

/* store_reply.c: students' answers (contract section 8). An answer ?1 < 0
 * keeps the answer (a move); ?2: 1 for a move. */
#define STORE_REPLY_STMTS(X) \
	X(ST_APPT_SET_CODE, "UPDATE appointments SET code_hash = ? WHERE id = ?") \
	X(ST_APPT_SET_WINDOW, "UPDATE appointments SET window_key = ? WHERE id = ?") \
	X(ST_APPT_BY_CODE, "SELECT " APPT_COLS " FROM appointments WHERE code_hash = ?") \
	/* Appointments still to come whose link was given out (a new key \
	 * rewrites their codes), by id. */ \
	X(ST_APPTS_CODED, "SELECT id, uid FROM appointments WHERE starts_at > ?1" \
		" AND code_hash IS NOT NULL AND id > ?2 ORDER BY id LIMIT ?3") \
	/* A confirmation changes the event (ATTENDEE, SUMMARY): SEQUENCE + 1 \
	 * (contract 3); a cancellation or a move has bumped it already. */ \
	X(ST_APPT_ANSWER, "UPDATE appointments SET answer = CASE WHEN ?1 < 0 THEN answer" \
		" ELSE ?1 END, moves = moves + ?2, answered_at = ?3, updated_at = ?3, rev = ?4," \
		" sequence = sequence + (?1 = {ANSWER_CONFIRMED}) WHERE id = ?5") \
	X(ST_MSG_INSERT, "INSERT INTO student_messages(student_id, adviser_id, appointment_id, via," \
		" text, received_at) VALUES(?,?,?,?,?,?)") \
	/* The next appointment to answer among students: confirmed, not \
	 * started, earliest first. */ \
	X(ST_APPT_NEXT_OF, "SELECT " APPT_COLS " FROM appointments WHERE student_id = ?1" \
		" AND status = {APPT_CONFIRMED} AND starts_at > ?2 ORDER BY starts_at, id LIMIT 1") \
	/* Acknowledgements queued since ?2 for the students whose phone is ?1. */ \
	X(ST_ACKS_TO_PHONE, "SELECT count(*) FROM reminders r JOIN students s" \
		" ON s.id = r.student_id WHERE s.phone = ?1 AND r.kind IN ({REM_ACK_CONFIRMED}," \
		" {REM_ACK_CANCELLED}, {REM_ACK_MESSAGE}) AND r.due_at >= ?2")

#define STORE_STMTS(X) \
	STORE_CORE_STMTS(X) STORE_INGEST_STMTS(X) STORE_FEED_STMTS(X) STORE_ADMIN_STMTS(X) \
	STORE_DELIVERY_STMTS(X) STORE_HOLD_STMTS(X) STORE_OUTBOX_STMTS(X) STORE_REPLY_STMTS(X)

#endif
