/*
 * The SIP endpoint model object: its arena, sip_config_build() (which runs
 * the pjsip.conf and sip.conf readers, then resolves names written in
 * options into object pointers and builds the lookup indexes) and the
 * lookups.  See sip_config.h.
 *
 * DESIGN
 * A config is built once and never changes, so everything it owns is
 * bump-allocated from a list of chunks freed together by the destructor;
 * strings taken verbatim from the files are not copied but borrowed from
 * the parsed files, which the config keeps referenced.  Objects are kept
 * in definition order for iteration, plus arrays sorted by name for
 * binary search; address matching is a linear scan of the identify
 * networks (a few hundred entries at most in practice).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zvonok/obj.h>

#include "sip_config_int.h"

#define CHUNK_SIZE 16384

struct sip__chunk {
	struct sip__chunk *next;
	size_t used, size;
	max_align_t data[];
};

void *sip__alloc(struct sip_config *cfg, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	struct sip__chunk *c = cfg->chunks;
	if (!c || c->size - c->used < size) {
		size_t cap = size > CHUNK_SIZE ? size : CHUNK_SIZE;
		c = calloc(1, sizeof(*c) + cap);
		if (!c) {
			cfg->nomem = true;
			return NULL;
		}
		c->size = cap;
		if (size > CHUNK_SIZE / 4 && cfg->chunks) {
			/* keep filling the current chunk afterwards */
			c->next = cfg->chunks->next;
			cfg->chunks->next = c;
		} else {
			c->next = cfg->chunks;
			cfg->chunks = c;
		}
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

char *sip__strndup(struct sip_config *cfg, const char *s, size_t len)
{
	char *p = sip__alloc(cfg, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *sip__strdup(struct sip_config *cfg, const char *s)
{
	return s ? sip__strndup(cfg, s, strlen(s)) : NULL;
}

int sip__vec_push(struct sip_config *cfg, struct sip__vec *vec, const void *p)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 16;
		const void **v = sip__alloc(cfg, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		if (vec->n)
			memcpy(v, vec->v, vec->n * sizeof(*v));
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = p;
	return 0;
}

int sip__arr_push(struct sip_config *cfg, const void *const **arrp, size_t *np,
		  const void *p)
{
	const void **v = sip__alloc(cfg, (*np + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (*np)
		memcpy(v, *arrp, *np * sizeof(*v));
	v[(*np)++] = p;
	*arrp = v;
	return 0;
}

void sip__ref_add(struct sip__build *b, enum sip__ref_kind kind,
		  const char *name, const char *option, const char *owner,
		  const char *file, unsigned line, const void *const **arrp,
		  size_t *np, const struct sip_endpoint **onep)
{
	struct sip__ref *r = sip__alloc(b->cfg, sizeof(*r));
	if (!r)
		return;
	*r = (struct sip__ref){kind, name, option, owner, file, line,
			       arrp, np, onep};
	sip__vec_push(b->cfg, &b->refs, r);
}

void sip__def_init(struct sip_def *def, const struct zv_conf_section *sec,
		   const char *name, enum sip_conf_kind kind)
{
	def->name = name;
	def->file = sec->file;
	def->line = sec->line;
	def->kind = kind;
	def->section = sec;
}

const char *sip_def_get(const struct sip_def *def, const char *key)
{
	return zv_conf_get(def->section, key);
}

/* ---- lookups ----------------------------------------------------------- */

static int cmp_def(const void *a, const void *b)
{
	const struct sip_def *x = *(const struct sip_def *const *)a;
	const struct sip_def *y = *(const struct sip_def *const *)b;
	return strcasecmp(x->name, y->name);
}

static const void **make_index(struct sip_config *cfg,
			       const struct sip__vec *vec)
{
	const void **idx = sip__alloc(cfg, (vec->n + 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	if (vec->n)
		memcpy(idx, vec->v, vec->n * sizeof(*idx));
	qsort(idx, vec->n, sizeof(*idx), cmp_def);
	return idx;
}

/* Report names defined twice for one kind of object. */
static void index_dups(struct sip__build *b, const void **idx, size_t n,
		       const char *type)
{
	for (size_t i = 1; idx && i < n; i++) {
		const struct sip_def *x = idx[i - 1], *y = idx[i];
		if (strcasecmp(x->name, y->name))
			continue;
		/* report at the later definition */
		if (y->kind < x->kind ||
		    (y->kind == x->kind && strcmp(y->file, x->file) == 0 &&
		     y->line < x->line)) {
			const struct sip_def *t = x;
			x = y;
			y = t;
		}
		zv_diag_error(b->diag, y->file, y->line,
			      "%s '%s' is defined in both %s:%u and %s:%u", type,
			      y->name, x->file, x->line, y->file, y->line);
	}
}

static const void *index_find(const void **idx, size_t n, const char *name)
{
	if (!name || !idx)
		return NULL;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct sip_def *d = idx[mid];
		int c = strcasecmp(name, d->name);
		if (!c) {
			/* names are unique in a config that built */
			while (mid > 0 &&
			       !strcasecmp(name, ((const struct sip_def *)
							  idx[mid - 1])->name))
				mid--;
			return idx[mid];
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct sip_global *sip_config_global(const struct sip_config *cfg)
{
	return &cfg->global;
}

const struct sip_endpoint *sip_config_endpoint_find(const struct sip_config *cfg,
						     const char *name)
{
	return index_find(cfg->endpoints_idx, cfg->endpoints.n, name);
}

const struct sip_aor *sip_config_aor_find(const struct sip_config *cfg,
					  const char *name)
{
	return index_find(cfg->aors_idx, cfg->aors.n, name);
}

const struct sip_auth *sip_config_auth_find(const struct sip_config *cfg,
					    const char *name)
{
	return index_find(cfg->auths_idx, cfg->auths.n, name);
}

const struct sip_transport *
sip_config_transport_find(const struct sip_config *cfg, const char *name)
{
	return index_find(cfg->transports_idx, cfg->transports.n, name);
}

const struct sip_registration *
sip_config_registration_find(const struct sip_config *cfg, const char *name)
{
	return index_find(cfg->regs_idx, cfg->regs.n, name);
}

#define ITER(kind, type, vec)                                                  \
	size_t sip_config_##kind##_count(const struct sip_config *cfg)         \
	{                                                                      \
		return cfg->vec.n;                                             \
	}                                                                      \
	const struct type *sip_config_##kind##_at(const struct sip_config *cfg, \
						  size_t i)                    \
	{                                                                      \
		return i < cfg->vec.n ? cfg->vec.v[i] : NULL;                  \
	}
ITER(endpoint, sip_endpoint, endpoints)
ITER(aor, sip_aor, aors)
ITER(auth, sip_auth, auths)
ITER(identify, sip_identify, identifies)
ITER(transport, sip_transport, transports)
ITER(registration, sip_registration, regs)
#undef ITER

/* Does addr (family, 16 bytes) fall in m?  Returns the score: prefix*2
 * plus one when the port matched exactly, or -1. */
static int match_score(const struct sip_match *m, int family,
		       const uint8_t *addr, uint16_t port)
{
	if (m->family != family)
		return -1;
	unsigned full = m->prefix / 8, rest = m->prefix % 8;
	if (memcmp(m->addr, addr, full))
		return -1;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((addr[full] & mask) != m->addr[full])
			return -1;
	}
	if (m->port && m->port != port)
		return -1;
	return (int)m->prefix * 2 + (m->port ? 1 : 0);
}

const struct sip_endpoint *sip_config_endpoint_by_ip(const struct sip_config *cfg,
						      const struct sockaddr *sa)
{
	uint8_t addr[16] = {0};
	int family;
	uint16_t port;
	if (!sa)
		return NULL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		family = AF_INET;
		memcpy(addr, &in->sin_addr, 4);
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			family = AF_INET;
			memcpy(addr, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			family = AF_INET6;
			memcpy(addr, &in6->sin6_addr, 16);
		}
	} else {
		return NULL;
	}
	const struct sip_endpoint *best = NULL;
	int best_score = -1;
	for (size_t i = 0; i < cfg->identifies.n; i++) {
		const struct sip_identify *id = cfg->identifies.v[i];
		if (!id->endpoint)
			continue;
		for (size_t j = 0; j < id->nmatches; j++) {
			int s = match_score(&id->matches[j], family, addr, port);
			if (s > best_score) {
				best_score = s;
				best = id->endpoint;
			}
		}
	}
	return best;
}

static int cmp_user(const void *a, const void *b)
{
	const struct sip__user *x = a, *y = b;
	int c = strcmp(x->username, y->username);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

const struct sip_endpoint *sip_config_auth_for_user(const struct sip_config *cfg,
						     const char *username,
						     const struct sip_auth **authp)
{
	if (authp)
		*authp = NULL;
	if (!username)
		return NULL;
	size_t lo = 0, hi = cfg->nusers;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(username, cfg->users[mid].username);
		if (c > 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo < cfg->nusers && !strcmp(cfg->users[lo].username, username)) {
		if (authp)
			*authp = cfg->users[lo].auth;
		return cfg->users[lo].endpoint;
	}
	const struct sip_endpoint *ep = sip_config_endpoint_find(cfg, username);
	if (ep && ep->nauths) {
		if (authp)
			*authp = ep->auths[0];
		return ep;
	}
	return NULL;
}

/* ---- build -------------------------------------------------------------- */

const struct sip_endpoint *sip__pjsip_endpoint(const struct sip__build *b,
					       const char *name)
{
	return index_find(b->pj_endpoints_idx, b->pj_nendpoints, name);
}

static void config_destroy(void *obj)
{
	struct sip_config *cfg = obj;
	struct sip__chunk *c = cfg->chunks;
	while (c) {
		struct sip__chunk *next = c->next;
		free(c);
		c = next;
	}
	zv_unref(cfg->pjsip);
	zv_unref(cfg->sipconf);
}

static const char *ref_kind_type(enum sip__ref_kind kind)
{
	switch (kind) {
	case SIP__REF_AUTH:
		return "auth";
	case SIP__REF_AOR:
		return "aor";
	case SIP__REF_ENDPOINT:
		return "endpoint";
	}
	return "?";
}

static void resolve_refs(struct sip__build *b)
{
	struct sip_config *cfg = b->cfg;
	for (size_t i = 0; i < b->refs.n; i++) {
		const struct sip__ref *r = b->refs.v[i];
		const void *obj = NULL;
		switch (r->kind) {
		case SIP__REF_AUTH:
			obj = sip_config_auth_find(cfg, r->name);
			break;
		case SIP__REF_AOR:
			obj = sip_config_aor_find(cfg, r->name);
			break;
		case SIP__REF_ENDPOINT:
			obj = sip_config_endpoint_find(cfg, r->name);
			break;
		}
		if (obj) {
			if (r->onep)
				*r->onep = obj;
			else
				sip__arr_push(cfg, r->arrp, r->np, obj);
			continue;
		}
		const struct sip__seen *other = NULL;
		for (size_t j = 0; j < b->seen.n && !other; j++) {
			const struct sip__seen *s = b->seen.v[j];
			if (!strcasecmp(s->name, r->name))
				other = s;
		}
		if (other)
			zv_diag_error(b->diag, r->file, r->line,
				      "%s: %s=%s names a type=%s section "
				      "(%s:%u), not a type=%s",
				      r->owner, r->option, r->name, other->type,
				      other->file, other->line,
				      ref_kind_type(r->kind));
		else
			zv_diag_error(b->diag, r->file, r->line,
				      "%s: %s=%s: no type=%s section named '%s'",
				      r->owner, r->option, r->name,
				      ref_kind_type(r->kind), r->name);
	}
}

/* The variable that set an option of def (plain or wizard-prefixed). */
static const struct zv_conf_var *def_var(const struct sip_def *def,
					 const char *key, const char *wizkey)
{
	const struct zv_conf_var *last = NULL;
	if (!def->section)
		return NULL;
	for (const struct zv_conf_var *v = def->section->vars; v; v = v->next)
		if (!strcasecmp(v->name, key) ||
		    (wizkey && !strcasecmp(v->name, wizkey)))
			last = v;
	return last;
}

/* transport= names a transport that does not exist: Asterisk only finds
 * out when it sends, so this is a warning. */
static void check_transport(struct sip__build *b, const struct sip_def *def,
			    const char *name, const char *what)
{
	if (!name || sip_config_transport_find(b->cfg, name))
		return;
	/* a register => line is its own definition */
	const struct zv_conf_var *v =
		def->kind == SIP_CONF_SIP && !strcmp(what, "registration")
			? NULL
			: def_var(def, "transport", "registration/transport");
	zv_diag_warn(b->diag, v ? v->file : def->file, v ? v->line : def->line,
		     "%s '%s': transport '%s' is not defined", what, def->name,
		     name);
}

static void check_names(struct sip__build *b)
{
	struct sip_config *cfg = b->cfg;
	for (size_t i = 0; i < cfg->endpoints.n; i++) {
		const struct sip_endpoint *ep = cfg->endpoints.v[i];
		check_transport(b, &ep->def, ep->transport, "endpoint");
	}
	for (size_t i = 0; i < cfg->regs.n; i++) {
		const struct sip_registration *r = cfg->regs.v[i];
		check_transport(b, &r->def, r->transport, "registration");
		if (r->line && r->endpoint &&
		    !sip_config_endpoint_find(cfg, r->endpoint)) {
			const struct zv_conf_var *v =
				def_var(&r->def, "endpoint", NULL);
			zv_diag_error(b->diag, v ? v->file : r->def.file,
				      v ? v->line : r->def.line,
				      "registration '%s': endpoint=%s: no "
				      "type=endpoint section named '%s'",
				      r->def.name, r->endpoint, r->endpoint);
		}
	}
}

static void build_users(struct sip_config *cfg)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->endpoints.n; i++) {
		const struct sip_endpoint *ep = cfg->endpoints.v[i];
		n += ep->nauths + 1;
	}
	cfg->users = sip__alloc(cfg, (n + 1) * sizeof(*cfg->users));
	if (!cfg->users)
		return;
	for (size_t i = 0; i < cfg->endpoints.n; i++) {
		const struct sip_endpoint *ep = cfg->endpoints.v[i];
		for (size_t j = 0; j < ep->nauths; j++) {
			cfg->users[cfg->nusers] = (struct sip__user){
				ep->auths[j]->username, cfg->nusers, ep,
				ep->auths[j]};
			cfg->nusers++;
		}
		/* chan_sip: defaultuser is also the peer's user name */
		const char *du = NULL;
		if (ep->def.kind == SIP_CONF_SIP) {
			du = sip_def_get(&ep->def, "defaultuser");
			if (!du)
				du = sip_def_get(&ep->def, "username");
		}
		if (du && *du && ep->nauths &&
		    strcmp(du, ep->auths[0]->username)) {
			cfg->users[cfg->nusers] = (struct sip__user){
				du, cfg->nusers, ep, ep->auths[0]};
			cfg->nusers++;
		}
	}
	qsort(cfg->users, cfg->nusers, sizeof(*cfg->users), cmp_user);
}

static void global_defaults(struct sip_global *g)
{
	g->user_agent = "Zvonok PBX " ZV_VERSION;
	g->default_realm = "asterisk";
	g->endpoint_identifier_order = "ip,username,anonymous";
	g->max_forwards = 70;
	g->keep_alive_interval = 90;
	g->default_context = "default";
	g->allow_guest = true;
	g->always_auth_reject = true;
	g->srv_lookup = true;
	g->default_expiry = 120;
	g->min_expiry = 60;
	g->max_expiry = 3600;
	g->jb_max_ms = 200; /* chan_sip's jbmaxsize, jbresyncthreshold, jbtargetextra */
	g->jb_resync_ms = 1000;
	g->jb_extra_ms = 40;
	g->ban_threshold = 5;
	g->ban_window = 60;
	g->ban_time = 600;
	g->unauth_rate_limit = 50;
}

int sip_config_build(const struct zv_conf *pjsip, const struct zv_conf *sipconf,
		     struct zv_diag *diag, struct sip_config **cfgp)
{
	struct sip_config *cfg = zv_obj_alloc(sizeof(*cfg), config_destroy);
	if (!cfg)
		return -ENOMEM;
	cfg->pjsip = zv_ref((void *)pjsip);
	cfg->sipconf = zv_ref((void *)sipconf);
	global_defaults(&cfg->global);

	size_t errors = diag->errors;
	struct sip__build b = {.cfg = cfg, .diag = diag};
	/* sip.conf [general] settings first, so pjsip.conf [global]
	 * overrides them; pjsip.conf objects come first in iteration. */
	if (sipconf)
		sip__read_sipconf_global(&b, sipconf);
	if (pjsip)
		sip__read_pjsip(&b, pjsip);
	b.pj_endpoints_idx = make_index(cfg, &cfg->endpoints);
	b.pj_nendpoints = cfg->endpoints.n;
	if (sipconf && !cfg->nomem)
		sip__read_sipconf(&b, sipconf);
	if (cfg->nomem) {
		zv_unref(cfg);
		return -ENOMEM;
	}

	cfg->endpoints_idx = make_index(cfg, &cfg->endpoints);
	cfg->aors_idx = make_index(cfg, &cfg->aors);
	cfg->auths_idx = make_index(cfg, &cfg->auths);
	cfg->transports_idx = make_index(cfg, &cfg->transports);
	cfg->regs_idx = make_index(cfg, &cfg->regs);
	index_dups(&b, cfg->endpoints_idx, cfg->endpoints.n, "endpoint");
	index_dups(&b, cfg->aors_idx, cfg->aors.n, "aor");
	index_dups(&b, cfg->auths_idx, cfg->auths.n, "auth");
	index_dups(&b, cfg->transports_idx, cfg->transports.n, "transport");
	index_dups(&b, cfg->regs_idx, cfg->regs.n, "registration");
	resolve_refs(&b);
	check_names(&b);
	build_users(cfg);

	if (cfg->nomem) {
		zv_unref(cfg);
		return -ENOMEM;
	}
	if (diag->errors != errors) {
		zv_unref(cfg);
		return -EINVAL;
	}
	*cfgp = cfg;
	return 0;
}
