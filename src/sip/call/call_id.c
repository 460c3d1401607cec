/*
 * Caller identity headers of calls: P-Asserted-Identity (RFC 3325) and
 * Remote-Party-ID (draft-ietf-sip-privacy-04), read from requests and
 * responses and written into ours.
 *
 * DESIGN
 * Pure functions over a parsed message and a text buffer; the call
 * driver decides when to trust what it reads (endpoint trust_id_inbound)
 * and when to send (send_pai, send_rpid).  Reading: the first PAI value
 * with a sip:, sips: or tel: URI, else the first RPID value (its
 * party=called/calling is not checked, as Asterisk does not).  A
 * Privacy header with "id" (RFC 3323) makes name and number prohibited;
 * RPID's privacy=full makes both, privacy=name the name, privacy=uri the
 * number prohibited, and its screen=yes makes them "passed screen"
 * (Asterisk's presentation values, ZV_PRES_*).  Writing: RPID carries
 * privacy=full|off and screen=yes|no from the presentation, and PAI is
 * followed by "Privacy: id" when the presentation is not allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <zvonok/channel.h>

#include "sip/call/call.h"
#include "sip/core/sip.h"
#include "sip/parser/sip_hdr.h"
#include "sip/parser/sip_uri.h"

static bool uri_scheme_ok(struct zv_str uri)
{
	return zv_str_has_prefix_ci(uri, "sip:") || zv_str_has_prefix_ci(uri, "sips:") ||
	       zv_str_has_prefix_ci(uri, "tel:");
}

static bool id_take(struct zv_str value, struct call_identity *id)
{
	struct sip_addr a;
	if (sip_addr_parse(value, &a) < 0 || a.star || !uri_scheme_ok(a.uri))
		return false;
	sip_uri_user(a.uri, id->num, sizeof(id->num));
	if (!id->num[0])
		return false;
	id->name[0] = '\0';
	if (a.display.len)
		zv_str_copy(a.display, id->name, sizeof(id->name));
	id->rpid_params = a.params;
	return true;
}

static bool privacy_id(const struct sip_msg *m)
{
	struct sip_value_iter it;
	struct zv_str v;
	sip_value_iter_init(&it, m, SIP_HDR_PRIVACY);
	while (sip_value_iter_next(&it, &v) > 0) {
		/* Privacy values are also separated by ';' (RFC 3323). */
		for (size_t i = 0; i < v.len;) {
			size_t j = i;
			while (j < v.len && v.p[j] != ';')
				j++;
			struct zv_str tok = zv_str_trim(zv_str_make(v.p + i, j - i));
			if (zv_str_eq_cstr_ci(tok, "id"))
				return true;
			i = j + 1;
		}
	}
	return false;
}

/* RPID's privacy=full|name|uri (off or absent: allowed) and screen=yes
 * onto the presentations. */
static void rpid_pres(struct call_identity *id)
{
	struct zv_str p;
	if (sip_param_find(id->rpid_params, "privacy", &p) == 0 && p.len &&
	    !zv_str_eq_cstr_ci(p, "off")) {
		bool name = zv_str_eq_cstr_ci(p, "name"), uri = zv_str_eq_cstr_ci(p, "uri");
		if (!uri)
			id->name_pres = ZV_PRES_RESTRICTED;
		if (!name)
			id->num_pres = ZV_PRES_RESTRICTED;
	}
	if (sip_param_find(id->rpid_params, "screen", &p) == 0 && zv_str_eq_cstr_ci(p, "yes")) {
		id->name_pres |= ZV_PRES_USER_PASSED_SCREEN;
		id->num_pres |= ZV_PRES_USER_PASSED_SCREEN;
	}
}

int call_identity_read(const struct sip_msg *m, struct call_identity *id)
{
	memset(id, 0, sizeof(*id));
	struct sip_value_iter it;
	struct zv_str v;
	bool found = false;
	sip_value_iter_init(&it, m, SIP_HDR_P_ASSERTED_IDENTITY);
	while (!found && sip_value_iter_next(&it, &v) > 0)
		found = id_take(v, id);
	if (found) {
		id->rpid_params = zv_str_make(NULL, 0); /* PAI has no privacy params */
	} else {
		sip_value_iter_init(&it, m, SIP_HDR_REMOTE_PARTY_ID);
		while (!found && sip_value_iter_next(&it, &v) > 0)
			found = id_take(v, id);
		if (!found) {
			memset(id, 0, sizeof(*id));
			return -ENOENT;
		}
		rpid_pres(id);
	}
	if (privacy_id(m)) {
		id->name_pres = ZV_PRES_RESTRICTED | (id->name_pres & ZV_PRES_SCREENING);
		id->num_pres = ZV_PRES_RESTRICTED | (id->num_pres & ZV_PRES_SCREENING);
	}
	id->private_id = zv_pres_private(zv_pres_combine(id->name_pres, id->num_pres));
	return 0;
}

/* A display name as a quoted-string: quotes and backslashes escaped. */
static void quoted(struct sip_buf *b, const char *s)
{
	sip_buf_append(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sip_buf_append(b, "\\", 1);
		if ((unsigned char)*s >= 0x20)
			sip_buf_append(b, s, 1);
	}
	sip_buf_append(b, "\" ", 2);
}

/* The number as a URI user: characters outside RFC 3261's user set are
 * escaped. */
static void uri_user(struct sip_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    strchr("-_.!~*'()&=+$,;?/", ch))
			sip_buf_append(b, s, 1);
		else
			sip_buf_printf(b, "%%%02X", ch);
	}
}

void call_identity_write(struct sip_buf *b, bool pai, bool rpid, bool calling, const char *name,
			 const char *num, const char *host, int pres)
{
	bool private_id = zv_pres_private(pres);
	int screen = pres & ZV_PRES_SCREENING;
	if (!num || !*num)
		return;
	for (int k = 0; k < 2; k++) {
		if (!(k ? rpid : pai))
			continue;
		sip_buf_printf(b, "%s: ", k ? "Remote-Party-ID" : "P-Asserted-Identity");
		if (name && *name)
			quoted(b, name);
		sip_buf_printf(b, "<sip:");
		uri_user(b, num);
		sip_buf_printf(b, "@%s>", host);
		if (k)
			sip_buf_printf(b, ";party=%s;privacy=%s;screen=%s",
				       calling ? "calling" : "called", private_id ? "full" : "off",
				       screen == ZV_PRES_USER_PASSED_SCREEN ||
						       screen == ZV_PRES_NETWORK_NUMBER
					       ? "yes"
					       : "no");
		sip_buf_printf(b, "\r\n");
	}
	if (pai && private_id)
		sip_buf_printf(b, "Privacy: id\r\n");
}
