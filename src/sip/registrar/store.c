/*
 * The contact store: every registered contact, by AOR, shared by all
 * workers.
 *
 * DESIGN
 * REGISTERs for one AOR may arrive on different Call-IDs and so on
 * different workers, so the store is one hash table of AORs behind one
 * mutex.  Each critical section is a lookup plus a walk of one AOR's few
 * contacts; nothing is sent, logged or written to disk while the lock is
 * held.  What must be announced afterwards (ContactStatus events, device
 * states) is returned as a list of struct reg_change copies; what must be
 * persisted is recorded as a dirty flag on the AOR, collected by
 * reg_store_take_dirty() for the sqlite writer (persist.c).
 *
 * Contact URIs are compared with the RFC 3261 §19.1.4 rules
 * (sip_uri_equal), falling back to byte comparison for URIs that do not
 * parse.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zvonok/obj.h>

#include "sip/parser/sip_uri.h"
#include "sip/registrar/reg_int.h"

#define AOR_BUCKETS 4096

struct aor_entry {
	struct aor_entry *next;
	char *name; /* lower case */
	struct reg_contact *contacts;
	bool dirty;
	struct aor_entry *dirty_next;
};

struct reg_store {
	pthread_mutex_t lock;
	struct aor_entry *buckets[AOR_BUCKETS];
	struct aor_entry *dirty; /* list of dirty AORs */
	char **removed; /* AORs emptied and freed while dirty */
	size_t nremoved, capremoved;
	uint64_t next_id;
};

const char *sip_contact_status_name(enum sip_contact_status status)
{
	switch (status) {
	case SIP_CONTACT_REACHABLE:
		return "Reachable";
	case SIP_CONTACT_UNREACHABLE:
		return "Unreachable";
	case SIP_CONTACT_NONQUAL:
		return "NonQualified";
	default:
		return "Unknown";
	}
}

struct reg_store *reg_store_new(void)
{
	struct reg_store *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->next_id = 1;
	return s;
}

void reg_contact_free(struct reg_contact *c)
{
	if (!c)
		return;
	free(c->aor);
	free(c->endpoint);
	free(c->uri);
	free(c->path);
	free(c->user_agent);
	free(c->call_id);
	zv_unref(c->conn);
	free(c);
}

static void aor_free(struct aor_entry *a)
{
	while (a->contacts) {
		struct reg_contact *c = a->contacts;
		a->contacts = c->next;
		reg_contact_free(c);
	}
	free(a->name);
	free(a);
}

void reg_store_free(struct reg_store *s)
{
	if (!s)
		return;
	for (unsigned b = 0; b < AOR_BUCKETS; b++) {
		while (s->buckets[b]) {
			struct aor_entry *a = s->buckets[b];
			s->buckets[b] = a->next;
			aor_free(a);
		}
	}
	for (size_t i = 0; i < s->nremoved; i++)
		free(s->removed[i]);
	free(s->removed);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static unsigned name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch + 32);
		h ^= ch;
		h *= 16777619u;
	}
	return h % AOR_BUCKETS;
}

/* Locked. */
static struct aor_entry *aor_find(struct reg_store *s, const char *name, bool create)
{
	unsigned b = name_hash(name);
	for (struct aor_entry *a = s->buckets[b]; a; a = a->next)
		if (!strcasecmp(a->name, name))
			return a;
	if (!create)
		return NULL;
	struct aor_entry *a = calloc(1, sizeof(*a));
	if (!a || !(a->name = strdup(name))) {
		free(a);
		return NULL;
	}
	for (char *p = a->name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	a->next = s->buckets[b];
	s->buckets[b] = a;
	return a;
}

static void mark_dirty(struct reg_store *s, struct aor_entry *a)
{
	if (a->dirty)
		return;
	a->dirty = true;
	a->dirty_next = s->dirty;
	s->dirty = a;
}

/* Unlink and free an AOR without contacts (locked).  A dirty one is
 * remembered by name so its rows get deleted. */
static void aor_drop_if_empty(struct reg_store *s, struct aor_entry *a)
{
	if (a->contacts)
		return;
	if (a->dirty) {
		for (struct aor_entry **pp = &s->dirty; *pp; pp = &(*pp)->dirty_next)
			if (*pp == a) {
				*pp = a->dirty_next;
				break;
			}
	}
	if (s->nremoved == s->capremoved) {
		size_t ncap = s->capremoved ? s->capremoved * 2 : 16;
		char **nv = realloc(s->removed, ncap * sizeof(*nv));
		if (!nv)
			return; /* keep the empty entry; it is harmless */
		s->removed = nv;
		s->capremoved = ncap;
	}
	unsigned b = name_hash(a->name);
	s->removed[s->nremoved++] = a->name;
	a->name = NULL;
	for (struct aor_entry **pp = &s->buckets[b]; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			free(a);
			return;
		}
}

static bool uri_same(const char *a, const char *b)
{
	struct sip_uri ua, ub;
	if (sip_uri_parse(zv_str_c(a), &ua) == 0 && sip_uri_parse(zv_str_c(b), &ub) == 0)
		return sip_uri_equal(&ua, &ub);
	return !strcmp(a, b);
}

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

static void change_add(struct reg_change **listp, enum reg_change_kind kind,
		       const struct reg_contact *c)
{
	if (!listp)
		return;
	struct reg_change *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return;
	ch->kind = kind;
	ch->aor = dup0(c->aor);
	ch->endpoint = dup0(c->endpoint);
	ch->uri = dup0(c->uri);
	ch->user_agent = dup0(c->user_agent);
	ch->call_id = dup0(c->call_id);
	ch->pjsip = c->pjsip;
	ch->expires = c->expires;
	ch->status = c->status;
	ch->rtt_us = c->rtt_us;
	sip_sockaddr_str(&c->src, ch->via, sizeof(ch->via));
	/* Append, so changes keep their order. */
	while (*listp)
		listp = &(*listp)->next;
	*listp = ch;
}

void reg_changes_free(struct reg_change *list)
{
	while (list) {
		struct reg_change *n = list->next;
		free(list->aor);
		free(list->endpoint);
		free(list->uri);
		free(list->user_agent);
		free(list->call_id);
		free(list);
		list = n;
	}
}

static void contact_hash(struct reg_contact *c)
{
	/* A short stable id for the CLI, as Asterisk shows one. */
	uint32_t h = 2166136261u;
	for (const char *p = c->aor; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (const char *p = c->uri; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(c->hash, sizeof(c->hash), "%08x%02x", h, (unsigned)(c->id & 0xff));
}

/* Replace *fieldp by a copy of v unless equal (a refresh usually is). */
static void set_str(char **fieldp, const char *v)
{
	v = v ? v : "";
	if (*fieldp && !strcmp(*fieldp, v))
		return;
	char *n = strdup(v);
	if (!n)
		return; /* keep the old value */
	free(*fieldp);
	*fieldp = n;
}

static void set_meta(struct reg_contact *c, const struct reg_meta *m)
{
	set_str(&c->endpoint, m->endpoint);
	set_str(&c->path, m->path);
	set_str(&c->user_agent, m->user_agent);
	set_str(&c->call_id, m->call_id);
	c->cseq = m->cseq;
	c->pjsip = m->pjsip;
	c->src = m->src;
	c->target = m->target;
	c->tp = m->tp;
	snprintf(c->tp_name, sizeof(c->tp_name), "%s", m->tp ? sip_tp_name(m->tp) : "");
	if (c->conn != m->conn) {
		zv_unref(c->conn);
		c->conn = zv_ref(m->conn);
	}
}

/* Unlink c from a (locked). */
static void unlink_contact(struct aor_entry *a, struct reg_contact *c)
{
	for (struct reg_contact **pp = &a->contacts; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

static size_t count_contacts(const struct aor_entry *a)
{
	size_t n = 0;
	for (const struct reg_contact *c = a ? a->contacts : NULL; c; c = c->next)
		n++;
	return n;
}

int reg_store_apply(struct reg_store *s, const char *aor, const struct reg_binding *b,
		    size_t n, bool star, const struct reg_meta *m, const struct reg_policy *pol,
		    time_t now, struct reg_change **changesp)
{
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	struct aor_entry *a = aor_find(s, aor, !star);
	if (!a) {
		pthread_mutex_unlock(&s->lock);
		return star ? 0 : -ENOMEM;
	}
	if (star) {
		for (struct reg_contact *c = a->contacts, *next; c; c = next) {
			next = c->next;
			if (!strcmp(c->call_id, m->call_id ? m->call_id : "") && m->cseq <= c->cseq)
				continue; /* out of order */
			unlink_contact(a, c);
			change_add(changesp, REG_REMOVED, c);
			reg_contact_free(c);
			mark_dirty(s, a);
		}
		goto done;
	}
	/* Pass 1: what the count would become, to refuse before changing. */
	size_t count = count_contacts(a);
	size_t adds = 0, removes = 0;
	for (size_t i = 0; i < n; i++) {
		struct reg_contact *c;
		for (c = a->contacts; c; c = c->next)
			if (uri_same(c->uri, b[i].uri))
				break;
		/* Earlier duplicates in the same request count once. */
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = uri_same(b[j].uri, b[i].uri);
		if (dup)
			continue;
		if (!c && b[i].expires)
			adds++;
		else if (c && !b[i].expires)
			removes++;
	}
	if (adds && pol->max_contacts == 0) {
		rc = -EPERM;
		goto done;
	}
	if (count + adds - removes > pol->max_contacts && !pol->remove_existing && adds) {
		rc = -EXFULL;
		goto done;
	}
	if (adds > pol->max_contacts) {
		rc = -EXFULL;
		goto done;
	}
	/* Pass 2: apply. */
	for (size_t i = 0; i < n; i++) {
		struct reg_contact *c;
		for (c = a->contacts; c; c = c->next)
			if (uri_same(c->uri, b[i].uri))
				break;
		if (c) {
			if (!strcmp(c->call_id, m->call_id ? m->call_id : "") &&
			    m->cseq <= c->cseq)
				continue; /* out of order (§10.3 step 7) */
			if (!b[i].expires) {
				unlink_contact(a, c);
				change_add(changesp, REG_REMOVED, c);
				reg_contact_free(c);
			} else {
				/* A refresh is not announced (no ContactStatus for it). */
				set_meta(c, m);
				c->expires = now + b[i].expires;
				c->updated = now;
			}
			mark_dirty(s, a);
			continue;
		}
		if (!b[i].expires)
			continue;
		c = calloc(1, sizeof(*c));
		if (!c || !(c->aor = strdup(a->name)) || !(c->uri = strdup(b[i].uri))) {
			reg_contact_free(c);
			rc = -ENOMEM;
			break;
		}
		c->id = s->next_id++;
		set_meta(c, m);
		if (!c->endpoint || !c->path || !c->user_agent || !c->call_id) {
			reg_contact_free(c);
			rc = -ENOMEM;
			break;
		}
		c->expires = now + b[i].expires;
		c->registered = c->updated = now;
		c->rtt_us = -1;
		c->status = SIP_CONTACT_UNKNOWN;
		contact_hash(c);
		struct reg_contact **pp = &a->contacts;
		while (*pp)
			pp = &(*pp)->next;
		*pp = c;
		change_add(changesp, REG_CREATED, c);
		mark_dirty(s, a);
	}
	/* remove_existing: drop the oldest contacts this request did not
	 * name until the AOR fits. */
	while (count_contacts(a) > pol->max_contacts) {
		struct reg_contact *victim = NULL;
		for (struct reg_contact *c = a->contacts; c && !victim; c = c->next) {
			bool named = false;
			for (size_t i = 0; i < n && !named; i++)
				named = uri_same(c->uri, b[i].uri);
			if (!named)
				victim = c;
		}
		if (!victim)
			break;
		unlink_contact(a, victim);
		change_add(changesp, REG_REMOVED, victim);
		reg_contact_free(victim);
		mark_dirty(s, a);
	}
done:
	aor_drop_if_empty(s, a);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void reg_store_contact_lines(struct reg_store *s, const char *aor, time_t now,
			     struct sip_buf *b)
{
	pthread_mutex_lock(&s->lock);
	struct aor_entry *a = aor_find(s, aor, false);
	for (struct reg_contact *c = a ? a->contacts : NULL; c; c = c->next) {
		long left = c->expires > now ? (long)(c->expires - now) : 0;
		sip_buf_printf(b, "Contact: <%s>;expires=%ld\r\n", c->uri, left);
	}
	pthread_mutex_unlock(&s->lock);
}

static size_t remove_where(struct reg_store *s, const char *aor, bool expired_only, time_t now,
			   struct reg_change **changesp)
{
	size_t n = 0;
	pthread_mutex_lock(&s->lock);
	for (unsigned b = 0; b < AOR_BUCKETS; b++) {
		for (struct aor_entry *a = s->buckets[b], *anext; a; a = anext) {
			anext = a->next;
			if (aor && strcasecmp(a->name, aor))
				continue;
			for (struct reg_contact *c = a->contacts, *next; c; c = next) {
				next = c->next;
				if (expired_only && c->expires > now)
					continue;
				unlink_contact(a, c);
				change_add(changesp, REG_REMOVED, c);
				reg_contact_free(c);
				mark_dirty(s, a);
				n++;
			}
			aor_drop_if_empty(s, a);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t reg_store_expire(struct reg_store *s, time_t now, struct reg_change **changesp)
{
	return remove_where(s, NULL, true, now, changesp);
}

size_t reg_store_remove_aor(struct reg_store *s, const char *aor, struct reg_change **changesp)
{
	return remove_where(s, aor, false, 0, changesp);
}

void reg_store_set_status(struct reg_store *s, uint64_t id, enum sip_contact_status status,
			  int64_t rtt_us, uint64_t next_qualify_ms, struct reg_change **changesp)
{
	pthread_mutex_lock(&s->lock);
	for (unsigned b = 0; b < AOR_BUCKETS; b++) {
		for (struct aor_entry *a = s->buckets[b]; a; a = a->next) {
			for (struct reg_contact *c = a->contacts; c; c = c->next) {
				if (c->id != id)
					continue;
				bool changed = c->status != status;
				c->status = status;
				c->rtt_us = rtt_us;
				c->next_qualify_ms = next_qualify_ms;
				c->qualify_busy = false;
				if (changed)
					change_add(changesp, REG_STATUS, c);
				pthread_mutex_unlock(&s->lock);
				return;
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
}

size_t reg_store_foreach(struct reg_store *s, const char *aor, reg_contact_fn *fn, void *arg)
{
	size_t n = 0;
	pthread_mutex_lock(&s->lock);
	if (aor) {
		struct aor_entry *a = aor_find(s, aor, false);
		for (struct reg_contact *c = a ? a->contacts : NULL; c; c = c->next, n++)
			fn(arg, c);
	} else {
		for (unsigned b = 0; b < AOR_BUCKETS; b++)
			for (struct aor_entry *a = s->buckets[b]; a; a = a->next)
				for (struct reg_contact *c = a->contacts; c; c = c->next, n++)
					fn(arg, c);
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t reg_store_count(struct reg_store *s, const char *aor)
{
	pthread_mutex_lock(&s->lock);
	size_t n = count_contacts(aor_find(s, aor, false));
	pthread_mutex_unlock(&s->lock);
	return n;
}

void reg_store_insert_loaded(struct reg_store *s, struct reg_contact *c)
{
	pthread_mutex_lock(&s->lock);
	struct aor_entry *a = aor_find(s, c->aor, true);
	if (!a) {
		pthread_mutex_unlock(&s->lock);
		reg_contact_free(c);
		return;
	}
	c->id = s->next_id++;
	contact_hash(c);
	c->next = NULL;
	struct reg_contact **pp = &a->contacts;
	while (*pp && (*pp)->registered <= c->registered)
		pp = &(*pp)->next;
	c->next = *pp;
	*pp = c;
	pthread_mutex_unlock(&s->lock);
}

static struct reg_contact *contact_copy(const struct reg_contact *c)
{
	struct reg_contact *k = malloc(sizeof(*k));
	if (!k)
		return NULL;
	*k = *c;
	k->next = NULL;
	k->conn = NULL;
	k->aor = dup0(c->aor);
	k->endpoint = dup0(c->endpoint);
	k->uri = dup0(c->uri);
	k->path = dup0(c->path);
	k->user_agent = dup0(c->user_agent);
	k->call_id = dup0(c->call_id);
	return k;
}

int reg_store_take_dirty(struct reg_store *s, struct reg_dirty *d)
{
	memset(d, 0, sizeof(*d));
	size_t capa = 0, capc = 0;
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	/* Emptied AORs first: their rows only need deleting. */
	d->aors = s->removed;
	d->naors = s->nremoved;
	capa = s->capremoved;
	s->removed = NULL;
	s->nremoved = s->capremoved = 0;
	while (s->dirty) {
		struct aor_entry *a = s->dirty;
		s->dirty = a->dirty_next;
		a->dirty = false;
		if (d->naors == capa) {
			capa = capa ? capa * 2 : 16;
			char **nv = realloc(d->aors, capa * sizeof(*nv));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			d->aors = nv;
		}
		d->aors[d->naors++] = strdup(a->name);
		for (struct reg_contact *c = a->contacts; c; c = c->next) {
			if (d->ncontacts == capc) {
				capc = capc ? capc * 2 : 16;
				struct reg_contact **nv = realloc(d->contacts, capc * sizeof(*nv));
				if (!nv) {
					rc = -ENOMEM;
					break;
				}
				d->contacts = nv;
			}
			struct reg_contact *k = contact_copy(c);
			if (k)
				d->contacts[d->ncontacts++] = k;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void reg_dirty_free(struct reg_dirty *d)
{
	for (size_t i = 0; i < d->naors; i++)
		free(d->aors[i]);
	free(d->aors);
	for (size_t i = 0; i < d->ncontacts; i++)
		reg_contact_free(d->contacts[i]);
	free(d->contacts);
	memset(d, 0, sizeof(*d));
}
