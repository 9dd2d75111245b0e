"""The HTTP services sendit talks to, as test doubles: the identifiers service
(conformance/identifiers_service.py), gcp-storage-emulator and Google's side in front of it
(conformance/gcs_double.py). Each is a Child: the `with` block stops it."""
import os
import signal
import sys

from . import CONFORMANCE
from .children import Child
from .ports import free_port, wait_port


class IdentifiersService(Child):
    """identifiers_service.py on a port of its choosing (self.port, self.url); mode, token
    and log as its options say."""

    stop_signal = signal.SIGKILL

    def __init__(self, mode="ok", token=None, log=None):
        cmd = [sys.executable, os.path.join(CONFORMANCE, "identifiers_service.py"), "--mode", mode]
        cmd += (["--token", token] if token else []) + (["--log", log] if log else [])
        super().__init__(cmd, pipe=True)
        words = self.stdout.readline().split()   # "listening PORT"
        if len(words) != 2 or words[0] != "listening":
            self.kill()
            raise RuntimeError("identifiers_service.py did not start")
        self.port = int(words[1])
        self.url = f"http://127.0.0.1:{self.port}"


class GcsEmulator(Child):
    """gcp-storage-emulator (installed beside this Python) in memory on a free port, with one
    bucket; its log in log_path."""

    stop_signal = signal.SIGKILL

    def __init__(self, bucket, log_path):
        program = os.path.join(os.path.dirname(sys.executable), "gcp-storage-emulator")
        if not os.path.exists(program):
            raise RuntimeError(f"{program} is needed (scripts/setup installs gcp-storage-emulator)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__([program, "start", "--host", "127.0.0.1", "--port", str(self.port), "--in-memory",
                          "--default-bucket", bucket, "-q"], log_path=log_path)
        if not wait_port(self.port):
            self.kill()
            raise RuntimeError("gcp-storage-emulator did not start")


class GcsDouble(Child):
    """gcs_double.py (Google's token endpoint and a proxy to `upstream`) on a port of its
    choosing (self.port, self.url); options: its command-line options, e.g. "--require-token"."""

    stop_signal = signal.SIGKILL

    def __init__(self, log, upstream, *options):
        super().__init__([sys.executable, os.path.join(CONFORMANCE, "gcs_double.py"), "--log", log,
                          "--upstream", upstream, *options], pipe=True)
        words = self.stdout.readline().split()   # "listening on 127.0.0.1 PORT"
        if len(words) < 4:
            self.kill()
            raise RuntimeError("gcs_double.py did not start")
        self.port = int(words[-1])
        self.url = f"http://127.0.0.1:{self.port}"
