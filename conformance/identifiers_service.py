#!/usr/bin/env python3
"""A real HTTP identifiers service for sendit's tests: the seed system's DASHER contract.

Usage: identifiers_service.py [--port N] [--mode MODE] [--token TOKEN] [--log FILE]

Prints "listening PORT" on stdout once it accepts connections, then serves until killed.
POST any path with {"identifiers":[{"id_source","id","id_timestamp","items":[...]}]} and get
{"results":[{"id","id_source","suid","jitter","jittered_timestamp","custom_fields","items":[...]}]}.
Codes are "D" + 10 hex digits of SHA-256(id_source:id); a patient's jitter is -1..-30 days from
the same hash; jittered_timestamp is id_timestamp moved by the jitter.

Modes (how the service misbehaves):
  ok        answer as above
  500       HTTP 500 every time
  flaky     HTTP 503 for the first 2 requests, then ok
  hang      accept, read the request, never answer
  invalid   HTTP 200 with a body that is not JSON
  badsuid   HTTP 200 with a suid holding "../" (must be refused by validation)
  401       HTTP 401 (also what any mode answers when --token is set and not presented)
Every request is appended to --log as a JSON line: path, Authorization header, body.
Standard library only.
"""
import argparse
import datetime
import hashlib
import http.server
import json
import sys
import threading
import time


def code(source, ident):
    return hashlib.sha256(f"{source}:{ident}".encode()).hexdigest()


def shift(timestamp, days):
    if not timestamp:
        return ""
    d = datetime.datetime.strptime(timestamp[:10], "%Y-%m-%d") + datetime.timedelta(days=days)
    return d.strftime("%Y-%m-%dT00:00:00Z")


def answer(request):
    results = []
    for entity in request["identifiers"]:
        h = code(entity["id_source"], entity["id"])
        jitter = -(int(h[:8], 16) % 30 + 1)
        items = [{"id": i["id"], "id_source": i["id_source"], "suid": "D" + code(i["id_source"], i["id"])[:10].upper(),
                  "jitter": jitter, "jittered_timestamp": shift(i["id_timestamp"], jitter)} for i in entity["items"]]
        results.append({"id": entity["id"], "id_source": entity["id_source"], "suid": "D" + h[:10].upper(),
                        "jitter": jitter, "jittered_timestamp": shift(entity["id_timestamp"], jitter),
                        "custom_fields": {"service": "sendit-test"}, "items": items})
    return {"results": results}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mode", default="ok", choices=["ok", "500", "flaky", "hang", "invalid", "badsuid", "401", "echo422"])
    p.add_argument("--token")
    p.add_argument("--log")
    args = p.parse_args()
    lock = threading.Lock()
    count = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, status, body, content_type="application/json"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                count[0] += 1
                n = count[0]
                if args.log:
                    with open(args.log, "a") as f:
                        f.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization"),
                                            "body": body.decode("utf-8", "replace")}) + "\n")
            if args.mode == "401" or (args.token and self.headers.get("Authorization") != f"Bearer {args.token}"):
                return self.send(401, '{"error":"unauthorized"}')
            if args.mode == "echo422":   # as FastAPI/pydantic answer: the input echoed in the error
                return self.send(422, json.dumps({"detail": [{"msg": "unknown patient", "input": body.decode("utf-8", "replace")}]}))
            if args.mode == "hang":
                time.sleep(3600)
                return
            if args.mode == "500":
                return self.send(500, '{"error":"internal"}')
            if args.mode == "flaky" and n <= 2:
                return self.send(503, '{"error":"busy"}')
            if args.mode == "invalid":
                return self.send(200, "<html>not json</html>", "text/html")
            try:
                result = answer(json.loads(body))
            except (KeyError, ValueError, TypeError) as e:
                return self.send(400, json.dumps({"error": f"bad request: {e}"}))
            if args.mode == "badsuid":
                result["results"][0]["suid"] = "../../etc"
            self.send(200, json.dumps(result))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
