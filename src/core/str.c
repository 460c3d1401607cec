/* String views: comparisons, trimming and number parsing without copies. */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include <zvonok/str.h>

static inline char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

bool zv_str_eq(struct zv_str a, struct zv_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool zv_str_eq_ci(struct zv_str a, struct zv_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (lower(a.p[i]) != lower(b.p[i]))
			return false;
	return true;
}

bool zv_str_eq_cstr(struct zv_str a, const char *s)
{
	return zv_str_eq(a, zv_str_c(s));
}

bool zv_str_eq_cstr_ci(struct zv_str a, const char *s)
{
	return zv_str_eq_ci(a, zv_str_c(s));
}

bool zv_str_has_prefix_ci(struct zv_str s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.len >= n && zv_str_eq_ci(zv_str_make(s.p, n), zv_str_make(prefix, n));
}

static inline bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct zv_str zv_str_trim(struct zv_str s)
{
	while (s.len && is_ws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_ws(s.p[s.len - 1]))
		s.len--;
	return s;
}

ptrdiff_t zv_str_find(struct zv_str s, char c)
{
	const char *hit = s.len ? memchr(s.p, c, s.len) : NULL;
	return hit ? hit - s.p : -1;
}

int zv_str_to_u64(struct zv_str s, uint64_t *outp)
{
	if (!s.len)
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		if (c < '0' || c > '9')
			return -EINVAL;
		unsigned d = (unsigned)(c - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*outp = v;
	return 0;
}

int zv_str_to_u32(struct zv_str s, uint32_t *outp)
{
	uint64_t v;
	int err = zv_str_to_u64(s, &v);
	if (err)
		return err;
	if (v > UINT32_MAX)
		return -ERANGE;
	*outp = (uint32_t)v;
	return 0;
}

char *zv_str_dup(struct zv_str s)
{
	char *d = malloc(s.len + 1);
	if (!d)
		return NULL;
	if (s.len)
		memcpy(d, s.p, s.len);
	d[s.len] = '\0';
	return d;
}

char *zv_str_copy(struct zv_str s, char *buf, size_t size)
{
	if (!size)
		return buf;
	size_t n = s.len < size - 1 ? s.len : size - 1;
	if (n)
		memcpy(buf, s.p, n);
	buf[n] = '\0';
	return buf;
}
