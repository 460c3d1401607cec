/*
 * JITTERBUFFER(type)=max_size[,resync_threshold[,target_extra]]: a jitter
 * buffer on the audio the channel receives, as Asterisk's
 * func_jitterbuffer.  type: adaptive, fixed or disabled; the value
 * "default" (or empty) takes 200 ms, 1000 ms and 40 ms; disabled takes no
 * value and removes it.  Write-only.
 *
 * DESIGN
 * Parsing only: the buffer is the channel media's (chan_media.c,
 * zv_channel_set_jitterbuffer()), speexdsp's behind zv_jb_*.  Bad input
 * (an unknown type, a value that is not a number) is a warning and
 * changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "func_jitterbuffer"
#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/pbx.h>
#include <zvonok/rtp.h>

/* "a,b,c" (each optional, empty keeps the default) into the three sizes;
 * -EINVAL on anything but numbers. */
static int parse_sizes(const char *value, struct zv_jb_conf *c)
{
	c->max_size_ms = ZV_JB_DEFAULT_MAX_MS;
	c->resync_threshold_ms = ZV_JB_DEFAULT_RESYNC_MS;
	c->target_extra_ms = ZV_JB_DEFAULT_EXTRA_MS;
	if (!value || !*value || !strcasecmp(value, "default"))
		return 0;
	unsigned *out[3] = {&c->max_size_ms, &c->resync_threshold_ms, &c->target_extra_ms};
	const char *p = value;
	for (int i = 0; i < 3; i++) {
		if (*p && *p != ',') {
			char *end;
			unsigned long v = strtoul(p, &end, 10);
			if (end == p || v > 60000 || (*end && *end != ','))
				return -EINVAL;
			*out[i] = (unsigned)v;
			p = end;
		}
		if (!*p)
			return 0;
		p++; /* the comma */
	}
	return *p ? -EINVAL : 0;
}

static int jb_write(struct zv_channel *chan, const char *name, char *args, const char *value)
{
	if (!chan)
		return -EINVAL;
	if (!strcasecmp(args, "disabled"))
		return zv_channel_set_jitterbuffer(chan, NULL);
	struct zv_jb_conf c = {0};
	if (!strcasecmp(args, "adaptive"))
		c.adaptive = true;
	else if (strcasecmp(args, "fixed")) {
		zv_warn("Unknown jitterbuffer type '%s' (fixed, adaptive or disabled)", args);
		return -EINVAL;
	}
	if (parse_sizes(value, &c) < 0) {
		zv_warn("JITTERBUFFER(%s): bad value '%s' (max_size[,resync_threshold[,target_extra]])",
			args, value);
		return -EINVAL;
	}
	if (!c.max_size_ms)
		c.max_size_ms = ZV_JB_DEFAULT_MAX_MS;
	zv_verb(4, "%s: %s jitter buffer, max %u ms, resync %u ms, extra %u ms",
		zv_channel_name(chan), c.adaptive ? "adaptive" : "fixed", c.max_size_ms,
		c.resync_threshold_ms, c.target_extra_ms);
	return zv_channel_set_jitterbuffer(chan, &c);
}

static const struct zv_func funcs[] = {
	{"JITTERBUFFER", "Add a Jitterbuffer to the Read side of the channel.",
	 "JITTERBUFFER(jitterbuffer type)",
	 "Set(JITTERBUFFER(fixed|adaptive)=max_size[,resync_threshold[,target_extra]]) or "
	 "=default (200 ms, 1000 ms, 40 ms); Set(JITTERBUFFER(disabled)=) removes it.  "
	 "Write-only.",
	 NULL, jb_write},
};

static int jb_funcs_load(struct zv_module *mod)
{
	return zv_funcs_register(mod, funcs, 1);
}

ZV_MODULE(func_jitterbuffer) = {
	.summary = "Jitter buffer on a channel's received audio",
	.load = jb_funcs_load,
};
