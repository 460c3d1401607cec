/*
 * Refcounted objects.  A small header sits in front of the caller's memory:
 * the atomic refcount and the destructor.  See include/zvonok/obj.h.
 */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/obj.h>

struct obj_hdr {
	atomic_uint refs;
	zv_obj_destroy_cb *destroy;
	alignas(max_align_t) unsigned char data[];
};

static atomic_long live_objects;

static inline struct obj_hdr *hdr_of(const void *obj)
{
	return (struct obj_hdr *)((const char *)obj - offsetof(struct obj_hdr, data));
}

void *zv_obj_alloc(size_t size, zv_obj_destroy_cb *destroy)
{
	struct obj_hdr *h = calloc(1, sizeof(*h) + size);
	if (!h)
		return NULL;
	atomic_init(&h->refs, 1);
	h->destroy = destroy;
	atomic_fetch_add_explicit(&live_objects, 1, memory_order_relaxed);
	return h->data;
}

void *zv_ref(void *obj)
{
	if (obj)
		atomic_fetch_add_explicit(&hdr_of(obj)->refs, 1, memory_order_relaxed);
	return obj;
}

void *zv_unref(void *obj)
{
	if (!obj)
		return NULL;
	struct obj_hdr *h = hdr_of(obj);
	if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1)
		return NULL;
	if (h->destroy)
		h->destroy(obj);
	atomic_fetch_sub_explicit(&live_objects, 1, memory_order_relaxed);
	free(h);
	return NULL;
}

unsigned zv_obj_refs(const void *obj)
{
	return atomic_load(&hdr_of(obj)->refs);
}

long zv_obj_live(void)
{
	return atomic_load(&live_objects);
}

char *zv_obj_strndup(const char *s, size_t len)
{
	char *d = zv_obj_alloc(len + 1, NULL);
	if (d && len)
		memcpy(d, s, len);
	return d;
}

char *zv_obj_strdup(const char *s)
{
	return zv_obj_strndup(s, strlen(s));
}
