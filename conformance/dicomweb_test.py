#!/usr/bin/env python3
"""The DICOMweb test (run conformance/dicomweb-test; it picks Python and sendit).

sendit serve receives a corpus from dcmtk's storescu, de-identifies each series and stores it
by STOW-RS on a real, throw-away Orthanc with its DICOMweb plugin (Debian orthanc-dicomweb)
and HTTP basic authentication (conformance/orthanc --dicomweb --user), verifying each series
by QIDO-RS (DICOMWEB_VERIFY=qido). RETENTION=never keeps the index's rows, so the test knows
every de-identified UID. One Orthanc serves every case, emptied between them; each case has
its own sendit and corpus.

  end-to-end   2 patients, 3 studies, 5 series, one of 60 images (two STOW-RS batches): every
               image storescu was told is stored is DONE; QIDO-RS from the test, asked for each
               de-identified series by its de-identified Study and Series UIDs, lists exactly
               the de-identified SOP Instance UIDs the index holds, and all of Orthanc's
               instances (QIDO-RS /instances) are those, each once; each original image is in
               Orthanc once (by its pixel data), no original name, ID, date or UID in any stored
               file (delivery_test.check_orthanc).
  server-down  Orthanc is down while sendit receives: send-status shows retrying series whose
               last error is a STOW-RS without an answer, nothing DONE; Orthanc started again:
               every image arrives once.
  unauthorized a wrong DICOMWEB_PASSWORD: Orthanc answers 401 (twice per batch); the images are
               FAILED with a reason naming HTTP 401 and the credentials, never the password;
               Orthanc holds nothing.
  server-error a proxy in front of Orthanc answers 503 to the first 3 STOW-RS requests: they are
               retried, and every image arrives once.
A case fails if it could pass vacuously (no image acknowledged, no 503 answered). Exit 1 if any
case fails.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pydicom.uid import CTImageStorage, MRImageStorage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import delivery_test as dt  # noqa: E402
from harness import children, runs  # noqa: E402
from harness.orthanc import Orthanc  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

CASES = ["end-to-end", "server-down", "unauthorized", "server-error"]
USER, PASSWORD = "sendit", "right-horse-battery"
ARGS = None

PATIENTS = [
    ("Vandergrift^Ottoline", "VO40417", "19580212", "F",
     [("20240105", [("CT", CTImageStorage, 60), ("MR", MRImageStorage, 9)]),
      ("20230412", [("CT", CTImageStorage, 7)])]),
    ("Quellmann^Bartosz", "QB77321", "19830630", "M",
     [("20221201", [("MR", MRImageStorage, 8), ("CT", CTImageStorage, 5)])]),
]
SMALL = [("Hollisford^Ima", "HI10293", "19700101", "F", [("20240202", [("CT", CTImageStorage, 6), ("MR", MRImageStorage, 4)])])]


def log(msg):
    print(msg, flush=True)


def node(root, url, password=PASSWORD, **settings):
    """sendit serve storing by STOW-RS at url (Orthanc's /dicom-web, or the proxy's)."""
    return Sendit(ARGS.sendit, root, **{**dict(
        STABLE_AGE="1", RESCAN_INTERVAL="2", CLEANUP_INTERVAL="1", RETENTION="never", SEND_TO_ORTHANC="false",
        SEND_TO_DICOMWEB="true", DICOMWEB_URL=url, DICOMWEB_AUTH="basic", DICOMWEB_USERNAME=USER,
        DICOMWEB_PASSWORD=password, DICOMWEB_VERIFY="qido", SEND_RETRY_DELAY="2", SEND_RETRY_MAX_DELAY="8",
        SEND_WORKERS="2", WORKERS="2"), **settings})


def images_by_status(s):
    st = s.status()
    return {k: v for k, v in st.get("imagesByStatus", {}).items() if v}, st.get("jobsByState", {})


def all_in(s, status, n):
    by, jobs = images_by_status(s)
    return by == {status: n} and not jobs.get("queued") and not jobs.get("running")


def deidentified(s):
    """{(study, series): {sop, ...}} of the de-identified copies the index holds."""
    db = sqlite3.connect(f"file:{s.database}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT studyInstanceUID, seriesInstanceUID, sopInstanceUID FROM deidentified").fetchall()
    finally:
        db.close()
    out = {}
    for study, series, sop in rows:
        out.setdefault((study, series), set()).add(sop)
    return out


def qido(o, path):
    """A QIDO-RS answer from Orthanc's DICOMweb plugin, as the test asks it (basic auth)."""
    body = o.request("GET", "/dicom-web" + path, raw=True, headers={"Accept": "application/dicom+json"})
    return json.loads(body or b"[]")


def sops(answer):
    return [d["00080018"]["Value"][0] for d in answer]


def check_qido(o, s, acked):
    """Problems with what QIDO-RS shows, given the index's de-identified UIDs."""
    problems = []
    expected = deidentified(s)
    n = sum(len(v) for v in expected.values())
    if n != len(acked):
        problems.append(f"the index holds {n} de-identified copies, storescu got Success for {len(acked)}")
    for (study, series), want in expected.items():
        got = sops(qido(o, f"/studies/{study}/series/{series}/instances"))
        if sorted(got) != sorted(want):
            problems.append(f"QIDO-RS series {series[:20]}…: {len(got)} instances ({len(set(got))} distinct), expected {len(want)}")
    everything = sops(qido(o, "/instances"))
    union = set().union(*expected.values()) if expected else set()
    if sorted(everything) != sorted(union):
        problems.append(f"QIDO-RS /instances lists {len(everything)} ({len(set(everything))} distinct), expected the {len(union)} sent")
    return problems, len(expected), len(everything)


def receive(s, work, name, patients, tag):
    corpus = dt.make_corpus(work, name, patients, tag)
    acked = dt.store(corpus, s.port, os.path.join(work, f"{name}-storescu.log"))
    return corpus, acked


# ---------------------------------------------------------------------------------------------
# Cases

def case_end_to_end(work, o):
    with node(os.path.join(work, "e2e"), o.url + "/dicom-web") as s:
        s.start()
        corpus, acked = receive(s, work, "e2e-corpus", PATIENTS, "dicomweb-e2e")
        if len(acked) != len(corpus["images"]):
            return [f"storescu got Success for {len(acked)} of {len(corpus['images'])}"], {}
        if not wait_for(lambda: all_in(s, "DONE", len(acked)), 90, 1):
            return [f"not all DONE: {dt.describe(s)}"], {}
        problems, series, listed = check_qido(o, s, acked)
        more, held = dt.check_orthanc(o, corpus, acked, studies=3, patients=2)
        batches = s.log_lines("STOW-RS batch sent")
        if len(batches) < 6:
            more.append(f"{len(batches)} STOW-RS batches logged, expected at least 6 (5 series, one of 60 images)")
        return problems + more, {"acked": len(acked), "series": series, "qido instances": listed, "batches": len(batches), **held}


def case_server_down(work, o):
    o.stop()
    try:
        with node(os.path.join(work, "down"), o.url + "/dicom-web") as s:
            s.start()
            corpus, acked = receive(s, work, "down-corpus", SMALL, "dicomweb-down")
            if not acked:
                return ["storescu got no Success"], {}

            def retrying():
                d = s.destination()
                return d["retrying"] and all("STOW-RS: no answer" in (r["lastError"] or "") for r in d["retrying"])
            problems = []
            if not wait_for(retrying, 40, 1):
                problems.append(f"not retrying for want of an answer: {dt.describe(s)}")
            by, _ = images_by_status(s)
            if by.get("DONE"):
                problems.append(f"images DONE while the server was down: {by}")
            attempts = sum(r["attempts"] for r in s.destination()["retrying"])
            o.start()
            if not wait_for(lambda: all_in(s, "DONE", len(acked)), 60, 1):
                return problems + [f"not all DONE after the server came back: {dt.describe(s)}"], {}
            more, _, listed = check_qido(o, s, acked)
            problems += more + dt.check_orthanc(o, corpus, acked)[0]
            return problems, {"acked": len(acked), "attempts while down": attempts, "qido instances": listed}
    finally:
        if not os.path.exists(os.path.join(o.dir, "orthanc.pid")):
            o.start()


def case_unauthorized(work, o):
    with node(os.path.join(work, "401"), o.url + "/dicom-web", password="wrong-password-xyz") as s:
        s.start()
        corpus, acked = receive(s, work, "401-corpus", SMALL, "dicomweb-401")
        if not acked:
            return ["storescu got no Success"], {}
        problems = []
        if not wait_for(lambda: all_in(s, "FAILED", len(acked)), 60, 1):
            return [f"not all FAILED: {dt.describe(s)}"], {}
        refusals = s.destination()["refusals"]
        text = json.dumps(refusals)
        if not refusals or "HTTP 401" not in text or "credentials" not in text:
            problems.append(f"the refusals do not name HTTP 401 and the credentials: {text[:300]}")
        if "wrong-password-xyz" in text or any("wrong-password-xyz" in line for line in s.log_lines("")):
            problems.append("the password appears in send-status or the log")
        if o.count() != 0:
            problems.append(f"Orthanc holds {o.count()} instances")
        return problems, {"acked": len(acked), "failed": len(acked), "reason": refusals[0]["reason"] if refusals else None}


class FaultyProxy:
    """An HTTP proxy on 127.0.0.1 in front of `upstream` (host, port) that answers 503 to the
    first `failures` POSTs (after reading their body) and forwards everything else."""

    def __init__(self, upstream, failures):
        self.upstream, self.left, self.answered_503, self.forwarded = upstream, failures, 0, 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return out
                        out += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def answer(self, status, headers, body):
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def forward(self):
                data = self.body()
                if self.command == "POST" and proxy.left > 0:
                    proxy.left -= 1
                    proxy.answered_503 += 1
                    return self.answer(503, [("Content-Type", "text/plain")], b"overloaded Vandergrift^Ottoline")
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "transfer-encoding", "content-length")}
                conn.request(self.command, self.path, body=data if self.command == "POST" else None, headers=headers)
                r = conn.getresponse()
                proxy.forwarded += 1
                self.answer(r.status, r.getheaders(), r.read())
                conn.close()

            do_GET = do_POST = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def case_server_error(work, o):
    proxy = FaultyProxy(("127.0.0.1", o.http_port), 3)
    try:
        with node(os.path.join(work, "503"), proxy.url + "/dicom-web") as s:
            s.start()
            corpus, acked = receive(s, work, "503-corpus", SMALL, "dicomweb-503")
            if not acked:
                return ["storescu got no Success"], {}
            if not wait_for(lambda: all_in(s, "DONE", len(acked)), 90, 1):
                return [f"not all DONE: {dt.describe(s)}"], {}
            problems, _, listed = check_qido(o, s, acked)
            problems += dt.check_orthanc(o, corpus, acked)[0]
            if proxy.answered_503 != 3:
                problems.append(f"the proxy answered 503 {proxy.answered_503} times, expected 3")
            faults = s.log_lines("HTTP 503")
            if not faults:
                problems.append("no log line names the 503")
            if any("Vandergrift" in line for line in s.log_lines("")):
                problems.append("the 503's body (a patient's name) reached the log")
            return problems, {"acked": len(acked), "503 answered": proxy.answered_503, "qido instances": listed}
    finally:
        proxy.close()


def main():
    global ARGS
    p = runs.parser("conformance/dicomweb-test", __doc__)
    runs.add_common_options(p, "nothing (the corpus is fixed)", "the figures")
    p.add_argument("--case", action="append", choices=CASES, help="run only these cases (default: all)")
    ARGS = p.parse_args()
    work = tempfile.mkdtemp(prefix="sendit-dicomweb-")
    started = time.time()
    failures, figures = 0, {}
    o = Orthanc(os.path.join(work, "orthanc"), dicomweb=True, user=f"{USER}:{PASSWORD}")
    try:
        o.start()
        for name in ARGS.case or CASES:
            t0 = time.time()
            o.empty()
            problems, figs = globals()["case_" + name.replace("-", "_")](work, o)
            figures[name] = figs
            verdict = "ok" if not problems else "FAILED"
            log(f"{name}: {verdict} in {time.time() - t0:.1f} s {json.dumps(figs)}")
            for problem in problems:
                log(f"  - {problem}")
            failures += bool(problems)
    finally:
        o.stop()
    log(f"dicomweb-test: {len(ARGS.case or CASES) - failures} of {len(ARGS.case or CASES)} cases ok in {time.time() - started:.0f} s")
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump(figures, f, indent=2)
    runs.finish_work(work, ARGS.keep or failures > 0)
    return 1 if failures else 0


if __name__ == "__main__":
    with children.session():
        sys.exit(main())
