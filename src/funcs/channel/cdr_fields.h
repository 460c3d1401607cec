/*
 * A name/value list kept in a channel datastore (SHARED() variables), as
 * parallel arrays of heap strings (names compare case-insensitively).
 * Loop thread of the channel only.  (It held CDR() fields before the CDR
 * engine in src/cdr existed, hence the name.)
 */
#ifndef ZV_FUNCS_CHANNEL_CDR_FIELDS_H
#define ZV_FUNCS_CHANNEL_CDR_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

struct zv_channel;

struct cdr_fields {
	char **names;
	char **values;
	size_t n;
};

#endif
