/*
 * The "media_codecs" module: the CLI view of the codec table and the
 * translation costs.
 *
 *   core show codecs [audio|video|image|text]   the codec table
 *   core show codec <id|name>                   one codec
 *   core show translation [recalc [<seconds>]]  the cost matrix
 *
 * DESIGN
 * Codecs and translators are plain library code (usable without the
 * module, e.g. by unit tests); the module only adds the commands.
 * `recalc` measures every path for real, which takes a second or so of
 * CPU, so it runs on the blocking pool and the command completes from
 * the pool's done callback (ZV_CLI_PENDING).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "media_codecs"
#include <zvonok/cli.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "media/codec/codec_int.h"

static void print_codec(struct zv_cli_req *req, const struct zv_codec_info *c)
{
	char fmt[32];
	snprintf(fmt, sizeof(fmt), "(%s)", c->name);
	zv_cli_printf(req, "%8u %-6s %-12s %-16s (%s)\n", (unsigned)c->id, "audio", c->name, fmt,
		      c->description);
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
	zv_cli_printf(req, "%8s %-6s %-12s %-16s %s\n", "ID", "TYPE", "NAME", "FORMAT",
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
	zv_cli_printf(req, "%11u %s (%s)\n", (unsigned)c->id, c->name, c->description);
	char pt[16];
	if (c->rtp_pt < 0)
		snprintf(pt, sizeof(pt), "dynamic");
	else
		snprintf(pt, sizeof(pt), "%d", c->rtp_pt);
	zv_cli_printf(req, "%11s rate %u Hz, RTP clock %u, payload type %s, %u ms frames\n", "",
		      c->rate, c->rtp_clock, pt, c->frame_ms);
	return ZV_CLI_SUCCESS;
}

static void print_matrix(struct zv_cli_req *req)
{
	unsigned max = 0, w = 0;
	for (unsigned f = ZV_CODEC_NONE + 1; f < ZV_CODEC__COUNT; f++) {
		size_t l = strlen(zv_codec_get(f)->name);
		w = l > w ? (unsigned)l : w;
		for (unsigned t = ZV_CODEC_NONE + 1; t < ZV_CODEC__COUNT; t++)
			max = zv_trans_cost(f, t) > max ? zv_trans_cost(f, t) : max;
	}
	unsigned digits = (unsigned)snprintf(NULL, 0, "%u", max);
	w = (digits > w ? digits : w) + 1;

	zv_cli_printf(req, "         Translation times between formats (in microseconds) "
			   "for one second of data\n");
	zv_cli_printf(req, "          Source Format (Rows) Destination Format (Columns)\n\n");
	zv_cli_printf(req, "%*s", (int)w, "");
	for (unsigned t = ZV_CODEC_NONE + 1; t < ZV_CODEC__COUNT; t++)
		zv_cli_printf(req, "%*s", (int)w, zv_codec_get(t)->name);
	zv_cli_printf(req, "\n");
	for (unsigned f = ZV_CODEC_NONE + 1; f < ZV_CODEC__COUNT; f++) {
		zv_cli_printf(req, "%*s", (int)w, zv_codec_get(f)->name);
		for (unsigned t = ZV_CODEC_NONE + 1; t < ZV_CODEC__COUNT; t++)
			if (f == t)
				zv_cli_printf(req, "%*s", (int)w, "-");
			else
				zv_cli_printf(req, "%*u", (int)w, zv_trans_cost(f, t));
		zv_cli_printf(req, "\n");
	}
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
	 "       given number of seconds of audio (1 to 10, default 1).\n",
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
