/*
 * Building SIP responses from requests (RFC 3261 §8.2.6, with RFC 3581's
 * received/rport), reason phrases, and where a response is sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip/core/sip.h"

static char user_agent[128] = "Zvonok " ZV_VERSION;

const char *sip_user_agent(void)
{
	return user_agent;
}

void sip_set_user_agent(const char *ua)
{
	snprintf(user_agent, sizeof(user_agent), "%s", ua && *ua ? ua : "Zvonok " ZV_VERSION);
}

const char *sip_reason_phrase(unsigned status)
{
	switch (status) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 200: return "OK";
	case 202: return "Accepted";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 413: return "Request Entity Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 420: return "Bad Extension";
	case 423: return "Interval Too Brief";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 489: return "Bad Event";
	case 491: return "Request Pending";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 513: return "Message Too Large";
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	default:
		return status < 200 ? "Trying" : status < 300 ? "OK" : status < 400 ? "Redirect"
		       : status < 500 ? "Client Error" : status < 600 ? "Server Error"
		       : "Global Failure";
	}
}

/* Decimal without printf: responses are built per request. */
static void append_u(struct sip_buf *b, unsigned long v)
{
	char tmp[24];
	size_t n = sizeof(tmp);
	do
		tmp[--n] = (char)('0' + v % 10);
	while ((v /= 10));
	sip_buf_append(b, tmp + n, sizeof(tmp) - n);
}

static void append_c(struct sip_buf *b, const char *s)
{
	sip_buf_append(b, s, strlen(s));
}

/* The top Via value with received= and rport= filled in (RFC 3581). */
static void write_top_via(const struct sip_rx *rx, struct zv_str value, struct sip_buf *out)
{
	const struct sip_via *via = &rx->msg.via;
	char ip[64];
	sip_sockaddr_ip(&rx->src, ip, sizeof(ip));
	bool has_received = via->received.len > 0;
	/* everything before the params, then each param */
	size_t head = via->params.len ? (size_t)(via->params.p - value.p) : value.len;
	sip_buf_append(out, value.p, head);
	struct zv_str rest = via->params;
	while (rest.len) {
		/* rest starts at ';' */
		size_t n = 1;
		while (n < rest.len && rest.p[n] != ';')
			n++;
		struct zv_str param = zv_str_trim(zv_str_make(rest.p + 1, n - 1));
		if (zv_str_eq_cstr_ci(param, "rport")) {
			sip_buf_append(out, ";rport=", 7);
			append_u(out, sip_sockaddr_port(&rx->src));
		} else
			sip_buf_append(out, rest.p, n);
		rest.p += n;
		rest.len -= n;
	}
	char host[256];
	zv_str_copy(via->host, host, sizeof(host));
	if (!has_received && (via->rport || strcmp(host, ip))) {
		sip_buf_append(out, ";received=", 10);
		append_c(out, ip);
	}
}

int sip_build_response(const struct sip_rx *rx, unsigned status, const char *reason,
		       const char *to_tag, const char *extra, const char *ctype,
		       const char *body, struct sip_buf *out)
{
	const struct sip_msg *m = &rx->msg;
	sip_buf_append(out, "SIP/2.0 ", 8);
	append_u(out, status);
	sip_buf_append(out, " ", 1);
	append_c(out, reason ? reason : sip_reason_phrase(status));
	sip_buf_append(out, "\r\n", 2);
	bool first_via = true;
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		switch (h->id) {
		case SIP_HDR_VIA:
			sip_buf_append(out, "Via: ", 5);
			if (first_via) {
				/* Only the first value of the first Via changes. */
				struct zv_str rest = h->value, v;
				if (sip_list_next(&rest, &v) > 0) {
					write_top_via(rx, v, out);
					rest = zv_str_trim(rest);
					if (rest.len) {
						sip_buf_append(out, ", ", 2);
						sip_buf_str(out, rest);
					}
				}
				first_via = false;
			} else {
				sip_buf_str(out, h->value);
			}
			sip_buf_append(out, "\r\n", 2);
			break;
		case SIP_HDR_FROM:
			sip_buf_append(out, "From: ", 6);
			sip_buf_str(out, h->value);
			sip_buf_append(out, "\r\n", 2);
			break;
		case SIP_HDR_TO:
			sip_buf_append(out, "To: ", 4);
			sip_buf_str(out, h->value);
			if (!m->to.has_tag && status > 100 && to_tag) {
				sip_buf_append(out, ";tag=", 5);
				append_c(out, to_tag);
			}
			sip_buf_append(out, "\r\n", 2);
			break;
		case SIP_HDR_CALL_ID:
			sip_buf_append(out, "Call-ID: ", 9);
			sip_buf_str(out, h->value);
			sip_buf_append(out, "\r\n", 2);
			break;
		case SIP_HDR_CSEQ:
			sip_buf_append(out, "CSeq: ", 6);
			sip_buf_str(out, h->value);
			sip_buf_append(out, "\r\n", 2);
			break;
		case SIP_HDR_TIMESTAMP:
			if (status == 100) {
				sip_buf_append(out, "Timestamp: ", 11);
				sip_buf_str(out, h->value);
				sip_buf_append(out, "\r\n", 2);
			}
			break;
		default:
			break;
		}
	}
	if (extra)
		sip_buf_append(out, extra, strlen(extra));
	sip_buf_append(out, "Server: ", 8);
	append_c(out, user_agent);
	sip_buf_append(out, "\r\n", 2);
	size_t blen = body ? strlen(body) : 0;
	if (blen) {
		sip_buf_append(out, "Content-Type: ", 14);
		append_c(out, ctype ? ctype : "application/sdp");
		sip_buf_append(out, "\r\n", 2);
	}
	sip_buf_append(out, "Content-Length: ", 16);
	append_u(out, blen);
	sip_buf_append(out, "\r\n\r\n", 4);
	if (blen)
		sip_buf_append(out, body, blen);
	return out->oom ? -ENOMEM : 0;
}

void sip_response_target(const struct sip_rx *rx, struct sip_target *t)
{
	memset(t, 0, sizeof(*t));
	t->tp = rx->tp;
	t->conn = rx->conn;
	t->addr = rx->src;
	if (rx->conn)
		return;
	/* Unreliable: the source address (received); the source port only
	 * with rport, otherwise the port in Via (RFC 3261 §18.2.2, 3581). */
	const struct sip_via *via = &rx->msg.via;
	if (!via->rport) {
		uint16_t port = via->has_port ? via->port : 5060;
		if (t->addr.ss.ss_family == AF_INET)
			((struct sockaddr_in *)&t->addr.ss)->sin_port = htons(port);
		else if (t->addr.ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&t->addr.ss)->sin6_port = htons(port);
	}
}
