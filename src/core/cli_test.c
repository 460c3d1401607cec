/*
 * Unit tests for the CLI registry and dispatcher (src/core/cli.c).
 *
 * A command must be registered against a module handle, and the registry
 * (src/core/module.c) creates handles only for linked-in ZV_MODULE()
 * descriptors.  So this file links one of its own, "clitest", which
 * zv_modules_load_all() loads with the built-in core modules (cli, core,
 * logger, modules) from an empty configuration directory; its load()
 * hands us the handle.  Each test registers its commands against it, and
 * unloading the modules removes them.
 *
 * Covered: longest-prefix match, case-insensitive words, quoting and
 * escapes, unknown commands, usage, duplicates, help, pending commands
 * finished later on the main loop, and commands vanishing on unload.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/cli.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "core/internal.h"

/* ---- the test module ------------------------------------------------- */

static struct zv_module *test_mod;
static int test_mod_unloads;

static int clitest_load(struct zv_module *mod)
{
	test_mod = mod;
	return 0;
}

static void clitest_unload(struct zv_module *mod)
{
	test_mod_unloads++;
	test_mod = NULL;
}

ZV_MODULE(clitest) = {
	.summary = "CLI unit test commands",
	.load = clitest_load,
	.unload = clitest_unload,
};

/* ---- fixture --------------------------------------------------------- */

static char confdir[64];
static long live_before;

static int setup(void **state)
{
	live_before = zv_obj_live();
	test_mod_unloads = 0;
	strcpy(confdir, "/tmp/zv_cli_test.XXXXXX");
	if (!mkdtemp(confdir))
		return -1;
	int err = zv_loops_init(1);
	if (err)
		return err;
	struct zv_diag diag;
	zv_diag_init(&diag);
	test_mod = NULL;
	err = zv_modules_load_all(confdir, &diag);
	size_t errors = diag.errors;
	zv_diag_clear(&diag);
	if (err || errors || !test_mod)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	zv_modules_unload_all();
	zv_loops_fini();
	rmdir(confdir);
	assert_int_equal(zv_obj_live(), live_before);
	return 0;
}

/* ---- running a command ------------------------------------------------- */

struct result {
	int calls;
	enum zv_cli_result res;
	char *out;
};

static void collect(void *arg, enum zv_cli_result res, const char *output, size_t len)
{
	struct result *r = arg;
	r->calls++;
	r->res = res;
	free(r->out);
	r->out = strndup(output, len);
}

static struct result last;

/* Run line; returns the output (valid until the next run). */
static const char *run(const char *line)
{
	free(last.out);
	memset(&last, 0, sizeof(last));
	zv_cli_exec(line, collect, &last);
	assert_int_equal(last.calls, 1);
	assert_non_null(last.out);
	return last.out;
}

static void result_free(void)
{
	free(last.out);
	memset(&last, 0, sizeof(last));
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- handlers ------------------------------------------------------------ */

/* Prints which handler ran, nfixed, and every argument in brackets. */
static void print_args(struct zv_cli_req *req, const char *who, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	zv_cli_printf(req, "%s nfixed=%d argc=%d fixed=", who, nf, argc);
	for (int i = 0; i < nf; i++)
		zv_cli_printf(req, "%s%s", i ? "," : "", argv[i]);
	zv_cli_printf(req, " args=");
	for (int i = nf; i < argc; i++)
		zv_cli_printf(req, "[%s]", argv[i]);
	zv_cli_printf(req, "\n");
}

static enum zv_cli_result h_show(struct zv_cli_req *req, int argc, char **argv)
{
	print_args(req, "show", argc, argv);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result h_show_version(struct zv_cli_req *req, int argc, char **argv)
{
	print_args(req, "version", argc, argv);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result h_echo(struct zv_cli_req *req, int argc, char **argv)
{
	print_args(req, "echo", argc, argv);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result h_usage(struct zv_cli_req *req, int argc, char **argv)
{
	zv_cli_printf(req, "bad arguments\n");
	return ZV_CLI_SHOWUSAGE;
}

static enum zv_cli_result h_fail(struct zv_cli_req *req, int argc, char **argv)
{
	zv_cli_printf(req, "it failed\n");
	return ZV_CLI_FAILURE;
}

static enum zv_cli_result h_big(struct zv_cli_req *req, int argc, char **argv)
{
	/* Well past the request's first buffer. */
	for (int i = 0; i < 1000; i++)
		zv_cli_printf(req, "line %04d of a long listing\n", i);
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd test_cmds[] = {
	{"zvtest show", "Show everything", "Usage: zvtest show [what]\n", h_show},
	{"zvtest show version", "Show the version", "Usage: zvtest show version\n",
	 h_show_version},
	{"zvtest echo", "Echo arguments", "Usage: zvtest echo <args>\n", h_echo},
	{"zvtest usage", "Always wrong", "Usage: zvtest usage <right>\n", h_usage},
	{"zvtest fail", "Always fails", "Usage: zvtest fail\n", h_fail},
	{"zvtest big", "Long output", NULL, h_big},
	{NULL},
};

static void register_test_cmds(void)
{
	assert_non_null(test_mod);
	assert_int_equal(zv_cli_register(test_mod, test_cmds), 0);
}

/* ---- tests --------------------------------------------------------------- */

static void test_module_handle(void **state)
{
	assert_non_null(test_mod);
	assert_string_equal(zv_module_name(test_mod), "clitest");
	/* The built-in modules registered their commands. */
	run("core show version");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_true(!strncmp(last.out, "Zvonok ", 7));
	result_free();
}

static void test_longest_prefix(void **state)
{
	register_test_cmds();
	assert_string_equal(run("zvtest show version"),
			    "version nfixed=3 argc=3 fixed=zvtest,show,version args=\n");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_string_equal(run("zvtest show"), "show nfixed=2 argc=2 fixed=zvtest,show args=\n");
	/* "versions" is not the word "version": an argument of "zvtest show". */
	assert_string_equal(run("zvtest show versions"),
			    "show nfixed=2 argc=3 fixed=zvtest,show args=[versions]\n");
	assert_string_equal(run("zvtest show version extra"),
			    "version nfixed=3 argc=4 fixed=zvtest,show,version args=[extra]\n");
	assert_string_equal(run("zvtest show channels now"),
			    "show nfixed=2 argc=4 fixed=zvtest,show args=[channels][now]\n");
	result_free();
}

static void test_case_insensitive(void **state)
{
	register_test_cmds();
	/* Words are matched without case; handlers see them as typed. */
	assert_string_equal(run("ZVTEST Show VERSION"),
			    "version nfixed=3 argc=3 fixed=ZVTEST,Show,VERSION args=\n");
	assert_string_equal(run("zvTest sHow ArG"),
			    "show nfixed=2 argc=3 fixed=zvTest,sHow args=[ArG]\n");
	assert_string_equal(run("CORE SHOW HELP core show version"),
			    "Usage: core show version\n"
			    "       Shows Zvonok version information.\n");
	result_free();
}

static void test_quoting_and_escapes(void **state)
{
	register_test_cmds();
	assert_string_equal(run("zvtest echo \"hello world\" a\\ b c\\\"d \"\" 'x'"),
			    "echo nfixed=2 argc=7 fixed=zvtest,echo "
			    "args=[hello world][a b][c\"d][]['x']\n");
	/* Quotes join parts of one word; escapes work inside quotes. */
	assert_string_equal(run("zvtest echo pre\"fix suf\"fix \"a\\\"b\" back\\\\slash"),
			    "echo nfixed=2 argc=5 fixed=zvtest,echo "
			    "args=[prefix suffix][a\"b][back\\slash]\n");
	/* Runs of spaces and tabs separate, leading and trailing ignored. */
	assert_string_equal(run("  \tzvtest \t echo   x\t\ty  \t"),
			    "echo nfixed=2 argc=4 fixed=zvtest,echo args=[x][y]\n");
	/* A quoted fixed word is one word, so it does not match. */
	run("\"zvtest echo\" x");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	result_free();
}

static void test_unknown_command(void **state)
{
	register_test_cmds();
	assert_string_equal(run("nosuch thing here"),
			    "No such command 'nosuch thing here' (type 'core show help nosuch' "
			    "for other possible commands)\n");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	/* Only a prefix of registered commands. */
	run("zvtest");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	assert_non_null(strstr(last.out, "No such command 'zvtest'"));
	/* Abbreviations are not accepted. */
	run("zvtest sh version");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	/* An empty line does nothing, successfully. */
	assert_string_equal(run("   "), "");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_string_equal(run(""), "");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	result_free();
}

static void test_results(void **state)
{
	register_test_cmds();
	/* SHOWUSAGE: the handler's output, then the usage text. */
	assert_string_equal(run("zvtest usage 1 2"), "bad arguments\nUsage: zvtest usage <right>\n");
	assert_int_equal(last.res, ZV_CLI_SHOWUSAGE);
	assert_string_equal(run("zvtest fail"), "it failed\n");
	assert_int_equal(last.res, ZV_CLI_FAILURE);

	const char *out = run("zvtest big");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_int_equal(count_lines(out), 1000);
	assert_int_equal(strlen(out), 1000 * strlen("line 0000 of a long listing\n"));
	assert_true(!strncmp(out, "line 0000 of a long listing\n", 28));
	assert_non_null(strstr(out, "line 0999 of a long listing\n"));
	result_free();
}

static void test_duplicates(void **state)
{
	register_test_cmds();
	/* Clashes with an existing command (other case, other spacing):
	 * nothing of the array is registered. */
	static const struct zv_cli_cmd clash[] = {
		{"zvtest new one", "New", "Usage: zvtest new one\n", h_echo},
		{"ZVTEST  show", "Again", "Usage: again\n", h_echo},
		{NULL},
	};
	assert_int_equal(zv_cli_register(test_mod, clash), -EEXIST);
	run("zvtest new one");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	assert_string_equal(run("zvtest show"), "show nfixed=2 argc=2 fixed=zvtest,show args=\n");

	/* A clash inside the array itself. */
	static const struct zv_cli_cmd self_clash[] = {
		{"zvtest twice", "One", "Usage: one\n", h_echo},
		{"zvtest other", "Other", "Usage: other\n", h_echo},
		{"zvtest Twice", "Two", "Usage: two\n", h_echo},
		{NULL},
	};
	assert_int_equal(zv_cli_register(test_mod, self_clash), -EEXIST);
	run("zvtest twice");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	run("zvtest other");
	assert_int_equal(last.res, ZV_CLI_FAILURE);

	/* A built-in command from another module. */
	static const struct zv_cli_cmd builtin_clash[] = {
		{"core show version", "Mine", "Usage: mine\n", h_echo},
		{NULL},
	};
	assert_int_equal(zv_cli_register(test_mod, builtin_clash), -EEXIST);
	assert_true(!strncmp(run("core show version"), "Zvonok ", 7));

	/* The whole array again. */
	assert_int_equal(zv_cli_register(test_mod, test_cmds), -EEXIST);

	/* A non-clashing array still registers, and an empty one is fine. */
	static const struct zv_cli_cmd fresh[] = {
		{"zvtest new one", "New", "Usage: zvtest new one\n", h_echo},
		{NULL},
	};
	assert_int_equal(zv_cli_register(test_mod, fresh), 0);
	assert_string_equal(run("zvtest new one"),
			    "echo nfixed=3 argc=3 fixed=zvtest,new,one args=\n");
	static const struct zv_cli_cmd empty[] = {{NULL}};
	assert_int_equal(zv_cli_register(test_mod, empty), 0);
	result_free();
}

static void test_help(void **state)
{
	register_test_cmds();

	/* "core show" is no command: list those whose words start so. */
	const char *out = run("help core show");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_non_null(strstr(out, "core show version"));
	assert_non_null(strstr(out, "core show uptime"));
	assert_non_null(strstr(out, "core show settings"));
	assert_non_null(strstr(out, "core show threads"));
	assert_non_null(strstr(out, "core show overload"));
	assert_non_null(strstr(out, "core show help"));
	assert_null(strstr(out, "core set verbose"));
	assert_null(strstr(out, "core set debug"));
	assert_null(strstr(out, "core reload"));
	assert_null(strstr(out, "zvtest"));
	assert_null(strstr(out, "module"));
	assert_int_equal(count_lines(out), 6);
	/* One line each: the command padded to 30, then the summary. */
	assert_non_null(strstr(out, "core show version              Display version info\n"));

	/* Only our module's commands, in word order. */
	out = run("help zvtest");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_int_equal(count_lines(out), 6);
	const char *big = strstr(out, "zvtest big ");
	const char *echo = strstr(out, "zvtest echo ");
	const char *show = strstr(out, "zvtest show ");
	const char *ver = strstr(out, "zvtest show version ");
	assert_true(big && echo && show && ver);
	assert_true(big < echo && echo < show && show < ver);

	/* The last word may be a prefix. */
	out = run("help zvtest sh");
	assert_int_equal(count_lines(out), 2);
	assert_non_null(strstr(out, "zvtest show version"));

	/* A complete command: its usage. */
	assert_string_equal(run("help core show version"),
			    "Usage: core show version\n"
			    "       Shows Zvonok version information.\n");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_string_equal(run("help zvtest show"), "Usage: zvtest show [what]\n");
	/* No usage text: the summary. */
	assert_string_equal(run("help zvtest big"), "Long output");
	assert_string_equal(run("core show help zvtest show version"),
			    "Usage: zvtest show version\n");

	/* Nothing matches. */
	assert_string_equal(run("help nosuch command"), "No such command 'nosuch command'.\n");
	assert_int_equal(last.res, ZV_CLI_FAILURE);

	/* Everything, sorted by words. */
	out = run("help");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_true(count_lines(out) >= 6 + 13 + 2 + 3 + 4);
	const char *prev = NULL;
	for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
		if (prev) {
			/* Compare the command column (30 chars). */
			assert_true(strncasecmp(prev, l, 30) < 0);
		}
		prev = l;
	}
	result_free();
}

/*
 * The longest command cli.c accepts: CLI_MAX_ARGS (64) words.  Splitting
 * it must not write past the entry's words[] array (split_words() stores a
 * terminating NULL at argv[argc]); the sanitizer build reports the
 * entry's word buffer as leaked when it does.
 */
static void test_64_word_command(void **state)
{
	static char line[64 * 4 + 1];
	size_t n = 0;
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%sw%02d", i ? " " : "", i);
	static struct zv_cli_cmd cmds[2];
	cmds[0] = (struct zv_cli_cmd){line, "Long", "Usage: long\n", h_echo};
	cmds[1] = (struct zv_cli_cmd){NULL};
	assert_int_equal(zv_cli_register(test_mod, cmds), 0);
	const char *out = run(line);
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_true(!strncmp(out, "echo nfixed=64 argc=64 ", 23));
	assert_int_equal(count_lines(run("help w00 w01")), 1);
	result_free();
}

/* ---- pending commands -------------------------------------------------- */

static int pending_worker_runs;
static struct zv_loop *pending_worker_loop;

static void pending_finish(void *arg)
{
	struct zv_cli_req *req = arg;
	zv_cli_printf(req, "finished on %s\n",
		      zv_loop_is_current(zv_main_loop()) ? "main" : "elsewhere");
	zv_cli_done(req, ZV_CLI_SUCCESS);
	zv_main_loop_exit();
}

static void pending_on_worker(void *arg)
{
	/* Worker-owned data would be read here; the reply goes to main. */
	pending_worker_loop = zv_loop_current();
	pending_worker_runs++;
	zv_loop_post(zv_main_loop(), pending_finish, arg);
}

static enum zv_cli_result h_pending(struct zv_cli_req *req, int argc, char **argv)
{
	zv_cli_printf(req, "started\n");
	if (zv_loop_post(zv_worker_peek(0), pending_on_worker, zv_cli_req_ref(req))) {
		zv_cli_done(req, ZV_CLI_FAILURE);
		return ZV_CLI_FAILURE;
	}
	return ZV_CLI_PENDING;
}

static enum zv_cli_result h_pending_sync(struct zv_cli_req *req, int argc, char **argv)
{
	/* Finished before the handler even returns. */
	zv_cli_req_ref(req);
	zv_cli_printf(req, "at once\n");
	zv_cli_done(req, ZV_CLI_FAILURE);
	return ZV_CLI_PENDING;
}

static bool guard_fired;

static void guard_cb(void *arg)
{
	guard_fired = true;
	zv_main_loop_exit();
}

static bool run_main(uint32_t ms)
{
	struct zv_timer guard;
	guard_fired = false;
	assert_int_equal(zv_timer_init(&guard, zv_main_loop(), guard_cb, NULL), 0);
	assert_int_equal(zv_timer_start(&guard, ms, 0), 0);
	zv_main_loop_run();
	zv_timer_stop(&guard);
	zv_timer_fini(&guard);
	return !guard_fired;
}

static void test_pending(void **state)
{
	static const struct zv_cli_cmd cmds[] = {
		{"zvtest pending", "Later", "Usage: zvtest pending\n", h_pending},
		{"zvtest pending now", "At once", "Usage: zvtest pending now\n", h_pending_sync},
		{NULL},
	};
	assert_int_equal(zv_cli_register(test_mod, cmds), 0);

	struct result r = {0};
	pending_worker_runs = 0;
	zv_cli_exec("zvtest pending", collect, &r);
	/* Nothing delivered yet: the worker has the request. */
	assert_int_equal(r.calls, 0);
	assert_true(run_main(2000));
	assert_int_equal(pending_worker_runs, 1);
	assert_ptr_equal(pending_worker_loop, zv_worker_peek(0));
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.res, ZV_CLI_SUCCESS);
	assert_string_equal(r.out, "started\nfinished on main\n");
	/* Delivered once only, and the request is gone. */
	assert_false(run_main(20));
	assert_int_equal(r.calls, 1);
	assert_int_equal(zv_obj_live(), live_before);
	free(r.out);

	memset(&r, 0, sizeof(r));
	zv_cli_exec("zvtest pending now", collect, &r);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.res, ZV_CLI_FAILURE);
	assert_string_equal(r.out, "at once\n");
	assert_int_equal(zv_obj_live(), live_before);
	free(r.out);
}

/* ---- unloading --------------------------------------------------------- */

static void test_unload_removes_commands(void **state)
{
	register_test_cmds();
	run("zvtest show");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);

	/* Core modules refuse; ours goes, and its commands with it. */
	assert_string_equal(run("module unload cli"),
			    "Unable to unload resource cli: part of the core\n");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	assert_string_equal(run("module unload clitest"), "Unloaded clitest\n");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	assert_int_equal(test_mod_unloads, 1);
	run("zvtest show");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	assert_string_equal(run("help zvtest"), "No such command 'zvtest'.\n");
	/* Other modules' commands stay. */
	assert_true(!strncmp(run("core show version"), "Zvonok ", 7));

	/* Everything goes with zv_modules_unload_all(). */
	zv_modules_unload_all();
	run("core show version");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	run("help");
	assert_int_equal(last.res, ZV_CLI_FAILURE);
	assert_non_null(strstr(last.out, "No such command 'help'"));
	result_free();
	test_mod_unloads = 0;
}

/* Loading again after a full unload registers everything afresh. */
static void test_reload_after_unload_all(void **state)
{
	register_test_cmds();
	zv_modules_unload_all();
	struct zv_diag diag;
	zv_diag_init(&diag);
	assert_int_equal(zv_modules_load_all(confdir, &diag), 0);
	assert_int_equal(diag.errors, 0);
	zv_diag_clear(&diag);
	assert_non_null(test_mod);
	run("zvtest show");
	assert_int_equal(last.res, ZV_CLI_FAILURE); /* registered by the test, not load() */
	assert_true(!strncmp(run("core show version"), "Zvonok ", 7));
	register_test_cmds();
	run("zvtest show");
	assert_int_equal(last.res, ZV_CLI_SUCCESS);
	result_free();
	test_mod_unloads = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_module_handle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_longest_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_insensitive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quoting_and_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_64_word_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unload_removes_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_after_unload_all, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
