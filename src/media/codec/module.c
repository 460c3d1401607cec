/*
 * The "media_codecs" module: the CLI view of the codec table and the
 * translation costs.
 *
 *   core show codecs [audio|video|image|text]   the codec table
 *   core show codec <id|name>                   one codec
 *   core show translation [recalc [<seconds>]]  the cost matrix
 *   core show translation paths <codec> [<rate>] the steps from one codec
 *
 * DESIGN
 * Codecs and translators are plain library code (usable without the
 * module, e.g. by unit tests); the module only adds the commands.
 * `recalc` measures every path for real, which takes a second or so of
 * CPU, so it runs on the blocking pool and the command completes from
 * the pool's done callback (ZV_CLI_PENDING).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "media_codecs"
#include <zvonok/cli.h>
#include <zvonok/core.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "media/codec/codec_int.h"

/* Asterisk's codec name: every linear rate is codec "slin" (the formats
 * are slin, slin16, slin48); the others share the format's name. */
static const char *codec_name(const struct zv_codec_info *c)
{
	return media__codec_is_slin(c->id) ? "slin" : c->name;
}

static void print_codec(struct zv_cli_req *req, const struct zv_codec_info *c)
{
	zv_cli_printf(req, "%8u %-5s %-12s %-16s (%s)\n", (unsigned)c->id, "audio", codec_name(c),
		      c->name, c->description);
}

static enum zv_cli_result cli_show_codecs(struct zv_cli_req *req, int argc, char **argv)
{
	int a = zv_cli_nfixed(req);
	if (argc > a + 1)
		return ZV_CLI_SHOWUSAGE;
	const char *type = argc > a ? argv[a] : NULL;
	if (type && strcasecmp(type, "audio") && strcasecmp(type, "video") &&
	    strcasecmp(type, "image") && strcasecmp(type, "text"))
		return ZV_CLI_SHOWUSAGE;
	/* As Asterisk (unless dontwarn): the table is what Zvonok can carry,
	 * not what any endpoint allows. */
	if (!zv_core_dontwarn())
		zv_cli_printf(req, "Disclaimer: this command is for informational purposes only.\n"
				   "\tIt does not indicate anything about your configuration.\n");
	zv_cli_printf(req, "%8s %-5s %-12s %-16s %s\n", "ID", "TYPE", "NAME", "FORMAT",
		      "DESCRIPTION");
	zv_cli_printf(req, "%.96s\n",
		      "------------------------------------------------"
		      "------------------------------------------------");
	if (type && strcasecmp(type, "audio"))
		return ZV_CLI_SUCCESS; /* audio only, for now */
	for (unsigned i = ZV_CODEC_NONE + 1; i < ZV_CODEC__COUNT; i++)
		print_codec(req, zv_codec_get(i));
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_codec(struct zv_cli_req *req, int argc, char **argv)
{
	int a = zv_cli_nfixed(req);
	if (argc != a + 1)
		return ZV_CLI_SHOWUSAGE;
	const struct zv_codec_info *c = zv_codec_by_name(argv[a]);
	char *end;
	unsigned long id = strtoul(argv[a], &end, 10);
	if (!c && *argv[a] && !*end)
		c = zv_codec_get((enum zv_codec_id)(id < ZV_CODEC__COUNT ? id : 0));
	if (!c) {
		zv_cli_printf(req, "Codec %s not found\n", argv[a]);
		return ZV_CLI_FAILURE;
	}
	/* Asterisk's line (id, description, format), then what it leaves out. */
	zv_cli_printf(req, "%11u %s (%s)\n", (unsigned)c->id, c->description, c->name);
	char pt[16];
	if (c->rtp_pt < 0)
		snprintf(pt, sizeof(pt), "dynamic");
	else
		snprintf(pt, sizeof(pt), "%d", c->rtp_pt);
	zv_cli_printf(req, "%11s rate %u Hz, RTP clock %u, payload type %s, %u ms frames\n", "",
		      c->rate, c->rtp_clock, pt, c->frame_ms);
	return ZV_CLI_SUCCESS;
}

/*
 * Asterisk's layout: a space, the row names right-aligned as wide as the
 * longest name, then each column as wide as its name (at least 5) plus
 * one; "-" where there is no path (the diagonal).  A column also widens
 * for a cost with more digits, which Asterisk would let run into the
 * next column.
 */
static void print_matrix(struct zv_cli_req *req)
{
	unsigned longest = 0, width[ZV_CODEC__COUNT] = {0};
	for (unsigned t = ZV_CODEC_NONE + 1; t < ZV_CODEC__COUNT; t++) {
		unsigned l = (unsigned)strlen(zv_codec_get(t)->name);
		longest = l > longest ? l : longest;
		width[t] = l > 5 ? l : 5;
		for (unsigned f = ZV_CODEC_NONE + 1; f < ZV_CODEC__COUNT; f++) {
			unsigned d = (unsigned)snprintf(NULL, 0, "%u", zv_trans_cost(f, t));
			width[t] = d > width[t] ? d : width[t];
		}
		width[t]++;
	}

	zv_cli_printf(req, "         Translation times between formats (in microseconds) "
			   "for one second of data\n");
	zv_cli_printf(req, "          Source Format (Rows) Destination Format (Columns)\n\n");
	zv_cli_printf(req, " %*s", (int)longest, "");
	for (unsigned t = ZV_CODEC_NONE + 1; t < ZV_CODEC__COUNT; t++)
		zv_cli_printf(req, "%*s", (int)width[t], zv_codec_get(t)->name);
	zv_cli_printf(req, "\n");
	for (unsigned f = ZV_CODEC_NONE + 1; f < ZV_CODEC__COUNT; f++) {
		zv_cli_printf(req, " %*s", (int)longest, zv_codec_get(f)->name);
		for (unsigned t = ZV_CODEC_NONE + 1; t < ZV_CODEC__COUNT; t++)
			if (f == t)
				zv_cli_printf(req, "%*s", (int)width[t], "-");
			else
				zv_cli_printf(req, "%*u", (int)width[t], zv_trans_cost(f, t));
		zv_cli_printf(req, "\n");
	}
}

/* step: "->" and "(name@rate)" onto buf at *len, unless it repeats the
 * step before (prev). */
static void path_step(char *buf, size_t cap, size_t *len, char *prev, size_t prevcap,
		      const char *name, unsigned rate)
{
	char node[48];
	snprintf(node, sizeof(node), "(%s@%u)", name, rate);
	if (!strcmp(node, prev) || *len >= cap)
		return;
	int n = snprintf(buf + *len, cap - *len, "%s%s", *len ? "->" : "", node);
	*len += n > 0 ? (size_t)n : 0;
	snprintf(prev, prevcap, "%s", node);
}

/*
 * The steps of one translation, in Asterisk's notation.  A Zvonok
 * translator is one object, but inside it the audio goes the way the
 * steps say: decoded to slin at the source's rate, resampled, encoded
 * (G.711 u-law <-> a-law directly by table).
 */
static void path_text(enum zv_codec_id from, enum zv_codec_id to, char *buf, size_t cap)
{
	const struct zv_codec_info *fi = zv_codec_get(from), *ti = zv_codec_get(to);
	char prev[48] = "";
	size_t len = 0;
	buf[0] = '\0';
	path_step(buf, cap, &len, prev, sizeof(prev), codec_name(fi), fi->rate);
	bool g711x = (from == ZV_CODEC_ULAW && to == ZV_CODEC_ALAW) ||
		     (from == ZV_CODEC_ALAW && to == ZV_CODEC_ULAW);
	if (!g711x) {
		path_step(buf, cap, &len, prev, sizeof(prev), "slin", fi->rate);
		path_step(buf, cap, &len, prev, sizeof(prev), "slin", ti->rate);
	}
	path_step(buf, cap, &len, prev, sizeof(prev), codec_name(ti), ti->rate);
}

/* `core show translation paths <codec> [<rate>]`: the codec by Asterisk's
 * codec name (slin with a rate) or by format name (slin16). */
static enum zv_cli_result show_paths(struct zv_cli_req *req, const char *name, const char *rate)
{
	unsigned hz = 0;
	if (rate) {
		char *end;
		unsigned long v = strtoul(rate, &end, 10);
		if (!*rate || *end || v > 1000000) {
			zv_cli_printf(req, "Invalid sample rate: %s.\n", rate);
			return ZV_CLI_FAILURE;
		}
		hz = (unsigned)v;
	}
	const struct zv_codec_info *src = NULL;
	for (unsigned i = ZV_CODEC_NONE + 1; i < ZV_CODEC__COUNT && !src; i++) {
		const struct zv_codec_info *c = zv_codec_get(i);
		bool named = !strcasecmp(codec_name(c), name) || !strcasecmp(c->name, name);
		if (named && (!hz || c->rate == hz))
			src = c;
	}
	if (!src) {
		zv_cli_printf(req, "Source codec \"%s\" is not found.\n", name);
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "--- Translation paths SRC Codec \"%s\" sample rate %u ---\n", name,
		      src->rate);
	for (unsigned i = ZV_CODEC_NONE + 1; i < ZV_CODEC__COUNT; i++) {
		const struct zv_codec_info *dst = zv_codec_get(i);
		if (dst == src)
			continue;
		char s[32], d[32], path[192];
		snprintf(s, sizeof(s), "%s:%u", codec_name(src), src->rate);
		snprintf(d, sizeof(d), "%s:%u", codec_name(dst), dst->rate);
		path_text(src->id, dst->id, path, sizeof(path));
		zv_cli_printf(req, "\t%-16.16s To %-16.16s: %-60.60s\n", s, d, path);
	}
	return ZV_CLI_SUCCESS;
}

struct recalc_job {
	struct zv_cli_req *req;
	unsigned ms;
	int err;
};

static void recalc_work(void *arg)
{
	struct recalc_job *j = arg;
	j->err = media__cost_recalc(j->ms);
}

static void recalc_done(void *arg)
{
	struct recalc_job *j = arg;
	if (j->err < 0)
		zv_cli_printf(j->req, "Recalculation failed: %s\n", strerror(-j->err));
	else
		print_matrix(j->req);
	zv_cli_done(j->req, j->err < 0 ? ZV_CLI_FAILURE : ZV_CLI_SUCCESS);
	free(j);
}

static enum zv_cli_result cli_show_translation(struct zv_cli_req *req, int argc, char **argv)
{
	int a = zv_cli_nfixed(req);
	if (argc == a) {
		print_matrix(req);
		return ZV_CLI_SUCCESS;
	}
	if (!strcasecmp(argv[a], "paths")) {
		if (argc < a + 2 || argc > a + 3)
			return ZV_CLI_SHOWUSAGE;
		return show_paths(req, argv[a + 1], argc == a + 3 ? argv[a + 2] : NULL);
	}
	if (strcasecmp(argv[a], "recalc") || argc > a + 2)
		return ZV_CLI_SHOWUSAGE;
	unsigned secs = argc == a + 2 ? (unsigned)strtoul(argv[a + 1], NULL, 10) : 1;
	if (secs < 1 || secs > 10) {
		zv_cli_printf(req, "   Recalc must be between 1 and 10 seconds; using 1.\n");
		secs = 1;
	}
	zv_cli_printf(req, "         Recalculating codec translation matrix over %u second%s\n\n",
		      secs, secs == 1 ? "" : "s");
	struct recalc_job *j = calloc(1, sizeof(*j));
	if (!j)
		return ZV_CLI_FAILURE;
	j->req = zv_cli_req_ref(req);
	j->ms = secs * 1000;
	if (zv_pool_submit(recalc_work, recalc_done, j) < 0) {
		zv_unref(j->req); /* the reference zv_cli_req_ref() took */
		free(j);
		return ZV_CLI_FAILURE;
	}
	return ZV_CLI_PENDING;
}

static const struct zv_cli_cmd media_cli[] = {
	{"core show codecs", "Displays a list of registered codecs",
	 "Usage: core show codecs [audio|video|image|text]\n"
	 "       Lists the codecs Zvonok can carry and translate.\n",
	 cli_show_codecs},
	{"core show codec", "Shows a specific codec",
	 "Usage: core show codec <id|name>\n"
	 "       Shows one codec: rate, RTP clock, payload type, frame size.\n",
	 cli_show_codec},
	{"core show translation", "Display translation matrix",
	 "Usage: core show translation [recalc [<recalc seconds>]]\n"
	 "       Shows the CPU cost of translating one second of audio between each pair\n"
	 "       of codecs, in microseconds.  recalc measures every path again over the\n"
	 "       given number of seconds of audio (1 to 10, default 1).\n"
	 "       core show translation paths <codec> [<sample rate>]\n"
	 "       Shows the steps from one codec (slin with a rate, or slin16...) to each\n"
	 "       other codec.\n",
	 cli_show_translation},
	{NULL},
};

static int media_codecs_load(struct zv_module *mod)
{
	return zv_cli_register(mod, media_cli);
}

ZV_MODULE(media_codecs) = {
	.summary = "Codec table, translators (G.711, G.722, GSM, G.729, Opus, slin) and costs",
	.requires = "cli",
	.load = media_codecs_load,
};
