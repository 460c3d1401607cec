/*
 * Unit tests of the contact store and of REGISTER contact parsing: expiry
 * choice and clamping (423 below the minimum), "Contact: *" rules,
 * max_contacts with and without remove_existing, RFC 3261 §10.3 Call-ID /
 * CSeq ordering, expires 0, star removal, expiry, qualify status changes,
 * and the sqlite round trip (expired contacts dropped at load).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sip/registrar/reg_int.h"

static int count_changes(struct reg_change *l, enum reg_change_kind kind)
{
	int n = 0;
	for (; l; l = l->next)
		n += l->kind == kind;
	return n;
}

static struct reg_meta meta(const char *call_id, uint32_t cseq)
{
	struct reg_meta m = {
		.endpoint = "100",
		.pjsip = true,
		.call_id = call_id,
		.cseq = cseq,
		.path = "",
		.user_agent = "test",
	};
	sip_sockaddr_parse("127.0.0.1:5062", 5060, &m.src);
	m.target = m.src;
	return m;
}

static int apply1(struct reg_store *s, const char *uri, unsigned expires, const char *call_id,
		  uint32_t cseq, unsigned max, bool remove_existing, time_t now,
		  struct reg_change **ch)
{
	struct reg_binding b = {uri, expires};
	struct reg_meta m = meta(call_id, cseq);
	struct reg_policy p = {max, remove_existing};
	return reg_store_apply(s, "100", &b, 1, false, &m, &p, now, ch);
}

static void test_max_contacts(void **state)
{
	struct reg_store *s = reg_store_new();
	struct reg_change *ch = NULL;
	assert_int_equal(apply1(s, "sip:a@h", 60, "c1", 1, 2, false, 1000, &ch), 0);
	assert_int_equal(apply1(s, "sip:b@h", 60, "c2", 1, 2, false, 1001, &ch), 0);
	assert_int_equal(count_changes(ch, REG_CREATED), 2);
	/* Full without remove_existing: refused, nothing changes. */
	assert_int_equal(apply1(s, "sip:c@h", 60, "c3", 1, 2, false, 1002, &ch), -EXFULL);
	assert_int_equal(reg_store_count(s, "100"), 2);
	/* A known contact still refreshes (not announced). */
	assert_int_equal(apply1(s, "sip:a@h", 60, "c1", 2, 2, false, 1003, &ch), 0);
	assert_int_equal(count_changes(ch, REG_CREATED), 2);
	assert_int_equal(count_changes(ch, REG_REMOVED), 0);
	/* With remove_existing the oldest registration goes. */
	assert_int_equal(apply1(s, "sip:c@h", 60, "c3", 1, 2, true, 1004, &ch), 0);
	assert_int_equal(reg_store_count(s, "100"), 2);
	struct sip_buf b;
	sip_buf_init(&b);
	reg_store_contact_lines(s, "100", 1004, &b);
	assert_null(strstr(b.p, "sip:a@h"));
	assert_non_null(strstr(b.p, "Contact: <sip:b@h>;expires=57\r\n"));
	assert_non_null(strstr(b.p, "Contact: <sip:c@h>;expires=60\r\n"));
	sip_buf_free(&b);
	assert_int_equal(count_changes(ch, REG_REMOVED), 1);
	/* max_contacts 0: registrations refused. */
	assert_int_equal(apply1(s, "sip:d@h", 60, "c4", 1, 0, true, 1005, &ch), -EPERM);
	/* Case-insensitive AOR names. */
	assert_int_equal(reg_store_count(s, "100"), 2);
	reg_changes_free(ch);
	reg_store_free(s);
}

static void test_ordering(void **state)
{
	struct reg_store *s = reg_store_new();
	struct reg_change *ch = NULL;
	assert_int_equal(apply1(s, "sip:a@h", 60, "call", 5, 5, false, 1000, &ch), 0);
	/* Same Call-ID, CSeq not higher: out of order, ignored. */
	assert_int_equal(apply1(s, "sip:a@h", 0, "call", 5, 5, false, 1001, &ch), 0);
	assert_int_equal(apply1(s, "sip:a@h", 0, "call", 4, 5, false, 1001, &ch), 0);
	assert_int_equal(reg_store_count(s, "100"), 1);
	/* A different Call-ID may remove it; so does a higher CSeq. */
	assert_int_equal(apply1(s, "sip:a@h", 60, "call", 6, 5, false, 1002, &ch), 0);
	assert_int_equal(apply1(s, "sip:a@h", 0, "other", 1, 5, false, 1003, &ch), 0);
	assert_int_equal(reg_store_count(s, "100"), 0);
	/* The same URI compares by RFC 3261 rules (host case, param order). */
	assert_int_equal(apply1(s, "sip:a@Host;transport=udp;x=1", 60, "c", 1, 5, false, 1004, &ch), 0);
	assert_int_equal(apply1(s, "sip:a@host;x=1;transport=UDP", 60, "c", 2, 5, false, 1005, &ch), 0);
	assert_int_equal(reg_store_count(s, "100"), 1);
	reg_changes_free(ch);
	reg_store_free(s);
}

static void test_star_and_expiry(void **state)
{
	struct reg_store *s = reg_store_new();
	struct reg_change *ch = NULL;
	apply1(s, "sip:a@h", 60, "c1", 1, 5, false, 1000, &ch);
	apply1(s, "sip:b@h", 30, "c2", 7, 5, false, 1000, &ch);
	apply1(s, "sip:c@h", 90, "c3", 1, 5, false, 1000, &ch);
	reg_changes_free(ch);
	ch = NULL;
	assert_int_equal(reg_store_expire(s, 1029, &ch), 0);
	assert_int_equal(reg_store_expire(s, 1030, &ch), 1);
	assert_int_equal(count_changes(ch, REG_REMOVED), 1);
	assert_string_equal(ch->uri, "sip:b@h");
	reg_changes_free(ch);
	ch = NULL;
	/* "*" from Call-ID c1 with a CSeq not above the stored one leaves
	 * that binding (out of order) and removes the others. */
	struct reg_meta m = meta("c1", 1);
	struct reg_policy p = {5, false};
	assert_int_equal(reg_store_apply(s, "100", NULL, 0, true, &m, &p, 1040, &ch), 0);
	assert_int_equal(reg_store_count(s, "100"), 1);
	m.cseq = 2;
	assert_int_equal(reg_store_apply(s, "100", NULL, 0, true, &m, &p, 1041, &ch), 0);
	assert_int_equal(reg_store_count(s, "100"), 0);
	assert_int_equal(count_changes(ch, REG_REMOVED), 2);
	reg_changes_free(ch);
	reg_store_free(s);
}

static uint64_t seen_id;

static void grab_id(void *arg, struct reg_contact *c)
{
	seen_id = c->id;
}

static void test_status(void **state)
{
	struct reg_store *s = reg_store_new();
	struct reg_change *ch = NULL;
	apply1(s, "sip:a@h", 60, "c1", 1, 5, false, 1000, &ch);
	reg_changes_free(ch);
	ch = NULL;
	assert_int_equal(reg_store_foreach(s, "100", grab_id, NULL), 1);
	reg_store_set_status(s, seen_id, SIP_CONTACT_REACHABLE, 1500, 0, &ch);
	assert_int_equal(count_changes(ch, REG_STATUS), 1);
	reg_store_set_status(s, seen_id, SIP_CONTACT_REACHABLE, 1700, 0, &ch);
	assert_int_equal(count_changes(ch, REG_STATUS), 1); /* no change, no event */
	reg_store_set_status(s, seen_id, SIP_CONTACT_UNREACHABLE, -1, 0, &ch);
	assert_int_equal(count_changes(ch, REG_STATUS), 2);
	reg_changes_free(ch);
	reg_store_free(s);
}

static struct reg_req req;

static unsigned parse(const char *text, unsigned min, unsigned max, unsigned deflt)
{
	static struct sip_msg m;
	reg_req_free(&req);
	memset(&req, 0, sizeof(req));
	assert_int_equal(sip_msg_parse(text, strlen(text), &m), 0);
	return reg_parse_contacts(&m, min, max, deflt, &req);
}

#define HEAD                                                                                      \
	"REGISTER sip:h SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\n"                  \
	"From: <sip:100@h>;tag=1\r\nTo: <sip:100@h>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n"

static void test_parse_contacts(void **state)
{
	assert_int_equal(parse(HEAD "Contact: <sip:a@1.2.3.4>\r\n\r\n", 60, 3600, 1800), 0);
	assert_int_equal(req.n, 1);
	assert_int_equal(req.b[0].expires, 1800);
	assert_int_equal(parse(HEAD "Expires: 120\r\nContact: <sip:a@1.2.3.4>;expires=300, "
				    "<sip:b@1.2.3.4>\r\nPath: <sip:p1;lr>\r\n\r\n",
			       60, 3600, 1800),
			 0);
	assert_int_equal(req.n, 2);
	assert_int_equal(req.b[0].expires, 300);
	assert_int_equal(req.b[1].expires, 120);
	assert_string_equal(req.b[1].uri, "sip:b@1.2.3.4");
	assert_string_equal(req.path, "<sip:p1;lr>");
	/* Clamped above the maximum; 423 below the minimum; 0 is removal. */
	assert_int_equal(parse(HEAD "Expires: 99999\r\nContact: <sip:a@h>\r\n\r\n", 60, 3600, 1800), 0);
	assert_int_equal(req.b[0].expires, 3600);
	assert_int_equal(parse(HEAD "Contact: <sip:a@h>;expires=30\r\n\r\n", 60, 3600, 1800), 423);
	assert_int_equal(parse(HEAD "Contact: <sip:a@h>;expires=0\r\n\r\n", 60, 3600, 1800), 0);
	assert_int_equal(req.b[0].expires, 0);
	/* Star: alone and with Expires: 0 only. */
	assert_int_equal(parse(HEAD "Contact: *\r\nExpires: 0\r\n\r\n", 60, 3600, 1800), 0);
	assert_true(req.star);
	assert_int_equal(parse(HEAD "Contact: *\r\n\r\n", 60, 3600, 1800), 400);
	assert_int_equal(parse(HEAD "Contact: *\r\nExpires: 60\r\n\r\n", 60, 3600, 1800), 400);
	assert_int_equal(parse(HEAD "Contact: *, <sip:a@h>\r\nExpires: 0\r\n\r\n", 60, 3600, 1800),
			 400);
	/* No Contact: a query. */
	assert_int_equal(parse(HEAD "\r\n", 60, 3600, 1800), 0);
	assert_int_equal(req.n, 0);
	reg_req_free(&req);
	memset(&req, 0, sizeof(req));
}

static void test_persist(void **state)
{
	char dir[] = "/tmp/reg_store_test.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/db/sip_contacts.sqlite3", dir);
	assert_int_equal(reg_persist_open(path), 0);
	struct reg_store *s = reg_store_new();
	struct reg_change *ch = NULL;
	time_t now = time(NULL);
	apply1(s, "sip:a@h", 600, "c1", 1, 5, false, now, &ch);
	apply1(s, "sip:b@h", 600, "c2", 1, 5, false, now + 1, &ch);
	assert_int_equal(reg_persist_flush(s), 0);
	/* Remove one, add one, flush again: rows follow. */
	apply1(s, "sip:a@h", 0, "c9", 1, 5, false, now + 2, &ch);
	apply1(s, "sip:short@h", 60, "c3", 1, 5, false, now - 100, &ch); /* already expired */
	assert_int_equal(reg_persist_flush(s), 0);
	reg_changes_free(ch);
	reg_store_free(s);
	reg_persist_close();

	assert_int_equal(reg_persist_open(path), 0);
	s = reg_store_new();
	assert_int_equal(reg_persist_load(s, now + 3), 1);
	struct sip_buf b;
	sip_buf_init(&b);
	reg_store_contact_lines(s, "100", now + 3, &b);
	assert_non_null(strstr(b.p, "<sip:b@h>;expires=598"));
	assert_null(strstr(b.p, "sip:a@h"));
	assert_null(strstr(b.p, "sip:short@h"));
	sip_buf_free(&b);
	reg_store_free(s);
	reg_persist_close();
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_contacts),	 cmocka_unit_test(test_ordering),
		cmocka_unit_test(test_star_and_expiry), cmocka_unit_test(test_status),
		cmocka_unit_test(test_parse_contacts),	 cmocka_unit_test(test_persist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
