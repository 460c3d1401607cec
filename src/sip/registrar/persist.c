/*
 * Registered contacts in sqlite, so a restart keeps registrations:
 * <astdbdir>/sip_contacts.sqlite3, one row per contact.
 *
 * DESIGN
 * The store never writes: it marks AORs dirty.  reg_persist_flush()
 * takes the dirty AORs (with copies of their contacts) under the store
 * lock, then, without it, deletes those AORs' rows and inserts the
 * current ones in one transaction.  The module calls it from the blocking
 * pool once a second, so a burst of REGISTERs costs one transaction per
 * second, never a disk wait on a worker; at stop it runs once more
 * synchronously.  WAL with synchronous=NORMAL: a crash of the process
 * loses at most the last second of changes, which the phones repair at
 * their next re-REGISTER.  Flushes are serialised by db_lock.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ZV_LOG_MODULE "sip_registrar"
#include <zvonok/log.h>

#include "sip/registrar/reg_int.h"

static pthread_mutex_t db_lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3 *db;

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS contacts ("
	" aor TEXT NOT NULL, uri TEXT NOT NULL, endpoint TEXT, pjsip INTEGER,"
	" expires INTEGER, registered INTEGER, updated INTEGER, call_id TEXT, cseq INTEGER,"
	" path TEXT, user_agent TEXT, src TEXT, target TEXT, transport TEXT,"
	" PRIMARY KEY (aor, uri));";

int reg_persist_open(const char *path)
{
	pthread_mutex_lock(&db_lock);
	int rc = 0;
	if (db)
		goto out;
	char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0750);
	}
	free(dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		zv_error("Cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		db = NULL;
		rc = -EIO;
		goto out;
	}
	sqlite3_busy_timeout(db, 2000);
	char *err = NULL;
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
			 &err) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, &err) != SQLITE_OK) {
		zv_error("%s: %s", path, err ? err : "sqlite error");
		sqlite3_free(err);
		sqlite3_close(db);
		db = NULL;
		rc = -EIO;
	}
out:
	pthread_mutex_unlock(&db_lock);
	return rc;
}

void reg_persist_close(void)
{
	pthread_mutex_lock(&db_lock);
	if (db)
		sqlite3_close(db);
	db = NULL;
	pthread_mutex_unlock(&db_lock);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

int reg_persist_load(struct reg_store *s, time_t now)
{
	pthread_mutex_lock(&db_lock);
	if (!db) {
		pthread_mutex_unlock(&db_lock);
		return -ENODEV;
	}
	sqlite3_exec(db, "DELETE FROM contacts WHERE expires <= strftime('%s','now');", NULL, NULL,
		     NULL);
	sqlite3_stmt *st = NULL;
	int n = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT aor, uri, endpoint, pjsip, expires, registered, updated,"
			       " call_id, cseq, path, user_agent, src, target, transport"
			       " FROM contacts ORDER BY registered",
			       -1, &st, NULL) != SQLITE_OK) {
		zv_error("Cannot read contacts: %s", sqlite3_errmsg(db));
		pthread_mutex_unlock(&db_lock);
		return -EIO;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		time_t expires = (time_t)sqlite3_column_int64(st, 4);
		if (expires <= now)
			continue;
		struct reg_contact *c = calloc(1, sizeof(*c));
		if (!c)
			break;
		c->aor = strdup(col(st, 0));
		c->uri = strdup(col(st, 1));
		c->endpoint = strdup(col(st, 2));
		c->pjsip = sqlite3_column_int(st, 3) != 0;
		c->expires = expires;
		c->registered = (time_t)sqlite3_column_int64(st, 5);
		c->updated = (time_t)sqlite3_column_int64(st, 6);
		c->call_id = strdup(col(st, 7));
		c->cseq = (uint32_t)sqlite3_column_int64(st, 8);
		c->path = strdup(col(st, 9));
		c->user_agent = strdup(col(st, 10));
		if (sip_sockaddr_parse(col(st, 11), 5060, &c->src) < 0)
			memset(&c->src, 0, sizeof(c->src));
		if (sip_sockaddr_parse(col(st, 12), 5060, &c->target) < 0)
			c->target = c->src;
		snprintf(c->tp_name, sizeof(c->tp_name), "%s", col(st, 13));
		c->tp = sip_tp_find(c->tp_name);
		c->rtt_us = -1;
		if (!c->aor || !c->uri || !c->endpoint || !c->call_id || !c->path || !c->user_agent) {
			reg_contact_free(c);
			break;
		}
		reg_store_insert_loaded(s, c);
		n++;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&db_lock);
	return n;
}

int reg_persist_flush(struct reg_store *s)
{
	pthread_mutex_lock(&db_lock);
	if (!db) {
		pthread_mutex_unlock(&db_lock);
		return -ENODEV;
	}
	struct reg_dirty d;
	reg_store_take_dirty(s, &d);
	int rc = 0;
	if (!d.naors)
		goto out;
	sqlite3_stmt *del = NULL, *ins = NULL;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "DELETE FROM contacts WHERE aor = ?", -1, &del, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO contacts VALUES"
			       " (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &ins, NULL) != SQLITE_OK) {
		rc = -EIO;
		goto fail;
	}
	for (size_t i = 0; i < d.naors; i++) {
		if (!d.aors[i])
			continue;
		sqlite3_bind_text(del, 1, d.aors[i], -1, SQLITE_STATIC);
		if (sqlite3_step(del) != SQLITE_DONE)
			rc = -EIO;
		sqlite3_reset(del);
	}
	for (size_t i = 0; i < d.ncontacts && !rc; i++) {
		const struct reg_contact *c = d.contacts[i];
		char src[80], tgt[80];
		sip_sockaddr_str(&c->src, src, sizeof(src));
		sip_sockaddr_str(&c->target, tgt, sizeof(tgt));
		sqlite3_bind_text(ins, 1, c->aor, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, c->uri, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, c->endpoint, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 4, c->pjsip);
		sqlite3_bind_int64(ins, 5, (sqlite3_int64)c->expires);
		sqlite3_bind_int64(ins, 6, (sqlite3_int64)c->registered);
		sqlite3_bind_int64(ins, 7, (sqlite3_int64)c->updated);
		sqlite3_bind_text(ins, 8, c->call_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 9, c->cseq);
		sqlite3_bind_text(ins, 10, c->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 11, c->user_agent, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 12, src, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 13, tgt, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 14, c->tp_name, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = -EIO;
		sqlite3_reset(ins);
	}
fail:
	if (rc) {
		zv_error("Cannot save contacts: %s", sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	} else {
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
out:
	pthread_mutex_unlock(&db_lock);
	reg_dirty_free(&d);
	return rc;
}
