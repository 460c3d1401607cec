/*
 * The internal event bus.  See include/zvonok/event.h.
 *
 * DESIGN
 * Subscribers sit in one array guarded by a read-write lock: publishing
 * (frequent, from any worker) takes the read side; subscribing and
 * unsubscribing (rare, main thread) take the write side.  The type mask is
 * checked before anything else, then the subscriber's filter, so an event
 * nobody wants costs a few compares.  Posted deliveries carry a reference
 * to the event; the subscription itself is refcounted so a delivery that
 * was already queued when it was cancelled finds it marked dead and skips
 * the callback.
 *
 * An event is built on the hot path of every call (a channel publishes
 * one per state change, with 14 standard fields), so its keys and values
 * are not one heap string each: they are copied into blocks of
 * EV_BLOCK_MIN bytes or more that are freed with the event, and values
 * are formatted straight into them.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <zvonok/event.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

struct zv_event_sub {
	struct zv_reg reg; /* first */
	struct zv_event_sub *next_deferred;
	uint64_t mask;
	zv_event_filter_cb *filter;
	zv_event_cb *cb;
	void *arg;
	struct zv_loop *loop;
	atomic_bool dead;
};

static pthread_rwlock_t subs_lock = PTHREAD_RWLOCK_INITIALIZER;
/* Removals asked for by a synchronous callback (which runs with the read
 * lock held) wait here until the publish on this thread unwinds. */
static _Thread_local unsigned publishing;
static _Thread_local struct zv_event_sub *deferred;
static struct zv_event_sub **subs;
static size_t nsubs, csubs;
static atomic_uint_fast64_t event_seq;

#define EV_BLOCK_MIN 1024

struct zv_event_block {
	struct zv_event_block *next;
	size_t used, cap;
	char data[];
};

static void event_destroy(void *obj)
{
	struct zv_event *ev = obj;
	while (ev->blocks) {
		struct zv_event_block *b = ev->blocks;
		ev->blocks = b->next;
		free(b);
	}
	free(ev->fields);
}

/* Room for at least n bytes at the end of the newest block, or NULL. */
static struct zv_event_block *block_with_room(struct zv_event *ev, size_t n)
{
	struct zv_event_block *b = ev->blocks;
	if (b && b->cap - b->used >= n)
		return b;
	size_t cap = n > EV_BLOCK_MIN ? n : EV_BLOCK_MIN;
	b = malloc(sizeof(*b) + cap);
	if (!b)
		return NULL;
	b->used = 0;
	b->cap = cap;
	b->next = ev->blocks;
	ev->blocks = b;
	return b;
}

struct zv_event *zv_event_alloc(enum zv_event_type type, const char *name)
{
	struct zv_event *ev = zv_obj_alloc(sizeof(*ev), event_destroy);
	if (!ev)
		return NULL;
	ev->type = type;
	ev->name = name;
	return ev;
}

int zv_event_add(struct zv_event *ev, const char *key, const char *fmt, ...)
{
	if (ev->nfields == ev->cap) {
		size_t cap = ev->cap ? ev->cap * 2 : 16;
		struct zv_event_field *f = realloc(ev->fields, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		ev->fields = f;
		ev->cap = cap;
	}
	size_t klen = strlen(key) + 1;
	struct zv_event_block *b = block_with_room(ev, klen + 1);
	if (!b)
		return -ENOMEM;
	char *k = memcpy(b->data + b->used, key, klen);
	b->used += klen;
	va_list ap;
	va_start(ap, fmt);
	int n;
	if (fmt[0] == '%' && fmt[1] == 's' && !fmt[2]) {
		/* Most fields: a plain string, copied without printf. */
		const char *v = va_arg(ap, const char *);
		va_end(ap);
		if (!v)
			v = "(null)"; /* as glibc's printf */
		size_t vlen = strlen(v);
		if (vlen > INT_MAX - 1)
			return -EINVAL;
		n = (int)vlen;
		if (vlen >= b->cap - b->used && !(b = block_with_room(ev, vlen + 1)))
			return -ENOMEM;
		memcpy(b->data + b->used, v, vlen + 1);
	} else if (fmt[0] == '%' && fmt[1] == 'd' && !fmt[2]) {
		/* States, priorities, causes: an int, without printf either. */
		int iv = va_arg(ap, int);
		va_end(ap);
		char tmp[16], *e = tmp + sizeof(tmp), *p = e;
		unsigned u = iv < 0 ? 0u - (unsigned)iv : (unsigned)iv;
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10));
		if (iv < 0)
			*--p = '-';
		n = (int)(e - p);
		if ((size_t)n >= b->cap - b->used && !(b = block_with_room(ev, (size_t)n + 1)))
			return -ENOMEM;
		memcpy(b->data + b->used, p, (size_t)n);
		b->data[b->used + (size_t)n] = '\0';
	} else {
		n = vsnprintf(b->data + b->used, b->cap - b->used, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n >= b->cap - b->used) { /* did not fit: a block of its own */
			struct zv_event_block *big = block_with_room(ev, (size_t)n + 1);
			if (!big)
				return -ENOMEM;
			va_start(ap, fmt);
			vsnprintf(big->data + big->used, (size_t)n + 1, fmt, ap);
			va_end(ap);
			b = big;
		}
	}
	char *value = b->data + b->used;
	b->used += (size_t)n + 1;
	ev->fields[ev->nfields++] = (struct zv_event_field){k, value};
	return 0;
}

const char *zv_event_get(const struct zv_event *ev, const char *key)
{
	/* The first letter rules out most fields before strcasecmp() (this
	 * scan was 7% of a call's instructions: the CDR reads a dozen fields
	 * of every channel event).  c | 0x20 folds ASCII letters and leaves
	 * anything equal under strcasecmp() equal. */
	unsigned char k0 = (unsigned char)key[0] | 0x20;
	for (size_t i = 0; i < ev->nfields; i++)
		if (((unsigned char)ev->fields[i].key[0] | 0x20) == k0 &&
		    !strcasecmp(ev->fields[i].key, key))
			return ev->fields[i].value;
	return NULL;
}

struct delivery {
	struct zv_event_sub *sub; /* referenced */
	struct zv_event *ev; /* referenced */
};

static void deliver(void *arg)
{
	struct delivery *d = arg;
	if (!atomic_load(&d->sub->dead))
		d->sub->cb(d->sub->arg, d->ev);
	zv_unref(d->sub);
	zv_unref(d->ev);
	free(d);
}

static void sub_remove(struct zv_event_sub *sub);

void zv_event_publish(struct zv_event *ev)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev->time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	ev->seq = atomic_fetch_add(&event_seq, 1) + 1;
	uint64_t bit = ZV_EVENT_MASK(ev->type);

	publishing++;
	pthread_rwlock_rdlock(&subs_lock);
	for (size_t i = 0; i < nsubs; i++) {
		struct zv_event_sub *s = subs[i];
		if (atomic_load(&s->dead) || !(s->mask & bit) ||
		    (s->filter && !s->filter(s->arg, ev)))
			continue;
		if (!s->loop) {
			s->cb(s->arg, ev);
			continue;
		}
		struct delivery *d = malloc(sizeof(*d));
		if (!d)
			continue; /* dropped: the subscriber misses one event */
		d->sub = zv_ref(s);
		d->ev = zv_ref(ev);
		if (zv_loop_post(s->loop, deliver, d) < 0) {
			zv_unref(d->sub);
			zv_unref(d->ev);
			free(d);
		}
	}
	pthread_rwlock_unlock(&subs_lock);
	if (--publishing == 0) {
		while (deferred) {
			struct zv_event_sub *s = deferred;
			deferred = s->next_deferred;
			sub_remove(s);
		}
	}
}

static void sub_remove(struct zv_event_sub *sub)
{
	atomic_store(&sub->dead, true);
	if (publishing) {
		sub->next_deferred = deferred;
		deferred = sub;
		return;
	}
	pthread_rwlock_wrlock(&subs_lock);
	for (size_t i = 0; i < nsubs; i++) {
		if (subs[i] == sub) {
			memmove(&subs[i], &subs[i + 1], (nsubs - i - 1) * sizeof(*subs));
			nsubs--;
			break;
		}
	}
	pthread_rwlock_unlock(&subs_lock);
	zv_unref(sub);
}

static void sub_drop(struct zv_reg *reg)
{
	sub_remove((struct zv_event_sub *)reg);
}

struct zv_event_sub *zv_event_subscribe(struct zv_module *mod, uint64_t mask,
					zv_event_filter_cb *filter,
					zv_event_cb *cb, void *arg,
					struct zv_loop *loop)
{
	struct zv_event_sub *s = zv_obj_alloc(sizeof(*s), NULL);
	if (!s)
		return NULL;
	s->mask = mask;
	s->filter = filter;
	s->cb = cb;
	s->arg = arg;
	s->loop = loop;
	if (publishing) {
		/* From a synchronous callback: the read lock is ours. */
		zv_unref(s);
		return NULL;
	}
	pthread_rwlock_wrlock(&subs_lock);
	if (nsubs == csubs) {
		size_t cap = csubs ? csubs * 2 : 16;
		struct zv_event_sub **ns = realloc(subs, cap * sizeof(*ns));
		if (!ns) {
			pthread_rwlock_unlock(&subs_lock);
			zv_unref(s);
			return NULL;
		}
		subs = ns;
		csubs = cap;
	}
	subs[nsubs++] = s;
	pthread_rwlock_unlock(&subs_lock);
	if (mod)
		zv_module_own(mod, &s->reg, sub_drop);
	return s;
}

void zv_event_unsubscribe(struct zv_event_sub *sub)
{
	if (!sub)
		return;
	zv_module_disown(&sub->reg);
	sub_remove(sub);
}
