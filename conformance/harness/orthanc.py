"""A throw-away Orthanc, started and stopped by conformance/orthanc, and its REST API."""
import base64
import json
import os
import shutil
import signal
import subprocess
import urllib.error
import urllib.request

from . import CONFORMANCE
from .children import forget, track
from .ports import free_port
from .waiting import wait_for

SCRIPT = os.path.join(CONFORMANCE, "orthanc")


def version():
    """The installed Orthanc's version, or "(not installed yet)"."""
    for path in ("/usr/sbin/Orthanc", shutil.which("Orthanc") or ""):
        if path and os.path.exists(path):
            r = subprocess.run([path, "--version"], capture_output=True, text=True)
            return r.stdout.split("\n")[0].split()[-1] if r.stdout else "?"
    return "(not installed yet)"


class Orthanc:
    """Orthanc (AE ORTHANC) in `folder`, on free DICOM and HTTP ports; `lua` a script for
    conformance/orthanc start --lua. Its modality "sendit" (AE SENDIT) is 127.0.0.1:sendit_port,
    where its Storage Commitment results go (set it before start()). start() may be called
    again after stop() or kill9(), on the same storage. The `with` block stops it. `dicomweb`:
    with the DICOMweb plugin at url + "/dicom-web"; `user` ("NAME:PASSWORD"): HTTP basic
    authentication, which request() then uses. `allow_qr`: the modality "sendit" may C-FIND,
    C-MOVE and C-GET (its AE SENDIT is then the calling AE a retrieval uses)."""

    def __init__(self, folder, lua=None, dicomweb=False, user=None, allow_qr=False):
        self.dir, self.lua, self.dicomweb, self.user, self.allow_qr = folder, lua, dicomweb, user, allow_qr
        self.dicom_port, self.http_port = free_port(), free_port()
        self.sendit_port = 11112
        self.url = f"http://127.0.0.1:{self.http_port}"

    def start(self):
        """Starts it and waits until REST and C-ECHO answer (conformance/orthanc does); its pid."""
        cmd = [SCRIPT, "start", self.dir, "--dicom-port", str(self.dicom_port), "--http-port", str(self.http_port),
               "--aet", "ORTHANC", "--sendit-port", str(self.sendit_port)] + (["--lua", self.lua] if self.lua else []) \
            + (["--dicomweb"] if self.dicomweb else []) + (["--user", self.user] if self.user else []) \
            + (["--allow-qr"] if self.allow_qr else [])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"conformance/orthanc start failed: {r.stderr[-1500:]}")
        track(self)
        return int(r.stdout.split()[-1])

    def stop(self):
        """SIGTERM (then SIGKILL after 15 s), if it runs."""
        forget(self)
        if os.path.exists(os.path.join(self.dir, "orthanc.pid")):
            subprocess.run([SCRIPT, "stop", self.dir], capture_output=True)

    stop_now = stop

    def kill9(self):
        """kill -9; returns once the process is gone. Its pid."""
        with open(os.path.join(self.dir, "orthanc.pid")) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z", 10, 0.05)
        os.remove(os.path.join(self.dir, "orthanc.pid"))
        forget(self)
        return pid

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- REST

    def request(self, method, path, raw=False, headers=None):
        req = urllib.request.Request(self.url + path, method=method, headers=dict(headers or {}))
        if self.user:
            req.add_header("Authorization", "Basic " + base64.b64encode(self.user.encode()).decode())
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
        return body if raw else json.loads(body or b"null")

    def get(self, path, raw=False):
        return self.request("GET", path, raw)

    def count(self):
        """Instances stored, or None if the REST API does not answer."""
        try:
            return self.get("/statistics")["CountInstances"]
        except (OSError, urllib.error.URLError, ValueError):
            return None

    def empty(self):
        """Deletes every patient; RuntimeError if an instance is left."""
        for p in self.get("/patients"):
            self.request("DELETE", f"/patients/{p}")
        n = self.count()
        if n != 0:
            raise RuntimeError(f"Orthanc still holds {n} instances after deleting every patient")
