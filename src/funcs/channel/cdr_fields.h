/*
 * The CDR fields a call sets with CDR(name)=value before the CDR engine
 * writes the record.  Kept in the channel datastore named
 * CDR_FIELDS_DATASTORE as parallel arrays of heap strings (names compare
 * case-insensitively).  Loop thread of the channel only.
 */
#ifndef ZV_FUNCS_CHANNEL_CDR_FIELDS_H
#define ZV_FUNCS_CHANNEL_CDR_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#define CDR_FIELDS_DATASTORE "cdr"

struct zv_channel;

struct cdr_fields {
	char **names;
	char **values;
	size_t n;
};

/* The channel's fields; created when create is true.  NULL if none. */
struct cdr_fields *cdr_fields_get(struct zv_channel *chan, bool create);

#endif
