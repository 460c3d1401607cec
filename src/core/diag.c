/* Diagnostics list: every problem found in human-written input, with
 * file and line.  See include/zvonok/diag.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/diag.h>

void zv_diag_init(struct zv_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void zv_diag_clear(struct zv_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	zv_diag_init(d);
}

static void count(struct zv_diag *d, enum zv_diag_sev sev)
{
	if (sev == ZV_DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

void zv_diag_vadd(struct zv_diag *d, enum zv_diag_sev sev, const char *file,
		  unsigned line, const char *fmt, va_list ap)
{
	count(d, sev);
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct zv_diag_entry *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			return;
		d->v = v;
		d->cap = cap;
	}
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	char *f = file ? strdup(file) : NULL;
	if (file && !f) {
		free(msg);
		return;
	}
	d->v[d->n++] = (struct zv_diag_entry){sev, f, line, msg};
}

void zv_diag_add(struct zv_diag *d, enum zv_diag_sev sev, const char *file,
		 unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	zv_diag_vadd(d, sev, file, line, fmt, ap);
	va_end(ap);
}

void zv_diag_move(struct zv_diag *dst, struct zv_diag *src)
{
	/* Entries dropped for lack of memory were still counted: keep counts. */
	size_t errors = dst->errors + src->errors;
	size_t warnings = dst->warnings + src->warnings;
	for (size_t i = 0; i < src->n; i++) {
		struct zv_diag_entry *e = &src->v[i];
		zv_diag_add(dst, e->sev, e->file, e->line, "%s", e->msg);
	}
	dst->errors = errors;
	dst->warnings = warnings;
	zv_diag_clear(src);
}

void zv_diag_format(const struct zv_diag_entry *e, char *buf, size_t size)
{
	const char *sev = e->sev == ZV_DIAG_ERROR ? "error" : "warning";
	if (e->file && e->line)
		snprintf(buf, size, "%s:%u: %s: %s", e->file, e->line, sev, e->msg);
	else if (e->file)
		snprintf(buf, size, "%s: %s: %s", e->file, sev, e->msg);
	else
		snprintf(buf, size, "%s: %s", sev, e->msg);
}
