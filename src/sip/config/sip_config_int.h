/*
 * Private to src/sip/config/: the config object's layout, its allocation
 * arena, the state shared by the pjsip.conf and sip.conf readers while a
 * model is built, and the value parsers both readers use.
 */
#ifndef SIP_CONFIG_SIP_CONFIG_INT_H
#define SIP_CONFIG_SIP_CONFIG_INT_H

#include "sip_config.h"

/* Bump allocator: everything a config owns lives in its chunks and is
 * freed at once with the config. */
struct sip__chunk;

struct sip__vec {
	const void **v;
	size_t n, cap;
};

struct sip_config {
	struct sip__chunk *chunks;
	bool nomem;
	struct zv_conf *pjsip; /* references held for sip_def.section */
	struct zv_conf *sipconf;
	struct sip_global global;
	/* definition order */
	struct sip__vec endpoints, aors, auths, identifies, transports, regs;
	/* sorted by name for bsearch; built at the end */
	const void **endpoints_idx, **aors_idx, **auths_idx, **transports_idx,
		**regs_idx;
	/* (username, endpoint, auth) sorted by username */
	struct sip__user *users;
	size_t nusers;
};

struct sip__user {
	const char *username;
	size_t order; /* definition order among equal user names */
	const struct sip_endpoint *endpoint;
	const struct sip_auth *auth;
};

/* A name written in an option that must name an object of some type,
 * resolved once every section is read. */
enum sip__ref_kind {
	SIP__REF_AUTH,
	SIP__REF_AOR,
	SIP__REF_ENDPOINT,
};

struct sip__ref {
	enum sip__ref_kind kind;
	const char *name;
	const char *option; /* "auth", "outbound_auth", "aors", "endpoint" */
	const char *owner; /* e.g. "endpoint '100'" */
	const char *file;
	unsigned line;
	const void *const **arrp; /* array to append the object to */
	size_t *np;
	const struct sip_endpoint **onep; /* or the single slot to set */
};

/* A pjsip.conf section seen, for "is type=aor, not auth" messages. */
struct sip__seen {
	const char *name;
	const char *type;
	const char *file;
	unsigned line;
};

struct sip__build {
	struct sip_config *cfg;
	struct zv_diag *diag;
	struct sip__vec refs; /* struct sip__ref * */
	struct sip__vec seen; /* struct sip__seen * (pjsip.conf) */
	const void **pj_endpoints_idx; /* pjsip.conf endpoints by name */
	size_t pj_nendpoints;
};

/* The pjsip.conf endpoint of that name, once pjsip.conf is read. */
const struct sip_endpoint *sip__pjsip_endpoint(const struct sip__build *b,
					       const char *name);

void *sip__alloc(struct sip_config *cfg, size_t size);
char *sip__strndup(struct sip_config *cfg, const char *s, size_t len);
char *sip__strdup(struct sip_config *cfg, const char *s);
int sip__vec_push(struct sip_config *cfg, struct sip__vec *vec, const void *p);
/* Append p to a counted pointer array kept in the arena. */
int sip__arr_push(struct sip_config *cfg, const void *const **arrp, size_t *np,
		  const void *p);
#define SIP__ARR_PUSH(cfg, arr, n, p)                                          \
	sip__arr_push((cfg), (const void *const **)&(arr), &(n), (p))

/* Queue a reference for sip__resolve_refs(). */
void sip__ref_add(struct sip__build *b, enum sip__ref_kind kind,
		  const char *name, const char *option, const char *owner,
		  const char *file, unsigned line, const void *const **arrp,
		  size_t *np, const struct sip_endpoint **onep);

/* Split a comma list; calls fn for every trimmed, non-empty item (a copy
 * in the arena).  Returns 0 or -ENOMEM. */
int sip__split(struct sip_config *cfg, const char *list,
	       int (*fn)(void *arg, const char *item), void *arg);

/* Codec list being built by allow=/disallow= in order. */
struct sip__codecs {
	const struct sip_codec *v[32];
	size_t n;
};
void sip__codecs_apply(struct sip__build *b, struct sip__codecs *c,
		       bool allow, const struct zv_conf_var *v);
int sip__codecs_store(struct sip_config *cfg, const struct sip__codecs *c,
		      const struct sip_codec *const **arrp, size_t *np);

/* "Name" <number>, Name <number>, <number>, number, or a bare name. */
void sip__callerid_parse(struct sip_config *cfg, const char *text,
			 const char **namep, const char **numberp);

/* IP, IP/prefix, IP/netmask, [v6]:port, IP:port, or a host name.
 * Returns 0, or -EINVAL for a malformed network. */
int sip__match_parse(struct sip_config *cfg, const char *text,
		     struct sip_match *m);

/* address[:port] or [v6]:port into ss (port default when absent); host
 * names are refused.  Returns 0 or -EINVAL. */
int sip__addr_parse(const char *text, uint16_t default_port,
		    struct sockaddr_storage *ss);

/* Option value helpers: on a bad value they report an error at v's line
 * and leave *outp unchanged. */
void sip__get_bool(struct sip__build *b, const struct zv_conf_var *v,
		   bool *outp);
void sip__get_uint(struct sip__build *b, const struct zv_conf_var *v,
		   unsigned long max, unsigned *outp);
/* A call or pickup group list ("1,3-4", groups 0..63) into a bit mask. */
void sip__get_groups(struct sip__build *b, const struct zv_conf_var *v,
		     uint64_t *outp);
/* A caller ID presentation (callerid_privacy, callingpres): a ZV_PRES_*
 * name or number. */
void sip__get_pres(struct sip__build *b, const struct zv_conf_var *v, int *outp);

/* DTLS-SRTP options (sip_config_dtls.c): k is a pjsip.conf dtls_* or a
 * sip.conf dtls* name; false when it is none of them. */
bool sip__dtls_apply(struct sip__build *b, struct sip_endpoint *ep, const char *k,
		     const struct zv_conf_var *v);
/* With media_encryption=dtls: build (and cache) the DTLS context now,
 * an error at the endpoint's file:line when the certificate is unusable. */
void sip__dtls_finish(struct sip__build *b, struct sip_endpoint *ep);

void sip__def_init(struct sip_def *def, const struct zv_conf_section *sec,
		   const char *name, enum sip_conf_kind kind);

/* The readers. */
void sip__read_pjsip(struct sip__build *b, const struct zv_conf *conf);
/* sip.conf [general]'s global settings (before pjsip.conf is read), then
 * everything else (after). */
void sip__read_sipconf_global(struct sip__build *b, const struct zv_conf *conf);
void sip__read_sipconf(struct sip__build *b, const struct zv_conf *conf);

#endif
