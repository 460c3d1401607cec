/*
 * Event package bodies for NOTIFY: message-summary (RFC 3842), dialog-info
 * (RFC 4235) and PIDF presence (RFC 3863), and Asterisk's mapping from an
 * extension (hint) state to dialog and presence states.  Pure functions:
 * thread-safe, no allocation besides growing the caller's sip_buf.
 */
#ifndef SIP_SUBSCRIPTIONS_PUBSUB_BODY_H
#define SIP_SUBSCRIPTIONS_PUBSUB_BODY_H

#include <stdbool.h>
#include <stdint.h>

#include "sip/core/sip.h"

enum sip_pkg {
	SIP_PKG_MWI, /* message-summary */
	SIP_PKG_DIALOG,
	SIP_PKG_PRESENCE,
	SIP_PKG__COUNT
};

/* "message-summary", "dialog", "presence". */
const char *sip_pkg_name(enum sip_pkg pkg);
/* The body's Content-Type ("application/simple-message-summary", ...). */
const char *sip_pkg_ctype(enum sip_pkg pkg);
/* The package of an Event header's package token; -ENOENT if unknown. */
int sip_pkg_lookup(struct zv_str name, enum sip_pkg *pkgp);

/*
 * What an extension state (ZV_EXTENSION_*) shows as, following Asterisk's
 * ast_sip_presence_exten_state_to_str(): the dialog-info state
 * ("terminated", "early", "confirmed"), the PIDF basic status ("open" or
 * "closed"), the note ("Ready", "Ringing", "On the phone", "On hold",
 * "Unavailable") and whether the extension is ringing (dialog direction
 * "recipient").
 */
struct sip_exten_presence {
	const char *dialog_state;
	const char *basic;
	const char *note;
	bool ringing;
};
void sip_exten_presence_of(int extstate, struct sip_exten_presence *p);

/*
 * application/simple-message-summary:
 *   Messages-Waiting: yes|no
 *   Message-Account: <account>
 *   Voice-Message: new/old (0/0)
 */
void sip_mwi_body(struct sip_buf *b, const char *account, unsigned new_msgs, unsigned old_msgs);

/* application/dialog-info+xml, state="full", one <dialog id="exten">
 * with the mapped state; entity is the subscribed resource's URI. */
void sip_dialog_info_body(struct sip_buf *b, const char *entity, const char *exten,
			  unsigned version, int extstate);

/* application/pidf+xml with one tuple (id exten), basic status, contact
 * and note. */
void sip_pidf_body(struct sip_buf *b, const char *entity, const char *exten, int extstate);

/* Append s with &, <, >, " and ' escaped for XML. */
void sip_xml_escape(struct sip_buf *b, const char *s);

/*
 * The headers of a NOTIFY besides the dialog's: "Event: pkg[;id=x]" and
 * "Subscription-State: active;expires=N" or "terminated;reason=R"
 * (expires 0 or reason set means terminated), as complete lines.
 */
void sip_notify_headers(struct sip_buf *b, enum sip_pkg pkg, const char *event_id,
			unsigned expires, const char *reason);

#endif
