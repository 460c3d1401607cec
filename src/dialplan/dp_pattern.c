/*
 * Extension pattern matching and ordering (contracts in dp_pattern.h).
 *
 * DESIGN
 * One walk over the pattern serves the three questions (match, canmatch,
 * matchmore): it stops at the first character that cannot match, at "."
 * or "!", or when the data runs out, and the caller reads the outcome in
 * its mode.  Sets are decoded into a 256-bit map each time they are met;
 * patterns are short, so nothing is cached or allocated.
 */
#include <stdint.h>
#include <string.h>

#include "dialplan/dp_pattern.h"

enum mode { M_MATCH, M_CANMATCH, M_MORE };

enum outcome {
	O_NO,		/* cannot match in this mode */
	O_YES,		/* matches in this mode */
	O_EARLY,	/* reached "!": matches now and with more */
};

struct cls {
	uint64_t map[4];
	unsigned count;
	unsigned char lowest;
};

static void cls_add(struct cls *c, unsigned char ch)
{
	uint64_t bit = (uint64_t)1 << (ch & 63);

	if (!(c->map[ch >> 6] & bit)) {
		c->map[ch >> 6] |= bit;
		if (!c->count || ch < c->lowest)
			c->lowest = ch;
		c->count++;
	}
}

static void cls_range(struct cls *c, unsigned char lo, unsigned char hi)
{
	for (unsigned ch = lo; ch <= hi; ch++)
		cls_add(c, (unsigned char)ch);
}

static bool cls_has(const struct cls *c, unsigned char ch)
{
	return c->map[ch >> 6] & ((uint64_t)1 << (ch & 63));
}

/*
 * Decode the class at p[*ip] (not "-", ".", "!") and advance *ip past it.
 * Returns false for a "[" without its "]".
 */
static bool cls_read(const char *p, size_t len, size_t *ip, struct cls *c)
{
	size_t i = *ip;
	unsigned char ch = (unsigned char)p[i];

	memset(c, 0, sizeof(*c));
	switch (ch) {
	case 'X': case 'x':
		cls_range(c, '0', '9');
		break;
	case 'Z': case 'z':
		cls_range(c, '1', '9');
		break;
	case 'N': case 'n':
		cls_range(c, '2', '9');
		break;
	case '[': {
		const char *end = memchr(p + i + 1, ']', len - i - 1);
		if (!end)
			return false;
		size_t e = (size_t)(end - p);
		for (size_t k = i + 1; k < e; k++) {
			unsigned char lo = (unsigned char)p[k];
			if (k + 2 < e && p[k + 1] == '-') {
				unsigned char hi = (unsigned char)p[k + 2];
				if (lo <= hi)
					cls_range(c, lo, hi);
				k += 2;
			} else {
				cls_add(c, lo);
			}
		}
		*ip = e + 1;
		return true;
	}
	default:
		cls_add(c, ch);
		break;
	}
	*ip = i + 1;
	return true;
}

static enum outcome walk(struct zv_str pat, struct zv_str data, enum mode mode)
{
	size_t i = 1, j = 0;	/* skip the "_" */
	struct cls c;

	while (i < pat.len && j < data.len) {
		char pc = pat.p[i];

		if (pc == '-') {
			i++;
			continue;
		}
		if (pc == '.')
			return O_YES;
		if (pc == '!')
			return O_EARLY;
		if (!cls_read(pat.p, pat.len, &i, &c))
			return O_NO;
		if (!cls_has(&c, (unsigned char)data.p[j]))
			return O_NO;
		j++;
	}
	if (j < data.len)
		return O_NO;		/* data longer than the pattern */
	while (i < pat.len && pat.p[i] == '-')
		i++;
	if (i == pat.len)
		return mode == M_MORE ? O_NO : O_YES;
	if (pat.p[i] == '!')
		return O_EARLY;
	if (mode == M_MATCH)
		return O_NO;
	/* data is a proper prefix: the rest must be well formed */
	while (i < pat.len && pat.p[i] != '.' && pat.p[i] != '!') {
		if (pat.p[i] == '-')
			i++;
		else if (!cls_read(pat.p, pat.len, &i, &c) || !c.count)
			return O_NO;
	}
	return O_YES;
}

bool dp_pattern_is_pattern(struct zv_str name)
{
	return name.len > 0 && name.p[0] == '_';
}

bool dp_pattern_match(struct zv_str name, struct zv_str data)
{
	if (!dp_pattern_is_pattern(name))
		return name.len == data.len &&
		       (data.len == 0 || !memcmp(name.p, data.p, data.len));
	return walk(name, data, M_MATCH) != O_NO;
}

bool dp_pattern_canmatch(struct zv_str name, struct zv_str data)
{
	if (!dp_pattern_is_pattern(name))
		return data.len <= name.len &&
		       (data.len == 0 || !memcmp(name.p, data.p, data.len));
	return walk(name, data, M_CANMATCH) != O_NO;
}

bool dp_pattern_matchmore(struct zv_str name, struct zv_str data)
{
	if (!dp_pattern_is_pattern(name))
		return data.len < name.len &&
		       (data.len == 0 || !memcmp(name.p, data.p, data.len));
	return walk(name, data, M_MORE) != O_NO;
}

/* Byte order of exact names, ignoring "-". */
static int cmp_exact(struct zv_str a, struct zv_str b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a.len && a.p[i] == '-')
			i++;
		while (j < b.len && b.p[j] == '-')
			j++;
		if (i == a.len || j == b.len)
			break;
		if (a.p[i] != b.p[j])
			return (unsigned char)a.p[i] - (unsigned char)b.p[j];
		i++;
		j++;
	}
	if (i < a.len || j < b.len)
		return i < a.len ? 1 : -1;
	return 0;
}

/* Weight of the next position of a pattern: smaller is tried first. */
enum { W_END = 0, W_DOT = 0x20000, W_BANG = 0x30000 };

static unsigned weight_next(struct zv_str p, size_t *ip)
{
	struct cls c;

	while (*ip < p.len && p.p[*ip] == '-')
		(*ip)++;
	if (*ip >= p.len)
		return W_END;
	if (p.p[*ip] == '.')
		return W_DOT;
	if (p.p[*ip] == '!')
		return W_BANG;
	if (!cls_read(p.p, p.len, ip, &c)) {
		/* a "[" without "]" never matches: treat it as a literal */
		(*ip)++;
		return (1u << 8) | '[';
	}
	return (c.count << 8) | c.lowest;
}

static int bytes_cmp(struct zv_str a, struct zv_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int r = n ? memcmp(a.p, b.p, n) : 0;

	if (r)
		return r;
	return (a.len > b.len) - (a.len < b.len);
}

int dp_pattern_cmp(struct zv_str a, struct zv_str b)
{
	bool pa = dp_pattern_is_pattern(a), pb = dp_pattern_is_pattern(b);

	if (!pa || !pb) {
		if (pa != pb)
			return pa ? 1 : -1;
		int r = cmp_exact(a, b);
		return r ? r : bytes_cmp(a, b);
	}
	size_t i = 1, j = 1;
	for (;;) {
		unsigned wa = weight_next(a, &i), wb = weight_next(b, &j);

		if (wa != wb)
			return wa < wb ? -1 : 1;
		if (wa == W_END || wa == W_DOT || wa == W_BANG)
			break;
	}
	return bytes_cmp(a, b);
}
