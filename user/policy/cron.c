// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Cron expressions for time schedules: the five classic fields with the
 * Vixie cron rules (when both day fields are restricted a day matches if
 * either does; 7 is Sunday like 0), names for months and weekdays, and the
 * @hourly/@daily/@weekly/@monthly/@yearly shorthands.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "policy.h"

struct cron_field {
	const char *name;
	int lo, hi;
	const char *const *names;	/* names[i] is value lo + i */
};

static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec", NULL,
};
static const char *const dow_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL,
};

static const struct cron_field fields[5] = {
	{ "minute", 0, 59, NULL },
	{ "hour", 0, 23, NULL },
	{ "day of month", 1, 31, NULL },
	{ "month", 1, 12, month_names },
	{ "day of week", 0, 7, dow_names },
};

static void set_err(char *err, size_t errlen, const char *fmt, const char *field,
		    const char *tok, int a, int b)
{
	char msg[96];

	if (!err || !errlen)
		return;
	snprintf(msg, sizeof(msg), fmt, tok, a, b);
	snprintf(err, errlen, "%s: %s", field, msg);
}

/* Parse one number or name at *s; advances *s. */
static int parse_value(const struct cron_field *f, const char **s, int *out)
{
	const char *p = *s;

	if (isdigit((unsigned char)*p)) {
		long v = 0;

		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (*p - '0');
			if (v > 1000)
				return -EINVAL;
			p++;
		}
		*out = (int)v;
		*s = p;
		return 0;
	}
	if (f->names && isalpha((unsigned char)p[0]) && isalpha((unsigned char)p[1]) &&
	    isalpha((unsigned char)p[2]) && !isalpha((unsigned char)p[3])) {
		for (int i = 0; f->names[i]; i++) {
			if (!strncasecmp(p, f->names[i], 3)) {
				*out = f->lo + i;
				*s = p + 3;
				return 0;
			}
		}
	}
	return -EINVAL;
}

/* One field: list of (* | v | v-v) [/step]. Sets bits in *mask. */
static int parse_field(const struct cron_field *f, const char *tok, uint64_t *mask, bool *star,
		       char *err, size_t errlen)
{
	const char *p = tok;

	*mask = 0;
	*star = !strcmp(tok, "*");
	for (;;) {
		int a, b, step = 1;

		if (*p == '*') {
			a = f->lo;
			b = f->hi;
			p++;
		} else {
			if (parse_value(f, &p, &a)) {
				set_err(err, errlen, "bad value in '%s'", f->name, tok, 0, 0);
				return -EINVAL;
			}
			b = a;
			if (*p == '-') {
				p++;
				if (parse_value(f, &p, &b)) {
					set_err(err, errlen, "bad range in '%s'", f->name, tok, 0, 0);
					return -EINVAL;
				}
			}
		}
		if (*p == '/') {
			p++;
			if (parse_value(&fields[0], &p, &step) || step < 1) {
				set_err(err, errlen, "bad step in '%s'", f->name, tok, 0, 0);
				return -EINVAL;
			}
		}
		if (a < f->lo || a > f->hi || b < f->lo || b > f->hi) {
			set_err(err, errlen, "'%s' out of range %d-%d", f->name, tok, f->lo, f->hi);
			return -EINVAL;
		}
		if (a > b) {
			set_err(err, errlen, "range '%s' runs backwards", f->name, tok, 0, 0);
			return -EINVAL;
		}
		for (int v = a; v <= b; v += step)
			*mask |= 1ull << v;
		if (*p == '\0')
			return 0;
		if (*p != ',' || p[1] == '\0') {
			set_err(err, errlen, "unexpected character in '%s'", f->name, tok, 0, 0);
			return -EINVAL;
		}
		p++;
	}
}

static const struct {
	const char *name, *expr;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" },  { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" },  { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

int xlb_cron_parse(const char *expr, struct xlb_cron *out, char *err, size_t errlen)
{
	char buf[XLB_CRON_EXPR_MAX], *tok[6], *save = NULL, *t;
	uint64_t mask[5];
	bool star[5];
	int n = 0;

	if (!expr || !out) {
		if (err && errlen)
			snprintf(err, errlen, "no cron expression");
		return -EINVAL;
	}
	while (isspace((unsigned char)*expr))
		expr++;
	if (*expr == '@') {
		size_t i;

		for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
			if (!strcasecmp(expr, macros[i].name))
				break;
		if (i == sizeof(macros) / sizeof(macros[0])) {
			if (err && errlen)
				snprintf(err, errlen, "unknown shorthand '%.40s'", expr);
			return -EINVAL;
		}
		expr = macros[i].expr;
	}
	if (strlen(expr) >= sizeof(buf)) {
		if (err && errlen)
			snprintf(err, errlen, "cron expression too long");
		return -EINVAL;
	}
	strcpy(buf, expr);
	for (t = strtok_r(buf, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		if (n == 6)
			break;
		tok[n++] = t;
	}
	if (n != 5) {
		if (err && errlen)
			snprintf(err, errlen,
				 "expected 5 fields (minute hour day-of-month month day-of-week), got %s",
				 n > 5 ? "more" : n == 0 ? "none" : "fewer");
		return -EINVAL;
	}
	for (int i = 0; i < 5; i++)
		if (parse_field(&fields[i], tok[i], &mask[i], &star[i], err, errlen))
			return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->minute = mask[0];
	out->hour = (uint32_t)mask[1];
	out->dom = (uint32_t)mask[2];
	out->month = (uint16_t)mask[3];
	out->dow = (uint8_t)((mask[4] & 0x7f) | ((mask[4] >> 7) & 1));
	out->dom_star = star[2];
	out->dow_star = star[4];
	return 0;
}

bool xlb_cron_match(const struct xlb_cron *c, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	bool dom, dow;

	if (!gmtime_r(&tt, &tm))
		return false;
	if (!(c->minute >> tm.tm_min & 1) || !(c->hour >> tm.tm_hour & 1) ||
	    !(c->month >> (tm.tm_mon + 1) & 1))
		return false;
	dom = c->dom >> tm.tm_mday & 1;
	dow = c->dow >> tm.tm_wday & 1;
	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow;
}

int xlb_schedule_set(struct xlb_schedule *s, const char *expr, unsigned duration_s,
		     unsigned capacity, bool exact, char *err, size_t errlen)
{
	int ret;

	memset(s, 0, sizeof(*s));
	ret = xlb_cron_parse(expr, &s->cron, err, errlen);
	if (ret)
		return ret;
	if (!duration_s) {
		if (err && errlen)
			snprintf(err, errlen, "schedule '%s': duration must be > 0", expr);
		return -EINVAL;
	}
	snprintf(s->expr, sizeof(s->expr), "%s", expr);
	s->duration_s = duration_s;
	s->capacity = capacity;
	s->exact = exact;
	return 0;
}
