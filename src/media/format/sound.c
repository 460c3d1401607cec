/*
 * Sound files: finding a prompt the way Asterisk does and loading it
 * whole into memory as slin.
 *
 * DESIGN
 * Lookup.  A name without a known extension is tried in every format of
 * media__fmts (wideband formats first when more than 8 kHz is asked
 * for); a name with one ("hello-world.gsm") only in that format.  The
 * places tried, for languages lang, lang without its region ("pt_BR" ->
 * "pt"), "en", then none:
 *   relative name:  <sounds>/<lang>/<name>, then the Debian package
 *                   directory for that language (en -> en_US_f_Allison,
 *                   ru -> ru_RU_f_IvrvoiceRU), then <sounds>/<name>;
 *   absolute name:  <dir of name>/<lang>/<base>, then the name itself
 *                   (Asterisk's layout for absolute paths).
 * The first regular file found wins.  A language containing '/' is
 * ignored, so a channel's language cannot walk the file system.
 *
 * Loading.  wav/WAV/wav16 go through libsndfile (any rate, channels mixed
 * down to mono); raw formats (ulaw, alaw, gsm, sln, sln16, g722) are read
 * with one read() and decoded with spandsp and libgsm.  The result is
 * resampled once with speexdsp when the file's rate is not the one asked
 * for (rate 0 asks for the file's own rate).  Files are capped at
 * MAX_FILE_BYTES; a corrupt file (libsndfile refuses it, a GSM frame
 * without its signature) is an error, logged with its path.
 *
 * The sounds directory is an immutable string swapped atomically, so
 * zv_sound_dir() may be called from pool threads while the main thread
 * sets it; old strings are kept (a few bytes per change) because a caller
 * may still be reading one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsm.h>
#include <sndfile.h>
#include <spandsp.h>

#define ZV_LOG_MODULE "media_sound"
#include <zvonok/core.h>
#include <zvonok/coro.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/obj.h>

#include "media/codec/codec_int.h"
#include "media/format/format_int.h"

#define DEFAULT_SOUNDS "/usr/share/asterisk/sounds"
#define MAX_FILE_BYTES (128u << 20)
#define MAX_SAMPLES (64u << 20)

/* ---- the sounds directory ------------------------------------------------ */

struct dir_node {
	struct dir_node *older;
	char path[];
};

static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dir_node *_Atomic dir_set;     /* zv_sound_set_dir(), or NULL */
static struct dir_node *_Atomic dir_default; /* from astdatadir */
static const char *_Atomic dir_default_from; /* the datadir it was made from */
static struct dir_node *dir_all;	     /* every node, kept reachable */

static struct dir_node *dir_push(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	struct dir_node *n = malloc(sizeof(*n) + len + 1);
	if (!n)
		return NULL;
	memcpy(n->path, path, len);
	n->path[len] = '\0';
	n->older = dir_all;
	dir_all = n;
	return n;
}

void zv_sound_set_dir(const char *dir)
{
	pthread_mutex_lock(&dir_lock);
	struct dir_node *n = dir && *dir ? dir_push(dir) : NULL;
	atomic_store(&dir_set, n);
	pthread_mutex_unlock(&dir_lock);
}

/* <astdatadir>/sounds when that exists, else the Debian location. */
static const char *default_dir(void)
{
	const char *data = zv_core_datadir();
	struct dir_node *d = atomic_load(&dir_default);
	if (d && data == atomic_load(&dir_default_from))
		return d->path;
	pthread_mutex_lock(&dir_lock);
	if (!(d = atomic_load(&dir_default)) || data != atomic_load(&dir_default_from)) {
		char buf[512];
		struct stat st;
		const char *path = DEFAULT_SOUNDS;
		if (data && snprintf(buf, sizeof(buf), "%s/sounds", data) < (int)sizeof(buf) &&
		    stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			path = buf;
		struct dir_node *n = dir_push(path);
		if (n) {
			atomic_store(&dir_default_from, data);
			atomic_store(&dir_default, n);
			d = n;
		}
	}
	pthread_mutex_unlock(&dir_lock);
	return d ? d->path : DEFAULT_SOUNDS;
}

const char *zv_sound_dir(void)
{
	struct dir_node *n = atomic_load(&dir_set);
	return n ? n->path : default_dir();
}

/* ---- lookup -------------------------------------------------------------- */

struct found {
	char path[512];
	const struct media_fmt *fmt;
};

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool try_fmt(const char *stem, const struct media_fmt *fmt, struct found *f)
{
	int n = snprintf(f->path, sizeof(f->path), "%s.%s", stem, fmt->file_ext);
	if (n < 0 || (size_t)n >= sizeof(f->path) || !is_file(f->path))
		return false;
	f->fmt = fmt;
	return true;
}

/* stem: the path without extension; only: the one format, or NULL. */
static bool try_stem(const char *stem, const struct media_fmt *only, unsigned rate,
		     struct found *f)
{
	if (only)
		return try_fmt(stem, only, f);
	bool wide = rate > 8000;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < media__nfmts; i++)
			if (media__fmts[i].wideband == (pass == 0 ? wide : !wide) &&
			    try_fmt(stem, &media__fmts[i], f))
				return true;
	return false;
}

static const char *debian_dir(const char *lang)
{
	if (!strcmp(lang, "en") || !strcmp(lang, "en_US"))
		return "en_US_f_Allison";
	if (!strcmp(lang, "ru") || !strcmp(lang, "ru_RU"))
		return "ru_RU_f_IvrvoiceRU";
	return NULL;
}

static bool try_lang(const char *stem, const char *lang, const struct media_fmt *only,
		     unsigned rate, struct found *f)
{
	char buf[512];
	const char *slash = strrchr(stem, '/');
	if (stem[0] == '/') {
		int dl = (int)(slash - stem);
		int n = snprintf(buf, sizeof(buf), "%.*s/%s/%s", dl, stem, lang, slash + 1);
		return n > 0 && (size_t)n < sizeof(buf) && try_stem(buf, only, rate, f);
	}
	const char *sounds = zv_sound_dir();
	int n = snprintf(buf, sizeof(buf), "%s/%s/%s", sounds, lang, stem);
	if (n > 0 && (size_t)n < sizeof(buf) && try_stem(buf, only, rate, f))
		return true;
	const char *deb = debian_dir(lang);
	if (!deb)
		return false;
	n = snprintf(buf, sizeof(buf), "%s/%s/%s", sounds, deb, stem);
	return n > 0 && (size_t)n < sizeof(buf) && try_stem(buf, only, rate, f);
}

/* Splits "name.ext" when ext is a known format. */
static const struct media_fmt *split_ext(const char *name, char *stem, size_t cap)
{
	const char *dot = strrchr(name, '.');
	const char *slash = strrchr(name, '/');
	const struct media_fmt *fmt = NULL;
	size_t len = strlen(name);
	if (dot && (!slash || dot > slash) && (fmt = media__fmt_by_ext(dot + 1)))
		len = (size_t)(dot - name);
	if (len >= cap)
		return NULL;
	memcpy(stem, name, len);
	stem[len] = '\0';
	return fmt;
}

static int find(const char *name, const char *lang, unsigned rate, struct found *f)
{
	char stem[512], region[64];
	if (!name || !*name || strlen(name) >= sizeof(stem))
		return -ENOENT;
	const struct media_fmt *only = split_ext(name, stem, sizeof(stem));
	if (lang && (!*lang || strchr(lang, '/') || strlen(lang) >= sizeof(region)))
		lang = NULL;
	const char *langs[3];
	int nl = 0;
	if (lang)
		langs[nl++] = lang;
	if (lang && strchr(lang, '_')) {
		snprintf(region, sizeof(region), "%.*s", (int)(strchr(lang, '_') - lang), lang);
		langs[nl++] = region;
	}
	if (!nl || strcmp(langs[nl - 1], "en"))
		langs[nl++] = "en";
	for (int i = 0; i < nl; i++)
		if (try_lang(stem, langs[i], only, rate, f))
			return 0;
	if (stem[0] == '/')
		return try_stem(stem, only, rate, f) ? 0 : -ENOENT;
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s/%s", zv_sound_dir(), stem);
	if (n > 0 && (size_t)n < sizeof(buf) && try_stem(buf, only, rate, f))
		return 0;
	return -ENOENT;
}

bool zv_sound_exists(const char *name, const char *lang)
{
	struct found f;
	return find(name, lang, 8000, &f) == 0;
}

/* ---- reading ------------------------------------------------------------- */

struct pcm {
	int16_t *s;
	size_t n;
	unsigned rate;
};

static int read_sndfile(const char *path, struct pcm *p)
{
	SF_INFO info = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf) {
		zv_warn("%s: cannot read: %s", path, sf_strerror(NULL));
		return -EINVAL;
	}
	int err = -EINVAL;
	short *buf = NULL;
	if (info.channels < 1 || info.channels > 8 || info.samplerate < 1000 ||
	    info.samplerate > 192000 || info.frames < 0 ||
	    (uint64_t)info.frames * (unsigned)info.channels > MAX_SAMPLES) {
		zv_warn("%s: unsupported (%d channels, %d Hz, %lld frames)", path, info.channels,
			info.samplerate, (long long)info.frames);
		goto out;
	}
	size_t ch = (size_t)info.channels;
	err = -ENOMEM;
	if (!(buf = malloc(((size_t)info.frames * ch + 1) * sizeof(*buf))))
		goto out;
	sf_count_t got = sf_readf_short(sf, buf, info.frames);
	if (got < 0 || (got < info.frames && sf_error(sf))) {
		zv_warn("%s: read error: %s", path, sf_strerror(sf));
		err = -EIO;
		goto out;
	}
	for (sf_count_t i = 0; ch > 1 && i < got; i++) {
		int sum = 0;
		for (size_t c = 0; c < ch; c++)
			sum += buf[(size_t)i * ch + c];
		buf[i] = (short)(sum / (int)ch);
	}
	p->s = buf;
	p->n = (size_t)got;
	p->rate = (unsigned)info.samplerate;
	buf = NULL;
	err = 0;
out:
	free(buf);
	sf_close(sf);
	return err;
}

static int read_all(const char *path, uint8_t **datap, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int err = 0;
	uint8_t *buf = NULL;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if ((uint64_t)st.st_size > MAX_FILE_BYTES) {
		err = -EFBIG;
		goto out;
	}
	size_t len = 0, cap = (size_t)st.st_size;
	if (!(buf = malloc(cap + 1))) {
		err = -ENOMEM;
		goto out;
	}
	while (len < cap) {
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*datap = buf;
	*lenp = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

static int decode_gsm(const char *path, const uint8_t *d, size_t len, int16_t *out)
{
	gsm g = gsm_create();
	if (!g)
		return -ENOMEM;
	int err = 0;
	for (size_t i = 0; i < len / 33; i++)
		if (gsm_decode(g, (gsm_byte *)(d + i * 33), out + i * 160) < 0) {
			zv_warn("%s: corrupt GSM frame %zu", path, i);
			err = -EINVAL;
			break;
		}
	gsm_destroy(g);
	return err;
}

static int decode_g722(const uint8_t *d, size_t len, int16_t *out)
{
	g722_decode_state_t *s = g722_decode_init(NULL, 64000, 0);
	if (!s)
		return -ENOMEM;
	g722_decode(s, out, d, (int)len);
	g722_decode_free(s);
	return 0;
}

static int read_raw(const char *path, const struct media_fmt *fmt, struct pcm *p)
{
	uint8_t *d = NULL;
	size_t len = 0, n;
	int err = read_all(path, &d, &len);
	if (err < 0) {
		zv_warn("%s: cannot read: %s", path, strerror(-err));
		return err;
	}
	switch (fmt->kind) {
	case FMT_GSM:
		n = len / 33 * 160;
		break;
	case FMT_SLIN:
		n = len / 2;
		break;
	case FMT_G722:
		n = len * 2;
		break;
	default:
		n = len;
		break;
	}
	int16_t *s = malloc((n + 1) * sizeof(*s));
	if (!s) {
		free(d);
		return -ENOMEM;
	}
	switch (fmt->kind) {
	case FMT_GSM:
		err = decode_gsm(path, d, len, s);
		break;
	case FMT_SLIN:
		memcpy(s, d, n * 2);
		break;
	case FMT_G722:
		err = decode_g722(d, len, s);
		break;
	case FMT_ULAW:
		for (size_t i = 0; i < n; i++)
			s[i] = ulaw_to_linear(d[i]);
		break;
	case FMT_ALAW:
		for (size_t i = 0; i < n; i++)
			s[i] = alaw_to_linear(d[i]);
		break;
	default:
		err = -EINVAL;
		break;
	}
	free(d);
	if (err < 0) {
		free(s);
		return err;
	}
	p->s = s;
	p->n = n;
	p->rate = fmt->rate;
	return 0;
}

static void sound_destroy(void *obj)
{
	struct zv_sound *s = obj;
	free(s->pcm);
}

int zv_sound_load(const char *name, const char *lang, unsigned rate, struct zv_sound **out)
{
	struct found f;
	*out = NULL;
	int err = find(name, lang, rate ? rate : 8000, &f);
	if (err < 0)
		return err;
	struct pcm p = {0};
	if (f.fmt->kind == FMT_WAV || f.fmt->kind == FMT_WAV_GSM)
		err = read_sndfile(f.path, &p);
	else
		err = read_raw(f.path, f.fmt, &p);
	if (err < 0)
		return err == -ENOENT ? -EIO : err; /* it existed a moment ago */
	if (rate && rate != p.rate) {
		int16_t *r;
		size_t rn;
		if ((err = media__resample_all(p.s, p.n, p.rate, rate, &r, &rn)) < 0) {
			free(p.s);
			return err;
		}
		free(p.s);
		p.s = r;
		p.n = rn;
		p.rate = rate;
	}
	struct zv_sound *s = zv_obj_alloc(sizeof(*s), sound_destroy);
	if (!s) {
		free(p.s);
		return -ENOMEM;
	}
	s->rate = p.rate;
	s->samples = p.n;
	s->pcm = p.s;
	snprintf(s->path, sizeof(s->path), "%s", f.path);
	*out = s;
	return 0;
}

struct load_job {
	const char *name, *lang;
	unsigned rate;
	struct zv_sound *snd;
	int err;
};

static void load_work(void *arg)
{
	struct load_job *j = arg;
	j->err = zv_sound_load(j->name, j->lang, j->rate, &j->snd);
}

int zv_sound_load_coro(const char *name, const char *lang, unsigned rate, struct zv_sound **out)
{
	*out = NULL;
	if (!zv_loop_current()) /* a pool thread (or a test): blocking is fine */
		return zv_sound_load(name, lang, rate, out);
	struct load_job j = {.name = name, .lang = lang, .rate = rate};
	int err = zv_coro_blocking(load_work, &j);
	if (err < 0)
		return err;
	*out = j.snd;
	return j.err;
}
