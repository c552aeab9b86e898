/*
 * template.h — message templates of relanced: SMS and email reminders in
 * French and English, the SMS acknowledgements of students' replies,
 * adviser alerts (two absences, lost student, students' messages) and the
 * JSON body of the SMS webhook, loaded from [templates] dir
 * (conf/templates/README lists the files and placeholders).
 *
 * A template is text with {name} placeholders (letters, digits, "_"; any
 * other "{" is literal text, as in JSON). Every placeholder is checked against the names known for that template
 * at load time: an unknown one is a configuration error reported as
 * "FILE:LINE: unknown placeholder {x}". Loaded templates never change; a
 * reload loads a new set and swaps it only when it is valid.
 *
 * Except in webhook.json, "{[...]}" is an optional part (not nested): it
 * is dropped when a placeholder in it renders empty, and in SMS reminders
 * when the text does not fit one segment (template_render_sms()).
 */
#ifndef RELANCE_TEMPLATE_H
#define RELANCE_TEMPLATE_H

#include <stddef.h>

#include "config.h"

enum tpl_id {
	TPL_SMS_REMINDER,           /* <locale>/reminder.sms */
	TPL_EMAIL_REMINDER,         /* <locale>/reminder.email: "Subject:" line, blank, body */
	TPL_ALERT_ABSENCES,         /* <locale>/alert-absences.email */
	TPL_ALERT_LOST,             /* <locale>/alert-lost.email */
	TPL_SMS_WEBHOOK,            /* webhook.json (no locale; values JSON-escaped) */
	TPL_SMS_ACK_CONFIRMED,      /* <locale>/ack-confirmed.sms: a student's "yes" */
	TPL_SMS_ACK_CANCELLED,      /* <locale>/ack-cancelled.sms: a student's "no" */
	TPL_SMS_ACK_MESSAGE,        /* <locale>/ack-message.sms: any other reply */
	TPL_ALERT_MESSAGES,         /* <locale>/alert-messages.email: students' messages
				     * to an adviser, [calendar] adviser_locale */
	TPL_COUNT
};

struct templates;

/* One placeholder value. NULL values render as "". */
struct tpl_var {
	const char *name;
	const char *value;
};

/* Loads every template of dir. NULL if anything is missing or invalid
 * (each problem reported through errfn as "FILE:LINE: reason"). */
struct templates *template_load(const char *dir, config_error_fn errfn, void *arg);

/* Why dir cannot serve as the templates directory (not there, not a
 * directory, not searchable), or NULL when it can. */
const char *template_dir_problem(const char *dir);
void template_free(struct templates *t);

/*
 * Renders template id in locale ("fr" or "en"; anything else is "fr").
 * Email templates give the subject in *subject (malloc'd) and the body as
 * the result; subject may be NULL for the others. Values are inserted as
 * they are, except in TPL_SMS_WEBHOOK where they are JSON-string-escaped.
 * Returns a malloc'd string.
 */
char *template_render(const struct templates *t, enum tpl_id id, const char *locale,
		      const struct tpl_var *vars, size_t nvars, char **subject);

/*
 * The SMS reminder (TPL_SMS_REMINDER) of locale. gsm7 ([sms] encoding =
 * gsm7): transliterated to GSM 03.38 (gsm7.h) and fitted to one segment of
 * 160 septets: the longest name ({given_name}, {family_name},
 * {adviser_name}) is cut first, down to 10 characters (at a space or
 * hyphen when it can, never inside a character), then the optional parts
 * are dropped from the last one, then names are cut down to 1 character;
 * the time and the place are never shortened, so a text whose fixed part
 * is too long stays longer (the caller logs its segments). !gsm7: rendered
 * as it is. Returns a malloc'd string.
 */
char *template_render_sms(const struct templates *t, const char *locale,
			  const struct tpl_var *vars, size_t nvars, int gsm7);
/* The same for the SMS template id (TPL_SMS_REMINDER or TPL_SMS_ACK_*):
 * the link ({link}) is never shortened either. */
char *template_render_sms_id(const struct templates *t, enum tpl_id id, const char *locale,
			     const struct tpl_var *vars, size_t nvars, int gsm7);

/* File name of a template, relative to the directory ("fr/reminder.sms"). */
const char *template_file(enum tpl_id id, const char *locale);

#endif
