#!/usr/bin/python3
"""A small SIP REGISTER client for the registrar's integration tests.

SIPp computes only MD5 digests; this client (stdlib only) answers a digest
challenge with SHA-256 or MD5 (RFC 7616 / RFC 8760, qop=auth), and can
also check what the registrar must do with stale nonces, replayed nonce
counts and "Contact: *".

Output, one fact per line, for the test script to grep:
  CHALLENGE <alg>,<alg>...   algorithms offered by the first 401, in order
  STATUS <code>              final status of each REGISTER sent
  CONTACT <value>            Contact headers of a 200
  STALE true|false           whether a 401 carried stale=true
Exit status 0 when the last final status equals --expect.
"""
import argparse
import hashlib
import os
import random
import re
import socket
import ssl
import sys
import time


def digest(alg, *parts):
    h = hashlib.sha256 if alg == "SHA-256" else hashlib.md5
    return h(":".join(parts).encode()).hexdigest()


class Client:
    def __init__(self, a):
        self.a = a
        self.host, port = a.server.rsplit(":", 1)
        self.port = int(port)
        self.tcp = a.tcp or a.tls
        if self.tcp:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind((a.bind, 0))
            self.sock.connect((self.host, self.port))
            if a.tls:
                ctx = ssl.create_default_context(cafile=a.cafile)
                ctx.check_hostname = False
                if not a.cafile:
                    ctx.verify_mode = ssl.CERT_NONE
                self.sock = ctx.wrap_socket(self.sock)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((a.bind, 0))
        self.sock.settimeout(a.timeout)
        self.lport = self.sock.getsockname()[1]
        self.call_id = a.call_id or "%08x@reg_client" % random.getrandbits(32)
        self.cseq = a.cseq
        self.tag = "%08x" % random.getrandbits(32)
        self.buf = b""

    def request(self, auth=None, contact=None, expires=None):
        a = self.a
        proto = "TLS" if self.a.tls else "TCP" if self.tcp else "UDP"
        branch = "z9hG4bK%016x" % random.getrandbits(64)
        if contact is None and a.contact_hostport:
            contact = "<sip:%s@%s>" % (a.contact_user or a.user, a.contact_hostport)
        if contact is None:
            contact = "<sip:%s@%s:%d;transport=%s>" % (a.contact_user or a.user, a.bind,
                                                      self.lport, proto.lower())
        lines = [
            "REGISTER sip:%s:%d SIP/2.0" % (self.host, self.port),
            "Via: SIP/2.0/%s %s:%d;branch=%s;rport" % (proto, a.bind, self.lport, branch),
            "Max-Forwards: 70",
            "From: <sip:%s@%s>;tag=%s" % (a.user, self.host, self.tag),
            "To: <sip:%s@%s>" % (a.user, self.host),
            "Call-ID: %s" % self.call_id,
            "CSeq: %d REGISTER" % self.cseq,
            "Contact: %s" % contact,
            "User-Agent: reg_client.py",
        ]
        if expires is not None:
            lines.append("Expires: %d" % expires)
        if auth:
            lines.append("Authorization: " + auth)
        lines.append("Content-Length: 0")
        msg = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.cseq += 1
        for _ in range(3):
            if self.tcp:
                self.sock.sendall(msg)
            else:
                self.sock.sendto(msg, (self.host, self.port))
            try:
                while True:
                    resp = self.recv()
                    code = int(resp.split(b" ", 2)[1])
                    if code >= 200:
                        return code, resp.decode(errors="replace")
            except socket.timeout:
                if self.tcp:
                    break
        return None, ""

    def recv(self):
        if not self.tcp:
            data, _ = self.sock.recvfrom(65535)
            return data
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65535)
            if not chunk:
                raise socket.timeout()
            self.buf += chunk
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        n = int(m.group(1)) if m else 0
        self.buf = rest[n:]
        return head + b"\r\n\r\n" + rest[:n]


def headers(resp, name):
    return [m.group(1).strip() for m in re.finditer(r"(?im)^%s:\s*(.*)$" % name, resp)]


def param(h, name):
    m = re.search(r'%s=("([^"]*)"|[^,\s]+)' % name, h)
    if not m:
        return None
    return m.group(2) if m.group(2) is not None else m.group(1)


def answer(a, chal, nc, uri):
    realm, nonce, opaque = param(chal, "realm"), param(chal, "nonce"), param(chal, "opaque")
    alg = param(chal, "algorithm") or "MD5"
    password = a.password
    ha1 = digest(alg, a.user, realm, password)
    ha2 = digest(alg, "REGISTER", uri)
    cnonce = "%08x" % random.getrandbits(32)
    ncs = "%08x" % nc
    resp = digest(alg, ha1, nonce, ncs, cnonce, "auth", ha2)
    return ('Digest username="%s",realm="%s",nonce="%s",uri="%s",response="%s",'
            'algorithm=%s,cnonce="%s",qop=auth,nc=%s,opaque="%s"'
            % (a.user, realm, nonce, uri, resp, alg, cnonce, ncs, opaque or ""))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--user", required=True)
    p.add_argument("--password", default="secret")
    p.add_argument("--alg", default="SHA-256")
    p.add_argument("--expires", type=int, default=None)
    p.add_argument("--contact-user")
    p.add_argument("--contact-hostport", help="Contact host:port instead of ours")
    p.add_argument("--star", action="store_true", help="Contact: * with Expires: 0")
    p.add_argument("--tcp", action="store_true")
    p.add_argument("--tls", action="store_true", help="TLS (certificate checked with --cafile)")
    p.add_argument("--cafile")
    p.add_argument("--call-id")
    p.add_argument("--cseq", type=int, default=1)
    p.add_argument("--stale-wait", type=float, default=0,
                   help="after the 200, wait this long and re-use the nonce")
    p.add_argument("--replay", action="store_true",
                   help="after the 200, send the same nc again")
    p.add_argument("--expect", type=int, default=200)
    p.add_argument("--timeout", type=float, default=2.0)
    a = p.parse_args()
    c = Client(a)
    uri = "sip:%s:%d" % (c.host, c.port)
    contact = "*" if a.star else None
    expires = 0 if a.star else a.expires
    code, resp = c.request(contact=contact, expires=expires)
    print("STATUS %s" % code)
    if code != 401:
        return 0 if code == a.expect else 1
    chals = headers(resp, "WWW-Authenticate")
    print("CHALLENGE " + ",".join(param(h, "algorithm") or "MD5" for h in chals))
    chal = next((h for h in chals if (param(h, "algorithm") or "MD5").upper() == a.alg.upper()),
                None)
    if not chal:
        print("no %s challenge" % a.alg)
        return 1
    auth = answer(a, chal, 1, uri)
    code, resp = c.request(auth=auth, contact=contact, expires=expires)
    print("STATUS %s" % code)
    for h in headers(resp, "Contact") if code == 200 else []:
        print("CONTACT " + h)
    if code == 401:
        print("STALE %s" % ("true" if any(param(h, "stale") == "true"
                                          for h in headers(resp, "WWW-Authenticate")) else "false"))
    if a.replay and code == 200:
        code, resp = c.request(auth=auth, contact=contact, expires=expires)
        print("STATUS %s" % code)
    if a.stale_wait and code == 200:
        time.sleep(a.stale_wait)
        code, resp = c.request(auth=answer(a, chal, 2, uri), contact=contact, expires=expires)
        print("STATUS %s" % code)
        if code == 401:
            stale = any(param(h, "stale") == "true" for h in headers(resp, "WWW-Authenticate"))
            print("STALE %s" % ("true" if stale else "false"))
    sys.stdout.flush()
    return 0 if code == a.expect else 1


if __name__ == "__main__":
    sys.exit(main())
