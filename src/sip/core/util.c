/* Small SIP helpers: socket addresses, the message text buffer, random
 * tokens, branches and Call-IDs owned by the calling worker. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/core.h>
#include <zvonok/loop.h>

#include "sip/core/sip.h"

/* Dotted quad into buf (16 bytes at least); returns the end. */
static char *ip4_str(const struct in_addr *in, char *buf)
{
	const unsigned char *b = (const unsigned char *)&in->s_addr;
	char *w = buf;
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*w++ = (char)('0' + v / 100);
		if (v >= 10)
			*w++ = (char)('0' + v / 10 % 10);
		*w++ = (char)('0' + v % 10);
		*w++ = i < 3 ? '.' : '\0';
	}
	return w - 1;
}

void sip_sockaddr_ip(const struct sip_sockaddr *a, char *buf, size_t size)
{
	if (a->ss.ss_family == AF_INET && size >= INET_ADDRSTRLEN)
		ip4_str(&((const struct sockaddr_in *)&a->ss)->sin_addr, buf);
	else if (a->ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, buf,
			  (socklen_t)size);
	else if (a->ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, buf,
			  (socklen_t)size);
	else
		snprintf(buf, size, "0.0.0.0");
}

const char *sip_sockaddr_str(const struct sip_sockaddr *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&a->ss;
		char *w = ip4_str(&in->sin_addr, host);
		unsigned port = ntohs(in->sin_port);
		char tmp[8];
		size_t n = sizeof(tmp);
		*w++ = ':';
		do
			tmp[--n] = (char)('0' + port % 10);
		while ((port /= 10));
		memcpy(w, tmp + n, sizeof(tmp) - n);
		w += sizeof(tmp) - n;
		if (size) {
			size_t len = (size_t)(w - host) < size ? (size_t)(w - host) : size - 1;
			memcpy(buf, host, len);
			buf[len] = '\0';
		}
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, size, "(none)");
	}
	return buf;
}

uint16_t sip_sockaddr_port(const struct sip_sockaddr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

int sip_sockaddr_parse(const char *text, uint16_t default_port, struct sip_sockaddr *a)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	memset(a, 0, sizeof(*a));
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end || (size_t)(end - text - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, text + 1, (size_t)(end - text - 1));
		host[end - text - 1] = '\0';
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return -EINVAL;
	} else {
		const char *colon = strchr(text, ':');
		size_t n = colon ? (size_t)(colon - text) : strlen(text);
		if (n >= sizeof(host) || (colon && strchr(colon + 1, ':')))
			return -EINVAL;
		memcpy(host, text, n);
		host[n] = '\0';
		if (colon)
			port = colon + 1;
	}
	unsigned long p = default_port;
	if (port) {
		char *end;
		p = strtoul(port, &end, 10);
		if (!*port || *end || p > 65535)
			return -EINVAL;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		a->len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		a->len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

bool sip_sockaddr_equal(const struct sip_sockaddr *a, const struct sip_sockaddr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;
		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return false;
}

void sip_buf_init(struct sip_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void sip_buf_free(struct sip_buf *b)
{
	free(b->p);
	sip_buf_init(b);
}

char *sip_buf_take(struct sip_buf *b)
{
	char *p = b->oom ? NULL : b->p;
	if (b->oom)
		free(b->p);
	else if (p && b->cap > b->len + 1) {
		char *q = realloc(p, b->len + 1);
		if (q)
			p = q;
	}
	sip_buf_init(b);
	return p;
}

static bool reserve(struct sip_buf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void sip_buf_append(struct sip_buf *b, const char *s, size_t len)
{
	if (!reserve(b, len))
		return;
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void sip_buf_str(struct sip_buf *b, struct zv_str s)
{
	sip_buf_append(b, s.p, s.len);
}

void sip_buf_cstr(struct sip_buf *b, const char *s)
{
	sip_buf_append(b, s, strlen(s));
}

void sip_buf_uint(struct sip_buf *b, unsigned long long v)
{
	char tmp[24];
	char *e = tmp + sizeof(tmp), *p = e;
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10));
	sip_buf_append(b, p, (size_t)(e - p));
}

void sip_buf_printf(struct sip_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[512];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		sip_buf_append(b, tmp, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sip_random_token(char *buf, size_t len)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[64];
	if (!len)
		return;
	size_t n = len - 1 < sizeof(raw) ? len - 1 : sizeof(raw);
	zv_random_bytes(raw, n);
	for (size_t i = 0; i < n; i++)
		buf[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	buf[n] = '\0';
}

void sip_new_branch(char *buf, size_t size)
{
	char tok[24];
	sip_random_token(tok, sizeof(tok));
	snprintf(buf, size, "z9hG4bK%s", tok);
}

void sip_new_callid(char *buf, size_t size)
{
	struct zv_loop *me = zv_loop_current();
	for (int tries = 0; tries < 256; tries++) {
		char tok[32];
		sip_random_token(tok, sizeof(tok));
		snprintf(buf, size, "%s@zvonok", tok);
		if (!me || zv_worker_for_key(buf, strlen(buf)) == me)
			return;
	}
}
