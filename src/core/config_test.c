/*
 * Unit tests for the Asterisk .conf parser (src/core/config.c): one table
 * of inputs and expected trees per construct, one of inputs and expected
 * errors, #include handling against files in a temporary directory, and
 * realistic sip.conf / pjsip.conf / extensions.conf excerpts.  Every test
 * checks that no zv_obj leaked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

static long live_before;

static int setup(void **state)
{
	live_before = zv_obj_live();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(zv_obj_live(), live_before);
	return 0;
}

static const struct zv_conf_opts no_inc = {.no_includes = true};

static int parse(const char *text, struct zv_diag *d, struct zv_conf **confp)
{
	return zv_conf_parse_buffer("test.conf", text, strlen(text), &no_inc, d,
				    confp);
}

/* Canonical text of the visible tree: "[name]@line" per section, then one
 * line per variable: "^" when inherited, name, "=" or "=>", value, "@line". */
static void dump(const struct zv_conf *conf, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (const struct zv_conf_section *s = zv_conf_section_next(conf, NULL);
	     s; s = zv_conf_section_next(conf, s)) {
		n += (size_t)snprintf(buf + n, size - n, "[%s]@%u\n", s->name,
				      s->line);
		assert_true(n < size);
		for (const struct zv_conf_var *v = zv_conf_var_next(s, NULL, NULL);
		     v; v = zv_conf_var_next(s, NULL, v)) {
			n += (size_t)snprintf(buf + n, size - n, "%s%s%s%s@%u\n",
					      v->inherited ? "^" : "", v->name,
					      v->object ? "=>" : "=", v->value,
					      v->line);
			assert_true(n < size);
		}
	}
}

/* ---- constructs that parse ------------------------------------------- */

struct tree_case {
	const char *what;
	const char *input;
	const char *tree;
};

static const struct tree_case tree_cases[] = {
	{"line comments", "[s]\na=1 ; comment\n; whole line\nb=2;x\n",
	 "[s]@1\na=1@2\nb=2@4\n"},
	{"escaped semicolon", "[s]\nb = x\\;y ; c\nc=\\n\\t\\\\;\n",
	 "[s]@1\nb=x;y@2\nc=\\n\\t\\;@3\n"},
	{"dash rule is a line comment", "[s]\n;-----------\na=1 ;--- x --;\n",
	 "[s]@1\na=1@3\n"},
	{"block comment on one line", "[s]\na=1 ;-- hidden --; \nb=2\n",
	 "[s]@1\na=1@2\nb=2@3\n"},
	{"block comment over lines", "[s]\n;-- start\nx=hidden\n--;\nb=2\n",
	 "[s]@1\nb=2@5\n"},
	{"nested block comments",
	 "[s]\n;-- a ;-- b --; x=1\ny=2 --;\nc=3\n;--;-- --; --;d=4\n",
	 "[s]@1\nc=3@4\nd=4@5\n"},
	{"';--;' does not close", "[s]\n;--;\nx=1\n--;\ny=2\n", "[s]@1\ny=2@5\n"},
	{"text around a block comment joins", "[s]\na=1;-- x\n--;2\n",
	 "[s]@1\na=12@2\n"},
	{"object", "[ctx]\nexten => 100,1,Answer()\nsame=>n,Hangup()\n",
	 "[ctx]@1\nexten=>100,1,Answer()@2\nsame=>n,Hangup()@3\n"},
	{"'=' in value", "[s]\na=b=c\nd => e=>f\n", "[s]@1\na=b=c@2\nd=>e=>f@3\n"},
	{"quotes kept", "[s]\ncallerid = \"Alice\" <100>\n",
	 "[s]@1\ncallerid=\"Alice\" <100>@2\n"},
	{"whitespace trimmed", "  [ s ]  \n\t a \t=\t b c \t\n",
	 "[s]@1\na=b c@2\n"},
	{"empty value", "[s]\na=\nb =  \n", "[s]@1\na=@2\nb=@3\n"},
	{"no final newline", "[s]\na=1", "[s]@1\na=1@2\n"},
	{"CRLF", "[s]\r\na=1\r\nb = 2 \r\n; c\r\nc=3;x\r\n",
	 "[s]@1\na=1@2\nb=2@3\nc=3@5\n"},
	{"append", "[s]\na=1\nb=x\na+=2\nc+=new\nA += 3\n",
	 "[s]@1\na=123@6\nb=x@3\nc=new@5\n"},
	{"append to the last of repeated keys", "[s]\na=1\na=2\na+=x\n",
	 "[s]@1\na=1@2\na=2x@4\n"},
	{"repeated keys kept", "[s]\nallow=ulaw\nallow=alaw\ndisallow=all\n",
	 "[s]@1\nallow=ulaw@2\nallow=alaw@3\ndisallow=all@4\n"},
	{"template", "[t](!)\nx=1\n[s](t)\ny=2\n", "[s]@3\n^x=1@2\ny=2@4\n"},
	{"templates in listed order",
	 "[a](!)\nx=a\n[b](!)\nx=b\nz=b\n[s](b,a)\nx=s\n",
	 "[s]@6\n^x=b@4\n^z=b@5\n^x=a@2\nx=s@7\n"},
	{"template of a template",
	 "[base](!)\nx=1\n[mid](!,base)\ny=2\n[s](mid)\nz=3\n",
	 "[s]@5\n^x=1@2\n^y=2@4\nz=3@6\n"},
	{"inherit from a plain section", "[a]\nx=1\n[b](a)\n",
	 "[a]@1\nx=1@2\n[b]@3\n^x=1@2\n"},
	{"options trimmed", "[t](!)\nx=1\n[s] ( t , ! )\n[u]( t )\n",
	 "[u]@4\n^x=1@2\n"},
	{"append to inherited value",
	 "[t](!)\nallow=ulaw\n[s](t)\nallow+=,alaw\n",
	 "[s]@3\nallow=ulaw,alaw@4\n"},
	{"(+) appends", "[s]\na=1\n[o]\nb=2\n[s](+)\nc=3\n",
	 "[s]@1\na=1@2\nc=3@6\n[o]@3\nb=2@4\n"},
	{"duplicate sections stay separate", "[s]\na=1\n[S]\na=2\n",
	 "[s]@1\na=1@2\n[S]@3\na=2@4\n"},
	{"(+) goes to the last of duplicates", "[s]\na=1\n[s]\na=2\n[s](+)\nb=3\n",
	 "[s]@1\na=1@2\n[s]@3\na=2@4\nb=3@6\n"},
	{"(+) with a template", "[t](!)\nx=1\n[s]\na=1\n[s](+,t)\nb=2\n",
	 "[s]@3\na=1@4\n^x=1@2\nb=2@6\n"},
	{"(+,self) copies once", "[s]\na=1\n[s](+,s)\n",
	 "[s]@1\na=1@2\n^a=1@2\n"},
	{"comment-only header line", "[s] ; the section\na=1\n",
	 "[s]@1\na=1@2\n"},
	{"empty input", "", ""},
	{"only comments", "; x\n;-- y\n--;\n\n", ""},
};

static void test_trees(void **state)
{
	char buf[4096];
	for (size_t i = 0; i < sizeof(tree_cases) / sizeof(tree_cases[0]); i++) {
		const struct tree_case *c = &tree_cases[i];
		struct zv_diag d;
		struct zv_conf *conf = NULL;
		zv_diag_init(&d);
		int err = parse(c->input, &d, &conf);
		if (err || d.n)
			print_error("case '%s': err %d, %zu diags, first: %s\n",
				    c->what, err, d.n, d.n ? d.v[0].msg : "");
		assert_int_equal(err, 0);
		assert_int_equal(d.errors, 0);
		dump(conf, buf, sizeof(buf));
		if (strcmp(buf, c->tree))
			print_error("case '%s':\n%s\nwanted:\n%s\n", c->what, buf,
				    c->tree);
		assert_string_equal(buf, c->tree);
		conf = zv_unref(conf);
		zv_diag_clear(&d);
	}
}

/* ---- errors ----------------------------------------------------------- */

struct error_case {
	const char *what;
	const char *input;
	size_t len; /* 0: strlen(input) */
	size_t errors;
	unsigned line; /* of the first error */
	const char *msg; /* substring of the first error */
};

static const struct error_case error_cases[] = {
	{"variable before a section", "; x\na=1\n[s]\n", 0, 1, 2,
	 "outside of any section"},
	{"line without '='", "[s]\na=1\nfoo bar\n", 0, 1, 3, "no '='"},
	{"missing ']'", "[s]\n[t\na=1\n", 0, 1, 2, "missing ']'"},
	{"empty section name", "[]\n", 0, 1, 1, "empty section name"},
	{"blank section name", "[s]\n[  ]\n", 0, 1, 2, "empty section name"},
	{"missing ')'", "[s](!\n", 0, 1, 1, "missing ')'"},
	{"empty option", "[t](!)\n[s](t,)\n", 0, 1, 2, "empty item"},
	{"unknown template", "[t](!)\n[s](t,nope)\na=1\n", 0, 1, 2,
	 "unknown template 'nope'"},
	{"template defined later", "[s](t)\n[t](!)\n", 0, 1, 1,
	 "unknown template 't'"},
	{"(+) on a missing section", "[a]\n[b](+)\nx=1\n", 0, 1, 2,
	 "cannot append to section [b]"},
	{"unterminated block comment", "[s]\na=1\n;-- open\n;-- inner --;\n",
	 0, 1, 3, "never closed"},
	{"NUL byte", "[s]\na=1\nb\0=2\n", 13, 1, 3, "NUL byte"},
	{"unknown directive", "[s]\n#includ foo.conf\n", 0, 1, 2,
	 "unknown directive '#includ'"},
	{"#exec", "[s]\n#exec /bin/echo a=1\n", 0, 1, 2, "not supported"},
	{"#tryexec", "#tryexec /bin/true\n", 0, 1, 1, "not supported"},
	{"#include when disabled", "#include foo.conf\n", 0, 1, 1, "disabled"},
	{"#include without a file", "[s]\n#include \"\"\n", 0, 1, 2,
	 "disabled"},
	{"all errors reported", "a=1\n[s]\nx\n[]\ny=2\n[t](nope)\nz=1\n;--", 0,
	 5, 1, "outside of any section"},
};

static void test_errors(void **state)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];
		struct zv_diag d;
		struct zv_conf *conf = NULL;
		zv_diag_init(&d);
		size_t len = c->len ? c->len : strlen(c->input);
		int err = zv_conf_parse_buffer("bad.conf", c->input, len,
					       &no_inc, &d, &conf);
		if (d.errors != c->errors || !d.n || d.v[0].line != c->line ||
		    !strstr(d.v[0].msg, c->msg))
			print_error("case '%s': %zu errors, first %u: %s\n",
				    c->what, d.errors, d.n ? d.v[0].line : 0,
				    d.n ? d.v[0].msg : "");
		assert_int_equal(err, -EINVAL);
		assert_null(conf);
		assert_int_equal(d.errors, c->errors);
		assert_int_equal(d.v[0].sev, ZV_DIAG_ERROR);
		assert_string_equal(d.v[0].file, "bad.conf");
		assert_int_equal(d.v[0].line, c->line);
		assert_non_null(strstr(d.v[0].msg, c->msg));
		zv_diag_clear(&d);
	}
}

static void test_all_error_lines(void **state)
{
	static const char text[] = "a=1\n[s]\nx\n[]\ny=2\n[t](nope)\nz=1\n"
				   "[u](+)\n#bogus\n;-- open\n";
	static const unsigned lines[] = {1, 3, 4, 6, 8, 9, 10};
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse(text, &d, &conf), -EINVAL);
	assert_int_equal(d.n, sizeof(lines) / sizeof(lines[0]));
	for (size_t i = 0; i < d.n; i++)
		assert_int_equal(d.v[i].line, lines[i]);
	zv_diag_clear(&d);
}

static void test_warnings(void **state)
{
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse("[s] junk\n = 1\na=2\n", &d, &conf), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 2);
	assert_int_equal(d.v[0].line, 1);
	assert_non_null(strstr(d.v[0].msg, "ignored"));
	assert_int_equal(d.v[1].line, 2);
	assert_string_equal(zv_conf_lookup(conf, "s", "a"), "2");
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

static void test_diag_shared(void **state)
{
	/* Earlier errors in the diag do not fail a good parse. */
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	zv_diag_error(&d, NULL, 0, "earlier");
	assert_int_equal(parse("[s]\na=1\n", &d, &conf), 0);
	assert_non_null(conf);
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

static void test_too_many_vars(void **state)
{
	/* Each (+,a) doubles [a]; 233 bytes allow 2000 + 32 * 233 = 9456
	 * variables, so the 14th doubling (line 16: 16384) is refused. */
	char text[512] = "[a]\nx=1\n";
	for (int i = 0; i < 25; i++)
		strcat(text, "[a](+,a)\n");
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse(text, &d, &conf), -EINVAL);
	assert_null(conf);
	assert_int_equal(d.errors, 1);
	assert_int_equal(strlen(text), 233);
	assert_int_equal(d.v[0].line, 16);
	assert_non_null(strstr(d.v[0].msg, "too many variables"));
	zv_diag_clear(&d);
}

/* ---- lookups ---------------------------------------------------------- */

static void test_lookup(void **state)
{
	static const char text[] = "[t](!)\nallow=g722\n"
				   "[General]\nallow=ulaw\nAllow=alaw\nport=5060\n"
				   "[general]\nport=5061\n"
				   "[peer](t)\nallow=gsm\n";
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse(text, &d, &conf), 0);
	assert_string_equal(zv_conf_path(conf), "test.conf");

	const struct zv_conf_section *g = zv_conf_section_find(conf, "GENERAL");
	assert_non_null(g);
	assert_string_equal(g->name, "General");
	assert_int_equal(g->line, 3);
	assert_string_equal(g->file, "test.conf");
	assert_string_equal(zv_conf_get(g, "ALLOW"), "alaw");
	assert_string_equal(zv_conf_get(g, "port"), "5060");
	assert_null(zv_conf_get(g, "missing"));
	assert_null(zv_conf_get(NULL, "port"));
	assert_string_equal(zv_conf_lookup(conf, "general", "port"), "5060");
	assert_null(zv_conf_lookup(conf, "nope", "port"));
	assert_null(zv_conf_section_find(conf, "t"));

	const struct zv_conf_var *v = zv_conf_var_next(g, "allow", NULL);
	assert_string_equal(v->value, "ulaw");
	v = zv_conf_var_next(g, "allow", v);
	assert_string_equal(v->value, "alaw");
	assert_null(zv_conf_var_next(g, "allow", v));
	assert_null(zv_conf_var_next(NULL, NULL, NULL));

	const struct zv_conf_section *p = zv_conf_section_find(conf, "peer");
	assert_int_equal(p->ntemplates, 1);
	assert_string_equal(p->templates[0], "t");
	assert_false(p->is_template);
	assert_string_equal(zv_conf_get(p, "allow"), "gsm");
	v = zv_conf_var_next(p, "allow", NULL);
	assert_true(v->inherited);
	assert_string_equal(v->value, "g722");

	/* Sections in file order, template skipped, duplicates kept. */
	const char *names[] = {"General", "general", "peer"};
	size_t n = 0;
	for (const struct zv_conf_section *s = zv_conf_section_next(conf, NULL);
	     s; s = zv_conf_section_next(conf, s)) {
		assert_true(n < 3);
		assert_string_equal(s->name, names[n++]);
	}
	assert_int_equal(n, 3);
	assert_null(zv_conf_section_next(NULL, NULL));
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

static void test_template_flags(void **state)
{
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse("[a](!)\n[b](!)\n[c](!,a,b)\nx=1\n[d](c)\n", &d,
			       &conf),
			 0);
	const struct zv_conf_section *s = zv_conf_section_next(conf, NULL);
	assert_string_equal(s->name, "d");
	assert_null(zv_conf_section_next(conf, s));
	/* The template is still reachable through next. */
	const struct zv_conf_section *t = NULL;
	for (const struct zv_conf_section *x = s; x; x = x->next)
		t = x;
	assert_ptr_equal(t, s);
	assert_int_equal(s->ntemplates, 1);
	assert_string_equal(zv_conf_get(s, "x"), "1");
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

static void test_parse_bool(void **state)
{
	static const struct {
		const char *in;
		int err;
		bool out;
	} cases[] = {
		{"yes", 0, true},   {"TRUE", 0, true},  {"y", 0, true},
		{"t", 0, true},	    {"1", 0, true},	{"On", 0, true},
		{"no", 0, false},   {"False", 0, false}, {"N", 0, false},
		{"f", 0, false},    {"0", 0, false},	{"off", 0, false},
		{"", -EINVAL, 0},   {"yess", -EINVAL, 0}, {"2", -EINVAL, 0},
		{" yes", -EINVAL, 0}, {NULL, -EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool out = !cases[i].out;
		assert_int_equal(zv_conf_parse_bool(cases[i].in, &out), cases[i].err);
		if (!cases[i].err)
			assert_int_equal(out, cases[i].out);
	}
}

static void test_parse_int(void **state)
{
	static const struct {
		const char *in;
		long min, max;
		int err;
		long out;
	} cases[] = {
		{"5060", 1, 65535, 0, 5060},
		{"-3", -10, 10, 0, -3},
		{"+7", 0, 10, 0, 7},
		{"0", 0, 0, 0, 0},
		{"65536", 1, 65535, -ERANGE, 0},
		{"-1", 0, 10, -ERANGE, 0},
		{"99999999999999999999999", 0, 10, -ERANGE, 0},
		{"", 0, 10, -EINVAL, 0},
		{"-", 0, 10, -EINVAL, 0},
		{"12a", 0, 100, -EINVAL, 0},
		{" 12", 0, 100, -EINVAL, 0},
		{"0x10", 0, 100, -EINVAL, 0},
		{NULL, 0, 100, -EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long out = 12345;
		assert_int_equal(zv_conf_parse_int(cases[i].in, cases[i].min,
						   cases[i].max, &out),
				 cases[i].err);
		assert_int_equal(out, cases[i].err ? 12345 : cases[i].out);
	}
}

static void test_check_options(void **state)
{
	static const char text[] = "[t](!)\nbogus_t=1\ntype=friend\n"
				   "[peer](t)\nhost=dynamic\nsetvar_x=1\n"
				   "typo=2\nsetvar=3\n";
	static const struct zv_conf_option opts[] = {
		{"type", "peer type"},
		{"host", NULL},
		{"setvar_*", "channel variables"},
		{NULL, NULL},
	};
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse(text, &d, &conf), 0);
	const struct zv_conf_section *p = zv_conf_section_find(conf, "peer");
	assert_int_equal(zv_conf_check_options(p, opts, &d), 3);
	assert_int_equal(d.warnings, 3);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.v[0].line, 2); /* the template's line */
	assert_string_equal(d.v[0].msg, "unknown option 'bogus_t' in [peer]");
	assert_int_equal(d.v[1].line, 7);
	assert_string_equal(d.v[1].msg, "unknown option 'typo' in [peer]");
	assert_int_equal(d.v[2].line, 8);
	assert_string_equal(d.v[2].file, "test.conf");
	assert_int_equal(zv_conf_check_options(NULL, opts, &d), 0);
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

static void test_refcount(void **state)
{
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse("[s]\na=1\n", &d, &conf), 0);
	struct zv_conf *other = zv_ref(conf);
	assert_int_equal(zv_obj_refs(conf), 2);
	const char *a = zv_conf_lookup(conf, "s", "a");
	conf = zv_unref(conf);
	assert_string_equal(a, "1"); /* still alive through other */
	other = zv_unref(other);
	zv_diag_clear(&d);
}

/* ---- includes --------------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
}

static char *tpath(const char *rel)
{
	static char path[4][256];
	static int slot;
	slot = (slot + 1) % 4;
	snprintf(path[slot], sizeof(path[slot]), "%s/%s", tmpdir, rel);
	return path[slot];
}

static int inc_setup(void **state)
{
	strcpy(tmpdir, "/tmp/zvcfgXXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return setup(state);
}

static int inc_teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return teardown(state);
}

static int load(const char *rel, const struct zv_conf_opts *opts,
		struct zv_diag *d, struct zv_conf **confp)
{
	return zv_conf_load(tpath(rel), opts, d, confp);
}

static void test_include_continuity(void **state)
{
	write_file("main.conf", "[s]\na=1\n#include inc.conf\nc=3\n");
	write_file("inc.conf", "b=2\n; x\n[t]\nd=4\n");
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(load("main.conf", NULL, &d, &conf), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(zv_conf_path(conf), tpath("main.conf"));

	char buf[512];
	dump(conf, buf, sizeof(buf));
	assert_string_equal(buf, "[s]@1\na=1@2\nb=2@1\n[t]@3\nd=4@4\nc=3@4\n");

	const struct zv_conf_section *s = zv_conf_section_find(conf, "s");
	const struct zv_conf_section *t = zv_conf_section_find(conf, "t");
	assert_string_equal(s->file, tpath("main.conf"));
	assert_string_equal(t->file, tpath("inc.conf"));
	const struct zv_conf_var *a = zv_conf_var_next(s, "a", NULL);
	const struct zv_conf_var *b = zv_conf_var_next(s, "b", NULL);
	const struct zv_conf_var *c = zv_conf_var_next(t, "c", NULL);
	assert_string_equal(a->file, tpath("main.conf"));
	assert_string_equal(b->file, tpath("inc.conf"));
	assert_string_equal(c->file, tpath("main.conf"));
	assert_ptr_equal(a->file, c->file); /* interned */
	assert_ptr_equal(b->file, t->file);
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

static void test_include_forms(void **state)
{
	assert_int_equal(mkdir(tpath("conf.d"), 0755), 0);
	write_file("conf.d/b.conf", "b=2\n");
	write_file("conf.d/a.conf", "a=1\n");
	write_file("conf.d/c.txt", "c=3\n");
	write_file("q.conf", "q=1\n");
	write_file("main.conf", "[s]\n#include conf.d/*.conf\n"
				"#include \"q.conf\" ; quoted\n"
				"#include <q.conf>\n"
				"#INCLUDE\tq.conf\n"
				"#tryinclude missing.conf\n"
				"#tryinclude nomatch*.conf\n"
				"#tryinclude q.conf\n");
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(load("main.conf", NULL, &d, &conf), 0);
	char buf[512];
	dump(conf, buf, sizeof(buf));
	assert_string_equal(buf, "[s]@1\na=1@1\nb=2@1\nq=1@1\nq=1@1\nq=1@1\nq=1@1\n");
	const struct zv_conf_section *s = zv_conf_section_find(conf, "s");
	assert_string_equal(zv_conf_var_next(s, "a", NULL)->file,
			    tpath("conf.d/a.conf"));
	conf = zv_unref(conf);

	/* The same text as a buffer named in the directory. */
	static const char text[] = "[s]\n#include q.conf\n";
	assert_int_equal(zv_conf_parse_buffer(tpath("virtual.conf"), text,
					      strlen(text), NULL, &d, &conf),
			 0);
	assert_string_equal(zv_conf_lookup(conf, "s", "q"), "1");
	conf = zv_unref(conf);

	/* An absolute path ignores the config dir. */
	char abs[300];
	snprintf(abs, sizeof(abs), "[s]\n#include %s\n", tpath("q.conf"));
	struct zv_conf_opts opts = {.confdir = "/nonexistent"};
	assert_int_equal(zv_conf_parse_buffer("x.conf", abs, strlen(abs), &opts,
					      &d, &conf),
			 0);
	assert_string_equal(zv_conf_lookup(conf, "s", "q"), "1");
	conf = zv_unref(conf);
	assert_int_equal(d.n, 0);
	zv_diag_clear(&d);
}

static void test_include_confdir(void **state)
{
	assert_int_equal(mkdir(tpath("etc"), 0755), 0);
	assert_int_equal(mkdir(tpath("top"), 0755), 0);
	write_file("etc/inc.conf", "x=etc\n");
	write_file("top/inc.conf", "x=top\n");
	write_file("top/main.conf", "[s]\n#include inc.conf\n");
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(load("top/main.conf", NULL, &d, &conf), 0);
	assert_string_equal(zv_conf_lookup(conf, "s", "x"), "top");
	conf = zv_unref(conf);
	struct zv_conf_opts opts = {.confdir = tpath("etc")};
	assert_int_equal(load("top/main.conf", &opts, &d, &conf), 0);
	assert_string_equal(zv_conf_lookup(conf, "s", "x"), "etc");
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

struct inc_error_case {
	const char *what;
	const char *main_text;
	const char *file; /* relative name of the file with the error */
	unsigned line;
	const char *msg;
};

static void test_include_errors(void **state)
{
	write_file("self.conf", "[s]\n#include self.conf\n");
	write_file("a.conf", "[s]\nx=1\n#include b.conf\n");
	write_file("b.conf", "; b\n\n#include a.conf\n");
	write_file("bad.conf", "[s]\nok=1\n\nnot a variable\n");
	assert_int_equal(mkdir(tpath("dir.conf"), 0755), 0);

	static const struct inc_error_case cases[] = {
		{"missing", "[s]\n\n#include missing.conf\n", "main.conf", 3,
		 "no such file"},
		{"glob matching nothing", "#include nomatch*.conf\n",
		 "main.conf", 1, "no such file"},
		{"self include", "#include self.conf\n", "self.conf", 2,
		 "include cycle"},
		{"cycle", "#include a.conf\n", "b.conf", 3, "include cycle"},
		{"error inside an include", "[s]\n#include bad.conf\n",
		 "bad.conf", 4, "no '='"},
		{"unreadable", "[s]\n#include dir.conf\n", "main.conf", 2,
		 "Is a directory"},
		{"no file name", "#include\n", "main.conf", 1,
		 "without a file name"},
		{"empty quotes", "#tryinclude <>\n", "main.conf", 1,
		 "without a file name"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct inc_error_case *c = &cases[i];
		write_file("main.conf", c->main_text);
		struct zv_diag d;
		struct zv_conf *conf = NULL;
		zv_diag_init(&d);
		int err = load("main.conf", NULL, &d, &conf);
		if (d.n != 1 || strcmp(d.v[0].file, tpath(c->file)) ||
		    d.v[0].line != c->line || !strstr(d.v[0].msg, c->msg))
			print_error("case '%s': %zu diags, first %s:%u: %s\n",
				    c->what, d.n, d.n ? d.v[0].file : "",
				    d.n ? d.v[0].line : 0, d.n ? d.v[0].msg : "");
		assert_int_equal(err, -EINVAL);
		assert_null(conf);
		assert_int_equal(d.n, 1);
		assert_string_equal(d.v[0].file, tpath(c->file));
		assert_int_equal(d.v[0].line, c->line);
		assert_non_null(strstr(d.v[0].msg, c->msg));
		zv_diag_clear(&d);
	}
}

static void test_include_depth(void **state)
{
	/* f0 includes f1 ... includes fN: ten levels are fine, eleven not. */
	char name[32], text[64];
	for (int i = 0; i <= 11; i++) {
		snprintf(name, sizeof(name), "f%d.conf", i);
		snprintf(text, sizeof(text), "[s%d]\nv=%d\n#include f%d.conf\n", i,
			 i, i + 1);
		write_file(name, text);
	}
	write_file("f10.conf", "[s10]\nv=10\n");
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(load("f0.conf", NULL, &d, &conf), 0);
	assert_string_equal(zv_conf_lookup(conf, "s10", "v"), "10");
	conf = zv_unref(conf);

	write_file("f10.conf", "[s10]\nv=10\n#include f11.conf\n");
	write_file("f11.conf", "[s11]\n");
	assert_int_equal(load("f0.conf", NULL, &d, &conf), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].file, tpath("f10.conf"));
	assert_int_equal(d.v[0].line, 3);
	assert_non_null(strstr(d.v[0].msg, "nested more than 10"));
	zv_diag_clear(&d);
}

static void test_load_missing(void **state)
{
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(load("nothere.conf", NULL, &d, &conf), -ENOENT);
	assert_int_equal(d.n, 0);
	assert_null(conf);

	assert_int_equal(mkdir(tpath("d.conf"), 0755), 0);
	assert_int_equal(load("d.conf", NULL, &d, &conf), -EINVAL);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.v[0].file, tpath("d.conf"));
	assert_non_null(strstr(d.v[0].msg, "Is a directory"));
	assert_null(conf);

	/* NUL and CRLF in a real file. */
	static const char bin[] = "[s]\r\na=1\r\nb=\0\r\n";
	FILE *f = fopen(tpath("nul.conf"), "wb");
	assert_non_null(f);
	fwrite(bin, 1, sizeof(bin) - 1, f);
	fclose(f);
	zv_diag_clear(&d);
	assert_int_equal(load("nul.conf", NULL, &d, &conf), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 3);
	assert_non_null(strstr(d.v[0].msg, "NUL"));
	zv_diag_clear(&d);
}

/* ---- realistic files -------------------------------------------------- */

static void test_sip_conf(void **state)
{
	static const char text[] =
		";\n; SIP configuration\n;\n"
		"[general]\n"
		"context=public            ; default context for calls\n"
		"udpbindaddr=0.0.0.0:5060\n"
		"transport=udp\n"
		"disallow=all\n"
		"allow=ulaw\n"
		"allow=alaw\n"
		"useragent=Zvonok \\; test\n"
		"\n"
		";-- old settings\n"
		"nat=yes\n"
		"--;\n"
		"[office-phone](!)\n"
		"type=friend\n"
		"context=from-internal\n"
		"host=dynamic\n"
		"secret=changeme\n"
		"[6001](office-phone)\n"
		"secret=s3cr3t\n"
		"callerid=\"Alice\" <6001>\n"
		"[6002](office-phone)\n"
		"mailbox=6002@default\n";
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse(text, &d, &conf), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(zv_conf_lookup(conf, "general", "context"), "public");
	assert_string_equal(zv_conf_lookup(conf, "general", "useragent"),
			    "Zvonok ; test");
	assert_null(zv_conf_lookup(conf, "general", "nat"));
	const struct zv_conf_section *g = zv_conf_section_find(conf, "general");
	const char *codecs[] = {"ulaw", "alaw"};
	size_t n = 0;
	for (const struct zv_conf_var *v = zv_conf_var_next(g, "allow", NULL); v;
	     v = zv_conf_var_next(g, "allow", v))
		assert_string_equal(v->value, codecs[n++]);
	assert_int_equal(n, 2);
	assert_string_equal(zv_conf_lookup(conf, "6001", "secret"), "s3cr3t");
	assert_string_equal(zv_conf_lookup(conf, "6001", "host"), "dynamic");
	assert_string_equal(zv_conf_lookup(conf, "6001", "callerid"),
			    "\"Alice\" <6001>");
	assert_string_equal(zv_conf_lookup(conf, "6002", "secret"), "changeme");
	assert_string_equal(zv_conf_lookup(conf, "6002", "context"),
			    "from-internal");
	assert_null(zv_conf_section_find(conf, "office-phone"));
	n = 0;
	for (const struct zv_conf_section *s = zv_conf_section_next(conf, NULL);
	     s; s = zv_conf_section_next(conf, s))
		n++;
	assert_int_equal(n, 3);
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

static void test_pjsip_conf(void **state)
{
	static const char text[] =
		"[transport-udp]\ntype=transport\nprotocol=udp\nbind=0.0.0.0\n\n"
		"[endpoint-basic](!)\ntype=endpoint\ncontext=internal\n"
		"disallow=all\nallow=ulaw\n\n"
		"[auth-userpass](!)\ntype=auth\nauth_type=userpass\n\n"
		"[aor-single](!)\ntype=aor\nmax_contacts=1\n\n"
		"[6001](endpoint-basic)\nauth=6001\naors=6001\n"
		"[6001](auth-userpass)\npassword=6001pw\nusername=6001\n"
		"[6001](aor-single)\n"
		"[6001](+)\nremove_existing=yes\n"
		"[6001](+)\nmax_contacts+=0\n";
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse(text, &d, &conf), 0);
	const char *types[] = {"transport", "endpoint", "auth", "aor"};
	size_t n = 0;
	for (const struct zv_conf_section *s = zv_conf_section_next(conf, NULL);
	     s; s = zv_conf_section_next(conf, s)) {
		assert_true(n < 4);
		assert_string_equal(zv_conf_get(s, "type"), types[n++]);
		if (n == 4) {
			assert_string_equal(zv_conf_get(s, "max_contacts"), "10");
			assert_string_equal(zv_conf_get(s, "remove_existing"),
					    "yes");
			bool b = false;
			assert_int_equal(zv_conf_parse_bool(
						 zv_conf_get(s, "remove_existing"),
						 &b),
					 0);
			assert_true(b);
		}
	}
	assert_int_equal(n, 4);
	/* find returns the first [6001]: the endpoint. */
	assert_string_equal(zv_conf_lookup(conf, "6001", "type"), "endpoint");
	assert_string_equal(zv_conf_lookup(conf, "6001", "allow"), "ulaw");
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

static void test_extensions_conf(void **state)
{
	static const char text[] =
		"[globals]\nTRUNK=SIP/provider\n\n"
		"[internal]\n"
		"exten => _6XXX,1,NoOp(Call to ${EXTEN})\n"
		" same => n,Dial(SIP/${EXTEN},30)\n"
		" same => n,Hangup()\n"
		"exten => _X.,1,Dial(${TRUNK}/${EXTEN},30,tT)\n"
		"exten => 700,1,Set(MSG=a\\;b)   ; literal semicolon\n"
		"exten => 701,1,Set(X=${IF($[\"${A}\" = \"1\"]?y:n)})\n"
		"include => parkedcalls\n"
		"[macro-x]\n"
		"exten => s,1,Answer()\n";
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	assert_int_equal(parse(text, &d, &conf), 0);
	const struct zv_conf_section *s = zv_conf_section_find(conf, "internal");
	static const struct {
		const char *name, *value;
		unsigned line;
	} want[] = {
		{"exten", "_6XXX,1,NoOp(Call to ${EXTEN})", 5},
		{"same", "n,Dial(SIP/${EXTEN},30)", 6},
		{"same", "n,Hangup()", 7},
		{"exten", "_X.,1,Dial(${TRUNK}/${EXTEN},30,tT)", 8},
		{"exten", "700,1,Set(MSG=a;b)", 9},
		{"exten", "701,1,Set(X=${IF($[\"${A}\" = \"1\"]?y:n)})", 10},
		{"include", "parkedcalls", 11},
	};
	size_t n = 0;
	for (const struct zv_conf_var *v = zv_conf_var_next(s, NULL, NULL); v;
	     v = zv_conf_var_next(s, NULL, v)) {
		assert_true(n < sizeof(want) / sizeof(want[0]));
		assert_string_equal(v->name, want[n].name);
		assert_string_equal(v->value, want[n].value);
		assert_int_equal(v->line, want[n].line);
		assert_true(v->object);
		n++;
	}
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_string_equal(zv_conf_lookup(conf, "globals", "TRUNK"),
			    "SIP/provider");
	assert_false(zv_conf_var_next(zv_conf_section_find(conf, "globals"),
				      NULL, NULL)
			     ->object);
	conf = zv_unref(conf);
	zv_diag_clear(&d);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TI(f) cmocka_unit_test_setup_teardown(f, inc_setup, inc_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_trees),
		T(test_errors),
		T(test_all_error_lines),
		T(test_warnings),
		T(test_diag_shared),
		T(test_too_many_vars),
		T(test_lookup),
		T(test_template_flags),
		T(test_parse_bool),
		T(test_parse_int),
		T(test_check_options),
		T(test_refcount),
		TI(test_include_continuity),
		TI(test_include_forms),
		TI(test_include_confdir),
		TI(test_include_errors),
		TI(test_include_depth),
		TI(test_load_missing),
		T(test_sip_conf),
		T(test_pjsip_conf),
		T(test_extensions_conf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
