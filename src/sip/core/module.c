/*
 * The "sip" module: reads pjsip.conf and sip.conf into the endpoint model
 * (src/sip/config), opens the transports, runs the transaction layer on
 * every worker, answers OPTIONS, and offers the transport and logger CLI
 * commands.  Other SIP features (registrar, subscriptions, MESSAGE, the
 * channel driver) are separate modules that require this one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "sip"
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "sip/config/sip_config.h"
#include "sip/core/sip.h"
#include "sip/core/sip_module.h"
#include "sip/dns/sip_dns.h"

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sip_config *current_cfg;
static bool started;

struct sip_config *sip_config_ref_current(void)
{
	pthread_mutex_lock(&cfg_lock);
	struct sip_config *c = zv_ref(current_cfg);
	pthread_mutex_unlock(&cfg_lock);
	return c;
}

/* ---- OPTIONS ------------------------------------------------------------- */

static const char allow_hdr[] =
	"Allow: OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, BYE, CANCEL, "
	"UPDATE, PRACK, MESSAGE, INFO, REFER\r\n";

static void on_options(struct sip_stsx *st, const struct sip_rx *rx)
{
	char extra[512];
	snprintf(extra, sizeof(extra),
		 "%sAccept: application/sdp\r\nAccept-Encoding: identity\r\n"
		 "Accept-Language: en\r\nSupported: 100rel, timer, replaces, norefersub\r\n",
		 allow_hdr);
	sip_stsx_respond(st, 200, NULL, NULL, extra, NULL, NULL);
}

/* ---- configuration --------------------------------------------------------- */

static int sip_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
		       struct zv_diag *diag, void **statep)
{
	struct sip_config *cfg = NULL;
	int err = sip_config_build(zv_snapshot_file(snap, "pjsip.conf"),
				   zv_snapshot_file(snap, "sip.conf"), diag, &cfg);
	if (err)
		return err;
	*statep = cfg;
	return 0;
}

static void sip_commit(struct zv_module *mod, void *state)
{
	struct sip_config *cfg = state;
	const struct sip_global *g = sip_config_global(cfg);
	sip_set_user_agent(g->user_agent);
	sip_dns_set_servers(g->dns_servers);
	sip_tp_keepalive_set(g->keep_alive_interval);
	pthread_mutex_lock(&cfg_lock);
	struct sip_config *old = current_cfg;
	current_cfg = cfg;
	pthread_mutex_unlock(&cfg_lock);
	if (started && old) {
		/* Transports are opened at start; changes need a restart. */
		size_t n = sip_config_transport_count(cfg);
		bool same = n == sip_config_transport_count(old);
		for (size_t i = 0; same && i < n; i++) {
			const struct sip_transport *a = sip_config_transport_at(cfg, i);
			const struct sip_transport *b = sip_config_transport_at(old, i);
			same = a->proto == b->proto && !strcmp(a->bind_text ? a->bind_text : "",
							       b->bind_text ? b->bind_text : "");
		}
		if (!same)
			zv_warn("Transport changes take effect after a restart");
	}
	zv_unref(old);
}

static void sip_discard(struct zv_module *mod, void *state)
{
	zv_unref(state);
}

/* ---- start / stop ------------------------------------------------------------- */

struct worker_call {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned left;
	void (*fn)(void *);
};

static void worker_call_one(void *arg)
{
	struct worker_call *wc = arg;
	wc->fn(NULL);
	pthread_mutex_lock(&wc->lock);
	if (--wc->left == 0)
		pthread_cond_signal(&wc->cond);
	pthread_mutex_unlock(&wc->lock);
}

/* Run fn on every worker and wait for all of them (main thread). */
void sip__on_all_workers(void (*fn)(void *))
{
	struct worker_call wc = {.fn = fn};
	pthread_mutex_init(&wc.lock, NULL);
	pthread_cond_init(&wc.cond, NULL);
	unsigned n = zv_workers_count();
	wc.left = n;
	for (unsigned i = 0; i < n; i++)
		if (zv_loop_post(zv_worker_peek(i), worker_call_one, &wc) < 0) {
			pthread_mutex_lock(&wc.lock);
			wc.left--;
			pthread_mutex_unlock(&wc.lock);
		}
	pthread_mutex_lock(&wc.lock);
	while (wc.left)
		pthread_cond_wait(&wc.cond, &wc.lock);
	pthread_mutex_unlock(&wc.lock);
	pthread_mutex_destroy(&wc.lock);
	pthread_cond_destroy(&wc.cond);
}

static enum sip_tp_proto tp_proto(enum sip_transport_proto p)
{
	switch (p) {
	case SIP_PROTO_TCP:
		return SIP_TP_TCP;
	case SIP_PROTO_TLS:
		return SIP_TP_TLS;
	case SIP_PROTO_WS:
		return SIP_TP_WS;
	case SIP_PROTO_WSS:
		return SIP_TP_WSS;
	default:
		return SIP_TP_UDP;
	}
}

static int sip_start(struct zv_module *mod)
{
	sip__on_all_workers(sip__tsx_worker_init);
	sip_method_handler_set(SIP_METHOD_OPTIONS, on_options);
	struct sip_config *cfg = sip_config_ref_current();
	size_t n = cfg ? sip_config_transport_count(cfg) : 0;
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		const struct sip_transport *t = sip_config_transport_at(cfg, i);
		struct sip_sockaddr addr = {.len = t->bind.ss_family == AF_INET6
							   ? sizeof(struct sockaddr_in6)
							   : sizeof(struct sockaddr_in)};
		memcpy(&addr.ss, &t->bind, sizeof(addr.ss));
		struct sip_tp_tls tls = {
			.cert_file = t->cert_file,
			.key_file = t->priv_key_file,
			.ca_file = t->ca_list_file,
			.verify_client = t->verify_client,
			.verify_server = t->verify_server,
		};
		struct sip_tp *tp;
		err = sip_tp_open(t->def.name, tp_proto(t->proto), &addr, &tls, &tp);
		if (err == -EPROTONOSUPPORT) {
			zv_warn("%s:%u: transport '%s': %s is not supported yet; skipped",
				t->def.file, t->def.line, t->def.name,
				sip_transport_proto_name(t->proto));
			err = 0;
			continue;
		}
		if (err) {
			zv_error("%s:%u: cannot open transport '%s' on %s: %s", t->def.file,
				 t->def.line, t->def.name, t->bind_text ? t->bind_text : "?",
				 strerror(-err));
			break;
		}
		char a[80];
		zv_notice("SIP transport '%s' listening on %s %s", t->def.name,
			  sip_tp_proto_name(sip_tp_proto(tp)),
			  sip_sockaddr_str(sip_tp_local(tp), a, sizeof(a)));
	}
	zv_unref(cfg);
	if (err) {
		sip_tp_close_all();
		return err;
	}
	started = true;
	return 0;
}

static void sip_stop(struct zv_module *mod)
{
	started = false;
	sip_tp_close_all();
	sip__on_all_workers(sip__tsx_worker_fini);
}

static void sip_unload(struct zv_module *mod)
{
	pthread_mutex_lock(&cfg_lock);
	struct sip_config *old = current_cfg;
	current_cfg = NULL;
	pthread_mutex_unlock(&cfg_lock);
	zv_unref(old);
}

/* ---- CLI ----------------------------------------------------------------------- */

struct tp_print {
	struct zv_cli_req *req;
	unsigned n;
};

static void print_tp(void *arg, struct sip_tp *tp)
{
	struct tp_print *p = arg;
	char a[80];
	zv_cli_printf(p->req, "Transport:  %-26s%-9s%-7u%-3u%s\n", sip_tp_name(tp),
		      sip_tp_proto_lower(sip_tp_proto(tp)), 0u, 0u,
		      sip_sockaddr_str(sip_tp_local(tp), a, sizeof(a)));
	p->n++;
}

static enum zv_cli_result cli_show_transports(struct zv_cli_req *req, int argc, char **argv)
{
	zv_cli_printf(req, "\nTransport:  <TransportId........>  <Type>  <cos>  <tos>  "
			   "<BindAddress....................>\n");
	zv_cli_printf(req, "=========================================================="
			   "================================\n\n");
	struct tp_print p = {req, 0};
	sip_tp_foreach(print_tp, &p);
	zv_cli_printf(req, "\nObjects found: %u\n\n", p.n);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result set_logger(struct zv_cli_req *req, int argc, char **argv,
				     const char *what)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	if (!strcasecmp(argv[nf], "on") || !strcasecmp(argv[nf], "yes"))
		sip_logger_on = true;
	else if (!strcasecmp(argv[nf], "off") || !strcasecmp(argv[nf], "no"))
		sip_logger_on = false;
	else
		return ZV_CLI_SHOWUSAGE;
	zv_cli_printf(req, "%s %s\n", what, sip_logger_on ? "enabled" : "disabled");
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_pjsip_logger(struct zv_cli_req *req, int argc, char **argv)
{
	return set_logger(req, argc, argv, "PJSIP Logging");
}

static enum zv_cli_result cli_sip_debug(struct zv_cli_req *req, int argc, char **argv)
{
	return set_logger(req, argc, argv, "SIP Debugging");
}

static enum zv_cli_result cli_sip_stats(struct zv_cli_req *req, int argc, char **argv)
{
	struct sip_stats s;
	sip_stats_get(&s);
	zv_cli_printf(req,
		      "Requests received:      %llu\nResponses received:     %llu\n"
		      "Requests sent:          %llu\nResponses sent:         %llu\n"
		      "Retransmissions:        %llu\nMalformed messages:     %llu\n"
		      "Server transactions:    %llu (%llu absorbing retransmissions in %llu KB)\n"
		      "Client transactions:    %llu\n",
		      (unsigned long long)s.rx_requests, (unsigned long long)s.rx_responses,
		      (unsigned long long)s.tx_requests, (unsigned long long)s.tx_responses,
		      (unsigned long long)s.retransmissions, (unsigned long long)s.malformed,
		      (unsigned long long)s.stsx_alive, (unsigned long long)s.stsx_remnants,
		      (unsigned long long)s.remnant_blocks * 64, (unsigned long long)s.ctsx_alive);
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd sip_cli[] = {
	{"pjsip show transports", "Show PJSIP Transports",
	 "Usage: pjsip show transports\n       Lists the SIP transports and where they listen.\n",
	 cli_show_transports},
	{"pjsip set logger", "Enable/Disable PJSIP Logger Output",
	 "Usage: pjsip set logger {on|off}\n       Prints every SIP message sent and received.\n",
	 cli_pjsip_logger},
	{"sip set debug", "Enable/Disable SIP debugging",
	 "Usage: sip set debug {on|off}\n       Same as 'pjsip set logger'.\n", cli_sip_debug},
	{"sip show stats", "Show SIP message and transaction counters",
	 "Usage: sip show stats\n", cli_sip_stats},
	{NULL},
};

static int sip_load(struct zv_module *mod)
{
	return zv_cli_register(mod, sip_cli);
}

ZV_MODULE(sip) = {
	.summary = "SIP stack: transports, transactions, endpoint model",
	.requires = "cli",
	.config = "pjsip.conf,sip.conf",
	.load = sip_load,
	.prepare = sip_prepare,
	.commit = sip_commit,
	.discard = sip_discard,
	.start = sip_start,
	.stop = sip_stop,
	.unload = sip_unload,
};
