/*
 * The SIP endpoint model: one immutable snapshot built from pjsip.conf,
 * sip.conf, or both, that the registrar, digest auth, dialing, outbound
 * registrations, qualify and subscriptions read.
 *
 * DESIGN
 * Admins bring Asterisk's chan_pjsip layout (type=endpoint/aor/auth/
 * identify/transport/registration/global sections, optionally type=wizard)
 * or chan_sip's (type=friend/peer/user sections, [general] defaults,
 * register => lines).  Both are translated into the pjsip-shaped objects
 * below, so the rest of the SIP stack knows one model:
 *
 *   sip.conf [name] type=friend|peer  ->  endpoint "name" + aor "name"
 *     (max_contacts 1, remove_existing, a static contact when host= is
 *     not dynamic) + auth "name" when secret/md5secret is set + an
 *     implicit identify by the static host's address;
 *   sip.conf type=user                ->  endpoint + auth, no aor;
 *   sip.conf [general] bind options   ->  transports "sip-udp", "sip-tcp",
 *                                         "sip-tls";
 *   sip.conf register => line         ->  registration "user@host[:port]"
 *                                         + outbound auth "<that>-auth";
 *   pjsip.conf type=wizard [w]        ->  endpoint w, aor w (static
 *     contacts for remote_hosts unless accepts_registrations), auth
 *     w-iauth (accepts_auth; username defaults to w), auth w-oauth
 *     (sends_auth), identify w-identify (remote_hosts, when they do not
 *     register), registrations w-reg-N (sends_registrations, one per
 *     remote host); "endpoint/", "aor/", ... options apply to each.
 *
 * When both files set a global value (realm, user agent), pjsip.conf's
 * [global] wins.  An endpoint name defined in both files is an error.
 *
 * Every object records where it was defined (file, line, which file kind)
 * and borrows its section from the parsed file, so options this model does
 * not carry are still readable (sip_def_get()).  The config holds a
 * reference on both parsed files for that reason.
 *
 * OWNERSHIP AND THREADS
 * struct sip_config is a zv_obj (zv_ref/zv_unref) and immutable once
 * built: any thread may read it without locks.  Every pointer obtained from
 * it (objects, strings, arrays) is borrowed and valid while the caller
 * holds its reference on the config.  The lookups below return such
 * borrowed pointers, never references, although some are named *_find.
 *
 * ZVONOK EXTENSIONS
 * pjsip.conf [global] (type=global) also takes the failed-auth protection
 * settings: ban_threshold (failures before a ban, default 5), ban_window
 * (seconds the failures are counted over, default 60), ban_time (seconds
 * a ban lasts, default 600) and unauth_rate_limit (unauthenticated
 * requests per second and source address, default 50; 0 disables).
 */
#ifndef SIP_CONFIG_SIP_CONFIG_H
#define SIP_CONFIG_SIP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <zvonok/config.h>
#include <zvonok/diag.h>

/* ---- codecs ------------------------------------------------------------ */

struct sip_codec {
	const char *name; /* Asterisk's name: "ulaw", "alaw", "g722", ... */
	int payload_type; /* static RTP payload type, -1 when dynamic */
	unsigned clock_rate; /* RTP clock rate (g722: 8000, RFC 3551) */
	unsigned sample_rate; /* audio sample rate */
	unsigned channels; /* as written in SDP rtpmap (opus: 2) */
	const char *encoding; /* SDP rtpmap encoding name */
};

/*
 * Codec by Asterisk name or alias (ulaw/pcmu/g711u, alaw/pcma/g711a, g722,
 * gsm, opus, g729, slin, slin16, slin48, ...), case-insensitive; NULL when
 * Zvonok has no such codec.  "telephone-event" is not a codec: NULL.
 * The result points into a static table.
 */
const struct sip_codec *sip_codec_from_name(const char *name);

/* ---- common ------------------------------------------------------------ */

enum sip_conf_kind {
	SIP_CONF_PJSIP, /* pjsip.conf: channel names PJSIP/... */
	SIP_CONF_SIP, /* sip.conf: channel names SIP/... */
};

/* Where an object was defined.  Every model struct starts with one. */
struct sip_def {
	const char *name;
	const char *file;
	unsigned line;
	enum sip_conf_kind kind;
	/* The section it came from (for a type=wizard object or a sip.conf
	 * peer, the wizard's or peer's section), borrowed from the parsed
	 * file: all raw variables in file order, templates' first. */
	const struct zv_conf_section *section;
};

/* Last raw value of key in the object's section, or NULL. */
const char *sip_def_get(const struct sip_def *def, const char *key);

struct sip_kv {
	const char *name;
	const char *value;
};

/* An address to match a source against: an IPv4/IPv6 network, or a host
 * name kept for later resolution (family AF_UNSPEC). */
struct sip_match {
	int family; /* AF_INET, AF_INET6, or AF_UNSPEC for a host name */
	uint8_t addr[16]; /* network byte order, host bits cleared */
	unsigned prefix; /* 0..32 or 0..128 */
	uint16_t port; /* 0: any port */
	const char *host; /* host name when family is AF_UNSPEC */
	const char *text; /* as written */
};

/* ---- auth ------------------------------------------------------------- */

enum sip_auth_type {
	SIP_AUTH_USERPASS,
	SIP_AUTH_MD5, /* md5_cred holds HA1 = md5(username:realm:password) */
};

struct sip_auth {
	struct sip_def def;
	enum sip_auth_type type;
	const char *username; /* never NULL (may be "") */
	const char *password; /* NULL when not set */
	const char *md5_cred; /* 32 lower-case hex digits, NULL when not set */
	const char *realm; /* NULL: use the global default realm */
};

/* ---- aor --------------------------------------------------------------- */

struct sip_aor {
	struct sip_def def;
	unsigned max_contacts; /* 0: registrations refused */
	bool remove_existing;
	unsigned minimum_expiration; /* seconds */
	unsigned maximum_expiration;
	unsigned default_expiration;
	unsigned qualify_frequency; /* seconds, 0: off */
	unsigned qualify_timeout_ms;
	bool authenticate_qualify;
	const char *outbound_proxy;
	const char *const *contacts; /* static contact URIs */
	size_t ncontacts;
	const char *const *mailboxes; /* "100@default" */
	size_t nmailboxes;
};

/* ---- transport -------------------------------------------------------- */

enum sip_transport_proto {
	SIP_PROTO_UDP,
	SIP_PROTO_TCP,
	SIP_PROTO_TLS,
	SIP_PROTO_WS,
	SIP_PROTO_WSS,
};

const char *sip_transport_proto_name(enum sip_transport_proto proto);

struct sip_transport {
	struct sip_def def;
	enum sip_transport_proto proto;
	struct sockaddr_storage bind; /* with the port (default 5060/5061) */
	const char *bind_text;
	const char *external_media_address;
	const char *external_signaling_address;
	uint16_t external_signaling_port; /* 0: the bound port */
	const struct sip_match *local_nets;
	size_t nlocal_nets;
	const char *cert_file;
	const char *priv_key_file;
	const char *ca_list_file;
	const char *ca_list_path;
	const char *cipher;
	const char *method; /* TLS method, e.g. "tlsv1_2"; NULL: default */
	bool verify_client;
	bool verify_server;
	bool require_client_cert;
};

/* ---- endpoint --------------------------------------------------------- */

enum sip_dtmf_mode {
	SIP_DTMF_RFC4733, /* also sip.conf rfc2833 */
	SIP_DTMF_INBAND,
	SIP_DTMF_INFO,
	SIP_DTMF_AUTO,
	SIP_DTMF_AUTO_INFO,
	SIP_DTMF_NONE,
};

enum sip_media_encryption {
	SIP_MEDIA_ENC_NONE,
	SIP_MEDIA_ENC_SDES,
	SIP_MEDIA_ENC_DTLS, /* DTLS-SRTP, RFC 5763/5764 */
};

/* dtls_setup: our a=setup (answers to actpass, and offers when not
 * actpass; an offer otherwise says actpass). */
enum sip_dtls_setup {
	SIP_DTLS_ACTIVE, /* the default, as Asterisk */
	SIP_DTLS_PASSIVE,
	SIP_DTLS_ACTPASS,
};

/* pjsip.conf dtls_* / sip.conf dtls* (sip_config_dtls.c). */
struct sip_dtls {
	unsigned verify; /* dtls_verify: ZV_DTLS_VERIFY_* bits */
	bool verify_set; /* unset: fingerprint (Asterisk's default is no) */
	unsigned rekey;	 /* dtls_rekey (s); read, renegotiation not done */
	bool auto_generate_cert;
	bool sha1; /* dtls_fingerprint=SHA-1 (default SHA-256) */
	enum sip_dtls_setup setup;
	const char *cert_file, *private_key, *ca_file, *ca_path; /* NULL unset */
};

enum sip_feature_mode {
	SIP_FEATURE_NO,
	SIP_FEATURE_YES, /* supported when the peer asks */
	SIP_FEATURE_REQUIRED,
	SIP_FEATURE_FORCED, /* timers=forced / session-timers=originate */
};

/* identify_by flags */
enum {
	SIP_IDENTIFY_USERNAME = 1 << 0,
	SIP_IDENTIFY_AUTH_USERNAME = 1 << 1,
	SIP_IDENTIFY_IP = 1 << 2,
	SIP_IDENTIFY_HEADER = 1 << 3,
	SIP_IDENTIFY_REQUEST_URI = 1 << 4,
};

/* sip.conf's type= (SIP_PEER_NONE for pjsip endpoints). */
enum sip_peer_type {
	SIP_PEER_NONE,
	SIP_PEER_FRIEND,
	SIP_PEER_PEER, /* outbound and matched by address */
	SIP_PEER_USER, /* inbound only, matched by name */
};

/* direct_media_glare_mitigation (sip.conf directmedia=outgoing). */
enum sip_dm_glare {
	SIP_DM_GLARE_NONE,
	SIP_DM_GLARE_OUTGOING,
	SIP_DM_GLARE_INCOMING,
};
/* Parses an Asterisk group list ("1,3-4", numbers 0..63) into a bit mask.
 * Returns 0, or -1 when an item is not a number or range in 0..63 (the
 * well-formed items are still set in *mask). */
int sip_group_parse(const char *text, uint64_t *mask);

struct sip_endpoint {
	struct sip_def def;
	const char *context;
	const char *subscribe_context; /* NULL: context */
	const char *language; /* NULL: the system default */
	const char *accountcode;
	const char *callerid_name; /* NULL when not set */
	const char *callerid_number;
	const struct sip_codec *const *codecs; /* allow/disallow result */
	size_t ncodecs;
	enum sip_dtmf_mode dtmf_mode;
	/* direct media (calls.md): re-INVITE (or UPDATE) bridged legs to
	 * each other's media address.  Off by default, unlike Asterisk:
	 * media stays anchored unless the endpoint asks for it. */
	bool direct_media;
	bool direct_media_update;	  /* direct_media_method=update */
	bool direct_media_nonat;	  /* disable_direct_media_on_nat */
	enum sip_dm_glare direct_media_glare; /* parsed; not acted on */
	uint64_t call_group; /* call_group/callgroup: bit n = group n (0..63) */
	uint64_t pickup_group; /* pickup_group/pickupgroup */
	/* named_call_group/namedcallgroup, named_pickup_group/
	 * namedpickupgroup: comma-separated names as written (NULL: none) */
	const char *named_call_group, *named_pickup_group;
	bool force_rport;
	bool rewrite_contact;
	bool rtp_symmetric;
	const char *const *mailboxes;
	size_t nmailboxes;
	const char *from_user;
	const char *from_domain;
	const char *outbound_proxy;
	const struct sip_auth *const *auths; /* inbound (auth=) */
	size_t nauths;
	const struct sip_auth *const *outbound_auths;
	size_t noutbound_auths;
	const struct sip_aor *const *aors;
	size_t naors;
	const char *transport; /* transport name, NULL: any */
	unsigned identify_by; /* SIP_IDENTIFY_* */
	bool insecure_port; /* sip.conf: match by address ignoring port */
	bool insecure_invite; /* sip.conf: no auth for INVITE */
	enum sip_media_encryption media_encryption;
	struct sip_dtls dtls;
	enum sip_feature_mode rel100;
	enum sip_feature_mode timers;
	unsigned timers_min_se;
	unsigned timers_sess_expires;
	bool trust_id_inbound;
	bool trust_id_outbound;
	/* caller ID presentation of calls from the endpoint (ZV_PRES_*):
	 * pjsip callerid_privacy, sip.conf callingpres; 0 allowed_not_screened */
	int callerid_pres;
	bool send_pai;
	bool send_rpid;
	bool allow_subscribe;
	unsigned device_state_busy_at; /* call-limit; 0: unlimited */
	bool t38_udptl;
	const struct sip_kv *set_vars; /* set_var= / setvar= */
	size_t nset_vars;
	/* sip.conf only */
	enum sip_peer_type peer_type;
	const char *host; /* "dynamic" or the static host; NULL for pjsip */
	bool dynamic; /* sip.conf host=dynamic: registers */
	const char *regexten;
};

/* ---- identify --------------------------------------------------------- */

struct sip_identify {
	struct sip_def def; /* sip.conf static peers: named after the peer */
	const struct sip_endpoint *endpoint;
	const struct sip_match *matches;
	size_t nmatches;
	const char *match_header; /* "Name: value", NULL when not set */
};

/* ---- outbound registration ------------------------------------------- */

struct sip_registration {
	struct sip_def def; /* sip.conf: "user@host", file:line of the line */
	const char *server_uri;
	const char *client_uri;
	const char *contact_user;
	const struct sip_auth *const *outbound_auths;
	size_t noutbound_auths;
	unsigned retry_interval;
	unsigned forbidden_retry_interval;
	unsigned fatal_retry_interval;
	unsigned max_retries; /* UINT_MAX: forever (sip.conf default) */
	unsigned expiration;
	bool auth_rejection_permanent;
	const char *transport; /* transport name, NULL: default */
	const char *outbound_proxy;
	bool line;
	const char *endpoint; /* endpoint name for line=yes, NULL */
	/* sip.conf: the transport written as udp://, tcp:// or tls://. */
	enum sip_transport_proto proto;
};

/* ---- global ------------------------------------------------------------ */

struct sip_global {
	const char *user_agent;
	const char *dns_servers; /* Zvonok: "ip[:port],..."; NULL: resolv.conf */
	const char *default_realm;
	const char *endpoint_identifier_order; /* as written */
	const char *default_outbound_endpoint;
	const char *default_from_user;
	unsigned max_forwards;
	unsigned keep_alive_interval; /* seconds, 0: off */
	/* sip.conf [general] */
	const char *default_context; /* for unidentified guests */
	bool allow_guest;
	bool always_auth_reject;
	bool srv_lookup;
	unsigned default_expiry; /* chan_sip defaultexpiry */
	unsigned min_expiry;
	unsigned max_expiry;
	/* chan_sip's jitter buffer ([general] jb*): a SIP channel accepts
	 * jitter, so as in chan_sip the buffer is used on SIP/ channels only
	 * when both jbenable and jbforce are set. */
	bool jb_enable, jb_force, jb_adaptive;
	unsigned jb_max_ms, jb_resync_ms, jb_extra_ms;
	/* Zvonok extensions (see the top of this file) */
	unsigned ban_threshold;
	unsigned ban_window;
	unsigned ban_time;
	unsigned unauth_rate_limit;
};

/* ---- the config -------------------------------------------------------- */

/* The DTLS context settings of an endpoint (for zv_dtls_ctx_get()). */
struct zv_dtls_conf;
void sip_endpoint_dtls_conf(const struct sip_endpoint *ep, struct zv_dtls_conf *c);

struct sip_config;

/*
 * Build the model from the parsed pjsip.conf and sip.conf; either may be
 * NULL (the file does not exist).  Every problem is added to diag with
 * file:line: unknown options, options accepted without effect and
 * unsupported section types are warnings; bad values, unknown type=,
 * references to missing auth/aor objects and names defined in both files
 * are errors.  Returns 0 and a new reference in *cfgp, -EINVAL when diag
 * got errors (nothing returned), or -ENOMEM.
 */
int sip_config_build(const struct zv_conf *pjsip, const struct zv_conf *sipconf,
		     struct zv_diag *diag, struct sip_config **cfgp);

const struct sip_global *sip_config_global(const struct sip_config *cfg);

/* Lookups by name (section names compare case-insensitively, as in the
 * parser); NULL when absent.  Borrowed, see OWNERSHIP above. */
const struct sip_endpoint *sip_config_endpoint_find(const struct sip_config *cfg,
						     const char *name);
const struct sip_aor *sip_config_aor_find(const struct sip_config *cfg,
					  const char *name);
const struct sip_auth *sip_config_auth_find(const struct sip_config *cfg,
					    const char *name);
const struct sip_transport *
sip_config_transport_find(const struct sip_config *cfg, const char *name);
const struct sip_registration *
sip_config_registration_find(const struct sip_config *cfg, const char *name);

/*
 * The endpoint a request from addr belongs to by address: pjsip identify
 * matches and sip.conf static hosts given as IP addresses.  The most
 * specific network wins (longest prefix, then a match with a port over
 * one without, then definition order).  Host names are not resolved here.
 * NULL when nothing matches.
 */
const struct sip_endpoint *sip_config_endpoint_by_ip(const struct sip_config *cfg,
						      const struct sockaddr *addr);

/*
 * The endpoint whose digest credentials use this username: first the
 * inbound auth objects (pjsip username=, sip.conf defaultuser or section
 * name), then an endpoint named username that has inbound auth.  Sets
 * *authp (may be NULL) to the auth object.  NULL when nobody has it.
 */
const struct sip_endpoint *sip_config_auth_for_user(const struct sip_config *cfg,
						     const char *username,
						     const struct sip_auth **authp);

/* Iteration in definition order (pjsip.conf first, then sip.conf):
 * for (size_t i = 0; i < sip_config_endpoint_count(cfg); i++)
 *	ep = sip_config_endpoint_at(cfg, i); */
size_t sip_config_endpoint_count(const struct sip_config *cfg);
const struct sip_endpoint *sip_config_endpoint_at(const struct sip_config *cfg,
						   size_t i);
size_t sip_config_aor_count(const struct sip_config *cfg);
const struct sip_aor *sip_config_aor_at(const struct sip_config *cfg, size_t i);
size_t sip_config_auth_count(const struct sip_config *cfg);
const struct sip_auth *sip_config_auth_at(const struct sip_config *cfg,
					  size_t i);
size_t sip_config_identify_count(const struct sip_config *cfg);
const struct sip_identify *sip_config_identify_at(const struct sip_config *cfg,
						  size_t i);
size_t sip_config_transport_count(const struct sip_config *cfg);
const struct sip_transport *
sip_config_transport_at(const struct sip_config *cfg, size_t i);
size_t sip_config_registration_count(const struct sip_config *cfg);
const struct sip_registration *
sip_config_registration_at(const struct sip_config *cfg, size_t i);

#endif
