#!/usr/bin/env python3
"""A test double for Google's side of sendit's Cloud Storage client (GoogleCredentials,
GoogleCloudStorage). One HTTP server on 127.0.0.1 (port chosen by the system, printed on
stdout as "listening on 127.0.0.1 PORT") that plays three parts:

1. The OAuth2 token endpoint (POST /token), as https://oauth2.googleapis.com/token does for a
   service account: the form must be grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer
   and assertion=<JWT>; the JWT's RS256 signature is VERIFIED with the account's public key
   (openssl dgst -sha256 -verify), and its header (alg RS256, typ JWT, kid) and claims (iss,
   scope devstorage.read_write or --scope, aud = this endpoint's URL, exp = iat + 3600, iat near now) are
   checked. A valid assertion is answered {"access_token", "expires_in", "token_type"}; an
   invalid one 400 {"error": "invalid_grant", "error_description": why}, as Google does.
   --token-status N answers N instead (after the checks), to test refusals and outages.

2. The GCE metadata server's token (GET /computeMetadata/v1/instance/service-accounts/default/token):
   403 without "Metadata-Flavor: Google", else the token.

3. A proxy in front of the real emulator (--upstream http://127.0.0.1:PORT, gcp-storage-emulator)
   for everything else, which the emulator cannot do itself: it checks the bearer token
   (--require-token: 401 without "Authorization: Bearer <token>", as Cloud Storage does), and
   injects faults (--fault 'REGEX|ACTION|COUNT', REGEX searched in "METHOD PATH CONTENT-RANGE",
   firing COUNT times, default 1): ACTION is an HTTP status (answered with a JSON error like
   Cloud Storage's, the request not forwarded), "drop-before" (the request is read, then the
   connection closed without an answer and nothing forwarded), "drop-after" (the request is
   forwarded, so the emulator has it, then the connection is closed without an answer) or
   "corrupt" (one byte in the middle of the body is changed on the way to the emulator). The
   Host header is passed on, so the emulator's resumable session URIs point at the proxy.

Every request is logged as one JSON line in --log.
"""
import argparse
import base64
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE = "https://www.googleapis.com/auth/devstorage.read_write"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
METADATA_TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "trailer", "upgrade",
              "expect", "content-length"}

args = None
log_lock = threading.Lock()
fault_lock = threading.Lock()
faults = []  # [regex, action, remaining]


def log(entry):
    with log_lock, open(args.log, "a") as f:
        f.write(json.dumps(entry) + "\n")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(assertion, audience):
    """Returns (header, claims) or raises ValueError with the reason."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise ValueError("the assertion is not a JWT (three dot-separated parts)")
    header = json.loads(b64url_decode(parts[0]))
    claims = json.loads(b64url_decode(parts[1]))
    signature = b64url_decode(parts[2])
    if any(c in assertion for c in "+/="):
        raise ValueError("the JWT is not base64url without padding")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "input"), "wb") as f:
            f.write((parts[0] + "." + parts[1]).encode())
        with open(os.path.join(d, "sig"), "wb") as f:
            f.write(signature)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", args.public_key, "-signature",
                            os.path.join(d, "sig"), os.path.join(d, "input")], capture_output=True, text=True)
        if r.returncode != 0 or "Verified OK" not in r.stdout:
            raise ValueError("invalid JWT signature: " + (r.stdout + r.stderr).strip())
    if header.get("alg") != "RS256" or header.get("typ") != "JWT":
        raise ValueError("header is not alg RS256, typ JWT: %r" % header)
    if args.kid is not None and header.get("kid") != args.kid:
        raise ValueError("kid %r, expected %r" % (header.get("kid"), args.kid))
    if args.client_email is not None and claims.get("iss") != args.client_email:
        raise ValueError("iss %r, expected %r" % (claims.get("iss"), args.client_email))
    if claims.get("scope") != args.scope:
        raise ValueError("scope %r, expected %r" % (claims.get("scope"), args.scope))
    if claims.get("aud") != audience:
        raise ValueError("aud %r, expected %r" % (claims.get("aud"), audience))
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat != 3600:
        raise ValueError("iat %r and exp %r are not integers an hour apart" % (iat, exp))
    if abs(iat - time.time()) > 300:
        raise ValueError("iat %r is not now" % iat)
    return header, claims


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def record(self, status):
        """Logs the request before it is answered (or dropped), so the log is complete when
        the client has its answer."""
        if not self.logged:
            self.logged = True
            self.entry["status"] = status
            log(self.entry)

    def answer(self, status, body=b"", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict(headers or {}, **{"Content-Type": "application/json; charset=UTF-8"})
        self.record(status)
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return status

    def drop(self):
        self.record(None)
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def handle_any(self):
        body = self.read_body()
        path = self.path
        entry = {"method": self.command, "path": path, "auth": self.headers.get("Authorization"),
                 "contentRange": self.headers.get("Content-Range"), "contentType": self.headers.get("Content-Type"),
                 "length": len(body)}
        self.entry, self.logged = entry, False
        try:
            if path == "/token":
                entry.update(kind="token")
                self.token(body, entry)
            elif path == METADATA_TOKEN:
                entry.update(kind="metadata", flavor=self.headers.get("Metadata-Flavor"))
                if self.headers.get("Metadata-Flavor") != "Google":
                    self.answer(403, b"Missing Metadata-Flavor:Google header.")
                else:
                    self.answer(200, {"access_token": args.token, "expires_in": args.expires_in, "token_type": "Bearer"})
            else:
                entry.update(kind="storage")
                self.storage(body, entry)
        except Exception as e:
            entry["exception"] = repr(e)
            self.drop()
            raise

    def token(self, body, entry):
        form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
        entry["formContentType"] = self.headers.get("Content-Type")
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return self.answer(400, {"error": "invalid_request", "error_description": "not a form"})
        if form.get("grant_type") != [GRANT]:
            return self.answer(400, {"error": "unsupported_grant_type", "error_description": "grant_type %r" % form.get("grant_type")})
        audience = "http://127.0.0.1:%d/token" % self.server.server_address[1]
        try:
            header, claims = verify_jwt((form.get("assertion") or [""])[0], audience)
        except Exception as e:  # noqa: BLE001 - every failure is an invalid grant
            entry.update(verified=False, reason=str(e))
            return self.answer(400, {"error": "invalid_grant", "error_description": str(e)})
        entry.update(verified=True, header=header, claims=claims)
        if args.token_status:
            return self.answer(args.token_status, {"error": "injected", "error_description": "the double was told to answer %d" % args.token_status})
        return self.answer(200, {"access_token": args.token, "expires_in": args.expires_in, "token_type": "Bearer"})

    def storage(self, body, entry):
        if args.require_token and self.headers.get("Authorization") != "Bearer " + args.token:
            return self.answer(401, {"error": {"code": 401, "message": "Invalid Credentials",
                                               "errors": [{"reason": "authError", "message": "Invalid Credentials"}]}})
        key = "%s %s %s" % (self.command, self.path, self.headers.get("Content-Range") or "")
        action = None
        with fault_lock:
            for fault in faults:
                if fault[2] > 0 and re.search(fault[0], key):
                    fault[2] -= 1
                    action = fault[1]
                    break
        entry["fault"] = action
        if action == "drop-before":
            self.drop()
            return None
        if action and action.isdigit():
            status = int(action)
            return self.answer(status, {"error": {"code": status, "message": "injected by the test double",
                                                  "errors": [{"reason": "injected", "message": "injected by the test double"}]}})
        if action == "corrupt":
            # One byte changed on the way, as a faulty network or disk might.
            middle = len(body) // 2
            body = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1:]
        if not args.upstream:
            return self.answer(404, {"error": {"code": 404, "message": "no upstream"}})
        upstream = urllib.parse.urlsplit(args.upstream)
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        if action == "drop-after":
            entry["upstreamStatus"] = response.status
            self.drop()
            return None
        out = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP and k.lower() not in ("server", "date")}
        entry["range"] = response.getheader("Range")
        return self.answer(response.status, data, out)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--log", required=True)
    p.add_argument("--upstream")
    p.add_argument("--public-key", help="PEM public key that verifies the service account's JWTs")
    p.add_argument("--client-email")
    p.add_argument("--kid")
    p.add_argument("--token", default="ya29.test-double-token")
    p.add_argument("--expires-in", type=int, default=3599)
    p.add_argument("--token-status", type=int)
    p.add_argument("--require-token", action="store_true")
    p.add_argument("--fault", action="append", default=[])
    p.add_argument("--scope", default=SCOPE, help="the scope a JWT must ask for (the Cloud Healthcare API's for DICOMweb)")
    args = p.parse_args()
    for spec in args.fault:
        parts = spec.split("|")
        faults.append([parts[0], parts[1], int(parts[2]) if len(parts) > 2 else 1])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("listening on 127.0.0.1 %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
