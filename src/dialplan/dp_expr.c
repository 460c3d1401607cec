/*
 * The $[...] expression evaluator: a lexer and a recursive-descent parser
 * that evaluates while it parses.
 *
 * DESIGN
 * Grammar, lowest precedence first (all binary operators associate to the
 * left, the unary ones to the right), as Asterisk documents it:
 *
 *	expr    := or { "?" or "::" or }	ternary; all three are evaluated
 *	or      := and { "|" and }
 *	and     := cmp { "&" cmp }
 *	cmp     := add { ("=" | "==" | "!=" | "<" | ">" | "<=" | ">=") add }
 *	add     := mul { ("+" | "-") mul }
 *	mul     := unary { ("*" | "/" | "%") unary }
 *	unary   := ("-" | "!") unary | regex
 *	regex   := primary { (":" | "=~" | "~~") (unary | primary) }
 *	primary := WORD | "QUOTED" | "(" expr ")" | FUNC "(" [expr {"," expr}] ")"
 *
 * Tokens need no spaces between them ("1+2" is 3).  A word is a run of
 * characters that are neither blanks nor operator characters; a word
 * written right before "(" is a function name.  A quoted string keeps its
 * quotes in its value and is never a number (so "10" < "9" compares
 * strings); the regex operators and "~~" strip them, and the ternary takes
 * "" as false, as Asterisk documents.
 *
 * Values are numbers (long double) or strings.  A string is numeric when
 * it reads as an optional "-", digits, and optionally "." and digits
 * (Asterisk's "D.D": ".5" and "5." are strings).  A value that no
 * arithmetic touched keeps its text ("007" stays "007").  Numbers print
 * with "%.18Lg", like Asterisk on glibc, so 3/2 is "1.5" and 6/2 is "3".
 *
 * Asterisk's substitutes for run-time problems: arithmetic takes a
 * non-numeric operand as 0 (for "*" the result is 0), x/0 and x%0 give
 * 2147483647 (INT_MAX), as does x/y with y non-numeric; a regular
 * expression that does not compile gives "".
 *
 * Memory: each value owns a heap string; the recursion depth is bounded by
 * DP_EXPR_MAX_DEPTH so a hostile expression cannot exhaust the stack.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan/dp_expr.h"

enum tok {
	T_END, T_WORD, T_QSTR, T_FUNC,
	T_OR, T_AND, T_EQ, T_NE, T_LT, T_GT, T_LE, T_GE,
	T_PLUS, T_MINUS, T_MUL, T_DIV, T_MOD, T_NOT,
	T_COND, T_ELSE, T_COLON, T_EQTILDE, T_CONCAT,
	T_LP, T_RP, T_COMMA,
};

struct val {
	bool is_num;
	long double n;
	char *s;	/* heap, NUL-terminated; NULL when is_num */
	size_t len;
	bool quoted;	/* a "..." token: never numeric */
};

struct parser {
	const char *p, *end;
	enum tok tok;
	const char *tp;		/* text of the current WORD/QSTR/FUNC */
	size_t tlen;
	int depth;
	int in_func;		/* "," is an operator only inside calls */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool ends_word(const struct parser *ps, const char *q)
{
	char c = *q;

	if (is_blank(c))
		return true;
	switch (c) {
	case '|': case '&': case '=': case '!': case '<': case '>':
	case '+': case '-': case '*': case '/': case '%': case '?':
	case ':': case '(': case ')': case '"':
		return true;
	case ',':
		return ps->in_func > 0;
	case '~':
		return q + 1 < ps->end && q[1] == '~';
	default:
		return false;
	}
}

/* Read the next token into ps->tok.  Returns 0 or -EINVAL. */
static int next(struct parser *ps)
{
	const char *p = ps->p, *e = ps->end;

	while (p < e && is_blank(*p))
		p++;
	ps->tp = p;
	ps->tlen = 0;
	if (p == e) {
		ps->tok = T_END;
		ps->p = p;
		return 0;
	}
	char c = *p, c2 = p + 1 < e ? p[1] : '\0';
	size_t n = 1;

	switch (c) {
	case '|': ps->tok = T_OR; break;
	case '&': ps->tok = T_AND; break;
	case '+': ps->tok = T_PLUS; break;
	case '-': ps->tok = T_MINUS; break;
	case '*': ps->tok = T_MUL; break;
	case '/': ps->tok = T_DIV; break;
	case '%': ps->tok = T_MOD; break;
	case '?': ps->tok = T_COND; break;
	case '(': ps->tok = T_LP; break;
	case ')': ps->tok = T_RP; break;
	case '=':
		if (c2 == '=') {
			ps->tok = T_EQ;
			n = 2;
		} else if (c2 == '~') {
			ps->tok = T_EQTILDE;
			n = 2;
		} else {
			ps->tok = T_EQ;
		}
		break;
	case '!':
		if (c2 == '=') {
			ps->tok = T_NE;
			n = 2;
		} else {
			ps->tok = T_NOT;
		}
		break;
	case '<':
		ps->tok = c2 == '=' ? T_LE : T_LT;
		n = c2 == '=' ? 2 : 1;
		break;
	case '>':
		ps->tok = c2 == '=' ? T_GE : T_GT;
		n = c2 == '=' ? 2 : 1;
		break;
	case ':':
		ps->tok = c2 == ':' ? T_ELSE : T_COLON;
		n = c2 == ':' ? 2 : 1;
		break;
	case '"': {
		const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));
		if (!q)
			return -EINVAL;
		ps->tok = T_QSTR;
		ps->tlen = (size_t)(q - p) + 1;
		n = ps->tlen;
		break;
	}
	default:
		if (c == ',' && ps->in_func > 0) {
			ps->tok = T_COMMA;
			break;
		}
		if (c == '~' && c2 == '~') {
			ps->tok = T_CONCAT;
			n = 2;
			break;
		}
		while (p + n < e && !ends_word(ps, p + n))
			n++;
		ps->tlen = n;
		ps->tok = (p + n < e && p[n] == '(') ? T_FUNC : T_WORD;
		break;
	}
	ps->p = p + n;
	return 0;
}

static void val_free(struct val *v)
{
	free(v->s);
	v->s = NULL;
}

static int val_str(struct val *v, const char *s, size_t len, bool quoted)
{
	char *c = malloc(len + 1);

	if (!c)
		return -ENOMEM;
	memcpy(c, s, len);
	c[len] = '\0';
	*v = (struct val){.s = c, .len = len, .quoted = quoted};
	return 0;
}

static void val_num(struct val *v, long double n)
{
	if (n == 0)
		n = 0;	/* no "-0" */
	*v = (struct val){.is_num = true, .n = n};
}

static bool numeric_text(const char *s, size_t len)
{
	size_t i = 0, d = 0;

	if (i < len && s[i] == '-')
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, d++;
	if (!d)
		return false;
	if (i < len && s[i] == '.') {
		i++;
		d = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, d++;
		if (!d)
			return false;
	}
	return i == len;
}

/* Does v hold a number?  Converts a numeric string in place. */
static bool to_num(struct val *v)
{
	if (v->is_num)
		return true;
	if (v->quoted || !numeric_text(v->s, v->len))
		return false;
	long double n = strtold(v->s, NULL);
	val_free(v);
	val_num(v, n);
	return true;
}

static int fmt_num(long double n, char *buf, size_t size)
{
	return snprintf(buf, size, "%.18Lg", n);
}

/* Make v a string value (numbers are formatted). */
static int to_str(struct val *v)
{
	char buf[64];

	if (!v->is_num)
		return 0;
	int n = fmt_num(v->n, buf, sizeof(buf));
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	return val_str(v, buf, (size_t)n, false);
}

/* Empty string or a number equal to zero: false for | & ! */
static bool zero_or_null(struct val *v)
{
	if (v->is_num)
		return v->n == 0;
	if (v->len == 0)
		return true;
	return to_num(v) && v->n == 0;
}

static void strip_quotes(struct val *v)
{
	if (!v->is_num && v->len >= 2 && v->s[0] == '"' && v->s[v->len - 1] == '"') {
		memmove(v->s, v->s + 1, v->len - 2);
		v->len -= 2;
		v->s[v->len] = '\0';
		v->quoted = false;
	}
}

static int parse_expr(struct parser *ps, struct val *vp);
static int parse_unary(struct parser *ps, struct val *vp);

static int expect(struct parser *ps, enum tok t)
{
	if (ps->tok != t)
		return -EINVAL;
	return next(ps);
}

struct math_fn {
	const char *name;
	int nargs;
	long double (*f1)(long double);
	long double (*f2)(long double, long double);
};

static long double exp10_l(long double x)
{
	return powl(10.0L, x);
}

static const struct math_fn math_fns[] = {
	{"COS", 1, cosl, NULL}, {"SIN", 1, sinl, NULL}, {"TAN", 1, tanl, NULL},
	{"ACOS", 1, acosl, NULL}, {"ASIN", 1, asinl, NULL},
	{"ATAN", 1, atanl, NULL}, {"ATAN2", 2, NULL, atan2l},
	{"POW", 2, NULL, powl}, {"SQRT", 1, sqrtl, NULL},
	{"FLOOR", 1, floorl, NULL}, {"CEIL", 1, ceill, NULL},
	{"ROUND", 1, roundl, NULL}, {"RINT", 1, rintl, NULL},
	{"TRUNC", 1, truncl, NULL}, {"EXP", 1, expl, NULL},
	{"EXP2", 1, exp2l, NULL}, {"EXP10", 1, exp10_l, NULL},
	{"LOG", 1, logl, NULL}, {"LOG2", 1, log2l, NULL},
	{"LOG10", 1, log10l, NULL}, {"REMAINDER", 2, NULL, remainderl},
};

static int parse_call(struct parser *ps, struct val *vp)
{
	const struct math_fn *fn = NULL;
	struct val args[2];
	int nargs = 0, rc;

	*vp = (struct val){0};
	for (size_t i = 0; i < sizeof(math_fns) / sizeof(math_fns[0]); i++) {
		if (strlen(math_fns[i].name) == ps->tlen &&
		    !memcmp(math_fns[i].name, ps->tp, ps->tlen))
			fn = &math_fns[i];
	}
	if (!fn)
		return -EINVAL;
	ps->in_func++;
	rc = next(ps);			/* the "(" */
	if (!rc)
		rc = expect(ps, T_LP);
	while (!rc && ps->tok != T_RP) {
		struct val a;

		if (nargs && (rc = expect(ps, T_COMMA)))
			break;
		rc = parse_expr(ps, &a);
		if (rc)
			break;
		if (nargs == 2) {
			val_free(&a);
			rc = -EINVAL;
			break;
		}
		args[nargs++] = a;
	}
	ps->in_func--;
	if (!rc && nargs != fn->nargs)
		rc = -EINVAL;
	if (!rc)
		rc = next(ps);		/* the ")" */
	if (!rc) {
		long double x = 0, y = 0;

		if (nargs > 0 && to_num(&args[0]))
			x = args[0].n;
		if (nargs > 1 && to_num(&args[1]))
			y = args[1].n;
		val_num(vp, fn->f1 ? fn->f1(x) : fn->f2(x, y));
	}
	for (int i = 0; i < nargs; i++)
		val_free(&args[i]);
	return rc;
}

static int parse_primary(struct parser *ps, struct val *vp)
{
	int rc;

	*vp = (struct val){0};
	switch (ps->tok) {
	case T_WORD:
	case T_QSTR:
		rc = val_str(vp, ps->tp, ps->tlen, ps->tok == T_QSTR);
		if (!rc && (rc = next(ps)))
			val_free(vp);
		return rc;
	case T_FUNC:
		if (++ps->depth > DP_EXPR_MAX_DEPTH)
			return -EINVAL;
		rc = parse_call(ps, vp);
		ps->depth--;
		return rc;
	case T_LP: {
		int saved = ps->in_func;

		if (++ps->depth > DP_EXPR_MAX_DEPTH)
			return -EINVAL;
		ps->in_func = 0;
		rc = next(ps);
		if (!rc)
			rc = parse_expr(ps, vp);
		ps->in_func = saved;
		if (!rc && (rc = expect(ps, T_RP)))
			val_free(vp);
		ps->depth--;
		return rc;
	}
	default:
		return -EINVAL;		/* missing operand */
	}
}

/*
 * glibc's regex engine can take exponential time or huge memory on some
 * patterns (back-references, nested repetition counts).  Patterns come
 * from the dialplan but may embed caller data, so refuse the dangerous
 * ones: longer than DP_REGEX_MAX_LEN, with a back-reference, or whose
 * repetitions ("+" counts 2, "{n,m}" counts m + 1) multiply past
 * DP_REGEX_MAX_REPEAT (so at most 12 "+" in one pattern).  Refused patterns
 * behave like ones that do not compile (result "").
 */
#define DP_REGEX_MAX_LEN 512
#define DP_REGEX_MAX_REPEAT 4096

static bool regex_is_tame(const char *s, size_t len)
{
	unsigned long product = 1;

	if (len > DP_REGEX_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			if (s[i + 1] >= '1' && s[i + 1] <= '9')
				return false;
			i++;
		} else if (s[i] == '[') {
			/* a bracket expression: its "+" and "{" are literal */
			size_t k = i + 1;

			if (k < len && s[k] == '^')
				k++;
			if (k < len && s[k] == ']')
				k++;
			while (k < len && s[k] != ']')
				k++;
			i = k;
		} else if (s[i] == '+') {
			/* glibc copies the operand of each "+" */
			product *= 2;
			if (product > DP_REGEX_MAX_REPEAT)
				return false;
		} else if (s[i] == '{') {
			unsigned long n = 0, m = 0;
			size_t k = i + 1;

			while (k < len &&
			       ((s[k] >= '0' && s[k] <= '9') || s[k] == ',')) {
				if (s[k] == ',')
					n = 0;
				else if (n < 100000)
					n = n * 10 + (unsigned long)(s[k] - '0');
				if (n > m)
					m = n;
				k++;
			}
			product *= m + 1;
			if (product > DP_REGEX_MAX_REPEAT)
				return false;
		}
	}
	return true;
}

/* a : b (anchored) and a =~ b: the first group, or the match length. */
static int op_regex(struct val *a, struct val *b, bool anchored, struct val *vp)
{
	regex_t re;
	regmatch_t m[2];
	int rc;

	if ((rc = to_str(a)) || (rc = to_str(b)))
		return rc;
	strip_quotes(a);
	strip_quotes(b);
	if (!regex_is_tame(b->s, b->len) || regcomp(&re, b->s, REG_EXTENDED) != 0)
		return val_str(vp, "", 0, false);
	bool hit = regexec(&re, a->s, 2, m, 0) == 0 &&
		   (!anchored || m[0].rm_so == 0);
	if (re.re_nsub > 0) {
		if (hit && m[1].rm_so >= 0)
			rc = val_str(vp, a->s + m[1].rm_so,
				     (size_t)(m[1].rm_eo - m[1].rm_so), false);
		else
			rc = val_str(vp, "", 0, false);
	} else {
		val_num(vp, hit ? (long double)(m[0].rm_eo - m[0].rm_so) : 0);
	}
	regfree(&re);
	return rc;
}

static int op_concat(struct val *a, struct val *b, struct val *vp)
{
	int rc;

	if ((rc = to_str(a)) || (rc = to_str(b)))
		return rc;
	strip_quotes(a);
	strip_quotes(b);
	char *s = malloc(a->len + b->len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, a->s, a->len);
	memcpy(s + a->len, b->s, b->len);
	s[a->len + b->len] = '\0';
	*vp = (struct val){.s = s, .len = a->len + b->len};
	return 0;
}

static int parse_regex(struct parser *ps, struct val *vp)
{
	int rc;

	*vp = (struct val){0};
	rc = parse_primary(ps, vp);

	while (!rc && (ps->tok == T_COLON || ps->tok == T_EQTILDE ||
		       ps->tok == T_CONCAT)) {
		enum tok op = ps->tok;
		struct val b, r;

		if ((rc = next(ps)))
			break;
		if (ps->tok == T_MINUS || ps->tok == T_NOT)
			rc = parse_unary(ps, &b);
		else
			rc = parse_primary(ps, &b);
		if (rc)
			break;
		if (op == T_CONCAT)
			rc = op_concat(vp, &b, &r);
		else
			rc = op_regex(vp, &b, op == T_COLON, &r);
		val_free(&b);
		val_free(vp);
		if (rc)
			return rc;
		*vp = r;
	}
	if (rc)
		val_free(vp);
	return rc;
}

static int parse_unary(struct parser *ps, struct val *vp)
{
	enum tok op = ps->tok;
	int rc;

	*vp = (struct val){0};
	if (op != T_MINUS && op != T_NOT)
		return parse_regex(ps, vp);
	if (++ps->depth > DP_EXPR_MAX_DEPTH)
		return -EINVAL;
	rc = next(ps);
	if (!rc)
		rc = parse_unary(ps, vp);
	ps->depth--;
	if (rc)
		return rc;
	if (op == T_NOT) {
		bool z = zero_or_null(vp);
		val_free(vp);
		val_num(vp, z ? 1 : 0);
	} else {
		long double n = to_num(vp) ? -vp->n : 0;
		val_free(vp);
		val_num(vp, n);
	}
	return 0;
}

static long double arith(enum tok op, struct val *a, struct val *b)
{
	bool na = to_num(a), nb = to_num(b);
	long double x = na ? a->n : 0, y = nb ? b->n : 0;

	switch (op) {
	case T_PLUS:
		return x + y;
	case T_MINUS:
		return x - y;
	case T_MUL:
		return x * y;
	default:		/* T_DIV, T_MOD */
		if (!na)
			return 0;
		if (!nb || y == 0)
			return INT_MAX;
		return op == T_DIV ? x / y : fmodl(x, y);
	}
}

static int parse_mul(struct parser *ps, struct val *vp)
{
	int rc;

	*vp = (struct val){0};
	rc = parse_unary(ps, vp);

	while (!rc && (ps->tok == T_MUL || ps->tok == T_DIV || ps->tok == T_MOD)) {
		enum tok op = ps->tok;
		struct val b;

		if ((rc = next(ps)) || (rc = parse_unary(ps, &b)))
			break;
		long double n = arith(op, vp, &b);
		val_free(&b);
		val_free(vp);
		val_num(vp, n);
	}
	if (rc)
		val_free(vp);
	return rc;
}

static int parse_add(struct parser *ps, struct val *vp)
{
	int rc;

	*vp = (struct val){0};
	rc = parse_mul(ps, vp);

	while (!rc && (ps->tok == T_PLUS || ps->tok == T_MINUS)) {
		enum tok op = ps->tok;
		struct val b;

		if ((rc = next(ps)) || (rc = parse_mul(ps, &b)))
			break;
		long double n = arith(op, vp, &b);
		val_free(&b);
		val_free(vp);
		val_num(vp, n);
	}
	if (rc)
		val_free(vp);
	return rc;
}

static bool is_cmp(enum tok t)
{
	return t == T_EQ || t == T_NE || t == T_LT || t == T_GT ||
	       t == T_LE || t == T_GE;
}

static int compare(struct val *a, struct val *b, int *resp)
{
	int rc;

	if (to_num(a) && to_num(b)) {
		*resp = (a->n > b->n) - (a->n < b->n);
		return 0;
	}
	if ((rc = to_str(a)) || (rc = to_str(b)))
		return rc;
	*resp = strcmp(a->s, b->s);
	return 0;
}

static int parse_cmp(struct parser *ps, struct val *vp)
{
	int rc;

	*vp = (struct val){0};
	rc = parse_add(ps, vp);

	while (!rc && is_cmp(ps->tok)) {
		enum tok op = ps->tok;
		struct val b;
		int c = 0;
		bool r = false;

		if ((rc = next(ps)) || (rc = parse_add(ps, &b)))
			break;
		rc = compare(vp, &b, &c);
		val_free(&b);
		if (rc)
			break;
		switch (op) {
		case T_EQ: r = c == 0; break;
		case T_NE: r = c != 0; break;
		case T_LT: r = c < 0; break;
		case T_GT: r = c > 0; break;
		case T_LE: r = c <= 0; break;
		default: r = c >= 0; break;
		}
		val_free(vp);
		val_num(vp, r ? 1 : 0);
	}
	if (rc)
		val_free(vp);
	return rc;
}

static int parse_and(struct parser *ps, struct val *vp)
{
	int rc;

	*vp = (struct val){0};
	rc = parse_cmp(ps, vp);

	while (!rc && ps->tok == T_AND) {
		struct val b;

		if ((rc = next(ps)) || (rc = parse_cmp(ps, &b)))
			break;
		if (zero_or_null(vp) || zero_or_null(&b)) {
			val_free(vp);
			val_num(vp, 0);
		}
		val_free(&b);
	}
	if (rc)
		val_free(vp);
	return rc;
}

static int parse_or(struct parser *ps, struct val *vp)
{
	int rc;

	*vp = (struct val){0};
	rc = parse_and(ps, vp);

	while (!rc && ps->tok == T_OR) {
		struct val b;

		if ((rc = next(ps)) || (rc = parse_and(ps, &b)))
			break;
		if (zero_or_null(vp)) {
			val_free(vp);
			*vp = b;
		} else {
			val_free(&b);
		}
	}
	if (rc)
		val_free(vp);
	return rc;
}

/* The ternary's test: 0, "" and the two characters "" are false. */
static bool cond_true(struct val *v)
{
	if (v->is_num)
		return v->n != 0;
	if (v->len == 0 || (v->len == 2 && v->quoted))
		return false;
	return !(to_num(v) && v->n == 0);
}

static int parse_expr(struct parser *ps, struct val *vp)
{
	int rc;

	*vp = (struct val){0};
	rc = parse_or(ps, vp);

	while (!rc && ps->tok == T_COND) {
		struct val a, b;

		if ((rc = next(ps)) || (rc = parse_or(ps, &a)))
			break;
		if ((rc = expect(ps, T_ELSE)) || (rc = parse_or(ps, &b))) {
			val_free(&a);
			break;
		}
		bool t = cond_true(vp);
		val_free(vp);
		if (t) {
			*vp = a;
			val_free(&b);
		} else {
			*vp = b;
			val_free(&a);
		}
	}
	if (rc)
		val_free(vp);
	return rc;
}

/* Evaluate into a heap string. */
static int eval(const char *expr, size_t len, char **resultp, size_t *lenp)
{
	struct parser ps = {.p = expr, .end = expr + len};
	struct val v;
	int rc;

	*resultp = NULL;
	if ((rc = next(&ps)))
		goto syntax;
	if (ps.tok == T_END) {
		rc = val_str(&v, "", 0, false);
		goto done;
	}
	if ((rc = parse_expr(&ps, &v)))
		goto syntax;
	if (ps.tok != T_END) {
		val_free(&v);
		rc = -EINVAL;
		goto syntax;
	}
	rc = to_str(&v);
	if (rc)
		val_free(&v);
done:
	if (rc)
		return rc;
	*resultp = v.s;
	*lenp = v.len;
	return 0;
syntax:
	if (rc != -EINVAL)
		return rc;
	*resultp = strdup("0");
	*lenp = 1;
	return *resultp ? -EINVAL : -ENOMEM;
}

int dp_expr_eval_alloc(const char *expr, size_t len, char **resultp)
{
	size_t n;

	return eval(expr, len, resultp, &n);
}

int dp_expr_eval(const char *expr, size_t len, char *out, size_t outsize)
{
	char *r;
	size_t n;
	int rc = eval(expr, len, &r, &n);

	if (!r) {
		out[0] = '\0';
		return rc;
	}
	if (n >= outsize) {
		n = outsize - 1;
		if (!rc)
			rc = -ENOSPC;
	}
	memcpy(out, r, n);
	out[n] = '\0';
	free(r);
	return rc;
}
