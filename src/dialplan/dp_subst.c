/*
 * ${...} and $[...] substitution (contract in dp_subst.h).
 *
 * DESIGN
 * subst_span() copies literal text to an output buffer and, at each "${"
 * or "$[", finds the matching bracket by counting every "{" and "}" (or
 * "[" and "]") as Asterisk does, substitutes the inside into a temporary
 * buffer by recursing, then expands that as a variable, a function call or
 * an expression.  Recursion follows the nesting of the input and stops at
 * DP_SUBST_MAX_DEPTH; all buffers are on the heap and bounded by the
 * caller's limit, so no input can exhaust the stack or memory.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan/dp_expr.h"
#include "dialplan/dp_subst.h"

struct buf {
	char *p;
	size_t len, cap;	/* cap excludes the NUL */
	size_t limit;		/* longest allowed content */
	bool fixed;		/* p is the caller's: never grows */
};

struct state {
	const struct dp_subst_ops *ops;
	void *ctx;
	int err;		/* first -ENOSPC / -ELOOP / -ENOMEM seen */
};

static void set_err(struct state *st, int err)
{
	if (!st->err || err == -ENOMEM)
		st->err = err;
}

static void warn(struct state *st, const char *what, const char *text)
{
	if (st->ops && st->ops->warn)
		st->ops->warn(st->ctx, what, text);
}

static int buf_init(struct buf *b, size_t limit)
{
	*b = (struct buf){.cap = 64 < limit ? 64 : limit, .limit = limit};
	b->p = malloc(b->cap + 1);
	if (!b->p)
		return -ENOMEM;
	b->p[0] = '\0';
	return 0;
}

static void append(struct state *st, struct buf *b, const char *s, size_t n)
{
	if (n > b->limit - b->len) {
		n = b->limit - b->len;
		set_err(st, -ENOSPC);
	}
	if (b->len + n > b->cap && !b->fixed) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n)
			cap = cap > b->limit / 2 ? b->limit : cap * 2;
		char *np = realloc(b->p, cap + 1);
		if (!np) {
			set_err(st, -ENOMEM);
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	if (n > b->cap - b->len)
		n = b->cap - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Like sscanf("%d"): blanks, a sign, digits.  Returns false if no digit. */
static bool scan_int(const char **sp, long long *vp)
{
	const char *s = *sp;
	bool neg = false;
	long long v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		if (v < INT_MAX)
			v = v * 10 + (*s - '0');
		s++;
	}
	if (v > INT_MAX)
		v = INT_MAX;
	*vp = neg ? -v : v;
	*sp = s;
	return true;
}

/* Asterisk's substring rules for ${X:offset:length}. */
static void substring(const char **sp, size_t *lenp, long long offset,
		      long long length)
{
	long long len = (long long)*lenp, n;

	if (offset < 0) {
		offset += len;
		if (offset < 0)
			offset = 0;
	}
	if (offset >= len) {
		*lenp = 0;
		return;
	}
	n = len - offset;
	if (length >= 0) {
		if (length < n)
			n = length;
	} else {
		n += length;
		if (n < 0)
			n = 0;
	}
	*sp += offset;
	*lenp = (size_t)n;
}

/* Expand the substituted inside of ${...} (NUL-terminated, modified). */
static void expand_name(struct state *st, struct buf *out, char *name)
{
	long long offset = 0, length = INT_MAX;
	char *colon = NULL, *paren = NULL;
	int depth = 0, rc = -ENOENT;

	for (char *q = name; *q; q++) {
		if (*q == '(') {
			if (!paren)
				paren = q;
			depth++;
		} else if (*q == ')') {
			depth--;
		} else if (*q == ':' && depth <= 0) {
			colon = q;
			break;
		}
	}
	if (colon) {
		const char *s = colon + 1;

		*colon = '\0';
		if (scan_int(&s, &offset) && *s == ':') {
			s++;
			long long l;
			if (scan_int(&s, &l))
				length = l;
		}
	}

	char *val = malloc(DP_SUBST_VALUE_MAX);
	if (!val) {
		set_err(st, -ENOMEM);
		return;
	}
	val[0] = '\0';
	if (paren) {
		char *args = paren + 1, *end = strrchr(args, ')');

		*paren = '\0';
		if (end)
			*end = '\0';
		else
			warn(st, "missing ')' in function call", name);
		if (st->ops && st->ops->read_func)
			rc = st->ops->read_func(st->ctx, name, args, val,
						DP_SUBST_VALUE_MAX);
	} else if (st->ops && st->ops->get_var) {
		rc = st->ops->get_var(st->ctx, name, val, DP_SUBST_VALUE_MAX);
	}
	val[DP_SUBST_VALUE_MAX - 1] = '\0';
	if (rc == 0) {
		const char *s = val;
		size_t n = strlen(val);

		substring(&s, &n, offset, length);
		append(st, out, s, n);
	}
	free(val);
}

static void subst_span(struct state *st, struct buf *out, const char *p,
		       size_t len, int depth)
{
	size_t i = 0;

	while (i < len) {
		size_t lit = i;

		while (i < len && !(p[i] == '$' && i + 1 < len &&
				    (p[i + 1] == '{' || p[i + 1] == '[')))
			i++;
		append(st, out, p + lit, i - lit);
		if (i >= len)
			break;

		char open = p[i + 1], close = open == '{' ? '}' : ']';
		size_t k = i + 2;
		int nest = 1;

		for (; k < len; k++) {
			if (p[k] == open)
				nest++;
			else if (p[k] == close && --nest == 0)
				break;
		}
		if (k >= len) {
			warn(st, open == '{' ? "missing '}'" : "missing ']'",
			     p + i);
			append(st, out, p + i, len - i);
			return;
		}
		if (depth >= DP_SUBST_MAX_DEPTH) {
			set_err(st, -ELOOP);
			i = k + 1;
			continue;
		}

		struct buf inner;
		/* a name or expression may be longer than the result */
		if (buf_init(&inner, out->limit > DP_SUBST_VALUE_MAX ?
					     out->limit : DP_SUBST_VALUE_MAX)) {
			set_err(st, -ENOMEM);
			return;
		}
		subst_span(st, &inner, p + i + 2, k - i - 2, depth + 1);
		if (open == '{') {
			expand_name(st, out, inner.p);
		} else {
			char *r = NULL;
			int rc = dp_expr_eval_alloc(inner.p, inner.len, &r);

			if (rc == -EINVAL)
				warn(st, "invalid expression", inner.p);
			else if (rc == -ENOMEM)
				set_err(st, rc);
			if (r)
				append(st, out, r, strlen(r));
			free(r);
		}
		free(inner.p);
		i = k + 1;
	}
}

int dp_subst_alloc(const char *in, size_t len, const struct dp_subst_ops *ops,
		   void *ctx, size_t limit, char **outp, size_t *lenp)
{
	struct state st = {.ops = ops, .ctx = ctx};
	struct buf out;

	*outp = NULL;
	if (buf_init(&out, limit ? limit : DP_SUBST_DEFAULT_LIMIT))
		return -ENOMEM;
	subst_span(&st, &out, in, len, 0);
	if (st.err == -ENOMEM) {
		free(out.p);
		return -ENOMEM;
	}
	*outp = out.p;
	if (lenp)
		*lenp = out.len;
	return st.err;
}

int dp_subst(const char *in, size_t len, const struct dp_subst_ops *ops,
	     void *ctx, char *out, size_t outsize)
{
	struct state st = {.ops = ops, .ctx = ctx};
	struct buf b = {.p = out, .cap = outsize - 1, .limit = outsize - 1,
			.fixed = true};

	out[0] = '\0';
	subst_span(&st, &b, in, len, 0);
	return st.err;
}
