/*
 * cdr_csv: records appended to <astlogdir>/cdr-csv/Master.csv (and
 * <accountcode>.csv with accountlogs), in Asterisk's cdr_csv columns:
 *
 *   accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp,
 *   lastdata, start, answer, end, duration, billsec, disposition,
 *   amaflags [, uniqueid] [, userfield] [, peeraccount, linkedid, sequence]
 *
 * Strings are in double quotes with '"' doubled; duration, billsec and
 * sequence are bare numbers.  Options come from cdr.conf [csv]: usegmtime,
 * loguniqueid, loguserfield, accountlogs, newcdrcolumns (defaults as
 * Asterisk's module: all off but accountlogs).
 *
 * DESIGN
 * Runs on the CDR writer thread only.  Every line is formatted in full
 * first and written with one write() to a file opened O_APPEND, so a
 * kill -9 leaves whole lines only.  The files written since the last
 * sync are remembered by name and fdatasync()ed when the engine asks
 * (at most once per CDR_SYNC_MS).  Files are opened per batch (an
 * external rename or delete is followed at once, as Asterisk opens per
 * record).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZV_LOG_MODULE "cdr_csv"
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/module.h>

#include "cdr/cdr.h"

#define CSV_LINE_MAX 8192

/* ---- formatting ------------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, pos;
	bool overflow;
};

static void put_char(struct out *o, char c)
{
	if (o->pos + 1 >= o->len) {
		o->overflow = true;
		return;
	}
	o->buf[o->pos++] = c;
}

static void put_string(struct out *o, const char *s)
{
	put_char(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			put_char(o, '"');
		put_char(o, *s);
	}
	put_char(o, '"');
	put_char(o, ',');
}

static void put_number(struct out *o, long v)
{
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%ld,", v);
	for (const char *p = tmp; *p; p++)
		put_char(o, *p);
}

static void put_time(struct out *o, const struct timeval *tv, bool gmt)
{
	char tmp[64];
	cdr_format_time(tv, gmt, tmp, sizeof(tmp));
	put_string(o, tmp);
}

int cdr_csv_format(const struct cdr_record *r, const struct cdr_csv_opts *opt, char *buf,
		   size_t len)
{
	struct out o = {.buf = buf, .len = len};
	put_string(&o, r->accountcode);
	put_string(&o, r->src);
	put_string(&o, r->dst);
	put_string(&o, r->dcontext);
	put_string(&o, r->clid);
	put_string(&o, r->channel);
	put_string(&o, r->dstchannel);
	put_string(&o, r->lastapp);
	put_string(&o, r->lastdata);
	put_time(&o, &r->start, opt->usegmtime);
	put_time(&o, &r->answer, opt->usegmtime);
	put_time(&o, &r->end, opt->usegmtime);
	put_number(&o, r->duration);
	put_number(&o, r->billsec);
	put_string(&o, cdr_disposition_name(r->disposition));
	put_string(&o, cdr_ama_name(r->amaflags));
	if (opt->loguniqueid)
		put_string(&o, r->uniqueid);
	if (opt->loguserfield)
		put_string(&o, r->userfield);
	if (opt->newcdrcolumns) {
		put_string(&o, r->peeraccount);
		put_string(&o, r->linkedid);
		put_number(&o, (long)r->sequence);
	}
	if (o.overflow || o.pos == 0)
		return -ENOSPC;
	buf[o.pos - 1] = '\n'; /* the last ',' */
	buf[o.pos] = '\0';
	return (int)o.pos;
}

/* ---- the backend ------------------------------------------------------------ */

static pthread_mutex_t opts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cdr_csv_opts opts = {.accountlogs = true};

static int append_line(int fd, const char *line, size_t len)
{
	while (len) {
		ssize_t n = write(fd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		line += n;
		len -= (size_t)n;
	}
	return 0;
}

static int open_csv(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 && errno == ENOENT) { /* first record, or the directory was removed */
		mkdir(cdr_logdir(), 0750);
		mkdir(dir, 0750);
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	}
	if (fd < 0)
		zv_error("Unable to open file %s: %s", path, strerror(errno));
	return fd;
}

/* Writer thread only: the files written since the last sync. */
#define DIRTY_MAX 32
static char dirty[DIRTY_MAX][4096];
static unsigned n_dirty;

static void sync_path(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* renamed or removed since: nothing of ours to flush */
	if (fdatasync(fd) < 0)
		zv_error("Unable to sync %s: %s", path, strerror(errno));
	close(fd);
}

/* Remember fd's file for the next sync, or sync it now when the table is
 * full (many account files in one interval). */
static void mark_dirty(int fd, const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	for (unsigned i = 0; i < n_dirty; i++)
		if (!strcmp(dirty[i], path))
			return;
	if (n_dirty < DIRTY_MAX) {
		snprintf(dirty[n_dirty++], sizeof(dirty[0]), "%s", path);
		return;
	}
	if (fdatasync(fd) < 0)
		zv_error("Unable to sync %s: %s", path, strerror(errno));
}

static void csv_sync(void *arg)
{
	for (unsigned i = 0; i < n_dirty; i++)
		sync_path(dirty[i]);
	n_dirty = 0;
}

/* An account code usable as a file name (Asterisk refuses '/' too). */
static bool account_file_ok(const char *acct)
{
	return *acct && !strchr(acct, '/') && strcmp(acct, ".") && strcmp(acct, "..");
}

static int write_account(const char *dir, const struct cdr_record *r, const char *line,
			 size_t len)
{
	int fd = open_csv(dir, r->accountcode);
	if (fd < 0)
		return -EIO;
	int err = append_line(fd, line, len);
	if (!err)
		mark_dirty(fd, dir, r->accountcode);
	close(fd);
	return err;
}

static int csv_write(void *arg, struct cdr_record *const *recs, size_t n)
{
	struct cdr_csv_opts o;
	pthread_mutex_lock(&opts_lock);
	o = opts;
	pthread_mutex_unlock(&opts_lock);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/cdr-csv", cdr_logdir());
	int fd = open_csv(dir, "Master");
	if (fd < 0)
		return -EIO;
	int err = 0;
	char *line = malloc(CSV_LINE_MAX);
	if (!line) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !err; i++) {
		int len = cdr_csv_format(recs[i], &o, line, CSV_LINE_MAX);
		if (len < 0) {
			zv_warn("CDR of %s too long for a CSV line; skipped", recs[i]->channel);
			continue;
		}
		err = append_line(fd, line, (size_t)len);
		if (!err && o.accountlogs && account_file_ok(recs[i]->accountcode))
			write_account(dir, recs[i], line, (size_t)len);
	}
	if (!err)
		mark_dirty(fd, dir, "Master");
	close(fd);
	free(line);
	if (err)
		zv_error("Unable to write CSV record to %s/Master.csv: %s", dir, strerror(-err));
	return err;
}

static struct cdr_backend csv_backend = {
	.name = "csv",
	.description = "Comma Separated Values CDR Backend",
	.write = csv_write,
	.sync = csv_sync,
};

/* ---- configuration ---------------------------------------------------------- */

static const struct zv_conf_option csv_options[] = {
	{"usegmtime", "times in GMT"},
	{"loguniqueid", "log the uniqueid column"},
	{"loguserfield", "log the userfield column"},
	{"accountlogs", "also write <accountcode>.csv"},
	{"newcdrcolumns", "log peeraccount, linkedid and sequence"},
	{NULL},
};

static int csv_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
		       struct zv_diag *diag, void **statep)
{
	struct cdr_csv_opts *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->accountlogs = true;
	const struct zv_conf *conf = zv_snapshot_file(snap, "cdr.conf");
	const struct zv_conf_section *sec = conf ? zv_conf_section_find(conf, "csv") : NULL;
	if (sec) {
		zv_conf_check_options(sec, csv_options, diag);
		cdr_conf_bool(sec, "usegmtime", &o->usegmtime, diag);
		cdr_conf_bool(sec, "loguniqueid", &o->loguniqueid, diag);
		cdr_conf_bool(sec, "loguserfield", &o->loguserfield, diag);
		cdr_conf_bool(sec, "accountlogs", &o->accountlogs, diag);
		cdr_conf_bool(sec, "newcdrcolumns", &o->newcdrcolumns, diag);
	}
	*statep = o;
	return 0;
}

static void csv_commit(struct zv_module *mod, void *state)
{
	pthread_mutex_lock(&opts_lock);
	opts = *(struct cdr_csv_opts *)state;
	pthread_mutex_unlock(&opts_lock);
	free(state);
}

static void csv_discard(struct zv_module *mod, void *state)
{
	free(state);
}

static int csv_start(struct zv_module *mod)
{
	return cdr_backend_register(&csv_backend);
}

static void csv_stop(struct zv_module *mod)
{
	cdr_backend_unregister(&csv_backend);
}

ZV_MODULE(cdr_csv) = {
	.summary = "Comma Separated Values CDR Backend",
	.requires = "cdr",
	.config = "cdr.conf",
	.prepare = csv_prepare,
	.commit = csv_commit,
	.discard = csv_discard,
	.start = csv_start,
	.stop = csv_stop,
};
