/*
 * Application argument splitting (contract in dp_args.h).  One pass with a
 * read and a write position: removing quotes and escapes only ever moves
 * characters left, so the arguments are compacted in place.
 */
#include <errno.h>
#include <string.h>
#include <stdbool.h>

#include "dialplan/dp_args.h"

int dp_args_split(char *buf, char delim, unsigned flags, char **argv,
		  size_t max, size_t *argcp)
{
	bool raw = flags & DP_ARGS_RAW;
	size_t argc = 0;
	char *r = buf, *w = buf;

	*argcp = 0;
	if (!max || delim == '"' || delim == '\\' || delim == '\0')
		return -EINVAL;
	if (!*buf)
		return 0;
	for (;;) {
		unsigned paren = 0, bracket = 0;
		bool quote = false, split = false;

		argv[argc++] = w;
		while (*r) {
			char c = *r++;

			if (c == '\\') {
				if (raw)
					*w++ = c;
				if (*r)
					*w++ = *r++;
				continue;
			}
			if (c == '"') {
				quote = !quote;
				if (raw)
					*w++ = c;
				continue;
			}
			if (c == '(')
				paren++;
			else if (c == ')' && paren)
				paren--;
			else if (c == '[')
				bracket++;
			else if (c == ']' && bracket)
				bracket--;
			else if (c == delim && !quote && !paren && !bracket) {
				split = true;
				break;
			}
			*w++ = c;
		}
		*w++ = '\0';
		if (!split || argc == max)
			break;
	}
	*argcp = argc;
	return 0;
}

size_t dp_args_split_dup(const char *data, char delim, char **bufp, char **argv, size_t max)
{
	size_t argc = 0;
	*bufp = strdup(data);
	if (!*bufp || dp_args_split(*bufp, delim, 0, argv, max, &argc) < 0)
		return 0;
	return argc;
}
