/*
 * CLI of the SIP channel driver: `pjsip show channels` and `pjsip show
 * channelstats`, shaped like Asterisk's.
 *
 * DESIGN
 * The channel list comes from the registry's copies (zv_channel_foreach,
 * safe from the main thread).  RTP statistics belong to each call's
 * loop, so channelstats posts one query per channel to its loop, each
 * answer comes back to the main loop, and the reply is printed when the
 * last one is in (the command completes asynchronously).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zvonok/channel.h>
#include <zvonok/cli.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>
#include <zvonok/rtp.h>

#include "sip/call/call.h"

#define MAX_ROWS 4096

struct row {
	struct zv_channel_info info;
	bool have_stats;
	char codec[16];
	struct zv_rtp_stats st;
};

struct list {
	struct row *rows;
	size_t n;
};

static bool is_sip(const char *name)
{
	return !strncmp(name, "PJSIP/", 6) || !strncmp(name, "SIP/", 4);
}

static void collect(void *arg, const struct zv_channel_info *info)
{
	struct list *l = arg;
	if (!is_sip(info->name) || l->n >= MAX_ROWS)
		return;
	l->rows[l->n++].info = *info;
}

static void uptime(time_t since, char *buf, size_t size)
{
	long s = since ? (long)(time(NULL) - since) : 0;
	if (s < 0)
		s = 0;
	snprintf(buf, size, "%02ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

static enum zv_cli_result show_channels(struct zv_cli_req *req, int argc, char **argv)
{
	struct list l = {.rows = calloc(MAX_ROWS, sizeof(struct row))};
	if (!l.rows)
		return ZV_CLI_FAILURE;
	zv_channel_foreach(collect, &l);
	zv_cli_printf(req, "\n  Channel:  <ChannelId......................................>  "
			   "<State.....>  <Time.....>\n      Exten: <DialedExten...........>  "
			   "CLCID: <ConnectedLineCID.......>\n"
			   "=========================================================================="
			   "================\n\n");
	for (size_t i = 0; i < l.n; i++) {
		const struct zv_channel_info *c = &l.rows[i].info;
		char id[128], t[32];
		snprintf(id, sizeof(id), "%s/%s", c->name, c->appl[0] ? c->appl : "(None)");
		uptime(c->created, t, sizeof(t));
		zv_cli_printf(req, "  Channel: %-49s %-13s %s\n", id, zv_chan_state_name(c->state), t);
		zv_cli_printf(req, "      Exten: %-24s  CLCID: \"%s\" <%s>\n\n", c->exten, c->cid_name,
			      c->cid_num);
	}
	zv_cli_printf(req, "Objects found: %zu\n", l.n);
	free(l.rows);
	return ZV_CLI_SUCCESS;
}

/* ---- channelstats ------------------------------------------------------- */

struct stats_job {
	struct zv_cli_req *req;
	struct list l;
	atomic_size_t pending;
};

struct stats_query {
	struct stats_job *job;
	struct row *row;
	struct zv_channel *chan; /* referenced */
};

static void stats_print(struct stats_job *j)
{
	struct zv_cli_req *req = j->req;
	zv_cli_printf(req, "\n%47s...........Receive......... .........Transmit..........\n", "");
	zv_cli_printf(req, " BridgeId ChannelId ........ UpTime.. Codec.   Count    Lost Pct  Jitter"
			   "   Count    Lost Pct  Jitter RTT....\n");
	zv_cli_printf(req, " ======================================================================="
			   "====================================\n");
	size_t shown = 0;
	for (size_t i = 0; i < j->l.n; i++) {
		struct row *r = &j->l.rows[i];
		if (!r->have_stats)
			continue;
		const char *slash = strchr(r->info.name, '/');
		char t[32];
		uptime(r->info.created, t, sizeof(t));
		uint64_t rx_exp = r->st.rx_packets + r->st.rx_lost;
		uint64_t tx_exp = r->st.tx_packets + r->st.remote_lost;
		zv_cli_printf(req,
			      " %-8.8s %-18.18s %-8s %-6.6s %7llu %7u %3u %7.3f %7llu %7u %3u %7.3f %7.3f\n",
			      r->info.bridged[0] ? r->info.bridged : "", slash ? slash + 1 : r->info.name,
			      t, r->codec, (unsigned long long)r->st.rx_packets, r->st.rx_lost,
			      rx_exp ? (unsigned)(r->st.rx_lost * 100 / rx_exp) : 0,
			      r->st.rx_jitter_ms / 1000.0, (unsigned long long)r->st.tx_packets,
			      r->st.remote_lost,
			      tx_exp ? (unsigned)(r->st.remote_lost * 100 / tx_exp) : 0,
			      r->st.remote_jitter_ms / 1000.0, r->st.rtt_ms / 1000.0);
		shown++;
	}
	zv_cli_printf(req, "\nObjects found: %zu\n", shown);
	zv_cli_done(req, ZV_CLI_SUCCESS);
	free(j->l.rows);
	free(j);
}

static void stats_back(void *arg)
{
	struct stats_job *j = arg;
	if (atomic_fetch_sub(&j->pending, 1) == 1)
		stats_print(j);
}

static void stats_on_loop(void *arg)
{
	struct stats_query *q = arg;
	q->row->have_stats =
		call_rtp_stats(q->chan, &q->row->st, q->row->codec, sizeof(q->row->codec)) == 0;
	struct stats_job *j = q->job;
	zv_unref(q->chan);
	free(q);
	if (zv_loop_post(zv_main_loop(), stats_back, j) < 0)
		stats_back(j); /* cannot happen while the main loop runs */
}

static enum zv_cli_result show_channelstats(struct zv_cli_req *req, int argc, char **argv)
{
	struct stats_job *j = calloc(1, sizeof(*j));
	if (!j || !(j->l.rows = calloc(MAX_ROWS, sizeof(struct row)))) {
		free(j);
		return ZV_CLI_FAILURE;
	}
	zv_channel_foreach(collect, &j->l);
	j->req = zv_cli_req_ref(req);
	atomic_store(&j->pending, 1); /* ours, dropped below */
	for (size_t i = 0; i < j->l.n; i++) {
		struct zv_channel *chan = zv_channel_find(j->l.rows[i].info.name);
		struct stats_query *q = chan ? malloc(sizeof(*q)) : NULL;
		if (!q) {
			zv_unref(chan);
			continue;
		}
		*q = (struct stats_query){.job = j, .row = &j->l.rows[i], .chan = chan};
		atomic_fetch_add(&j->pending, 1);
		if (zv_loop_post(zv_channel_loop(chan), stats_on_loop, q) < 0) {
			atomic_fetch_sub(&j->pending, 1);
			zv_unref(chan);
			free(q);
		}
	}
	stats_back(j);
	return ZV_CLI_PENDING;
}

static const struct zv_cli_cmd cmds[] = {
	{"pjsip show channels", "Lists PJSIP Channels",
	 "Usage: pjsip show channels\n       List the active PJSIP channels.\n", show_channels},
	{"pjsip show channelstats", "Lists PJSIP Channel Stats",
	 "Usage: pjsip show channelstats\n       List RTP statistics of the active PJSIP "
	 "channels.\n",
	 show_channelstats},
	{NULL},
};

int call_cli_register(struct zv_module *mod)
{
	return zv_cli_register(mod, cmds);
}
