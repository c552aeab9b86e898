/*
 * web_reply_page.c — the HTML of the students' page (web_reply_page.h).
 *
 * Plain server-rendered HTML5 that works without JavaScript on a basic
 * phone browser: one column, a small inline stylesheet (no external
 * resource: the page's Content-Security-Policy allows inline styles only),
 * text that wraps at 360 px, buttons as wide as the screen, colours that
 * pass WCAG AA (the least contrasted pair, white on #1d6b2f, is 6.6:1), a
 * visible focus ring. Headings, a definition list for the appointment,
 * labels for every radio button, buttons that say what they do. The move
 * form sits in a <details> element: "Déplacer le rendez-vous" opens it
 * without a script (browsers without <details> just show it open).
 *
 * What is shown of the appointment is struct reply_view and nothing else:
 * kind, day, time, place, adviser's first name; never the student's name,
 * phone or email. Every string from outside (place, adviser's name) is
 * escaped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "web_reply_page.h"

/* ---- texts --------------------------------------------------------------------- */

struct texts {
	const char *lang, *title, *kind[APPT_KIND_N], *l_kind, *l_day, *l_time, *l_place, *l_with;
	const char *at;                 /* between day and time of a slot */
	const char *st_pending, *st_confirmed, *st_cancelled_me, *st_cancelled, *st_moved;
	const char *h_answer, *b_confirm, *b_cancel, *b_move, *legend, *b_choose;
	const char *no_slot, *moves_used, *contact, *contact_named;
	const char *n_confirm, *n_cancel, *n_move, *n_stale, *n_slot_taken, *n_cancelled;
	const char *n_refused, *n_no_slot;
	const char *forbidden_h, *forbidden_p, *back;
};

static const struct texts fr = {
	"fr", "Votre rendez-vous",
	{ "", "Entretien de suivi", "Permanence", "Atelier" },
	"Rendez-vous", "Jour", "Heure", "Lieu", "Avec", " à ",
	"Merci de nous dire si vous venez.",
	"Vous avez confirmé votre venue. Merci !",
	"Vous avez annulé ce rendez-vous.",
	"Ce rendez-vous est annulé.",
	"Vous avez déplacé ce rendez-vous (%d fois sur %d).",
	"Votre réponse", "Je confirme", "Je ne peux pas venir", "Déplacer le rendez-vous",
	"Choisissez un nouveau créneau", "Choisir ce créneau",
	"Il n'y a pas d'autre créneau libre pour le moment.",
	"Vous avez déjà déplacé ce rendez-vous %d fois.",
	"Pour le changer, contactez votre conseiller ou votre conseillère.",
	"Pour le changer, contactez %s, votre conseiller ou conseillère.",
	"C'est noté : vous avez confirmé votre venue. Merci !",
	"C'est noté : le rendez-vous est annulé. Votre conseiller ou conseillère le verra.",
	"C'est noté : votre rendez-vous est déplacé au %s à %s.",
	"Ce rendez-vous a changé depuis que la page a été affichée. Le voici tel qu'il est "
	"maintenant : rien n'a été fait, répondez à nouveau si besoin.",
	"Ce créneau n'est plus libre. Choisissez-en un autre.",
	"Ce rendez-vous est annulé : il ne peut plus être changé ici.",
	"Ce changement n'est plus possible ici.",
	"Choisissez d'abord un créneau dans la liste.",
	"Ce formulaire n'est pas valable",
	"Rien n'a été changé. Rouvrez votre rendez-vous et répondez à nouveau.",
	"Revoir mon rendez-vous",
};

static const struct texts en = {
	"en", "Your appointment",
	{ "", "Check-in", "Drop-in", "Workshop" },
	"Appointment", "Day", "Time", "Place", "With", ", ",
	"Please tell us whether you will come.",
	"You confirmed you will come. Thank you!",
	"You cancelled this appointment.",
	"This appointment is cancelled.",
	"You moved this appointment (%d of %d times).",
	"Your answer", "I confirm", "I can't come", "Move the appointment",
	"Choose a new time", "Choose this time",
	"There is no other free time at the moment.",
	"You have already moved this appointment %d times.",
	"To change it, contact your adviser.",
	"To change it, contact %s, your adviser.",
	"Noted: you confirmed you will come. Thank you!",
	"Noted: the appointment is cancelled. Your adviser will see it.",
	"Noted: your appointment is moved to %s, %s.",
	"This appointment changed since the page was shown. Here it is now: nothing was "
	"done, answer again if you need to.",
	"That time is no longer free. Please choose another one.",
	"This appointment is cancelled: it can no longer be changed here.",
	"This change is no longer possible here.",
	"Please choose a time in the list first.",
	"This form is not valid",
	"Nothing was changed. Open your appointment again and answer again.",
	"See my appointment",
};

static const struct texts *
texts_of(const struct reply_view *v)
{
	return v && strcmp(v->locale, "en") == 0 ? &en : &fr;
}

/* ---- HTML ---------------------------------------------------------------------- */

static const char style[] =
	"body{margin:0;padding:1rem;font:1.0625rem/1.5 system-ui,-apple-system,'Segoe UI',"
	"Roboto,sans-serif;color:#1a1a1a;background:#fff}"
	"main{max-width:36rem;margin:0 auto}"
	"h1{font-size:1.5rem;margin:0 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}"
	"dl{margin:0 0 1rem}dt{font-weight:700}dd{margin:0 0 .5rem;overflow-wrap:anywhere}"
	"p{overflow-wrap:anywhere}"
	".note{padding:.75rem;border-left:.35rem solid #0b5394;background:#e8f0fa}"
	".ok{border-color:#1d6b2f;background:#e6f4ea}.warn{border-color:#a61c00;background:#fdecea}"
	"form{margin:.5rem 0}"
	"button{display:block;box-sizing:border-box;width:100%;min-height:3rem;padding:.75rem 1rem;"
	"font:inherit;font-weight:700;color:#fff;background:#1d6b2f;border:0;border-radius:.4rem}"
	"button.no{background:#a61c00}button.mv{background:#0b5394}"
	"summary{display:block;box-sizing:border-box;padding:.75rem 1rem;font-weight:700;"
	"color:#0b5394;border:2px solid #0b5394;border-radius:.4rem;cursor:pointer}"
	"fieldset{border:0;margin:0;padding:0}legend{font-weight:700;padding:.75rem 0 .25rem}"
	"label{display:block;padding:.6rem .25rem;border-bottom:1px solid #ccc}"
	"input[type=radio]{width:1.25rem;height:1.25rem;margin:0 .6rem 0 0;vertical-align:middle}"
	"a{color:#0b5394}"
	":focus{outline:3px solid #1a1a1a;outline-offset:2px}";

static void
add(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
addf(struct strbuf *b, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		strbuf_add(b, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* s with & < > " ' as character references */
static void
add_esc(struct strbuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': add(b, "&amp;"); break;
		case '<': add(b, "&lt;"); break;
		case '>': add(b, "&gt;"); break;
		case '"': add(b, "&quot;"); break;
		case '\'': add(b, "&#39;"); break;
		default: strbuf_add(b, s, 1);
		}
	}
}

static void
head(struct strbuf *b, const char *lang, const char *title)
{
	addf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
		"<meta name=\"robots\" content=\"noindex,nofollow\">\n<title>", lang);
	add_esc(b, title);
	add(b, "</title>\n<style>");
	add(b, style);
	add(b, "</style>\n</head>\n<body>\n<main>\n");
}

static char *
finish(struct strbuf *b, size_t *len)
{
	add(b, "</main>\n</body>\n</html>\n");
	*len = b->len;
	return b->p;
}

/* ---- dates ---------------------------------------------------------------------- */

void
page_day_text(int64_t t, int en_, char *out, size_t outlen)
{
	static const char *const fr_days[] = { "lundi", "mardi", "mercredi", "jeudi", "vendredi",
					       "samedi", "dimanche" };
	static const char *const en_days[] = { "Monday", "Tuesday", "Wednesday", "Thursday",
					       "Friday", "Saturday", "Sunday" };
	static const char *const fr_months[] = { "janvier", "février", "mars", "avril", "mai",
						 "juin", "juillet", "août", "septembre",
						 "octobre", "novembre", "décembre" };
	static const char *const en_months[] = { "January", "February", "March", "April", "May",
						 "June", "July", "August", "September",
						 "October", "November", "December" };
	int32_t day;
	int minute, y, m, d;

	epoch_to_wall(t, &day, &minute);
	civil_from_days(day, &y, &m, &d);
	if (en_)
		snprintf(out, outlen, "%s %d %s %d", en_days[weekday_of_day(day)], d,
			 en_months[(m - 1) % 12], y);
	else
		snprintf(out, outlen, "%s %d%s %s %d", fr_days[weekday_of_day(day)], d,
			 d == 1 ? "er" : "", fr_months[(m - 1) % 12], y);
}

void
page_time_text(int64_t t, int en_, char *out, size_t outlen)
{
	int32_t day;
	int minute;

	epoch_to_wall(t, &day, &minute);
	snprintf(out, outlen, en_ ? "%d:%02d" : "%dh%02d", minute / 60, minute % 60);
}

/* ---- the page -------------------------------------------------------------------- */

static void
details(struct strbuf *b, const struct texts *tx, const struct reply_view *v)
{
	char day[64], tm[16];
	int en_ = tx == &en;

	page_day_text(v->starts_at, en_, day, sizeof day);
	page_time_text(v->starts_at, en_, tm, sizeof tm);
	addf(b, "<dl>\n<dt>%s</dt><dd>%s</dd>\n", tx->l_kind,
	     tx->kind[v->kind > 0 && v->kind < APPT_KIND_N ? v->kind : KIND_CHECKIN]);
	addf(b, "<dt>%s</dt><dd>%s</dd>\n<dt>%s</dt><dd>%s", tx->l_day, day, tx->l_time, tm);
	if (v->ends_at > v->starts_at)
		addf(b, " (%lld min)", (long long)((v->ends_at - v->starts_at) / 60));
	addf(b, "</dd>\n");
	if (v->location[0]) {
		addf(b, "<dt>%s</dt><dd>", tx->l_place);
		add_esc(b, v->location);
		add(b, "</dd>\n");
	}
	if (v->adviser_first_name[0]) {
		addf(b, "<dt>%s</dt><dd>", tx->l_with);
		add_esc(b, v->adviser_first_name);
		add(b, "</dd>\n");
	}
	add(b, "</dl>\n");
}

/* The notice at the top: what was just done, or why nothing was. */
static void
notice(struct strbuf *b, const struct texts *tx, const struct page *p)
{
	char day[64], tm[16];
	const char *cls = "note warn", *text = NULL;
	int en_ = tx == &en;

	switch (p->notice) {
	case NOTICE_NONE: return;
	case NOTICE_DONE_CONFIRM: cls = "note ok"; text = tx->n_confirm; break;
	case NOTICE_DONE_CANCEL: cls = "note ok"; text = tx->n_cancel; break;
	case NOTICE_DONE_MOVE:
		page_day_text(p->v->starts_at, en_, day, sizeof day);
		page_time_text(p->v->starts_at, en_, tm, sizeof tm);
		add(b, "<p class=\"note ok\" role=\"status\">");
		addf(b, tx->n_move, day, tm);
		add(b, "</p>\n");
		return;
	case NOTICE_STALE: text = tx->n_stale; break;
	case NOTICE_MOVES_USED: text = tx->n_refused; break;
	case NOTICE_SLOT_TAKEN: text = tx->n_slot_taken; break;
	case NOTICE_CANCELLED: text = tx->n_cancelled; break;
	case NOTICE_REFUSED: text = tx->n_refused; break;
	case NOTICE_NO_SLOT: text = tx->n_no_slot; break;
	}
	addf(b, "<p class=\"%s\" role=\"%s\">%s</p>\n", cls,
	     strcmp(cls, "note ok") == 0 ? "status" : "alert", text);
}

static void
state(struct strbuf *b, const struct texts *tx, const struct reply_view *v)
{
	add(b, "<p>");
	if (v->status == APPT_CANCELLED) {
		add(b, v->answer == ANSWER_CANCELLED ? tx->st_cancelled_me : tx->st_cancelled);
	} else {
		if (v->answer == ANSWER_CONFIRMED)
			add(b, tx->st_confirmed);
		else if (v->moves == 0)
			add(b, tx->st_pending);
		if (v->moves > 0) {
			if (v->answer == ANSWER_CONFIRMED)
				add(b, " ");
			addf(b, tx->st_moved, v->moves, REPLY_MAX_MOVES);
		}
	}
	add(b, "</p>\n");
}

static void
form_open(struct strbuf *b, const struct page *p, const char *action)
{
	/* A relative action ("CODE"): the page's own URL, whatever prefix the
	 * reverse proxy puts before /r/. */
	addf(b, "<form method=\"post\" action=\"%s\">\n"
		"<input type=\"hidden\" name=\"token\" value=\"%s\">\n"
		"<input type=\"hidden\" name=\"action\" value=\"%s\">\n",
	     p->code, p->token, action);
}

static void
contact(struct strbuf *b, const struct texts *tx, const struct reply_view *v)
{
	struct strbuf name = { 0 };
	if (v->adviser_first_name[0] == '\0') {
		add(b, tx->contact);
		return;
	}
	add_esc(&name, v->adviser_first_name);
	addf(b, tx->contact_named, name.p);
	free(name.p);
}

static void
move_part(struct strbuf *b, const struct texts *tx, const struct page *p)
{
	const struct reply_view *v = p->v;
	char day[64], tm[16];
	int en_ = tx == &en;

	if (v->moves >= REPLY_MAX_MOVES || p->nslots <= 0) {
		addf(b, "<h2>%s</h2>\n<p>", tx->b_move);
		if (v->moves >= REPLY_MAX_MOVES)
			addf(b, tx->moves_used, v->moves);
		else
			add(b, tx->no_slot);
		add(b, " ");
		contact(b, tx, v);
		add(b, "</p>\n");
		return;
	}
	addf(b, "<details%s>\n<summary>%s</summary>\n",
	     p->notice == NOTICE_SLOT_TAKEN || p->notice == NOTICE_NO_SLOT ? " open" : "", tx->b_move);
	form_open(b, p, "move");
	addf(b, "<fieldset>\n<legend>%s</legend>\n", tx->legend);
	for (int i = 0; i < p->nslots; i++) {
		page_day_text(p->slots[i], en_, day, sizeof day);
		page_time_text(p->slots[i], en_, tm, sizeof tm);
		addf(b, "<label for=\"s%d\"><input type=\"radio\" id=\"s%d\" name=\"slot\" "
			"value=\"%lld\" required> %s%s%s</label>\n",
		     i + 1, i + 1, (long long)p->slots[i], day, tx->at, tm);
	}
	addf(b, "</fieldset>\n<button type=\"submit\" class=\"mv\">%s</button>\n</form>\n"
		"</details>\n", tx->b_choose);
}

char *
page_html(const struct page *p, size_t *len)
{
	const struct texts *tx = texts_of(p->v);
	const struct reply_view *v = p->v;
	struct strbuf b = { 0 };

	head(&b, tx->lang, tx->title);
	addf(&b, "<h1>%s</h1>\n", tx->title);
	notice(&b, tx, p);
	details(&b, tx, v);
	state(&b, tx, v);
	if (v->status == APPT_CANCELLED)
		return finish(&b, len);
	addf(&b, "<h2>%s</h2>\n", tx->h_answer);
	if (v->answer != ANSWER_CONFIRMED) {
		form_open(&b, p, "confirm");
		addf(&b, "<button type=\"submit\">%s</button>\n</form>\n", tx->b_confirm);
	}
	form_open(&b, p, "cancel");
	addf(&b, "<button type=\"submit\" class=\"no\">%s</button>\n</form>\n", tx->b_cancel);
	move_part(&b, tx, p);
	return finish(&b, len);
}

char *
page_forbidden_html(const struct reply_view *v, const char *code, size_t *len)
{
	const struct texts *tx = texts_of(v);
	struct strbuf b = { 0 };

	head(&b, tx->lang, tx->forbidden_h);
	addf(&b, "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"%s\">%s</a></p>\n", tx->forbidden_h,
	     tx->forbidden_p, code, tx->back);
	return finish(&b, len);
}

char *
page_plain_html(enum page_plain what, size_t *len)
{
	static const struct {
		const char *fr_h, *fr_p, *en_h, *en_p;
	} t[] = {
		[PLAIN_NOT_FOUND] = {
			"Lien inconnu ou expiré",
			"Ce lien de rendez-vous n'existe pas ou n'est plus valable : le rendez-vous "
			"a peut-être déjà commencé. Pour toute question, contactez votre mission locale.",
			"Unknown or expired link",
			"This appointment link does not exist or is no longer valid: the appointment "
			"may have started already. If you have a question, contact your mission locale." },
		[PLAIN_RATE_LIMITED] = {
			"Trop d'essais",
			"Trop de liens inconnus ont été ouverts depuis votre connexion. Réessayez "
			"dans quelques minutes.",
			"Too many attempts",
			"Too many unknown links were opened from your connection. Please try again "
			"in a few minutes." },
		[PLAIN_UNAVAILABLE] = {
			"Service momentanément indisponible",
			"Votre réponse n'a pas pu être prise en compte. Réessayez dans quelques minutes.",
			"Service unavailable for a moment",
			"Your answer could not be taken. Please try again in a few minutes." },
		[PLAIN_BAD_REQUEST] = {
			"Demande incomprise",
			"Ce formulaire n'a pas pu être lu. Rouvrez le lien de votre rappel.",
			"Request not understood",
			"This form could not be read. Please open the link of your reminder again." },
	};
	struct strbuf b = { 0 };

	if ((size_t)what >= ARRAY_SIZE(t))
		what = PLAIN_NOT_FOUND;
	head(&b, "fr", t[what].fr_h);
	addf(&b, "<h1>%s</h1>\n<p>%s</p>\n<div lang=\"en\">\n<h2>%s</h2>\n<p>%s</p>\n</div>\n",
	     t[what].fr_h, t[what].fr_p, t[what].en_h, t[what].en_p);
	return finish(&b, len);
}
