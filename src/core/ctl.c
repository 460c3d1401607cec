/*
 * The control socket (astrundir/zvonok.ctl) and its clients: `zvonok -r`
 * (interactive remote console), `zvonok -rx "cmd"` (one command) and the
 * in-process console of `zvonok -c`.
 *
 * PROTOCOL (line based, UNIX stream socket, mode 0660)
 *   client: "ZVONOK/1 exec\n" or "ZVONOK/1 console\n", then command lines.
 *   server: for each command, its output, then a NUL byte, the result digit
 *           (0 success, 1 failure, 2 usage) and "\n".  A console session
 *           also receives log lines (verbose and above, as the console
 *           shows them) between commands.
 *
 * DESIGN
 * Sessions live on the main loop.  Log lines reach a console session from
 * any thread through its log sink, which appends to a small locked buffer
 * and posts one flush to the main loop; a slow client loses lines beyond
 * 64 KiB rather than slowing the logging thread.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define ZV_LOG_MODULE "cli"
#include <zvonok/cli.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "core/internal.h"

#define CTL_HELLO "ZVONOK/1 "
#define CTL_PENDING_MAX (64 * 1024)

struct session {
	struct bufferevent *bev;
	bool hello_done;
	bool console;
	bool closed;
	struct zv_log_sink *sink;
	pthread_mutex_t lock; /* guards pending and flush_posted */
	char *pending;
	size_t npending;
	bool flush_posted;
	unsigned busy; /* commands running */
	struct session *prev, *next; /* open sessions (main loop) */
};

static struct evconnlistener *listener;
static char *listen_path;
static struct session *sessions; /* open sessions, main loop only */

static void session_destroy(void *obj)
{
	struct session *s = obj;
	free(s->pending);
	pthread_mutex_destroy(&s->lock);
}

static void session_close(struct session *s)
{
	if (s->closed)
		return;
	s->closed = true;
	if (s->prev)
		s->prev->next = s->next;
	else if (sessions == s)
		sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	zv_log_sink_remove(s->sink); /* no sink callback runs after this */
	s->sink = NULL;
	bufferevent_free(s->bev);
	s->bev = NULL;
	zv_unref(s);
}

static void flush_pending(void *arg)
{
	struct session *s = arg;
	pthread_mutex_lock(&s->lock);
	char *buf = s->pending;
	size_t n = s->npending;
	s->pending = NULL;
	s->npending = 0;
	s->flush_posted = false;
	pthread_mutex_unlock(&s->lock);
	if (!s->closed && n)
		bufferevent_write(s->bev, buf, n);
	free(buf);
	zv_unref(s);
}

static void session_log(void *arg, enum zv_log_level level, int sublevel, const char *line)
{
	struct session *s = arg;
	if (level == ZV_LOG_DEBUG && sublevel > zv_log_debug_level())
		return;
	if (level == ZV_LOG_VERBOSE && sublevel > zv_log_verbose_level())
		return;
	size_t len = strlen(line);
	pthread_mutex_lock(&s->lock);
	if (s->npending + len + 1 <= CTL_PENDING_MAX) {
		char *nb = realloc(s->pending, s->npending + len + 1);
		if (nb) {
			memcpy(nb + s->npending, line, len);
			nb[s->npending + len] = '\n';
			s->pending = nb;
			s->npending += len + 1;
		}
	}
	bool post = !s->flush_posted;
	s->flush_posted = true;
	pthread_mutex_unlock(&s->lock);
	if (post) {
		zv_ref(s);
		if (zv_loop_post(zv_main_loop(), flush_pending, s) < 0) {
			pthread_mutex_lock(&s->lock);
			s->flush_posted = false;
			pthread_mutex_unlock(&s->lock);
			zv_unref(s);
		}
	}
}

static void command_done(void *arg, enum zv_cli_result result, const char *out, size_t len)
{
	struct session *s = arg;
	s->busy--;
	if (!s->closed) {
		bufferevent_write(s->bev, out, len);
		char trailer[3] = {'\0', (char)('0' + (result == ZV_CLI_SUCCESS ? 0 :
					      result == ZV_CLI_SHOWUSAGE ? 2 : 1)), '\n'};
		bufferevent_write(s->bev, trailer, sizeof(trailer));
	}
	zv_unref(s);
}

static void session_read(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t len;
	zv_ref(s);
	while (!s->closed && (line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF))) {
		if (!s->hello_done) {
			s->hello_done = true;
			if (strncmp(line, CTL_HELLO, strlen(CTL_HELLO))) {
				free(line);
				session_close(s);
				break;
			}
			s->console = !strcmp(line + strlen(CTL_HELLO), "console");
			if (s->console)
				s->sink = zv_log_sink_add(session_log, s);
			free(line);
			continue;
		}
		s->busy++;
		zv_cli_exec(line, command_done, zv_ref(s));
		free(line);
	}
	if (!s->closed && evbuffer_get_length(in) > 65536)
		session_close(s); /* a line that long is not a command */
	zv_unref(s);
}

static void session_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		session_close(arg);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int socklen, void *arg)
{
	struct session *s = zv_obj_alloc(sizeof(*s), session_destroy);
	if (!s) {
		close(fd);
		return;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->bev = bufferevent_socket_new(zv_loop_base(zv_main_loop()), fd, BEV_OPT_CLOSE_ON_FREE);
	if (!s->bev) {
		close(fd);
		s->closed = true;
		zv_unref(s);
		return;
	}
	bufferevent_setcb(s->bev, session_read, NULL, session_event, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	s->next = sessions;
	if (sessions)
		sessions->prev = s;
	sessions = s;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int zv_ctl_listen(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);

	int fd = connect_socket(path);
	if (fd >= 0) {
		close(fd);
		zv_error("Another Zvonok is already running on %s", path);
		return -EADDRINUSE;
	}
	unlink(path); /* stale socket of a process that died */
	char *dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
			int err = -errno;
			zv_error("Cannot create %s: %s", dir, strerror(errno));
			free(dir);
			return err;
		}
	}
	free(dir);

	mode_t old = umask(0117);
	listener = evconnlistener_new_bind(zv_loop_base(zv_main_loop()), accept_cb, NULL,
					   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
					   (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (!listener) {
		int err = -errno;
		zv_error("Unable to listen on %s: %s", path, strerror(errno));
		return err ? err : -EIO;
	}
	listen_path = strdup(path);
	return 0;
}

void zv_ctl_close(void)
{
	/* Clients still connected (e.g. the one that sent `core stop now`)
	 * see the connection close. */
	while (sessions) {
		struct session *s = sessions;
		if (s->bev) /* what the socket takes now of pending output */
			evbuffer_write(bufferevent_get_output(s->bev), bufferevent_getfd(s->bev));
		session_close(s);
	}
	if (listener)
		evconnlistener_free(listener);
	listener = NULL;
	if (listen_path)
		unlink(listen_path);
	free(listen_path);
	listen_path = NULL;
}

/* ---- client side ------------------------------------------------------ */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Copy what the server sends to stdout until the end of one command's
 * output (NUL, digit, newline).  Returns the result digit, or -1 when the
 * server went away.  Log lines that arrive are printed as they come.
 */
static int read_response(int fd)
{
	char buf[4096];
	int state = 0; /* 0 text, 1 after NUL, 2 after digit */
	int result = -1;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		size_t start = 0;
		for (ssize_t i = 0; i < n; i++) {
			if (state == 0 && buf[i] == '\0') {
				fwrite(buf + start, 1, (size_t)i - start, stdout);
				state = 1;
			} else if (state == 1) {
				result = buf[i] - '0';
				state = 2;
			} else if (state == 2) {
				/* the newline: done; anything after is a log line
				 * which a one-shot client does not need */
				fflush(stdout);
				return result;
			}
		}
		if (state == 0)
			fwrite(buf + start, 1, (size_t)n - start, stdout);
	}
}

static int send_line(int fd, const char *line)
{
	int err = write_all(fd, line, strlen(line));
	return err ? err : write_all(fd, "\n", 1);
}

int zv_ctl_remote(const char *path, const char *command)
{
	int fd = connect_socket(path);
	if (fd < 0) {
		fprintf(stderr, "Unable to connect to remote zvonok (does %s exist?)\n", path);
		return 1;
	}
	if (command) {
		if (send_line(fd, CTL_HELLO "exec") || send_line(fd, command)) {
			close(fd);
			return 1;
		}
		int r = read_response(fd);
		close(fd);
		return r == 0 ? 0 : 1;
	}

	if (send_line(fd, CTL_HELLO "console")) {
		close(fd);
		return 1;
	}
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	printf("Connected to Zvonok %s currently running on %s\n", ZV_VERSION, host);
	int status = 0;
	for (;;) {
		printf("%s*CLI> ", host);
		fflush(stdout);
		/* Wait for a line from the user while printing log lines. */
		struct pollfd pfd[2] = {{.fd = 0, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
		char line[4096];
		for (;;) {
			if (poll(pfd, 2, -1) < 0 && errno != EINTR)
				goto out;
			if (pfd[1].revents) {
				char buf[4096];
				ssize_t n = read(fd, buf, sizeof(buf));
				if (n <= 0) {
					printf("\nDisconnected from Zvonok server\n");
					status = 1;
					goto out;
				}
				fwrite(buf, 1, (size_t)n, stdout);
				fflush(stdout);
			}
			if (pfd[0].revents)
				break;
		}
		if (!fgets(line, sizeof(line), stdin))
			goto out;
		line[strcspn(line, "\r\n")] = '\0';
		if (!strcmp(line, "exit") || !strcmp(line, "quit"))
			goto out;
		if (!line[0])
			continue;
		if (send_line(fd, line) || read_response(fd) < 0) {
			printf("\nDisconnected from Zvonok server\n");
			status = 1;
			goto out;
		}
	}
out:
	close(fd);
	return status;
}

/* ---- in-process console (-c) ------------------------------------------ */

static struct event *console_ev;
static char console_buf[4096];
static size_t console_len;

static void console_prompt(void)
{
	fputs("*CLI> ", stdout);
	fflush(stdout);
}

static void console_done(void *arg, enum zv_cli_result result, const char *out, size_t len)
{
	fwrite(out, 1, len, stdout);
	console_prompt();
}

static void console_read(evutil_socket_t fd, short what, void *arg)
{
	ssize_t n = read(fd, console_buf + console_len, sizeof(console_buf) - 1 - console_len);
	if (n <= 0) {
		/* End of input: the daemon keeps running without a console. */
		event_free(console_ev);
		console_ev = NULL;
		return;
	}
	console_len += (size_t)n;
	console_buf[console_len] = '\0';
	char *nl;
	while ((nl = strchr(console_buf, '\n'))) {
		*nl = '\0';
		if (nl > console_buf && nl[-1] == '\r')
			nl[-1] = '\0';
		if (!strcmp(console_buf, "exit") || !strcmp(console_buf, "quit"))
			zv_core_request_stop(ZV_STOP_NOW);
		else if (console_buf[0])
			zv_cli_exec(console_buf, console_done, NULL);
		else
			console_prompt();
		size_t used = (size_t)(nl + 1 - console_buf);
		memmove(console_buf, nl + 1, console_len - used + 1);
		console_len -= used;
	}
	if (console_len == sizeof(console_buf) - 1)
		console_len = 0; /* over-long line: drop it */
}

int zv_console_start(void)
{
	console_ev = event_new(zv_loop_base(zv_main_loop()), 0, EV_READ | EV_PERSIST,
			       console_read, NULL);
	if (!console_ev || event_add(console_ev, NULL) < 0)
		return -ENOMEM;
	console_prompt();
	return 0;
}
