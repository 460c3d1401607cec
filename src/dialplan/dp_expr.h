/*
 * The $[...] expression evaluator of the dialplan.
 *
 * Evaluates the text between "$[" and "]" after ${...} substitution, with
 * Asterisk's operators and result rules (see dp_expr.c for the grammar and
 * the list of behaviours checked against Asterisk's documentation).
 *
 * Pure and thread-safe: no global state, no logging.  The caller (the
 * substitution engine) decides how to report errors.
 */
#ifndef ZV_DP_EXPR_H
#define ZV_DP_EXPR_H

#include <stddef.h>

/* Deepest nesting of parentheses, unary operators and function calls. */
#define DP_EXPR_MAX_DEPTH 64

/*
 * Evaluate expr (len bytes, not NUL-terminated) and write the result as a
 * NUL-terminated string into out (outsize bytes, outsize >= 1).
 *
 * Returns 0 on success.  On a syntax error (including an empty operand,
 * as in "= 1" after an empty variable was substituted), a nesting deeper
 * than DP_EXPR_MAX_DEPTH or a call of an unknown function it returns
 * -EINVAL and writes "0", the value Asterisk substitutes when its parser
 * gives up; the engine logs a warning and goes on with that "0".  Returns
 * -ENOSPC if the result did not fit (out then holds it truncated) and
 * -ENOMEM if an allocation failed (out is "").
 *
 * Run-time problems that Asterisk only warns about (division by zero,
 * non-numeric operands of arithmetic, a bad regular expression) are not
 * errors: they produce Asterisk's substitute values.
 */
int dp_expr_eval(const char *expr, size_t len, char *out, size_t outsize);

/*
 * As dp_expr_eval(), but the result is a new heap string in *resultp
 * (free() it), of any length.  *resultp is set on success and on -EINVAL
 * ("0"); on -ENOMEM it is NULL.
 */
int dp_expr_eval_alloc(const char *expr, size_t len, char **resultp);

#endif
