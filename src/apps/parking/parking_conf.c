/*
 * res_parking.conf reader and the extensions it implies (parking.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zvonok/config.h>

#include "apps/parking/parking.h"

void parking_lot_defaults(struct park_lot *lot, const char *name)
{
	memset(lot, 0, sizeof(*lot));
	snprintf(lot->name, sizeof(lot->name), "%s", name);
	strcpy(lot->parkext, "700");
	strcpy(lot->context, "parkedcalls");
	lot->start = 701;
	lot->end = 720;
	lot->parkingtime_s = 45;
	lot->comebacktoorigin = true;
	strcpy(lot->comebackcontext, "parkedcallstimeout");
	lot->comebackdialtime_s = 30;
}

/* Options Asterisk has that change nothing here (no warning). */
static const char *const accepted[] = {
	"parkedplay", "parkedcalltransfers", "parkedcallreparking", "parkedcallhangup",
	"parkedcallrecording", "parkext_exclusive", NULL,
};

static bool is_accepted(const char *k)
{
	for (int i = 0; accepted[i]; i++)
		if (!strcasecmp(k, accepted[i]))
			return true;
	return false;
}

static bool is_exten(const char *s)
{
	if (!*s || strlen(s) >= PARK_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789*#", *s))
			return false;
	return true;
}

static bool get_bool(const struct zv_conf_var *v, bool *out, struct zv_diag *diag)
{
	const char *s = v->value;
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcasecmp(s, "on") ||
	    !strcmp(s, "1")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcasecmp(s, "off") ||
	    !strcmp(s, "0")) {
		*out = false;
		return true;
	}
	zv_diag_error(diag, v->file, v->line, "%s=%s: expected yes or no", v->name, s);
	return false;
}

static void get_name(const struct zv_conf_var *v, char *dst, struct zv_diag *diag)
{
	if (strlen(v->value) >= PARK_NAME_MAX) {
		zv_diag_error(diag, v->file, v->line, "%s: value longer than %d characters",
			      v->name, PARK_NAME_MAX - 1);
		return;
	}
	snprintf(dst, PARK_NAME_MAX, "%s", v->value);
}

static void get_secs(const struct zv_conf_var *v, unsigned *dst, long min, struct zv_diag *diag)
{
	long n;
	if (zv_conf_parse_int(v->value, min, 86400, &n)) {
		zv_diag_error(diag, v->file, v->line, "%s=%s: expected seconds from %ld to 86400",
			      v->name, v->value, min);
		return;
	}
	*dst = (unsigned)n;
}

/* parkpos => 701-720 */
static void get_range(const struct zv_conf_var *v, struct park_lot *lot, struct zv_diag *diag)
{
	char *end;
	const char *s = v->value;
	long a = -1, b = -1;
	if (*s >= '0' && *s <= '9') {
		a = strtol(s, &end, 10);
		if (*end == '-' && end[1] >= '0' && end[1] <= '9') {
			b = strtol(end + 1, &end, 10);
			if (*end)
				b = -1;
		}
	}
	if (a < 0 || b < a || b > 99999999 || b - a >= PARK_SPACES_MAX) {
		zv_diag_error(diag, v->file, v->line,
			      "parkpos=%s: expected a range of at most %d spaces, e.g. 701-720",
			      s, PARK_SPACES_MAX);
		return;
	}
	lot->start = (int)a;
	lot->end = (int)b;
}

static void parse_lot(const struct zv_conf_section *sec, struct zv_diag *diag,
		      struct park_lot *lot)
{
	for (const struct zv_conf_var *v = zv_conf_var_next(sec, NULL, NULL); v;
	     v = zv_conf_var_next(sec, NULL, v)) {
		const char *k = v->name;
		if (!strcasecmp(k, "parkext")) {
			if (*v->value && !is_exten(v->value))
				zv_diag_error(diag, v->file, v->line,
					      "parkext=%s: expected digits (and * #)", v->value);
			else
				snprintf(lot->parkext, sizeof(lot->parkext), "%s", v->value);
		} else if (!strcasecmp(k, "parkpos")) {
			get_range(v, lot, diag);
		} else if (!strcasecmp(k, "context") || !strcasecmp(k, "comebackcontext")) {
			if (strpbrk(v->value, "[];,() \t") || !*v->value)
				zv_diag_error(diag, v->file, v->line, "%s=%s: not a context name",
					      k, v->value);
			else
				get_name(v, !strcasecmp(k, "context") ? lot->context
								 : lot->comebackcontext,
					 diag);
		} else if (!strcasecmp(k, "parkingtime")) {
			get_secs(v, &lot->parkingtime_s, 0, diag);
		} else if (!strcasecmp(k, "comebacktoorigin")) {
			get_bool(v, &lot->comebacktoorigin, diag);
		} else if (!strcasecmp(k, "comebackdialtime")) {
			get_secs(v, &lot->comebackdialtime_s, 1, diag);
		} else if (!strcasecmp(k, "parkedmusicclass")) {
			get_name(v, lot->musicclass, diag);
		} else if (!strcasecmp(k, "courtesytone")) {
			get_name(v, lot->courtesytone, diag);
		} else if (!strcasecmp(k, "parkinghints")) {
			get_bool(v, &lot->parkinghints, diag);
		} else if (!strcasecmp(k, "findslot")) {
			if (!strcasecmp(v->value, "next"))
				lot->findslot_next = true;
			else if (!strcasecmp(v->value, "first"))
				lot->findslot_next = false;
			else
				zv_diag_error(diag, v->file, v->line,
					      "findslot=%s: expected first or next", v->value);
		} else if (!is_accepted(k)) {
			zv_diag_warn(diag, v->file, v->line,
				     "res_parking.conf [%s]: unknown option '%s'", sec->name, k);
		}
	}
}

const struct park_lot *parking_lot_find(const struct park_cfg *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n; i++)
		if (!strcasecmp(cfg->lots[i].name, name))
			return &cfg->lots[i];
	return NULL;
}

int parking_conf_parse(const struct zv_conf *conf, struct zv_diag *diag, struct park_cfg *cfg)
{
	size_t errors = diag->errors;
	memset(cfg, 0, sizeof(*cfg));
	for (const struct zv_conf_section *s = conf ? zv_conf_section_next(conf, NULL) : NULL; s;
	     s = zv_conf_section_next(conf, s)) {
		if (!strcasecmp(s->name, "general")) {
			for (const struct zv_conf_var *v = zv_conf_var_next(s, NULL, NULL); v;
			     v = zv_conf_var_next(s, NULL, v))
				zv_diag_warn(diag, v->file, v->line,
					     "res_parking.conf [general] %s: not supported "
					     "(dynamic lots), ignored",
					     v->name);
			continue;
		}
		if (strlen(s->name) >= PARK_NAME_MAX || strpbrk(s->name, ",()[]; \t")) {
			zv_diag_error(diag, s->file, s->line,
				      "lot name [%s]: too long, or has , ( ) [ ] ; or a space",
				      s->name);
			continue;
		}
		struct park_lot *lot = (struct park_lot *)parking_lot_find(cfg, s->name);
		if (!lot) {
			if (cfg->n == PARK_LOTS_MAX) {
				zv_diag_error(diag, s->file, s->line, "more than %d parking lots",
					      PARK_LOTS_MAX);
				continue;
			}
			lot = &cfg->lots[cfg->n++];
			parking_lot_defaults(lot, s->name);
		}
		parse_lot(s, diag, lot);
	}
	if (!parking_lot_find(cfg, "default") && cfg->n < PARK_LOTS_MAX)
		parking_lot_defaults(&cfg->lots[cfg->n++], "default");
	/* two lots may not claim the same extension of a context */
	for (unsigned i = 0; i < cfg->n; i++)
		for (unsigned j = i + 1; j < cfg->n; j++) {
			const struct park_lot *a = &cfg->lots[i], *b = &cfg->lots[j];
			if (strcasecmp(a->context, b->context))
				continue;
			if (a->start <= b->end && b->start <= a->end)
				zv_diag_error(diag, NULL, 0,
					      "res_parking.conf: lots %s and %s share spaces in "
					      "context %s",
					      a->name, b->name, a->context);
		}
	return diag->errors > errors ? -EINVAL : 0;
}

char *parking_conf_text(const struct park_cfg *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (unsigned i = 0; i < cfg->n; i++) {
		const struct park_lot *l = &cfg->lots[i];
		fprintf(f, "[%s]\n", l->context);
		if (l->parkext[0])
			fprintf(f, "exten => %s,1,Park(%s)\n", l->parkext, l->name);
		for (int s = l->start; s <= l->end; s++) {
			fprintf(f, "exten => %d,1,ParkedCall(%s,%d)\n", s, l->name, s);
			if (l->parkinghints)
				fprintf(f, "exten => %d,hint,park:%d@%s\n", s, s, l->context);
		}
	}
	if (fclose(f))
		return NULL;
	return buf;
}
