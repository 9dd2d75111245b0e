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

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interop_tools as it  # noqa: E402


LIVE = []   # every process started, stopped in main's finally (Ctrl-C, SIGTERM, errors)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ensure_corpus(repo, python, count, size):
    out = os.path.join(repo, "benchmarks", "corpus")
    folder = os.path.join(out, f"ct-{size}-{count}")
    if not os.path.isdir(folder):   # the generator renames a complete folder into place
        print(f"generating {folder}", file=sys.stderr)
        subprocess.run([python, os.path.join(repo, "scripts", "make-ct-corpus.py"), out,
                        "--count", str(count), "--size", str(size)],
                       check=True, stdout=subprocess.DEVNULL)
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".dcm"))
    if len(files) != count:
        sys.exit(f"kill-test: {folder} holds {len(files)} files, expected {count}")
    return files


def load_sources(files):
    """{SOP Instance UID: (path, data set bytes)} and {path: UID}."""
    by_uid, by_path = {}, {}
    for f in files:
        with open(f, "rb") as fh:
            meta, ds = it.split_part10(fh.read())
        uid = it.meta_uid(meta, 0x00020003)
        by_uid[uid] = (f, ds)
        by_path[f] = uid
    return by_uid, by_path


class Sendit:
    """sendit serve on a free port. By default the study is never finished during a trial
    (STABLE_AGE of a day): this test looks at the staging folders. `settings` override."""

    def __init__(self, binary, data, log_path, port=None, **settings):
        self.port = port or free_port()
        state = os.path.dirname(os.path.abspath(data))
        env = dict(os.environ, FSYNC="true", DICOM_BIND_ADDRESS="127.0.0.1", LOG_LEVEL="info", SEND_TO_ORTHANC="false",
                   STABLE_AGE="86400", DATABASE=os.path.join(state, "sendit.db"),
                   QUARANTINE_FOLDER=os.path.join(state, "quarantine"))
        env.update(settings)
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([binary, "serve", "--port", str(self.port), "--aet", "SENDIT",
                                      "--data", data], env=env, stdout=subprocess.DEVNULL,
                                     stderr=self.log, stdin=subprocess.DEVNULL)
        LIVE.append(self.proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(log_path, "rb") as fh:
                if b" listening " in fh.read():
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop(signal.SIGKILL)
        with open(log_path, errors="replace") as fh:
            raise RuntimeError("sendit serve did not start: " + fh.read()[-500:])

    def stop(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def storescu(files, port, log_path):
    env = dict(os.environ, TCP_NODELAY="1")
    log = open(log_path, "wb")
    proc = subprocess.Popen(["storescu", "-v", "-aet", "STORESCU", "-aec", "SENDIT",
                             "127.0.0.1", str(port)] + files,
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    LIVE.append(proc)
    return proc, log


def check(data, acked_paths, sources, by_path):
    """Checks the data folder after a trial. Returns a dict of counts and problems."""
    by_uid_src = sources
    idx = it.sendit_index(data)
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
            _, ds = it.dataset_bytes(found[0])
        except (OSError, ValueError) as e:
            problems.append(f"acknowledged {os.path.basename(path)}: {os.path.relpath(found[0], data)} unreadable: {e}")
            continue
        if ds != by_uid_src[uid][1]:
            problems.append(f"acknowledged {os.path.basename(path)}: {os.path.relpath(found[0], data)} has {len(ds)} data set "
                            f"bytes, the source {len(by_uid_src[uid][1])}, first difference at "
                            f"{it.first_diff(ds, by_uid_src[uid][1])}")
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
                _, ds = it.dataset_bytes(p)
                ok = src is not None and ds == src[1]
            except (OSError, ValueError):
                ok = False
            if ok and uid not in acked_uids:
                unacked += 1
            if not ok:
                incomplete += 1
                problems.append(f"{os.path.relpath(p, data)} is under its final name but incomplete "
                                f"or not a corpus instance ({os.path.getsize(p)} bytes)")
    incoming = os.path.join(data, ".incoming")
    parts = len([f for f in os.listdir(incoming) if f.endswith(".part")]) if os.path.isdir(incoming) else 0
    return {"present_complete": present_ok, "staged": staged, "incomplete": incomplete,
            "stored_unacknowledged": unacked,
            "parts": parts, "problems": problems}


def run_trial(n, args, files, sources, by_path, work, kill_at):
    tdir = os.path.join(work, f"trial{n:02d}")
    os.makedirs(tdir)
    data = os.path.join(tdir, "data")
    server = Sendit(args.sendit, data, os.path.join(tdir, "serve.log"))
    scu_log_path = os.path.join(tdir, "storescu.log")
    t0 = time.monotonic()
    proc, scu_log = storescu(files, server.port, scu_log_path)
    killed = False
    if kill_at is None:
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        elapsed = time.monotonic() - t0
        server.stop(signal.SIGTERM)
    else:
        remaining = kill_at - (time.monotonic() - t0)
        if remaining > 0:
            time.sleep(remaining)
        killed = proc.poll() is None   # else storescu had finished: the kill is after the send
        server.stop(signal.SIGKILL)
        elapsed = time.monotonic() - t0
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    scu_log.close()
    results = it.storescu_results([scu_log_path])
    acked = [f for f, (ok, _) in results.items() if ok]
    r = check(data, acked, sources, by_path)
    r.update(trial=n, kill_at=kill_at, killed_during_send=killed, elapsed=round(elapsed, 3),
             acked=len(acked), storescu_exit=proc.returncode)
    return r


def main():
    p = argparse.ArgumentParser(prog="conformance/kill-test", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trials", type=int, default=20, help="trials with a kill (default 20)")
    p.add_argument("--count", type=int, default=500, help="images in the corpus (default 500)")
    p.add_argument("--size", type=int, default=64, help="rows and columns (default 64)")
    p.add_argument("--min-kill", type=float, default=0.05, help="earliest kill, seconds (default 0.05)")
    p.add_argument("--seed", type=int, help="seed for the kill times (default: random, printed)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    p.add_argument("--json", help="write the trials as JSON to this file")
    p.add_argument("--sendit", required=True, help=argparse.SUPPRESS)
    p.add_argument("--repo", required=True, help=argparse.SUPPRESS)
    args = p.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.trials < 0:
        p.error("--trials must be >= 0")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    rng = random.Random(seed)

    files = ensure_corpus(args.repo, sys.executable, args.count, args.size)
    sources, by_path = load_sources(files)
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
        for proc in LIVE:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if args.keep or failed:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
