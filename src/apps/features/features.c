/*
 * The `features` module: features.conf ([general], [featuremap]) and the
 * `features show` CLI command.
 *
 * DESIGN
 * prepare parses the snapshot's features.conf into a struct features_cfg
 * (features_conf_parse(), a pure function the unit test and the fuzz
 * target call directly); commit copies it into `current` under a mutex.
 * Until a commit, and when the file is missing, `current` holds
 * Asterisk's built-in defaults: blind transfer #, disconnect *, no
 * attended transfer or MixMonitor code, featuredigittimeout 1000 ms,
 * transferdigittimeout 3 s, atxfernoanswertimeout 15 s, atxferabort *1,
 * atxfercomplete *2, atxferthreeway *3, pickupexten *8.  Dynamic features
 * ([applicationmap]) and feature groups are refused with a warning: the
 * file still loads.  Codes are checked to be DTMF (0-9 * # A-D).
 */
#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "features"
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/module.h>

#include "apps/features/features.h"

static const struct {
	const char *key, *name, *def;
} feats[FEAT_N] = {
	[FEAT_BLINDXFER] = {"blindxfer", "Blind Transfer", "#"},
	[FEAT_ATXFER] = {"atxfer", "Attended Transfer", ""},
	[FEAT_AUTOMON] = {"automon", "One Touch Monitor", ""},
	[FEAT_DISCONNECT] = {"disconnect", "Disconnect Call", "*"},
	[FEAT_PARKCALL] = {"parkcall", "Park Call", ""},
	[FEAT_AUTOMIXMON] = {"automixmon", "One Touch MixMonitor", ""},
};

const char *features_name(enum feat_id id)
{
	return id < FEAT_N ? feats[id].name : "?";
}

const char *features_key(enum feat_id id)
{
	return id < FEAT_N ? feats[id].key : "?";
}

void features_defaults(struct features_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->featuredigittimeout_ms = 1000;
	cfg->transferdigittimeout_ms = 3000;
	cfg->atxfernoanswertimeout_ms = 15000;
	strcpy(cfg->atxferabort, "*1");
	strcpy(cfg->atxfercomplete, "*2");
	strcpy(cfg->atxferthreeway, "*3");
	strcpy(cfg->atxferswap, "*4");
	strcpy(cfg->pickupexten, "*8");
	strcpy(cfg->xfersound, "beep");
	strcpy(cfg->xferfailsound, "beeperr");
	for (int i = 0; i < FEAT_N; i++)
		strcpy(cfg->code[i], feats[i].def);
}

/* ---- parsing ---------------------------------------------------------------------------- */

static bool is_dtmf_code(const char *s)
{
	if (strlen(s) >= FEAT_CODE_MAX)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789*#ABCDabcd", *s))
			return false;
	return true;
}

/* A feature code: DTMF digits (may be empty: the feature is off). */
static void set_code(const struct zv_conf_var *v, char *dst, struct zv_diag *diag)
{
	if (!is_dtmf_code(v->value)) {
		zv_diag_warn(diag, v->file, v->line,
			     "%s: '%s' is not a DTMF code of at most %d digits; keeping '%s'",
			     v->name, v->value, FEAT_CODE_MAX - 1, dst);
		return;
	}
	snprintf(dst, FEAT_CODE_MAX, "%s", v->value);
}

/* A time: value in unit_ms steps (1000 for seconds), within [1, max]. */
static void set_time(const struct zv_conf_var *v, unsigned *dst, long unit_ms, long max,
		     struct zv_diag *diag)
{
	long n;
	if (zv_conf_parse_int(v->value, 1, max, &n)) {
		zv_diag_warn(diag, v->file, v->line, "%s: '%s' is not a number from 1 to %ld", v->name,
			     v->value, max);
		return;
	}
	*dst = (unsigned)(n * unit_ms);
}

static void set_sound(const struct zv_conf_var *v, char *dst)
{
	snprintf(dst, FEAT_SOUND_MAX, "%s", v->value);
}

/* Options of [general] we act on, and those Asterisk has that we accept
 * without using them yet (no warning for a stock file). */
static const char *const general_ignored[] = {
	"atxferdropcall", "atxferloopdelay", "atxfercallbackretries", "transferdialattempts",
	"transferretrysound", "transferinvalidsound", "transferannouncesound",
	"recordingfailsound", "parkedplay", "parkedcalltransfers",
	"parkedcallreparking", "parkedcallhangup", "parkedcallrecording", NULL,
};

static bool ignored(const char *name)
{
	for (int i = 0; general_ignored[i]; i++)
		if (!strcasecmp(name, general_ignored[i]))
			return true;
	return false;
}

static void parse_general(const struct zv_conf_section *sec, struct zv_diag *diag,
			  struct features_cfg *cfg)
{
	for (const struct zv_conf_var *v = zv_conf_var_next(sec, NULL, NULL); v;
	     v = zv_conf_var_next(sec, NULL, v)) {
		const char *k = v->name;
		if (!strcasecmp(k, "featuredigittimeout"))
			set_time(v, &cfg->featuredigittimeout_ms, 1, 60000, diag);
		else if (!strcasecmp(k, "transferdigittimeout"))
			set_time(v, &cfg->transferdigittimeout_ms, 1000, 600, diag);
		else if (!strcasecmp(k, "atxfernoanswertimeout"))
			set_time(v, &cfg->atxfernoanswertimeout_ms, 1000, 3600, diag);
		else if (!strcasecmp(k, "atxferabort"))
			set_code(v, cfg->atxferabort, diag);
		else if (!strcasecmp(k, "atxfercomplete"))
			set_code(v, cfg->atxfercomplete, diag);
		else if (!strcasecmp(k, "atxferthreeway"))
			set_code(v, cfg->atxferthreeway, diag);
		else if (!strcasecmp(k, "atxferswap"))
			set_code(v, cfg->atxferswap, diag);
		else if (!strcasecmp(k, "pickupexten"))
			set_code(v, cfg->pickupexten, diag);
		else if (!strcasecmp(k, "xfersound"))
			set_sound(v, cfg->xfersound);
		else if (!strcasecmp(k, "xferfailsound"))
			set_sound(v, cfg->xferfailsound);
		else if (!strcasecmp(k, "courtesytone"))
			set_sound(v, cfg->courtesytone);
		else if (!strcasecmp(k, "pickupsound"))
			set_sound(v, cfg->pickupsound);
		else if (!strcasecmp(k, "pickupfailsound"))
			set_sound(v, cfg->pickupfailsound);
		else if (!ignored(k))
			zv_diag_warn(diag, v->file, v->line, "features.conf [general]: unknown option '%s'",
				     k);
	}
}

static void parse_featuremap(const struct zv_conf_section *sec, struct zv_diag *diag,
			     struct features_cfg *cfg)
{
	for (const struct zv_conf_var *v = zv_conf_var_next(sec, NULL, NULL); v;
	     v = zv_conf_var_next(sec, NULL, v)) {
		int i = 0;
		while (i < FEAT_N && strcasecmp(v->name, feats[i].key))
			i++;
		if (i == FEAT_N) {
			zv_diag_warn(diag, v->file, v->line, "features.conf [featuremap]: unknown feature '%s'",
				     v->name);
			continue;
		}
		/* "blindxfer => #1" or Asterisk's "automixmon => *3,self" form:
		 * only the code counts. */
		char code[64];
		snprintf(code, sizeof(code), "%s", v->value);
		code[strcspn(code, ",")] = '\0';
		struct zv_conf_var tmp = *v;
		tmp.value = code;
		set_code(&tmp, cfg->code[i], diag);
	}
}

int features_conf_parse(const struct zv_conf *conf, struct zv_diag *diag,
			struct features_cfg *cfg)
{
	features_defaults(cfg);
	if (!conf)
		return 0;
	for (const struct zv_conf_section *s = zv_conf_section_next(conf, NULL); s;
	     s = zv_conf_section_next(conf, s)) {
		if (!strcasecmp(s->name, "general"))
			parse_general(s, diag, cfg);
		else if (!strcasecmp(s->name, "featuremap"))
			parse_featuremap(s, diag, cfg);
		else if (!strcasecmp(s->name, "applicationmap"))
			zv_diag_warn(diag, s->file, s->line,
				     "features.conf: [applicationmap] (dynamic features) is not "
				     "supported; its entries are ignored");
		else
			zv_diag_warn(diag, s->file, s->line,
				     "features.conf: feature group [%s] is not supported; ignored",
				     s->name);
	}
	return 0;
}

/* ---- matching ------------------------------------------------------------------------------ */

enum feat_match features_match(const struct features_cfg *cfg, unsigned mask,
			       const char *digits, enum feat_id *idp)
{
	size_t n = strlen(digits);
	bool exact = false, longer = false;
	if (!n)
		return FEAT_MATCH_NONE;
	for (int i = 0; i < FEAT_N; i++) {
		const char *c = cfg->code[i];
		if (!(mask & FEAT_BIT(i)) || !c[0] || strncasecmp(c, digits, n))
			continue;
		if (c[n]) {
			longer = true;
		} else if (!exact) {
			exact = true;
			*idp = (enum feat_id)i;
		}
	}
	if (exact)
		return longer ? FEAT_MATCH_AMBIGUOUS : FEAT_MATCH_FULL;
	return longer ? FEAT_MATCH_PREFIX : FEAT_MATCH_NONE;
}

/* ---- committed state --------------------------------------------------------------------- */

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct features_cfg current;
static bool have_current;

void features_get(struct features_cfg *cfg)
{
	pthread_mutex_lock(&cfg_lock);
	if (!have_current) {
		features_defaults(&current);
		have_current = true;
	}
	*cfg = current;
	pthread_mutex_unlock(&cfg_lock);
}

static int features_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
			    struct zv_diag *diag, void **statep)
{
	struct features_cfg *cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	features_conf_parse(zv_snapshot_file(snap, "features.conf"), diag, cfg);
	*statep = cfg;
	return 0;
}

static void features_commit(struct zv_module *mod, void *state)
{
	pthread_mutex_lock(&cfg_lock);
	current = *(struct features_cfg *)state;
	have_current = true;
	pthread_mutex_unlock(&cfg_lock);
	free(state);
}

static void features_discard(struct zv_module *mod, void *state)
{
	free(state);
}

/* ---- CLI ---------------------------------------------------------------------------------- */

#define HFS_FORMAT "%-25s %-7s %-7s\n"

static enum zv_cli_result cli_show(struct zv_cli_req *req, int argc, char **argv)
{
	if (argc != zv_cli_nfixed(req))
		return ZV_CLI_SHOWUSAGE;
	struct features_cfg cfg;
	features_get(&cfg);
	zv_cli_printf(req, HFS_FORMAT, "Builtin Feature", "Default", "Current");
	zv_cli_printf(req, HFS_FORMAT, "---------------", "-------", "-------");
	zv_cli_printf(req, HFS_FORMAT, "Pickup", "*8", cfg.pickupexten);
	for (int i = 0; i < FEAT_N; i++)
		zv_cli_printf(req, HFS_FORMAT, feats[i].name, feats[i].def, cfg.code[i]);
	zv_cli_printf(req, "\n");
	zv_cli_printf(req, HFS_FORMAT, "Dynamic Feature", "Default", "Current");
	zv_cli_printf(req, HFS_FORMAT, "---------------", "-------", "-------");
	zv_cli_printf(req, "(none)\n");
	zv_cli_printf(req, "\nFeature Groups:\n");
	zv_cli_printf(req, "---------------\n");
	zv_cli_printf(req, "(none)\n");
	zv_cli_printf(req, "\n");
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd features_cli[] = {
	{"features show", "Lists configured features",
	 "Usage: features show\n"
	 "       Lists the currently configured features.\n",
	 cli_show},
	{NULL},
};

static int features_load(struct zv_module *mod)
{
	return zv_cli_register(mod, features_cli);
}

ZV_MODULE(features) = {
	.summary = "Call features: features.conf and the in-call DTMF codes",
	.config = "features.conf",
	.load = features_load,
	.prepare = features_prepare,
	.commit = features_commit,
	.discard = features_discard,
};
