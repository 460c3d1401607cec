/*
 * Functions about channels, the dialplan and shared state: CALLERID,
 * CONNECTEDLINE, CALLERPRES, CHANNEL, GLOBAL, SHARED, DB, DB_EXISTS, DB_DELETE,
 * DB_KEYS, DEVICE_STATE, EXTENSION_STATE, HINT, DIALPLAN_EXISTS,
 * VALID_EXTEN.
 *
 * CDR() and CDR_PROP() belong to the CDR engine (src/cdr/cdr_engine.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdatomic.h>
#include <time.h>

#define ZV_LOG_MODULE "func_channel"
#include <zvonok/astdb.h>
#include <zvonok/channel.h>
#include <zvonok/devstate.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_args.h"
#include "funcs/channel/cdr_fields.h"
#include "funcs/string/func_strings.h"

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* ---- CALLERID / CONNECTEDLINE ---------------------------------------------- */

/* Split "\"Name\" <num>" (or "Name <num>", or "num") into name and num. */
static void parse_callerid(const char *in, char *name, size_t nsize, char *num, size_t numsize)
{
	name[0] = num[0] = '\0';
	const char *lt = strrchr(in, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt) {
		snprintf(num, numsize, "%.*s", (int)(gt - lt - 1), lt + 1);
		const char *s = in, *e = lt;
		while (s < e && *s == ' ')
			s++;
		while (e > s && e[-1] == ' ')
			e--;
		if (e - s >= 2 && *s == '"' && e[-1] == '"') {
			s++;
			e--;
		}
		snprintf(name, nsize, "%.*s", (int)(e - s), s);
	} else {
		const char *s = in;
		while (*s == ' ')
			s++;
		bool digits = *s != '\0';
		for (const char *p = s; *p; p++)
			if (!strchr("0123456789+*#-() ", *p))
				digits = false;
		if (digits)
			snprintf(num, numsize, "%s", s);
		else
			snprintf(name, nsize, "%s", s);
	}
}

/*
 * The presentation items of CALLERID and CONNECTEDLINE: "pres" (read: the
 * combined presentation; write: name and number), "name-pres",
 * "num-pres" (or "number-pres").  Values by name (prohib,
 * allowed_not_screened...) or number, as Asterisk.  1 when item is one of
 * them (done, or *err set), 0 when it is not.
 */
static int pres_item(struct zv_channel *chan, bool connected, const char *fn, const char *item,
		     const char *value, char *buf, size_t len, int *err)
{
	int which;
	if (!strcasecmp(item, "pres"))
		which = 0;
	else if (!strcasecmp(item, "name-pres"))
		which = 1;
	else if (!strcasecmp(item, "num-pres") || !strcasecmp(item, "number-pres"))
		which = 2;
	else
		return 0;
	*err = 0;
	int np = connected ? zv_channel_connected_name_pres(chan) : zv_channel_cid_name_pres(chan);
	int up = connected ? zv_channel_connected_num_pres(chan) : zv_channel_cid_num_pres(chan);
	if (!value) {
		int v = which == 1 ? np : which == 2 ? up : zv_pres_combine(np, up);
		snprintf(buf, len, "%s", zv_pres_name(v));
		return 1;
	}
	int v = zv_pres_parse(value);
	if (v < 0) {
		zv_warn("%s(%s): invalid presentation '%s'", fn, item, value);
		*err = -EINVAL;
		return 1;
	}
	if (which != 2)
		np = v;
	if (which != 1)
		up = v;
	if (connected)
		zv_channel_set_connected_pres(chan, np, up);
	else
		zv_channel_set_cid_pres(chan, np, up);
	return 1;
}

static int callerid_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			 size_t len)
{
	if (!chan)
		return -EINVAL;
	const char *what = data;
	int err;
	if (pres_item(chan, false, "CALLERID", what, NULL, buf, len, &err))
		return err;
	if (!strcasecmp(what, "all")) {
		const char *n = zv_channel_cid_name(chan), *u = zv_channel_cid_num(chan);
		if (n && *n)
			snprintf(buf, len, "\"%s\" <%s>", n, nz(u));
		else
			snprintf(buf, len, "%s", nz(u));
	} else if (!strcasecmp(what, "name"))
		snprintf(buf, len, "%s", nz(zv_channel_cid_name(chan)));
	else if (!strcasecmp(what, "num") || !strcasecmp(what, "number"))
		snprintf(buf, len, "%s", nz(zv_channel_cid_num(chan)));
	else if (!strcasecmp(what, "ani") || !strcasecmp(what, "ani-num"))
		snprintf(buf, len, "%s", nz(zv_channel_cid_ani(chan)));
	else if (!strcasecmp(what, "dnid") || !strcasecmp(what, "dnid-num"))
		snprintf(buf, len, "%s", nz(zv_channel_cid_dnid(chan)));
	else if (!strcasecmp(what, "rdnis") || !strcasecmp(what, "rdnis-num"))
		snprintf(buf, len, "%s", nz(zv_channel_cid_rdnis(chan)));
	else {
		zv_warn("CALLERID: unknown item '%s'", what);
		return -EINVAL;
	}
	return 0;
}

static int callerid_write(struct zv_channel *chan, const char *name, char *data,
			  const char *value)
{
	if (!chan)
		return -EINVAL;
	int err;
	if (pres_item(chan, false, "CALLERID", data, value, NULL, 0, &err))
		return err;
	if (!strcasecmp(data, "all")) {
		char n[256], u[256];
		parse_callerid(value, n, sizeof(n), u, sizeof(u));
		zv_channel_set_cid(chan, n[0] ? n : NULL, u[0] ? u : NULL);
	} else if (!strcasecmp(data, "name")) {
		char u[256];
		snprintf(u, sizeof(u), "%s", nz(zv_channel_cid_num(chan)));
		zv_channel_set_cid(chan, value, u[0] ? u : NULL);
	} else if (!strcasecmp(data, "num") || !strcasecmp(data, "number")) {
		char n[256];
		snprintf(n, sizeof(n), "%s", nz(zv_channel_cid_name(chan)));
		zv_channel_set_cid(chan, n[0] ? n : NULL, value);
	} else if (!strcasecmp(data, "ani") || !strcasecmp(data, "dnid") ||
		   !strcasecmp(data, "rdnis")) {
		char dnid[256], rdnis[256], ani[256];
		snprintf(dnid, sizeof(dnid), "%s", nz(zv_channel_cid_dnid(chan)));
		snprintf(rdnis, sizeof(rdnis), "%s", nz(zv_channel_cid_rdnis(chan)));
		snprintf(ani, sizeof(ani), "%s", nz(zv_channel_cid_ani(chan)));
		char *slot = !strcasecmp(data, "ani") ? ani : !strcasecmp(data, "dnid") ? dnid : rdnis;
		snprintf(slot, 256, "%s", value);
		zv_channel_set_cid_extra(chan, dnid, rdnis, ani);
	} else {
		zv_warn("CALLERID: unknown item '%s'", data);
		return -EINVAL;
	}
	return 0;
}

static int connected_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			  size_t len)
{
	if (!chan)
		return -EINVAL;
	int err;
	if (pres_item(chan, true, "CONNECTEDLINE", data, NULL, buf, len, &err))
		return err;
	const char *n = zv_channel_connected_name(chan), *u = zv_channel_connected_num(chan);
	if (!strcasecmp(data, "all")) {
		if (n && *n)
			snprintf(buf, len, "\"%s\" <%s>", n, nz(u));
		else
			snprintf(buf, len, "%s", nz(u));
	} else if (!strcasecmp(data, "name"))
		snprintf(buf, len, "%s", nz(n));
	else if (!strcasecmp(data, "num") || !strcasecmp(data, "number"))
		snprintf(buf, len, "%s", nz(u));
	else
		return -EINVAL;
	return 0;
}

static int connected_write(struct zv_channel *chan, const char *name, char *data,
			   const char *value)
{
	if (!chan)
		return -EINVAL;
	int err;
	if (pres_item(chan, true, "CONNECTEDLINE", data, value, NULL, 0, &err))
		return err;
	char n[256], u[256];
	snprintf(n, sizeof(n), "%s", nz(zv_channel_connected_name(chan)));
	snprintf(u, sizeof(u), "%s", nz(zv_channel_connected_num(chan)));
	if (!strcasecmp(data, "all"))
		parse_callerid(value, n, sizeof(n), u, sizeof(u));
	else if (!strcasecmp(data, "name"))
		snprintf(n, sizeof(n), "%s", value);
	else if (!strcasecmp(data, "num") || !strcasecmp(data, "number"))
		snprintf(u, sizeof(u), "%s", value);
	else
		return -EINVAL;
	zv_channel_set_connected(chan, n[0] ? n : NULL, u[0] ? u : NULL);
	return 0;
}

/* CALLERPRES(): Asterisk's deprecated spelling of CALLERID(pres) (read)
 * and of setting both name-pres and num-pres (write). */
static void callerpres_deprecated(void)
{
	static atomic_bool warned;
	if (!atomic_exchange(&warned, true))
		zv_warn("CALLERPRES is deprecated: use CALLERID(name-pres) or CALLERID(num-pres)");
}

static int callerpres_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			   size_t len)
{
	int err;
	if (!chan)
		return -EINVAL;
	callerpres_deprecated();
	pres_item(chan, false, "CALLERPRES", "pres", NULL, buf, len, &err);
	return err;
}

static int callerpres_write(struct zv_channel *chan, const char *name, char *data,
			    const char *value)
{
	int err;
	if (!chan)
		return -EINVAL;
	callerpres_deprecated();
	pres_item(chan, false, "CALLERPRES", "pres", value, NULL, 0, &err);
	return err;
}

/* ---- CHANNEL --------------------------------------------------------------- */

static const char *const ama_names[] = {"DEFAULT", "OMIT", "BILLING", "DOCUMENTATION"};

static int channel_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			size_t len)
{
	if (!chan)
		return -EINVAL;
	const char *v = NULL;
	char tmp[64];
	if (!strcasecmp(data, "name"))
		v = zv_channel_name(chan);
	else if (!strcasecmp(data, "state"))
		v = zv_chan_state_name(zv_channel_state(chan));
	else if (!strcasecmp(data, "language"))
		v = zv_channel_language(chan);
	else if (!strcasecmp(data, "accountcode"))
		v = nz(zv_channel_accountcode(chan));
	else if (!strcasecmp(data, "uniqueid"))
		v = zv_channel_uniqueid(chan);
	else if (!strcasecmp(data, "linkedid"))
		v = zv_channel_linkedid(chan);
	else if (!strcasecmp(data, "context"))
		v = zv_channel_context(chan);
	else if (!strcasecmp(data, "exten"))
		v = zv_channel_exten(chan);
	else if (!strcasecmp(data, "priority")) {
		snprintf(tmp, sizeof(tmp), "%d", zv_channel_priority(chan));
		v = tmp;
	} else if (!strcasecmp(data, "callid"))
		v = zv_channel_callid(chan);
	else if (!strcasecmp(data, "musicclass"))
		v = nz(zv_channel_musicclass(chan));
	else if (!strcasecmp(data, "tonezone")) /* kept for include/zvonok/tones.h */
		v = nz(zv_channel_datastore_get(chan, "tonezone"));
	else if (!strcasecmp(data, "channeltype"))
		v = zv_channel_tech(chan)->type;
	else if (!strcasecmp(data, "amaflags")) {
		int f = zv_channel_amaflags(chan);
		v = (f >= 0 && f < 4) ? ama_names[f] : "DEFAULT";
	} else if (!strcasecmp(data, "hangupcause")) {
		snprintf(tmp, sizeof(tmp), "%d", zv_channel_hangupcause(chan));
		v = tmp;
	} else if (!strcasecmp(data, "callgroup") || !strcasecmp(data, "pickupgroup")) {
		char groups[200]; /* 0..63 all set: 183 characters */
		zv_group_print(!strcasecmp(data, "callgroup") ? zv_channel_callgroup(chan)
							     : zv_channel_pickupgroup(chan),
			       groups, sizeof(groups));
		snprintf(buf, len, "%s", groups);
		return 0;
	} else if (!strcasecmp(data, "namedcallgroup"))
		v = nz(zv_channel_named_callgroup(chan));
	else if (!strcasecmp(data, "namedpickupgroup"))
		v = nz(zv_channel_named_pickupgroup(chan));
	if (!v) {
		zv_warn("CHANNEL: unknown or unsupported item '%s'", data);
		return -EINVAL;
	}
	snprintf(buf, len, "%s", v);
	return 0;
}

static int channel_write(struct zv_channel *chan, const char *name, char *data,
			 const char *value)
{
	if (!chan)
		return -EINVAL;
	if (!strcasecmp(data, "language"))
		zv_channel_set_language(chan, value);
	else if (!strcasecmp(data, "accountcode"))
		zv_channel_set_accountcode(chan, value);
	else if (!strcasecmp(data, "musicclass"))
		zv_channel_set_musicclass(chan, value);
	else if (!strcasecmp(data, "tonezone")) {
		char *z = *value ? strdup(value) : NULL;
		if (*value && !z)
			return -ENOMEM;
		zv_channel_datastore_set(chan, "tonezone", z, free);
	}
	else if (!strcasecmp(data, "amaflags")) {
		for (int i = 0; i < 4; i++)
			if (!strcasecmp(value, ama_names[i])) {
				zv_channel_set_amaflags(chan, i);
				return 0;
			}
		zv_warn("CHANNEL(amaflags): unknown flag '%s'", value);
		return -EINVAL;
	} else if (!strcasecmp(data, "callgroup") || !strcasecmp(data, "pickupgroup")) {
		uint64_t m;
		if (zv_group_parse(value, &m) < 0) {
			zv_warn("CHANNEL(%s): '%s' is not a group list such as 1,3-4 (0..63)", data,
				value);
			return -EINVAL;
		}
		if (!strcasecmp(data, "callgroup"))
			zv_channel_set_groups(chan, m, zv_channel_pickupgroup(chan));
		else
			zv_channel_set_groups(chan, zv_channel_callgroup(chan), m);
	} else if (!strcasecmp(data, "namedcallgroup")) {
		return zv_channel_set_named_groups(chan, value, zv_channel_named_pickupgroup(chan));
	} else if (!strcasecmp(data, "namedpickupgroup")) {
		/* (the set copies a value before it frees the old one) */
		return zv_channel_set_named_groups(chan, zv_channel_named_callgroup(chan), value);
	} else {
		zv_warn("CHANNEL: item '%s' cannot be set", data);
		return -EPERM;
	}
	return 0;
}

/* ---- GLOBAL, SHARED ---------------------------------------------------------- */

static int global_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		       size_t len)
{
	if (zv_pbx_global_get(data, buf, len) < 0)
		buf[0] = '\0';
	return 0;
}

static int global_write(struct zv_channel *chan, const char *name, char *data,
			const char *value)
{
	return zv_pbx_global_set(data, *value ? value : NULL);
}

/* ---- name/value lists (SHARED variables) ---------------------- */

static void fields_free(void *data)
{
	struct cdr_fields *f = data;
	for (size_t i = 0; i < f->n; i++) {
		free(f->names[i]);
		free(f->values[i]);
	}
	free(f->names);
	free(f->values);
	free(f);
}

/* The list kept in chan's datastore key; created when create is true. */
static struct cdr_fields *fields_of(struct zv_channel *chan, const char *key, bool create)
{
	struct cdr_fields *f = zv_channel_datastore_get(chan, key);
	if (f || !create)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f || zv_channel_datastore_set(chan, key, f, fields_free)) {
		free(f);
		return NULL;
	}
	return f;
}

static const char *fields_get(const struct cdr_fields *f, const char *name)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (!strcasecmp(f->names[i], name))
			return f->values[i];
	return NULL;
}

static int fields_set(struct cdr_fields *f, const char *name, const char *value)
{
	char *nv = strdup(value);
	if (!nv)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++) {
		if (!strcasecmp(f->names[i], name)) {
			free(f->values[i]);
			f->values[i] = nv;
			return 0;
		}
	}
	char *nn = strdup(name);
	char **names = nn ? realloc(f->names, (f->n + 1) * sizeof(*names)) : NULL;
	if (names)
		f->names = names;
	char **values = names ? realloc(f->values, (f->n + 1) * sizeof(*values)) : NULL;
	if (!values) {
		free(nn);
		free(nv);
		return -ENOMEM;
	}
	f->values = values;
	f->names[f->n] = nn;
	f->values[f->n] = nv;
	f->n++;
	return 0;
}

/* SHARED(var[,channel]): variables kept in a datastore of the target
 * channel so other channels can read them.  Another channel belongs to its
 * own loop: a SHARED() of a foreign channel is a best-effort read of a
 * value written under no lock, as with ImportVar. */
static struct zv_channel *shared_target(struct zv_channel *chan, size_t argc, char **argv)
{
	if (argc > 1 && *argv[1])
		return zv_channel_find(argv[1]);
	return zv_ref(chan);
}

static int shared_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		       size_t len)
{
	char *argv[2];
	size_t argc = 0;
	dp_args_split(data, ',', 0, argv, 2, &argc);
	if (argc < 1)
		return -EINVAL;
	struct zv_channel *t = shared_target(chan, argc, argv);
	buf[0] = '\0';
	if (!t)
		return 0;
	const char *v = fields_get(fields_of(t, "SHARED", false), argv[0]);
	snprintf(buf, len, "%s", v ? v : "");
	zv_unref(t);
	return 0;
}

static int shared_write(struct zv_channel *chan, const char *name, char *data,
			const char *value)
{
	char *argv[2];
	size_t argc = 0;
	dp_args_split(data, ',', 0, argv, 2, &argc);
	if (argc < 1)
		return -EINVAL;
	struct zv_channel *t = shared_target(chan, argc, argv);
	if (!t)
		return -ENOENT;
	struct cdr_fields *f = fields_of(t, "SHARED", true);
	int err = f ? fields_set(f, argv[0], value) : -ENOMEM;
	zv_unref(t);
	return err;
}

/* ---- DB ------------------------------------------------------------------------ */

/* "family/key" split at the last '/'. */
static int split_db(char *data, char **familyp, char **keyp)
{
	char *slash = strrchr(data, '/');
	if (!slash || slash == data || !slash[1]) {
		zv_warn("DB requires an argument, DB(<family>/<key>)");
		return -EINVAL;
	}
	*slash = '\0';
	*familyp = data;
	*keyp = slash + 1;
	return 0;
}

static int db_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		   size_t len)
{
	char *family, *key, *value = NULL;
	if (split_db(data, &family, &key))
		return -EINVAL;
	int err = zv_db_get(family, key, &value);
	if (err) {
		zv_debug(1, "DB: %s/%s not found", family, key);
		buf[0] = '\0';
		return 0;
	}
	snprintf(buf, len, "%s", value);
	free(value);
	return 0;
}

static int db_write(struct zv_channel *chan, const char *name, char *data, const char *value)
{
	char *family, *key;
	if (split_db(data, &family, &key))
		return -EINVAL;
	int err = zv_db_put(family, key, value);
	if (err)
		zv_warn("DB: cannot store %s/%s: %s", family, key, strerror(-err));
	return err;
}

static int db_exists_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			  size_t len)
{
	char *family, *key, *value = NULL;
	if (split_db(data, &family, &key))
		return -EINVAL;
	if (zv_db_get(family, key, &value) == 0) {
		if (chan)
			zv_channel_var_set(chan, "DB_RESULT", value);
		free(value);
		snprintf(buf, len, "1");
	} else {
		snprintf(buf, len, "0");
	}
	return 0;
}

static int db_delete_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			  size_t len)
{
	char *family, *key, *value = NULL;
	if (split_db(data, &family, &key))
		return -EINVAL;
	buf[0] = '\0';
	if (zv_db_get(family, key, &value) == 0) {
		snprintf(buf, len, "%s", value);
		if (chan)
			zv_channel_var_set(chan, "DB_RESULT", value);
		free(value);
		zv_db_del(family, key);
	} else {
		zv_debug(1, "DB_DELETE: %s/%s not found", family, key);
	}
	return 0;
}

struct keys_out {
	char *buf;
	size_t len, used;
};

static int add_key(void *arg, const char *key)
{
	struct keys_out *k = arg;
	int n = snprintf(k->buf + k->used, k->len - k->used, "%s%s", k->used ? "," : "", key);
	if (n < 0 || k->used + (size_t)n >= k->len)
		return 1; /* full: stop */
	k->used += (size_t)n;
	return 0;
}

static int db_keys_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			size_t len)
{
	/* Asterisk takes the family with or without leading/trailing '/'. */
	while (*data == '/')
		data++;
	size_t n = strlen(data);
	while (n && data[n - 1] == '/')
		data[--n] = '\0';
	struct keys_out k = {buf, len, 0};
	buf[0] = '\0';
	int err = zv_db_keys(data, add_key, &k);
	return err < 0 ? err : 0;
}

/* ---- device and extension state ------------------------------------------------- */

static int devstate_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			 size_t len)
{
	snprintf(buf, len, "%s", zv_devstate_state2str(zv_devstate_get(data)));
	return 0;
}

static int devstate_write(struct zv_channel *chan, const char *name, char *data,
			  const char *value)
{
	if (strncasecmp(data, "Custom:", 7)) {
		zv_warn("DEVICE_STATE: only Custom: devices can be set");
		return -EPERM;
	}
	return zv_devstate_set_custom(data, zv_devstate_str2state(value));
}

/* "exten[@context]" with the channel's context as default. */
static void split_exten(struct zv_channel *chan, char *data, char **extenp, const char **ctxp)
{
	char *at = strchr(data, '@');
	*extenp = data;
	if (at) {
		*at = '\0';
		*ctxp = at + 1;
	} else {
		*ctxp = chan ? zv_channel_context(chan) : "default";
	}
}

static const char *extstate_name(int st)
{
	switch (st) {
	case ZV_EXTENSION_NOT_INUSE: return "NOT_INUSE";
	case ZV_EXTENSION_INUSE: return "INUSE";
	case ZV_EXTENSION_BUSY: return "BUSY";
	case ZV_EXTENSION_UNAVAILABLE: return "UNAVAILABLE";
	case ZV_EXTENSION_RINGING: return "RINGING";
	case ZV_EXTENSION_INUSE | ZV_EXTENSION_RINGING: return "RINGINUSE";
	case ZV_EXTENSION_INUSE | ZV_EXTENSION_ONHOLD: return "HOLDINUSE";
	case ZV_EXTENSION_ONHOLD: return "ONHOLD";
	default: return "UNKNOWN";
	}
}

static int extstate_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			 size_t len)
{
	char *exten;
	const char *ctx;
	split_exten(chan, data, &exten, &ctx);
	int st = zv_pbx_extension_state(ctx, exten);
	snprintf(buf, len, "%s", st < 0 ? "UNKNOWN" : extstate_name(st));
	return 0;
}

static int hint_read(struct zv_channel *chan, const char *name, char *data, char *buf,
		     size_t len)
{
	char *comma = strchr(data, ',');
	if (comma)
		*comma = '\0'; /* options (n: the name part) are not supported */
	char *exten;
	const char *ctx;
	split_exten(chan, data, &exten, &ctx);
	if (zv_pbx_hint_get(ctx, exten, buf, len) < 0)
		buf[0] = '\0';
	return 0;
}

static int dialplan_exists_read(struct zv_channel *chan, const char *name, char *data,
				char *buf, size_t len)
{
	char *argv[3];
	size_t argc = 0;
	dp_args_split(data, ',', 0, argv, 3, &argc);
	if (argc < 1 || !*argv[0])
		return -EINVAL;
	bool found;
	if (argc == 1) {
		/* Context only: does it have a "s" or any extension?  Asterisk
		 * checks that the context exists. */
		found = zv_pbx_exists(chan, argv[0], "s", 1, NULL) ||
			zv_pbx_canmatch(chan, argv[0], "", NULL);
	} else {
		int prio = argc > 2 && *argv[2] ? atoi(argv[2]) : 1;
		found = zv_pbx_exists(chan, argv[0], argv[1], prio, NULL);
	}
	snprintf(buf, len, "%d", found);
	return 0;
}

static int valid_exten_read(struct zv_channel *chan, const char *name, char *data, char *buf,
			    size_t len)
{
	char *argv[3];
	size_t argc = 0;
	dp_args_split(data, ',', 0, argv, 3, &argc);
	if (argc < 2 || !*argv[1]) {
		zv_warn("VALID_EXTEN requires an extension");
		return -EINVAL;
	}
	const char *ctx = *argv[0] ? argv[0] : (chan ? zv_channel_context(chan) : "default");
	int prio = argc > 2 && *argv[2] ? atoi(argv[2]) : 1;
	const char *cid = chan ? zv_channel_cid_num(chan) : NULL;
	snprintf(buf, len, "%d", zv_pbx_exists(chan, ctx, argv[1], prio, cid));
	return 0;
}

static const struct zv_func funcs[] = {
	{"CALLERID", "Gets or sets Caller*ID data on the channel.", "CALLERID(datatype)",
	 "datatype: all, name, num, ani, dnid, rdnis, pres, name-pres, num-pres (presentation: "
	 "allowed_not_screened, allowed_passed_screen, allowed_failed_screen, allowed, "
	 "prohib_not_screened, prohib_passed_screen, prohib_failed_screen, prohib, unavailable, "
	 "or a number).",
	 callerid_read, callerid_write},
	{"CONNECTEDLINE", "Gets or sets Connected Line data on the channel.",
	 "CONNECTEDLINE(datatype)", "datatype: all, name, num, pres, name-pres, num-pres.",
	 connected_read, connected_write},
	{"CALLERPRES", "Gets or sets Caller*ID presentation on the channel.", "CALLERPRES()",
	 "Deprecated: use CALLERID(pres), CALLERID(name-pres) and CALLERID(num-pres).",
	 callerpres_read, callerpres_write},
	{"CHANNEL", "Gets/sets various pieces of information about the channel.", "CHANNEL(item)",
	 "Readable: name, state, language, accountcode, uniqueid, linkedid, context, exten, "
	 "priority, callid, musicclass, tonezone, channeltype, amaflags, hangupcause, callgroup, "
	 "pickupgroup, namedcallgroup, namedpickupgroup.  Writable: language, accountcode, "
	 "musicclass, tonezone, amaflags, callgroup, pickupgroup, namedcallgroup, namedpickupgroup.",
	 channel_read, channel_write},
	{"GLOBAL", "Gets or sets the global variable specified.", "GLOBAL(varname)", "",
	 global_read, global_write},
	{"SHARED", "Gets or sets the shared variable specified.", "SHARED(varname[,channel])", "",
	 shared_read, shared_write},
	{"DB", "Read from or write to the Asterisk database.", "DB(family/key)", "", db_read,
	 db_write},
	{"DB_EXISTS", "Check to see if a key exists in the Asterisk database.",
	 "DB_EXISTS(family/key)", "1 or 0; sets ${DB_RESULT} to the value.", db_exists_read, NULL},
	{"DB_DELETE", "Return a value from the database and delete it.", "DB_DELETE(family/key)",
	 "Sets ${DB_RESULT} too.", db_delete_read, NULL},
	{"DB_KEYS", "Obtain a list of keys within the Asterisk database.", "DB_KEYS([prefix])",
	 "Comma-separated names one level below prefix.", db_keys_read, NULL},
	{"DEVICE_STATE", "Get or Set a device state.", "DEVICE_STATE(device)",
	 "Only Custom: devices can be set.", devstate_read, devstate_write},
	{"EXTENSION_STATE", "Get an extension's state.", "EXTENSION_STATE(extension[@context])",
	 "UNKNOWN, NOT_INUSE, INUSE, BUSY, UNAVAILABLE, RINGING, RINGINUSE, HOLDINUSE, ONHOLD.",
	 extstate_read, NULL},
	{"HINT", "Get the devices set for a dialplan hint.", "HINT(extension[@context][,options])",
	 "", hint_read, NULL},
	{"DIALPLAN_EXISTS", "Checks the existence of a dialplan target.",
	 "DIALPLAN_EXISTS(context[,extension[,priority]])", "1 or 0.", dialplan_exists_read, NULL},
	{"VALID_EXTEN", "Determine whether an extension exists or not.",
	 "VALID_EXTEN([context],extension[,priority])", "1 or 0.", valid_exten_read, NULL},
};

static int channel_funcs_load(struct zv_module *mod)
{
	return zv_funcs_register(mod, funcs, sizeof(funcs) / sizeof(*funcs));
}

ZV_MODULE(func_channel) = {
	.summary = "Channel, database, device state and dialplan functions",
	.requires = "astdb,devstate",
	.load = channel_funcs_load,
};
