/*
 * String and list functions: CUT, FILTER, IF, ISNULL, EXISTS, LEN, REGEX,
 * REPLACE, TOUPPER, TOLOWER, FIELDQTY, LISTFILTER, SHIFT, POP, PUSH,
 * UNSHIFT, SPRINTF, QUOTE, CSV_QUOTE, BASE64_ENCODE, BASE64_DECODE, MD5,
 * SHA1.  Arguments and results as Asterisk documents them.
 */
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "func_strings"
#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_args.h"
#include "funcs/string/func_strings.h"

#define MAX_ARGS 64

static size_t args(char *buf, char **argv, size_t max)
{
	size_t argc = 0;
	if (dp_args_split(buf, ',', 0, argv, max, &argc) < 0)
		return 0;
	return argc;
}

static void put(char *buf, size_t len, const char *s)
{
	snprintf(buf, len, "%s", s);
}

/* Value of a variable by name as ${name} sees it ("" when unset). */
static void var_value(struct zv_channel *chan, const char *name, char *buf, size_t len)
{
	if (zv_pbx_var_get(chan, name, buf, len) < 0 && len)
		buf[0] = '\0';
}

/* Asterisk's pbx_checkcondition(): empty is false, a number is its value,
 * any other text is true. */
bool func_checkcondition(const char *s)
{
	while (*s == ' ')
		s++;
	if (!*s)
		return false;
	char *end;
	long v = strtol(s, &end, 10);
	while (*end == ' ')
		end++;
	if (!*end)
		return v != 0;
	return true;
}

/* ---- CUT ------------------------------------------------------------------ */

static int cut_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		    size_t len)
{
	char *argv[3];
	size_t argc = args(data, argv, 3);
	if (argc < 1 || !*argv[0])
		return -EINVAL;
	char delim = argc > 1 && *argv[1] ? argv[1][0] : '-';
	if (argc > 1 && argv[1][0] == '\\' && argv[1][1])
		delim = argv[1][1];
	const char *spec = argc > 2 ? argv[2] : "1";
	char value[DP_VALUE_MAX];
	var_value(chan, argv[0], value, sizeof(value));

	/* Split value into fields. */
	char *fields[512];
	size_t nf = 0;
	char *p = value;
	for (;;) {
		if (nf < 512)
			fields[nf++] = p;
		char *d = strchr(p, delim);
		if (!d)
			break;
		*d = '\0';
		p = d + 1;
	}
	size_t out = 0;
	buf[0] = '\0';
	bool first = true;
	char specbuf[256];
	snprintf(specbuf, sizeof(specbuf), "%s", spec);
	char *save = NULL;
	for (char *r = strtok_r(specbuf, "&", &save); r; r = strtok_r(NULL, "&", &save)) {
		long from, to;
		char *dash = strchr(r, '-');
		if (!dash) {
			from = to = strtol(r, NULL, 10);
		} else {
			from = dash == r ? 1 : strtol(r, NULL, 10);
			to = dash[1] ? strtol(dash + 1, NULL, 10) : (long)nf;
		}
		if (from < 1)
			from = 1;
		for (long i = from; i <= to && i <= (long)nf; i++) {
			int n = snprintf(buf + out, out < len ? len - out : 0, "%s%s",
					 first ? "" : (char[]){delim, 0}, fields[i - 1]);
			if (n < 0 || out + (size_t)n >= len)
				return 0;
			out += (size_t)n;
			first = false;
		}
	}
	return 0;
}

/* ---- FILTER ---------------------------------------------------------------- */

static int filter_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		       size_t len)
{
	char *comma = strchr(data, ',');
	if (!comma)
		return -EINVAL;
	*comma = '\0';
	bool allowed[256] = {false};
	const unsigned char *a = (const unsigned char *)data;
	while (*a) {
		unsigned char c1 = *a++;
		if (c1 == '\\' && *a)
			c1 = *a++;
		if (*a == '-' && a[1]) {
			unsigned char c2 = a[1];
			a += 2;
			if (c2 == '\\' && *a)
				c2 = *a++;
			for (unsigned c = c1; c <= c2; c++)
				allowed[c] = true;
		} else {
			allowed[c1] = true;
		}
	}
	size_t o = 0;
	for (const unsigned char *s = (const unsigned char *)comma + 1; *s && o + 1 < len; s++)
		if (allowed[*s])
			buf[o++] = (char)*s;
	buf[o] = '\0';
	return 0;
}

/* ---- IF, ISNULL, EXISTS, LEN ------------------------------------------------ */

static int if_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		   size_t len)
{
	char *q = strchr(data, '?');
	if (!q) {
		zv_warn("IF: syntax is IF(<expr>?[<true>][:<false>])");
		return -EINVAL;
	}
	*q = '\0';
	char *t = q + 1;
	char *colon = strchr(t, ':');
	char *f = "";
	if (colon) {
		*colon = '\0';
		f = colon + 1;
	}
	put(buf, len, func_checkcondition(data) ? t : f);
	return 0;
}

static int isnull_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		       size_t len)
{
	put(buf, len, *data ? "0" : "1");
	return 0;
}

static int exists_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		       size_t len)
{
	put(buf, len, *data ? "1" : "0");
	return 0;
}

static int len_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		    size_t len)
{
	snprintf(buf, len, "%zu", strlen(data));
	return 0;
}

/* ---- REGEX("re" string) --------------------------------------------------------- */

static int regex_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		      size_t len)
{
	char *p = data;
	while (*p == ' ')
		p++;
	if (*p != '"') {
		zv_warn("REGEX: the expression must be in double quotes");
		return -EINVAL;
	}
	char *end = strchr(p + 1, '"');
	if (!end)
		return -EINVAL;
	*end = '\0';
	char *subject = end + 1;
	if (*subject == ' ')
		subject++;
	regex_t re;
	if (regcomp(&re, p + 1, REG_EXTENDED | REG_NOSUB)) {
		zv_warn("REGEX: invalid expression '%s'", p + 1);
		return -EINVAL;
	}
	put(buf, len, regexec(&re, subject, 0, NULL, 0) ? "0" : "1");
	regfree(&re);
	return 0;
}

/* ---- REPLACE(varname,find-chars[,replace-char]) -------------------------- */

static int replace_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			size_t len)
{
	char *argv[3];
	size_t argc = args(data, argv, 3);
	if (argc < 2 || !*argv[1])
		return -EINVAL;
	char value[DP_VALUE_MAX];
	var_value(chan, argv[0], value, sizeof(value));
	char rep = argc > 2 ? argv[2][0] : '\0';
	size_t o = 0;
	for (const char *s = value; *s && o + 1 < len; s++) {
		if (strchr(argv[1], *s)) {
			if (rep)
				buf[o++] = rep;
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return 0;
}

static int toupper_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			size_t len)
{
	size_t o = 0;
	for (; data[o] && o + 1 < len; o++)
		buf[o] = (char)toupper((unsigned char)data[o]);
	buf[o] = '\0';
	return 0;
}

static int tolower_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			size_t len)
{
	size_t o = 0;
	for (; data[o] && o + 1 < len; o++)
		buf[o] = (char)tolower((unsigned char)data[o]);
	buf[o] = '\0';
	return 0;
}

/* Delimiter argument: first character, "\n"-style escapes, default ','. */
static char delim_arg(size_t argc, char **argv, size_t i, char dflt)
{
	if (argc <= i || !argv[i][0])
		return dflt;
	if (argv[i][0] == '\\' && argv[i][1]) {
		switch (argv[i][1]) {
		case 'n':
			return '\n';
		case 't':
			return '\t';
		case 'r':
			return '\r';
		default:
			return argv[i][1];
		}
	}
	return argv[i][0];
}

static int fieldqty_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			 size_t len)
{
	char *argv[2];
	size_t argc = args(data, argv, 2);
	if (argc < 1)
		return -EINVAL;
	char value[DP_VALUE_MAX];
	var_value(chan, argv[0], value, sizeof(value));
	char d = delim_arg(argc, argv, 1, '-');
	unsigned n = 0;
	if (*value) {
		n = 1;
		for (const char *s = value; *s; s++)
			n += *s == d;
	}
	snprintf(buf, len, "%u", n);
	return 0;
}

static int listfilter_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			   size_t len)
{
	char *argv[3];
	size_t argc = args(data, argv, 3);
	if (argc < 3)
		return -EINVAL;
	char value[DP_VALUE_MAX];
	var_value(chan, argv[0], value, sizeof(value));
	char d = delim_arg(argc, argv, 1, ',');
	size_t o = 0;
	bool first = true;
	buf[0] = '\0';
	char *p = value;
	for (;;) {
		char *e = strchr(p, d);
		if (e)
			*e = '\0';
		if (strcmp(p, argv[2])) {
			int n = snprintf(buf + o, o < len ? len - o : 0, "%s%s",
					 first ? "" : (char[]){d, 0}, p);
			if (n > 0 && o + (size_t)n < len)
				o += (size_t)n;
			first = false;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* SHIFT/POP remove and return the first/last element of a variable's list;
 * PUSH/UNSHIFT append/prepend (write). */
static int shiftpop(struct zv_channel *chan, char *data, char *buf, size_t len, bool last)
{
	char *argv[2];
	size_t argc = args(data, argv, 2);
	if (argc < 1 || !chan)
		return -EINVAL;
	char d = delim_arg(argc, argv, 1, ',');
	char value[DP_VALUE_MAX];
	var_value(chan, argv[0], value, sizeof(value));
	char *cut = last ? strrchr(value, d) : strchr(value, d);
	if (!cut) {
		put(buf, len, value);
		zv_channel_var_set(chan, argv[0], NULL);
		return 0;
	}
	*cut = '\0';
	if (last) {
		put(buf, len, cut + 1);
		zv_channel_var_set(chan, argv[0], value);
	} else {
		put(buf, len, value);
		zv_channel_var_set(chan, argv[0], cut + 1);
	}
	return 0;
}

static int shift_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		      size_t len)
{
	return shiftpop(chan, data, buf, len, false);
}

static int pop_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		    size_t len)
{
	return shiftpop(chan, data, buf, len, true);
}

static int pushunshift(struct zv_channel *chan, char *data, const char *value, bool front)
{
	char *argv[2];
	size_t argc = args(data, argv, 2);
	if (argc < 1 || !chan)
		return -EINVAL;
	char d = delim_arg(argc, argv, 1, ',');
	char old[DP_VALUE_MAX];
	var_value(chan, argv[0], old, sizeof(old));
	char *joined = NULL;
	int n;
	if (!*old)
		n = asprintf(&joined, "%s", value);
	else if (front)
		n = asprintf(&joined, "%s%c%s", value, d, old);
	else
		n = asprintf(&joined, "%s%c%s", old, d, value);
	if (n < 0)
		return -ENOMEM;
	int err = zv_channel_var_set(chan, argv[0], joined);
	free(joined);
	return err;
}

static int push_write(struct zv_channel *chan, const char *name, char *data, const char *value)
{
	return pushunshift(chan, data, value, false);
}

static int unshift_write(struct zv_channel *chan, const char *name, char *data,
			 const char *value)
{
	return pushunshift(chan, data, value, true);
}

/* ---- SPRINTF ----------------------------------------------------------------- */

static int sprintf_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			size_t len)
{
	char *argv[MAX_ARGS];
	size_t argc = args(data, argv, MAX_ARGS);
	if (argc < 1)
		return -EINVAL;
	const char *f = argv[0];
	size_t o = 0, ai = 1;
	buf[0] = '\0';
	while (*f && o + 1 < len) {
		if (*f != '%') {
			buf[o++] = *f++;
			continue;
		}
		if (f[1] == '%') {
			buf[o++] = '%';
			f += 2;
			continue;
		}
		/* %[flags][width][.precision]conv, copied into a safe format */
		char spec[32];
		size_t sl = 0;
		spec[sl++] = *f++;
		while (*f && strchr("#0- +'", *f) && sl < 8)
			spec[sl++] = *f++;
		while (isdigit((unsigned char)*f) && sl < 16)
			spec[sl++] = *f++;
		if (*f == '.') {
			spec[sl++] = *f++;
			while (isdigit((unsigned char)*f) && sl < 24)
				spec[sl++] = *f++;
		}
		char conv = *f ? *f++ : '\0';
		const char *arg = ai < argc ? argv[ai++] : "";
		int n;
		switch (conv) {
		case 'd':
		case 'i':
		case 'u':
		case 'o':
		case 'x':
		case 'X':
			spec[sl++] = 'l';
			spec[sl++] = conv;
			spec[sl] = '\0';
			n = snprintf(buf + o, len - o, spec, strtol(arg, NULL, 10));
			break;
		case 'c':
			spec[sl++] = 'c';
			spec[sl] = '\0';
			n = snprintf(buf + o, len - o, spec, arg[0] ? arg[0] : ' ');
			break;
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G':
		case 'a':
		case 'A':
			spec[sl++] = conv;
			spec[sl] = '\0';
			n = snprintf(buf + o, len - o, spec, strtod(arg, NULL));
			break;
		case 's':
			spec[sl++] = 's';
			spec[sl] = '\0';
			n = snprintf(buf + o, len - o, spec, arg);
			break;
		default:
			zv_warn("SPRINTF: unsupported conversion '%%%c'", conv ? conv : ' ');
			return -EINVAL;
		}
		if (n < 0)
			return -EINVAL;
		o += (size_t)n < len - o ? (size_t)n : len - o - 1;
	}
	buf[o] = '\0';
	return 0;
}

/* ---- QUOTE, CSV_QUOTE ---------------------------------------------------------- */

static int quote_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		      size_t len)
{
	size_t o = 0;
	if (len < 3)
		return -ENOSPC;
	buf[o++] = '"';
	for (const char *s = data; *s && o + 3 < len; s++) {
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return 0;
}

static int csv_quote_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			  size_t len)
{
	size_t o = 0;
	if (len < 3)
		return -ENOSPC;
	buf[o++] = '"';
	for (const char *s = data; *s && o + 3 < len; s++) {
		if (*s == '"')
			buf[o++] = '"';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return 0;
}

/* ---- BASE64, MD5, SHA1 -------------------------------------------------------- */

static int b64enc_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		       size_t len)
{
	size_t n = strlen(data);
	if (4 * ((n + 2) / 3) + 1 > len)
		return -ENOSPC;
	EVP_EncodeBlock((unsigned char *)buf, (const unsigned char *)data, (int)n);
	return 0;
}

static int b64dec_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		       size_t len)
{
	size_t n = strlen(data);
	/* Tolerate missing padding, as Asterisk's decoder does. */
	char *padded = malloc(n + 4);
	if (!padded)
		return -ENOMEM;
	memcpy(padded, data, n);
	while (n % 4)
		padded[n++] = '=';
	padded[n] = '\0';
	if (3 * (n / 4) + 1 > len) {
		free(padded);
		return -ENOSPC;
	}
	int out = EVP_DecodeBlock((unsigned char *)buf, (unsigned char *)padded, (int)n);
	if (out < 0) {
		free(padded);
		buf[0] = '\0';
		return -EINVAL;
	}
	/* EVP_DecodeBlock counts padding bytes as output zeros. */
	for (size_t i = n; i > 0 && padded[i - 1] == '='; i--)
		out--;
	buf[out] = '\0';
	free(padded);
	return 0;
}

static int digest_hex(const EVP_MD *md, const char *data, char *buf, size_t len)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	if (!EVP_Digest(data, strlen(data), d, &dl, md, NULL))
		return -EIO;
	if (len < dl * 2 + 1)
		return -ENOSPC;
	for (unsigned i = 0; i < dl; i++)
		snprintf(buf + i * 2, 3, "%02x", d[i]);
	return 0;
}

static int md5_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		    size_t len)
{
	if (!*data) {
		zv_warn("Syntax: MD5(<data>) - missing argument!");
		return -EINVAL;
	}
	return digest_hex(EVP_md5(), data, buf, len);
}

static int sha1_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		     size_t len)
{
	if (!*data) {
		zv_warn("Syntax: SHA1(<data>) - missing argument!");
		return -EINVAL;
	}
	return digest_hex(EVP_sha1(), data, buf, len);
}

static const struct zv_func funcs[] = {
	{"CUT", "Slices and dices strings, based upon a named delimiter.",
	 "CUT(varname,char-delim,range-spec)",
	 "Fields of the variable's value split at char-delim (default '-'): a number, a "
	 "range a-b, a- or -b, and groups joined with &.",
	 cut_read, NULL},
	{"FILTER", "Filter the string to include only the allowed characters",
	 "FILTER(allowed-chars,string)", "Keeps only the allowed characters (ranges like a-z).",
	 filter_read, NULL},
	{"IF", "Check for an expresion.", "IF(expression?[retvalue_true][:retvalue_false])",
	 "Returns the first value when expression is true (non-empty, non-zero).", if_read,
	 NULL},
	{"ISNULL", "Check if a value is NULL.", "ISNULL(data)", "1 if data is empty, else 0.",
	 isnull_read, NULL},
	{"EXISTS", "Test the existence of a value.", "EXISTS(data)", "1 if data is not empty.",
	 exists_read, NULL},
	{"LEN", "Return the length of the string given.", "LEN(string)",
	 "The number of characters of string.", len_read, NULL},
	{"REGEX", "Check string against a regular expression.", "REGEX(\"regular expression\" string)",
	 "1 if string matches the POSIX extended regular expression, else 0.", regex_read, NULL},
	{"REPLACE", "Replace a set of characters in a given string with another character.",
	 "REPLACE(varname,find-chars[,replace-char])",
	 "The variable's value with every character of find-chars replaced (or removed).",
	 replace_read, NULL},
	{"TOUPPER", "Convert string to all uppercase letters.", "TOUPPER(string)", "", toupper_read,
	 NULL},
	{"TOLOWER", "Convert string to all lowercase letters.", "TOLOWER(string)", "", tolower_read,
	 NULL},
	{"FIELDQTY", "Count the fields with an arbitrary delimiter", "FIELDQTY(varname,delim)",
	 "Number of fields of the variable's value.", fieldqty_read, NULL},
	{"LISTFILTER", "Remove an item from a list, by name.", "LISTFILTER(varname,delim,value)",
	 "The list without every element equal to value.", listfilter_read, NULL},
	{"SHIFT", "Removes and returns the first item off of a variable containing delimited text",
	 "SHIFT(varname[,delimiter])", "", shift_read, NULL},
	{"POP", "Removes and returns the last item off of a variable containing delimited text",
	 "POP(varname[,delimiter])", "", pop_read, NULL},
	{"PUSH", "Appends one or more values to the end of a variable containing delimited text",
	 "PUSH(varname[,delimiter])=value", "", NULL, push_write},
	{"UNSHIFT", "Inserts one or more values to the beginning of a variable containing delimited text",
	 "UNSHIFT(varname[,delimiter])=value", "", NULL, unshift_write},
	{"SPRINTF", "Format a variable according to a format string.", "SPRINTF(format,arg1[,arg2...])",
	 "printf-style formatting with %d %i %u %o %x %X %c %s %e %f %g and flags.", sprintf_read,
	 NULL},
	{"QUOTE", "Quotes a given string, escaping embedded quotes as necessary", "QUOTE(string)", "",
	 quote_read, NULL},
	{"CSV_QUOTE", "Quotes a given string for use in a CSV file, escaping embedded quotes as necessary",
	 "CSV_QUOTE(string)", "", csv_quote_read, NULL},
	{"BASE64_ENCODE", "Encode a string in base64.", "BASE64_ENCODE(string)", "", b64enc_read, NULL},
	{"BASE64_DECODE", "Decode a base64 string.", "BASE64_DECODE(string)", "", b64dec_read, NULL},
	{"MD5", "Computes an MD5 digest.", "MD5(data)", "Lower-case hex.", md5_read, NULL},
	{"SHA1", "Computes a SHA1 digest.", "SHA1(data)", "Lower-case hex.", sha1_read, NULL},
};

static int strings_load(struct zv_module *mod)
{
	return zv_funcs_register(mod, funcs, sizeof(funcs) / sizeof(*funcs));
}

ZV_MODULE(func_strings) = {
	.summary = "String and list functions",
	.load = strings_load,
};
