/*
 * CLI of the registrar, shaped like Asterisk's: `pjsip show endpoints`,
 * `pjsip show endpoint <name>`, `pjsip show aors`, `pjsip show aor
 * <name>`, `pjsip show contacts`, `pjsip show auths`, `pjsip show
 * identifies` (chan_pjsip's tables), `sip show peers` and `sip show peer
 * <name>` (chan_sip's), and Zvonok's `sip show bans` / `pjsip show bans` /
 * `sip unban <ip>`.
 *
 * Handlers run on the main loop; they read the config snapshot (immutable)
 * and copy contacts out of the store under its lock before printing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "sip_registrar"
#include <zvonok/cli.h>
#include <zvonok/devstate.h>
#include <zvonok/obj.h>

#include "sip/config/sip_config.h"
#include "sip/core/sip_module.h"
#include "sip/registrar/reg_int.h"

#define RULE "==========================================================================================\n"

/* ---- contact copies ------------------------------------------------------------ */

struct ccopy {
	char aor[96], uri[400], endpoint[96], ua[160], hash[12];
	char src[80];
	enum sip_contact_status status;
	int64_t rtt_us;
	time_t expires;
	bool pjsip;
};

struct clist {
	struct ccopy *v;
	size_t n, cap;
};

static void copy_fn(void *arg, struct reg_contact *c)
{
	struct clist *l = arg;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct ccopy *nv = realloc(l->v, ncap * sizeof(*nv));
		if (!nv)
			return;
		l->v = nv;
		l->cap = ncap;
	}
	struct ccopy *o = &l->v[l->n++];
	snprintf(o->aor, sizeof(o->aor), "%s", c->aor);
	snprintf(o->uri, sizeof(o->uri), "%s", c->uri);
	snprintf(o->endpoint, sizeof(o->endpoint), "%s", c->endpoint);
	snprintf(o->ua, sizeof(o->ua), "%s", c->user_agent);
	snprintf(o->hash, sizeof(o->hash), "%s", c->hash);
	sip_sockaddr_str(&c->src, o->src, sizeof(o->src));
	o->status = c->status;
	o->rtt_us = c->rtt_us;
	o->expires = c->expires;
	o->pjsip = c->pjsip;
}

static void contacts_of(const char *aor, struct clist *l)
{
	struct reg_store *s = reg_store_peek();
	if (s)
		reg_store_foreach(s, aor, copy_fn, l);
}

static const char *short_status(const struct sip_config *cfg, const struct ccopy *c)
{
	const struct sip_aor *aor = sip_config_aor_find(cfg, c->aor);
	if (!aor || !aor->qualify_frequency)
		return "NonQual";
	switch (c->status) {
	case SIP_CONTACT_REACHABLE:
		return "Avail";
	case SIP_CONTACT_UNREACHABLE:
		return "Unavail";
	default:
		return "Unknown";
	}
}

static void print_contact(struct zv_cli_req *req, const struct sip_config *cfg,
			  const struct ccopy *c, const char *indent)
{
	char au[512];
	snprintf(au, sizeof(au), "%s/%s", c->aor, c->uri);
	double rtt = c->rtt_us > 0 ? c->rtt_us / 1000.0 : 0.0;
	zv_cli_printf(req, "%sContact:  %-42s %-10.10s %-7s %11.3f\n", indent, au, c->hash,
		      short_status(cfg, c), rtt);
}

static struct sip_config *need_cfg(struct zv_cli_req *req)
{
	struct sip_config *cfg = sip_config_ref_current();
	if (!cfg)
		zv_cli_printf(req, "No SIP configuration loaded\n");
	return cfg;
}

/* ---- endpoints ----------------------------------------------------------------- */

static enum zv_device_state ep_state(const struct sip_endpoint *ep)
{
	char dev[160];
	snprintf(dev, sizeof(dev), "%s/%s", ep->def.kind == SIP_CONF_PJSIP ? "PJSIP" : "SIP",
		 ep->def.name);
	return zv_devstate_get(dev);
}

static void print_endpoint_block(struct zv_cli_req *req, const struct sip_config *cfg,
				 const struct sip_endpoint *ep)
{
	const char *cid = ep->callerid_number || ep->callerid_name ? "" : NULL;
	char name[160];
	if (cid)
		snprintf(name, sizeof(name), "%s/%s", ep->def.name,
			 ep->callerid_number ? ep->callerid_number : ep->callerid_name);
	else
		snprintf(name, sizeof(name), "%s", ep->def.name);
	zv_cli_printf(req, " Endpoint:  %-52s %-12s %s\n", name,
		      zv_devstate_describe(ep_state(ep)), "0 of inf");
	for (size_t i = 0; i < ep->nauths; i++)
		zv_cli_printf(req, "     InAuth:  %s/%s\n", ep->auths[i]->def.name,
			      ep->auths[i]->username);
	for (size_t i = 0; i < ep->noutbound_auths; i++)
		zv_cli_printf(req, "    OutAuth:  %s/%s\n", ep->outbound_auths[i]->def.name,
			      ep->outbound_auths[i]->username);
	for (size_t i = 0; i < ep->naors; i++) {
		const struct sip_aor *aor = ep->aors[i];
		zv_cli_printf(req, "        Aor:  %-52s %u\n", aor->def.name, aor->max_contacts);
		struct clist l = {0};
		contacts_of(aor->def.name, &l);
		for (size_t k = 0; k < l.n; k++)
			print_contact(req, cfg, &l.v[k], "      ");
		free(l.v);
	}
	if (ep->transport)
		zv_cli_printf(req, "  Transport:  %s\n", ep->transport);
	for (size_t i = 0; i < sip_config_identify_count(cfg); i++) {
		const struct sip_identify *id = sip_config_identify_at(cfg, i);
		if (id->endpoint != ep)
			continue;
		zv_cli_printf(req, "   Identify:  %s/%s\n", id->def.name, ep->def.name);
		for (size_t k = 0; k < id->nmatches; k++)
			zv_cli_printf(req, "        Match: %s\n", id->matches[k].text);
	}
}

static const char endpoints_head[] =
	"\n"
	" Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>\n"
	"    I/OAuth:  <AuthId/UserName...........................................................>\n"
	"        Aor:  <Aor............................................>  <MaxContact>\n"
	"      Contact:  <Aor/ContactUri..........................> <Hash....> <Status> <RTT(ms)..>\n"
	"  Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress..................>\n"
	"   Identify:  <Identify/Endpoint.........................................................>\n"
	"        Match:  <criteria.........................>\n"
	"    Channel:  <ChannelId......................................>  <State.....>  <Time.....>\n"
	"        Exten: <DialedExten...........>  CLCID: <ConnectedLineCID.......>\n" RULE "\n";

static enum zv_cli_result cli_show_endpoints(struct zv_cli_req *req, int argc, char **argv)
{
	struct sip_config *cfg = need_cfg(req);
	if (!cfg)
		return ZV_CLI_FAILURE;
	size_t n = sip_config_endpoint_count(cfg);
	if (!n) {
		zv_cli_printf(req, "\nNo objects found.\n\n");
		zv_unref(cfg);
		return ZV_CLI_SUCCESS;
	}
	zv_cli_printf(req, "%s", endpoints_head);
	for (size_t i = 0; i < n; i++) {
		print_endpoint_block(req, cfg, sip_config_endpoint_at(cfg, i));
		zv_cli_printf(req, "\n");
	}
	zv_cli_printf(req, "\nObjects found: %zu\n\n", n);
	zv_unref(cfg);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_endpoint(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	struct sip_config *cfg = need_cfg(req);
	if (!cfg)
		return ZV_CLI_FAILURE;
	const struct sip_endpoint *ep = sip_config_endpoint_find(cfg, argv[nf]);
	if (!ep) {
		zv_cli_printf(req, "Unable to find object %s.\n\n", argv[nf]);
		zv_unref(cfg);
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "%s", endpoints_head);
	print_endpoint_block(req, cfg, ep);
	zv_cli_printf(req, "\n\n ParameterName                      : ParameterValue\n"
			   " ==========================================================\n");
	zv_cli_printf(req, " %-35s: %s\n", "context", ep->context ? ep->context : "default");
	zv_cli_printf(req, " %-35s: %s\n", "force_rport", ep->force_rport ? "true" : "false");
	zv_cli_printf(req, " %-35s: %s\n", "rewrite_contact", ep->rewrite_contact ? "true" : "false");
	zv_cli_printf(req, " %-35s: %s\n", "transport", ep->transport ? ep->transport : "");
	zv_cli_printf(req, " %-35s: %s\n", "type", "endpoint");
	zv_cli_printf(req, "\n");
	zv_unref(cfg);
	return ZV_CLI_SUCCESS;
}

/* ---- aors, contacts, auths, identifies ----------------------------------------- */

static const char aors_head[] =
	"\n"
	"      Aor:  <Aor..............................................>  <MaxContact>\n"
	"    Contact:  <Aor/ContactUri............................> <Hash....> <Status> <RTT(ms)..>\n"
	"\n" RULE "\n";

static void print_aor(struct zv_cli_req *req, const struct sip_config *cfg,
		      const struct sip_aor *aor)
{
	zv_cli_printf(req, "      Aor:  %-54s %u\n", aor->def.name, aor->max_contacts);
	struct clist l = {0};
	contacts_of(aor->def.name, &l);
	for (size_t k = 0; k < l.n; k++)
		print_contact(req, cfg, &l.v[k], "    ");
	free(l.v);
	zv_cli_printf(req, "\n");
}

static enum zv_cli_result cli_show_aors(struct zv_cli_req *req, int argc, char **argv)
{
	struct sip_config *cfg = need_cfg(req);
	if (!cfg)
		return ZV_CLI_FAILURE;
	size_t n = sip_config_aor_count(cfg);
	if (!n) {
		zv_cli_printf(req, "\nNo objects found.\n\n");
		zv_unref(cfg);
		return ZV_CLI_SUCCESS;
	}
	zv_cli_printf(req, "%s", aors_head);
	for (size_t i = 0; i < n; i++)
		print_aor(req, cfg, sip_config_aor_at(cfg, i));
	zv_cli_printf(req, "\nObjects found: %zu\n\n", n);
	zv_unref(cfg);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_aor(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	struct sip_config *cfg = need_cfg(req);
	if (!cfg)
		return ZV_CLI_FAILURE;
	const struct sip_aor *aor = sip_config_aor_find(cfg, argv[nf]);
	if (!aor) {
		zv_cli_printf(req, "Unable to find object %s.\n\n", argv[nf]);
		zv_unref(cfg);
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "%s", aors_head);
	print_aor(req, cfg, aor);
	zv_cli_printf(req, "\n ParameterName                      : ParameterValue\n"
			   " ==========================================================\n");
	zv_cli_printf(req, " %-35s: %u\n", "default_expiration", aor->default_expiration);
	zv_cli_printf(req, " %-35s: %u\n", "max_contacts", aor->max_contacts);
	zv_cli_printf(req, " %-35s: %u\n", "maximum_expiration", aor->maximum_expiration);
	zv_cli_printf(req, " %-35s: %u\n", "minimum_expiration", aor->minimum_expiration);
	zv_cli_printf(req, " %-35s: %u\n", "qualify_frequency", aor->qualify_frequency);
	zv_cli_printf(req, " %-35s: %.6f\n", "qualify_timeout", aor->qualify_timeout_ms / 1000.0);
	zv_cli_printf(req, " %-35s: %s\n", "remove_existing",
		      aor->remove_existing ? "true" : "false");
	zv_cli_printf(req, "\n");
	zv_unref(cfg);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_contacts(struct zv_cli_req *req, int argc, char **argv)
{
	struct sip_config *cfg = need_cfg(req);
	if (!cfg)
		return ZV_CLI_FAILURE;
	struct clist l = {0};
	contacts_of(NULL, &l);
	if (!l.n) {
		zv_cli_printf(req, "\nNo objects found.\n\n");
	} else {
		zv_cli_printf(req, "\n  Contact:  <Aor/ContactUri..........................> <Hash....> "
				   "<Status> <RTT(ms)..>\n" RULE "\n");
		for (size_t k = 0; k < l.n; k++)
			print_contact(req, cfg, &l.v[k], "  ");
		zv_cli_printf(req, "\nObjects found: %zu\n\n", l.n);
	}
	free(l.v);
	zv_unref(cfg);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_auths(struct zv_cli_req *req, int argc, char **argv)
{
	struct sip_config *cfg = need_cfg(req);
	if (!cfg)
		return ZV_CLI_FAILURE;
	size_t n = sip_config_auth_count(cfg);
	if (!n) {
		zv_cli_printf(req, "\nNo objects found.\n\n");
	} else {
		zv_cli_printf(req, "\nI/OAuth:  <AuthId/UserName..............................."
				   "..............................>\n\n" RULE "\n");
		for (size_t i = 0; i < n; i++) {
			const struct sip_auth *a = sip_config_auth_at(cfg, i);
			zv_cli_printf(req, "     Auth:  %s/%s\n", a->def.name, a->username);
		}
		zv_cli_printf(req, "\nObjects found: %zu\n\n", n);
	}
	zv_unref(cfg);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_identifies(struct zv_cli_req *req, int argc, char **argv)
{
	struct sip_config *cfg = need_cfg(req);
	if (!cfg)
		return ZV_CLI_FAILURE;
	size_t n = sip_config_identify_count(cfg);
	if (!n) {
		zv_cli_printf(req, "\nNo objects found.\n\n");
	} else {
		zv_cli_printf(req, "\n   Identify:  <Identify/Endpoint................................"
				   ".........................>\n"
				   "        Match:  <criteria.........................>\n" RULE "\n");
		for (size_t i = 0; i < n; i++) {
			const struct sip_identify *id = sip_config_identify_at(cfg, i);
			zv_cli_printf(req, "   Identify:  %s/%s\n", id->def.name,
				      id->endpoint ? id->endpoint->def.name : "");
			for (size_t k = 0; k < id->nmatches; k++)
				zv_cli_printf(req, "        Match: %s\n", id->matches[k].text);
			if (id->match_header)
				zv_cli_printf(req, "        Match: header %s\n", id->match_header);
			zv_cli_printf(req, "\n");
		}
		zv_cli_printf(req, "\nObjects found: %zu\n\n", n);
	}
	zv_unref(cfg);
	return ZV_CLI_SUCCESS;
}

/* ---- chan_sip peers ------------------------------------------------------------ */

#define PEER_FMT "%-25.25s %-39.39s %-3.3s %-10.10s %-10.10s %-3.3s %-8s %-11s %-32.32s %s\n"

struct peer_view {
	bool registered;
	char host[96];
	unsigned port;
	char status[32];
	bool monitored, online;
	struct clist l;
};

static void peer_view(const struct sip_config *cfg, const struct sip_endpoint *ep,
		      struct peer_view *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < ep->naors; i++)
		contacts_of(ep->aors[i]->def.name, &v->l);
	const struct sip_aor *aor = ep->naors ? ep->aors[0] : NULL;
	v->monitored = aor && aor->qualify_frequency;
	if (v->l.n) {
		const struct ccopy *c = &v->l.v[v->l.n - 1];
		snprintf(v->host, sizeof(v->host), "%s", c->src);
		char *colon = strrchr(v->host, ':');
		if (colon) {
			v->port = (unsigned)atoi(colon + 1);
			*colon = '\0';
		}
		if (v->host[0] == '[') {
			memmove(v->host, v->host + 1, strlen(v->host));
			char *rb = strchr(v->host, ']');
			if (rb)
				*rb = '\0';
		}
		v->registered = true;
	} else if (ep->host && strcasecmp(ep->host, "dynamic")) {
		snprintf(v->host, sizeof(v->host), "%s", ep->host);
		v->port = 5060;
	} else {
		snprintf(v->host, sizeof(v->host), "(Unspecified)");
	}
	if (!v->monitored) {
		snprintf(v->status, sizeof(v->status), "Unmonitored");
		v->online = v->registered || (ep->host && strcasecmp(ep->host, "dynamic"));
	} else if (v->registered && v->l.v[v->l.n - 1].status == SIP_CONTACT_REACHABLE) {
		snprintf(v->status, sizeof(v->status), "OK (%lld ms)",
			 (long long)(v->l.v[v->l.n - 1].rtt_us / 1000));
		v->online = true;
	} else if (v->registered && v->l.v[v->l.n - 1].status == SIP_CONTACT_UNREACHABLE) {
		snprintf(v->status, sizeof(v->status), "UNREACHABLE");
	} else {
		snprintf(v->status, sizeof(v->status), "UNKNOWN");
	}
}

static enum zv_cli_result cli_sip_show_peers(struct zv_cli_req *req, int argc, char **argv)
{
	struct sip_config *cfg = need_cfg(req);
	if (!cfg)
		return ZV_CLI_FAILURE;
	zv_cli_printf(req, PEER_FMT, "Name/username", "Host", "Dyn", "Forcerport", "Comedia", "ACL",
		      "Port", "Status", "Description", "");
	unsigned total = 0, mon_on = 0, mon_off = 0, un_on = 0, un_off = 0;
	for (size_t i = 0; i < sip_config_endpoint_count(cfg); i++) {
		const struct sip_endpoint *ep = sip_config_endpoint_at(cfg, i);
		if (ep->def.kind != SIP_CONF_SIP || ep->peer_type == SIP_PEER_USER)
			continue;
		struct peer_view v;
		peer_view(cfg, ep, &v);
		char name[128], port[16];
		const char *user = ep->nauths ? ep->auths[0]->username : ep->def.name;
		snprintf(name, sizeof(name), "%s/%s", ep->def.name, user);
		snprintf(port, sizeof(port), "%u", v.port);
		zv_cli_printf(req, PEER_FMT, name, v.host, ep->dynamic ? "D" : "", 
			      ep->force_rport ? "Yes" : "No", ep->rtp_symmetric ? "Yes" : "No", "",
			      port, v.status, "", "");
		total++;
		if (v.monitored)
			v.online ? mon_on++ : mon_off++;
		else
			v.online ? un_on++ : un_off++;
		free(v.l.v);
	}
	zv_cli_printf(req,
		      "%u sip peers [Monitored: %u online, %u offline Unmonitored: %u online, %u "
		      "offline]\n",
		      total, mon_on, mon_off, un_on, un_off);
	zv_unref(cfg);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_sip_show_peer(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc < nf + 1)
		return ZV_CLI_SHOWUSAGE;
	struct sip_config *cfg = need_cfg(req);
	if (!cfg)
		return ZV_CLI_FAILURE;
	const struct sip_endpoint *ep = sip_config_endpoint_find(cfg, argv[nf]);
	if (!ep || ep->def.kind != SIP_CONF_SIP) {
		zv_cli_printf(req, "Peer %s not found.\n", argv[nf]);
		zv_unref(cfg);
		return ZV_CLI_FAILURE;
	}
	struct peer_view v;
	peer_view(cfg, ep, &v);
	time_t now = time(NULL);
	zv_cli_printf(req, "\n\n  * Name       : %s\n", ep->def.name);
	zv_cli_printf(req, "  Secret       : %s\n", ep->nauths ? "<Set>" : "<Not set>");
	zv_cli_printf(req, "  Context      : %s\n", ep->context ? ep->context : "default");
	zv_cli_printf(req, "  Language     : %s\n", ep->language ? ep->language : "");
	zv_cli_printf(req, "  Callerid     : \"%s\" <%s>\n",
		      ep->callerid_name ? ep->callerid_name : "",
		      ep->callerid_number ? ep->callerid_number : "");
	zv_cli_printf(req, "  Dynamic      : %s\n", ep->dynamic ? "Yes" : "No");
	zv_cli_printf(req, "  Regexpire    : %ld seconds\n",
		      v.l.n ? (long)(v.l.v[v.l.n - 1].expires - now) : 0L);
	zv_cli_printf(req, "  Force rport  : %s\n", ep->force_rport ? "Yes" : "No");
	zv_cli_printf(req, "  Addr->IP     : %s:%u\n", v.host, v.port);
	zv_cli_printf(req, "  Defaddr->IP  : %s\n", ep->host ? ep->host : "(null)");
	zv_cli_printf(req, "  Reg. Contact : %s\n", v.l.n ? v.l.v[v.l.n - 1].uri : "");
	zv_cli_printf(req, "  Useragent    : %s\n", v.l.n ? v.l.v[v.l.n - 1].ua : "");
	zv_cli_printf(req, "  Status       : %s\n", v.status);
	zv_cli_printf(req, "\n");
	free(v.l.v);
	zv_unref(cfg);
	return ZV_CLI_SUCCESS;
}

/* ---- bans ----------------------------------------------------------------------- */

static enum zv_cli_result cli_show_bans(struct zv_cli_req *req, int argc, char **argv)
{
	uint64_t now_ms = reg_mono_ms();
	struct reg_prot_entry *v = NULL;
	size_t n = reg_prot_list(now_ms, &v);
	time_t now = time(NULL);
	zv_cli_printf(req, "%-40s %-9s %s\n", "IP", "Failures", "Banned until");
	size_t banned = 0;
	for (size_t i = 0; i < n; i++) {
		char until[32] = "-";
		if (v[i].banned_until_ms) {
			time_t t = now + (time_t)((v[i].banned_until_ms - now_ms) / 1000);
			struct tm tm;
			localtime_r(&t, &tm);
			strftime(until, sizeof(until), "%Y-%m-%d %H:%M:%S", &tm);
			banned++;
		}
		zv_cli_printf(req, "%-40s %-9u %s\n", v[i].ip, v[i].failures, until);
	}
	zv_cli_printf(req, "%zu addresses, %zu banned\n", n, banned);
	free(v);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_unban(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	int err = reg_prot_unban(argv[nf]);
	if (err == -EINVAL) {
		zv_cli_printf(req, "'%s' is not an IP address\n", argv[nf]);
		return ZV_CLI_FAILURE;
	}
	if (err) {
		zv_cli_printf(req, "%s is not banned\n", argv[nf]);
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "Unbanned %s\n", argv[nf]);
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd reg_cli[] = {
	{"pjsip show endpoints", "List PJSIP Endpoints",
	 "Usage: pjsip show endpoints\n       List the configured PJSIP endpoints.\n",
	 cli_show_endpoints},
	{"pjsip show endpoint", "Show PJSIP Endpoint",
	 "Usage: pjsip show endpoint <id>\n       Show the configured PJSIP endpoint.\n",
	 cli_show_endpoint},
	{"pjsip show aors", "List PJSIP Aors",
	 "Usage: pjsip show aors\n       List the configured PJSIP AORs and their contacts.\n",
	 cli_show_aors},
	{"pjsip show aor", "Show PJSIP Aor",
	 "Usage: pjsip show aor <id>\n       Show the configured PJSIP AOR.\n", cli_show_aor},
	{"pjsip show contacts", "List PJSIP Contacts",
	 "Usage: pjsip show contacts\n       List the registered contacts.\n", cli_show_contacts},
	{"pjsip show auths", "List PJSIP Auths",
	 "Usage: pjsip show auths\n       List the configured auth objects.\n", cli_show_auths},
	{"pjsip show identifies", "List PJSIP Identifies",
	 "Usage: pjsip show identifies\n       List the configured identify objects.\n",
	 cli_show_identifies},
	{"sip show peers", "List defined SIP peers",
	 "Usage: sip show peers\n       Lists all known SIP peers (sip.conf).\n",
	 cli_sip_show_peers},
	{"sip show peer", "Show details on specific SIP peer",
	 "Usage: sip show peer <name>\n       Shows the details of a sip.conf peer.\n",
	 cli_sip_show_peer},
	{"sip show bans", "Show addresses with failed authentications and bans",
	 "Usage: sip show bans\n       Lists source addresses that failed digest authentication\n"
	 "       and those banned (pjsip.conf [global] ban_threshold, ban_window, ban_time).\n",
	 cli_show_bans},
	{"pjsip show bans", "Show addresses with failed authentications and bans",
	 "Usage: pjsip show bans\n       Same as 'sip show bans'.\n", cli_show_bans},
	{"sip unban", "Lift a ban on an address",
	 "Usage: sip unban <ip>\n       Forgets the failures and the ban of an address.\n",
	 cli_unban},
	{NULL},
};

int reg_cli_register(struct zv_module *mod)
{
	return zv_cli_register(mod, reg_cli);
}
