/*
 * SIP MESSAGE (RFC 3428), part of the sip_pubsub module.
 *
 * Inbound: a MESSAGE outside a dialog is answered 202 Accepted (415 when
 * its Content-Type is not text/...) and published on the bus as
 *
 *   type ZV_EVENT_USER, name "MessageReceived", fields:
 *     From          the From URI ("sip:alice@192.0.2.1")
 *     To            the Request-URI ("sip:100@zvonok.example")
 *     Body          the body as received (text)
 *     Content-Type  e.g. "text/plain;charset=UTF-8"
 *     Endpoint      the endpoint named by the From user, "" when none
 *     Source        the sender's address, "ip:port"
 *
 * so that the dialplan hand-off (Asterisk's message context and the
 * MESSAGE() function) can subscribe to it.  It is also logged at verbose
 * level 3.  Digest authentication of MESSAGE comes with the registrar's
 * shared authentication API.
 */
#ifndef SIP_SUBSCRIPTIONS_MESSAGE_H
#define SIP_SUBSCRIPTIONS_MESSAGE_H

#define SIP_MESSAGE_EVENT "MessageReceived"

/*
 * Send a text/plain MESSAGE to to_uri ("sip:100@192.0.2.7:5062"; a host
 * name is resolved on the blocking pool) as a client transaction on a
 * worker.  from: NULL or "" for sip:zvonok@<our address>, a user name
 * ("alice" -> sip:alice@<our address>), a URI or a name-addr
 * ("\"Alice\" <sip:alice@pbx>").  A 401/407 is answered once with the
 * outbound_auth of the endpoint named by to_uri's user, if it has one.
 * The outcome is logged (verbose 3).  Any thread.  Returns 0 when the
 * request was queued, -EINVAL for a bad URI, -ENODEV when the module is
 * not running, -ENOMEM.
 */
int sip_message_send(const char *to_uri, const char *from, const char *body);

#endif
