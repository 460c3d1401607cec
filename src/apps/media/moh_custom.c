/*
 * musiconhold.conf mode=custom (see moh_custom.h): one external process
 * per held channel, whose raw 8 kHz output is the music.
 *
 * DESIGN
 * Nothing here blocks the channel's loop.  The process is started on the
 * blocking pool (posix_spawn: stdin and stderr /dev/null, stdout a pipe,
 * every other descriptor closed, its own process group); the read end is
 * non-blocking and watched by a libevent read event on the channel's
 * loop, which fills a one-second ring of samples.  The application is
 * paced by the pipe: when the ring is full the event is removed, so the
 * pipe fills and the application blocks in write(); the generator (20 ms
 * at a time) takes samples out and adds the event again.  An empty ring
 * is heard as silence.  Stopping closes the pipe (the application gets
 * EPIPE/SIGPIPE) and a pool job signals the process (group) with SIGHUP,
 * SIGTERM and SIGKILL, kill_escalation_delay apart, until waitpid() has
 * reaped it: no zombies, no waiting on the loop.
 *
 * The player is refcounted: the channel's datastore holds one reference,
 * each pool job and the read event's lifetime another, so a job that
 * completes after the music stopped finds a stopped player and only
 * cleans up.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <spandsp.h>

#define ZV_LOG_MODULE "res_musiconhold"
#include <zvonok/channel.h>
#include <zvonok/config.h>
#include <zvonok/diag.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "apps/media/moh_custom.h"

extern char **environ;

enum custom_fmt { FMT_SLIN, FMT_ULAW, FMT_ALAW };
static const char *const fmt_names[] = {"slin", "ulaw", "alaw"};

#define MAX_ARGS 64
#define RING 8000 /* one second */

struct moh_custom_cfg {
	char *app;
	enum custom_fmt fmt;
	unsigned kill_delay_ms;
	bool kill_group;
};

size_t moh_custom_split(const char *line, char **bufp, char **argv, size_t max)
{
	size_t n = 0;
	char *buf = *bufp = strdup(line ? line : "");
	if (!buf || !max)
		return 0;
	for (char *p = buf; *p && n + 1 < max;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		argv[n++] = p;
		while (*p && *p != ' ' && *p != ',' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0'; /* ends this argument even when it is the last */
	}
	argv[n] = NULL;
	return n;
}

void moh_custom_cfg_free(struct moh_custom_cfg *cfg)
{
	if (!cfg)
		return;
	free(cfg->app);
	free(cfg);
}

const char *moh_custom_app(const struct moh_custom_cfg *cfg)
{
	return cfg->app;
}

const char *moh_custom_format(const struct moh_custom_cfg *cfg)
{
	return fmt_names[cfg->fmt];
}

int moh_custom_parse(const struct zv_conf_section *sec, struct zv_diag *diag,
		     struct moh_custom_cfg **cfgp)
{
	*cfgp = NULL;
	const char *app = zv_conf_get(sec, "application"), *fmt = zv_conf_get(sec, "format");
	const char *delay = zv_conf_get(sec, "kill_escalation_delay");
	const char *method = zv_conf_get(sec, "kill_method");
	char *buf, *argv[MAX_ARGS];
	size_t argc = moh_custom_split(app, &buf, argv, MAX_ARGS);
	free(buf);
	if (!argc) {
		zv_diag_warn(diag, sec->file, sec->line,
			     "musiconhold.conf: class '%s': mode=custom needs application=; the "
			     "class is skipped",
			     sec->name);
		return 0;
	}
	struct moh_custom_cfg *cfg = calloc(1, sizeof(*cfg));
	if (!cfg || !(cfg->app = strdup(app))) {
		free(cfg);
		return -ENOMEM;
	}
	cfg->kill_delay_ms = 500;
	cfg->kill_group = true;
	bool ok = true;
	if (fmt && !strcasecmp(fmt, "ulaw"))
		cfg->fmt = FMT_ULAW;
	else if (fmt && !strcasecmp(fmt, "alaw"))
		cfg->fmt = FMT_ALAW;
	else if (fmt && strcasecmp(fmt, "slin") && strcasecmp(fmt, "sln")) {
		zv_diag_warn(diag, sec->file, sec->line,
			     "musiconhold.conf: class '%s': format=%s is not supported for "
			     "mode=custom (slin, ulaw, alaw); the class is skipped",
			     sec->name, fmt);
		ok = false;
	}
	if (delay) {
		char *end;
		long v = strtol(delay, &end, 10);
		if (end == delay || *end || v < 0 || v > 60000)
			zv_diag_warn(diag, sec->file, sec->line,
				     "musiconhold.conf: class '%s': kill_escalation_delay=%s is "
				     "not 0-60000 ms; 500 used",
				     sec->name, delay);
		else
			cfg->kill_delay_ms = (unsigned)v;
	}
	if (method && !strcasecmp(method, "process"))
		cfg->kill_group = false;
	else if (method && strcasecmp(method, "process_group"))
		zv_diag_warn(diag, sec->file, sec->line,
			     "musiconhold.conf: class '%s': kill_method=%s is not process_group or "
			     "process; process_group used",
			     sec->name, method);
	if (!ok) {
		moh_custom_cfg_free(cfg);
		return 0;
	}
	*cfgp = cfg;
	return 0;
}

/* ---- the player ------------------------------------------------------------ */

struct custom_play {
	char cls[80];
	char dir[512];
	struct moh_custom_cfg cfg; /* app owned */
	struct zv_loop *loop;
	bool stopped;
	/* the process (pid 0: none) and its pipe (-1: none) */
	pid_t pid;
	int fd;
	struct event *ev;
	bool ev_on;
	time_t started;
	unsigned spawns;
	/* samples read, not yet played */
	int16_t ring[RING];
	size_t head, count;
	uint8_t odd[1]; /* slin: a byte of a sample split between reads */
	bool has_odd;
	/* the spawn job's result */
	pid_t new_pid;
	int new_fd;
	int err;
};

static void play_destroy(void *obj)
{
	struct custom_play *p = obj;
	free(p->cfg.app);
}

/* Reaping on the pool: signal (the group) with SIGHUP, SIGTERM, SIGKILL,
 * delay apart, until the process is gone. */
struct reap_job {
	pid_t pid;
	bool group;
	unsigned delay_ms;
	bool signal; /* false: it ended by itself (EOF), only wait */
	struct custom_play *p; /* a reference, for a restart; or NULL */
	int status;
};

static bool reaped(struct reap_job *j, unsigned ms)
{
	for (unsigned waited = 0;; waited += 10) {
		pid_t r = waitpid(j->pid, &j->status, WNOHANG);
		if (r == j->pid || (r < 0 && errno == ECHILD))
			return true;
		if (waited >= ms)
			return false;
		usleep(10000);
	}
}

static void reap_work(void *arg)
{
	struct reap_job *j = arg;
	static const int sigs[] = {SIGHUP, SIGTERM, SIGKILL};
	if (!j->signal && reaped(j, 2000))
		return;
	for (size_t i = 0; i < 3; i++) {
		kill(j->group ? -j->pid : j->pid, sigs[i]);
		if (reaped(j, i < 2 ? j->delay_ms : 5000))
			return;
	}
}

static void spawn(struct custom_play *p);

static void reap_done(void *arg)
{
	struct reap_job *j = arg;
	struct custom_play *p = j->p;
	/* It ended by itself after playing a while: start it again (as
	 * Asterisk does); one that ends at once is not restarted. */
	if (p && !p->stopped && time(NULL) - p->started >= 2)
		spawn(p);
	else if (p && !p->stopped)
		zv_warn("Music on hold class '%s': %s ended (status %d); silence", p->cls,
			p->cfg.app, j->status);
	zv_unref(p);
	free(j);
}

static void reap(struct custom_play *p, bool signal, bool restart)
{
	struct reap_job *j = calloc(1, sizeof(*j));
	if (!j)
		return; /* nothing to do but leave a zombie */
	j->pid = p->pid;
	j->group = p->cfg.kill_group;
	j->delay_ms = p->cfg.kill_delay_ms;
	j->signal = signal;
	j->p = restart ? zv_ref(p) : NULL;
	p->pid = 0;
	if (zv_pool_submit(reap_work, reap_done, j) < 0) {
		zv_unref(j->p);
		free(j);
	}
}

static void pipe_close(struct custom_play *p)
{
	if (p->ev) {
		event_free(p->ev);
		p->ev = NULL;
		p->ev_on = false;
	}
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
}

static void ring_put(struct custom_play *p, int16_t v)
{
	p->ring[(p->head + p->count) % RING] = v;
	p->count++;
}

static void pipe_read(evutil_socket_t fd, short what, void *arg)
{
	struct custom_play *p = arg;
	uint8_t buf[2 * RING];
	size_t space = RING - p->count;
	size_t want = p->cfg.fmt == FMT_SLIN ? space * 2 - p->has_odd : space;
	ssize_t n = want ? read(fd, buf, want) : 0;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 && want) {
		/* the application ended (or the pipe broke) */
		pipe_close(p);
		if (p->pid)
			reap(p, false, true);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (p->cfg.fmt == FMT_ULAW) {
			ring_put(p, ulaw_to_linear(buf[i]));
		} else if (p->cfg.fmt == FMT_ALAW) {
			ring_put(p, alaw_to_linear(buf[i]));
		} else if (p->has_odd) {
			uint8_t two[2] = {p->odd[0], buf[i]};
			int16_t v;
			memcpy(&v, two, 2); /* host byte order, as Asterisk's slin */
			ring_put(p, v);
			p->has_odd = false;
		} else {
			p->odd[0] = buf[i];
			p->has_odd = true;
		}
	}
	if (p->count >= RING && p->ev_on) {
		event_del(p->ev); /* full: let the pipe pace the application */
		p->ev_on = false;
	}
}

static bool custom_gen(void *arg, struct zv_channel *chan, int16_t *pcm, unsigned samples)
{
	struct custom_play *p = arg;
	unsigned n = samples < p->count ? samples : (unsigned)p->count;
	for (unsigned i = 0; i < n; i++) {
		pcm[i] = p->ring[p->head];
		p->head = (p->head + 1) % RING;
	}
	p->count -= n;
	if (p->ev && !p->ev_on && p->count < RING) {
		event_add(p->ev, NULL);
		p->ev_on = true;
	}
	return true; /* silence (the caller zeroed pcm) when nothing came */
}

static void spawn_work(void *arg)
{
	struct custom_play *p = arg;
	char *buf, *argv[MAX_ARGS];
	p->new_pid = 0;
	p->new_fd = -1;
	p->err = 0;
	moh_custom_split(p->cfg.app, &buf, argv, MAX_ARGS);
	int fds[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	if (!buf || !argv[0]) {
		p->err = -ENOMEM;
		free(buf);
		return;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		p->err = -errno;
		free(buf);
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (p->dir[0])
		posix_spawn_file_actions_addchdir_np(&fa, p->dir);
	/* its own process group (kill_method=process_group), default
	 * signal dispositions and an empty mask: the daemon's are not the
	 * application's business */
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(fds[1]);
	free(buf);
	if (err) {
		close(fds[0]);
		p->err = -err;
		return;
	}
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	p->new_pid = pid;
	p->new_fd = fds[0];
}

static void spawn_done(void *arg)
{
	struct custom_play *p = arg;
	if (p->err < 0) {
		zv_warn("Music on hold class '%s': cannot run %s: %s", p->cls, p->cfg.app,
			strerror(-p->err));
	} else if (p->stopped) {
		close(p->new_fd);
		p->pid = p->new_pid;
		reap(p, true, false);
	} else {
		p->pid = p->new_pid;
		p->fd = p->new_fd;
		p->started = time(NULL);
		p->ev = event_new(zv_loop_base(p->loop), p->fd, EV_READ | EV_PERSIST, pipe_read, p);
		if (!p->ev || event_add(p->ev, NULL) < 0) {
			pipe_close(p);
			reap(p, true, false);
		} else {
			p->ev_on = true;
			zv_verb(4, "Music on hold class '%s': started %s (pid %d)", p->cls,
				p->cfg.app, (int)p->pid);
		}
	}
	zv_unref(p);
}

static void spawn(struct custom_play *p)
{
	if (++p->spawns > 1000) /* a loop of restarts: give up */
		return;
	zv_ref(p);
	if (zv_pool_submit(spawn_work, spawn_done, p) < 0)
		zv_unref(p);
}

static void custom_close(void *data)
{
	struct custom_play *p = data;
	p->stopped = true;
	pipe_close(p);
	if (p->pid)
		reap(p, true, false);
	zv_unref(p);
}

int moh_custom_start(struct zv_channel *chan, const char *ds_key, const char *cls,
		     const char *dir, const struct moh_custom_cfg *cfg)
{
	struct custom_play *p = zv_obj_alloc(sizeof(*p), play_destroy);
	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	p->fd = -1;
	p->loop = zv_channel_loop(chan);
	snprintf(p->cls, sizeof(p->cls), "%s", cls);
	snprintf(p->dir, sizeof(p->dir), "%s", dir ? dir : "");
	if (!(p->cfg.app = strdup(cfg->app))) {
		zv_unref(p);
		return -ENOMEM;
	}
	int err = zv_channel_datastore_set(chan, ds_key, p, custom_close);
	if (err < 0) {
		zv_unref(p);
		return err;
	}
	err = zv_channel_set_generator(chan, 8000, custom_gen, p);
	if (err < 0) {
		zv_channel_datastore_set(chan, ds_key, NULL, NULL);
		return err;
	}
	spawn(p);
	zv_verb(3, "Started music on hold, class '%s', on %s", cls, zv_channel_name(chan));
	return 0;
}
