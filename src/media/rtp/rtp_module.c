/*
 * The RTP engine's module (res_rtp_asterisk, Asterisk's name): rtp.conf
 * and the `rtp set debug` / `rtp show settings` commands.
 *
 * DESIGN
 * rtp.conf is read into a struct rtp_settings in prepare and published
 * in commit through atomics; a session copies them when it is created,
 * so a reload applies to new sessions and never disturbs running ones.
 * Without the module loaded (unit tests, --check-config) the defaults
 * apply.  As in Asterisk, bad values are warnings that keep the default,
 * and so are unknown options (with file:line).  Accepted but not acted
 * on: the ICE/STUN/TURN, strict RTP and learning options, rtpchecksums,
 * srtpreplayprotection (replay protection is always on), dtls_mtu.
 * kernel_forwarding (default yes) loads the eBPF fast path of the native
 * bridge at the first commit (rtp_kfwd.c); no detaches it.
 */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#define ZV_LOG_MODULE "rtp"
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/module.h>

#include "media/rtp/rtp_int.h"

static _Atomic uint32_t set_range = (uint32_t)RTP_DEFAULT_START << 16 | RTP_DEFAULT_END;
static _Atomic unsigned set_rtcp_ms = RTP_DEFAULT_RTCP_MS;
static _Atomic unsigned set_dtmf_ms = RTP_DEFAULT_DTMF_TIMEOUT_MS;
static _Atomic bool set_kfwd = true;
atomic_bool rtp__debug;

void rtp__settings_get(struct rtp_settings *s)
{
	uint32_t r = atomic_load(&set_range);
	s->port_start = (uint16_t)(r >> 16);
	s->port_end = (uint16_t)r;
	s->rtcp_interval_ms = atomic_load(&set_rtcp_ms);
	s->dtmf_timeout_ms = atomic_load(&set_dtmf_ms);
	s->kernel_forwarding = atomic_load(&set_kfwd);
}

void rtp__settings_set(const struct rtp_settings *s)
{
	zv_rtp_set_port_range(s->port_start, s->port_end);
	atomic_store(&set_rtcp_ms, s->rtcp_interval_ms);
	atomic_store(&set_dtmf_ms, s->dtmf_timeout_ms);
	atomic_store(&set_kfwd, s->kernel_forwarding);
}

void zv_rtp_set_port_range(uint16_t start, uint16_t end)
{
	atomic_store(&set_range, (uint32_t)start << 16 | end);
}

/* ---- rtp.conf ------------------------------------------------------------ */

static const struct zv_conf_option general_opts[] = {
	{"rtpstart", "first RTP port (even)"},
	{"rtpend", "last RTP port"},
	{"rtcpinterval", "ms between RTCP reports (500-60000)"},
	{"dtmftimeout", "samples (1/8000 s) before a digit without end ends"},
	{"rtpchecksums", "UDP checksums (always on)"},
	{"strictrtp", "accepted, not applied"},
	{"probation", "accepted, not applied"},
	{"learning_min_sequential", "accepted, not applied"},
	{"learning_min_duration", "accepted, not applied"},
	{"srtpreplayprotection", "replay protection is always on"},
	{"icesupport", "accepted, not applied"},
	{"stunaddr", "accepted, not applied"},
	{"stun_blacklist", "accepted, not applied"},
	{"stun_acl", "accepted, not applied"},
	{"stun_permit", "accepted, not applied"},
	{"stun_deny", "accepted, not applied"},
	{"turnaddr", "accepted, not applied"},
	{"turnusername", "accepted, not applied"},
	{"turnpassword", "accepted, not applied"},
	{"ice_blacklist", "accepted, not applied"},
	{"ice_acl", "accepted, not applied"},
	{"ice_permit", "accepted, not applied"},
	{"ice_deny", "accepted, not applied"},
	{"dtls_mtu", "accepted, not applied"},
	{"kernel_forwarding", "forward natively bridged RTP in the kernel (eBPF), yes|no"},
	{NULL},
};

/* A number of sec's key within [min, max] into *out; a warning otherwise. */
static bool conf_num(const struct zv_conf_section *sec, const char *key, long min, long max,
		     struct zv_diag *diag, long *out)
{
	const struct zv_conf_var *v = NULL, *last = NULL;
	while ((v = zv_conf_var_next(sec, key, v)))
		last = v;
	if (!last)
		return false;
	if (zv_conf_parse_int(last->value, min, max, out) < 0) {
		zv_diag_warn(diag, last->file, last->line,
			     "%s: '%s' is not a number in %ld..%ld, using the default", key,
			     last->value, min, max);
		return false;
	}
	return true;
}

static void conf_general(const struct zv_conf_section *sec, struct zv_diag *diag,
			 struct rtp_settings *s)
{
	zv_conf_check_options(sec, general_opts, diag);
	long start = RTP_DEFAULT_START, end = RTP_DEFAULT_END, v;
	conf_num(sec, "rtpstart", 1024, 65535, diag, &start);
	conf_num(sec, "rtpend", 1024, 65535, diag, &end);
	if (start > end) {
		zv_diag_warn(diag, sec->file, sec->line,
			     "rtpstart (%ld) is above rtpend (%ld): using %d-%d", start, end,
			     RTP_DEFAULT_START, RTP_DEFAULT_END);
		start = RTP_DEFAULT_START;
		end = RTP_DEFAULT_END;
	}
	s->port_start = (uint16_t)start;
	s->port_end = (uint16_t)end;
	if (conf_num(sec, "rtcpinterval", 0, 60000, diag, &v))
		s->rtcp_interval_ms = v ? (unsigned)(v < 500 ? 500 : v) : RTP_DEFAULT_RTCP_MS;
	if (conf_num(sec, "dtmftimeout", 1, 8 * 60000, diag, &v))
		s->dtmf_timeout_ms = (unsigned)(v / 8 ? v / 8 : 1);
	const struct zv_conf_var *kv = NULL, *klast = NULL;
	while ((kv = zv_conf_var_next(sec, "kernel_forwarding", kv)))
		klast = kv;
	if (klast) {
		bool b;
		if (zv_conf_parse_bool(klast->value, &b) == 0)
			s->kernel_forwarding = b;
		else
			zv_diag_warn(diag, klast->file, klast->line,
				     "kernel_forwarding: '%s' is not yes or no, using yes",
				     klast->value);
	}
}

int rtp__conf_parse(const struct zv_conf *conf, struct zv_diag *diag, struct rtp_settings *s)
{
	s->port_start = RTP_DEFAULT_START;
	s->port_end = RTP_DEFAULT_END;
	s->rtcp_interval_ms = RTP_DEFAULT_RTCP_MS;
	s->dtmf_timeout_ms = RTP_DEFAULT_DTMF_TIMEOUT_MS;
	s->kernel_forwarding = true;
	if (!conf)
		return 0;
	for (const struct zv_conf_section *sec = zv_conf_section_next(conf, NULL); sec;
	     sec = zv_conf_section_next(conf, sec)) {
		if (!strcasecmp(sec->name, "general"))
			conf_general(sec, diag, s);
		else if (strcasecmp(sec->name, "ice_host_candidates"))
			zv_diag_warn(diag, sec->file, sec->line, "unknown section [%s]", sec->name);
	}
	return 0;
}

static int rtp_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
		       struct zv_diag *diag, void **statep)
{
	struct rtp_settings *s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	int err = rtp__conf_parse(zv_snapshot_file(snap, "rtp.conf"), diag, s);
	if (err) {
		free(s);
		return err;
	}
	*statep = s;
	return 0;
}

static void rtp_commit(struct zv_module *mod, void *state)
{
	const struct rtp_settings *s = state;
	rtp__settings_set(s);
	if (s->kernel_forwarding)
		rtp__kfwd_start(); /* once; a reload that keeps it on does nothing */
	else
		rtp__kfwd_stop("kernel_forwarding = no");
	free(state);
}

static void rtp_discard(struct zv_module *mod, void *state)
{
	free(state);
}

/* ---- CLI ------------------------------------------------------------------ */

static enum zv_cli_result cli_set_debug(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	if (!strcasecmp(argv[nf], "on")) {
		atomic_store(&rtp__debug, true);
		zv_cli_printf(req, "RTP Packet Debugging Enabled\n");
	} else if (!strcasecmp(argv[nf], "off")) {
		atomic_store(&rtp__debug, false);
		zv_cli_printf(req, "RTP Debugging Disabled\n");
	} else {
		return ZV_CLI_SHOWUSAGE;
	}
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_settings(struct zv_cli_req *req, int argc, char **argv)
{
	struct rtp_settings s;
	rtp__settings_get(&s);
	zv_cli_printf(req, "\n\nGeneral Settings:\n");
	zv_cli_printf(req, "----------------\n");
	zv_cli_printf(req, "  Port start:      %u\n", s.port_start);
	zv_cli_printf(req, "  Port end:        %u\n", s.port_end);
	zv_cli_printf(req, "  Checksums:       True\n");
	zv_cli_printf(req, "  DTMF Timeout:    %u\n", s.dtmf_timeout_ms * 8);
	zv_cli_printf(req, "  RTCP Interval:   %u\n", s.rtcp_interval_ms);
	zv_cli_printf(req, "  Replay Protect:  True\n");
	zv_cli_printf(req, "  Debugging:       %s\n",
		      atomic_load(&rtp__debug) ? "Enabled" : "Disabled");
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_kernel(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc > nf + 1 || (argc == nf + 1 && strcasecmp(argv[nf], "flows")))
		return ZV_CLI_SHOWUSAGE;
	rtp__kfwd_show(req, argc == nf + 1);
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd rtp_cli[] = {
	{"rtp set debug", "Enable/Disable RTP debugging",
	 "Usage: rtp set debug {on|off}\n"
	 "       Enable/Disable dumping of all RTP packets.\n",
	 cli_set_debug},
	{"rtp show settings", "Display RTP settings",
	 "Usage: rtp show settings\n"
	 "       Display RTP configuration settings\n",
	 cli_show_settings},
	{"rtp show kernel", "Display the kernel forwarding of bridged RTP",
	 "Usage: rtp show kernel [flows]\n"
	 "       Whether natively bridged RTP is forwarded in the kernel (eBPF),\n"
	 "       on which interfaces, how many flows and packets; with flows, each flow.\n",
	 cli_show_kernel},
	{NULL},
};

static int rtp_load(struct zv_module *mod)
{
	return zv_cli_register(mod, rtp_cli);
}

static void rtp_unload(struct zv_module *mod)
{
	rtp__kfwd_stop("the RTP module is unloaded");
	atomic_store(&rtp__debug, false);
}

ZV_MODULE(res_rtp_asterisk) = {
	.summary = "RTP engine: sessions, RTCP, RFC 4733, SRTP (rtp.conf)",
	.requires = "cli",
	.config = "rtp.conf",
	.load = rtp_load,
	.prepare = rtp_prepare,
	.commit = rtp_commit,
	.discard = rtp_discard,
	.unload = rtp_unload,
};
