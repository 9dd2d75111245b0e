"""A local webhook receiver for the tests of sendit's alerts (conformance/alert-test,
conformance/tls-test)."""
import http.server
import threading

from harness.ports import free_port


class Webhooks:
    """A local HTTP server: every POST recorded (path, body, the status answered); it answers
    503 until `accept` is set, then 200."""

    def __init__(self):
        self.lock, self.posts, self.accept = threading.Lock(), [], False
        hooks = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
                with hooks.lock:
                    status = 200 if hooks.accept else 503
                    hooks.posts.append({"path": self.path, "body": body, "status": status,
                                        "type": self.headers.get("Content-Type", "")})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def taken(self, path=None):
        with self.lock:
            return [p for p in self.posts if p["status"] == 200 and (path is None or p["path"] == path)]

    def refused(self, path=None):
        with self.lock:
            return [p for p in self.posts if p["status"] != 200 and (path is None or p["path"] == path)]

    def all(self):
        with self.lock:
            return list(self.posts)

    def close(self):
        self.server.shutdown()
