/*
 * Logger: formats each message once and writes it to the output channels
 * chosen in logger.conf (the console and files under astlogdir) and to the
 * registered sinks (remote consoles).
 *
 * DESIGN
 * One mutex serialises output so lines never interleave.  The verbosity
 * and debug levels are atomics read without the lock, so a disabled
 * zv_verb()/zv_debug() costs one load.  The configuration (which levels go
 * where) is replaced as a whole by zv_log__configure().
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <zvonok/log.h>

#include "core/internal.h"

static const char *const level_names[ZV_LOG__COUNT] = {
	[ZV_LOG_DEBUG] = "DEBUG",     [ZV_LOG_VERBOSE] = "VERBOSE",
	[ZV_LOG_NOTICE] = "NOTICE",   [ZV_LOG_WARNING] = "WARNING",
	[ZV_LOG_ERROR] = "ERROR",     [ZV_LOG_SECURITY] = "SECURITY",
};

struct zv_log_sink {
	struct zv_log_sink *next;
	zv_log_sink_cb *cb;
	void *arg;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int verbose_level;
static atomic_int debug_level;
static _Thread_local const char *thread_callid;
static struct zv_log_sink *sinks;
static struct zv_log_channel *channels; /* guarded by log_lock */
static FILE *console; /* NULL: no console output (daemonised) */
static char dateformat[64] = "%b %e %T";

const char *zv_log_level_name(enum zv_log_level level)
{
	return (unsigned)level < ZV_LOG__COUNT ? level_names[level] : NULL;
}

int zv_log_verbose_level(void)
{
	return atomic_load_explicit(&verbose_level, memory_order_relaxed);
}

int zv_log_debug_level(void)
{
	return atomic_load_explicit(&debug_level, memory_order_relaxed);
}

void zv_log_set_verbose(int level)
{
	atomic_store(&verbose_level, level < 0 ? 0 : level);
}

void zv_log_set_debug(int level)
{
	atomic_store(&debug_level, level < 0 ? 0 : level);
}

void zv_log_set_callid(const char *callid)
{
	thread_callid = callid;
}

const char *zv_log_callid(void)
{
	return thread_callid;
}

void zv_log__set_console(FILE *f)
{
	pthread_mutex_lock(&log_lock);
	console = f;
	pthread_mutex_unlock(&log_lock);
}

void zv_log__channels_free(struct zv_log_channel *c)
{
	while (c) {
		struct zv_log_channel *next = c->next;
		if (c->fp)
			fclose(c->fp);
		free(c->path);
		free(c);
		c = next;
	}
}

void zv_log__configure(struct zv_log_channel *list, const char *datefmt)
{
	pthread_mutex_lock(&log_lock);
	struct zv_log_channel *old = channels;
	channels = list;
	if (datefmt)
		snprintf(dateformat, sizeof(dateformat), "%s", datefmt);
	pthread_mutex_unlock(&log_lock);
	zv_log__channels_free(old);
}

void zv_log__shutdown(void)
{
	zv_log__configure(NULL, NULL);
}

static const char *verbose_prefix(int sublevel)
{
	switch (sublevel) {
	case 0:
	case 1:
		return "";
	case 2:
		return "  == ";
	case 3:
		return "    -- ";
	default:
		return "       > ";
	}
}

static bool channel_wants(const struct zv_log_channel *c,
			  enum zv_log_level level, int sublevel)
{
	if (!(c->levels & (1u << level)))
		return false;
	if (level == ZV_LOG_VERBOSE)
		return sublevel <= (c->verbose >= 0 ? c->verbose : zv_log_verbose_level());
	if (level == ZV_LOG_DEBUG)
		return sublevel <= zv_log_debug_level();
	return true;
}

void zv_logv(enum zv_log_level level, int sublevel, const char *module,
	     const char *fmt, va_list ap)
{
	if ((unsigned)level >= ZV_LOG__COUNT)
		return;
	/* Per thread, not on the stack: a dialplan coroutine that logs would
	 * otherwise keep these 6.5 KiB of its stack resident for the call's
	 * life.  Nothing in here yields or logs again. */
	static _Thread_local char msg[2048], line[2300], vline[2200];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t mlen = strlen(msg);
	while (mlen && msg[mlen - 1] == '\n')
		msg[--mlen] = '\0';

	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);

	char callid[40] = "";
	if (thread_callid)
		snprintf(callid, sizeof(callid), "[%s]", thread_callid);
	long tid = (long)syscall(SYS_gettid);

	pthread_mutex_lock(&log_lock);
	if (!strftime(when, sizeof(when), dateformat, &tm))
		when[0] = '\0';
	/* Full form for files and sinks; verbose lines on a console carry
	 * only their prefix, as Asterisk's console does. */
	if (level == ZV_LOG_VERBOSE)
		snprintf(line, sizeof(line), "[%s] VERBOSE[%ld]%s %s: %s%s", when,
			 tid, callid, module, verbose_prefix(sublevel), msg);
	else
		snprintf(line, sizeof(line), "[%s] %s[%ld]%s %s: %s", when,
			 level_names[level], tid, callid, module, msg);
	if (level == ZV_LOG_VERBOSE)
		snprintf(vline, sizeof(vline), "%s%s", verbose_prefix(sublevel), msg);

	for (struct zv_log_channel *c = channels; c; c = c->next) {
		if (!channel_wants(c, level, sublevel))
			continue;
		if (c->is_console) {
			if (console) {
				fputs(level == ZV_LOG_VERBOSE ? vline : line, console);
				fputc('\n', console);
				fflush(console);
			}
		} else if (c->fp) {
			fputs(line, c->fp);
			fputc('\n', c->fp);
			fflush(c->fp);
		}
	}
	if (!channels && console && level >= ZV_LOG_NOTICE) {
		/* Before logger.conf is read: notices and worse to the console. */
		fputs(line, console);
		fputc('\n', console);
		fflush(console);
	}
	for (struct zv_log_sink *s = sinks; s; s = s->next)
		s->cb(s->arg, level, sublevel,
		      level == ZV_LOG_VERBOSE ? vline : line);
	pthread_mutex_unlock(&log_lock);
}

void zv_log(enum zv_log_level level, int sublevel, const char *module,
	    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	zv_logv(level, sublevel, module, fmt, ap);
	va_end(ap);
}

struct zv_log_sink *zv_log_sink_add(zv_log_sink_cb *cb, void *arg)
{
	struct zv_log_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cb = cb;
	s->arg = arg;
	pthread_mutex_lock(&log_lock);
	s->next = sinks;
	sinks = s;
	pthread_mutex_unlock(&log_lock);
	return s;
}

void zv_log_sink_remove(struct zv_log_sink *sink)
{
	if (!sink)
		return;
	pthread_mutex_lock(&log_lock);
	for (struct zv_log_sink **pp = &sinks; *pp; pp = &(*pp)->next) {
		if (*pp == sink) {
			*pp = sink->next;
			break;
		}
	}
	pthread_mutex_unlock(&log_lock);
	free(sink);
}

/* Parse a logger.conf level list ("notice,warning,error,verbose(3)" or
 * "*") into c.  Unknown words are reported through diag. */
int zv_log__parse_levels(struct zv_log_channel *c, const char *spec,
			 struct zv_diag *diag, const char *file, unsigned line)
{
	c->levels = 0;
	c->verbose = -1;
	char *copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	char *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		while (*w == ' ' || *w == '\t')
			w++;
		char *end = w + strlen(w);
		while (end > w && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*w)
			continue;
		if (!strcmp(w, "*")) {
			c->levels = ~0u;
			continue;
		}
		int sub = -1;
		char *paren = strchr(w, '(');
		if (paren) {
			*paren = '\0';
			sub = atoi(paren + 1);
		}
		bool found = false;
		for (int l = 0; l < ZV_LOG__COUNT; l++) {
			if (!strcasecmp(w, level_names[l])) {
				c->levels |= 1u << l;
				if (l == ZV_LOG_VERBOSE)
					c->verbose = sub;
				found = true;
			}
		}
		if (!found && strcasecmp(w, "dtmf") && strcasecmp(w, "fax"))
			zv_diag_warn(diag, file, line, "unknown log level '%s'", w);
	}
	free(copy);
	return 0;
}
