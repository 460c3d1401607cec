/*
 * CDR record rules from event sequences (disposition, duration, billsec,
 * which records are posted, dst kept across `h`), the fields as CDR()
 * reads them, and Asterisk's CSV line format and quoting.  No daemon, no
 * channel: the events are built by hand with chosen publish times.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/channel.h>
#include <zvonok/event.h>
#include <zvonok/obj.h>

#include "cdr/cdr.h"

/* An event as the channel core publishes it, at time t. */
static struct zv_event *ev_make(const char *name, double t, int state, const char *exten,
				int cause)
{
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_CHANNEL, name);
	assert_non_null(ev);
	zv_event_add(ev, "Channel", "%s", "Local/100@test-00000001;2");
	zv_event_add(ev, "ChannelState", "%d", state);
	zv_event_add(ev, "CallerIDNum", "%s", "555");
	zv_event_add(ev, "CallerIDName", "%s", "Alice");
	zv_event_add(ev, "AccountCode", "%s", "");
	zv_event_add(ev, "Context", "%s", "test");
	zv_event_add(ev, "Exten", "%s", exten);
	zv_event_add(ev, "Priority", "%d", 1);
	zv_event_add(ev, "Uniqueid", "%s", "1700000000.7");
	zv_event_add(ev, "Linkedid", "%s", "1700000000.7");
	if (cause >= 0)
		zv_event_add(ev, "Cause", "%d", cause);
	ev->time = t;
	return ev;
}

static void feed(struct cdr_live *l, const char *name, double t, int state, const char *exten,
		 int cause)
{
	struct zv_event *ev = ev_make(name, t, state, exten, cause);
	cdr_live_apply(l, ev);
	zv_unref(ev);
}

static struct cdr_live *start_call(double t, int state)
{
	struct zv_event *ev = ev_make("Newchannel", t, state, "100", -1);
	struct cdr_live *l = cdr_live_alloc(ev, 42);
	zv_unref(ev);
	assert_non_null(l);
	return l;
}

static void finish(struct cdr_live *l, const struct cdr_settings *s, struct cdr_record *r)
{
	struct timeval now = {.tv_sec = 2000000000};
	cdr_live_finish(l, s, &now, r);
}

static void test_answered(void **state)
{
	struct cdr_settings s;
	cdr_settings_default(&s);
	struct cdr_live *l = start_call(1000.0, ZV_STATE_RING);
	feed(l, "Newstate", 1001.2, ZV_STATE_UP, "100", -1);
	feed(l, "Hangup", 1003.3, ZV_STATE_UP, "h", ZV_CAUSE_NORMAL_CLEARING);
	struct cdr_record r;
	finish(l, &s, &r);
	assert_int_equal(r.disposition, CDR_ANSWERED);
	assert_int_equal(r.duration, 3);
	assert_int_equal(r.billsec, 2);
	assert_string_equal(r.dst, "100"); /* not the h extension */
	assert_string_equal(r.dcontext, "test");
	assert_string_equal(r.src, "555");
	assert_string_equal(r.clid, "\"Alice\" <555>");
	assert_int_equal(r.amaflags, CDR_AMA_DOCUMENTATION);
	assert_int_equal(r.sequence, 42);
	assert_int_equal(r.start.tv_sec, 1000);
	assert_int_equal(r.answer.tv_sec, 1001);
	assert_int_equal(r.end.tv_sec, 1003);
	assert_true(cdr_should_post(l, &r, &s));

	/* 2.1 s answered: initiatedseconds rounds only from half a second. */
	s.initiatedseconds = true;
	finish(l, &s, &r);
	assert_int_equal(r.billsec, 2);
	zv_unref(l);

	l = start_call(1000.0, ZV_STATE_RING);
	feed(l, "Newstate", 1001.0, ZV_STATE_UP, "100", -1);
	feed(l, "Hangup", 1003.6, ZV_STATE_UP, "100", ZV_CAUSE_NORMAL_CLEARING);
	finish(l, &s, &r);
	assert_int_equal(r.billsec, 3);
	s.initiatedseconds = false;
	finish(l, &s, &r);
	assert_int_equal(r.billsec, 2);
	zv_unref(l);
}

static void test_unanswered(void **state)
{
	struct cdr_settings s;
	cdr_settings_default(&s);
	struct cdr_record r;

	/* Busy(): state Busy, cause USER_BUSY. */
	struct cdr_live *l = start_call(10.0, ZV_STATE_RING);
	feed(l, "Newstate", 10.5, ZV_STATE_BUSY, "100", -1);
	feed(l, "Hangup", 12.0, ZV_STATE_BUSY, "100", ZV_CAUSE_USER_BUSY);
	finish(l, &s, &r);
	assert_int_equal(r.disposition, CDR_BUSY);
	assert_string_equal(cdr_disposition_name(r.disposition), "BUSY");
	assert_int_equal(r.billsec, 0);
	assert_int_equal(r.duration, 2);
	assert_int_equal(r.answer.tv_sec, 0);
	assert_false(cdr_should_post(l, &r, &s)); /* unanswered=no, no party B */
	s.unanswered = true;
	assert_true(cdr_should_post(l, &r, &s));
	zv_unref(l);

	/* Hung up before Answer. */
	l = start_call(10.0, ZV_STATE_RING);
	feed(l, "Hangup", 11.0, ZV_STATE_RING, "100", ZV_CAUSE_NORMAL_CLEARING);
	finish(l, &s, &r);
	assert_string_equal(cdr_disposition_name(r.disposition), "NO ANSWER");
	zv_unref(l);

	/* Congestion: FAILED unless congestion=yes; CONGESTION is posted
	 * even with unanswered=no, as in Asterisk (it sorts above ANSWERED). */
	l = start_call(10.0, ZV_STATE_RING);
	feed(l, "Hangup", 11.0, ZV_STATE_RING, "100", ZV_CAUSE_CONGESTION);
	finish(l, &s, &r);
	assert_int_equal(r.disposition, CDR_FAILED);
	s.congestion = true;
	s.unanswered = false;
	finish(l, &s, &r);
	assert_int_equal(r.disposition, CDR_CONGESTION);
	assert_true(cdr_should_post(l, &r, &s));
	zv_unref(l);

	/* No route: FAILED. */
	l = start_call(10.0, ZV_STATE_DOWN);
	feed(l, "Hangup", 10.2, ZV_STATE_DOWN, "100", ZV_CAUSE_NO_ROUTE_DESTINATION);
	finish(l, &s, &r);
	assert_int_equal(r.disposition, CDR_FAILED);
	zv_unref(l);
}

static void test_party_b(void **state)
{
	struct cdr_settings s;
	cdr_settings_default(&s);
	struct cdr_record r;
	struct cdr_live *caller = start_call(10.0, ZV_STATE_RING);
	struct cdr_live *leg = start_call(10.1, ZV_STATE_DOWN);
	cdr_live_set(leg, CDR_S_CHANNEL, "PJSIP/200-00000002");
	feed(leg, "Hangup", 11.0, ZV_STATE_DOWN, "100", ZV_CAUSE_USER_BUSY);
	cdr_live_set(leg, CDR_S_CHANNEL, "PJSIP/200-00000002");
	cdr_live_set_peer(caller, leg);
	feed(caller, "Hangup", 12.0, ZV_STATE_RING, "100", ZV_CAUSE_NORMAL_CLEARING);
	finish(caller, &s, &r);
	/* The party B's cause decides; a record with a party B is posted
	 * even when unanswered. */
	assert_int_equal(r.disposition, CDR_BUSY);
	assert_string_equal(r.dstchannel, "PJSIP/200-00000002");
	assert_true(cdr_should_post(caller, &r, &s));
	leg->dialed = true;
	assert_false(cdr_should_post(leg, &r, &s));
	caller->disabled = true;
	assert_false(cdr_should_post(caller, &r, &s));
	caller->disabled = false;
	s.enable = false;
	assert_false(cdr_should_post(caller, &r, &s));
	zv_unref(leg);
	zv_unref(caller);
}

static void test_fields(void **state)
{
	struct cdr_settings s;
	cdr_settings_default(&s);
	struct cdr_live *l = start_call(1000.25, ZV_STATE_RING);
	feed(l, "Newstate", 1001.5, ZV_STATE_UP, "100", -1);
	assert_int_equal(cdr_vars_set(&l->vars, "mycustom", "hello"), 0);
	assert_int_equal(cdr_vars_set(&l->vars, "other", "x"), 0);
	assert_int_equal(cdr_vars_set(&l->vars, "MyCustom", "hello2"), 0);
	assert_int_equal(cdr_vars_set(&l->vars, "other", ""), 0);
	assert_null(cdr_vars_get(l->vars, "other"));
	struct cdr_record r;
	struct timeval now = {.tv_sec = 1005, .tv_usec = 0};
	cdr_live_finish(l, &s, &now, &r);
	r.vars = l->vars;
	char buf[128];
	assert_true(cdr_record_field(&r, "mycustom", false, buf, sizeof(buf)));
	assert_string_equal(buf, "hello2");
	assert_false(cdr_record_field(&r, "nosuch", false, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_true(cdr_record_field(&r, "start", true, buf, sizeof(buf)));
	assert_string_equal(buf, "1000.250000");
	assert_true(cdr_record_field(&r, "disposition", true, buf, sizeof(buf)));
	assert_string_equal(buf, "8");
	assert_true(cdr_record_field(&r, "disposition", false, buf, sizeof(buf)));
	assert_string_equal(buf, "ANSWERED");
	assert_true(cdr_record_field(&r, "amaflags", false, buf, sizeof(buf)));
	assert_string_equal(buf, "DOCUMENTATION");
	assert_true(cdr_record_field(&r, "amaflags", true, buf, sizeof(buf)));
	assert_string_equal(buf, "3");
	assert_true(cdr_record_field(&r, "billsec", false, buf, sizeof(buf)));
	assert_string_equal(buf, "3");
	assert_true(cdr_record_field(&r, "Channel", false, buf, sizeof(buf)));
	assert_string_equal(buf, "Local/100@test-00000001;2");
	assert_true(cdr_field_readonly("billsec"));
	assert_true(cdr_field_readonly("DST"));
	assert_false(cdr_field_readonly("userfield"));
	assert_false(cdr_field_readonly("accountcode"));

	struct cdr_record *dup = cdr_record_dup(&r);
	assert_non_null(dup);
	assert_string_equal(cdr_vars_get(dup->vars, "mycustom"), "hello2");
	cdr_record_free(dup);
	zv_unref(l);
}

static void sample(struct cdr_record *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->accountcode, "acct");
	strcpy(r->src, "555");
	strcpy(r->dst, "100");
	strcpy(r->dcontext, "test");
	strcpy(r->clid, "\"Alice\" <555>");
	strcpy(r->channel, "Local/100@test-00000001;2");
	strcpy(r->lastapp, "Hangup");
	strcpy(r->userfield, "say \"hi\", ok");
	strcpy(r->uniqueid, "1700000000.7");
	strcpy(r->linkedid, "1700000000.6");
	r->start.tv_sec = 1700000000; /* 2023-11-14 22:13:20 GMT */
	r->answer.tv_sec = 1700000001;
	r->end.tv_sec = 1700000004;
	r->duration = 4;
	r->billsec = 3;
	r->disposition = CDR_ANSWERED;
	r->amaflags = CDR_AMA_BILLING;
	r->sequence = 9;
}

static void test_csv(void **state)
{
	struct cdr_record r;
	sample(&r);
	char line[1024];
	struct cdr_csv_opts o = {.usegmtime = true};
	int n = cdr_csv_format(&r, &o, line, sizeof(line));
	const char *want = "\"acct\",\"555\",\"100\",\"test\",\"\"\"Alice\"\" <555>\","
			   "\"Local/100@test-00000001;2\",\"\",\"Hangup\",\"\","
			   "\"2023-11-14 22:13:20\",\"2023-11-14 22:13:21\",\"2023-11-14 22:13:24\","
			   "4,3,\"ANSWERED\",\"BILLING\"\n";
	assert_string_equal(line, want);
	assert_int_equal(n, (int)strlen(want));

	o.loguniqueid = o.loguserfield = o.newcdrcolumns = true;
	r.answer = (struct timeval){0};
	r.billsec = 0;
	r.disposition = CDR_NOANSWER;
	r.amaflags = 0;
	n = cdr_csv_format(&r, &o, line, sizeof(line));
	want = "\"acct\",\"555\",\"100\",\"test\",\"\"\"Alice\"\" <555>\","
	       "\"Local/100@test-00000001;2\",\"\",\"Hangup\",\"\","
	       "\"2023-11-14 22:13:20\",\"\",\"2023-11-14 22:13:24\","
	       "4,0,\"NO ANSWER\",\"DOCUMENTATION\",\"1700000000.7\",\"say \"\"hi\"\", ok\","
	       "\"\",\"1700000000.6\",9\n";
	assert_string_equal(line, want);
	assert_int_equal(n, (int)strlen(want));

	/* Too small: refused, never a cut line. */
	assert_int_equal(cdr_csv_format(&r, &o, line, 40), -ENOSPC);
	assert_int_equal(cdr_csv_format(&r, &o, line, (size_t)n), -ENOSPC);
	assert_int_equal(cdr_csv_format(&r, &o, line, (size_t)n + 1), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answered),
		cmocka_unit_test(test_unanswered),
		cmocka_unit_test(test_party_b),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_csv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
