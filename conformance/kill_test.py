#!/usr/bin/env python3
"""The crash test behind conformance/kill-test (run that; it picks the Python and sendit).

The invariant: sendit sends C-STORE-RSP Success only after the instance is completely
written, fsynced and renamed into its staging folder, and a file under its final name
(DATA/<StudyInstanceUID>.tmp*/<SOPInstanceUID>.dcm) is always complete.

Each trial starts a fresh `sendit serve` (FSYNC=true) on a fresh data folder, starts
`storescu -v` sending a corpus of small CT images in one association, and kills sendit with
SIGKILL at a random moment. Then:
  - every instance storescu logged a Success response for ("Sending file: F" followed by
    "Received Store Response (Success)") must be in a staging folder under its final name,
    with a data set byte-identical to the source file's (storescu sends this corpus's
    data sets unchanged; the control trial checks that too);
  - every file under a final name must be complete (its data set byte-identical to its
    source), acknowledged or not;
  - .part files left in DATA/.incoming are counted (expected after a kill; a later start
    cleans them up).
Trial 0 is a control without a kill: all instances must be acknowledged and stored, which
also checks the parsing of storescu's log; its duration sets the range of kill times
(uniform between --min-kill and the control's send time).
"""
from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import children, corpora, runs  # noqa: E402
from harness.dcmtk import acknowledged, storescu  # noqa: E402
from harness.part10 import dataset_bytes, first_diff  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.staging import part_files, sendit_index  # noqa: E402

# FSYNC: the promise is about what survives a kill. STABLE_AGE of a day: the study is never
# finished during a trial, this test looks at the staging folders.
SETTINGS = dict(FSYNC="true", STABLE_AGE="86400")


def check(data, acked_paths, sources, by_path):
    """Checks the data folder after a trial. Returns a dict of counts and problems."""
    by_uid_src = sources
    idx = sendit_index(data)
    problems = []
    present_ok = 0
    acked_uids = {by_path.get(path) for path in acked_paths}
    for path in acked_paths:
        uid = by_path.get(path)
        if uid is None:
            problems.append(f"acknowledged file {path} is not in the corpus")
            continue
        found = idx.get(uid + ".dcm", [])
        if len(found) != 1:
            problems.append(f"acknowledged {os.path.basename(path)} ({uid}): {len(found)} files in staging")
            continue
        try:
            _, ds = dataset_bytes(found[0])
        except (OSError, ValueError) as e:
            problems.append(f"acknowledged {os.path.basename(path)}: {os.path.relpath(found[0], data)} unreadable: {e}")
            continue
        if ds != by_uid_src[uid][1]:
            problems.append(f"acknowledged {os.path.basename(path)}: {os.path.relpath(found[0], data)} has {len(ds)} data set "
                            f"bytes, the source {len(by_uid_src[uid][1])}, first difference at "
                            f"{first_diff(ds, by_uid_src[uid][1])}")
            continue
        present_ok += 1
    # Every file under a final name must be complete, acknowledged or not.
    staged, incomplete, unacked = 0, 0, 0
    for name, paths in idx.items():
        for p in paths:
            staged += 1
            uid = name[:-len(".dcm")]
            src = by_uid_src.get(uid)
            try:
                _, ds = dataset_bytes(p)
                ok = src is not None and ds == src[1]
            except (OSError, ValueError):
                ok = False
            if ok and uid not in acked_uids:
                unacked += 1
            if not ok:
                incomplete += 1
                problems.append(f"{os.path.relpath(p, data)} is under its final name but incomplete "
                                f"or not a corpus instance ({os.path.getsize(p)} bytes)")
    parts = len(part_files(data))
    return {"present_complete": present_ok, "staged": staged, "incomplete": incomplete,
            "stored_unacknowledged": unacked,
            "parts": parts, "problems": problems}


def run_trial(n, args, files, sources, by_path, work, kill_at):
    with Sendit(args.sendit, os.path.join(work, f"trial{n:02d}"), **SETTINGS) as server:
        server.start()
        scu_log = os.path.join(server.root, "storescu.log")
        t0 = time.monotonic()
        with storescu(server.port, files, scu_log) as scu:
            killed = False
            if kill_at is None:
                scu.end(120)
                elapsed = time.monotonic() - t0
                server.stop()
            else:
                remaining = kill_at - (time.monotonic() - t0)
                if remaining > 0:
                    time.sleep(remaining)
                killed = scu.running()   # else storescu had finished: the kill is after the send
                server.kill()
                elapsed = time.monotonic() - t0
                scu.end(60)
    acked = acknowledged(scu_log)
    r = check(server.data, acked, sources, by_path)
    r.update(trial=n, kill_at=kill_at, killed_during_send=killed, elapsed=round(elapsed, 3),
             acked=len(acked), storescu_exit=scu.returncode)
    return r


def main():
    p = runs.parser("conformance/kill-test", __doc__)
    p.add_argument("--trials", type=int, default=20, help="trials with a kill (default 20)")
    p.add_argument("--count", type=int, default=500, help="images in the corpus (default 500)")
    p.add_argument("--size", type=int, default=64, help="rows and columns (default 64)")
    p.add_argument("--min-kill", type=float, default=0.05, help="earliest kill, seconds (default 0.05)")
    runs.add_common_options(p, "the kill times", "the trials")
    args = p.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if args.trials < 0:
        p.error("--trials must be >= 0")
    seed = runs.seed(args)
    rng = random.Random(seed)

    files = corpora.ct_series(args.count, args.size)
    sources, by_path = corpora.load_sources(files)
    work = tempfile.mkdtemp(prefix="sendit-kill-test.")
    print(f"kill-test: sendit {args.sendit}, {len(files)} images ({args.size}x{args.size}) from "
          f"{os.path.dirname(files[0])}, {args.trials} trials, seed {seed}")
    rows, failed = [], False
    try:
        control = run_trial(0, args, files, sources, by_path, work, None)
        rows.append(control)
        send_time = control["elapsed"]
        ok = (control["acked"] == len(files) and control["present_complete"] == len(files)
              and not control["problems"] and control["parts"] == 0)
        print(f"control  (no kill):       {control['acked']:3d} acknowledged, "
              f"{control['present_complete']:3d} present & complete, {control['staged']:3d} staged "
              f"({control['incomplete']} incomplete), {control['parts']} .part  "
              f"[send took {send_time:.2f} s] {'ok' if ok else 'FAIL'}")
        if not ok:
            failed = True
            for prob in control["problems"][:10]:
                print(f"    {prob}")
            print("kill-test: the control trial failed: every image must be acknowledged and stored "
                  "when nothing is killed (is storescu's log parsed right?)")
            return 1
        hi = max(send_time, args.min_kill + 0.01)
        for n in range(1, args.trials + 1):
            kill_at = round(rng.uniform(args.min_kill, hi), 3)
            r = run_trial(n, args, files, sources, by_path, work, kill_at)
            rows.append(r)
            bad = bool(r["problems"])
            failed |= bad
            note = "" if r["killed_during_send"] else " (send had finished)"
            print(f"trial {n:2d} kill at {kill_at:.3f} s: {r['acked']:3d} acknowledged, "
                  f"{r['present_complete']:3d} present & complete, {r['staged']:3d} staged "
                  f"({r['incomplete']} incomplete), {r['parts']} .part{note}  {'FAIL' if bad else 'ok'}")
            for prob in r["problems"][:5]:
                print(f"    {prob}")
        trials = rows[1:]
        during = sum(r["killed_during_send"] for r in trials)
        print(f"summary: {len(trials)} trials ({during} killed during the send), "
              f"{sum(r['acked'] for r in trials)} acknowledged instances all checked: "
              f"{sum(r['acked'] - r['present_complete'] for r in trials)} missing or incomplete; "
              f"{sum(r['staged'] for r in trials)} files under final names, "
              f"{sum(r['incomplete'] for r in trials)} incomplete; "
              f"{sum(r['stored_unacknowledged'] for r in trials)} stored but not acknowledged "
              f"(response lost in the kill); {sum(r['parts'] for r in trials)} .part files left "
              f"(expected)  -> {'FAIL' if failed else 'ok'}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"seed": seed, "images": len(files), "trials": rows, "ok": not failed}, f, indent=1)
        return 1 if failed else 0
    finally:
        runs.finish_work(work, args.keep or failed)


if __name__ == "__main__":
    with children.session():
        sys.exit(main())
