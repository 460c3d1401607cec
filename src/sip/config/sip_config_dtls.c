/*
 * The DTLS-SRTP options of an endpoint, shared by the pjsip.conf and
 * sip.conf readers.
 *
 * DESIGN
 * Asterisk's two spellings name the same settings: pjsip.conf's
 * dtls_verify, dtls_rekey, dtls_cert_file, ... and sip.conf's dtlsverify,
 * dtlsrekey, dtlscertfile, ...; both come here with the underscore after
 * "dtls" removed, so one table handles them.  sip.conf's dtlsenable=yes
 * is media_encryption=dtls.  When the endpoint uses DTLS, the finish
 * step builds its DTLS context once (zv_dtls_ctx_get(): certificate and
 * key read, or generated), so an unreadable certificate is an error with
 * the endpoint's file:line at load time and the contexts are cached
 * before the first call.  dtls_rekey is read but renegotiation is not
 * done: a non-zero value warns.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <zvonok/rtp.h>

#include "sip/config/sip_config_int.h"

static const struct {
	const char *name;
	unsigned verify;
} verify_vals[] = {
	{"no", 0},
	{"fingerprint", ZV_DTLS_VERIFY_FINGERPRINT},
	{"certificate", ZV_DTLS_VERIFY_CERTIFICATE},
	{"yes", ZV_DTLS_VERIFY_FINGERPRINT | ZV_DTLS_VERIFY_CERTIFICATE},
};

static void get_verify(struct sip__build *b, const struct zv_conf_var *v, struct sip_dtls *d)
{
	for (size_t i = 0; i < sizeof(verify_vals) / sizeof(verify_vals[0]); i++) {
		if (!strcasecmp(v->value, verify_vals[i].name)) {
			d->verify = verify_vals[i].verify;
			d->verify_set = true;
			return;
		}
	}
	zv_diag_error(b->diag, v->file, v->line,
		      "%s=%s: expected no, fingerprint, certificate or yes", v->name, v->value);
}

static void get_setup(struct sip__build *b, const struct zv_conf_var *v, struct sip_dtls *d)
{
	if (!strcasecmp(v->value, "active"))
		d->setup = SIP_DTLS_ACTIVE;
	else if (!strcasecmp(v->value, "passive"))
		d->setup = SIP_DTLS_PASSIVE;
	else if (!strcasecmp(v->value, "actpass"))
		d->setup = SIP_DTLS_ACTPASS;
	else
		zv_diag_error(b->diag, v->file, v->line,
			      "%s=%s: expected active, passive or actpass", v->name, v->value);
}

static void get_hash(struct sip__build *b, const struct zv_conf_var *v, struct sip_dtls *d)
{
	if (!strcasecmp(v->value, "SHA-256"))
		d->sha1 = false;
	else if (!strcasecmp(v->value, "SHA-1"))
		d->sha1 = true;
	else
		zv_diag_error(b->diag, v->file, v->line, "%s=%s: expected SHA-256 or SHA-1",
			      v->name, v->value);
}

bool sip__dtls_apply(struct sip__build *b, struct sip_endpoint *ep, const char *k,
		     const struct zv_conf_var *v)
{
	if (strncasecmp(k, "dtls", 4))
		return false;
	k += 4;
	if (*k == '_')
		k++;
	struct sip_dtls *d = &ep->dtls;
	const char *val = *v->value ? v->value : NULL;
	if (!strcasecmp(k, "enable")) { /* sip.conf */
		bool on = false;
		sip__get_bool(b, v, &on);
		if (on)
			ep->media_encryption = SIP_MEDIA_ENC_DTLS;
		else if (ep->media_encryption == SIP_MEDIA_ENC_DTLS)
			ep->media_encryption = SIP_MEDIA_ENC_NONE;
	} else if (!strcasecmp(k, "verify")) {
		get_verify(b, v, d);
	} else if (!strcasecmp(k, "rekey")) {
		sip__get_uint(b, v, 86400 * 365, &d->rekey);
		if (d->rekey)
			zv_diag_warn(b->diag, v->file, v->line,
				     "%s=%s: re-keying is not supported, the keys of the first "
				     "handshake are kept",
				     v->name, v->value);
	} else if (!strcasecmp(k, "autogeneratecert") || !strcasecmp(k, "auto_generate_cert")) {
		sip__get_bool(b, v, &d->auto_generate_cert);
	} else if (!strcasecmp(k, "certfile") || !strcasecmp(k, "cert_file")) {
		d->cert_file = val;
	} else if (!strcasecmp(k, "privatekey") || !strcasecmp(k, "private_key")) {
		d->private_key = val;
	} else if (!strcasecmp(k, "cafile") || !strcasecmp(k, "ca_file")) {
		d->ca_file = val;
	} else if (!strcasecmp(k, "capath") || !strcasecmp(k, "ca_path")) {
		d->ca_path = val;
	} else if (!strcasecmp(k, "setup")) {
		get_setup(b, v, d);
	} else if (!strcasecmp(k, "fingerprint")) {
		get_hash(b, v, d);
	} else if (!strcasecmp(k, "cipher")) {
		/* accepted without effect, as the option tables say */
	} else {
		return false;
	}
	return true;
}

void sip_endpoint_dtls_conf(const struct sip_endpoint *ep, struct zv_dtls_conf *c)
{
	const struct sip_dtls *d = &ep->dtls;
	memset(c, 0, sizeof(*c));
	c->auto_generate = d->auto_generate_cert && !d->cert_file;
	c->cert_file = d->cert_file;
	c->key_file = d->private_key;
	c->ca_file = d->ca_file;
	c->ca_path = d->ca_path;
	/* Secure by default: without dtls_verify the peer's certificate
	 * must still match the fingerprint its SDP gave (Asterisk checks
	 * nothing then, so anyone on the path could take the media). */
	c->verify = d->verify_set ? d->verify : ZV_DTLS_VERIFY_FINGERPRINT;
	c->hash = d->sha1 ? ZV_DTLS_SHA1 : ZV_DTLS_SHA256;
}

void sip__dtls_finish(struct sip__build *b, struct sip_endpoint *ep)
{
	if (ep->media_encryption != SIP_MEDIA_ENC_DTLS)
		return;
	struct zv_dtls_conf c;
	sip_endpoint_dtls_conf(ep, &c);
	char err[256];
	struct zv_dtls_ctx *ctx = zv_dtls_ctx_get(&c, err, sizeof(err));
	if (!ctx) {
		zv_diag_error(b->diag, ep->def.file, ep->def.line,
			      "endpoint %s: DTLS-SRTP: %s", ep->def.name, err);
		return;
	}
	zv_dtls_ctx_put(ctx); /* cached for the calls */
}
