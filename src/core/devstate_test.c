/*
 * Unit tests for device state (src/core/devstate.c): Asterisk's names and
 * numbers, the aggregation and extension-state tables for hints, the
 * cache with DeviceStateChange published once per real change (also under
 * concurrent changes), providers (unowned and module-owned), Custom:
 * devices persisted in AstDB across a module restart, and the CLI.
 * The modules run through the real registry on a temporary AstDB.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/astdb.h>
#include <zvonok/cli.h>
#include <zvonok/devstate.h>
#include <zvonok/diag.h>
#include <zvonok/event.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "core/internal.h"

static char tmpdir[64];
static char *saved_dbdir;
static long live_before;

/* A module of this test: its provider must vanish when it unloads. */
static enum zv_device_state owned_provider(void *arg, const char *device,
					   const char *resource)
{
	return ZV_DEVICE_BUSY;
}

static int owned_load(struct zv_module *mod)
{
	return zv_devstate_provider_register(mod, "Owned", owned_provider, NULL);
}

ZV_MODULE(devstate_test_owner) = {
	.summary = "devstate_test: owns a provider",
	.requires = "devstate",
	.load = owned_load,
};

static void modules_up(void)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	assert_int_equal(zv_modules_load_all(tmpdir, &diag), 0);
	zv_diag_clear(&diag);
	assert_int_equal(zv_modules_start_all(), 0);
}

static void modules_down(void)
{
	zv_modules_stop_all();
	zv_modules_unload_all();
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/zv_devstate.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	saved_dbdir = zv_settings.dbdir;
	zv_settings.dbdir = tmpdir;
	live_before = zv_obj_live();
	modules_up();
	return 0;
}

static int teardown(void **state)
{
	modules_down();
	assert_int_equal(zv_obj_live(), live_before);
	zv_settings.dbdir = saved_dbdir;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* ---- names --------------------------------------------------------------- */

static void test_names_and_values(void **state)
{
	static const struct {
		enum zv_device_state st;
		int value; /* AST_DEVICE_* */
		const char *name, *text;
	} rows[] = {
		{ZV_DEVICE_UNKNOWN, 0, "UNKNOWN", "Unknown"},
		{ZV_DEVICE_NOT_INUSE, 1, "NOT_INUSE", "Not in use"},
		{ZV_DEVICE_INUSE, 2, "INUSE", "In use"},
		{ZV_DEVICE_BUSY, 3, "BUSY", "Busy"},
		{ZV_DEVICE_INVALID, 4, "INVALID", "Invalid"},
		{ZV_DEVICE_UNAVAILABLE, 5, "UNAVAILABLE", "Unavailable"},
		{ZV_DEVICE_RINGING, 6, "RINGING", "Ringing"},
		{ZV_DEVICE_RINGINUSE, 7, "RINGINUSE", "Ring+Inuse"},
		{ZV_DEVICE_ONHOLD, 8, "ONHOLD", "On Hold"},
	};
	assert_int_equal(ZV_DEVICE__COUNT, 9);
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		assert_int_equal((int)rows[i].st, rows[i].value);
		assert_string_equal(zv_devstate_state2str(rows[i].st), rows[i].name);
		assert_string_equal(zv_devstate_describe(rows[i].st), rows[i].text);
		assert_int_equal(zv_devstate_str2state(rows[i].name), rows[i].st);
		char lower[32];
		size_t j;
		for (j = 0; rows[i].name[j]; j++)
			lower[j] = (char)tolower((unsigned char)rows[i].name[j]);
		lower[j] = '\0';
		assert_int_equal(zv_devstate_str2state(lower), rows[i].st);
	}
	assert_int_equal(zv_devstate_str2state("IN_USE"), ZV_DEVICE_UNKNOWN);
	assert_int_equal(zv_devstate_str2state(""), ZV_DEVICE_UNKNOWN);
	assert_int_equal(zv_devstate_str2state(NULL), ZV_DEVICE_UNKNOWN);
	assert_int_equal(zv_devstate_str2state("Not in use"), ZV_DEVICE_UNKNOWN);
	assert_string_equal(zv_devstate_state2str((enum zv_device_state)42), "UNKNOWN");
	assert_string_equal(zv_devstate_describe((enum zv_device_state)-1), "Unknown");
}

/* ---- aggregation ----------------------------------------------------------- */

#define U ZV_DEVICE_UNKNOWN
#define N ZV_DEVICE_NOT_INUSE
#define I ZV_DEVICE_INUSE
#define B ZV_DEVICE_BUSY
#define X ZV_DEVICE_INVALID
#define A ZV_DEVICE_UNAVAILABLE
#define R ZV_DEVICE_RINGING
#define RI ZV_DEVICE_RINGINUSE
#define H ZV_DEVICE_ONHOLD
#define END (-1)

static void test_aggregate_table(void **state)
{
	static const struct {
		int in[5]; /* ending with END */
		enum zv_device_state want;
	} rows[] = {
		{{END}, X}, /* no device at all */
		{{N, END}, N},
		{{I, END}, I},
		{{U, END}, U},
		{{X, END}, X},
		{{H, END}, H},
		{{RI, END}, RI},
		{{A, A, END}, A}, /* all unavailable */
		{{N, A, END}, N}, /* one free device is enough */
		{{A, N, END}, N},
		{{N, N, A, END}, N},
		{{U, A, END}, A},
		{{A, U, END}, A},
		{{U, N, END}, N},
		{{X, U, END}, U},
		{{X, A, END}, A},
		{{X, N, END}, N},
		{{I, R, END}, RI}, /* in use + ringing */
		{{R, I, END}, RI},
		{{B, R, END}, RI}, /* busy counts as in use */
		{{R, B, END}, RI},
		{{H, R, END}, RI}, /* so does on hold */
		{{R, H, END}, RI},
		{{B, R, N, END}, RI}, /* the flags stick */
		{{N, H, R, END}, RI},
		{{I, B, END}, B}, /* busy beats in use */
		{{B, I, END}, B},
		{{B, N, A, END}, B},
		{{I, H, END}, I}, /* in use beats hold */
		{{H, I, END}, I},
		{{H, N, END}, H},
		{{H, A, END}, H},
		{{R, N, END}, R},
		{{R, A, END}, R},
		{{R, R, END}, R},
		{{R, U, END}, R},
		{{I, I, END}, I},
		{{N, I, END}, I},
		{{I, N, A, U, END}, I},
		{{RI, N, END}, RI},
		{{RI, B, END}, RI},
		{{R, RI, END}, RI},
		{{RI, R, END}, RI},
		{{H, H, END}, H},
		{{U, U, END}, U},
		{{X, X, END}, X},
		{{42, END}, U}, /* out of range counts as unknown */
	};
	for (size_t r = 0; r < sizeof(rows) / sizeof(*rows); r++) {
		struct zv_devstate_aggregate agg;
		zv_devstate_aggregate_init(&agg);
		for (int i = 0; rows[r].in[i] != END; i++)
			zv_devstate_aggregate_add(&agg, (enum zv_device_state)rows[r].in[i]);
		enum zv_device_state got = zv_devstate_aggregate_result(&agg);
		if (got != rows[r].want)
			fail_msg("row %zu: got %s, want %s", r, zv_devstate_state2str(got),
				 zv_devstate_state2str(rows[r].want));
	}
}

static void test_extension_states(void **state)
{
	static const struct {
		enum zv_device_state dev;
		int ext;
		const char *name;
	} rows[] = {
		{ZV_DEVICE_UNKNOWN, ZV_EXTENSION_NOT_INUSE, "Idle"},
		{ZV_DEVICE_NOT_INUSE, ZV_EXTENSION_NOT_INUSE, "Idle"},
		{ZV_DEVICE_INUSE, ZV_EXTENSION_INUSE, "InUse"},
		{ZV_DEVICE_BUSY, ZV_EXTENSION_BUSY, "Busy"},
		{ZV_DEVICE_INVALID, ZV_EXTENSION_UNAVAILABLE, "Unavailable"},
		{ZV_DEVICE_UNAVAILABLE, ZV_EXTENSION_UNAVAILABLE, "Unavailable"},
		{ZV_DEVICE_RINGING, ZV_EXTENSION_RINGING, "Ringing"},
		{ZV_DEVICE_RINGINUSE, ZV_EXTENSION_INUSE | ZV_EXTENSION_RINGING, "InUse&Ringing"},
		{ZV_DEVICE_ONHOLD, ZV_EXTENSION_ONHOLD, "Hold"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		int ext = zv_devstate_to_extstate(rows[i].dev);
		assert_int_equal(ext, rows[i].ext);
		assert_string_equal(zv_extstate_str(ext), rows[i].name);
	}
	/* Asterisk's numbers, as AMI ExtensionStatus sends them in Status. */
	assert_int_equal(ZV_EXTENSION_NOT_INUSE, 0);
	assert_int_equal(ZV_EXTENSION_INUSE, 1);
	assert_int_equal(ZV_EXTENSION_BUSY, 2);
	assert_int_equal(ZV_EXTENSION_UNAVAILABLE, 4);
	assert_int_equal(ZV_EXTENSION_RINGING, 8);
	assert_int_equal(ZV_EXTENSION_ONHOLD, 16);
	assert_int_equal(ZV_EXTENSION_DEACTIVATED, -1);
	assert_int_equal(ZV_EXTENSION_REMOVED, -2);
	assert_string_equal(zv_extstate_str(ZV_EXTENSION_INUSE | ZV_EXTENSION_ONHOLD), "InUse&Hold");
	assert_string_equal(zv_extstate_str(ZV_EXTENSION_INUSE | ZV_EXTENSION_BUSY), "Unknown");
	assert_string_equal(zv_extstate_str(ZV_EXTENSION_REMOVED), "Unknown");
	assert_string_equal(zv_extstate_str(ZV_EXTENSION_DEACTIVATED), "Unknown");
	assert_int_equal(zv_devstate_to_extstate((enum zv_device_state)77), ZV_EXTENSION_NOT_INUSE);

	/* A hint SIP/1&SIP/2 with one in use and one ringing. */
	struct zv_devstate_aggregate agg;
	zv_devstate_aggregate_init(&agg);
	zv_devstate_aggregate_add(&agg, ZV_DEVICE_INUSE);
	zv_devstate_aggregate_add(&agg, ZV_DEVICE_RINGING);
	assert_string_equal(zv_extstate_str(zv_devstate_to_extstate(zv_devstate_aggregate_result(&agg))),
			    "InUse&Ringing");
}

/* ---- cache and events --------------------------------------------------- */

struct seen {
	pthread_mutex_t lock;
	int count;
	char device[64];
	char state[32];
	bool repeated; /* two events in a row with the same State */
};

static void on_event(void *arg, struct zv_event *ev)
{
	struct seen *s = arg;
	assert_int_equal(ev->type, ZV_EVENT_DEVICE_STATE);
	assert_string_equal(ev->name, "DeviceStateChange");
	pthread_mutex_lock(&s->lock);
	const char *st = zv_event_get(ev, "State");
	if (s->count && !strcmp(s->state, st) && !strcmp(s->device, zv_event_get(ev, "Device")))
		s->repeated = true;
	s->count++;
	snprintf(s->device, sizeof(s->device), "%s", zv_event_get(ev, "Device"));
	snprintf(s->state, sizeof(s->state), "%s", st);
	pthread_mutex_unlock(&s->lock);
}

static struct zv_event_sub *watch(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	struct zv_event_sub *sub = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_DEVICE_STATE),
						      NULL, on_event, s, NULL);
	assert_non_null(sub);
	return sub;
}

static void test_changes_publish_once(void **state)
{
	struct seen s;
	struct zv_event_sub *sub = watch(&s);

	assert_int_equal(zv_devstate_get("SIP/100"), ZV_DEVICE_INVALID); /* nobody knows it */
	assert_int_equal(zv_devstate_changed("SIP/100", ZV_DEVICE_INUSE), 0);
	assert_int_equal(s.count, 1);
	assert_string_equal(s.device, "SIP/100");
	assert_string_equal(s.state, "INUSE");
	assert_int_equal(zv_devstate_get("SIP/100"), ZV_DEVICE_INUSE);

	assert_int_equal(zv_devstate_changed("SIP/100", ZV_DEVICE_INUSE), 0);
	assert_int_equal(s.count, 1); /* no change, no event */
	assert_int_equal(zv_devstate_changed("SIP/100", ZV_DEVICE_NOT_INUSE), 0);
	assert_int_equal(s.count, 2);
	assert_string_equal(s.state, "NOT_INUSE");

	/* A new device reported UNKNOWN without a provider: cached, silent. */
	assert_int_equal(zv_devstate_changed("SIP/200", ZV_DEVICE_UNKNOWN), 0);
	assert_int_equal(s.count, 2);
	assert_int_equal(zv_devstate_get("SIP/200"), ZV_DEVICE_UNKNOWN);

	/* Names are exact (other than Custom:). */
	assert_int_equal(zv_devstate_get("sip/100"), ZV_DEVICE_INVALID);

	assert_int_equal(zv_devstate_changed("", ZV_DEVICE_INUSE), -EINVAL);
	assert_int_equal(zv_devstate_changed(NULL, ZV_DEVICE_INUSE), -EINVAL);
	assert_int_equal(zv_devstate_changed("SIP/1", ZV_DEVICE__COUNT), -EINVAL);
	assert_int_equal(zv_devstate_changed("SIP/1", (enum zv_device_state)-1), -EINVAL);
	assert_int_equal(s.count, 2);

	/* Many devices: the table grows and keeps them all. */
	for (int i = 0; i < 2000; i++) {
		char dev[32];
		snprintf(dev, sizeof(dev), "PJSIP/%d", i);
		assert_int_equal(zv_devstate_changed(dev, (enum zv_device_state)(1 + i % 8)), 0);
	}
	for (int i = 0; i < 2000; i++) {
		char dev[32];
		snprintf(dev, sizeof(dev), "PJSIP/%d", i);
		assert_int_equal(zv_devstate_get(dev), 1 + i % 8);
	}
	assert_int_equal(s.count, 2 + 2000);
	zv_event_unsubscribe(sub);
	pthread_mutex_destroy(&s.lock);
}

#define FLIPPERS 4
#define FLIPS 2000

static void *flipper(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < FLIPS; i++)
		zv_devstate_changed("SIP/shared",
				    (i + id) % 2 ? ZV_DEVICE_INUSE : ZV_DEVICE_NOT_INUSE);
	return NULL;
}

static void test_concurrent_changes_stay_ordered(void **state)
{
	struct seen s;
	struct zv_event_sub *sub = watch(&s);
	pthread_t t[FLIPPERS];
	for (long i = 0; i < FLIPPERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, flipper, (void *)i), 0);
	for (int i = 0; i < FLIPPERS; i++)
		pthread_join(t[i], NULL);
	/* Every event was a real change, and the last one tells the truth. */
	assert_false(s.repeated);
	assert_true(s.count >= 1);
	assert_string_equal(s.state, zv_devstate_state2str(zv_devstate_get("SIP/shared")));
	zv_event_unsubscribe(sub);
	pthread_mutex_destroy(&s.lock);
}

/* ---- providers ------------------------------------------------------------ */

struct probe {
	int calls;
	char device[64];
	char resource[64];
	enum zv_device_state answer;
};

static enum zv_device_state probe_cb(void *arg, const char *device, const char *resource)
{
	struct probe *p = arg;
	p->calls++;
	snprintf(p->device, sizeof(p->device), "%s", device);
	snprintf(p->resource, sizeof(p->resource), "%s", resource);
	return p->answer;
}

static void test_providers(void **state)
{
	struct probe p = {.answer = ZV_DEVICE_RINGING};
	assert_int_equal(zv_devstate_provider_register(NULL, "Test", probe_cb, &p), 0);
	assert_int_equal(zv_devstate_provider_register(NULL, "TEST", probe_cb, &p), -EEXIST);
	assert_int_equal(zv_devstate_provider_register(NULL, "", probe_cb, &p), -EINVAL);
	assert_int_equal(zv_devstate_provider_register(NULL, "A/B", probe_cb, &p), -EINVAL);

	assert_int_equal(zv_devstate_get("Test/100@ctx"), ZV_DEVICE_RINGING);
	assert_int_equal(p.calls, 1);
	assert_string_equal(p.device, "Test/100@ctx");
	assert_string_equal(p.resource, "100@ctx");
	assert_int_equal(zv_devstate_get("test:thing"), ZV_DEVICE_RINGING);
	assert_string_equal(p.resource, "thing");

	/* A known cached state wins over the provider... */
	assert_int_equal(zv_devstate_changed("Test/100@ctx", ZV_DEVICE_BUSY), 0);
	p.calls = 0;
	assert_int_equal(zv_devstate_get("Test/100@ctx"), ZV_DEVICE_BUSY);
	assert_int_equal(p.calls, 0);
	/* ...and UNKNOWN means "ask the provider". */
	struct seen s;
	struct zv_event_sub *sub = watch(&s);
	p.answer = ZV_DEVICE_NOT_INUSE;
	assert_int_equal(zv_devstate_changed("Test/100@ctx", ZV_DEVICE_UNKNOWN), 0);
	assert_int_equal(p.calls, 1);
	assert_int_equal(s.count, 1);
	assert_string_equal(s.state, "NOT_INUSE");
	zv_event_unsubscribe(sub);
	pthread_mutex_destroy(&s.lock);

	/* No provider, no cache: invalid; no technology at all: invalid. */
	assert_int_equal(zv_devstate_get("Nope/1"), ZV_DEVICE_INVALID);
	assert_int_equal(zv_devstate_get("plainname"), ZV_DEVICE_INVALID);
	assert_int_equal(zv_devstate_get("/x"), ZV_DEVICE_INVALID);
	assert_int_equal(zv_devstate_get(""), ZV_DEVICE_INVALID);

	assert_int_equal(zv_devstate_provider_unregister("test"), 0);
	assert_int_equal(zv_devstate_provider_unregister("Test"), -ENOENT);
	assert_int_equal(zv_devstate_get("Test/other"), ZV_DEVICE_INVALID);
}

static void test_module_owned_provider(void **state)
{
	assert_int_equal(zv_devstate_get("Owned/1"), ZV_DEVICE_BUSY);
	modules_down();
	/* Gone with its module (and the cache with devstate). */
	assert_int_equal(zv_devstate_provider_unregister("Owned"), -ENOENT);
	assert_int_equal(zv_devstate_get("Owned/1"), ZV_DEVICE_INVALID);
	modules_up();
	assert_int_equal(zv_devstate_get("Owned/1"), ZV_DEVICE_BUSY);
}

/* ---- Custom: ------------------------------------------------------------ */

static void test_custom_persists(void **state)
{
	struct seen s;
	struct zv_event_sub *sub = watch(&s);

	assert_int_equal(zv_devstate_get("Custom:lamp"), ZV_DEVICE_UNKNOWN);
	assert_int_equal(zv_devstate_set_custom("Custom:lamp", ZV_DEVICE_INUSE), 0);
	assert_int_equal(s.count, 1);
	assert_string_equal(s.device, "Custom:lamp");
	assert_int_equal(zv_devstate_get("Custom:lamp"), ZV_DEVICE_INUSE);
	char *v;
	assert_int_equal(zv_db_get("CustomDevstate", "lamp", &v), 0);
	assert_string_equal(v, "INUSE");
	free(v);

	/* The prefix in any case; stored and announced as "Custom:". */
	assert_int_equal(zv_devstate_set_custom("custom:Door", ZV_DEVICE_RINGING), 0);
	assert_string_equal(s.device, "Custom:Door");
	assert_int_equal(zv_devstate_get("CUSTOM:Door"), ZV_DEVICE_RINGING);

	assert_int_equal(zv_devstate_set_custom("SIP/100", ZV_DEVICE_INUSE), -EINVAL);
	assert_int_equal(zv_devstate_set_custom("Custom:", ZV_DEVICE_INUSE), -EINVAL);
	assert_int_equal(zv_devstate_set_custom("Custom:x", ZV_DEVICE__COUNT), -EINVAL);

	/* Written straight into AstDB (as Asterisk's DB() could): the Custom
	 * provider reads it. */
	assert_int_equal(zv_db_put("CustomDevstate", "direct", "BUSY"), 0);
	assert_int_equal(zv_devstate_get("Custom:direct"), ZV_DEVICE_BUSY);

	/* Restart: the states come back and are announced again. */
	modules_down();
	s.count = 0;
	modules_up();
	assert_int_equal(s.count, 3);
	assert_int_equal(zv_devstate_get("Custom:lamp"), ZV_DEVICE_INUSE);
	assert_int_equal(zv_devstate_get("Custom:Door"), ZV_DEVICE_RINGING);
	assert_int_equal(zv_devstate_get("Custom:direct"), ZV_DEVICE_BUSY);
	zv_event_unsubscribe(sub);
	pthread_mutex_destroy(&s.lock);
}

/* ---- CLI ---------------------------------------------------------------- */

struct cli_out {
	enum zv_cli_result result;
	char *text;
};
static struct cli_out out;

static void cli_done(void *arg, enum zv_cli_result result, const char *output, size_t len)
{
	out.result = result;
	free(out.text);
	out.text = strndup(output, len);
}

static const char *cli(const char *line, enum zv_cli_result want)
{
	out.result = -1;
	zv_cli_exec(line, cli_done, NULL);
	assert_non_null(out.text);
	if (out.result != want)
		fail_msg("'%s' -> %d (%s)", line, out.result, out.text);
	return out.text;
}

#define RULE "---------------------------------------------------------------------\n"

static void test_cli(void **state)
{
	assert_string_equal(cli("devstate list", ZV_CLI_SUCCESS),
			    "\n" RULE "--- Custom Device States --------------------------------------------\n" RULE
			    "---\n" RULE RULE "\n");
	assert_string_equal(cli("devstate change Custom:foo INUSE", ZV_CLI_SUCCESS),
			    "Changing foo to INUSE\n");
	assert_int_equal(zv_devstate_get("Custom:foo"), ZV_DEVICE_INUSE);
	cli("devstate change Custom:bar ringing", ZV_CLI_SUCCESS);
	assert_int_equal(zv_devstate_get("Custom:bar"), ZV_DEVICE_RINGING);
	assert_string_equal(cli("devstate list", ZV_CLI_SUCCESS),
			    "\n" RULE "--- Custom Device States --------------------------------------------\n" RULE
			    "---\n"
			    "--- Name: 'Custom:bar'  State: 'RINGING'\n---\n"
			    "--- Name: 'Custom:foo'  State: 'INUSE'\n---\n" RULE RULE "\n");

	assert_string_equal(cli("devstate change SIP/100 INUSE", ZV_CLI_FAILURE),
			    "The devstate command can only be used to set 'Custom:' device state!\n");
	assert_non_null(strstr(cli("devstate change Custom:foo SLEEPING", ZV_CLI_SHOWUSAGE),
			       "Usage: devstate change <device> <state>"));
	cli("devstate change Custom:foo UNKNOWN", ZV_CLI_SHOWUSAGE);
	cli("devstate change Custom: INUSE", ZV_CLI_SHOWUSAGE);
	cli("devstate change Custom:foo", ZV_CLI_SHOWUSAGE);
	cli("devstate list extra", ZV_CLI_SHOWUSAGE);
	assert_int_equal(zv_devstate_get("Custom:foo"), ZV_DEVICE_INUSE);

	/* The AstDB side shows the same thing. */
	assert_non_null(strstr(cli("database show CustomDevstate", ZV_CLI_SUCCESS),
			       "2 results found."));
	free(out.text);
	out.text = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_values),
		cmocka_unit_test(test_aggregate_table),
		cmocka_unit_test(test_extension_states),
		cmocka_unit_test_setup_teardown(test_changes_publish_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_changes_stay_ordered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_providers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_owned_provider, setup, teardown),
		cmocka_unit_test_setup_teardown(test_custom_persists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
