/*
 * NOTIFY bodies for message-summary, dialog and presence.  See
 * pubsub_body.h.
 */
#include <errno.h>
#include <string.h>

#include <zvonok/devstate.h>

#include "sip/subscriptions/pubsub_body.h"

static const struct {
	const char *name, *ctype;
} pkgs[SIP_PKG__COUNT] = {
	[SIP_PKG_MWI] = {"message-summary", "application/simple-message-summary"},
	[SIP_PKG_DIALOG] = {"dialog", "application/dialog-info+xml"},
	[SIP_PKG_PRESENCE] = {"presence", "application/pidf+xml"},
};

const char *sip_pkg_name(enum sip_pkg pkg)
{
	return (unsigned)pkg < SIP_PKG__COUNT ? pkgs[pkg].name : "";
}

const char *sip_pkg_ctype(enum sip_pkg pkg)
{
	return (unsigned)pkg < SIP_PKG__COUNT ? pkgs[pkg].ctype : "";
}

int sip_pkg_lookup(struct zv_str name, enum sip_pkg *pkgp)
{
	for (unsigned i = 0; i < SIP_PKG__COUNT; i++)
		if (zv_str_eq_cstr_ci(name, pkgs[i].name)) {
			*pkgp = (enum sip_pkg)i;
			return 0;
		}
	return -ENOENT;
}

void sip_exten_presence_of(int extstate, struct sip_exten_presence *p)
{
	*p = (struct sip_exten_presence){"terminated", "open", "Ready", false};
	switch (extstate) {
	case ZV_EXTENSION_RINGING:
		*p = (struct sip_exten_presence){"early", "open", "Ringing", true};
		break;
	case ZV_EXTENSION_INUSE | ZV_EXTENSION_RINGING:
		*p = (struct sip_exten_presence){"confirmed", "open", "Ringing", true};
		break;
	case ZV_EXTENSION_INUSE:
		*p = (struct sip_exten_presence){"confirmed", "open", "On the phone", false};
		break;
	case ZV_EXTENSION_BUSY:
		*p = (struct sip_exten_presence){"confirmed", "closed", "On the phone", false};
		break;
	case ZV_EXTENSION_UNAVAILABLE:
	case ZV_EXTENSION_DEACTIVATED:
	case ZV_EXTENSION_REMOVED:
		*p = (struct sip_exten_presence){"terminated", "closed", "Unavailable", false};
		break;
	case ZV_EXTENSION_ONHOLD:
	case ZV_EXTENSION_INUSE | ZV_EXTENSION_ONHOLD:
		*p = (struct sip_exten_presence){"confirmed", "closed", "On hold", false};
		break;
	default:
		break;
	}
}

void sip_xml_escape(struct sip_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			sip_buf_append(b, "&amp;", 5);
			break;
		case '<':
			sip_buf_append(b, "&lt;", 4);
			break;
		case '>':
			sip_buf_append(b, "&gt;", 4);
			break;
		case '"':
			sip_buf_append(b, "&quot;", 6);
			break;
		case '\'':
			sip_buf_append(b, "&apos;", 6);
			break;
		default:
			sip_buf_append(b, s, 1);
		}
	}
}

void sip_mwi_body(struct sip_buf *b, const char *account, unsigned new_msgs, unsigned old_msgs)
{
	sip_buf_printf(b, "Messages-Waiting: %s\r\n", new_msgs ? "yes" : "no");
	if (account && *account)
		sip_buf_printf(b, "Message-Account: %s\r\n", account);
	sip_buf_printf(b, "Voice-Message: %u/%u (0/0)\r\n", new_msgs, old_msgs);
}

void sip_dialog_info_body(struct sip_buf *b, const char *entity, const char *exten,
			  unsigned version, int extstate)
{
	struct sip_exten_presence p;
	sip_exten_presence_of(extstate, &p);
	sip_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" "
			  "version=\"%u\" state=\"full\" entity=\"",
		       version);
	sip_xml_escape(b, entity);
	sip_buf_printf(b, "\">\n <dialog id=\"");
	sip_xml_escape(b, exten);
	sip_buf_printf(b, "\"%s>\n  <state>%s</state>\n </dialog>\n</dialog-info>\n",
		       p.ringing ? " direction=\"recipient\"" : "", p.dialog_state);
}

void sip_pidf_body(struct sip_buf *b, const char *entity, const char *exten, int extstate)
{
	struct sip_exten_presence p;
	sip_exten_presence_of(extstate, &p);
	sip_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"");
	sip_xml_escape(b, entity);
	sip_buf_printf(b, "\">\n <note>%s</note>\n <tuple id=\"", p.note);
	sip_xml_escape(b, exten);
	sip_buf_printf(b, "\">\n  <status>\n   <basic>%s</basic>\n  </status>\n"
			  "  <contact priority=\"1\">",
		       p.basic);
	sip_xml_escape(b, entity);
	sip_buf_printf(b, "</contact>\n </tuple>\n</presence>\n");
}

void sip_notify_headers(struct sip_buf *b, enum sip_pkg pkg, const char *event_id,
			unsigned expires, const char *reason)
{
	sip_buf_printf(b, "Event: %s", sip_pkg_name(pkg));
	if (event_id && *event_id)
		sip_buf_printf(b, ";id=%s", event_id);
	sip_buf_printf(b, "\r\n");
	if (expires && !reason)
		sip_buf_printf(b, "Subscription-State: active;expires=%u\r\n", expires);
	else
		sip_buf_printf(b, "Subscription-State: terminated;reason=%s\r\n",
			       reason ? reason : "timeout");
}
