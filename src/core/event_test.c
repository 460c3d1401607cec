/*
 * Unit tests for the event bus (src/core/event.c): fields, type masks and
 * filters, synchronous delivery and delivery posted to a worker loop,
 * publish order, the caller's reference, unsubscribing, and that every
 * event and subscription is freed (zv_obj_live() back to its start).
 *
 * The test thread is the main loop (zv_loops_init()); tests that deliver to
 * a worker run the main loop until the worker says it is done.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/event.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "core/internal.h"

static long live_before;

static int setup(void **state)
{
	live_before = zv_obj_live();
	return zv_loops_init(2);
}

static int teardown(void **state)
{
	zv_loops_fini();
	assert_int_equal(zv_obj_live(), live_before);
	return 0;
}

static bool guard_fired;

static void guard_cb(void *arg)
{
	guard_fired = true;
	zv_main_loop_exit();
}

/* Run the main loop until zv_main_loop_exit(); false if it took over ms. */
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

/* ---- fields ------------------------------------------------------------ */

static void test_fields(void **state)
{
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_DEVICE_STATE, "DeviceStateChange");
	assert_non_null(ev);
	assert_int_equal(ev->type, ZV_EVENT_DEVICE_STATE);
	assert_string_equal(ev->name, "DeviceStateChange");
	assert_int_equal(ev->nfields, 0);
	assert_null(zv_event_get(ev, "Device"));

	assert_int_equal(zv_event_add(ev, "Device", "SIP/%d", 100), 0);
	assert_int_equal(zv_event_add(ev, "State", "%s", "INUSE"), 0);
	assert_int_equal(zv_event_add(ev, "device", "second"), 0);
	assert_int_equal(zv_event_add(ev, "Empty", "%s", ""), 0);
	assert_int_equal(ev->nfields, 4);

	assert_string_equal(zv_event_get(ev, "Device"), "SIP/100");
	/* Case-insensitive; the first field of a name wins. */
	assert_string_equal(zv_event_get(ev, "DEVICE"), "SIP/100");
	assert_string_equal(zv_event_get(ev, "state"), "INUSE");
	assert_string_equal(zv_event_get(ev, "empty"), "");
	assert_null(zv_event_get(ev, "Dev"));
	assert_null(zv_event_get(ev, "Devices"));
	assert_string_equal(ev->fields[2].key, "device");
	assert_string_equal(ev->fields[2].value, "second");

	/* Keys and values are copied. */
	char key[16], val[16];
	strcpy(key, "Uniqueid");
	strcpy(val, "1700000000.1");
	assert_int_equal(zv_event_add(ev, key, "%s", val), 0);
	memset(key, 'x', sizeof(key) - 1);
	memset(val, 'y', sizeof(val) - 1);
	assert_string_equal(zv_event_get(ev, "UNIQUEID"), "1700000000.1");
	zv_unref(ev);
}

static void test_many_fields(void **state)
{
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_CHANNEL, "VarSet");
	assert_non_null(ev);
	for (int i = 0; i < 100; i++)
		assert_int_equal(zv_event_add(ev, "Variable", "v%d", i), 0);
	assert_int_equal(zv_event_add(ev, "Last", "%d", 100), 0);
	assert_int_equal(ev->nfields, 101);
	for (int i = 0; i < 100; i++) {
		char want[8];
		snprintf(want, sizeof(want), "v%d", i);
		assert_string_equal(ev->fields[i].value, want);
	}
	assert_string_equal(zv_event_get(ev, "last"), "100");
	/* "%d" is formatted without printf: the edges as printf has them */
	assert_int_equal(zv_event_add(ev, "Zero", "%d", 0), 0);
	assert_int_equal(zv_event_add(ev, "Neg", "%d", -17), 0);
	assert_int_equal(zv_event_add(ev, "Min", "%d", INT_MIN), 0);
	assert_int_equal(zv_event_add(ev, "Max", "%d", INT_MAX), 0);
	assert_string_equal(zv_event_get(ev, "Zero"), "0");
	assert_string_equal(zv_event_get(ev, "Neg"), "-17");
	assert_string_equal(zv_event_get(ev, "Min"), "-2147483648");
	assert_string_equal(zv_event_get(ev, "Max"), "2147483647");
	assert_string_equal(zv_event_get(ev, "last"), "100");

	/* Values longer than a storage block, by "%s" and by a format, and
	 * the fields before them intact. */
	static char big[5000];
	memset(big, 'b', sizeof(big) - 1);
	assert_int_equal(zv_event_add(ev, "Big", "%s", big), 0);
	assert_int_equal(zv_event_add(ev, "Big2", "<%s>", big), 0);
	assert_string_equal(zv_event_get(ev, "big"), big);
	assert_int_equal(strlen(zv_event_get(ev, "big2")), sizeof(big) + 1);
	assert_string_equal(ev->fields[99].value, "v99");
	assert_int_equal(zv_obj_refs(ev), 1);
	zv_unref(ev);
}

/* ---- synchronous delivery, masks, filters ------------------------------ */

struct rec {
	int calls;
	struct zv_event *last;
	unsigned last_refs;
	uint64_t last_seq;
	pthread_t thread;
	int filter_calls;
	const char *want_device;
};

static void rec_cb(void *arg, struct zv_event *ev)
{
	struct rec *r = arg;
	r->calls++;
	r->last = ev;
	r->last_refs = zv_obj_refs(ev);
	r->last_seq = ev->seq;
	r->thread = pthread_self();
}

static bool device_filter(void *arg, const struct zv_event *ev)
{
	struct rec *r = arg;
	r->filter_calls++;
	const char *d = zv_event_get(ev, "Device");
	return d && !strcmp(d, r->want_device);
}

static struct zv_event *device_event(const char *device, const char *state)
{
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_DEVICE_STATE, "DeviceStateChange");
	assert_non_null(ev);
	assert_int_equal(zv_event_add(ev, "Device", "%s", device), 0);
	assert_int_equal(zv_event_add(ev, "State", "%s", state), 0);
	return ev;
}

static void test_sync_delivery_and_mask(void **state)
{
	struct rec dev = {0}, all = {0}, mwi = {0};
	struct zv_event_sub *sd = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_DEVICE_STATE),
						     NULL, rec_cb, &dev, NULL);
	struct zv_event_sub *sa = zv_event_subscribe(NULL, ZV_EVENT_MASK_ALL, NULL, rec_cb,
						     &all, NULL);
	struct zv_event_sub *sm = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_MWI) |
						     ZV_EVENT_MASK(ZV_EVENT_USER),
						     NULL, rec_cb, &mwi, NULL);
	assert_non_null(sd);
	assert_non_null(sa);
	assert_non_null(sm);

	struct zv_event *ev = device_event("SIP/100", "INUSE");
	zv_event_publish(ev);
	/* Synchronous: done before publish returns, in this thread, with the
	 * very event object, and without taking a reference. */
	assert_int_equal(dev.calls, 1);
	assert_ptr_equal(dev.last, ev);
	assert_true(pthread_equal(dev.thread, pthread_self()));
	assert_int_equal(dev.last_refs, 1);
	assert_int_equal(all.calls, 1);
	assert_int_equal(mwi.calls, 0);
	/* The caller keeps its reference. */
	assert_int_equal(zv_obj_refs(ev), 1);
	zv_unref(ev);

	struct zv_event *ch = zv_event_alloc(ZV_EVENT_CHANNEL, "Newchannel");
	assert_non_null(ch);
	zv_event_publish(ch);
	assert_int_equal(dev.calls, 1);
	assert_int_equal(all.calls, 2);
	assert_int_equal(mwi.calls, 0);
	zv_unref(ch);

	struct zv_event *u = zv_event_alloc(ZV_EVENT_USER, "UserEvent");
	assert_non_null(u);
	zv_event_publish(u);
	assert_int_equal(mwi.calls, 1);
	assert_int_equal(all.calls, 3);
	zv_unref(u);

	/* The last type still fits the mask. */
	struct zv_event *cdr = zv_event_alloc(ZV_EVENT__COUNT - 1, "Cdr");
	assert_non_null(cdr);
	zv_event_publish(cdr);
	assert_int_equal(all.calls, 4);
	zv_unref(cdr);

	zv_event_unsubscribe(sd);
	zv_event_unsubscribe(sa);
	zv_event_unsubscribe(sm);
	zv_event_unsubscribe(NULL);
}

static void test_filter(void **state)
{
	struct rec r = {.want_device = "SIP/200"};
	struct zv_event_sub *s = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_DEVICE_STATE),
						    device_filter, rec_cb, &r, NULL);
	assert_non_null(s);

	struct zv_event *a = device_event("SIP/100", "INUSE");
	struct zv_event *b = device_event("SIP/200", "RINGING");
	struct zv_event *c = zv_event_alloc(ZV_EVENT_CHANNEL, "Newchannel");
	assert_non_null(c);
	assert_int_equal(zv_event_add(c, "Device", "SIP/200"), 0);

	zv_event_publish(a);
	assert_int_equal(r.filter_calls, 1);
	assert_int_equal(r.calls, 0);
	zv_event_publish(b);
	assert_int_equal(r.filter_calls, 2);
	assert_int_equal(r.calls, 1);
	assert_ptr_equal(r.last, b);
	/* Masked-out types never reach the filter. */
	zv_event_publish(c);
	assert_int_equal(r.filter_calls, 2);
	assert_int_equal(r.calls, 1);

	zv_unref(a);
	zv_unref(b);
	zv_unref(c);
	zv_event_unsubscribe(s);
}

static void test_seq_and_time(void **state)
{
	struct zv_event *ev[5];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double now = (double)ts.tv_sec;
	for (int i = 0; i < 5; i++) {
		ev[i] = zv_event_alloc(ZV_EVENT_SYSTEM, "Reload");
		assert_non_null(ev[i]);
		assert_true(ev[i]->seq == 0);
		zv_event_publish(ev[i]);
		assert_true(ev[i]->seq > 0);
		if (i)
			assert_true(ev[i]->seq > ev[i - 1]->seq);
		assert_true(ev[i]->time >= now - 1 && ev[i]->time <= now + 5);
	}
	for (int i = 0; i < 5; i++)
		zv_unref(ev[i]);
}

static void test_unsubscribe_sync(void **state)
{
	struct rec r = {0};
	struct zv_event_sub *s = zv_event_subscribe(NULL, ZV_EVENT_MASK_ALL, NULL, rec_cb, &r,
						    NULL);
	assert_non_null(s);
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_SYSTEM, "Reload");
	assert_non_null(ev);
	zv_event_publish(ev);
	assert_int_equal(r.calls, 1);
	zv_event_unsubscribe(s);
	zv_event_publish(ev);
	assert_int_equal(r.calls, 1);
	zv_unref(ev);
}

/* A subscriber that keeps the event takes its own reference; the event
 * outlives the publisher's reference. */
static struct zv_event *kept;

static void keep_cb(void *arg, struct zv_event *ev)
{
	kept = zv_ref(ev);
}

static void test_subscriber_keeps_event(void **state)
{
	kept = NULL;
	struct zv_event_sub *s = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_MWI), NULL,
						    keep_cb, NULL, NULL);
	assert_non_null(s);
	long live = zv_obj_live();
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_MWI, "MessageWaiting");
	assert_non_null(ev);
	assert_int_equal(zv_event_add(ev, "Mailbox", "100@default"), 0);
	zv_event_publish(ev);
	assert_ptr_equal(kept, ev);
	assert_int_equal(zv_obj_refs(ev), 2);
	ev = zv_unref(ev);
	assert_int_equal(zv_obj_live(), live + 1);
	assert_string_equal(zv_event_get(kept, "mailbox"), "100@default");
	kept = zv_unref(kept);
	assert_int_equal(zv_obj_live(), live);
	zv_event_unsubscribe(s);
}

/* ---- delivery posted to a worker --------------------------------------- */

#define NPUB 200

static struct {
	struct zv_loop *loop;
	atomic_int calls, wrong_loop, out_of_order, bad_field;
	uint64_t last_seq; /* worker only */
	unsigned refs_seen_min; /* worker only */
	struct zv_event *evs[NPUB];
} posted;

static void drained(void *arg)
{
	zv_main_loop_exit();
}

static void posted_cb(void *arg, struct zv_event *ev)
{
	if (arg != &posted)
		atomic_fetch_add(&posted.bad_field, 1000);
	if (!zv_loop_is_current(posted.loop))
		atomic_fetch_add(&posted.wrong_loop, 1);
	if (ev->seq <= posted.last_seq)
		atomic_fetch_add(&posted.out_of_order, 1);
	posted.last_seq = ev->seq;
	unsigned refs = zv_obj_refs(ev);
	if (refs < posted.refs_seen_min)
		posted.refs_seen_min = refs;
	const char *n = zv_event_get(ev, "N");
	int calls = atomic_fetch_add(&posted.calls, 1);
	if (!n || atoi(n) != calls)
		atomic_fetch_add(&posted.bad_field, 1);
	if (calls + 1 == NPUB)
		/* Runs after this delivery has dropped its references. */
		zv_loop_post(posted.loop, drained, NULL);
}

static void test_posted_delivery(void **state)
{
	memset(&posted, 0, sizeof(posted));
	posted.loop = zv_worker_peek(1);
	posted.refs_seen_min = 1000;
	struct zv_event_sub *s = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_USER), NULL,
						    posted_cb, &posted, posted.loop);
	assert_non_null(s);
	for (int i = 0; i < NPUB; i++) {
		posted.evs[i] = zv_event_alloc(ZV_EVENT_USER, "UserEvent");
		assert_non_null(posted.evs[i]);
		assert_int_equal(zv_event_add(posted.evs[i], "N", "%d", i), 0);
		zv_event_publish(posted.evs[i]);
	}
	assert_true(run_main(3000));
	assert_int_equal(posted.calls, NPUB);
	assert_int_equal(posted.wrong_loop, 0);
	assert_int_equal(posted.out_of_order, 0);
	assert_int_equal(posted.bad_field, 0);
	/* The delivery held its own reference while the callback ran... */
	assert_true(posted.refs_seen_min >= 2);
	/* ...and dropped it afterwards: only the publisher's is left. */
	for (int i = 0; i < NPUB; i++) {
		assert_int_equal(zv_obj_refs(posted.evs[i]), 1);
		posted.evs[i] = zv_unref(posted.evs[i]);
	}
	zv_event_unsubscribe(s);
}

/* The publisher may drop its reference right after publishing: the queued
 * delivery keeps the event alive until it has run. */
static void test_posted_outlives_publisher_ref(void **state)
{
	memset(&posted, 0, sizeof(posted));
	posted.loop = zv_worker_peek(0);
	posted.refs_seen_min = 1000;
	struct zv_event_sub *s = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_USER), NULL,
						    posted_cb, &posted, posted.loop);
	assert_non_null(s);
	for (int i = 0; i < NPUB; i++) {
		struct zv_event *ev = zv_event_alloc(ZV_EVENT_USER, "UserEvent");
		assert_non_null(ev);
		assert_int_equal(zv_event_add(ev, "N", "%d", i), 0);
		zv_event_publish(ev);
		zv_unref(ev);
	}
	assert_true(run_main(3000));
	assert_int_equal(posted.calls, NPUB);
	assert_int_equal(posted.bad_field, 0);
	assert_int_equal(posted.out_of_order, 0);
	assert_true(posted.refs_seen_min >= 1);
	zv_event_unsubscribe(s);
	/* teardown checks every event was freed */
}

/* Unsubscribing while a delivery waits in the worker's queue: it does not
 * run (event.c's DESIGN: it finds the subscription dead) and it frees what
 * it holds; later publishes are not delivered at all. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open, gate_reached;

static void gate(void *arg)
{
	pthread_mutex_lock(&gate_lock);
	gate_reached = true;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

static void test_unsubscribe_queued(void **state)
{
	memset(&posted, 0, sizeof(posted));
	posted.loop = zv_worker_peek(1);
	struct zv_event_sub *s = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_USER), NULL,
						    posted_cb, &posted, posted.loop);
	assert_non_null(s);

	/* Hold the worker so the delivery stays queued. */
	gate_open = gate_reached = false;
	assert_int_equal(zv_loop_post(posted.loop, gate, NULL), 0);
	pthread_mutex_lock(&gate_lock);
	while (!gate_reached)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);

	struct zv_event *ev = zv_event_alloc(ZV_EVENT_USER, "UserEvent");
	assert_non_null(ev);
	assert_int_equal(zv_event_add(ev, "N", "0"), 0);
	zv_event_publish(ev);
	assert_int_equal(zv_obj_refs(ev), 2); /* the queued delivery's */
	zv_event_unsubscribe(s);
	zv_event_publish(ev); /* not delivered: no new reference */
	assert_int_equal(zv_obj_refs(ev), 2);

	assert_int_equal(zv_loop_post(posted.loop, drained, NULL), 0);
	pthread_mutex_lock(&gate_lock);
	gate_open = true;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	assert_true(run_main(2000));

	assert_int_equal(posted.calls, 0);
	assert_int_equal(zv_obj_refs(ev), 1);
	zv_unref(ev);
	/* teardown: the subscription itself was freed too */
}

/* ---- several publishers ------------------------------------------------ */

#define NTHREADS 4
#define PER_THREAD 500

static struct {
	atomic_int sync_calls;
	atomic_int posted_calls, out_of_order, wrong_loop;
	int next[NTHREADS]; /* worker only */
	struct zv_loop *loop;
} multi;

static void multi_sync_cb(void *arg, struct zv_event *ev)
{
	atomic_fetch_add(&multi.sync_calls, 1);
}

static void multi_posted_cb(void *arg, struct zv_event *ev)
{
	if (!zv_loop_is_current(multi.loop))
		atomic_fetch_add(&multi.wrong_loop, 1);
	int t = atoi(zv_event_get(ev, "T"));
	int n = atoi(zv_event_get(ev, "N"));
	/* Publish order per publisher. */
	if (t < 0 || t >= NTHREADS || multi.next[t] != n)
		atomic_fetch_add(&multi.out_of_order, 1);
	else
		multi.next[t] = n + 1;
	if (atomic_fetch_add(&multi.posted_calls, 1) + 1 == NTHREADS * PER_THREAD)
		zv_loop_post(multi.loop, drained, NULL);
}

static void *publisher(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int i = 0; i < PER_THREAD; i++) {
		struct zv_event *ev = zv_event_alloc(ZV_EVENT_CHANNEL, "Newstate");
		if (!ev)
			continue;
		zv_event_add(ev, "T", "%d", t);
		zv_event_add(ev, "N", "%d", i);
		zv_event_publish(ev);
		zv_unref(ev);
	}
	return NULL;
}

static void test_many_publishers(void **state)
{
	memset(&multi, 0, sizeof(multi));
	multi.loop = zv_worker_peek(0);
	struct zv_event_sub *ss = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_CHANNEL), NULL,
						     multi_sync_cb, NULL, NULL);
	struct zv_event_sub *sp = zv_event_subscribe(NULL, ZV_EVENT_MASK(ZV_EVENT_CHANNEL), NULL,
						     multi_posted_cb, NULL, multi.loop);
	assert_non_null(ss);
	assert_non_null(sp);
	pthread_t th[NTHREADS];
	for (int t = 0; t < NTHREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, publisher, (void *)(intptr_t)t), 0);
	bool ok = run_main(5000);
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	assert_true(ok);
	assert_int_equal(multi.sync_calls, NTHREADS * PER_THREAD);
	assert_int_equal(multi.posted_calls, NTHREADS * PER_THREAD);
	assert_int_equal(multi.out_of_order, 0);
	assert_int_equal(multi.wrong_loop, 0);
	zv_event_unsubscribe(ss);
	zv_event_unsubscribe(sp);
}

/* ---- unsubscribing from a synchronous callback ------------------------- */

static struct zv_event_sub *self_sub;
static int self_calls;

static void unsubscribe_self_cb(void *arg, struct zv_event *ev)
{
	self_calls++;
	zv_event_unsubscribe(self_sub);
}

/*
 * A one-shot subscriber that unsubscribes itself from its synchronous
 * callback (nothing in event.h forbids it).  Run in a child with an alarm:
 * a deadlock fails this test instead of hanging the run.
 */
static void test_unsubscribe_from_sync_callback(void **state)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		alarm(2);
		self_sub = zv_event_subscribe(NULL, ZV_EVENT_MASK_ALL, NULL,
					      unsubscribe_self_cb, NULL, NULL);
		struct zv_event *ev = zv_event_alloc(ZV_EVENT_SYSTEM, "Reload");
		if (!self_sub || !ev)
			_exit(2);
		zv_event_publish(ev);
		zv_event_publish(ev);
		zv_unref(ev);
		_exit(self_calls == 1 ? 0 : 1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		fail_msg("zv_event_unsubscribe() inside a synchronous callback deadlocks");
	if (WIFSIGNALED(status))
		fail_msg("child died of signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_delivery_and_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_and_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsubscribe_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subscriber_keeps_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_posted_delivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_posted_outlives_publisher_ref, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unsubscribe_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_publishers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsubscribe_from_sync_callback, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
