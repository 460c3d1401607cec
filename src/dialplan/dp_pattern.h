/*
 * Extension patterns: matching a dialled number (or a caller ID) against
 * an extension name, and the order in which patterns are tried.
 *
 * An extension name that starts with "_" is a pattern:
 *	X	any digit 0-9; Z 1-9; N 2-9
 *	[...]	one character of a set: "[13-5a-c]" (X, Z, N literal)
 *	.	one or more characters of anything; the rest of the pattern
 *		is ignored
 *	!	zero or more characters of anything: matches at once
 *	-	ignored (written for readability: "_1-NXX-NXX-XXXX")
 *	other	itself, byte for byte ("x", "z", "n" are the classes too)
 * Any other name matches only itself, exactly.
 *
 * The caller-ID half of "100/_NXXXXXX" is matched by the same functions:
 * the caller splits the name at "/" and passes each half.
 *
 * All functions are pure and thread-safe.  Views are not NUL-terminated.
 */
#ifndef ZV_DP_PATTERN_H
#define ZV_DP_PATTERN_H

#include <stdbool.h>

#include <zvonok/str.h>

/* Does the name start with "_"? */
bool dp_pattern_is_pattern(struct zv_str name);

/* Does the whole of data match name (an exact name or a pattern)? */
bool dp_pattern_match(struct zv_str name, struct zv_str data);

/*
 * Can data match name, now or once more digits arrive?  True when it
 * matches now, or when data is a prefix of something that would match
 * (Asterisk's "canmatch").  The empty data can match every name but one
 * that matches nothing, such as "_[]".
 */
bool dp_pattern_canmatch(struct zv_str name, struct zv_str data);

/*
 * Could data match name with at least one more character (overlap
 * dialling: keep waiting for digits)?  True for "_9." and "9" (one more
 * digit would match), for "_X!" and "4" ("!" always can take more), false
 * for "_NXX" and "555".
 */
bool dp_pattern_matchmore(struct zv_str name, struct zv_str data);

/*
 * Order of precedence between two extension names, for sorting: < 0 if a
 * is tried before b, > 0 if after, 0 only for identical names.
 *
 * Exact names come before all patterns and sort among themselves by byte
 * order (ignoring "-").  Patterns are compared position by position: the
 * position whose character class is smaller wins (a literal is a class of
 * 1, N of 8, Z of 9, X of 10, a set by its size); on equal sizes the class
 * whose lowest character is smaller wins; "." comes after every class and
 * "!" after ".".  A pattern that ends first wins.  Patterns equal by all
 * these rules sort by byte order.  This is the order in which Asterisk
 * tries the extensions of a context.
 */
int dp_pattern_cmp(struct zv_str a, struct zv_str b);

#endif
