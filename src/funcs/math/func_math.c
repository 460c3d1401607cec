/*
 * Numeric, time and environment functions: MATH, INC, DEC, RAND,
 * STRFTIME, IFTIME, STAT, ENV.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define ZV_LOG_MODULE "func_math"
#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_args.h"
#include "dialplan/dp_time.h"
#include "funcs/string/func_strings.h"

/* MATH(number1 op number2[,type]): one binary operator as Asterisk's
 * func_math: + - * / % ^ << >> < > <= >= == ; result types f (float,
 * default, "%f"), i (integer), h (hex), c (character). */
static int math_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		     size_t len)
{
	char *type = strrchr(data, ',');
	if (type)
		*type++ = '\0';
	static const char *const ops[] = {"<<", ">>", "<=", ">=", "==", "+", "-", "*",
					  "/",  "%",  "^",  "<",  ">"};
	char *op = NULL;
	size_t opi = 0;
	/* The operator after the first operand (a leading '-' is a sign). */
	for (char *p = data + (data[0] == '-' ? 1 : 0); *p && !op; p++) {
		for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++) {
			size_t n = strlen(ops[i]);
			if (!strncmp(p, ops[i], n)) {
				if (p > data && (p[-1] == 'e' || p[-1] == 'E') && (*p == '-' || *p == '+'))
					continue; /* exponent sign */
				op = p;
				opi = i;
				break;
			}
		}
	}
	if (!op) {
		zv_warn("MATH: no operator in '%s'", data);
		return -EINVAL;
	}
	size_t oplen = strlen(ops[opi]);
	char *rhs = op + oplen;
	*op = '\0';
	char *e1, *e2;
	double a = strtod(data, &e1), b = strtod(rhs, &e2);
	while (*e1 == ' ')
		e1++;
	while (*e2 == ' ')
		e2++;
	if (e1 == data || *e1 || *e2 || e2 == rhs) {
		zv_warn("MATH: operands must be numbers");
		return -EINVAL;
	}
	double r;
	switch (opi) {
	case 0: r = (double)((long long)a << (long long)b); break;
	case 1: r = (double)((long long)a >> (long long)b); break;
	case 2: r = a <= b; break;
	case 3: r = a >= b; break;
	case 4: r = a == b; break;
	case 5: r = a + b; break;
	case 6: r = a - b; break;
	case 7: r = a * b; break;
	case 8:
		if (b == 0) {
			zv_warn("MATH: attempt to divide by zero");
			return -EINVAL;
		}
		r = a / b;
		break;
	case 9:
		if ((long long)b == 0) {
			zv_warn("MATH: attempt to divide by zero");
			return -EINVAL;
		}
		r = (double)((long long)a % (long long)b);
		break;
	case 10: r = pow(a, b); break;
	case 11: r = a < b; break;
	default: r = a > b; break;
	}
	if (type && (!strcasecmp(type, "i") || !strcasecmp(type, "int")))
		snprintf(buf, len, "%lld", (long long)r);
	else if (type && (!strcasecmp(type, "h") || !strcasecmp(type, "hex")))
		snprintf(buf, len, "%llx", (long long)r);
	else if (type && (!strcasecmp(type, "c") || !strcasecmp(type, "char")))
		snprintf(buf, len, "%c", (unsigned char)(long long)r);
	else
		snprintf(buf, len, "%f", r);
	return 0;
}

static int incdec(struct zv_channel *chan, char *data, char *buf, size_t len, int delta)
{
	if (!chan || !*data)
		return -EINVAL;
	char value[64];
	if (zv_pbx_var_get(chan, data, value, sizeof(value)) < 0 || !*value) {
		zv_warn("%s: variable '%s' is not set", delta > 0 ? "INC" : "DEC", data);
		return -EINVAL;
	}
	char *end;
	long long v = strtoll(value, &end, 10);
	if (*end) {
		zv_warn("%s: '%s' is not a number", delta > 0 ? "INC" : "DEC", value);
		return -EINVAL;
	}
	v += delta;
	snprintf(buf, len, "%lld", v);
	return zv_channel_var_set(chan, data, buf);
}

static int inc_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		    size_t len)
{
	return incdec(chan, data, buf, len, 1);
}

static int dec_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		    size_t len)
{
	return incdec(chan, data, buf, len, -1);
}

static int rand_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		     size_t len)
{
	char *argv[2];
	size_t argc = 0;
	dp_args_split(data, ',', 0, argv, 2, &argc);
	long lo = argc > 0 && *argv[0] ? strtol(argv[0], NULL, 10) : 0;
	long hi = argc > 1 && *argv[1] ? strtol(argv[1], NULL, 10) : RAND_MAX;
	if (hi < lo) {
		long t = lo;
		lo = hi;
		hi = t;
	}
	unsigned long span = (unsigned long)(hi - lo) + 1;
	snprintf(buf, len, "%ld", lo + (long)((unsigned long)random() % (span ? span : 1)));
	return 0;
}

/* TZ switching for STRFTIME with a zone: one lock, as localtime is global. */
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

static int strftime_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			 size_t len)
{
	char *argv[3];
	size_t argc = 0;
	dp_args_split(data, ',', 0, argv, 3, &argc);
	time_t t = argc > 0 && *argv[0] ? (time_t)strtoll(argv[0], NULL, 10) : time(NULL);
	const char *tz = argc > 1 && *argv[1] ? argv[1] : NULL;
	const char *fmt = argc > 2 && *argv[2] ? argv[2] : "%c";
	struct tm tm;
	pthread_mutex_lock(&tz_lock);
	char *old = NULL;
	if (tz) {
		const char *cur = getenv("TZ");
		old = cur ? strdup(cur) : NULL;
		setenv("TZ", tz, 1);
		tzset();
	}
	localtime_r(&t, &tm);
	if (!strftime(buf, len, fmt, &tm))
		buf[0] = '\0';
	if (tz) {
		if (old)
			setenv("TZ", old, 1);
		else
			unsetenv("TZ");
		tzset();
		free(old);
	}
	pthread_mutex_unlock(&tz_lock);
	return 0;
}

/* IFTIME(times,weekdays,mdays,months[,tz]?[true][:false]) */
static int iftime_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		       size_t len)
{
	char *q = strchr(data, '?');
	if (!q) {
		zv_warn("IFTIME: syntax is IFTIME(<timespec>?[<true>][:<false>])");
		return -EINVAL;
	}
	*q = '\0';
	char *t = q + 1, *f = "";
	char *colon = strchr(t, ':');
	if (colon) {
		*colon = '\0';
		f = colon + 1;
	}
	struct dp_time spec;
	if (dp_time_parse(data, &spec) < 0) {
		zv_warn("IFTIME: invalid time specification '%s'", data);
		return -EINVAL;
	}
	snprintf(buf, len, "%s", dp_time_check(&spec, time(NULL)) ? t : f);
	return 0;
}

/* STAT(flag,filename): e exists, s size, f regular file, d directory,
 * M mtime, A atime, C ctime, m mode (octal). */
static int stat_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		     size_t len)
{
	char *comma = strchr(data, ',');
	if (!comma || comma == data)
		return -EINVAL;
	struct stat st;
	bool ok = stat(comma + 1, &st) == 0;
	switch (data[0]) {
	case 'e':
		snprintf(buf, len, "%d", ok);
		return 0;
	case 'd':
		snprintf(buf, len, "%d", ok && S_ISDIR(st.st_mode));
		return 0;
	case 'f':
		snprintf(buf, len, "%d", ok && S_ISREG(st.st_mode));
		return 0;
	}
	if (!ok) {
		buf[0] = '\0';
		return 0;
	}
	switch (data[0]) {
	case 's':
		snprintf(buf, len, "%lld", (long long)st.st_size);
		break;
	case 'M':
		snprintf(buf, len, "%lld", (long long)st.st_mtime);
		break;
	case 'A':
		snprintf(buf, len, "%lld", (long long)st.st_atime);
		break;
	case 'C':
		snprintf(buf, len, "%lld", (long long)st.st_ctime);
		break;
	case 'm':
		snprintf(buf, len, "%o", (unsigned)st.st_mode);
		break;
	default:
		zv_warn("STAT: unknown flag '%c'", data[0]);
		return -EINVAL;
	}
	return 0;
}

static int env_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		    size_t len)
{
	const char *v = getenv(data);
	snprintf(buf, len, "%s", v ? v : "");
	return 0;
}

static int env_write(struct zv_channel *chan, const char *name, char *data, const char *value)
{
	if (!*data)
		return -EINVAL;
	if (*value)
		return setenv(data, value, 1) ? -errno : 0;
	return unsetenv(data) ? -errno : 0;
}

static const struct zv_func funcs[] = {
	{"MATH", "Performs Mathematical Functions.", "MATH(expression[,type])",
	 "One binary operation: + - * / % ^ << >> < > <= >= ==; type f (default, %f), i, h or c.",
	 math_read, NULL},
	{"INC", "Increments the value of a variable, while returning the updated value",
	 "INC(variable)", "", inc_read, NULL},
	{"DEC", "Decrements the value of a variable, while returning the updated value",
	 "DEC(variable)", "", dec_read, NULL},
	{"RAND", "Choose a random number in a range.", "RAND([min][,max])", "", rand_read, NULL},
	{"STRFTIME", "Returns the current date/time in the specified format.",
	 "STRFTIME([epoch][,timezone[,format]])", "format defaults to %c.", strftime_read, NULL},
	{"IFTIME", "Temporal Conditional.", "IFTIME(timespec?[value_if_true][:value_if_false])",
	 "timespec as GotoIfTime: times,weekdays,mdays,months[,timezone].", iftime_read, NULL},
	{"STAT", "Does a check on the specified file.", "STAT(flag,filename)",
	 "Flags: e d f s M A C m.", stat_read, NULL},
	{"ENV", "Gets or sets the environment variable specified.", "ENV(varname)", "", env_read,
	 env_write},
};

static int math_load(struct zv_module *mod)
{
	return zv_funcs_register(mod, funcs, sizeof(funcs) / sizeof(*funcs));
}

ZV_MODULE(func_math) = {
	.summary = "Math, time and environment functions",
	.load = math_load,
};
