/*
 * Diagnostics collected while checking input that a human wrote (config
 * files, dialplan): each entry has a severity, a file and a line, so
 * `zvonok --check-config` can print every problem at once and reload can
 * report why it kept the old configuration.
 *
 * A zv_diag is owned by one thread at a time; it is not locked.
 */
#ifndef ZVONOK_DIAG_H
#define ZVONOK_DIAG_H

#include <stdarg.h>
#include <stddef.h>

enum zv_diag_sev {
	ZV_DIAG_WARNING,
	ZV_DIAG_ERROR,
};

struct zv_diag_entry {
	enum zv_diag_sev sev;
	char *file; /* may be NULL when not about a file */
	unsigned line; /* 0 when unknown */
	char *msg;
};

struct zv_diag {
	struct zv_diag_entry *v;
	size_t n, cap;
	size_t errors, warnings;
};

void zv_diag_init(struct zv_diag *d);
void zv_diag_clear(struct zv_diag *d);

/* Record a problem; file may be NULL.  Formatting failures are ignored
 * (the entry is dropped) but the error counter still counts it. */
void zv_diag_add(struct zv_diag *d, enum zv_diag_sev sev, const char *file,
		 unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void zv_diag_vadd(struct zv_diag *d, enum zv_diag_sev sev, const char *file,
		  unsigned line, const char *fmt, va_list ap);

#define zv_diag_error(d, file, line, ...)                                      \
	zv_diag_add((d), ZV_DIAG_ERROR, (file), (line), __VA_ARGS__)
#define zv_diag_warn(d, file, line, ...)                                       \
	zv_diag_add((d), ZV_DIAG_WARNING, (file), (line), __VA_ARGS__)

/* Move all entries of src to the end of dst; src is left empty. */
void zv_diag_move(struct zv_diag *dst, struct zv_diag *src);

/* Format one entry as "file:line: error: msg" into buf. */
void zv_diag_format(const struct zv_diag_entry *e, char *buf, size_t size);

#endif
