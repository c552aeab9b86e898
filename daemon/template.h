/*
 * template.h — message templates of relanced: SMS and email reminders in
 * French and English, adviser alerts (two absences, lost student) and the
 * JSON body of the SMS webhook, loaded from [templates] dir
 * (conf/templates/README lists the files and placeholders).
 *
 * A template is text with {name} placeholders (letters, digits, "_"; any
 * other "{" is literal text, as in JSON). Every placeholder is checked against the names known for that template
 * at load time: an unknown one is a configuration error reported as
 * "FILE:LINE: unknown placeholder {x}". Loaded templates never change; a
 * reload loads a new set and swaps it only when it is valid.
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

/* File name of a template, relative to the directory ("fr/reminder.sms"). */
const char *template_file(enum tpl_id id, const char *locale);

#endif
