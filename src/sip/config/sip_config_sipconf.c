/*
 * sip.conf (chan_sip) reader: maps [general], type=friend|peer|user
 * sections and register => lines onto the pjsip-shaped model.
 *
 * DESIGN
 * chan_sip starts every peer from built-in defaults, then the peer-level
 * options written in [general], then the peer's own section; we apply the
 * same three layers, in file order, through one apply function.  A peer
 * then becomes an endpoint plus the objects chan_sip kept inside the
 * peer: an aor (one contact, replaced on re-registration; a static
 * contact when host= is an address), an inbound auth named after the peer
 * (chan_sip checks the digest user name against the peer name), an
 * outbound auth, and an identify for a static host.  [general]'s bind
 * options become transports sip-udp, sip-tcp and sip-tls.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_config_int.h"

#define NOEFFECT "accepted, no effect yet"

/* Options that are both per-peer and, in [general], the peers' default. */
#define PEER_DEFAULT_OPTS                                                      \
	{"context", "dialplan context"},                                       \
		{"allow", "codecs to allow, in order"},                        \
		{"disallow", "codecs to remove; all clears"},                  \
		{"nat", "no, yes, force_rport, comedia (comma list)"},         \
		{"dtmfmode", "rfc2833, inband, info, auto, shortinfo"},        \
		{"qualify", "yes, no or a timeout in ms"},                     \
		{"qualifyfreq", "seconds between qualify OPTIONS"},            \
		{"language", "prompt language"},                               \
		{"directmedia", "yes, no, nonat, update, outgoing"},           \
		{"canreinvite", "old name of directmedia"},                    \
		{"insecure", "port, invite, port,invite, no"},                 \
		{"session-timers", "accept, originate, refuse"},               \
		{"session-expires", "session expiry (s)"},                     \
		{"session-minse", "minimum session expiry (s)"},               \
		{"t38pt_udptl", "T.38 fax passthrough"},                       \
		{"trustrpid", "trust Remote-Party-ID"},                        \
		{"sendrpid", "yes, no, pai, rpid"},                            \
		{"allowsubscribe", "accept SUBSCRIBE"},                        \
		{"subscribecontext", "context for SUBSCRIBE hints"},           \
		{"fromdomain", "host part of From"},                           \
		{"transport", "udp, tcp, tls: allowed, first is the default"}, \
		{"encryption", "SRTP (SDES)"},                                 \
		{"outboundproxy", "proxy for outbound requests"},              \
		{"accountcode", "CDR account code"},                           \
		{"callcounter", NOEFFECT}, {"allowoverlap", NOEFFECT},         \
		{"allowtransfer", NOEFFECT}, {"autoframing", NOEFFECT},        \
		{"avpf", NOEFFECT}, {"buggymwi", NOEFFECT},                    \
		{"callingpres", "presentation of the caller ID"},              \
		{"trust_id_outbound", "yes, no, legacy: send private caller IDs"}, \
		{"cos_audio", NOEFFECT},                                       \
		{"faxdetect", NOEFFECT}, {"force_avp", NOEFFECT},              \
		{"g726nonstandard", NOEFFECT}, {"icesupport", NOEFFECT},       \
		{"ignoresdpversion", NOEFFECT}, {"maxcallbitrate", NOEFFECT},  \
		{"maxforwards", NOEFFECT}, {"mohinterpret", NOEFFECT},         \
		{"mohsuggest", NOEFFECT}, {"parkinglot", NOEFFECT},            \
		{"preferred_codec_only", NOEFFECT},                            \
		{"progressinband", NOEFFECT}, {"promiscredir", NOEFFECT},      \
		{"rfc2833compensate", NOEFFECT}, {"rpid_immediate", NOEFFECT}, \
		{"rpid_update", NOEFFECT}, {"rtpholdtimeout", NOEFFECT},       \
		{"rtpkeepalive", NOEFFECT}, {"rtptimeout", NOEFFECT},          \
		{"sdpowner", NOEFFECT}, {"sdpsession", NOEFFECT},              \
		{"send_diversion", NOEFFECT}, {"session-refresher", NOEFFECT}, \
		{"textsupport", NOEFFECT}, {"timerb", NOEFFECT},               \
		{"timert1", NOEFFECT}, {"tonezone", NOEFFECT},                 \
		{"usereqphone", NOEFFECT}, {"use_q850_reason", NOEFFECT},      \
		{"videosupport", NOEFFECT}, {"vmexten", NOEFFECT},             \
		{"directmediadeny", NOEFFECT},                                 \
		{"directmediapermit", NOEFFECT}, {"directrtpsetup", NOEFFECT}, \
		{"contactdeny", NOEFFECT}, {"contactpermit", NOEFFECT},        \
		{"contactacl", NOEFFECT}, {"recordonfeature", NOEFFECT},       \
		{"recordofffeature", NOEFFECT}, {"keepalive", NOEFFECT},       \
		{"outofcall_message_context", NOEFFECT},                       \
		{"auth_message_requests", NOEFFECT},                           \
		{"accept_outofcall_message", NOEFFECT},                        \
		{"dynamic_exclude_static", NOEFFECT},                          \
		{"snom_aoc_enabled", NOEFFECT},                                \
		{"disallowed_methods", NOEFFECT},                              \
		{"rtp_engine", NOEFFECT}, {"shrinkcallerid", NOEFFECT},        \
		{"mwi_from", NOEFFECT}, {"relaxdtmf", NOEFFECT}

static const struct zv_conf_option peer_opts[] = {
	{"type", "friend, peer or user"},
	{"host", "dynamic, or the peer's host name or address"},
	{"port", "the static host's port"},
	{"secret", "password"},
	{"md5secret", "md5(name:realm:secret)"},
	{"remotesecret", "password we send to the peer"},
	{"defaultuser", "user name towards the peer"},
	{"username", "old name of defaultuser"},
	{"fromuser", "user part of From"},
	{"callerid", "\"Name\" <number>"},
	{"mailbox", "comma list of box[@context] for MWI"},
	{"call-limit", "simultaneous calls"},
	{"busylevel", "calls at which the device is busy"},
	{"regexten", "extension created on registration"},
	{"setvar", "name=value channel variable"},
	{"defaultip", NOEFFECT},
	{"deny", NOEFFECT},
	{"permit", NOEFFECT},
	{"acl", NOEFFECT},
	{"amaflags", NOEFFECT},
	{"callgroup", "call groups, e.g. 1,3-4 (0..63)"},
	{"pickupgroup", "groups whose ringing calls this peer may pick up"},
	{"namedcallgroup", "named call groups, e.g. sales,support"},
	{"namedpickupgroup", "named groups whose ringing calls this peer may pick up"},
	{"cid_number", NOEFFECT},
	{"fullname", NOEFFECT},
	{"description", NOEFFECT},
	{"hasvoicemail", NOEFFECT},
	{"unsolicited_mailbox", NOEFFECT},
	{"rtupdate", NOEFFECT},
	{"lastms", NOEFFECT},
	{"ipaddr", NOEFFECT},
	{"regserver", NOEFFECT},
	{"regseconds", NOEFFECT},
	{"useragent", NOEFFECT},
	{"fullcontact", NOEFFECT},
	{"auth", NOEFFECT},
	{"dtlsenable", "DTLS-SRTP (media_encryption=dtls)"},
	{"dtlsverify", "no, fingerprint, certificate, yes"},
	{"dtlscertfile", "PEM certificate (chain) for DTLS"},
	{"dtlsprivatekey", "PEM private key (default: in dtlscertfile)"},
	{"dtlssetup", "active, passive, actpass"},
	{"dtlsfingerprint", "SHA-256, SHA-1"},
	{"dtlscafile", "CA certificates for dtlsverify=certificate|yes"},
	{"dtlscapath", "directory of CA certificates"},
	{"dtlsautogeneratecert", "a self-signed ECDSA certificate made at start"},
	{"dtlscipher", NOEFFECT},
	{"dtlsrekey", "seconds; re-keying is not done (0 only)"},
	{"encryption_taglen", NOEFFECT},
	{"subscribemwi", NOEFFECT},
	PEER_DEFAULT_OPTS,
	{NULL, NULL},
};

static const struct zv_conf_option general_opts[] = {
	{"register", "outbound registration line"},
	{"realm", "digest realm"},
	{"useragent", "User-Agent header"},
	{"allowguest", "accept calls from unknown peers"},
	{"alwaysauthreject", "hide which user names exist"},
	{"defaultexpiry", "registration expiry when none is asked (s)"},
	{"minexpiry", "shortest registration (s)"},
	{"maxexpiry", "longest registration (s)"},
	{"srvlookup", "DNS SRV for outbound calls"},
	{"udpbindaddr", "UDP address[:port]"},
	{"bindaddr", "old name of udpbindaddr"},
	{"bindport", "UDP port when udpbindaddr has none"},
	{"tcpenable", "listen on TCP"},
	{"tcpbindaddr", "TCP address[:port]"},
	{"tlsenable", "listen on TLS"},
	{"tlsbindaddr", "TLS address[:port]"},
	{"tlscertfile", "TLS certificate"},
	{"tlsprivatekey", "TLS private key"},
	{"tlscafile", "TLS CA bundle"},
	{"tlscapath", "TLS CA directory"},
	{"tlscipher", "TLS ciphers"},
	{"tlsclientmethod", "TLS method"},
	{"tlsdontverifyserver", "do not check server certificates"},
	{"externaddr", "public address[:port] behind NAT"},
	{"externip", "old name of externaddr"},
	{"externhost", "public host name behind NAT"},
	{"externtcpport", "public TCP port"},
	{"externtlsport", "public TLS port"},
	{"localnet", "network not behind NAT; repeatable"},
	{"registertimeout", "seconds between registration retries"},
	{"registerattempts", "registration attempts, 0: forever"},
	{"externrefresh", NOEFFECT},
	{"stunaddr", NOEFFECT},
	{"media_address", NOEFFECT},
	{"matchexternaddrlocally", NOEFFECT},
	{"tcpauthtimeout", NOEFFECT},
	{"tcpauthlimit", NOEFFECT},
	{"websocket_enabled", NOEFFECT},
	{"websocket_write_timeout", NOEFFECT},
	{"register_retry_403", NOEFFECT},
	{"regcontext", NOEFFECT},
	{"regextenonqualify", NOEFFECT},
	{"rtcachefriends", NOEFFECT},
	{"rtsavesysname", NOEFFECT},
	{"rtsavepath", NOEFFECT},
	{"rtautoclean", NOEFFECT},
	{"ignoreregexpire", NOEFFECT},
	{"domain", NOEFFECT},
	{"domainsasrealm", NOEFFECT},
	{"allowexternaldomains", NOEFFECT},
	{"autodomain", NOEFFECT},
	{"fromdomainport", NOEFFECT},
	{"pedantic", NOEFFECT},
	{"tos_sip", NOEFFECT},
	{"tos_audio", NOEFFECT},
	{"tos_video", NOEFFECT},
	{"tos_text", NOEFFECT},
	{"cos_sip", NOEFFECT},
	{"cos_video", NOEFFECT},
	{"cos_text", NOEFFECT},
	{"submaxexpiry", NOEFFECT},
	{"subminexpiry", NOEFFECT},
	{"mwiexpiry", NOEFFECT},
	{"qualifygap", NOEFFECT},
	{"qualifypeers", NOEFFECT},
	{"compactheaders", NOEFFECT},
	{"authfailureevents", NOEFFECT},
	{"auth_options_requests", NOEFFECT},
	{"match_auth_username", NOEFFECT},
	{"notifyringing", NOEFFECT},
	{"notifyhold", NOEFFECT},
	{"notifycid", NOEFFECT},
	{"notifymimetype", NOEFFECT},
	{"checkmwi", NOEFFECT},
	{"autocreatepeer", NOEFFECT},
	{"jbenable", "jitter buffer on SIP/ channels (with jbforce: SIP accepts jitter)"},
	{"jbforce", "jitter buffer on every SIP/ channel's received audio"},
	{"jbmaxsize", "jitter buffer size (ms, default 200)"},
	{"jbresyncthreshold", "jitter buffer resync threshold (ms, default 1000)"},
	{"jbimpl", "fixed or adaptive"},
	{"jbtargetextra", "adaptive jitter buffer extra delay (ms, default 40)"},
	{"jblog", NOEFFECT},
	{"storesipcause", NOEFFECT},
	{"t1min", NOEFFECT},
	{"callevents", NOEFFECT},
	{"sipdebug", NOEFFECT},
	{"recordhistory", NOEFFECT},
	{"dumphistory", NOEFFECT},
	{"limitonpeers", NOEFFECT},
	{"legacy_useroption_parsing", NOEFFECT},
	{"prematuremedia", NOEFFECT},
	{"udptl_ec", NOEFFECT},
	{"minimum_expiry", NOEFFECT},
	{"hash_users", NOEFFECT},
	{"hash_peers", NOEFFECT},
	{"hash_dialogs", NOEFFECT},
	PEER_DEFAULT_OPTS,
	{NULL, NULL},
};

/* Peer options chan_sip takes from [general] as the peers' default. */
static bool is_peer_default(const char *key)
{
	static const char *const keys[] = {
		"context", "allow", "disallow", "nat", "dtmfmode", "qualify",
		"qualifyfreq", "language", "directmedia", "canreinvite",
		"insecure", "session-timers", "session-expires",
		"session-minse", "t38pt_udptl", "trustrpid", "sendrpid", "trust_id_outbound",
		"allowsubscribe", "subscribecontext", "fromdomain", "transport",
		"encryption", "outboundproxy", "accountcode", NULL,
	};
	for (size_t i = 0; keys[i]; i++)
		if (!strcasecmp(key, keys[i]))
			return true;
	return false;
}

/* ---- global -------------------------------------------------------------- */

void sip__read_sipconf_global(struct sip__build *b, const struct zv_conf *conf)
{
	const struct zv_conf_section *gen = zv_conf_section_find(conf, "general");
	struct sip_global *g = &b->cfg->global;
	if (!gen)
		return;
	for (const struct zv_conf_var *v = gen->vars; v; v = v->next) {
		const char *k = v->name, *val = v->value;
		if (!strcasecmp(k, "realm"))
			g->default_realm = val;
		else if (!strcasecmp(k, "useragent"))
			g->user_agent = val;
		else if (!strcasecmp(k, "context"))
			g->default_context = val;
		else if (!strcasecmp(k, "allowguest"))
			sip__get_bool(b, v, &g->allow_guest);
		else if (!strcasecmp(k, "alwaysauthreject"))
			sip__get_bool(b, v, &g->always_auth_reject);
		else if (!strcasecmp(k, "srvlookup"))
			sip__get_bool(b, v, &g->srv_lookup);
		else if (!strcasecmp(k, "defaultexpiry"))
			sip__get_uint(b, v, UINT32_MAX, &g->default_expiry);
		else if (!strcasecmp(k, "minexpiry"))
			sip__get_uint(b, v, UINT32_MAX, &g->min_expiry);
		else if (!strcasecmp(k, "maxexpiry"))
			sip__get_uint(b, v, UINT32_MAX, &g->max_expiry);
		else if (!strcasecmp(k, "jbenable"))
			sip__get_bool(b, v, &g->jb_enable);
		else if (!strcasecmp(k, "jbforce"))
			sip__get_bool(b, v, &g->jb_force);
		else if (!strcasecmp(k, "jbmaxsize"))
			sip__get_uint(b, v, 60000, &g->jb_max_ms);
		else if (!strcasecmp(k, "jbresyncthreshold"))
			sip__get_uint(b, v, 60000, &g->jb_resync_ms);
		else if (!strcasecmp(k, "jbtargetextra"))
			sip__get_uint(b, v, 60000, &g->jb_extra_ms);
		else if (!strcasecmp(k, "jbimpl")) {
			if (!strcasecmp(val, "adaptive") || !strcasecmp(val, "fixed"))
				g->jb_adaptive = !strcasecmp(val, "adaptive");
			else
				zv_diag_error(b->diag, v->file, v->line,
					      "jbimpl=%s: fixed or adaptive", val);
		}
	}
}

/* ---- transports ---------------------------------------------------------- */

static const struct sip_transport *find_transport(struct sip_config *cfg,
						  const char *name)
{
	for (size_t i = 0; i < cfg->transports.n; i++) {
		const struct sip_transport *t = cfg->transports.v[i];
		if (!strcasecmp(t->def.name, name))
			return t;
	}
	return NULL;
}

static const struct zv_conf_var *last_var(const struct zv_conf_section *sec,
					  const char *key)
{
	const struct zv_conf_var *last = NULL;
	for (const struct zv_conf_var *v = zv_conf_var_next(sec, key, NULL); v;
	     v = zv_conf_var_next(sec, key, v))
		last = v;
	return last;
}

static bool general_bool(struct sip__build *b, const struct zv_conf_section *gen,
			 const char *key, bool def)
{
	const struct zv_conf_var *v = gen ? last_var(gen, key) : NULL;
	if (v)
		sip__get_bool(b, v, &def);
	return def;
}

static struct sip_transport *
add_transport(struct sip__build *b, const struct zv_conf *conf,
	      const struct zv_conf_section *gen, const char *name,
	      enum sip_transport_proto proto, const struct zv_conf_var *bindv,
	      const char *bind_default, uint16_t port)
{
	const struct sip_transport *other = find_transport(b->cfg, name);
	const char *file = bindv ? bindv->file : gen ? gen->file : zv_conf_path(conf);
	unsigned line = bindv ? bindv->line : gen ? gen->line : 0;
	if (other) {
		zv_diag_error(b->diag, file, line,
			      "transport '%s' from sip.conf is also defined at "
			      "%s:%u",
			      name, other->def.file, other->def.line);
		return NULL;
	}
	struct sip_transport *t = sip__alloc(b->cfg, sizeof(*t));
	if (!t)
		return NULL;
	t->def.name = name;
	t->def.file = file;
	t->def.line = line;
	t->def.kind = SIP_CONF_SIP;
	t->def.section = gen;
	t->proto = proto;
	t->bind_text = bindv ? bindv->value : bind_default;
	if (sip__addr_parse(t->bind_text, port, &t->bind))
		zv_diag_error(b->diag, file, line,
			      "%s=%s is not an IP address[:port]",
			      bindv ? bindv->name : "bind", t->bind_text);
	sip__vec_push(b->cfg, &b->cfg->transports, t);
	return t;
}

static void read_transports(struct sip__build *b, const struct zv_conf *conf,
			    const struct zv_conf_section *gen)
{
	struct sip_transport *ts[3] = {NULL, NULL, NULL};
	unsigned port = 5060;
	const struct zv_conf_var *v;
	if (gen && (v = last_var(gen, "bindport")))
		sip__get_uint(b, v, 65535, &port);
	const struct zv_conf_var *udp = gen ? last_var(gen, "udpbindaddr") : NULL;
	if (!udp && gen)
		udp = last_var(gen, "bindaddr");
	ts[0] = add_transport(b, conf, gen, "sip-udp", SIP_PROTO_UDP, udp,
			      "0.0.0.0", (uint16_t)port);
	if (general_bool(b, gen, "tcpenable", false))
		ts[1] = add_transport(b, conf, gen, "sip-tcp", SIP_PROTO_TCP,
				      last_var(gen, "tcpbindaddr"), "0.0.0.0",
				      5060);
	if (general_bool(b, gen, "tlsenable", false)) {
		struct sip_transport *t = add_transport(
			b, conf, gen, "sip-tls", SIP_PROTO_TLS,
			last_var(gen, "tlsbindaddr"), "0.0.0.0", 5061);
		ts[2] = t;
		if (t) {
			t->cert_file = zv_conf_get(gen, "tlscertfile");
			t->priv_key_file = zv_conf_get(gen, "tlsprivatekey");
			t->ca_list_file = zv_conf_get(gen, "tlscafile");
			t->ca_list_path = zv_conf_get(gen, "tlscapath");
			t->cipher = zv_conf_get(gen, "tlscipher");
			t->method = zv_conf_get(gen, "tlsclientmethod");
			t->verify_server =
				!general_bool(b, gen, "tlsdontverifyserver",
					      true);
			if (!t->cert_file)
				zv_diag_warn(b->diag, t->def.file, t->def.line,
					     "tlsenable=yes without "
					     "tlscertfile");
		}
	}
	if (!gen)
		return;

	/* NAT: the public address and the local networks, on all of them */
	const char *ext = NULL;
	uint16_t ext_port = 0;
	const struct zv_conf_var *ev = last_var(gen, "externaddr");
	if (!ev)
		ev = last_var(gen, "externip");
	if (!ev)
		ev = last_var(gen, "externhost");
	if (ev) {
		const char *colon = strrchr(ev->value, ':');
		if (colon && !strchr(ev->value, ']') &&
		    colon == strchr(ev->value, ':')) {
			long p;
			if (zv_conf_parse_int(colon + 1, 1, 65535, &p))
				zv_diag_error(b->diag, ev->file, ev->line,
					      "%s=%s: bad port", ev->name,
					      ev->value);
			else
				ext_port = (uint16_t)p;
			ext = sip__strndup(b->cfg, ev->value,
					   (size_t)(colon - ev->value));
		} else {
			ext = ev->value;
		}
	}
	const struct sip_match *nets = NULL;
	size_t nnets = 0;
	for (v = zv_conf_var_next(gen, "localnet", NULL); v;
	     v = zv_conf_var_next(gen, "localnet", v)) {
		struct sip_match m;
		if (sip__match_parse(b->cfg, v->value, &m) ||
		    m.family == AF_UNSPEC) {
			zv_diag_error(b->diag, v->file, v->line,
				      "localnet=%s is not a network", v->value);
			continue;
		}
		struct sip_match *a = sip__alloc(b->cfg, (nnets + 1) * sizeof(*a));
		if (!a)
			return;
		if (nnets)
			memcpy(a, nets, nnets * sizeof(*a));
		a[nnets++] = m;
		nets = a;
	}
	static const char *const port_keys[3] = {NULL, "externtcpport",
						 "externtlsport"};
	for (size_t i = 0; i < 3; i++) {
		struct sip_transport *t = ts[i];
		if (!t)
			continue;
		t->external_media_address = ext;
		t->external_signaling_address = ext;
		t->external_signaling_port = ext_port;
		if (port_keys[i] && (v = last_var(gen, port_keys[i]))) {
			unsigned p = 0;
			sip__get_uint(b, v, 65535, &p);
			t->external_signaling_port = (uint16_t)p;
		}
		t->local_nets = nets;
		t->nlocal_nets = nnets;
	}
}

/* ---- register => lines ---------------------------------------------------- */

/*
 * [peer?][transport://]user[@domain][:secret[:authuser]]@host[:port]
 * [/extension][~expiry]
 */
static void read_register(struct sip__build *b, const struct zv_conf_var *v,
			  unsigned retry, unsigned attempts)
{
	struct sip_config *cfg = b->cfg;
	char *s = sip__strdup(cfg, v->value);
	if (!s)
		return;
	enum sip_transport_proto proto = SIP_PROTO_UDP;
	char *q = strchr(s, '?');
	if (q && q < strchr(s, '@') && (!strchr(s, ':') || q < strchr(s, ':')))
		s = q + 1; /* peer? names the peer whose settings to use */
	char *scheme = strstr(s, "://");
	if (scheme) {
		*scheme = '\0';
		if (!strcasecmp(s, "udp"))
			proto = SIP_PROTO_UDP;
		else if (!strcasecmp(s, "tcp"))
			proto = SIP_PROTO_TCP;
		else if (!strcasecmp(s, "tls"))
			proto = SIP_PROTO_TLS;
		else {
			zv_diag_error(b->diag, v->file, v->line,
				      "register => %s: unknown transport '%s'",
				      v->value, s);
			return;
		}
		s = scheme + 3;
	}
	char *at = strrchr(s, '@');
	if (!at || at == s || !at[1]) {
		zv_diag_error(b->diag, v->file, v->line,
			      "register => %s: expected user[:secret]@host",
			      v->value);
		return;
	}
	*at = '\0';
	char *host = at + 1;
	unsigned expiry = cfg->global.default_expiry;
	char *tilde = strrchr(host, '~');
	if (tilde) {
		*tilde = '\0';
		long e;
		if (zv_conf_parse_int(tilde + 1, 1, INT_MAX, &e))
			zv_diag_error(b->diag, v->file, v->line,
				      "register => %s: bad ~expiry", v->value);
		else
			expiry = (unsigned)e;
	}
	const char *ext = "s";
	char *slash = strchr(host, '/');
	if (slash) {
		*slash = '\0';
		if (slash[1])
			ext = slash + 1;
	}
	char *colon = strrchr(host, ':');
	if (colon && !strchr(host, ']')) {
		long p;
		*colon = '\0';
		if (zv_conf_parse_int(colon + 1, 1, 65535, &p)) {
			zv_diag_error(b->diag, v->file, v->line,
				      "register => %s: bad port", v->value);
			return;
		}
		colon[0] = ':'; /* keep host:port for the URI */
	}
	if (!*host || *host == ':') {
		zv_diag_error(b->diag, v->file, v->line,
			      "register => %s: no host", v->value);
		return;
	}
	/* user part: user[@domain][:secret[:authuser]] */
	char *user = s, *secret = NULL, *authuser = NULL;
	char *c1 = strchr(user, ':');
	if (c1) {
		*c1 = '\0';
		secret = c1 + 1;
		char *c2 = strchr(secret, ':');
		if (c2) {
			*c2 = '\0';
			authuser = c2 + 1;
		}
	}
	if (!*user) {
		zv_diag_error(b->diag, v->file, v->line,
			      "register => %s: no user", v->value);
		return;
	}
	char *domain = strchr(user, '@');
	char *user_only = domain ? sip__strndup(cfg, user, (size_t)(domain - user))
				 : user;
	char buf[512];
	struct sip_registration *r = sip__alloc(cfg, sizeof(*r));
	if (!r || !user_only)
		return;
	snprintf(buf, sizeof(buf), "%s@%s", user_only, host);
	r->def.name = sip__strdup(cfg, buf);
	if (!r->def.name)
		return;
	r->def.file = v->file;
	r->def.line = v->line;
	r->def.kind = SIP_CONF_SIP;
	r->def.section = zv_conf_section_find(cfg->sipconf, "general");
	snprintf(buf, sizeof(buf), "sip:%s%s", host,
		 proto == SIP_PROTO_TCP	  ? ";transport=tcp"
		 : proto == SIP_PROTO_TLS ? ";transport=tls"
					  : "");
	r->server_uri = sip__strdup(cfg, buf);
	snprintf(buf, sizeof(buf), "sip:%s@%s", user_only,
		 domain ? domain + 1 : host);
	r->client_uri = sip__strdup(cfg, buf);
	r->contact_user = ext;
	r->retry_interval = retry;
	r->max_retries = attempts ? attempts : UINT_MAX;
	r->expiration = expiry;
	r->auth_rejection_permanent = true;
	r->proto = proto;
	static const char *const tnames[] = {"sip-udp", "sip-tcp", "sip-tls"};
	r->transport = tnames[proto];
	for (size_t i = 0; i < cfg->regs.n; i++) {
		const struct sip_def *d = cfg->regs.v[i];
		if (!strcasecmp(d->name, r->def.name)) {
			zv_diag_warn(b->diag, v->file, v->line,
				     "register => %s: same registration as "
				     "%s:%u, ignored",
				     v->value, d->file, d->line);
			return;
		}
	}
	if (secret) {
		struct sip_auth *a = sip__alloc(cfg, sizeof(*a));
		if (!a)
			return;
		a->def = r->def;
		snprintf(buf, sizeof(buf), "%s-auth", r->def.name);
		a->def.name = sip__strdup(cfg, buf);
		a->type = SIP_AUTH_USERPASS;
		a->username = authuser && *authuser ? authuser : user_only;
		a->password = secret;
		sip__vec_push(cfg, &cfg->auths, a);
		SIP__ARR_PUSH(cfg, r->outbound_auths, r->noutbound_auths, a);
	}
	sip__vec_push(cfg, &cfg->regs, r);
}

/* ---- peers --------------------------------------------------------------- */

struct peer_ctx {
	struct sip_endpoint *ep;
	struct sip__codecs codecs;
	bool qualify;
	unsigned qualify_ms;
	unsigned qualifyfreq;
	unsigned port;
	const char *secret, *md5secret, *remotesecret, *defaultuser;
	const char *first_transport;
	unsigned call_limit, busylevel;
	bool has_busylevel;
};

static int nat_item(void *arg, const char *item)
{
	void **a = arg;
	struct sip__build *b = a[0];
	const struct zv_conf_var *v = a[1];
	struct sip_endpoint *ep = a[2];
	if (!strcasecmp(item, "yes")) {
		ep->force_rport = ep->rewrite_contact = ep->rtp_symmetric = true;
	} else if (!strcasecmp(item, "force_rport") ||
		   !strcasecmp(item, "auto_force_rport")) {
		ep->force_rport = ep->rewrite_contact = true;
	} else if (!strcasecmp(item, "comedia") ||
		   !strcasecmp(item, "auto_comedia")) {
		ep->rtp_symmetric = true;
	} else if (!strcasecmp(item, "no") || !strcasecmp(item, "never") ||
		   !strcasecmp(item, "route")) {
		/* nothing forced */
	} else {
		zv_diag_error(b->diag, v->file, v->line,
			      "nat=%s: unknown value '%s'", v->value, item);
	}
	return 0;
}

static int insecure_item(void *arg, const char *item)
{
	void **a = arg;
	struct sip__build *b = a[0];
	const struct zv_conf_var *v = a[1];
	struct sip_endpoint *ep = a[2];
	if (!strcasecmp(item, "port") || !strcasecmp(item, "yes"))
		ep->insecure_port = true;
	else if (!strcasecmp(item, "invite"))
		ep->insecure_invite = true;
	else if (!strcasecmp(item, "very"))
		ep->insecure_port = ep->insecure_invite = true;
	else if (strcasecmp(item, "no"))
		zv_diag_error(b->diag, v->file, v->line,
			      "insecure=%s: unknown value '%s'", v->value, item);
	return 0;
}

struct mbox_ctx {
	struct sip_config *cfg;
	struct sip_endpoint *ep;
};

static int mailbox_item(void *arg, const char *item)
{
	struct mbox_ctx *m = arg;
	const char *box = item;
	if (!strchr(item, '@')) {
		size_t n = strlen(item) + sizeof("@default");
		char *s = sip__alloc(m->cfg, n);
		if (!s)
			return -ENOMEM;
		snprintf(s, n, "%s@default", item);
		box = s;
	}
	return SIP__ARR_PUSH(m->cfg, m->ep->mailboxes, m->ep->nmailboxes, box);
}

static int transport_item(void *arg, const char *item)
{
	void **a = arg;
	struct sip__build *b = a[0];
	const struct zv_conf_var *v = a[1];
	struct peer_ctx *x = a[2];
	const char *name = NULL;
	if (!strcasecmp(item, "udp"))
		name = "sip-udp";
	else if (!strcasecmp(item, "tcp"))
		name = "sip-tcp";
	else if (!strcasecmp(item, "tls"))
		name = "sip-tls";
	else if (!strcasecmp(item, "ws") || !strcasecmp(item, "wss"))
		zv_diag_warn(b->diag, v->file, v->line,
			     "transport=%s: WebSocket in sip.conf is not "
			     "supported yet",
			     item);
	else
		zv_diag_error(b->diag, v->file, v->line,
			      "transport=%s: unknown transport '%s'", v->value,
			      item);
	if (name && !x->first_transport)
		x->first_transport = name;
	return 0;
}

static void peer_apply(struct sip__build *b, struct peer_ctx *x,
		       const struct zv_conf_var *v)
{
	struct sip_endpoint *ep = x->ep;
	struct sip_config *cfg = b->cfg;
	const char *k = v->name, *val = v->value;
	void *a[3] = {b, (void *)v, ep};

	if (!strcasecmp(k, "allow") || !strcasecmp(k, "disallow")) {
		sip__codecs_apply(b, &x->codecs, !strcasecmp(k, "allow"), v);
	} else if (!strcasecmp(k, "context")) {
		ep->context = val;
	} else if (!strcasecmp(k, "subscribecontext")) {
		ep->subscribe_context = *val ? val : NULL;
	} else if (!strcasecmp(k, "language")) {
		ep->language = *val ? val : NULL;
	} else if (!strcasecmp(k, "accountcode")) {
		ep->accountcode = *val ? val : NULL;
	} else if (!strcasecmp(k, "callerid")) {
		sip__callerid_parse(cfg, val, &ep->callerid_name,
				    &ep->callerid_number);
	} else if (!strcasecmp(k, "nat")) {
		ep->force_rport = ep->rewrite_contact = ep->rtp_symmetric = false;
		sip__split(cfg, val, nat_item, a);
	} else if (!strcasecmp(k, "insecure")) {
		ep->insecure_port = ep->insecure_invite = false;
		sip__split(cfg, val, insecure_item, a);
	} else if (!strcasecmp(k, "dtmfmode")) {
		if (!strcasecmp(val, "rfc2833"))
			ep->dtmf_mode = SIP_DTMF_RFC4733;
		else if (!strcasecmp(val, "inband"))
			ep->dtmf_mode = SIP_DTMF_INBAND;
		else if (!strcasecmp(val, "info") ||
			 !strcasecmp(val, "shortinfo"))
			ep->dtmf_mode = SIP_DTMF_INFO;
		else if (!strcasecmp(val, "auto"))
			ep->dtmf_mode = SIP_DTMF_AUTO;
		else
			zv_diag_error(b->diag, v->file, v->line,
				      "dtmfmode=%s: expected rfc2833, inband, "
				      "info or auto",
				      val);
	} else if (!strcasecmp(k, "callgroup")) {
		sip__get_groups(b, v, &ep->call_group);
	} else if (!strcasecmp(k, "pickupgroup")) {
		sip__get_groups(b, v, &ep->pickup_group);
	} else if (!strcasecmp(k, "namedcallgroup")) {
		ep->named_call_group = *val ? val : NULL;
	} else if (!strcasecmp(k, "namedpickupgroup")) {
		ep->named_pickup_group = *val ? val : NULL;
	} else if (!strcasecmp(k, "directmedia") ||
		   !strcasecmp(k, "canreinvite")) {
		/* yes, no, or a comma list of nonat, update, outgoing
		 * (each implies yes), as chan_sip */
		bool on;
		if (!zv_conf_parse_bool(val, &on)) {
			ep->direct_media = on;
			ep->direct_media_update = ep->direct_media_nonat = false;
		} else {
			char word[32];
			const char *p = val;
			bool bad = false;
			bool upd = false, nonat = false, out = false;
			while (*p && !bad) {
				size_t n = strcspn(p, ",");
				if (n >= sizeof(word))
					n = sizeof(word) - 1;
				memcpy(word, p, n);
				word[n] = '\0';
				char *w = word;
				while (*w == ' ' || *w == '\t')
					w++;
				for (char *e = w + strlen(w); e > w && (e[-1] == ' ' || e[-1] == '\t');)
					*--e = '\0';
				if (!strcasecmp(w, "nonat"))
					nonat = true;
				else if (!strcasecmp(w, "update"))
					upd = true;
				else if (!strcasecmp(w, "outgoing"))
					out = true;
				else
					bad = true;
				p += strcspn(p, ",");
				if (*p == ',')
					p++;
			}
			if (bad) {
				zv_diag_error(b->diag, v->file, v->line,
					      "%s=%s: expected yes, no, nonat, "
					      "update or outgoing",
					      k, val);
			} else {
				ep->direct_media = true;
				ep->direct_media_update = upd;
				ep->direct_media_nonat = nonat;
				ep->direct_media_glare =
					out ? SIP_DM_GLARE_OUTGOING : SIP_DM_GLARE_NONE;
				if (out)
					zv_diag_warn(b->diag, v->file, v->line,
						     "%s=%s: outgoing (glare "
						     "mitigation) is not implemented",
						     k, val);
			}
		}
	} else if (!strcasecmp(k, "qualify")) {
		bool on;
		long ms;
		if (!zv_conf_parse_bool(val, &on)) {
			x->qualify = on;
			x->qualify_ms = 2000;
		} else if (!zv_conf_parse_int(val, 0, 3600000, &ms)) {
			x->qualify = ms > 0;
			x->qualify_ms = (unsigned)ms;
		} else {
			zv_diag_error(b->diag, v->file, v->line,
				      "qualify=%s: expected yes, no or "
				      "milliseconds",
				      val);
		}
	} else if (!strcasecmp(k, "qualifyfreq")) {
		sip__get_uint(b, v, 86400, &x->qualifyfreq);
	} else if (!strcasecmp(k, "session-timers")) {
		if (!strcasecmp(val, "accept"))
			ep->timers = SIP_FEATURE_YES;
		else if (!strcasecmp(val, "originate"))
			ep->timers = SIP_FEATURE_FORCED;
		else if (!strcasecmp(val, "refuse"))
			ep->timers = SIP_FEATURE_NO;
		else
			zv_diag_error(b->diag, v->file, v->line,
				      "session-timers=%s: expected accept, "
				      "originate or refuse",
				      val);
	} else if (!strcasecmp(k, "session-expires")) {
		sip__get_uint(b, v, 86400, &ep->timers_sess_expires);
	} else if (!strcasecmp(k, "session-minse")) {
		sip__get_uint(b, v, 86400, &ep->timers_min_se);
	} else if (!strcasecmp(k, "t38pt_udptl")) {
		/* yes, no, or yes,fec / yes,redundancy / yes,none */
		bool on = false;
		char first[8];
		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(val, ","), val);
		if (zv_conf_parse_bool(first, &on))
			zv_diag_error(b->diag, v->file, v->line,
				      "t38pt_udptl=%s: expected yes or no", val);
		ep->t38_udptl = on;
	} else if (!strcasecmp(k, "trustrpid")) {
		sip__get_bool(b, v, &ep->trust_id_inbound);
	} else if (!strcasecmp(k, "callingpres")) {
		sip__get_pres(b, v, &ep->callerid_pres);
	} else if (!strcasecmp(k, "trust_id_outbound")) {
		/* chan_sip's legacy (its default) sends private callers in
		 * RPID/PAI with the privacy marked: yes here. */
		if (!strcasecmp(val, "legacy"))
			ep->trust_id_outbound = true;
		else
			sip__get_bool(b, v, &ep->trust_id_outbound);
	} else if (!strcasecmp(k, "sendrpid")) {
		bool on;
		ep->send_pai = ep->send_rpid = false;
		if (!strcasecmp(val, "pai"))
			ep->send_pai = true;
		else if (!strcasecmp(val, "rpid"))
			ep->send_rpid = true;
		else if (!zv_conf_parse_bool(val, &on))
			ep->send_rpid = on;
		else
			zv_diag_error(b->diag, v->file, v->line,
				      "sendrpid=%s: expected yes, no, pai or "
				      "rpid",
				      val);
	} else if (!strcasecmp(k, "allowsubscribe")) {
		sip__get_bool(b, v, &ep->allow_subscribe);
	} else if (!strcasecmp(k, "fromdomain")) {
		ep->from_domain = *val ? val : NULL;
	} else if (!strcasecmp(k, "fromuser")) {
		ep->from_user = *val ? val : NULL;
	} else if (!strcasecmp(k, "outboundproxy")) {
		ep->outbound_proxy = *val ? val : NULL;
	} else if (!strcasecmp(k, "transport")) {
		x->first_transport = NULL;
		sip__split(cfg, val, transport_item, (void *[]){b, (void *)v, x});
	} else if (!strcasecmp(k, "encryption")) {
		bool on = false;
		sip__get_bool(b, v, &on);
		if (ep->media_encryption != SIP_MEDIA_ENC_DTLS) /* dtlsenable wins */
			ep->media_encryption = on ? SIP_MEDIA_ENC_SDES
						  : SIP_MEDIA_ENC_NONE;
	} else if (sip__dtls_apply(b, ep, k, v)) {
		/* dtls* */
	} else if (!strcasecmp(k, "host")) {
		ep->host = val;
		ep->dynamic = !strcasecmp(val, "dynamic");
	} else if (!strcasecmp(k, "port")) {
		sip__get_uint(b, v, 65535, &x->port);
	} else if (!strcasecmp(k, "secret")) {
		x->secret = val;
	} else if (!strcasecmp(k, "md5secret")) {
		x->md5secret = *val ? val : NULL;
	} else if (!strcasecmp(k, "remotesecret")) {
		x->remotesecret = *val ? val : NULL;
	} else if (!strcasecmp(k, "defaultuser") || !strcasecmp(k, "username")) {
		x->defaultuser = *val ? val : NULL;
	} else if (!strcasecmp(k, "mailbox")) {
		struct mbox_ctx m = {cfg, ep};
		ep->mailboxes = NULL;
		ep->nmailboxes = 0;
		sip__split(cfg, val, mailbox_item, &m);
	} else if (!strcasecmp(k, "call-limit")) {
		sip__get_uint(b, v, 1000000, &x->call_limit);
	} else if (!strcasecmp(k, "busylevel")) {
		sip__get_uint(b, v, 1000000, &x->busylevel);
		x->has_busylevel = true;
	} else if (!strcasecmp(k, "regexten")) {
		ep->regexten = *val ? val : NULL;
	} else if (!strcasecmp(k, "setvar")) {
		const char *eq = strchr(val, '=');
		if (!eq || eq == val) {
			zv_diag_error(b->diag, v->file, v->line,
				      "setvar=%s: expected name=value", val);
			return;
		}
		struct sip_kv *kv = sip__alloc(cfg, (ep->nset_vars + 1) *
							   sizeof(*kv));
		if (!kv)
			return;
		if (ep->nset_vars)
			memcpy(kv, ep->set_vars, ep->nset_vars * sizeof(*kv));
		kv[ep->nset_vars].name =
			sip__strndup(cfg, val, (size_t)(eq - val));
		kv[ep->nset_vars].value = eq + 1;
		ep->set_vars = kv;
		ep->nset_vars++;
	}
}

static bool is_md5_hex(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!strchr("0123456789abcdefABCDEF", s[n]))
			return false;
	return n == 32;
}

static struct sip_auth *peer_auth(struct sip__build *b,
				  const struct sip_endpoint *ep,
				  const char *name, const char *username,
				  const char *password, const char *md5)
{
	struct sip_auth *a = sip__alloc(b->cfg, sizeof(*a));
	if (!a)
		return NULL;
	a->def = ep->def;
	a->def.name = name;
	a->username = username;
	a->password = password;
	if (md5) {
		a->type = SIP_AUTH_MD5;
		char *lc = sip__strdup(b->cfg, md5);
		for (char *p = lc; p && *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		a->md5_cred = lc;
	}
	sip__vec_push(b->cfg, &b->cfg->auths, a);
	return a;
}

static void peer_finish(struct sip__build *b, struct peer_ctx *x)
{
	struct sip_config *cfg = b->cfg;
	struct sip_endpoint *ep = x->ep;
	const struct sip_def *d = &ep->def;
	char buf[512];

	sip__codecs_store(cfg, &x->codecs, &ep->codecs, &ep->ncodecs);
	ep->device_state_busy_at = x->has_busylevel ? x->busylevel
						    : x->call_limit;
	ep->transport = x->first_transport;
	if (x->md5secret && !is_md5_hex(x->md5secret)) {
		zv_diag_error(b->diag, d->file, d->line,
			      "peer '%s': md5secret must be 32 hex digits",
			      d->name);
		x->md5secret = NULL;
	}

	/* inbound auth: digest user name is the peer name */
	const struct sip_auth *in = NULL;
	if ((x->secret && *x->secret) || x->md5secret)
		in = peer_auth(b, ep, d->name, d->name,
			       x->secret && *x->secret ? x->secret : NULL,
			       x->md5secret);
	if (in)
		SIP__ARR_PUSH(cfg, ep->auths, ep->nauths, in);

	/* outbound auth: defaultuser (or the name) with remotesecret or
	 * secret */
	if (ep->peer_type != SIP_PEER_USER &&
	    ((x->secret && *x->secret) || x->remotesecret)) {
		const char *user = x->defaultuser ? x->defaultuser : d->name;
		const char *pass = x->remotesecret ? x->remotesecret : x->secret;
		const struct sip_auth *out = in;
		if (!in || strcmp(user, in->username) || !in->password ||
		    strcmp(pass, in->password)) {
			snprintf(buf, sizeof(buf), "%s-outbound", d->name);
			out = peer_auth(b, ep, sip__strdup(cfg, buf), user, pass,
					NULL);
		}
		if (out)
			SIP__ARR_PUSH(cfg, ep->outbound_auths,
				      ep->noutbound_auths, out);
	}

	if (ep->peer_type == SIP_PEER_USER) {
		ep->identify_by = SIP_IDENTIFY_USERNAME;
		return;
	}
	ep->identify_by = SIP_IDENTIFY_IP | SIP_IDENTIFY_USERNAME;

	/* aor: chan_sip keeps one contact per peer */
	struct sip_aor *aor = sip__alloc(cfg, sizeof(*aor));
	if (!aor)
		return;
	aor->def = *d;
	aor->max_contacts = ep->dynamic ? 1 : 0;
	aor->remove_existing = true;
	aor->minimum_expiration = cfg->global.min_expiry;
	aor->maximum_expiration = cfg->global.max_expiry;
	aor->default_expiration = cfg->global.default_expiry;
	aor->qualify_frequency = x->qualify ? x->qualifyfreq : 0;
	aor->qualify_timeout_ms = x->qualify_ms;
	aor->outbound_proxy = ep->outbound_proxy;
	aor->mailboxes = ep->mailboxes;
	aor->nmailboxes = ep->nmailboxes;
	const char *host = ep->host;
	if (host && !ep->dynamic) {
		bool v6 = strchr(host, ':') && host[0] != '[';
		snprintf(buf, sizeof(buf), "sip:%s%s%s%s%s",
			 x->defaultuser ? x->defaultuser : "",
			 x->defaultuser ? "@" : "", v6 ? "[" : "", host,
			 v6 ? "]" : "");
		size_t n = strlen(buf);
		if (x->port && x->port != 5060)
			snprintf(buf + n, sizeof(buf) - n, ":%u", x->port);
		n = strlen(buf);
		if (ep->transport && strcmp(ep->transport, "sip-udp"))
			snprintf(buf + n, sizeof(buf) - n, ";transport=%s",
				 ep->transport + 4);
		SIP__ARR_PUSH(cfg, aor->contacts, aor->ncontacts,
			      sip__strdup(cfg, buf));

		/* identify by the static address */
		struct sip_identify *id = sip__alloc(cfg, sizeof(*id));
		struct sip_match *m = sip__alloc(cfg, sizeof(*m));
		if (!id || !m)
			return;
		id->def = *d;
		if (strchr(host, '/') || sip__match_parse(cfg, host, m)) {
			const struct zv_conf_var *hv = last_var(d->section,
								"host");
			zv_diag_error(b->diag, hv->file, hv->line,
				      "peer '%s': host=%s is not a host name or "
				      "address",
				      d->name, host);
		} else {
			if (!ep->insecure_port)
				m->port = (uint16_t)(x->port ? x->port : 5060);
			id->endpoint = ep;
			id->matches = m;
			id->nmatches = 1;
			sip__vec_push(cfg, &cfg->identifies, id);
		}
	}
	sip__vec_push(cfg, &cfg->aors, aor);
	SIP__ARR_PUSH(cfg, ep->aors, ep->naors, aor);
}

static void read_peer(struct sip__build *b, const struct zv_conf_section *gen,
		      const struct zv_conf_section *sec, const char *type)
{
	struct sip_config *cfg = b->cfg;
	enum sip_peer_type pt;
	if (!strcasecmp(type, "friend"))
		pt = SIP_PEER_FRIEND;
	else if (!strcasecmp(type, "peer"))
		pt = SIP_PEER_PEER;
	else if (!strcasecmp(type, "user"))
		pt = SIP_PEER_USER;
	else {
		const struct zv_conf_var *tv = last_var(sec, "type");
		zv_diag_error(b->diag, tv->file, tv->line,
			      "[%s]: unknown type=%s (expected friend, peer "
			      "or user)",
			      sec->name, type);
		return;
	}
	zv_conf_check_options(sec, peer_opts, b->diag);

	const struct sip_endpoint *other = sip__pjsip_endpoint(b, sec->name);
	if (other) {
		zv_diag_error(b->diag, sec->file, sec->line,
			      "endpoint '%s' is defined in both %s:%u and "
			      "%s:%u",
			      sec->name, other->def.file, other->def.line,
			      sec->file, sec->line);
		return;
	}
	for (size_t i = b->pj_nendpoints; i < cfg->endpoints.n; i++) {
		const struct sip_endpoint *o = cfg->endpoints.v[i];
		if (!strcasecmp(o->def.name, sec->name)) {
			zv_diag_warn(b->diag, sec->file, sec->line,
				     "[%s] is already defined at %s:%u; this "
				     "section is ignored",
				     sec->name, o->def.file, o->def.line);
			return;
		}
	}

	struct peer_ctx x = {.qualifyfreq = 60, .qualify_ms = 2000};
	struct sip_endpoint *ep = sip__alloc(cfg, sizeof(*ep));
	if (!ep)
		return;
	x.ep = ep;
	sip__def_init(&ep->def, sec, sec->name, SIP_CONF_SIP);
	ep->peer_type = pt;
	/* chan_sip's built-in peer defaults */
	ep->context = cfg->global.default_context;
	ep->dtmf_mode = SIP_DTMF_RFC4733;
	ep->direct_media = false; /* anchored: see calls.md, direct media */
	ep->force_rport = true;
	ep->rel100 = SIP_FEATURE_NO;
	ep->timers = SIP_FEATURE_YES;
	ep->timers_min_se = 90;
	ep->timers_sess_expires = 1800;
	ep->allow_subscribe = true;
	ep->trust_id_outbound = true; /* chan_sip's trust_id_outbound=legacy */
	sip__codecs_apply(b, &x.codecs, true,
			  &(struct zv_conf_var){.name = "allow",
						.value = "ulaw,alaw,gsm"});
	if (gen)
		for (const struct zv_conf_var *v = gen->vars; v; v = v->next)
			if (is_peer_default(v->name))
				peer_apply(b, &x, v);
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next)
		peer_apply(b, &x, v);
	if (pt != SIP_PEER_USER && !ep->host)
		zv_diag_warn(b->diag, sec->file, sec->line,
			     "peer '%s' has no host= (dynamic or an address)",
			     sec->name);
	peer_finish(b, &x);
	sip__dtls_finish(b, ep);
	sip__vec_push(cfg, &cfg->endpoints, ep);
}

void sip__read_sipconf(struct sip__build *b, const struct zv_conf *conf)
{
	const struct zv_conf_section *gen = zv_conf_section_find(conf, "general");
	if (gen)
		zv_conf_check_options(gen, general_opts, b->diag);
	read_transports(b, conf, gen);

	unsigned retry = 20, attempts = 0;
	const struct zv_conf_var *v;
	if (gen && (v = last_var(gen, "registertimeout")))
		sip__get_uint(b, v, 86400, &retry);
	if (gen && (v = last_var(gen, "registerattempts")))
		sip__get_uint(b, v, UINT32_MAX, &attempts);
	for (v = gen ? zv_conf_var_next(gen, "register", NULL) : NULL; v;
	     v = zv_conf_var_next(gen, "register", v))
		read_register(b, v, retry, attempts);

	for (const struct zv_conf_section *sec = zv_conf_section_next(conf, NULL);
	     sec; sec = zv_conf_section_next(conf, sec)) {
		if (sec == gen || !strcasecmp(sec->name, "general"))
			continue;
		if (!strcasecmp(sec->name, "authentication")) {
			zv_diag_warn(b->diag, sec->file, sec->line,
				     "[authentication] is not supported yet; "
				     "section ignored");
			continue;
		}
		const char *type = zv_conf_get(sec, "type");
		if (!type) {
			zv_diag_warn(b->diag, sec->file, sec->line,
				     "[%s] has no type= (friend, peer or "
				     "user); section ignored",
				     sec->name);
			continue;
		}
		read_peer(b, gen, sec, type);
	}
}
