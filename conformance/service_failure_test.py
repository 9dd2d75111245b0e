#!/usr/bin/env python3
"""The service-failure test (run conformance/service-failure-test; it picks Python and sendit).

The promise: `sendit serve` is one service group (listener, intake, workers, send-workers,
cleanup). When the loop of any one of them fails, the whole node stops, within SHUTDOWN_GRACE,
with exit status 1 and one log line naming the service ("service failed; stopping the node"
service=NAME); it never runs half-alive. Started again, it finishes the interrupted work:
every image delivered exactly once, nothing left behind.

For each service in turn, in a fresh work folder, with one throw-away Orthanc (delivery-test's,
conformance/orthanc) as the destination, emptied between cases:
  1. sendit serve starts with the test-only SENDIT_FAULT_INJECT=<service>@<file>: that
     service's loop throws at its next turn once <file> exists;
  2. a corpus (1 patient, 2 studies, 3 series) is sent with storescu, and the file is made at a
     moment when that service has work in hand:
       listener      after the first study is acknowledged; a connection then wakes the accept
                     loop (the second study is sent after the restart, as a sender retries);
       intake        as soon as both studies are acknowledged, with received images still in
                     staging folders (not yet imported);
       workers       at the first "job done" of the de-identification;
       send-workers  when Orthanc holds the first image;
       cleanup       when Orthanc holds the first image;
  3. the node must exit by itself, within SHUTDOWN_GRACE + 15 s, with status 1, and its log must
     hold exactly one "service failed" line, naming that service; at the exit, work must remain
     (images in the index or files in the data folder, or a study not yet sent; else the case
     could pass vacuously); for the intake, files in the data folder must be left unimported
     (more files there than images in the index), or staging folders left unfinished (their
     images indexed as they landed): the intake had a folder in hand;
  4. sendit serve starts again on the same folders and index without the fault; when it has
     settled (every image delivered and cleaned up, no job queued or running), it is stopped
     with SIGTERM and must exit 0; delivery-test's checks then hold: every acknowledged image in
     Orthanc exactly once (by its pixel data), no original identifying value in any stored file,
     nothing left in the data folder, the outbox or the index.
Exit 1 if any case fails.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

from pydicom.uid import CTImageStorage, MRImageStorage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import delivery_test as dt  # noqa: E402
from harness import children, runs  # noqa: E402
from harness.orthanc import Orthanc  # noqa: E402
from harness.staging import sendit_index  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

SERVICES = ["listener", "intake", "workers", "send-workers", "cleanup"]
GRACE = 5
FAILED_LINE = '"service failed; stopping the node"'


def log_text(s):
    with open(os.path.join(s.root, f"serve-{s.starts}.log"), errors="replace") as f:
        return f.read()


def arm_when(service, s, o, corpus):
    """Sends the corpus and makes the trigger file at the service's moment. Returns the
    acknowledged images and the part of the corpus still to send after the restart."""
    trigger = s.env["SENDIT_FAULT_INJECT"].split("@", 1)[1]
    first, second = os.path.join(corpus["folder"], "p0", "s0"), os.path.join(corpus["folder"], "p0", "s1")
    if service == "listener":
        acked = dt.store(corpus, s.port, os.path.join(s.root, "storescu-1.log"), folders=[first])
        open(trigger, "w").close()
        with socket.create_connection(("127.0.0.1", s.port), timeout=5):
            pass   # the accept loop turns once more, and fails
        return acked, [second], True
    acked = dt.store(corpus, s.port, os.path.join(s.root, "storescu-1.log"))
    if service == "intake":
        # Work in hand: received images still in staging folders, which only the intake finishes.
        seen = bool(sendit_index(s.data))
    elif service == "workers":
        seen = wait_for(lambda: re.search(r'"job done" .*stage=deidentify', log_text(s)), 60, 0.01)
    else:
        seen = wait_for(lambda: (o.count() or 0) >= 1, 60, 0.01)
    open(trigger, "w").close()
    return acked, [], bool(seen)


def run_case(service, o, corpus, work):
    root = os.path.join(work, service)
    os.makedirs(root)
    s = dt.node(root, o, SHUTDOWN_GRACE=str(GRACE), SENDIT_FAULT_INJECT=f"{service}@{os.path.join(root, 'fault-now')}")
    s.start()
    problems, figures = [], {}
    try:
        acked, rest, seen = arm_when(service, s, o, corpus)
        if not seen:
            problems.append(f"the {service} moment was never seen")
        t0 = time.monotonic()
        try:
            code = s.child.proc.wait(timeout=GRACE + 15)
        except subprocess.TimeoutExpired:
            code = None
            problems.append(f"still running {GRACE + 15} s after the fault: half-alive")
        took = time.monotonic() - t0
        s.stop(signal.SIGKILL)
        text = log_text(s)
        failed_lines = [line for line in text.splitlines() if FAILED_LINE in line]
        if code != 1:
            problems.append(f"exit status {code} after the fault, expected 1")
        if len(failed_lines) != 1 or not failed_lines[0].endswith(f" service={service}"):
            problems.append(f"'service failed' lines: {failed_lines or 'none'}; expected one naming {service}")
        in_index, in_data = s.status()["images"], s.files_left()[0]
        at_exit = o.count()
        if not in_index and not in_data and not rest:
            problems.append("no work was left at the exit: the fault did not interrupt anything")
        # With IMPORT_BEFORE_QUIET (the default) the images are indexed as they land; the
        # intake's work in hand is then the staging folders it has not finished.
        if service == "intake" and in_data <= in_index and not sendit_index(s.data):
            # Only the intake imports, and it stopped with the node: what is unimported at the
            # exit was unimported at the failure.
            problems.append(f"the intake had nothing in hand at the failure: {in_data} files in the data folder, "
                            f"{in_index} images in the index")
        figures.update(exit=code, stopped_after_s=round(took, 1), images_in_index=in_index, files_in_data=in_data,
                       orthanc_at_exit=at_exit)

        # Restart without the fault; send what was never sent, as a sender retries.
        del s.env["SENDIT_FAULT_INJECT"]
        s.start()
        if rest:
            acked += dt.store(corpus, s.port, os.path.join(s.root, "storescu-2.log"), folders=rest)
        if len(acked) != len(corpus["images"]):
            problems.append(f"storescu got Success for {len(acked)} of {len(corpus['images'])}")
        if not wait_for(lambda: dt.settled(s, len(acked)), 120, 0.5):
            problems.append(f"not delivered within 120 s of the restart: {dt.describe(s)}")
        more, fig = dt.check_orthanc(o, corpus, acked, studies=2, patients=1)
        problems += more + dt.check_left(s)
        s.stop(signal.SIGTERM)
        if s.child.returncode != 0:
            problems.append(f"the restarted node exited {s.child.returncode} on SIGTERM, expected 0")
        if FAILED_LINE in log_text(s):
            problems.append("the restarted node logged a service failure")
        figures.update(delivered=fig["instances"])
        return problems, figures
    finally:
        if s.running():
            s.stop(signal.SIGKILL)


def main():
    p = runs.parser("conformance/service-failure-test", __doc__)
    p.add_argument("--service", action="append", choices=SERVICES, help="test this service (repeatable; default: all)")
    p.add_argument("--per-series", type=int, default=30, help="images per series, 3 series (default 30)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    p.add_argument("--sendit", required=True, help=argparse.SUPPRESS)
    p.add_argument("--repo", required=True, help=argparse.SUPPRESS)
    args = p.parse_args()
    dt.ARGS = args   # delivery_test's node() reads the binary from it
    services = args.service or SERVICES
    work = tempfile.mkdtemp(prefix="sendit-service-failure-test.")
    dt.log(f"service-failure-test: sendit {args.sendit}, services {', '.join(services)}")
    # The two studies are more than 30 days apart: a date shifted by the local pseudonymizer's
    # jitter (-30 to -1 days) never lands on the other study's original date, which the check of
    # Orthanc's contents would take for a leak (1 day apart, a jitter of -1 did just that).
    spec = [("Failover^Ottilie", "FO40411", "19800808", "F",
             [("20240601", [("CT", CTImageStorage, args.per_series), ("MR", MRImageStorage, args.per_series)]),
              ("20241103", [("CT", CTImageStorage, args.per_series)])])]
    failed = False
    try:
        corpus = dt.make_corpus(work, "corpus", spec, "svcfail")
        with Orthanc(os.path.join(work, "orthanc")) as o:
            o.start()
            for n, service in enumerate(services):
                if n:
                    o.empty()
                t0 = time.monotonic()
                try:
                    problems, figures = run_case(service, o, corpus, work)
                except Exception as e:  # noqa: BLE001 - a case that cannot run fails, the others still run
                    problems, figures = [f"{type(e).__name__}: {e}"], {}
                failed |= bool(problems)
                shown = "; ".join(f"{k} {v}" for k, v in figures.items())
                dt.log(f"service {service:12s} {'FAIL' if problems else 'ok  '} {time.monotonic() - t0:5.1f} s  {shown}")
                for prob in problems[:8]:
                    dt.log(f"    {prob}")
        dt.log(f"service-failure-test: {len(services)} services, {'FAIL' if failed else 'all passed'}")
        return 1 if failed else 0
    finally:
        runs.finish_work(work, args.keep or failed)


if __name__ == "__main__":
    with children.session():
        sys.exit(main())
