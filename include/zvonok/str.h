/*
 * String views: a pointer and a length into memory somebody else owns.
 *
 * Parsers (config, SIP, SDP, AMI, HTTP) return views into their input buffer
 * instead of copying; a view is valid only as long as the buffer it points
 * into.  Views are never NUL-terminated by contract: use the length.
 *
 * All functions here are pure and thread-safe; none allocates except
 * zv_str_dup().
 */
#ifndef ZVONOK_STR_H
#define ZVONOK_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct zv_str {
	const char *p;
	size_t len;
};

#define ZV_STR_NULL ((struct zv_str){NULL, 0})
/* A view of a string literal, e.g. ZV_STR_LIT("INVITE"). */
#define ZV_STR_LIT(s) ((struct zv_str){(s), sizeof(s) - 1})
/* printf helper: printf("%.*s", ZV_STR_FMT(v)) */
#define ZV_STR_FMT(v) (int)(v).len, (v).p

static inline struct zv_str zv_str_make(const char *p, size_t len)
{
	return (struct zv_str){p, len};
}

/* View of a NUL-terminated string; NULL gives the empty view. */
static inline struct zv_str zv_str_c(const char *s)
{
	return (struct zv_str){s, s ? strlen(s) : 0};
}

static inline bool zv_str_empty(struct zv_str s)
{
	return s.len == 0;
}

bool zv_str_eq(struct zv_str a, struct zv_str b);
/* ASCII case-insensitive comparison (SIP header names, methods' tokens). */
bool zv_str_eq_ci(struct zv_str a, struct zv_str b);
bool zv_str_eq_cstr(struct zv_str a, const char *s);
bool zv_str_eq_cstr_ci(struct zv_str a, const char *s);
bool zv_str_has_prefix_ci(struct zv_str s, const char *prefix);

/* Strip spaces and tabs (and CR/LF) from both ends. */
struct zv_str zv_str_trim(struct zv_str s);

/* Index of the first c in s, or -1. */
ptrdiff_t zv_str_find(struct zv_str s, char c);

/*
 * Parse an unsigned decimal number that fills the whole view.
 * Returns 0, or -EINVAL for an empty view or a non-digit, -ERANGE on
 * overflow of *outp's type.
 */
int zv_str_to_u32(struct zv_str s, uint32_t *outp);
int zv_str_to_u64(struct zv_str s, uint64_t *outp);

/* Copy into a new NUL-terminated heap string (free() it); NULL on ENOMEM. */
char *zv_str_dup(struct zv_str s);

/*
 * Copy into buf (size bytes, NUL-terminated, truncated if needed).
 * Returns buf.
 */
char *zv_str_copy(struct zv_str s, char *buf, size_t size);

#endif
