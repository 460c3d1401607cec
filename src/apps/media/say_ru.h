/*
 * Russian number rules for SayNumber (language ru): which prompt files say
 * a number.
 *
 * Pure (no I/O): whether a file exists is asked through `exists`, so the
 * caller runs it where stat() may block (the blocking pool) and a unit
 * test can give any prompt set.
 */
#ifndef ZV_APPS_MEDIA_SAY_RU_H
#define ZV_APPS_MEDIA_SAY_RU_H

#include <stdbool.h>
#include <stddef.h>

#define SAY_NAME_LEN 32

typedef bool(say_exists_fn)(void *arg, const char *name);

/*
 * The prompt names ("digits/20", "digits/thousands-i"...) for v, gender
 * 'm' (default), 'f' or 'n' for the last group (thousands are feminine).
 * Names missing from the prompt set are replaced by the nearest ones
 * present (see say_ru.c).  Returns the number of names (at most max).
 */
size_t say_ru_number(long long v, char gender, say_exists_fn *exists, void *arg,
		     char names[][SAY_NAME_LEN], size_t max);

#endif
