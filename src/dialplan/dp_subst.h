/*
 * ${...} and $[...] substitution in dialplan text (application arguments,
 * extension data, variable values being set).
 *
 * Variables and functions are looked up through callbacks, so this code
 * knows nothing of channels; the engine supplies them.  Pure apart from
 * the callbacks; thread-safe if they are.
 */
#ifndef ZV_DP_SUBST_H
#define ZV_DP_SUBST_H

#include <stddef.h>

/* Size of the buffer handed to get_var() and read_func(). */
#define DP_SUBST_VALUE_MAX 8192
/* Deepest nesting of ${...} and $[...] inside one another. */
#define DP_SUBST_MAX_DEPTH 32
/* Longest result of dp_subst_alloc() when the caller passes limit 0. */
#define DP_SUBST_DEFAULT_LIMIT 65536

struct dp_subst_ops {
	/*
	 * Write the value of variable name (NUL-terminated) into buf (size
	 * bytes, NUL-terminated, truncated if need be).  Return 0, or
	 * -ENOENT if it is not set (it then expands to nothing).  May be
	 * NULL: no variable is set.
	 */
	int (*get_var)(void *ctx, const char *name, char *buf, size_t size);
	/*
	 * Call dialplan function name with the argument string args (the text
	 * between the parentheses, already substituted, not yet split) and
	 * write its result into buf as get_var() does.  Return 0 or a
	 * negative errno (the call then expands to nothing).  May be NULL.
	 */
	int (*read_func)(void *ctx, const char *name, const char *args,
			 char *buf, size_t size);
	/*
	 * Optional: told of each problem Asterisk would log a warning for:
	 * what is a short description, text the offending text.
	 */
	void (*warn)(void *ctx, const char *what, const char *text);
};

/*
 * Substitute in (len bytes, not NUL-terminated) into out (outsize bytes,
 * outsize >= 1, always NUL-terminated).
 *
 *   ${NAME}		variable; ${NAME:offset} and ${NAME:offset:length}
 *			take a substring: a negative offset counts from the
 *			end, a negative length drops that many characters
 *			from the end (as Asterisk does)
 *   ${FUNC(args)}	function call, with the same :offset:length
 *   ${A${B}}		the name is substituted first
 *   $[expr]		expression, evaluated after the substitution inside
 *			it; an invalid one yields "0" (and a warning)
 *
 * Values and function results are inserted as they are, never substituted
 * again.  "$" not followed by "{" or "[" is literal, and so is a "${" or
 * "$[" whose closing bracket is missing (with a warning).
 *
 * Returns 0; -ENOSPC if out was too small (out holds the truncated
 * result); -ELOOP if constructs were nested deeper than DP_SUBST_MAX_DEPTH
 * (the too-deep ones expand to nothing); -ENOMEM.  All but -ENOMEM leave a
 * usable result in out.
 */
int dp_subst(const char *in, size_t len, const struct dp_subst_ops *ops,
	     void *ctx, char *out, size_t outsize);

/*
 * As dp_subst(), into a new heap string *outp (free() it) of at most
 * limit bytes (0: DP_SUBST_DEFAULT_LIMIT); *lenp (may be NULL) gets its
 * length.  Same return values; *outp is NULL only on -ENOMEM.
 */
int dp_subst_alloc(const char *in, size_t len, const struct dp_subst_ops *ops,
		   void *ctx, size_t limit, char **outp, size_t *lenp);

#endif
