"""A wide-area link on loopback and a peer that takes a window: scripts/delay-proxy (a one-way
delay each way, no bandwidth cap) and conformance/window_acceptor.py (a Storage SCP that
accepts an Asynchronous Operations Window and answers out of order), each as a Child."""
import json
import os
import sys

from . import CONFORMANCE, REPO
from .children import Child

DELAY_PROXY = os.path.join(REPO, "scripts", "delay-proxy")
WINDOW_ACCEPTOR = os.path.join(CONFORMANCE, "window_acceptor.py")


def _listening(child, what):
    """The port a child prints on its first line ("... listening on PORT")."""
    line = child.stdout.readline()
    if "listening on" not in line:
        child.kill()
        raise RuntimeError(f"{what} did not start: {line!r}")
    return int(line.split()[-1])


class DelayProxy(Child):
    """scripts/delay-proxy to 127.0.0.1:target_port, adding delay_ms each way; .port is where
    to connect."""

    def __init__(self, target_port, delay_ms=25):
        super().__init__([sys.executable, DELAY_PROXY, "--target", f"127.0.0.1:{target_port}", "--delay-ms", str(delay_ms)],
                         pipe=True)
        self.port = _listening(self, "scripts/delay-proxy")


class WindowAcceptor(Child):
    """conformance/window_acceptor.py storing into `folder`; .port; events() its log."""

    def __init__(self, folder, window=8, refuse_every=0, abort_after=0, answer_before_abort=0):
        self.folder = folder
        super().__init__([sys.executable, WINDOW_ACCEPTOR, "--folder", folder, "--window", str(window),
                          "--refuse-every", str(refuse_every), "--abort-after", str(abort_after),
                          "--answer-before-abort", str(answer_before_abort)], pipe=True)
        self.port = _listening(self, "window_acceptor.py")

    def events(self, kind=None):
        path = os.path.join(self.folder, "log.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            out = [json.loads(line) for line in f if line.strip()]
        return [e for e in out if kind is None or e["event"] == kind]

    def stored(self):
        """SOP Instance UIDs of the instances it holds (one file per UID)."""
        return {f[:-4] for f in os.listdir(self.folder) if f.endswith(".dcm")}
