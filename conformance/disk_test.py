#!/usr/bin/env python3
"""The disk protection test (run conformance/disk-test; it picks Python and sendit).

A small tmpfs (--size MB, default 64) is mounted by the test (it needs root, or CAP_SYS_ADMIN)
and holds sendit's data folder (DATA_FOLDER=<tmpfs>/data) and a filler file the test writes,
so that only about --room MB stay above DISK_MIN_FREE. Then:

  1. storescu --no-halt sends a CT series (--count images of 512 x 512, about 0.5 MB each) that
     does not fit, in one association: the first images are acknowledged, then every C-STORE is answered
     A700 (Refused: Out of Resources); a second storescu is rejected at association
     (A-ASSOCIATE-RJ: rejected-transient, service-provider (presentation), local-limit-exceeded).
     sendit keeps running, its log says why ("disk space low", "C-STORE failed" with
     DISK_MIN_FREE's reason, "association ended" "rejected: free disk space below ..."), /readyz
     answers 503 with the "disk" check not ok, the API's dashboard carries `diskLow`.
  2. Every image storescu saw acknowledged is intact: its file in the data folder holds the data
     set storescu sent, byte for byte; no refused image and no part file was left behind.
  3. The filler is removed: sendit says "disk space back" by itself, /readyz is 200 again, the
     dashboard's `diskLow` is gone; storescu sends again what was refused: all acknowledged.
  4. Everything is processed: `sendit status` counts --count images, all DONEPROCESSING
     (de-identified into the outbox; no destination is configured), and every original in the
     data folder still holds what was sent.
A case fails if it could pass vacuously: no image acknowledged, none refused, no rejection.
Exit 1 if any check fails; exit 2 if the tmpfs cannot be mounted.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import children, corpora, runs  # noqa: E402
from harness.dcmtk import acknowledged, storescu, storescu_results  # noqa: E402
from harness.part10 import split_part10  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.staging import part_files  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

PROBLEMS = []


def check(ok, what):
    print(("ok      " if ok else "PROBLEM ") + what, flush=True)
    if not ok:
        PROBLEMS.append(what)
    return ok


def http_json(url, token=None):
    """(status, parsed JSON body) of a GET."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def disk_check(web):
    status, body = http_json(web + "/readyz")
    return status, next((c for c in body.get("checks", []) if c.get("name") == "disk"), {})


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def originals(data):
    """{SOP Instance UID: path} of the .dcm files under the data folder (staging folders and
    finished ones; the receiver names each file after its SOP Instance UID)."""
    found = {}
    for folder, _, files in os.walk(data):
        for f in files:
            if f.endswith(".dcm"):
                found[f[:-4]] = os.path.join(folder, f)
    return found


def data_set(path):
    with open(path, "rb") as fh:
        return split_part10(fh.read())[1]


def intact(sources, data, sops):
    """The SOPs whose file in the data folder is missing or does not hold the data set sent."""
    here = originals(data)
    return [sop for sop in sops if sop not in here or data_set(here[sop]) != sources[sop][1]]


def main():
    ap = runs.parser("disk-test", __doc__)
    ap.add_argument("--sendit", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--repo", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, default=64, help="tmpfs size, MB")
    ap.add_argument("--room", type=int, default=12, help="MB above DISK_MIN_FREE left for images")
    ap.add_argument("--count", type=int, default=60, help="images sent (512 x 512, about 0.5 MB each)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    files = corpora.ct_series(args.count, 512, seed=15)
    sources, by_path = corpora.load_sources(files)
    work = tempfile.mkdtemp(prefix="sendit-disk-test-")
    disk = os.path.join(work, "disk")
    os.makedirs(disk)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.size}m", "tmpfs", disk], capture_output=True, text=True)
    if mounted.returncode != 0:
        print(f"disk-test: cannot mount a tmpfs at {disk} (root or CAP_SYS_ADMIN is needed): {mounted.stderr.strip()}", file=sys.stderr)
        return 2
    try:
        with children.session():
            run(args, work, disk, files, sources, by_path)
    finally:
        subprocess.run(["umount", "-l", disk], check=False)
    print(f"disk-test: {len(PROBLEMS)} problem(s)")
    runs.finish_work(work, args.keep or bool(PROBLEMS))
    return 1 if PROBLEMS else 0


def run(args, work, disk, files, sources, by_path):
    minimum = args.size // 4   # MB: DISK_MIN_FREE
    filler = os.path.join(disk, "filler")
    with open(filler, "wb") as f:
        f.write(b"\0" * ((args.size - minimum - args.room) << 20))
    data = os.path.join(disk, "data")
    s = Sendit(args.sendit, os.path.join(work, "sendit"), DATA_FOLDER=data, DISK_MIN_FREE=f"{minimum}MiB", STABLE_AGE="2",
               RESCAN_INTERVAL="1")
    r = s.run("token", "add", "disk", "--role", "viewer")
    check(r.returncode == 0, f"sendit token add: {r.returncode} {r.stderr[-300:]}")
    token = r.stdout.strip().splitlines()[-1]
    with s:
        s.start()
        check(wait_for(lambda: disk_check(s.web)[0] == 200, 20, 0.2), f"/readyz is 200 before sending: {disk_check(s.web)}")
        print(f"tmpfs {args.size} MB, DISK_MIN_FREE {minimum} MiB, {free_bytes(disk) / 1e6:.1f} MB free; sending {len(files)} images")

        # 1. More than fits, in one association.
        first_log = os.path.join(work, "storescu-1.log")
        storescu(s.port, files, first_log, "--no-halt").finish(300)   # (storescu stops at the first refusal otherwise)
        results = storescu_results([first_log])
        acked = [f for f in files if results.get(f, (False, ""))[0]]
        refused = [f for f in files if f in results and not results[f][0]]
        out_of_resources = [f for f in refused if "OutOfResources" in results[f][1] or "a700" in results[f][1].lower()]
        check(0 < len(acked) < len(files), f"some but not all acknowledged: {len(acked)} of {len(files)}")
        check(len(refused) == len(files) - len(acked) and out_of_resources == refused,
              f"every other image answered A700: {len(out_of_resources)} of {len(refused)} refused "
              f"({sorted({results[f][1] for f in refused})})")
        # Nothing acknowledged after the first refusal (the watermark holds once crossed).
        first_refused = min((files.index(f) for f in refused), default=len(files))
        check(all(files.index(f) < first_refused for f in acked), "no image acknowledged after the first refusal")
        print(f"acknowledged {len(acked)}, refused {len(refused)}; {free_bytes(disk) / 1e6:.1f} MB free")
        second_log = os.path.join(work, "storescu-2.log")
        storescu(s.port, refused[:1], second_log).finish(60)
        with open(second_log, errors="replace") as f:
            text = f.read()
        check("Rejected Transient" in text and "Local Limit Exceeded" in text and "Presentation" in text,
              f"a new association is rejected: transient, service provider (presentation), local limit exceeded: "
              f"{[l for l in text.splitlines() if 'Reject' in l or 'Reason' in l or 'Result' in l]}")
        check(s.running(), "sendit keeps running")
        low_lines = s.log_lines("disk space low")
        check(len(low_lines) == 1 and "DISK_MIN_FREE" in low_lines[0], f"the log says the disk is low, once: {low_lines[:2]}")
        failed_lines = s.log_lines("C-STORE failed")
        check(len(failed_lines) == len(refused) and all("free disk space below DISK_MIN_FREE" in l for l in failed_lines),
              f"each refused C-STORE is logged with the reason: {len(failed_lines)} lines")
        rejected_lines = [l for l in s.log_lines("association ended") if "rejected: free disk space below DISK_MIN_FREE" in l]
        check(len(rejected_lines) == 1, f"the rejected association is logged with the reason: {rejected_lines[:1]}")
        status, check_ = disk_check(s.web)
        check(status == 503 and check_.get("ok") is False and check_.get("detail", "").startswith("free disk space below DISK_MIN_FREE"),
              f"/readyz: {status} {check_}")
        status, dashboard = http_json(s.web + "/api/v1/dashboard", token)
        check(status == 200 and "DISK_MIN_FREE" in dashboard.get("live", {}).get("diskLow", ""),
              f"the dashboard says the disk is low: {status} {dashboard.get('live', {}).get('diskLow')}")

        # 2. What was acknowledged is intact; nothing refused was kept.
        acked_sops = [by_path[f] for f in acked]
        broken = intact(sources, data, acked_sops)
        check(not broken, f"every acknowledged image is in the data folder as sent: {len(acked_sops) - len(broken)} of {len(acked_sops)}")
        here = originals(data)
        check(not [by_path[f] for f in refused if by_path[f] in here], "no refused image is in the data folder")
        check(not part_files(data), f"no part file left: {part_files(data)[:3]}")

        # 3. Space returns: sendit resumes by itself; the rest is received.
        os.remove(filler)
        check(wait_for(lambda: s.log_lines("disk space back"), 10, 0.2), "the log says the disk space is back")
        check(wait_for(lambda: disk_check(s.web)[0] == 200, 10, 0.2), f"/readyz is 200 again: {disk_check(s.web)}")
        status, dashboard = http_json(s.web + "/api/v1/dashboard", token)
        check(status == 200 and "diskLow" not in dashboard.get("live", {}), "the dashboard no longer says the disk is low")
        third_log = os.path.join(work, "storescu-3.log")
        storescu(s.port, refused, third_log).finish(300)
        check(len(acknowledged(third_log)) == len(refused), f"the rest is acknowledged: {len(acknowledged(third_log))} of {len(refused)}")

        # 4. Everything is processed; every original is intact.
        def processed():
            st = s.status()
            return st["images"] == len(files) and st["imagesByStatus"].get("DONEPROCESSING") == len(files)
        check(wait_for(processed, 120, 0.5), f"all {len(files)} images de-identified: {s.status()['imagesByStatus']}")
        broken = intact(sources, data, list(sources))
        check(not broken, f"every image is in the data folder as sent: {len(sources) - len(broken)} of {len(sources)}")
        outbox = sum(1 for _, _, fs in os.walk(s.outbox) for f in fs if f.endswith(".dcm"))
        check(outbox == len(files), f"the outbox holds {outbox} de-identified copies")
        check(not s.log_lines("service failed", "critical"), "no service failed")


if __name__ == "__main__":
    sys.exit(main())
