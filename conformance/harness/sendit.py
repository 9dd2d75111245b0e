"""`sendit serve`, configured by environment variables, in a folder of its own."""
import json
import os
import signal
import socket
import subprocess

from .children import Child
from .ports import free_port
from .waiting import wait_for


class Sendit:
    """sendit serve in folder `root`: data folder root/data, index root/sendit.db, var folder
    root/var (quarantine, outbox), listening as SENDIT on 127.0.0.1:port (a free port unless
    given) and its web app on another free port (self.web), nothing sent anywhere (SEND_TO_ORTHANC=false) unless `settings`, which override
    everything, say so. start() may be called again after stop() (a restart on the same
    folders); each start logs to root/serve-N.log. The `with` block stops it (SIGTERM)."""

    START_TIMEOUT = 20

    def __init__(self, binary, root, port=None, **settings):
        self.binary, self.root = binary, root
        self.data, self.var = os.path.join(root, "data"), os.path.join(root, "var")
        self.outbox, self.quarantine = os.path.join(self.var, "outbox"), os.path.join(self.var, "quarantine")
        self.database = os.path.join(root, "sendit.db")
        self.port = port or free_port()
        self.env = dict(os.environ, DATA_FOLDER=self.data, DATABASE=self.database, QUARANTINE_FOLDER=self.quarantine,
                        DICOM_PORT=str(self.port), DICOM_BIND_ADDRESS="127.0.0.1", DICOM_AE_TITLE="SENDIT",
                        SEND_TO_ORTHANC="false", LOG_LEVEL="info", HTTP_PORT=str(free_port()))
        self.env.update(settings)
        self.http_port = int(self.env["HTTP_PORT"])
        self.web = f"http://127.0.0.1:{self.http_port}"
        self.child, self.starts, self.log_path = None, 0, None
        os.makedirs(root, exist_ok=True)

    def start(self):
        """Starts sendit serve and waits until its log says " listening "; raises
        RuntimeError with the log's tail if it does not."""
        self.starts += 1
        self.log_path = os.path.join(self.root, f"serve-{self.starts}.log")
        self.child = Child([self.binary, "serve"], log_path=self.log_path, env=self.env)

        def listening():
            with open(self.log_path, "rb") as f:
                return b" listening " in f.read() or not self.child.running()
        if not wait_for(listening, self.START_TIMEOUT, 0.02) or not self.child.running():
            self.child.kill()
            with open(self.log_path, errors="replace") as f:
                raise RuntimeError("sendit serve did not start: " + f.read()[-800:])
        # The DICOM listener logs first; the web app may take a moment more on a loaded machine.
        # Wait for it too (without failing: a test may mean the web app not to come up).
        if self.env.get("HTTP_ENABLED", "true").lower() not in ("false", "0", "no", "off") and self.http_port:
            wait_for(lambda: self.web_accepts() or not self.child.running(), self.START_TIMEOUT, 0.05)
        return self

    def web_accepts(self):
        try:
            with socket.create_connection(("127.0.0.1", self.http_port), timeout=0.5):
                return True
        except OSError:
            return False

    def running(self):
        return self.child is not None and self.child.running()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends sig (SIGTERM: a clean shutdown), waits up to `timeout` s, then SIGKILL."""
        if self.child is not None:
            self.child.stop(sig, timeout)

    def kill(self):
        """kill -9."""
        self.stop(signal.SIGKILL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- sendit's other commands, on the same index and folders

    def run(self, *args, timeout=60):
        """`sendit ARGS...` with this node's settings: the CompletedProcess (text)."""
        return subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def cli(self, *args):
        """`sendit ARGS... --json`, parsed; RuntimeError if it fails."""
        r = self.run(*args, "--json")
        if r.returncode != 0:
            raise RuntimeError(f"sendit {' '.join(args)} --json: exit {r.returncode}: {r.stderr[-500:]}")
        return json.loads(r.stdout)

    def status(self):
        return self.cli("status", "--limit", "0")

    def send_status(self):
        return self.cli("send-status")

    def destination(self):
        """The first destination of send-status."""
        return self.send_status()["destinations"][0]

    # ---- what it left

    def log_lines(self, *needles):
        """The lines of every start's log that hold one of the needles."""
        out = []
        for n in range(1, self.starts + 1):
            with open(os.path.join(self.root, f"serve-{n}.log"), errors="replace") as f:
                out += [line.rstrip() for line in f if any(x in line for x in needles)]
        return out

    def files_left(self):
        """(files in the data folder, files in the outbox), hidden ones included, apart from the
        receiver's lock file (data/.incoming/.lock)."""
        def walk(top):
            return sum(1 for d, _, files in os.walk(top) for f in files
                       if os.path.join(d, f) != os.path.join(self.data, ".incoming", ".lock"))
        return walk(self.data), walk(self.outbox)
