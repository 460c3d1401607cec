/*
 * Refcounted objects: the one allocator for anything shared between owners.
 *
 *   struct foo *f = zv_obj_alloc(sizeof(*f), foo_destroy);   // refcount 1
 *   struct foo *g = zv_ref(f);                              // refcount 2
 *   g = zv_unref(g);                                        // g == NULL
 *   f = zv_unref(f);   // refcount 0: foo_destroy(f) runs, memory freed
 *
 * Ownership rules carried by names throughout Zvonok:
 *  - functions named *_alloc, *_find, *_ref return a reference the caller
 *    owns and must drop with zv_unref();
 *  - functions named *_peek return a borrowed pointer, valid while the
 *    caller holds whatever keeps the owner alive (usually: running on the
 *    owner's worker loop);
 *  - never drop the last reference to yourself inside your own callback:
 *    offer a *_close() and let the owner unref.
 *
 * Refcount changes are atomic, so a reference may be handed between
 * threads (e.g. posted to another worker).  The object's contents are NOT
 * protected by the refcount: they belong to the thread documented by the
 * object's type.
 *
 * The destructor runs in the thread that drops the last reference and must
 * release what the object owns but not free the object itself.
 */
#ifndef ZVONOK_OBJ_H
#define ZVONOK_OBJ_H

#include <stddef.h>

typedef void(zv_obj_destroy_cb)(void *obj);

/* Zeroed object of size bytes with refcount 1; NULL when out of memory. */
void *zv_obj_alloc(size_t size, zv_obj_destroy_cb *destroy);

/* Take a reference; returns obj.  zv_ref(NULL) is NULL. */
void *zv_ref(void *obj);

/* Drop a reference (NULL is fine); always returns NULL. */
void *zv_unref(void *obj);

/* Current refcount, for tests and assertions only. */
unsigned zv_obj_refs(const void *obj);

/* Number of live objects in the process: unit tests assert it returns to
 * its starting value to catch leaks. */
long zv_obj_live(void);

/*
 * Refcounted NUL-terminated string copy of s (len bytes).  Handy for values
 * shared between threads, e.g. channel variables in events.
 */
char *zv_obj_strndup(const char *s, size_t len);
char *zv_obj_strdup(const char *s);

#endif
