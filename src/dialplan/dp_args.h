/*
 * Splitting an application's argument string into arguments, as Asterisk
 * applications see them (its standard and non-standard app-args macros).
 *
 * Pure and thread-safe; works in place on a buffer the caller owns.
 */
#ifndef ZV_DP_ARGS_H
#define ZV_DP_ARGS_H

#include <stddef.h>

/* Keep double quotes and backslashes in the arguments (Asterisk's "raw"). */
#define DP_ARGS_RAW 0x1u

/*
 * Split buf (NUL-terminated, modified in place) at delim, usually ','.
 *
 *   - A delimiter inside double quotes, or inside (...) or [...] at any
 *     depth, does not split: "Set(x=${IF($[1=1]?a:b)})" stays one
 *     argument, and so does "a(b,c".  Parentheses and brackets count even
 *     inside quotes, as in Asterisk.
 *   - Double quotes group and are removed; a backslash makes the next
 *     character ordinary and is removed (unless DP_ARGS_RAW).
 *   - Blanks are kept: "a, b" gives "a" and " b" (applications trim
 *     where they want to).
 *   - The empty string gives no argument; "a," gives "a" and "".
 *   - "|" is not a separator (it stopped being one in Asterisk 1.6).
 *
 * On return argv[0..*argcp-1] point into buf.  At most max arguments are
 * stored; text after the max-th argument is ignored, as Asterisk does.
 * Returns 0, or -EINVAL if max is 0 or delim is '"' or '\\'.
 */
int dp_args_split(char *buf, char delim, unsigned flags, char **argv,
		  size_t max, size_t *argcp);

/*
 * For applications: split a copy of data (made in *bufp, which the caller
 * frees, also on failure) with dp_args_split(..., flags 0, ...).  Returns
 * the argument count, 0 when data is empty or on ENOMEM.
 */
size_t dp_args_split_dup(const char *data, char delim, char **bufp, char **argv, size_t max);

#endif
