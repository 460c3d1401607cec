/*
 * CLI commands, as typed at `zvonok -r` or run by `zvonok -rx "..."`.
 *
 * A command is a sequence of fixed words ("core show version") followed by
 * arguments.  The longest registered word sequence that prefixes the input
 * wins.  Handlers run on the main loop; a handler that needs data owned by
 * a worker posts to it, returns ZV_CLI_PENDING and later calls
 * zv_cli_done() (from the main loop) with the output written so far.
 *
 * Output should look like Asterisk's for the same command.
 */
#ifndef ZVONOK_CLI_H
#define ZVONOK_CLI_H

#include <stdarg.h>

struct zv_module;
struct zv_cli_req;

enum zv_cli_result {
	ZV_CLI_SUCCESS = 0,
	ZV_CLI_SHOWUSAGE, /* prints the command's usage text */
	ZV_CLI_FAILURE,
	ZV_CLI_PENDING, /* the handler will call zv_cli_done() */
};

/* argv holds every word of the input (fixed words first); argc counts
 * them.  Arguments start at argv[zv_cli_nfixed(req)]. */
typedef enum zv_cli_result(zv_cli_fn)(struct zv_cli_req *req, int argc,
				       char **argv);

struct zv_cli_cmd {
	const char *command; /* fixed words, single spaces */
	const char *summary; /* one line, for `help` */
	const char *usage; /* full usage text */
	zv_cli_fn *handler;
};

/*
 * Register an array of commands ending with a {NULL} entry; the array must
 * outlive the registration.  The commands are removed when mod unloads.
 * Returns 0, -EEXIST (a command with the same words exists; nothing is
 * registered) or -ENOMEM.  Main thread.
 */
int zv_cli_register(struct zv_module *mod, const struct zv_cli_cmd *cmds);

void zv_cli_printf(struct zv_cli_req *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void zv_cli_vprintf(struct zv_cli_req *req, const char *fmt, va_list ap);
int zv_cli_nfixed(const struct zv_cli_req *req);

/* Print every entry of diag as "file:line: error: text" lines. */
struct zv_diag;
void zv_cli_print_diag(struct zv_cli_req *req, const struct zv_diag *diag);

/* Keep a request alive past the handler (for ZV_CLI_PENDING). */
struct zv_cli_req *zv_cli_req_ref(struct zv_cli_req *req);
/* Finish a pending request; drops the reference taken by
 * zv_cli_req_ref().  Main thread. */
void zv_cli_done(struct zv_cli_req *req, enum zv_cli_result result);

/*
 * Run one command line.  done(arg, result, output) runs on the main loop
 * when the command finishes (maybe before zv_cli_exec() returns); output is
 * valid only during the call.  Main thread.
 */
typedef void(zv_cli_done_cb)(void *arg, enum zv_cli_result result,
			     const char *output, size_t len);
void zv_cli_exec(const char *line, zv_cli_done_cb *done, void *arg);

#endif
