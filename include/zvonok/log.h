/*
 * Logging in Asterisk's shape: levels ERROR, WARNING, NOTICE, VERBOSE(n),
 * DEBUG(n), SECURITY, routed to channels configured in logger.conf
 * ([logfiles] console => notice,warning,error,verbose and
 * messages => notice,warning,error, files under astlogdir).
 *
 * Each line carries the level, the module tag and, when the calling thread
 * is working for a call, the call id (zv_log_set_callid()).  Example:
 *   [Nov 22 22:06:31] WARNING[4711][C-0000002a] sip: bad Via from 10.0.0.9
 * Verbose messages print on the console with Asterisk's prefixes
 * ("    -- " for level 3).
 *
 * THREADS: every function may be called from any thread.  Lines are
 * written whole (one lock around the output channels); a logging call never
 * blocks on a remote console: slow consoles drop lines.
 *
 * A file sets its module tag before including this header:
 *   #define ZV_LOG_MODULE "sip"
 */
#ifndef ZVONOK_LOG_H
#define ZVONOK_LOG_H

#include <stdarg.h>

#ifndef ZV_LOG_MODULE
#define ZV_LOG_MODULE "core"
#endif

enum zv_log_level {
	ZV_LOG_DEBUG,
	ZV_LOG_VERBOSE,
	ZV_LOG_NOTICE,
	ZV_LOG_WARNING,
	ZV_LOG_ERROR,
	ZV_LOG_SECURITY,
	ZV_LOG__COUNT
};

void zv_log(enum zv_log_level level, int sublevel, const char *module,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void zv_logv(enum zv_log_level level, int sublevel, const char *module,
	     const char *fmt, va_list ap);

#define zv_error(...) zv_log(ZV_LOG_ERROR, 0, ZV_LOG_MODULE, __VA_ARGS__)
#define zv_warn(...) zv_log(ZV_LOG_WARNING, 0, ZV_LOG_MODULE, __VA_ARGS__)
#define zv_notice(...) zv_log(ZV_LOG_NOTICE, 0, ZV_LOG_MODULE, __VA_ARGS__)
#define zv_security(...) zv_log(ZV_LOG_SECURITY, 0, ZV_LOG_MODULE, __VA_ARGS__)
/* zv_verb(3, "Executing ...") shows when the verbosity is >= 3. */
#define zv_verb(n, ...)                                                        \
	do {                                                                   \
		if (zv_log_verbose_level() >= (n))                             \
			zv_log(ZV_LOG_VERBOSE, (n), ZV_LOG_MODULE,             \
			       __VA_ARGS__);                                   \
	} while (0)
#define zv_debug(n, ...)                                                       \
	do {                                                                   \
		if (zv_log_debug_level() >= (n))                               \
			zv_log(ZV_LOG_DEBUG, (n), ZV_LOG_MODULE, __VA_ARGS__); \
	} while (0)

/* `core set verbose N` / `core set debug N`; reads are lock-free. */
int zv_log_verbose_level(void);
int zv_log_debug_level(void);
void zv_log_set_verbose(int level);
void zv_log_set_debug(int level);

/*
 * The call id shown on lines logged by this thread, e.g. "C-0000002a";
 * NULL clears it.  The string must stay valid until cleared: the channel
 * core sets it while it runs a call's work and clears it after.
 */
void zv_log_set_callid(const char *callid);
const char *zv_log_callid(void);

/* Level name as Asterisk spells it ("WARNING"); NULL if out of range. */
const char *zv_log_level_name(enum zv_log_level level);

/*
 * A sink receives every formatted line at or above its own filter, e.g. a
 * remote console.  cb runs in the logging thread with the output lock held:
 * it must not log and must not block.  line has no trailing newline.
 */
struct zv_log_sink;
typedef void(zv_log_sink_cb)(void *arg, enum zv_log_level level,
			     int sublevel, const char *line);
struct zv_log_sink *zv_log_sink_add(zv_log_sink_cb *cb, void *arg);
void zv_log_sink_remove(struct zv_log_sink *sink);

#endif
