/*
 * model.c — names of the domain model's codes (model.h), both ways.
 */
#include "model.h"

#include <stddef.h>
#include <string.h>

struct model_name {
	int code;
	const char *name;
};

#define MODEL_ROW_(id, code, name) { code, name },

static const struct model_name appt_status_tab[] = { APPT_STATUS_LIST(MODEL_ROW_) };
static const struct model_name appt_kind_tab[] = { APPT_KIND_LIST(MODEL_ROW_) };
static const struct model_name rem_status_tab[] = { REM_STATUS_LIST(MODEL_ROW_) };
static const struct model_name rem_kind_tab[] = { REM_KIND_LIST(MODEL_ROW_) };
static const struct model_name channel_tab[] = { CHANNEL_LIST(MODEL_ROW_) };
static const struct model_name event_type_tab[] = { EVENT_TYPE_LIST(MODEL_ROW_) };
static const struct model_name attendance_tab[] = { ATTENDANCE_LIST(MODEL_ROW_) };
static const struct model_name situation_tab[] = { SITUATION_LIST(MODEL_ROW_) };
static const struct model_name consent_by_tab[] = { CONSENT_BY_LIST(MODEL_ROW_) };
static const struct model_name answer_tab[] = { ANSWER_LIST(MODEL_ROW_) };
static const struct model_name answer_via_tab[] = { ANSWER_VIA_LIST(MODEL_ROW_) };

static const char *
name_of(const struct model_name *t, size_t n, int code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return "unknown";
}

static int
code_of(const struct model_name *t, size_t n, const char *s)
{
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, s) == 0)
			return t[i].code;
	return -1;
}

#define MODEL_FNS_(prefix, tab) \
	const char *prefix##_name(int v) \
	{ \
		return name_of(tab, sizeof tab / sizeof tab[0], v); \
	} \
	int prefix##_parse(const char *s) \
	{ \
		return code_of(tab, sizeof tab / sizeof tab[0], s); \
	}

MODEL_FNS_(appt_status, appt_status_tab)
MODEL_FNS_(appt_kind, appt_kind_tab)
MODEL_FNS_(rem_status, rem_status_tab)
MODEL_FNS_(rem_kind, rem_kind_tab)
MODEL_FNS_(channel, channel_tab)
MODEL_FNS_(event_type, event_type_tab)
MODEL_FNS_(attendance, attendance_tab)
MODEL_FNS_(situation, situation_tab)
MODEL_FNS_(consent_by, consent_by_tab)
MODEL_FNS_(answer, answer_tab)
MODEL_FNS_(answer_via, answer_via_tab)
