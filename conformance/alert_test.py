#!/usr/bin/env python3
"""The alert test (run conformance/alert-test; it picks Python and sendit).

The promise (issue 15): sendit POSTs an alert to each ALERT_WEBHOOK_URLS webhook for a series
FAILED or HELD, a destination unreachable longer than ALERT_DESTINATION_DOWN_AFTER, disk below
the watermark and a restart after a crash; one per condition, not one per image; no original
identifying value in any; queued in the index, so that a kill -9 between the condition and the
send loses none.

One node delivering to a real Orthanc and to a destination "dead" that nobody listens on; two
webhooks (two paths of one local HTTP server, a Python http.server in a thread):
  1. the webhooks answer 503; a study of one patient is sent: a CT series (waits for "dead"), a
     CT series saying BurnedInAnnotation YES (HELD), a photoacoustic series that a site rule lets
     through and Orthanc refuses (FAILED); ALERT_DESTINATION_DOWN_AFTER=4 makes "dead" down and
     ALERT_DISK_MIN_FREE=1000TB the disk low;
  2. once each webhook has refused a try of each of the four conditions, sendit is killed (-9);
  3. the webhooks now answer 200; sendit restarts: every queued alert arrives, and one saying the
     node restarted after a crash; nothing arrives twice (waited for two more rounds);
  4. sendit stops cleanly (SIGTERM) and starts again: no restart alert for a clean stop;
  5. every body, refused or taken, is JSON with kind, key, node, at and summary, and holds none
     of the corpus's patient names, IDs, birth date, study date, accession numbers or UIDs.
Exit 1 if any check fails.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import pydicom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import delivery_test as dt  # noqa: E402
from harness import children, runs  # noqa: E402
from harness.orthanc import Orthanc  # noqa: E402
from harness.webhooks import Webhooks  # noqa: E402
from harness.ports import free_port  # noqa: E402
from harness.waiting import wait_for  # noqa: E402
from web_test import PROBLEMS, check  # noqa: E402 - the same failure list and check()

PATIENT = ("Thistlewood^Aurelia", "TA31415", "19640229", "F",
           [("20240606", [("CT", dt.CTImageStorage, 4), ("CT", dt.CTImageStorage, 3), ("PA", dt.PHOTOACOUSTIC, 3)])])
KINDS = ["series-failed", "series-held", "destination-down", "disk-low", "restart-after-crash"]


def kinds_of(posts):
    out = {}
    for p in posts:
        try:
            kind = json.loads(p["body"]).get("kind")
        except ValueError:
            kind = None
        out[kind] = out.get(kind, 0) + 1
    return out


def main():
    p = runs.parser("alert-test", __doc__)
    p.add_argument("--sendit", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--timeout", type=float, default=120)
    args = p.parse_args()
    dt.ARGS = argparse.Namespace(sendit=args.sendit, repo=args.repo, timeout=args.timeout)
    work = tempfile.mkdtemp(prefix="sendit-alert-test-")
    hooks = Webhooks()
    try:
        with children.session():
            corpus = dt.make_corpus(work, "corpus", [PATIENT], "alert")
            burned = [im for im in corpus["images"] if im["path"].endswith(os.path.join("r1", os.path.basename(im["path"])))]
            for im in burned:
                ds = pydicom.dcmread(im["path"])
                ds.BurnedInAnnotation = "YES"
                ds.save_as(im["path"], enforce_file_format=True)
            rules = os.path.join(work, "burned-in.rules")
            with open(rules, "w") as fh:   # Orthanc, not sendit, is to refuse the photoacoustic series
                fh.write("allow alert-test if SOPClassUID is PhotoacousticImageStorage\n")
            forbidden = sorted(set(corpus["forbidden"]) | {PATIENT[2], "ACC00ALER", PATIENT[0].split("^")[1]})
            settings = dict(
                BURNED_IN_RULES=rules, EXTRA_DESTINATIONS=f"dead=DEAD@127.0.0.1:{free_port()}",
                ALERT_WEBHOOK_URLS=f"{hooks.url}/a,{hooks.url}/b?token=alert-test-secret",
                ALERT_DESTINATION_DOWN_AFTER="4", ALERT_DISK_MIN_FREE="1000TB", RETENTION="never")
            with Orthanc(os.path.join(work, "orthanc")) as o, dt.node(os.path.join(work, "sendit"), o, **settings) as s:
                o.start()
                run(s, corpus, burned, hooks, forbidden)
    finally:
        hooks.close()
    print(f"alert-test: {len(PROBLEMS)} problem(s)")
    runs.finish_work(work, args.keep or bool(PROBLEMS))
    return 1 if PROBLEMS else 0


def run(s, corpus, burned, hooks, forbidden):
    s.start()
    photoacoustic = [im for im in corpus["images"] if im["sop_class"] == dt.PHOTOACOUSTIC]
    folders = sorted({os.path.dirname(im["path"]) for im in corpus["images"] if im not in photoacoustic})
    good = dt.store(corpus, s.port, os.path.join(s.root, "storescu.log"), folders)
    refused = dt.pynetdicom_store(photoacoustic, s.port)
    check(len(good) + len(refused) == len(corpus["images"]), f"{len(good) + len(refused)} of {len(corpus['images'])} acknowledged")

    # 1-2. Each webhook refuses a try of each of the four conditions; then kill -9.
    four = set(KINDS[:4])
    tried = wait_for(lambda: all(four <= set(kinds_of(hooks.refused(path))) for path in ("/a", "/b?token=alert-test-secret")),
                     dt.ARGS.timeout, 0.5)
    check(tried, f"not every condition was tried before the kill: {kinds_of(hooks.refused())}; {dt.describe(s)}")
    check(not hooks.taken(), "an alert was taken while the webhooks answered 503")
    s.kill()
    print(f"  killed after {len(hooks.refused())} refused tries: {kinds_of(hooks.refused())}", flush=True)

    # 3. The webhooks take them now; the restart delivers what was queued, and its own alert.
    with hooks.lock:
        hooks.accept = True
    s.start()
    every = set(KINDS)
    arrived = wait_for(lambda: all(every <= set(kinds_of(hooks.taken(path))) for path in ("/a", "/b?token=alert-test-secret")),
                       dt.ARGS.timeout, 0.5)
    check(arrived, f"not every alert arrived after the restart: {kinds_of(hooks.taken())}")
    time.sleep(12)   # two more rounds of the alert loop: nothing more may come
    # 4. A clean stop and start: no restart alert.
    s.stop()
    s.start()
    time.sleep(8)
    s.stop()

    for path in ("/a", "/b?token=alert-test-secret"):
        taken = hooks.taken(path)
        bodies = [json.loads(p["body"]) for p in taken]
        keys = [b["key"] for b in bodies]
        check(len(keys) == len(set(keys)), f"{path}: an alert arrived twice: {sorted(keys)}")
        check(kinds_of(taken) == {k: 1 for k in KINDS}, f"{path}: alerts per kind {kinds_of(taken)}, expected one of each")
        by_kind = {b["kind"]: b for b in bodies}
        for b in bodies:
            check(all(b.get(k) for k in ("kind", "key", "node", "at", "summary")) and b["node"] == "SENDIT", f"{path}: body {b}")
        if "series-failed" in by_kind:
            sf = by_kind["series-failed"]["series"]
            check(sf["failed"] == len(refused) and sf["images"] == len(refused) and sf["modality"] == "PA",
                  f"{path}: series-failed counts {sf}")
            check(by_kind["series-failed"].get("reasons") and "refused" in by_kind["series-failed"]["reasons"][0]["reason"],
                  f"{path}: series-failed reasons {by_kind['series-failed'].get('reasons')}")
        if "series-held" in by_kind:
            sh = by_kind["series-held"]["series"]
            check(sh["held"] == len(burned) and sh["images"] == len(burned), f"{path}: series-held counts {sh}")
        if "destination-down" in by_kind:
            check(by_kind["destination-down"]["destination"]["name"] == "dead", f"{path}: {by_kind['destination-down']}")
        if "disk-low" in by_kind:
            check(by_kind["disk-low"]["disk"]["folders"] == ["data", "outbox"], f"{path}: {by_kind['disk-low']}")
        if "restart-after-crash" in by_kind:
            check(by_kind["restart-after-crash"]["restart"]["ending"] == "killed or crashed", f"{path}: {by_kind['restart-after-crash']}")
        check(all(p["type"].startswith("application/json") for p in taken), f"{path}: content types {[p['type'] for p in taken]}")
    # 5. No original value in any body, taken or refused.
    posts = hooks.all()
    leaks = [(value, p["body"][:120]) for p in posts for value in forbidden if value.lower() in p["body"].lower()]
    check(not leaks, f"original values in alerts: {leaks[:5]}")
    print(f"  {len(posts)} posts ({len(hooks.taken())} taken) searched for {len(forbidden)} original values: {len(leaks)} found",
          flush=True)
    for b in sorted((json.loads(p["body"]) for p in hooks.taken("/a")), key=lambda b: b["kind"]):
        print(f"    {b['key']}: {b['summary']}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
