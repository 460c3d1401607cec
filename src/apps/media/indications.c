/*
 * Indications (module `indications`): tone zones from indications.conf,
 * the tone-list parser and generator of include/zvonok/tones.h,
 * Playtones()/StopPlaytones(), `indication show [country...]`.
 *
 * DESIGN
 * prepare() parses every zone section ([general] country= names the
 * default) into an immutable refcounted set; each tone list is checked
 * with zv_tones_parse() and a bad one is reported with file:line.  The
 * committed set sits behind a mutex; lookups take a reference and copy
 * the list out, so any loop can read it while a reload swaps it.  Without
 * indications.conf the zones of etc/indications.conf are built in
 * (builtin_conf below, parsed by the same code).
 *
 * The generator sums one or two sines (phase kept across parts, so part
 * boundaries do not click) and walks the parts by sample count; after the
 * last part it goes back to the first part not marked `!`, or ends.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "indications"
#include <zvonok/channel.h>
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>
#include <zvonok/tones.h>

#define DS_ZONE "tonezone"
#define DS_PLAY "playtones"
#define TONE_RATE 8000
/* Per frequency: two of them stay well below full scale. */
#define TONE_AMPLITUDE 7219.0
#define TONE_MAX_MS 3600000UL

static const char builtin_conf[] =
	"[general]\n"
	"country = us\n"
	"[us]\n"
	"description = United States / North America\n"
	"ringcadence = 2000,4000\n"
	"dial = 350+440\n"
	"busy = 480+620/500,0/500\n"
	"ring = 440+480/2000,0/4000\n"
	"congestion = 480+620/250,0/250\n"
	"callwaiting = 440/300,0/10000\n"
	"dialrecall = !350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440\n"
	"record = 1400/500,0/15000\n"
	"info = !950/330,!1400/330,!1800/330,0\n"
	"stutter = !350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440\n"
	"[uk]\n"
	"description = United Kingdom\n"
	"ringcadence = 400,200,400,2000\n"
	"dial = 350+440\n"
	"busy = 400/375,0/375\n"
	"ring = 400+450/400,0/200,400+450/400,0/2000\n"
	"congestion = 400/400,0/350,400/225,0/525\n"
	"callwaiting = 400/100,0/4000\n"
	"dialrecall = 350+440\n"
	"record = 1400/500,0/60000\n"
	"info = 950/330,0/15,1400/330,0/15,1800/330,0/1000\n"
	"stutter = 350+440/750,440/750\n"
	"[de]\n"
	"description = Germany\n"
	"ringcadence = 1000,4000\n"
	"dial = 425\n"
	"busy = 425/480,0/480\n"
	"ring = 425/1000,0/4000\n"
	"congestion = 425/240,0/240\n"
	"callwaiting = !425/200,!0/200,!425/200,!0/5000,!425/200,!0/200,!425/200,!0/5000,0\n"
	"dialrecall = !425/100,!0/100,!425/100,!0/100,!425/100,!0/100,425\n"
	"record = 1400/80,0/15000\n"
	"info = 950/330,1400/330,1800/330,0/1000\n"
	"stutter = 425+400\n"
	"[fr]\n"
	"description = France\n"
	"ringcadence = 1500,3500\n"
	"dial = 440\n"
	"busy = 440/500,0/500\n"
	"ring = 440/1500,0/3500\n"
	"congestion = 440/250,0/250\n"
	"callwaiting = 440/300,0/10000\n"
	"dialrecall = !350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440\n"
	"record = 1400/500,0/15000\n"
	"info = !950/330,!1400/330,!1800/330\n"
	"stutter = !440/100,!0/100,!440/100,!0/100,!440/100,!0/100,440\n"
	"[ru]\n"
	"description = Russian Federation\n"
	"ringcadence = 1000,4000\n"
	"dial = 425\n"
	"busy = 425/350,0/350\n"
	"ring = 425/1000,0/4000\n"
	"congestion = 425/175,0/175\n"
	"callwaiting = 425/200,0/5000\n"
	"record = 1400/400,0/15000\n"
	"info = 950/330,1400/330,1800/330,0/1000\n"
	"dialrecall = 425/400,0/40\n"
	"stutter = !425/100,!0/100,!425/100,!0/100,!425/100,!0/100,425\n"
	"[ua]\n"
	"description = Ukraine\n"
	"ringcadence = 1000,4000\n"
	"dial = 425\n"
	"busy = 425/350,0/350\n"
	"ring = 425/1000,0/4000\n"
	"congestion = 425/175,0/175\n"
	"callwaiting = 425/200,0/5000\n"
	"record = 1400/400,0/15000\n"
	"info = 950/330,1400/330,1800/330,0/1000\n"
	"[cz]\n"
	"description = Czech Republic\n"
	"ringcadence = 1000,4000\n"
	"dial = 425/330,0/330,425/660,0/660\n"
	"busy = 425/330,0/330\n"
	"ring = 425/1000,0/4000\n"
	"congestion = 425/165,0/165\n"
	"callwaiting = 425/330,0/9000\n"
	"dialrecall = !425/100,!0/100,!425/100,!0/100,!425/100,!0/100,425/330,0/330,425/660,0/660\n"
	"record = 1400/500,0/14000\n"
	"info = 950/330,0/30,1400/330,0/30,1800/330,0/1000\n"
	"stutter = 425/450,0/50\n";

/* ---- tone lists ------------------------------------------------------------ */

static int parse_err(char *err, size_t len, int code, const char *fmt, const char *spec,
		     const char *at)
{
	if (err && len)
		snprintf(err, len, fmt, (int)(at - spec) + 1, *at ? *at : ' ');
	return code;
}

static bool parse_num(const char **pp, unsigned long max, unsigned *out)
{
	const char *p = *pp;
	if (!isdigit((unsigned char)*p))
		return false;
	unsigned long v = 0;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p++ - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned)v;
	*pp = p;
	return true;
}

int zv_tones_parse(const char *spec, struct zv_tonelist *out, char *err, size_t errlen)
{
	const char *p = spec;
	out->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		struct zv_tone_part t = {0};
		if (*p == '!') {
			t.once = true;
			p++;
		}
		if (*p == 'M' || *p == 'm')
			return parse_err(err, errlen, -ENOTSUP,
					 "MIDI notes (M...) are not supported (position %d '%c')",
					 spec, p);
		if (!parse_num(&p, 4000, &t.freq1))
			return parse_err(err, errlen, -EINVAL,
					 "expected a frequency (0-4000 Hz) at position %d '%c'", spec,
					 p);
		if (*p == '*')
			return parse_err(err, errlen, -ENOTSUP,
					 "modulated tones (f1*f2) are not supported (position %d '%c')",
					 spec, p);
		if (*p == '+' && (p++, !parse_num(&p, 4000, &t.freq2)))
			return parse_err(err, errlen, -EINVAL,
					 "expected a second frequency (0-4000 Hz) at position %d '%c'",
					 spec, p);
		if (*p == '/' && (p++, !parse_num(&p, TONE_MAX_MS, &t.ms)))
			return parse_err(err, errlen, -EINVAL,
					 "expected a duration in ms at position %d '%c'", spec, p);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != ',')
			return parse_err(err, errlen, -EINVAL, "unexpected character at position %d '%c'",
					 spec, p);
		if (out->n == ZV_TONES_MAX)
			return parse_err(err, errlen, -E2BIG, "more than 64 parts (position %d '%c')",
					 spec, p);
		out->part[out->n++] = t;
		if (!*p++)
			return 0;
	}
}

/* ---- the generator ----------------------------------------------------------- */

static void next_part(struct zv_tonegen *g)
{
	g->pos = 0;
	if (++g->idx < g->list.n)
		return;
	for (g->idx = 0; g->idx < g->list.n && g->list.part[g->idx].once; g->idx++)
		;
	g->ended = g->idx == g->list.n;
	if (g->ended)
		g->idx = 0; /* stays a valid index */
}

bool zv_tonegen_fill(void *arg, struct zv_channel *chan, int16_t *pcm, unsigned samples)
{
	struct zv_tonegen *g = arg;
	if (g->ended || !g->list.n)
		return false;
	for (unsigned i = 0; i < samples; i++) {
		const struct zv_tone_part *t = &g->list.part[g->idx];
		while (!g->ended && t->ms && g->pos >= t->ms * (TONE_RATE / 1000)) {
			next_part(g);
			t = &g->list.part[g->idx];
		}
		if (g->ended)
			return i > 0; /* the rest of this frame stays silent */
		double v = 0;
		if (t->freq1)
			v += sin(2 * M_PI * g->ph1);
		if (t->freq2)
			v += sin(2 * M_PI * g->ph2);
		pcm[i] = (int16_t)(TONE_AMPLITUDE * v);
		g->ph1 += (double)t->freq1 / TONE_RATE;
		g->ph2 += (double)t->freq2 / TONE_RATE;
		g->ph1 -= floor(g->ph1);
		g->ph2 -= floor(g->ph2);
		g->pos++;
	}
	return true;
}

/* ---- zones ------------------------------------------------------------------ */

struct tone {
	char *name, *list;
};

struct zone {
	char *country, *description, *ringcadence, *alias;
	size_t n;
	struct tone *tones;
};

struct zones {
	char country[16]; /* the default */
	size_t n;
	struct zone *z;
};

static pthread_mutex_t zones_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zones *zones_cur;

static void zones_destroy(void *obj)
{
	struct zones *zs = obj;
	for (size_t i = 0; i < zs->n; i++) {
		struct zone *z = &zs->z[i];
		for (size_t t = 0; t < z->n; t++) {
			free(z->tones[t].name);
			free(z->tones[t].list);
		}
		free(z->tones);
		free(z->country);
		free(z->description);
		free(z->ringcadence);
		free(z->alias);
	}
	free(zs->z);
}

static struct zones *zones_ref(void)
{
	pthread_mutex_lock(&zones_lock);
	struct zones *zs = zv_ref(zones_cur);
	pthread_mutex_unlock(&zones_lock);
	return zs;
}

static bool alias_has(const char *alias, const char *country)
{
	size_t n = strlen(country);
	for (const char *p = alias; p && *p;) {
		while (*p == ',' || *p == ' ')
			p++;
		size_t l = strcspn(p, ", ");
		if (l == n && !strncasecmp(p, country, n))
			return true;
		p += l;
	}
	return false;
}

static const struct zone *zone_peek(const struct zones *zs, const char *country)
{
	for (size_t i = 0; zs && country && i < zs->n; i++)
		if (!strcasecmp(zs->z[i].country, country) || alias_has(zs->z[i].alias, country))
			return &zs->z[i];
	return NULL;
}

int zv_tones_lookup(const char *country, const char *name, char *buf, size_t len)
{
	struct zones *zs = zones_ref();
	const struct zone *z = zone_peek(zs, country && *country ? country : zs ? zs->country : NULL);
	int err = -ENOENT;
	for (size_t t = 0; z && t < z->n && err; t++) {
		if (!strcasecmp(z->tones[t].name, name)) {
			snprintf(buf, len, "%s", z->tones[t].list);
			err = 0;
		}
	}
	zv_unref(zs);
	return err;
}

void zv_tones_channel_zone(const struct zv_channel *chan, char *buf, size_t len)
{
	const char *z = chan ? zv_channel_datastore_get(chan, DS_ZONE) : NULL;
	if (z && *z) {
		snprintf(buf, len, "%s", z);
		return;
	}
	struct zones *zs = zones_ref();
	snprintf(buf, len, "%s", zs ? zs->country : "us");
	zv_unref(zs);
}

static const struct zv_conf_option general_options[] = {
	{"country", "the default zone"},
	{NULL},
};

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* One zone section: every variable but description/ringcadence/alias is a
 * tone.  0 or -ENOMEM; bad tone lists are reported and left out. */
static int parse_zone(struct zone *z, const struct zv_conf_section *sec, struct zv_diag *diag)
{
	z->country = strdup(sec->name);
	z->description = dup_or_empty(zv_conf_get(sec, "description"));
	z->ringcadence = dup_or_empty(zv_conf_get(sec, "ringcadence"));
	z->alias = dup_or_empty(zv_conf_get(sec, "alias"));
	if (!z->country || !z->description || !z->ringcadence || !z->alias)
		return -ENOMEM;
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next) {
		if (!strcasecmp(v->name, "description") || !strcasecmp(v->name, "ringcadence") ||
		    !strcasecmp(v->name, "alias"))
			continue;
		struct zv_tonelist tl;
		char msg[160];
		int err = zv_tones_parse(v->value, &tl, msg, sizeof(msg));
		if (err < 0) {
			zv_diag_add(diag, err == -ENOTSUP ? ZV_DIAG_WARNING : ZV_DIAG_ERROR, v->file,
				    v->line, "indications.conf: [%s] %s = %s: %s", sec->name, v->name,
				    v->value, msg);
			continue;
		}
		size_t t = 0; /* a repeated name: the last one wins */
		while (t < z->n && strcasecmp(z->tones[t].name, v->name))
			t++;
		if (t == z->n) {
			struct tone *nt = realloc(z->tones, (z->n + 1) * sizeof(*nt));
			if (!nt)
				return -ENOMEM;
			z->tones = nt;
			z->tones[z->n++] = (struct tone){0};
		}
		free(z->tones[t].name);
		free(z->tones[t].list);
		z->tones[t].name = strdup(v->name);
		z->tones[t].list = strdup(v->value);
		if (!z->tones[t].name || !z->tones[t].list)
			return -ENOMEM;
	}
	return 0;
}

static int zones_build(struct zones *zs, const struct zv_conf *file, struct zv_diag *diag)
{
	const char *country = "us";
	const struct zv_conf_section *general = NULL;
	for (const struct zv_conf_section *s = NULL; (s = zv_conf_section_next(file, s));) {
		if (!strcasecmp(s->name, "general")) {
			zv_conf_check_options(s, general_options, diag);
			general = s;
			country = zv_conf_get(s, "country") ? zv_conf_get(s, "country") : country;
			continue;
		}
		struct zone *nz = realloc(zs->z, (zs->n + 1) * sizeof(*nz));
		if (!nz)
			return -ENOMEM;
		zs->z = nz;
		zs->z[zs->n] = (struct zone){0};
		int err = parse_zone(&zs->z[zs->n++], s, diag);
		if (err)
			return err;
	}
	snprintf(zs->country, sizeof(zs->country), "%s", country);
	if (zs->n && !zone_peek(zs, country)) {
		zv_diag_error(diag, general ? general->file : NULL, general ? general->line : 0,
			      "indications.conf: country = %s names no zone", country);
		snprintf(zs->country, sizeof(zs->country), "%s", zs->z[0].country);
	}
	return 0;
}

static int ind_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
		       struct zv_diag *diag, void **statep)
{
	struct zones *zs = zv_obj_alloc(sizeof(*zs), zones_destroy);
	if (!zs)
		return -ENOMEM;
	const struct zv_conf *file = zv_snapshot_file(snap, "indications.conf");
	struct zv_conf *builtin = NULL;
	int err = 0;
	if (!file) {
		struct zv_conf_opts o = {.no_includes = true};
		err = zv_conf_parse_buffer("indications.conf (built in)", builtin_conf,
					   sizeof(builtin_conf) - 1, &o, diag, &builtin);
		file = builtin;
	}
	if (!err)
		err = zones_build(zs, file, diag);
	zv_unref(builtin);
	if (err) {
		zv_unref(zs);
		return err;
	}
	*statep = zs;
	return 0;
}

static void ind_commit(struct zv_module *mod, void *state)
{
	pthread_mutex_lock(&zones_lock);
	struct zones *old = zones_cur;
	zones_cur = state;
	pthread_mutex_unlock(&zones_lock);
	zv_unref(old);
}

static void ind_discard(struct zv_module *mod, void *state)
{
	zv_unref(state);
}

static void ind_unload(struct zv_module *mod)
{
	ind_commit(mod, NULL);
}

/* ---- playing ------------------------------------------------------------------ */

int zv_tonegen_init(struct zv_tonegen *g, const struct zv_channel *chan, const char *spec)
{
	memset(g, 0, sizeof(*g));
	char zone[32], list[1024];
	zv_tones_channel_zone(chan, zone, sizeof(zone));
	struct zones *zs = zones_ref();
	if (zs && !zone_peek(zs, zone)) {
		zv_warn("Unknown tone zone '%s' (CHANNEL(tonezone)); using '%s'", zone, zs->country);
		snprintf(zone, sizeof(zone), "%s", zs->country);
	}
	zv_unref(zs);
	if (zv_tones_lookup(zone, spec, list, sizeof(list)) == 0)
		spec = list;
	char msg[160];
	int err = zv_tones_parse(spec, &g->list, msg, sizeof(msg));
	if (err < 0)
		zv_warn("Tone list \"%s\" (zone %s): %s", spec, zone, msg);
	return err;
}

int zv_tones_start(struct zv_channel *chan, const char *spec)
{
	struct zv_tonegen *g = malloc(sizeof(*g));
	if (!g)
		return -ENOMEM;
	int err = zv_tonegen_init(g, chan, spec);
	if (!err)
		err = zv_channel_set_generator(chan, TONE_RATE, zv_tonegen_fill, g);
	if (err < 0) {
		free(g);
		return err;
	}
	/* The old tones (if any) are no longer the generator: free them. */
	err = zv_channel_datastore_set(chan, DS_PLAY, g, free);
	if (err < 0) {
		zv_channel_set_generator(chan, 0, NULL, NULL);
		free(g);
	}
	return err;
}

void zv_tones_stop(struct zv_channel *chan)
{
	zv_channel_set_generator(chan, 0, NULL, NULL);
	zv_channel_datastore_set(chan, DS_PLAY, NULL, NULL);
}

/* Playtones(arg): a tone of the channel's zone or a tone list, played
 * while the dialplan goes on. */
static enum zv_app_result playtones_exec(struct zv_channel *chan, const char *data)
{
	if (!*data) {
		zv_warn("Playtones requires an argument (tone name or tone list)");
		return ZV_APP_CONTINUE;
	}
	if (zv_tones_start(chan, data) < 0)
		zv_warn("Unable to start playtones");
	return ZV_APP_CONTINUE;
}

static enum zv_app_result stopplaytones_exec(struct zv_channel *chan, const char *data)
{
	zv_tones_stop(chan);
	return ZV_APP_CONTINUE;
}

static const struct zv_app apps[] = {
	{.name = "Playtones",
	 .synopsis = "Play a tone list",
	 .syntax = "Playtones(arg)",
	 .description = "Plays a tone of the channel's zone (indications.conf; "
			"CHANNEL(tonezone), else [general] country) such as busy, ring, "
			"dial, congestion, or a tone list (f1[+f2][/ms],... with ! for parts "
			"played once) while the dialplan goes on.  StopPlaytones stops it.",
	 .exec = playtones_exec},
	{.name = "StopPlaytones",
	 .synopsis = "Stop playing a tone list",
	 .syntax = "StopPlaytones()",
	 .description = "Stops the tones started by Playtones.",
	 .exec = stopplaytones_exec},
};

/* ---- CLI ------------------------------------------------------------------------ */

static void show_zone(struct zv_cli_req *req, const struct zone *z)
{
	zv_cli_printf(req, "%-7.7s %-15.15s %s\n", z->country, "<ringcadence>", z->ringcadence);
	for (size_t t = 0; t < z->n; t++)
		zv_cli_printf(req, "%-7.7s %-15.15s %s\n", z->country, z->tones[t].name,
			      z->tones[t].list);
}

static enum zv_cli_result cli_indication_show(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	struct zones *zs = zones_ref();
	if (!zs) {
		zv_cli_printf(req, "No tone zones loaded.\n");
		return ZV_CLI_FAILURE;
	}
	if (argc == nf) {
		zv_cli_printf(req, "Country Alias   Description\n");
		zv_cli_printf(req, "===========================\n");
		for (size_t i = 0; i < zs->n; i++)
			zv_cli_printf(req, "%-7.7s %-7.7s %s\n", zs->z[i].country, zs->z[i].alias,
				      zs->z[i].description);
		zv_cli_printf(req, "Default country: %s\n", zs->country);
		zv_unref(zs);
		return ZV_CLI_SUCCESS;
	}
	bool found = false;
	zv_cli_printf(req, "Country Indication      PlayList\n");
	zv_cli_printf(req, "=====================================\n");
	for (int a = nf; a < argc; a++) {
		const struct zone *z = zone_peek(zs, argv[a]);
		if (z) {
			show_zone(req, z);
			found = true;
		}
	}
	if (!found)
		zv_cli_printf(req, "No countries matched your criteria.\n");
	zv_unref(zs);
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd cli_cmds[] = {
	{"indication show", "Display a list of all countries/indications",
	 "Usage: indication show [<country> ...]\n"
	 "       Display either a condensed summary of all countries and indications, or a\n"
	 "       more verbose list of indications for the specified countries.\n",
	 cli_indication_show},
	{NULL},
};

static int ind_load(struct zv_module *mod)
{
	int err = zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
	return err ? err : zv_cli_register(mod, cli_cmds);
}

ZV_MODULE(indications) = {
	.summary = "Indications: tone zones, Playtones",
	.config = "indications.conf",
	.load = ind_load,
	.prepare = ind_prepare,
	.commit = ind_commit,
	.discard = ind_discard,
	.unload = ind_unload,
};
