/*
 * pjsip.conf reader: turns type=endpoint/aor/auth/identify/transport/
 * registration/global sections (and type=wizard shorthands) into the
 * model's objects.  Names written in auth=, outbound_auth=, aors= and
 * identify's endpoint= are queued and resolved by sip_config_build() once
 * both files are read.
 *
 * DESIGN
 * Each object type has one table of every option name Asterisk documents
 * for it (those the model does not act on yet say so in their doc string)
 * used for unknown-option warnings, and one apply function that takes a
 * (key, variable) pair.  Variables are applied in file order, templates'
 * first, so the last value wins and allow=/disallow= accumulate as in
 * Asterisk.  A wizard feeds its "endpoint/", "aor/", ... prefixed
 * variables through the same apply functions with the prefix removed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zvonok/channel.h>

#include "sip_config_int.h"

#define NOEFFECT "accepted, no effect yet"

/* ---- option tables ------------------------------------------------------ */

static const struct zv_conf_option endpoint_opts[] = {
	{"type", "endpoint"},
	{"100rel", "no, yes, required: reliable provisional responses"},
	{"accountcode", "CDR account code"},
	{"allow", "codecs to allow, in order"},
	{"disallow", "codecs to remove; all clears the list"},
	{"allow_subscribe", "accept SUBSCRIBE"},
	{"aors", "comma list of type=aor sections"},
	{"auth", "comma list of type=auth sections for inbound requests"},
	{"outbound_auth", "comma list of type=auth sections for challenges"},
	{"callerid", "\"Name\" <number>"},
	{"context", "dialplan context for inbound calls"},
	{"subscribe_context", "context for SUBSCRIBE hints"},
	{"device_state_busy_at", "calls at which the device is busy"},
	{"direct_media", "re-INVITE bridged legs to each other (default no)"},
	{"direct_media_method", "invite, reinvite, update"},
	{"disable_direct_media_on_nat", "no direct media for an endpoint behind NAT"},
	{"direct_media_glare_mitigation", "none, outgoing, incoming (only none acted on)"},
	{"dtmf_mode", "rfc4733, inband, info, auto, auto_info, none"},
	{"force_rport", "reply to the source port"},
	{"rewrite_contact", "replace Contact with the source address"},
	{"rtp_symmetric", "send RTP to where it comes from"},
	{"from_user", "user part of From on outbound requests"},
	{"from_domain", "host part of From on outbound requests"},
	{"outbound_proxy", "proxy URI for outbound requests"},
	{"identify_by", "username, auth_username, ip, header, request_uri"},
	{"language", "prompt language"},
	{"mailboxes", "comma list of mailbox@context for MWI"},
	{"media_encryption", "no, sdes, dtls"},
	{"dtls_verify", "no, fingerprint, certificate, yes"},
	{"dtls_rekey", "seconds; re-keying is not done (0 only)"},
	{"dtls_auto_generate_cert", "a self-signed ECDSA certificate made at start"},
	{"dtls_cert_file", "PEM certificate (chain) for DTLS"},
	{"dtls_private_key", "PEM private key (default: in dtls_cert_file)"},
	{"dtls_ca_file", "CA certificates for dtls_verify=certificate|yes"},
	{"dtls_ca_path", "directory of CA certificates"},
	{"dtls_setup", "active, passive, actpass"},
	{"dtls_fingerprint", "SHA-256, SHA-1: hash of our a=fingerprint"},
	{"send_pai", "send P-Asserted-Identity"},
	{"send_rpid", "send Remote-Party-ID"},
	{"trust_id_inbound", "trust inbound identity headers"},
	{"trust_id_outbound", "send identity even when private"},
	{"set_var", "name=value channel variable on inbound channels"},
	{"t38_udptl", "T.38 fax passthrough"},
	{"timers", "no, yes, required, forced: session timers"},
	{"timers_min_se", "minimum session expiry (s)"},
	{"timers_sess_expires", "session expiry (s)"},
	{"transport", "type=transport section to use"},
	{"accept_multiple_sdp_answers", NOEFFECT},
	{"acl", NOEFFECT},
	{"aggregate_mwi", NOEFFECT},
	{"allow_overlap", NOEFFECT},
	{"allow_transfer", NOEFFECT},
	{"allow_unauthenticated_options", NOEFFECT},
	{"asymmetric_rtp_codec", NOEFFECT},
	{"bind_rtp_to_media_address", NOEFFECT},
	{"bundle", NOEFFECT},
	{"callerid_privacy", "presentation of the caller ID"},
	{"call_group", "call groups, e.g. 1,3-4 (0..63)"},
	{"callerid_tag", NOEFFECT},
	{"codec_prefs_incoming_answer", NOEFFECT},
	{"codec_prefs_incoming_offer", NOEFFECT},
	{"codec_prefs_outgoing_answer", NOEFFECT},
	{"codec_prefs_outgoing_offer", NOEFFECT},
	{"connected_line_method", NOEFFECT},
	{"contact_acl", NOEFFECT},
	{"contact_deny", NOEFFECT},
	{"contact_permit", NOEFFECT},
	{"contact_user", NOEFFECT},
	{"cos_audio", NOEFFECT},
	{"cos_video", NOEFFECT},
	{"deny", NOEFFECT},
	{"permit", NOEFFECT},
	{"dtls_cipher", NOEFFECT},
	{"fax_detect", NOEFFECT},
	{"fax_detect_timeout", NOEFFECT},
	{"follow_early_media_fork", NOEFFECT},
	{"force_avp", NOEFFECT},
	{"g726_non_standard", NOEFFECT},
	{"ice_support", NOEFFECT},
	{"ignore_183_without_sdp", NOEFFECT},
	{"inband_progress", NOEFFECT},
	{"incoming_call_offer_pref", NOEFFECT},
	{"outgoing_call_offer_pref", NOEFFECT},
	{"incoming_mwi_mailbox", NOEFFECT},
	{"max_audio_streams", NOEFFECT},
	{"max_video_streams", NOEFFECT},
	{"media_address", NOEFFECT},
	{"media_encryption_optimistic", NOEFFECT},
	{"media_use_received_transport", NOEFFECT},
	{"message_context", NOEFFECT},
	{"moh_passthrough", NOEFFECT},
	{"moh_suggest", NOEFFECT},
	{"mwi_from_user", NOEFFECT},
	{"mwi_subscribe_replaces_unsolicited", NOEFFECT},
	{"named_call_group", "named call groups, e.g. sales,support"},
	{"named_pickup_group", "named groups whose ringing calls this endpoint may pick up"},
	{"notify_early_inuse_ringing", NOEFFECT},
	{"one_touch_recording", NOEFFECT},
	{"overlap_context", NOEFFECT},
	{"pickup_group", "groups whose ringing calls this endpoint may pick up"},
	{"preferred_codec_only", NOEFFECT},
	{"record_off_feature", NOEFFECT},
	{"record_on_feature", NOEFFECT},
	{"redirect_method", NOEFFECT},
	{"refer_blind_progress", NOEFFECT},
	{"rpid_immediate", NOEFFECT},
	{"rtcp_mux", NOEFFECT},
	{"rtp_engine", NOEFFECT},
	{"rtp_ipv6", NOEFFECT},
	{"rtp_keepalive", NOEFFECT},
	{"rtp_timeout", NOEFFECT},
	{"rtp_timeout_hold", NOEFFECT},
	{"sdp_owner", NOEFFECT},
	{"sdp_session", NOEFFECT},
	{"security_mechanisms", NOEFFECT},
	{"security_negotiation", NOEFFECT},
	{"send_aoc", NOEFFECT},
	{"send_connected_line", NOEFFECT},
	{"send_diversion", NOEFFECT},
	{"send_history_info", NOEFFECT},
	{"srtp_tag_32", NOEFFECT},
	{"stir_shaken", NOEFFECT},
	{"stir_shaken_profile", NOEFFECT},
	{"sub_min_expiry", NOEFFECT},
	{"suppress_q850_reason_headers", NOEFFECT},
	{"t38_bind_udptl_to_media_address", NOEFFECT},
	{"t38_udptl_ec", NOEFFECT},
	{"t38_udptl_ipv6", NOEFFECT},
	{"t38_udptl_maxdatagram", NOEFFECT},
	{"t38_udptl_nat", NOEFFECT},
	{"tone_zone", NOEFFECT},
	{"tos_audio", NOEFFECT},
	{"tos_video", NOEFFECT},
	{"trust_connected_line", NOEFFECT},
	{"use_avpf", NOEFFECT},
	{"use_ptime", NOEFFECT},
	{"user_eq_phone", NOEFFECT},
	{"voicemail_extension", NOEFFECT},
	{"webrtc", NOEFFECT},
	{"geoloc_incoming_call_profile", NOEFFECT},
	{"geoloc_outgoing_call_profile", NOEFFECT},
	{NULL, NULL},
};

static const struct zv_conf_option aor_opts[] = {
	{"type", "aor"},
	{"contact", "static contact URI (repeatable)"},
	{"default_expiration", "expiry when REGISTER gives none (s)"},
	{"minimum_expiration", "shortest accepted expiry (s)"},
	{"maximum_expiration", "longest accepted expiry (s)"},
	{"mailboxes", "comma list of mailbox@context for MWI"},
	{"max_contacts", "contacts that may register, 0: none"},
	{"remove_existing", "replace the oldest contact when full"},
	{"outbound_proxy", "proxy URI for requests to the contacts"},
	{"qualify_frequency", "OPTIONS interval (s), 0: off"},
	{"qualify_timeout", "seconds to wait for the OPTIONS reply"},
	{"authenticate_qualify", "challenge OPTIONS replies"},
	{"remove_unavailable", NOEFFECT},
	{"support_path", NOEFFECT},
	{"voicemail_extension", NOEFFECT},
	{"qualify_2xx_only", NOEFFECT},
	{NULL, NULL},
};

static const struct zv_conf_option auth_opts[] = {
	{"type", "auth"},
	{"auth_type", "userpass or md5"},
	{"username", "digest user name"},
	{"password", "plain-text password"},
	{"md5_cred", "md5(username:realm:password) for auth_type=md5"},
	{"realm", "digest realm, default: global default_realm"},
	{"nonce_lifetime", NOEFFECT},
	{"oauth_clientid", NOEFFECT},
	{"oauth_secret", NOEFFECT},
	{"refresh_token", NOEFFECT},
	{"password_digest", NOEFFECT},
	{"supported_algorithms_uac", NOEFFECT},
	{"supported_algorithms_uas", "digest algorithms offered, in order "
				     "(md5, sha-256; default md5,sha-256)"},
	{NULL, NULL},
};

static const struct zv_conf_option identify_opts[] = {
	{"type", "identify"},
	{"endpoint", "the endpoint matched requests belong to"},
	{"match", "IP, network (CIDR or netmask) or host name; repeatable"},
	{"match_header", "\"Header: value\" to match"},
	{"match_request_uri", NOEFFECT},
	{"srv_lookups", NOEFFECT},
	{NULL, NULL},
};

static const struct zv_conf_option transport_opts[] = {
	{"type", "transport"},
	{"protocol", "udp, tcp, tls, ws, wss"},
	{"bind", "address[:port] to listen on"},
	{"external_media_address", "address put in SDP for outside peers"},
	{"external_signaling_address", "address put in headers outside"},
	{"external_signaling_port", "port put in headers outside"},
	{"local_net", "network that is not behind NAT; repeatable"},
	{"cert_file", "TLS certificate"},
	{"priv_key_file", "TLS private key"},
	{"ca_list_file", "TLS CA bundle"},
	{"ca_list_path", "TLS CA directory"},
	{"cipher", "TLS cipher list"},
	{"method", "TLS method"},
	{"verify_client", "check client certificates"},
	{"verify_server", "check server certificates"},
	{"require_client_cert", "require a client certificate"},
	{"allow_reload", NOEFFECT},
	{"allow_wildcard_certs", NOEFFECT},
	{"async_operations", NOEFFECT},
	{"cos", NOEFFECT},
	{"tos", NOEFFECT},
	{"domain", NOEFFECT},
	{"password", NOEFFECT},
	{"symmetric_transport", NOEFFECT},
	{"tcp_keepalive_enable", NOEFFECT},
	{"tcp_keepalive_idle_time", NOEFFECT},
	{"tcp_keepalive_interval_time", NOEFFECT},
	{"tcp_keepalive_probe_count", NOEFFECT},
	{"websocket_write_timeout", NOEFFECT},
	{NULL, NULL},
};

static const struct zv_conf_option registration_opts[] = {
	{"type", "registration"},
	{"server_uri", "registrar URI"},
	{"client_uri", "address of record to register"},
	{"contact_user", "user part of our Contact, default s"},
	{"outbound_auth", "comma list of type=auth sections"},
	{"retry_interval", "seconds between failed attempts"},
	{"forbidden_retry_interval", "retry after 403 (s), 0: stop"},
	{"fatal_retry_interval", "retry after fatal responses (s)"},
	{"max_retries", "attempts before giving up"},
	{"expiration", "requested expiry (s)"},
	{"auth_rejection_permanent", "stop when credentials are refused"},
	{"transport", "type=transport section to use"},
	{"outbound_proxy", "proxy URI"},
	{"line", "add a line parameter to identify inbound calls"},
	{"endpoint", "endpoint of inbound calls with line=yes"},
	{"contact_header_params", NOEFFECT},
	{"max_random_initial_delay", NOEFFECT},
	{"security_mechanisms", NOEFFECT},
	{"security_negotiation", NOEFFECT},
	{"support_outbound", NOEFFECT},
	{"support_path", NOEFFECT},
	{"user_agent", NOEFFECT},
	{NULL, NULL},
};

static const struct zv_conf_option global_opts[] = {
	{"type", "global"},
	{"user_agent", "User-Agent and Server header"},
	{"dns_servers", "Zvonok: DNS servers (ip[:port],...) instead of resolv.conf"},
	{"default_realm", "realm of auths without realm="},
	{"endpoint_identifier_order", "order of identify methods"},
	{"default_outbound_endpoint", "endpoint for Dial without one"},
	{"default_from_user", "From user when the endpoint has none"},
	{"max_forwards", "Max-Forwards of requests we originate"},
	{"keep_alive_interval", "CRLF keep-alive on TCP/TLS (s)"},
	{"ban_threshold", "Zvonok: failed auths before a ban (default 5)"},
	{"ban_window", "Zvonok: seconds failures are counted over (60)"},
	{"ban_time", "Zvonok: seconds a ban lasts (600)"},
	{"unauth_rate_limit", "Zvonok: unauthenticated requests/s per "
			      "source (50, 0: off)"},
	{"default_auth_algorithms_uas", "digest algorithms offered to unknown "
					"users (default md5,sha-256)"},
	{"all_codecs_on_empty_reinvite", NOEFFECT},
	{"allow_sending_180_after_183", NOEFFECT},
	{"contact_expiration_check_interval", NOEFFECT},
	{"debug", NOEFFECT},
	{"default_voicemail_extension", NOEFFECT},
	{"disable_multi_domain", NOEFFECT},
	{"ignore_uri_user_options", NOEFFECT},
	{"max_initial_qualify_time", NOEFFECT},
	{"mwi_disable_initial_unsolicited", NOEFFECT},
	{"mwi_tps_queue_high", NOEFFECT},
	{"mwi_tps_queue_low", NOEFFECT},
	{"norefersub", NOEFFECT},
	{"regcontext", NOEFFECT},
	{"send_contact_status_on_update_registration", NOEFFECT},
	{"taskprocessor_overload_trigger", NOEFFECT},
	{"unidentified_request_count", NOEFFECT},
	{"unidentified_request_period", NOEFFECT},
	{"unidentified_request_prune_interval", NOEFFECT},
	{"use_callerid_contact", NOEFFECT},
	{NULL, NULL},
};

static const struct zv_conf_option system_opts[] = {
	{"type", "system"},
	{"accept_multiple_sdp_answers", NOEFFECT},
	{"compact_headers", NOEFFECT},
	{"disable_rport", NOEFFECT},
	{"disable_tcp_switch", NOEFFECT},
	{"follow_early_media_fork", NOEFFECT},
	{"threadpool_auto_increment", NOEFFECT},
	{"threadpool_idle_timeout", NOEFFECT},
	{"threadpool_initial_size", NOEFFECT},
	{"threadpool_max_size", NOEFFECT},
	{"timer_b", NOEFFECT},
	{"timer_t1", NOEFFECT},
	{NULL, NULL},
};

static const struct zv_conf_option domain_alias_opts[] = {
	{"type", "domain_alias"},
	{"domain", NOEFFECT},
	{NULL, NULL},
};

static const struct zv_conf_option wizard_opts[] = {
	{"type", "wizard"},
	{"transport", "transport of the endpoint and registrations"},
	{"remote_hosts", "host[:port] list: contacts, identify, registrars"},
	{"outbound_proxy", "proxy of the endpoint, aor and registrations"},
	{"accepts_auth", "create <name>-iauth from inbound_auth/"},
	{"sends_auth", "create <name>-oauth from outbound_auth/"},
	{"accepts_registrations", "the aor takes registrations"},
	{"sends_registrations", "register to every remote host"},
	{"sends_line_with_registrations", "registration line=yes"},
	{"server_uri_pattern", "${REMOTE_HOST} pattern of server_uri"},
	{"client_uri_pattern", "${REMOTE_HOST}/${USERNAME} pattern"},
	{"contact_pattern", "${REMOTE_HOST} pattern of static contacts"},
	{"endpoint/*", "endpoint option"},
	{"aor/*", "aor option"},
	{"inbound_auth/*", "inbound auth option"},
	{"outbound_auth/*", "outbound auth option"},
	{"registration/*", "registration option"},
	{"identify/*", "identify option"},
	{"has_hint", NOEFFECT},
	{"hint_context", NOEFFECT},
	{"hint_exten", NOEFFECT},
	{"hint_application", NOEFFECT},
	{"has_phoneprov", NOEFFECT},
	{"phoneprov/*", NOEFFECT},
	{NULL, NULL},
};

/* ---- helpers ------------------------------------------------------------- */

struct enum_val {
	const char *name;
	int value;
};

static bool enum_get(struct sip__build *b, const struct zv_conf_var *v,
		     const struct enum_val *vals, int *outp)
{
	for (const struct enum_val *e = vals; e->name; e++) {
		if (!strcasecmp(v->value, e->name)) {
			*outp = e->value;
			return true;
		}
	}
	zv_diag_error(b->diag, v->file, v->line, "%s=%s: unknown value",
		      v->name, v->value);
	return false;
}

static const struct enum_val dtmf_vals[] = {
	{"rfc4733", SIP_DTMF_RFC4733}, {"rfc2833", SIP_DTMF_RFC4733},
	{"inband", SIP_DTMF_INBAND},   {"info", SIP_DTMF_INFO},
	{"auto", SIP_DTMF_AUTO},       {"auto_info", SIP_DTMF_AUTO_INFO},
	{"none", SIP_DTMF_NONE},       {NULL, 0},
};

static const struct enum_val media_enc_vals[] = {
	{"no", SIP_MEDIA_ENC_NONE}, {"sdes", SIP_MEDIA_ENC_SDES},
	{"dtls", SIP_MEDIA_ENC_DTLS}, {NULL, 0},
};

static const struct enum_val dm_method_vals[] = {
	{"invite", 0}, {"reinvite", 0}, {"update", 1}, {NULL, 0},
};

static const struct enum_val dm_glare_vals[] = {
	{"none", SIP_DM_GLARE_NONE}, {"outgoing", SIP_DM_GLARE_OUTGOING},
	{"incoming", SIP_DM_GLARE_INCOMING}, {NULL, 0},
};

static const struct enum_val rel100_vals[] = {
	{"no", SIP_FEATURE_NO},		  {"yes", SIP_FEATURE_YES},
	{"required", SIP_FEATURE_REQUIRED}, {"peer_supported", SIP_FEATURE_YES},
	{NULL, 0},
};

static const struct enum_val timers_vals[] = {
	{"no", SIP_FEATURE_NO},		  {"yes", SIP_FEATURE_YES},
	{"required", SIP_FEATURE_REQUIRED}, {"forced", SIP_FEATURE_FORCED},
	{"always", SIP_FEATURE_FORCED},	  {NULL, 0},
};

static const struct enum_val identify_vals[] = {
	{"username", SIP_IDENTIFY_USERNAME},
	{"auth_username", SIP_IDENTIFY_AUTH_USERNAME},
	{"ip", SIP_IDENTIFY_IP},
	{"header", SIP_IDENTIFY_HEADER},
	{"request_uri", SIP_IDENTIFY_REQUEST_URI},
	{NULL, 0},
};

static const struct enum_val proto_vals[] = {
	{"udp", SIP_PROTO_UDP}, {"tcp", SIP_PROTO_TCP}, {"tls", SIP_PROTO_TLS},
	{"ws", SIP_PROTO_WS},	{"wss", SIP_PROTO_WSS}, {NULL, 0},
};

static const char *owner_str(struct sip_config *cfg, const char *type,
			     const char *name)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s '%s'", type, name);
	return sip__strdup(cfg, buf);
}

struct refs_ctx {
	struct sip__build *b;
	enum sip__ref_kind kind;
	const char *option;
	const char *owner;
	const struct zv_conf_var *v;
	const void *const **arrp;
	size_t *np;
};

static int ref_item(void *arg, const char *item)
{
	struct refs_ctx *r = arg;
	sip__ref_add(r->b, r->kind, item, r->option, r->owner, r->v->file,
		     r->v->line, r->arrp, r->np, NULL);
	return 0;
}

/* Queue every name of a comma list; a later line replaces earlier ones
 * (auth=, aors= are scalar options holding a list). */
static void refs_from(struct sip__build *b, enum sip__ref_kind kind,
		      const char *option, const char *owner,
		      const struct zv_conf_var *v, const void *const **arrp,
		      size_t *np)
{
	/* drop refs queued by an earlier line of the same option */
	for (size_t i = 0; i < b->refs.n; i++) {
		struct sip__ref *r = (struct sip__ref *)b->refs.v[i];
		if (r->arrp == arrp) {
			memmove(&b->refs.v[i], &b->refs.v[i + 1],
				(b->refs.n - i - 1) * sizeof(b->refs.v[0]));
			b->refs.n--;
			i--;
		}
	}
	struct refs_ctx r = {b, kind, option, owner, v, arrp, np};
	sip__split(b->cfg, v->value, ref_item, &r);
}

struct list_ctx {
	struct sip_config *cfg;
	const char *const **arrp;
	size_t *np;
};

static int list_item(void *arg, const char *item)
{
	struct list_ctx *l = arg;
	return sip__arr_push(l->cfg, (const void *const **)l->arrp, l->np, item);
}

/* Append the items of a comma list to a string array. */
static void list_append(struct sip_config *cfg, const char *value,
			const char *const **arrp, size_t *np)
{
	struct list_ctx l = {cfg, arrp, np};
	sip__split(cfg, value, list_item, &l);
}

static void set_var_add(struct sip__build *b, const struct zv_conf_var *v,
			const struct sip_kv **arrp, size_t *np)
{
	const char *eq = strchr(v->value, '=');
	if (!eq || eq == v->value) {
		zv_diag_error(b->diag, v->file, v->line,
			      "%s=%s: expected name=value", v->name, v->value);
		return;
	}
	struct sip_kv *kv = sip__alloc(b->cfg, (*np + 1) * sizeof(*kv));
	if (!kv)
		return;
	if (*np)
		memcpy(kv, *arrp, *np * sizeof(*kv));
	size_t nlen = (size_t)(eq - v->value);
	while (nlen && (v->value[nlen - 1] == ' ' || v->value[nlen - 1] == '\t'))
		nlen--;
	const char *val = eq + 1;
	while (*val == ' ' || *val == '\t')
		val++;
	kv[*np].name = sip__strndup(b->cfg, v->value, nlen);
	kv[*np].value = val;
	(*np)++;
	*arrp = kv;
}

/* ---- endpoint ------------------------------------------------------------ */

struct ep_ctx {
	struct sip_endpoint *ep;
	struct sip__codecs codecs;
	const char *owner;
};

int sip_group_parse(const char *text, uint64_t *mask)
{
	return zv_group_parse(text, mask);
}

static void endpoint_defaults(struct sip_endpoint *ep)
{
	ep->context = "default";
	ep->dtmf_mode = SIP_DTMF_RFC4733;
	ep->direct_media = false; /* anchored: see calls.md, direct media */
	ep->force_rport = true;
	ep->identify_by = SIP_IDENTIFY_USERNAME | SIP_IDENTIFY_IP;
	ep->rel100 = SIP_FEATURE_YES;
	ep->timers = SIP_FEATURE_YES;
	ep->timers_min_se = 90;
	ep->timers_sess_expires = 1800;
	ep->allow_subscribe = true;
}

static int identify_item(void *arg, const char *item)
{
	void **a = arg;
	struct sip__build *b = a[0];
	const struct zv_conf_var *v = a[1];
	unsigned *flags = a[2];
	struct zv_conf_var one = *v;
	one.value = item;
	int f;
	if (enum_get(b, &one, identify_vals, &f))
		*flags |= (unsigned)f;
	return 0;
}

static void endpoint_apply(struct sip__build *b, struct ep_ctx *x,
			   const char *k, const struct zv_conf_var *v)
{
	struct sip_endpoint *ep = x->ep;
	struct sip_config *cfg = b->cfg;
	const char *val = v->value;
	int e;

	if (!strcasecmp(k, "allow") || !strcasecmp(k, "disallow")) {
		sip__codecs_apply(b, &x->codecs, !strcasecmp(k, "allow"), v);
	} else if (!strcasecmp(k, "context")) {
		ep->context = val;
	} else if (!strcasecmp(k, "subscribe_context")) {
		ep->subscribe_context = *val ? val : NULL;
	} else if (!strcasecmp(k, "language")) {
		ep->language = *val ? val : NULL;
	} else if (!strcasecmp(k, "accountcode")) {
		ep->accountcode = *val ? val : NULL;
	} else if (!strcasecmp(k, "callerid")) {
		sip__callerid_parse(cfg, val, &ep->callerid_name,
				    &ep->callerid_number);
	} else if (!strcasecmp(k, "dtmf_mode")) {
		if (enum_get(b, v, dtmf_vals, &e))
			ep->dtmf_mode = e;
	} else if (!strcasecmp(k, "direct_media")) {
		sip__get_bool(b, v, &ep->direct_media);
	} else if (!strcasecmp(k, "direct_media_method")) {
		if (enum_get(b, v, dm_method_vals, &e))
			ep->direct_media_update = e == 1;
	} else if (!strcasecmp(k, "disable_direct_media_on_nat")) {
		sip__get_bool(b, v, &ep->direct_media_nonat);
	} else if (!strcasecmp(k, "direct_media_glare_mitigation")) {
		if (enum_get(b, v, dm_glare_vals, &e)) {
			ep->direct_media_glare = e;
			if (e != SIP_DM_GLARE_NONE)
				zv_diag_warn(b->diag, v->file, v->line,
					     "%s=%s is not implemented: glare is "
					     "resolved by 491 and retry only",
					     k, val);
		}
	} else if (!strcasecmp(k, "call_group")) {
		sip__get_groups(b, v, &ep->call_group);
	} else if (!strcasecmp(k, "pickup_group")) {
		sip__get_groups(b, v, &ep->pickup_group);
	} else if (!strcasecmp(k, "named_call_group")) {
		ep->named_call_group = *val ? val : NULL;
	} else if (!strcasecmp(k, "named_pickup_group")) {
		ep->named_pickup_group = *val ? val : NULL;
	} else if (!strcasecmp(k, "force_rport")) {
		sip__get_bool(b, v, &ep->force_rport);
	} else if (!strcasecmp(k, "rewrite_contact")) {
		sip__get_bool(b, v, &ep->rewrite_contact);
	} else if (!strcasecmp(k, "rtp_symmetric")) {
		sip__get_bool(b, v, &ep->rtp_symmetric);
	} else if (!strcasecmp(k, "mailboxes")) {
		ep->mailboxes = NULL;
		ep->nmailboxes = 0;
		list_append(cfg, val, &ep->mailboxes, &ep->nmailboxes);
	} else if (!strcasecmp(k, "from_user")) {
		ep->from_user = *val ? val : NULL;
	} else if (!strcasecmp(k, "from_domain")) {
		ep->from_domain = *val ? val : NULL;
	} else if (!strcasecmp(k, "outbound_proxy")) {
		ep->outbound_proxy = *val ? val : NULL;
	} else if (!strcasecmp(k, "auth")) {
		refs_from(b, SIP__REF_AUTH, "auth", x->owner, v,
			  (const void *const **)&ep->auths, &ep->nauths);
	} else if (!strcasecmp(k, "outbound_auth")) {
		refs_from(b, SIP__REF_AUTH, "outbound_auth", x->owner, v,
			  (const void *const **)&ep->outbound_auths,
			  &ep->noutbound_auths);
	} else if (!strcasecmp(k, "aors")) {
		refs_from(b, SIP__REF_AOR, "aors", x->owner, v,
			  (const void *const **)&ep->aors, &ep->naors);
	} else if (!strcasecmp(k, "transport")) {
		ep->transport = *val ? val : NULL;
	} else if (!strcasecmp(k, "identify_by")) {
		unsigned flags = 0;
		void *a[3] = {b, (void *)v, &flags};
		sip__split(cfg, val, identify_item, a);
		ep->identify_by = flags;
	} else if (!strcasecmp(k, "media_encryption")) {
		if (enum_get(b, v, media_enc_vals, &e))
			ep->media_encryption = e;
	} else if (sip__dtls_apply(b, ep, k, v)) {
		/* dtls_* */
	} else if (!strcasecmp(k, "100rel")) {
		if (enum_get(b, v, rel100_vals, &e))
			ep->rel100 = e;
	} else if (!strcasecmp(k, "timers")) {
		if (enum_get(b, v, timers_vals, &e))
			ep->timers = e;
	} else if (!strcasecmp(k, "timers_min_se")) {
		sip__get_uint(b, v, 86400, &ep->timers_min_se);
	} else if (!strcasecmp(k, "timers_sess_expires")) {
		sip__get_uint(b, v, 86400, &ep->timers_sess_expires);
	} else if (!strcasecmp(k, "callerid_privacy")) {
		sip__get_pres(b, v, &ep->callerid_pres);
	} else if (!strcasecmp(k, "trust_id_inbound")) {
		sip__get_bool(b, v, &ep->trust_id_inbound);
	} else if (!strcasecmp(k, "trust_id_outbound")) {
		sip__get_bool(b, v, &ep->trust_id_outbound);
	} else if (!strcasecmp(k, "send_pai")) {
		sip__get_bool(b, v, &ep->send_pai);
	} else if (!strcasecmp(k, "send_rpid")) {
		sip__get_bool(b, v, &ep->send_rpid);
	} else if (!strcasecmp(k, "allow_subscribe")) {
		sip__get_bool(b, v, &ep->allow_subscribe);
	} else if (!strcasecmp(k, "device_state_busy_at")) {
		sip__get_uint(b, v, 1000000, &ep->device_state_busy_at);
	} else if (!strcasecmp(k, "t38_udptl")) {
		sip__get_bool(b, v, &ep->t38_udptl);
	} else if (!strcasecmp(k, "set_var")) {
		set_var_add(b, v, &ep->set_vars, &ep->nset_vars);
	}
}

static struct sip_endpoint *endpoint_new(struct sip__build *b,
					 const struct zv_conf_section *sec,
					 const char *name, struct ep_ctx *x)
{
	struct sip_endpoint *ep = sip__alloc(b->cfg, sizeof(*ep));
	if (!ep)
		return NULL;
	sip__def_init(&ep->def, sec, name, SIP_CONF_PJSIP);
	endpoint_defaults(ep);
	memset(x, 0, sizeof(*x));
	x->ep = ep;
	x->owner = owner_str(b->cfg, "endpoint", name);
	return ep;
}

static void endpoint_finish(struct sip__build *b, struct ep_ctx *x)
{
	sip__codecs_store(b->cfg, &x->codecs, &x->ep->codecs, &x->ep->ncodecs);
	sip__dtls_finish(b, x->ep);
	sip__vec_push(b->cfg, &b->cfg->endpoints, x->ep);
}

static void read_endpoint(struct sip__build *b,
			  const struct zv_conf_section *sec)
{
	struct ep_ctx x;
	zv_conf_check_options(sec, endpoint_opts, b->diag);
	if (!endpoint_new(b, sec, sec->name, &x))
		return;
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next)
		endpoint_apply(b, &x, v->name, v);
	endpoint_finish(b, &x);
}

/* ---- aor ------------------------------------------------------------------ */

static void aor_defaults(struct sip_aor *aor)
{
	aor->minimum_expiration = 60;
	aor->maximum_expiration = 7200;
	aor->default_expiration = 3600;
	aor->qualify_timeout_ms = 3000;
}

static void aor_apply(struct sip__build *b, struct sip_aor *aor, const char *k,
		      const struct zv_conf_var *v)
{
	const char *val = v->value;
	if (!strcasecmp(k, "contact")) {
		list_append(b->cfg, val, &aor->contacts, &aor->ncontacts);
	} else if (!strcasecmp(k, "mailboxes")) {
		aor->mailboxes = NULL;
		aor->nmailboxes = 0;
		list_append(b->cfg, val, &aor->mailboxes, &aor->nmailboxes);
	} else if (!strcasecmp(k, "max_contacts")) {
		sip__get_uint(b, v, 65535, &aor->max_contacts);
	} else if (!strcasecmp(k, "remove_existing")) {
		sip__get_bool(b, v, &aor->remove_existing);
	} else if (!strcasecmp(k, "minimum_expiration")) {
		sip__get_uint(b, v, UINT32_MAX, &aor->minimum_expiration);
	} else if (!strcasecmp(k, "maximum_expiration")) {
		sip__get_uint(b, v, UINT32_MAX, &aor->maximum_expiration);
	} else if (!strcasecmp(k, "default_expiration")) {
		sip__get_uint(b, v, UINT32_MAX, &aor->default_expiration);
	} else if (!strcasecmp(k, "qualify_frequency")) {
		sip__get_uint(b, v, 86400, &aor->qualify_frequency);
	} else if (!strcasecmp(k, "qualify_timeout")) {
		char *end;
		double t = strtod(val, &end);
		if (end == val || *end || !(t >= 0) || t > 86400)
			zv_diag_error(b->diag, v->file, v->line,
				      "qualify_timeout=%s: expected seconds",
				      val);
		else
			aor->qualify_timeout_ms = (unsigned)lround(t * 1000);
	} else if (!strcasecmp(k, "authenticate_qualify")) {
		sip__get_bool(b, v, &aor->authenticate_qualify);
	} else if (!strcasecmp(k, "outbound_proxy")) {
		aor->outbound_proxy = *val ? val : NULL;
	}
}

static struct sip_aor *aor_new(struct sip__build *b,
			       const struct zv_conf_section *sec,
			       const char *name, enum sip_conf_kind kind)
{
	struct sip_aor *aor = sip__alloc(b->cfg, sizeof(*aor));
	if (!aor)
		return NULL;
	sip__def_init(&aor->def, sec, name, kind);
	aor_defaults(aor);
	return aor;
}

static void aor_finish(struct sip__build *b, struct sip_aor *aor)
{
	if (aor->minimum_expiration > aor->maximum_expiration)
		zv_diag_warn(b->diag, aor->def.file, aor->def.line,
			     "aor '%s': minimum_expiration is above "
			     "maximum_expiration",
			     aor->def.name);
	sip__vec_push(b->cfg, &b->cfg->aors, aor);
}

static void read_aor(struct sip__build *b, const struct zv_conf_section *sec)
{
	zv_conf_check_options(sec, aor_opts, b->diag);
	struct sip_aor *aor = aor_new(b, sec, sec->name, SIP_CONF_PJSIP);
	if (!aor)
		return;
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next)
		aor_apply(b, aor, v->name, v);
	aor_finish(b, aor);
}

/* ---- auth ----------------------------------------------------------------- */

struct auth_ctx {
	struct sip_auth *auth;
	const struct zv_conf_var *type_var;
};

static void auth_apply(struct sip__build *b, struct auth_ctx *x, const char *k,
		       const struct zv_conf_var *v)
{
	struct sip_auth *auth = x->auth;
	const char *val = v->value;
	if (!strcasecmp(k, "auth_type")) {
		x->type_var = v;
		if (!strcasecmp(val, "userpass") || !strcasecmp(val, "digest"))
			auth->type = SIP_AUTH_USERPASS;
		else if (!strcasecmp(val, "md5"))
			auth->type = SIP_AUTH_MD5;
		else if (!strcasecmp(val, "google_oauth"))
			zv_diag_warn(b->diag, v->file, v->line,
				     "auth_type=google_oauth is not supported");
		else
			zv_diag_error(b->diag, v->file, v->line,
				      "auth_type=%s: expected userpass or md5",
				      val);
	} else if (!strcasecmp(k, "username")) {
		auth->username = val;
	} else if (!strcasecmp(k, "password")) {
		auth->password = val;
	} else if (!strcasecmp(k, "md5_cred")) {
		auth->md5_cred = *val ? val : NULL;
	} else if (!strcasecmp(k, "realm")) {
		auth->realm = *val ? val : NULL;
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

static void auth_finish(struct sip__build *b, struct auth_ctx *x)
{
	struct sip_auth *auth = x->auth;
	const struct sip_def *d = &auth->def;
	/* Without auth_type=, md5_cred alone means md5 (as newer Asterisk). */
	if (!x->type_var && auth->md5_cred && !auth->password)
		auth->type = SIP_AUTH_MD5;
	if (auth->md5_cred) {
		if (!is_md5_hex(auth->md5_cred)) {
			zv_diag_error(b->diag, d->file, d->line,
				      "auth '%s': md5_cred must be 32 hex "
				      "digits",
				      d->name);
		} else {
			char *lc = sip__strdup(b->cfg, auth->md5_cred);
			for (char *p = lc; p && *p; p++)
				if (*p >= 'A' && *p <= 'F')
					*p = (char)(*p - 'A' + 'a');
			auth->md5_cred = lc;
		}
	}
	if (auth->type == SIP_AUTH_MD5 && !auth->md5_cred)
		zv_diag_error(b->diag, d->file, d->line,
			      "auth '%s': auth_type=md5 needs md5_cred", d->name);
	if (auth->type == SIP_AUTH_USERPASS && !auth->password)
		zv_diag_warn(b->diag, d->file, d->line,
			     "auth '%s' has no password", d->name);
	if (!auth->username)
		auth->username = "";
	sip__vec_push(b->cfg, &b->cfg->auths, auth);
}

static struct sip_auth *auth_new(struct sip__build *b,
				 const struct zv_conf_section *sec,
				 const char *name, enum sip_conf_kind kind,
				 struct auth_ctx *x)
{
	struct sip_auth *auth = sip__alloc(b->cfg, sizeof(*auth));
	if (!auth)
		return NULL;
	sip__def_init(&auth->def, sec, name, kind);
	x->auth = auth;
	x->type_var = NULL;
	return auth;
}

static void read_auth(struct sip__build *b, const struct zv_conf_section *sec)
{
	struct auth_ctx x;
	zv_conf_check_options(sec, auth_opts, b->diag);
	if (!auth_new(b, sec, sec->name, SIP_CONF_PJSIP, &x))
		return;
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next)
		auth_apply(b, &x, v->name, v);
	auth_finish(b, &x);
}

/* ---- identify ------------------------------------------------------------- */

struct match_ctx {
	struct sip__build *b;
	const struct zv_conf_var *v;
	struct sip_match **arrp;
	size_t *np;
	bool nets_only; /* refuse host names */
};

static int match_item(void *arg, const char *item)
{
	struct match_ctx *mc = arg;
	struct sip_match m;
	if (sip__match_parse(mc->b->cfg, item, &m)) {
		zv_diag_error(mc->b->diag, mc->v->file, mc->v->line,
			      "%s: '%s' is not an address, network or host "
			      "name",
			      mc->v->name, item);
		return 0;
	}
	if (mc->nets_only && m.family == AF_UNSPEC) {
		zv_diag_error(mc->b->diag, mc->v->file, mc->v->line,
			      "%s=%s is not a network", mc->v->name, item);
		return 0;
	}
	struct sip_match *v = sip__alloc(mc->b->cfg, (*mc->np + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (*mc->np)
		memcpy(v, *mc->arrp, *mc->np * sizeof(*v));
	v[(*mc->np)++] = m;
	*mc->arrp = v;
	return 0;
}

/* Append the matches of a comma list of addresses to a match array. */
static void matches_append(struct sip__build *b, const struct zv_conf_var *v,
			   const struct sip_match **arrp, size_t *np,
			   bool nets_only)
{
	struct match_ctx mc = {b, v, (struct sip_match **)arrp, np, nets_only};
	sip__split(b->cfg, v->value, match_item, &mc);
}

static void identify_apply(struct sip__build *b, struct sip_identify *id,
			   const char *owner, const char *k,
			   const struct zv_conf_var *v)
{
	if (!strcasecmp(k, "endpoint")) {
		/* the last endpoint= wins: update a reference already queued */
		for (size_t i = 0; i < b->refs.n; i++) {
			struct sip__ref *r = (struct sip__ref *)b->refs.v[i];
			if (r->onep == &id->endpoint) {
				r->name = v->value;
				r->file = v->file;
				r->line = v->line;
				return;
			}
		}
		sip__ref_add(b, SIP__REF_ENDPOINT, v->value, "endpoint", owner,
			     v->file, v->line, NULL, NULL, &id->endpoint);
	} else if (!strcasecmp(k, "match")) {
		matches_append(b, v, &id->matches, &id->nmatches, false);
	} else if (!strcasecmp(k, "match_header")) {
		id->match_header = v->value;
	}
}

static void read_identify(struct sip__build *b,
			  const struct zv_conf_section *sec)
{
	zv_conf_check_options(sec, identify_opts, b->diag);
	struct sip_identify *id = sip__alloc(b->cfg, sizeof(*id));
	if (!id)
		return;
	sip__def_init(&id->def, sec, sec->name, SIP_CONF_PJSIP);
	const char *owner = owner_str(b->cfg, "identify", sec->name);
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next)
		identify_apply(b, id, owner, v->name, v);
	if (!zv_conf_get(sec, "endpoint"))
		zv_diag_error(b->diag, sec->file, sec->line,
			      "identify '%s' has no endpoint=", sec->name);
	if (!id->nmatches && !id->match_header)
		zv_diag_warn(b->diag, sec->file, sec->line,
			     "identify '%s' has no match= or match_header=",
			     sec->name);
	sip__vec_push(b->cfg, &b->cfg->identifies, id);
}

/* ---- transport ------------------------------------------------------------ */

static void read_transport(struct sip__build *b,
			   const struct zv_conf_section *sec)
{
	zv_conf_check_options(sec, transport_opts, b->diag);
	struct sip_transport *t = sip__alloc(b->cfg, sizeof(*t));
	if (!t)
		return;
	sip__def_init(&t->def, sec, sec->name, SIP_CONF_PJSIP);
	t->verify_server = false;
	const struct zv_conf_var *bind = NULL;
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next) {
		const char *k = v->name, *val = v->value;
		int e;
		if (!strcasecmp(k, "protocol")) {
			if (enum_get(b, v, proto_vals, &e))
				t->proto = e;
		} else if (!strcasecmp(k, "bind")) {
			bind = v;
		} else if (!strcasecmp(k, "external_media_address")) {
			t->external_media_address = *val ? val : NULL;
		} else if (!strcasecmp(k, "external_signaling_address")) {
			t->external_signaling_address = *val ? val : NULL;
		} else if (!strcasecmp(k, "external_signaling_port")) {
			unsigned port = 0;
			sip__get_uint(b, v, 65535, &port);
			t->external_signaling_port = (uint16_t)port;
		} else if (!strcasecmp(k, "local_net")) {
			matches_append(b, v, &t->local_nets, &t->nlocal_nets,
				       true);
		} else if (!strcasecmp(k, "cert_file")) {
			t->cert_file = val;
		} else if (!strcasecmp(k, "priv_key_file")) {
			t->priv_key_file = val;
		} else if (!strcasecmp(k, "ca_list_file")) {
			t->ca_list_file = val;
		} else if (!strcasecmp(k, "ca_list_path")) {
			t->ca_list_path = val;
		} else if (!strcasecmp(k, "cipher")) {
			t->cipher = val;
		} else if (!strcasecmp(k, "method")) {
			t->method = val;
		} else if (!strcasecmp(k, "verify_client")) {
			sip__get_bool(b, v, &t->verify_client);
		} else if (!strcasecmp(k, "verify_server")) {
			sip__get_bool(b, v, &t->verify_server);
		} else if (!strcasecmp(k, "require_client_cert")) {
			sip__get_bool(b, v, &t->require_client_cert);
		}
	}
	uint16_t port = t->proto == SIP_PROTO_TLS ? 5061 : 5060;
	t->bind_text = bind ? bind->value : "0.0.0.0";
	if (sip__addr_parse(t->bind_text, port, &t->bind))
		zv_diag_error(b->diag, bind ? bind->file : sec->file,
			      bind ? bind->line : sec->line,
			      "transport '%s': bind=%s is not an IP "
			      "address[:port]",
			      sec->name, t->bind_text);
	if (t->proto == SIP_PROTO_TLS && !t->cert_file)
		zv_diag_warn(b->diag, sec->file, sec->line,
			     "transport '%s': protocol=tls without cert_file",
			     sec->name);
	sip__vec_push(b->cfg, &b->cfg->transports, t);
}

/* ---- registration --------------------------------------------------------- */

static void registration_defaults(struct sip_registration *r)
{
	r->contact_user = "s";
	r->retry_interval = 60;
	r->max_retries = 10;
	r->expiration = 3600;
	r->auth_rejection_permanent = true;
}

static void registration_apply(struct sip__build *b, struct sip_registration *r,
			       const char *owner, const char *k,
			       const struct zv_conf_var *v)
{
	const char *val = v->value;
	if (!strcasecmp(k, "server_uri")) {
		r->server_uri = val;
	} else if (!strcasecmp(k, "client_uri")) {
		r->client_uri = val;
	} else if (!strcasecmp(k, "contact_user")) {
		r->contact_user = val;
	} else if (!strcasecmp(k, "outbound_auth")) {
		refs_from(b, SIP__REF_AUTH, "outbound_auth", owner, v,
			  (const void *const **)&r->outbound_auths,
			  &r->noutbound_auths);
	} else if (!strcasecmp(k, "retry_interval")) {
		sip__get_uint(b, v, UINT32_MAX, &r->retry_interval);
	} else if (!strcasecmp(k, "forbidden_retry_interval")) {
		sip__get_uint(b, v, UINT32_MAX, &r->forbidden_retry_interval);
	} else if (!strcasecmp(k, "fatal_retry_interval")) {
		sip__get_uint(b, v, UINT32_MAX, &r->fatal_retry_interval);
	} else if (!strcasecmp(k, "max_retries")) {
		sip__get_uint(b, v, UINT32_MAX, &r->max_retries);
	} else if (!strcasecmp(k, "expiration")) {
		sip__get_uint(b, v, UINT32_MAX, &r->expiration);
	} else if (!strcasecmp(k, "auth_rejection_permanent")) {
		sip__get_bool(b, v, &r->auth_rejection_permanent);
	} else if (!strcasecmp(k, "transport")) {
		r->transport = *val ? val : NULL;
	} else if (!strcasecmp(k, "outbound_proxy")) {
		r->outbound_proxy = *val ? val : NULL;
	} else if (!strcasecmp(k, "line")) {
		sip__get_bool(b, v, &r->line);
	} else if (!strcasecmp(k, "endpoint")) {
		r->endpoint = *val ? val : NULL;
	}
}

static bool is_sip_uri(const char *s)
{
	return s && (!strncasecmp(s, "sip:", 4) || !strncasecmp(s, "sips:", 5));
}

static void registration_finish(struct sip__build *b, struct sip_registration *r)
{
	const struct sip_def *d = &r->def;
	if (!is_sip_uri(r->server_uri))
		zv_diag_error(b->diag, d->file, d->line,
			      "registration '%s': server_uri must be a sip: "
			      "URI",
			      d->name);
	if (!is_sip_uri(r->client_uri))
		zv_diag_error(b->diag, d->file, d->line,
			      "registration '%s': client_uri must be a sip: "
			      "URI",
			      d->name);
	if (r->line && !r->endpoint)
		zv_diag_error(b->diag, d->file, d->line,
			      "registration '%s': line=yes needs endpoint=",
			      d->name);
	sip__vec_push(b->cfg, &b->cfg->regs, r);
}

static void read_registration(struct sip__build *b,
			      const struct zv_conf_section *sec)
{
	zv_conf_check_options(sec, registration_opts, b->diag);
	struct sip_registration *r = sip__alloc(b->cfg, sizeof(*r));
	if (!r)
		return;
	sip__def_init(&r->def, sec, sec->name, SIP_CONF_PJSIP);
	registration_defaults(r);
	const char *owner = owner_str(b->cfg, "registration", sec->name);
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next)
		registration_apply(b, r, owner, v->name, v);
	registration_finish(b, r);
}

/* ---- global --------------------------------------------------------------- */

static void read_global(struct sip__build *b, const struct zv_conf_section *sec)
{
	struct sip_global *g = &b->cfg->global;
	zv_conf_check_options(sec, global_opts, b->diag);
	for (const struct zv_conf_var *v = sec->vars; v; v = v->next) {
		const char *k = v->name, *val = v->value;
		if (!strcasecmp(k, "user_agent"))
			g->user_agent = val;
		else if (!strcasecmp(k, "dns_servers"))
			g->dns_servers = val;
		else if (!strcasecmp(k, "default_realm"))
			g->default_realm = val;
		else if (!strcasecmp(k, "endpoint_identifier_order"))
			g->endpoint_identifier_order = val;
		else if (!strcasecmp(k, "default_outbound_endpoint"))
			g->default_outbound_endpoint = *val ? val : NULL;
		else if (!strcasecmp(k, "default_from_user"))
			g->default_from_user = *val ? val : NULL;
		else if (!strcasecmp(k, "max_forwards"))
			sip__get_uint(b, v, 255, &g->max_forwards);
		else if (!strcasecmp(k, "keep_alive_interval"))
			sip__get_uint(b, v, 86400, &g->keep_alive_interval);
		else if (!strcasecmp(k, "ban_threshold"))
			sip__get_uint(b, v, 1000000, &g->ban_threshold);
		else if (!strcasecmp(k, "ban_window"))
			sip__get_uint(b, v, 86400 * 30, &g->ban_window);
		else if (!strcasecmp(k, "ban_time"))
			sip__get_uint(b, v, 86400 * 365, &g->ban_time);
		else if (!strcasecmp(k, "unauth_rate_limit"))
			sip__get_uint(b, v, 1000000, &g->unauth_rate_limit);
	}
}

/* ---- wizard --------------------------------------------------------------- */

/* Loop over the variables v of sec whose names start with prefix, with k
 * the name after the prefix. */
#define FOR_PREFIXED(sec, prefix, v, k)                                        \
	for (const struct zv_conf_var *v = (sec)->vars; v; v = v->next)        \
		for (const char *k = !strncasecmp(v->name, prefix,             \
						  strlen(prefix))              \
					     ? v->name + strlen(prefix)        \
					     : NULL;                           \
		     k; k = NULL)

static bool option_in(const struct zv_conf_option *opts, const char *key)
{
	for (const struct zv_conf_option *o = opts; o->name; o++)
		if (!strcasecmp(o->name, key))
			return true;
	return false;
}

static void check_prefixed(struct sip__build *b,
			   const struct zv_conf_section *sec, const char *prefix,
			   const struct zv_conf_option *opts)
{
	FOR_PREFIXED(sec, prefix, v, k) {
		if (!option_in(opts, k) || !strcasecmp(k, "type"))
			zv_diag_warn(b->diag, v->file, v->line,
				     "unknown option '%s' in [%s]", v->name,
				     sec->name);
	}
}

static const char *wiz_name(struct sip_config *cfg, const char *base,
			    const char *suffix)
{
	size_t n = strlen(base) + strlen(suffix) + 1;
	char *s = sip__alloc(cfg, n);
	if (s)
		snprintf(s, n, "%s%s", base, suffix);
	return s;
}

struct wiz_hosts {
	const char *v[64];
	size_t n;
};

static int wiz_host(void *arg, const char *item)
{
	struct wiz_hosts *h = arg;
	if (h->n < sizeof(h->v) / sizeof(h->v[0]))
		h->v[h->n++] = item;
	return 0;
}

static bool wiz_bool(struct sip__build *b, const struct zv_conf_section *sec,
		     const char *key)
{
	bool on = false;
	const struct zv_conf_var *last = NULL;
	for (const struct zv_conf_var *v = zv_conf_var_next(sec, key, NULL); v;
	     v = zv_conf_var_next(sec, key, v))
		last = v;
	if (last)
		sip__get_bool(b, last, &on);
	return on;
}

/* ${REMOTE_HOST} and ${USERNAME} substituted into a wizard pattern. */
static const char *wiz_subst(struct sip_config *cfg, const char *pattern,
			     const char *host, const char *user)
{
	char buf[512];
	size_t n = 0;
	for (const char *p = pattern; *p && n < sizeof(buf) - 1;) {
		const char *val = NULL;
		size_t skip = 0;
		if (!strncmp(p, "${REMOTE_HOST}", 14))
			val = host, skip = 14;
		else if (!strncmp(p, "${USERNAME}", 11))
			val = user ? user : "", skip = 11;
		if (val) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", val);
			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
			p += skip;
		} else {
			buf[n++] = *p++;
		}
	}
	buf[n] = '\0';
	return sip__strdup(cfg, buf);
}

static void read_wizard(struct sip__build *b, const struct zv_conf_section *sec)
{
	struct sip_config *cfg = b->cfg;
	const char *name = sec->name;
	zv_conf_check_options(sec, wizard_opts, b->diag);
	check_prefixed(b, sec, "endpoint/", endpoint_opts);
	check_prefixed(b, sec, "aor/", aor_opts);
	check_prefixed(b, sec, "inbound_auth/", auth_opts);
	check_prefixed(b, sec, "outbound_auth/", auth_opts);
	check_prefixed(b, sec, "registration/", registration_opts);
	check_prefixed(b, sec, "identify/", identify_opts);

	bool accepts_auth = wiz_bool(b, sec, "accepts_auth");
	bool sends_auth = wiz_bool(b, sec, "sends_auth");
	bool accepts_reg = wiz_bool(b, sec, "accepts_registrations");
	bool sends_reg = wiz_bool(b, sec, "sends_registrations");
	bool line = wiz_bool(b, sec, "sends_line_with_registrations");
	const char *transport = zv_conf_get(sec, "transport");
	const char *proxy = zv_conf_get(sec, "outbound_proxy");
	struct wiz_hosts hosts = {.n = 0};
	const char *rh = zv_conf_get(sec, "remote_hosts");
	if (rh)
		sip__split(cfg, rh, wiz_host, &hosts);
	const char *contact_pat = zv_conf_get(sec, "contact_pattern");
	const char *server_pat = zv_conf_get(sec, "server_uri_pattern");
	const char *client_pat = zv_conf_get(sec, "client_uri_pattern");

	/* inbound and outbound auth */
	struct sip_auth *iauth = NULL, *oauth = NULL;
	struct auth_ctx ax;
	if (accepts_auth &&
	    (iauth = auth_new(b, sec, wiz_name(cfg, name, "-iauth"),
			      SIP_CONF_PJSIP, &ax))) {
		iauth->username = name;
		FOR_PREFIXED(sec, "inbound_auth/", v, k) {
			auth_apply(b, &ax, k, v);
		}
		auth_finish(b, &ax);
	}
	if (sends_auth &&
	    (oauth = auth_new(b, sec, wiz_name(cfg, name, "-oauth"),
			      SIP_CONF_PJSIP, &ax))) {
		oauth->username = name;
		FOR_PREFIXED(sec, "outbound_auth/", v, k) {
			auth_apply(b, &ax, k, v);
		}
		auth_finish(b, &ax);
	}

	/* aor: static contacts for the remote hosts unless they register */
	struct sip_aor *aor = aor_new(b, sec, name, SIP_CONF_PJSIP);
	if (aor) {
		if (accepts_reg)
			aor->max_contacts = 1;
		else
			for (size_t i = 0; i < hosts.n; i++)
				sip__arr_push(
					cfg, (const void *const **)&aor->contacts,
					&aor->ncontacts,
					wiz_subst(cfg,
						  contact_pat ? contact_pat
							      : "sip:${REMOTE_HOST}",
						  hosts.v[i], NULL));
		if (proxy)
			aor->outbound_proxy = proxy;
		FOR_PREFIXED(sec, "aor/", v, k) {
			aor_apply(b, aor, k, v);
		}
		aor_finish(b, aor);
	}

	/* endpoint */
	struct ep_ctx x;
	struct sip_endpoint *ep = endpoint_new(b, sec, name, &x);
	if (ep) {
		ep->transport = transport;
		ep->outbound_proxy = proxy;
		if (aor)
			SIP__ARR_PUSH(cfg, ep->aors, ep->naors, aor);
		if (iauth)
			SIP__ARR_PUSH(cfg, ep->auths, ep->nauths, iauth);
		if (oauth)
			SIP__ARR_PUSH(cfg, ep->outbound_auths,
				      ep->noutbound_auths, oauth);
		FOR_PREFIXED(sec, "endpoint/", v, k) {
			endpoint_apply(b, &x, k, v);
		}
		endpoint_finish(b, &x);
	}

	/* identify by the remote hosts when they do not register */
	if (ep && hosts.n && !accepts_reg) {
		struct sip_identify *id = sip__alloc(cfg, sizeof(*id));
		if (id) {
			sip__def_init(&id->def, sec,
				      wiz_name(cfg, name, "-identify"),
				      SIP_CONF_PJSIP);
			id->endpoint = ep;
			for (size_t i = 0; i < hosts.n; i++) {
				struct zv_conf_var one = {
					.name = "remote_hosts",
					.value = hosts.v[i],
					.file = sec->file,
					.line = sec->line,
				};
				matches_append(b, &one, &id->matches,
					       &id->nmatches, false);
			}
			const char *owner = owner_str(cfg, "identify", name);
			FOR_PREFIXED(sec, "identify/", v, k) {
				if (strcasecmp(k, "endpoint"))
					identify_apply(b, id, owner, k, v);
			}
			sip__vec_push(cfg, &cfg->identifies, id);
		}
	}

	/* one registration per remote host */
	for (size_t i = 0; sends_reg && i < hosts.n; i++) {
		struct sip_registration *r = sip__alloc(cfg, sizeof(*r));
		if (!r)
			break;
		char suffix[32];
		snprintf(suffix, sizeof(suffix), "-reg-%zu", i);
		sip__def_init(&r->def, sec, wiz_name(cfg, name, suffix),
			      SIP_CONF_PJSIP);
		registration_defaults(r);
		const char *user = oauth ? oauth->username : name;
		r->server_uri = wiz_subst(cfg,
					  server_pat ? server_pat
						     : "sip:${REMOTE_HOST}",
					  hosts.v[i], user);
		r->client_uri = wiz_subst(cfg,
					  client_pat ? client_pat
						     : "sip:${USERNAME}@${REMOTE_HOST}",
					  hosts.v[i], user);
		r->transport = transport;
		r->outbound_proxy = proxy;
		if (oauth)
			SIP__ARR_PUSH(cfg, r->outbound_auths,
				      r->noutbound_auths, oauth);
		if (line) {
			r->line = true;
			r->endpoint = name;
		}
		const char *owner = owner_str(cfg, "registration", r->def.name);
		FOR_PREFIXED(sec, "registration/", v, k) {
			registration_apply(b, r, owner, k, v);
		}
		registration_finish(b, r);
	}
}

/* ---- sections ------------------------------------------------------------- */

static const char *const unsupported_types[] = {
	"contact", "acl", "phoneprov", "resource_list", "outbound-publish",
	"inbound-publication", "asterisk-publication", "outbound-proxy",
	NULL,
};

void sip__read_pjsip(struct sip__build *b, const struct zv_conf *conf)
{
	const struct zv_conf_section *sec;
	for (sec = zv_conf_section_next(conf, NULL); sec;
	     sec = zv_conf_section_next(conf, sec)) {
		const char *type = zv_conf_get(sec, "type");
		if (!type) {
			zv_diag_error(b->diag, sec->file, sec->line,
				      "[%s] has no type=", sec->name);
			continue;
		}
		struct sip__seen *s = sip__alloc(b->cfg, sizeof(*s));
		if (s) {
			*s = (struct sip__seen){sec->name, type, sec->file,
						sec->line};
			sip__vec_push(b->cfg, &b->seen, s);
		}
		if (!strcasecmp(type, "endpoint")) {
			read_endpoint(b, sec);
		} else if (!strcasecmp(type, "aor")) {
			read_aor(b, sec);
		} else if (!strcasecmp(type, "auth")) {
			read_auth(b, sec);
		} else if (!strcasecmp(type, "identify")) {
			read_identify(b, sec);
		} else if (!strcasecmp(type, "transport")) {
			read_transport(b, sec);
		} else if (!strcasecmp(type, "registration")) {
			read_registration(b, sec);
		} else if (!strcasecmp(type, "global")) {
			read_global(b, sec);
		} else if (!strcasecmp(type, "system")) {
			zv_conf_check_options(sec, system_opts, b->diag);
		} else if (!strcasecmp(type, "domain_alias")) {
			zv_conf_check_options(sec, domain_alias_opts, b->diag);
		} else if (!strcasecmp(type, "wizard")) {
			read_wizard(b, sec);
		} else {
			bool known = false;
			for (size_t i = 0; unsupported_types[i] && !known; i++)
				known = !strcasecmp(type, unsupported_types[i]);
			if (known)
				zv_diag_warn(b->diag, sec->file, sec->line,
					     "[%s]: type=%s is not supported "
					     "yet; section ignored",
					     sec->name, type);
			else
				zv_diag_error(b->diag, sec->file, sec->line,
					      "[%s]: unknown type=%s",
					      sec->name, type);
		}
	}
}
