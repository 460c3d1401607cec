/*
 * AstDB: Asterisk's small persistent key/value database, on sqlite.
 *
 * Keys are paths "/family/key"; a family may itself contain '/'
 * ("SIP/Registry"), so "/a/b/c" is key "c" of family "a/b" and also part
 * of the tree of family "a".  Values are strings.  The file is
 * <astdbdir>/astdb.sqlite3 with Asterisk's schema (one table
 * astdb(key, value), key the primary key), so a database copied from
 * Asterisk 10 or later works here and the other way round.
 *
 *   zv_db_put("CFIM", "100", "200");
 *   char *v;
 *   if (!zv_db_get("CFIM", "100", &v)) { ...; free(v); }
 *
 * Trees: a "prefix" is "" (everything) or "/family" or "/family/keytree";
 * the keys under it are the key equal to it and those that continue it
 * with '/'.  So prefix "/a/b" covers "/a/b" and "/a/b/c" but not "/a/bc".
 * Comparison is exact (byte-wise, case-sensitive).  Asterisk matches trees
 * with SQL LIKE, which ignores ASCII case and treats '_' and '%' in names
 * as wildcards; Zvonok does not reproduce that.
 *
 * DURABILITY: write-ahead log (journal_mode=WAL) with synchronous=NORMAL.
 * A call that returned 0 has its change in the WAL file in the kernel, so
 * a crash of the process (kill -9, abort) loses nothing and never corrupts
 * the file.  A power loss or kernel crash may roll back the last changes
 * made since the previous WAL checkpoint, but the database stays
 * consistent (sqlite's WAL guarantee).  FULL would fsync on every put and
 * stall the caller for milliseconds on a disk; Asterisk itself commits in
 * batches once a second, so this is already stronger than what it gives.
 *
 * THREADS: every function may be called from any thread.  One connection
 * serves the process behind one mutex; each call is one short local sqlite
 * statement (tens of microseconds, no fsync except at a WAL checkpoint
 * every ~1000 pages), so it blocks its caller only briefly.  Dialplan code
 * (DB(), DB_EXISTS(), DBdeltree...) calls these directly from its
 * coroutine on a worker loop: with WAL that is acceptable and no async
 * variant is offered.  A bulk operation on a huge tree (deltree of
 * thousands of keys) is the exception; run it from the blocking pool.
 * Callbacks (zv_db_keys(), zv_db_iterate()) run after the lock has been
 * released, on the calling thread, so they may call any zv_db_ function.
 *
 * ERRORS (all functions): 0 or a count on success; -EINVAL for a NULL or
 * empty family/key, -ENODEV when no database is open (the `astdb` module
 * opens it in its start callback and closes it in stop), -ENOMEM, -EIO
 * for an sqlite failure (logged once, with sqlite's message).
 */
#ifndef ZVONOK_ASTDB_H
#define ZVONOK_ASTDB_H

#include <stdbool.h>

/*
 * Open the database file at path (creating it and its directory, mode
 * 0750, when missing), switch it to WAL and create the table.  Used by the
 * module's start and by unit tests, which need no daemon.  Returns 0,
 * -EALREADY if a database is open, -EIO (not a database, corrupt, no
 * permission: logged), -EINVAL (no path) or -ENOMEM.
 */
int zv_db_open_path(const char *path);

/* Close the database (checkpointing the WAL).  No-op when none is open. */
void zv_db_close(void);

/* True while a database is open. */
bool zv_db_is_open(void);

/* Store value under /family/key, replacing any previous value. */
int zv_db_put(const char *family, const char *key, const char *value);

/*
 * The value of /family/key in *valuep (malloc'd: the caller frees it).
 * Returns 0, -ENOENT when there is no such key (*valuep is then NULL), or
 * an error above.
 */
int zv_db_get(const char *family, const char *key, char **valuep);

/* Delete /family/key.  Returns 0, -ENOENT when it did not exist, ... */
int zv_db_del(const char *family, const char *key);

/*
 * Delete the tree "/family/keytree" (keytree NULL or "": the whole family;
 * family NULL or "": the whole database).  Returns the number of entries
 * removed (0 when none) or a negative errno.
 */
int zv_db_deltree(const char *family, const char *keytree);

/* 1 when /family/key exists, 0 when not, or a negative errno. */
int zv_db_exists(const char *family, const char *key);

/*
 * The names one level below "/family" (family NULL or "": the top-level
 * families), each once, sorted byte-wise: with keys /a/x, /a/y/1 and
 * /a/y/2, zv_db_keys("a") yields "x" and "y".  This is DB_KEYS().
 * cb returns 0 to go on, anything else to stop.  Returns the number of
 * names passed to cb, or a negative errno (cb never ran).
 */
typedef int(zv_db_key_cb)(void *arg, const char *name);
int zv_db_keys(const char *family, zv_db_key_cb *cb, void *arg);

/*
 * Every entry under prefix (NULL or "": all; see "Trees" above), in key
 * order, as the full key ("/family/key") and its value.  This is
 * `database show`.  cb returns 0 to go on, anything else to stop.
 * Returns the number of entries passed to cb, or a negative errno.
 */
typedef int(zv_db_entry_cb)(void *arg, const char *key, const char *value);
int zv_db_iterate(const char *prefix, zv_db_entry_cb *cb, void *arg);

#endif
