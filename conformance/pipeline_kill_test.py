#!/usr/bin/env python3
"""The crash test of the intake (run conformance/pipeline-kill-test; it picks Python and sendit).

The promise: after a kill -9 at any moment and a restart, every image the sender was told is
stored is in the index exactly once, no job is lost, no row is duplicated, nothing of the
corpus is quarantined, and `sendit status` agrees with the files on disk.

Each trial starts a fresh `sendit serve` (FSYNC=true, STABLE_AGE=0.5, WORKERS=2) on a fresh
data folder and index, and sends a corpus of three studies (one series each) with dcmtk's
`storescu -v` in one association. sendit is killed with SIGKILL at a moment of one of four
kinds, in turn:
  receive  a random time while storescu sends;
  rename   as soon as a staging folder has been renamed to its finished name (the data folder
           is polled), before its import can commit;
  import   a random time within the control trial's import duration after that rename;
  jobs     a random time within the control trial's span of jobs (its first "job done" log
           line to its last) after the first "job done" line, while the workers run.
With IMPORT_BEFORE_QUIET on (the default) the images are indexed, and their jobs run, while
they arrive, so "receive" kills land amid imports and jobs too, and "rename" kills between a
staging folder's rename, its record in the index and the import that releases its images.
What the index held at the kill is recorded (proof of where the kill landed). sendit is then
restarted on the same folder and index; the instances storescu did not see acknowledged are
sent again (a real sender retries those); when the node has settled (all images
DONEPROCESSING, no job queued or running, no staging folder left) it is stopped and checked:
  - the index holds exactly the corpus: one Image row per instance, three Study and Series
    rows, each image inserted once (one "NEW" event from nothing), all DONEPROCESSING;
  - every row's file exists and its data set is byte-identical to the source;
  - every job is done (none queued, running or failed) and every series has one done;
  - no quarantine row or file; no .tmp folder and no .part file left;
  - every .dcm file in the data folder is a corpus instance with a row (copies that a lost
    response made the sender send twice are counted);
  - `sendit status --json` reports the same counts.
Trial 0 is a control without a kill; its timings set the kill windows.
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import children, corpora, runs  # noqa: E402
from harness.dcmtk import acknowledged, storescu  # noqa: E402
from harness.part10 import dataset_bytes, first_diff  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.staging import part_files  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

KINDS = ["receive", "rename", "import", "jobs"]
# IMPORT_BATCH=50: each study's import is four transactions, so a kill can land between them.
# SEND_TO_ORTHANC=false: the pipeline ends at DONEPROCESSING here (delivery-test kills sendit
# while it sends), and nothing goes to whatever listens on the default 127.0.0.1:4747.
SETTINGS = dict(FSYNC="true", STABLE_AGE="0.5", RESCAN_INTERVAL="1", WORKERS="2", IMPORT_BATCH="50", SEND_TO_ORTHANC="false")
PER_STUDY = 200   # set from --count
JUNK = 2   # files in the hand-dropped folder that must be quarantined, once each


def is_finished(name):
    """FolderContract.isFinished."""
    if not name or name.startswith("."):
        return False
    return "." not in name or not name.rsplit(".", 1)[1].lower().startswith("tmp")


def folders(data):
    """The finished study folders (the junk folder aside) and the staging folders."""
    names = os.listdir(data) if os.path.isdir(data) else []
    finished = [n for n in names if is_finished(n) and n != "junk" and os.path.isdir(os.path.join(data, n))]
    staging = [n for n in names if not n.startswith(".") and ".tmp" in n]
    return finished, staging


def query(db, sql):
    if not os.path.exists(db):
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []   # no tables yet
    finally:
        con.close()


def snapshot(db, data):
    finished, staging = folders(data)
    return {
        "images": dict(query(db, "SELECT status, COUNT(*) FROM image GROUP BY status")),
        "jobs": dict(query(db, "SELECT state, COUNT(*) FROM job GROUP BY state")),
        # Images indexed while their study arrived, not yet released by their folder's import.
        "staged": (query(db, "SELECT COUNT(*) FROM image WHERE staged = 1") or [(0,)])[0][0],
        "imported_folders": (query(db, "SELECT COUNT(*) FROM importedFolder WHERE path NOT LIKE '%/junk'") or [(0,)])[0][0],
        "quarantine_rows": (query(db, "SELECT COUNT(*) FROM quarantine") or [(0,)])[0][0],
        "finished_folders": len(finished), "staging_folders": len(staging),
        "partial_import": partial_import(db),
    }


def partial_import(db):
    """True if a study's folder had some of its images in the index but was not yet marked
    imported, and fewer than all of them: the kill fell between the batches of its import."""
    unmarked = {}
    for (path,) in query(db, """SELECT i.path FROM image AS i WHERE NOT EXISTS
                                (SELECT 1 FROM importedFolder AS f WHERE i.path LIKE f.path || '/%')"""):
        folder = os.path.dirname(path)
        unmarked[folder] = unmarked.get(folder, 0) + 1
    return any(n % int(SETTINGS["IMPORT_BATCH"]) == 0 and n < PER_STUDY for n in unmarked.values())


def log_times(path):
    """[(seconds since epoch, message)] of sendit's logfmt lines."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            parts = line.split(" ", 2)
            if len(parts) < 3:
                continue
            try:
                t = datetime.strptime(parts[0], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
            except ValueError:
                continue
            out.append((t, parts[2]))
    return out


def job_done(path):
    """True once the log shows a job done (with IMPORT_BEFORE_QUIET, while images still arrive)."""
    with open(path, "rb") as f:
        return any(b'"job done"' in line for line in f)


def settled(db, data, total):
    s = snapshot(db, data)
    return (s["images"] == {"DONEPROCESSING": total} and not s["staged"] and not s["jobs"].get("queued")
            and not s["jobs"].get("running")
            and s["staging_folders"] == 0)


def drop_junk(data, sample):
    """A folder dropped by the rename contract holding JUNK files that are not importable: a
    text file and a truncated copy of a corpus instance."""
    temporary = os.path.join(data, "junk.tmp")
    os.makedirs(temporary)
    with open(os.path.join(temporary, "notes.txt"), "w") as f:
        f.write("not DICOM\n")
    with open(sample, "rb") as f:
        raw = f.read()
    with open(os.path.join(temporary, "cut.dcm"), "wb") as f:
        f.write(raw[: len(raw) // 2])
    past = time.time() - 3600
    for name in os.listdir(temporary):
        os.utime(os.path.join(temporary, name), (past, past))
    os.utime(temporary, (past, past))
    os.rename(temporary, os.path.join(data, "junk"))


def run_trial(n, kind, args, files, sources, by_path, work, window, rng):
    with Sendit(args.sendit, os.path.join(work, f"trial{n:02d}-{kind}"), **SETTINGS) as server:
        server.start()
        data, db, log = server.data, server.database, server.log_path
        scu_log = os.path.join(server.root, "storescu-1.log")
        t0 = time.monotonic()
        with storescu(server.port, files, scu_log) as scu:
            drop_junk(data, files[0])
            delay, trigger_seen = None, True
            if kind == "receive":
                delay = round(rng.uniform(0.05, window["send"]), 3)
                time.sleep(delay)
            elif kind in ("rename", "import"):
                trigger_seen = wait_for(lambda: folders(data)[0], 60, 0.0005)
                if kind == "import":
                    delay = round(rng.uniform(0, window["import"]), 3)
                    time.sleep(delay)
            elif kind == "jobs":
                trigger_seen = wait_for(lambda: job_done(log), 60, 0.001)
                delay = round(rng.uniform(0, window["jobs"]), 3)
                time.sleep(delay)
            at_kill = time.monotonic() - t0
            server.kill()
            scu.end(60)
        state = snapshot(db, data)
        acked = set(acknowledged(scu_log))

        # Restart; send what was not acknowledged, as a sender retrying would.
        server.start()
        rest = [f for f in files if f not in acked]
        resent_ok = 0
        if rest:
            scu_log2 = os.path.join(server.root, "storescu-2.log")
            with storescu(server.port, rest, scu_log2) as scu:
                scu.end(120)
            resent_ok = len(acknowledged(scu_log2))
        did_settle = wait_for(lambda: settled(db, data, len(files)), 60, 0.05)
        status = server.run("status", "--json", "--limit", "0")
    problems = check(db, data, server.quarantine, files, sources, by_path, acked, status)
    if not trigger_seen:
        problems.append(f"the {kind} moment was never seen")
    if len(acked) + resent_ok != len(files):
        problems.append(f"{len(acked)} acknowledged before the kill + {resent_ok} after != {len(files)}")
    if not did_settle:
        problems.append(f"did not settle within 60 s: {snapshot(db, data)}")
    return {"trial": n, "kind": kind, "total": len(files), "delay": delay, "kill_at": round(at_kill, 3), "acked_before_kill": len(acked),
            "resent": len(rest), "at_kill": state, "problems": problems}


def check(db, data, qfolder, files, sources, by_path, acked, status):
    problems = []
    total = len(files)
    rows = query(db, "SELECT sopInstanceUID, path, status FROM image")
    by_uid = {}
    for uid, path, st in rows:
        by_uid.setdefault(uid, []).append((path, st))
    corpus = set(sources)
    if len(rows) != total or set(by_uid) != corpus:
        problems.append(f"{len(rows)} image rows for {len(by_uid)} UIDs; the corpus has {total}; "
                        f"missing {len(corpus - set(by_uid))}, unknown {len(set(by_uid) - corpus)}")
    for path in acked:
        if by_path[path] not in by_uid:
            problems.append(f"acknowledged {os.path.basename(path)} ({by_path[path]}) has no row")
    for uid, entries in by_uid.items():
        if len(entries) != 1:
            problems.append(f"{uid}: {len(entries)} rows")
            continue
        path, st = entries[0]
        if st != "DONEPROCESSING":
            problems.append(f"{uid}: status {st}")
        try:
            _, ds = dataset_bytes(path)
        except (OSError, ValueError) as e:
            problems.append(f"{uid}: its file {path} cannot be read: {e}")
            continue
        if uid in sources and ds != sources[uid][1]:
            problems.append(f"{uid}: {path} differs from its source at {first_diff(ds, sources[uid][1])}")
    inserted = dict(query(db, "SELECT entityId, COUNT(*) FROM event WHERE entity = 'image' AND fromStatus IS NULL GROUP BY entityId"))
    if len(inserted) != len(rows) or any(c != 1 for c in inserted.values()):
        problems.append(f"insert events: {len(inserted)} images, {sum(1 for c in inserted.values() if c != 1)} inserted more than once")
    for table, expected in (("study", 3), ("series", 3)):
        got = query(db, f"SELECT COUNT(*) FROM {table}")[0][0]
        if got != expected:
            problems.append(f"{got} {table} rows, expected {expected}")
    jobs = dict(query(db, "SELECT state, COUNT(*) FROM job GROUP BY state"))
    if set(jobs) - {"done"}:
        problems.append(f"jobs not done: {jobs}")
    undone = query(db, "SELECT COUNT(*) FROM series WHERE id NOT IN (SELECT seriesId FROM job WHERE state = 'done')")[0][0]
    if undone:
        problems.append(f"{undone} series without a done job")
    quarantine = query(db, "SELECT fileName, movedTo, moved FROM quarantine")
    qfiles = sorted(os.listdir(qfolder)) if os.path.isdir(qfolder) else []
    if sorted(q[0] for q in quarantine) != ["cut.dcm", "notes.txt"] or not all(q[2] for q in quarantine) \
            or sorted(os.path.basename(q[1]) for q in quarantine) != qfiles:
        problems.append(f"quarantine: rows {quarantine}, files {qfiles}; expected the {JUNK} junk files once each, moved")
    junk_left = os.listdir(os.path.join(data, "junk")) if os.path.isdir(os.path.join(data, "junk")) else ["(folder missing)"]
    if junk_left:
        problems.append(f"left in the junk folder: {junk_left}")
    finished, staging = folders(data)
    if staging:
        problems.append(f"staging folders left: {staging}")
    parts = part_files(data)
    if parts:
        problems.append(f"{len(parts)} .part files left")
    on_disk = 0
    for name in finished:
        for root, _, names in os.walk(os.path.join(data, name)):
            for f in names:
                on_disk += 1
                # A copy sent again while its study arrived lies beside the first (.resent-<hex>).
                uid = f[:-len(".dcm")].split(".resent-")[0] if f.endswith(".dcm") else None
                if uid not in by_uid:
                    problems.append(f"{os.path.join(root, f)} on disk has no row")
    try:
        s = json.loads(status.stdout)
        if s["images"] != total or s["imagesByStatus"] != {"DONEPROCESSING": total} or s["studies"] != 3 \
                or s["series"] != 3 or set(s["jobsByState"]) - {"done"} or s["quarantined"] != JUNK:
            problems.append(f"sendit status disagrees: {s['images']} images {s['imagesByStatus']}, jobs {s['jobsByState']}")
    except (ValueError, KeyError) as e:
        problems.append(f"sendit status --json failed ({status.returncode}): {e}: {status.stderr[-300:]}")
    check.copies = on_disk - total
    return problems


def control_windows(log):
    """Windows from the control trial's log: one import's duration (its "seconds" field, the
    longest of the three) and the time from the first import to the first job done."""
    lines = log_times(log)
    # With IMPORT_BEFORE_QUIET (the default) the images are indexed as they land, and a finished
    # folder's import adds none (it releases them): every folder import counts.
    studies = [(t, m) for t, m in lines if '"folder imported"' in m]
    imports = [float(m.split("seconds=")[1].split()[0]) for _, m in studies]
    jobs = [t for t, m in lines if '"job done"' in m]
    return {"import": max(max(imports), 0.005), "jobs": max(jobs[-1] - jobs[0], 0.005)}


def main():
    p = runs.parser("conformance/pipeline-kill-test", __doc__)
    p.add_argument("--trials", type=int, default=20, help="trials of each kind (default 20)")
    p.add_argument("--count", type=int, default=200, help="images per study (default 200; three studies)")
    p.add_argument("--size", type=int, default=64, help="rows and columns (default 64)")
    runs.add_common_options(p, "the kill times", "the trials")
    args = p.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    global PER_STUDY
    PER_STUDY = args.count
    seed = runs.seed(args)
    rng = random.Random(seed)
    files = [f for seed in (1, 2, 3) for f in corpora.ct_series(args.count, args.size, seed)]
    sources, by_path = corpora.load_sources(files)
    work = tempfile.mkdtemp(prefix="sendit-pipeline-kill-test.")
    print(f"pipeline-kill-test: sendit {args.sendit}, 3 studies of {args.count} images, "
          f"{args.trials} trials of each kind ({', '.join(KINDS)}), seed {seed}")
    rows, failed = [], False
    try:
        # Control: no kill. It sets the windows.
        with Sendit(args.sendit, os.path.join(work, "control"), **SETTINGS) as server:
            server.start()
            t0 = time.monotonic()
            with storescu(server.port, files, os.path.join(server.root, "storescu-1.log")) as scu:
                scu.end(120)
            send = time.monotonic() - t0
            ok = wait_for(lambda: settled(server.database, server.data, len(files)), 60, 0.05)
        if not ok:
            print(f"control: did not settle: {snapshot(server.database, server.data)}")
            failed = True
            return 1
        window = dict(control_windows(server.log_path), send=send)
        print(f"control (no kill): send {window['send']:.3f} s, longest import {window['import']:.3f} s, "
              f"first to last job done {window['jobs']:.3f} s")
        n = 0
        for _ in range(args.trials):
            for kind in KINDS:
                n += 1
                r = run_trial(n, kind, args, files, sources, by_path, work, window, rng)
                r["copies_on_disk"] = check.copies
                rows.append(r)
                bad = bool(r["problems"])
                failed |= bad
                k = r["at_kill"]
                print(f"trial {n:2d} {kind:7s} kill at {r['kill_at']:6.3f} s: {r['acked_before_kill']:3d} acknowledged, "
                      f"at the kill {k['staging_folders']} staging/{k['finished_folders']} finished folders, "
                      f"{k['imported_folders']} imported, images {k['images'] or '{}'}, jobs {k['jobs'] or '{}'}; "
                      f"{r['resent']} re-sent, {r['copies_on_disk']} duplicate copies  {'FAIL' if bad else 'ok'}")
                for prob in r["problems"][:5]:
                    print(f"    {prob}")
        summarize(rows, failed)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"seed": seed, "window": window, "trials": rows, "ok": not failed}, f, indent=1)
        return 1 if failed else 0
    finally:
        runs.finish_work(work, args.keep or failed)


def summarize(rows, failed):
    """Where the kills landed, by kind, judged from the index at the kill."""
    for kind in KINDS:
        rs = [r for r in rows if r["kind"] == kind]
        during_send = sum(1 for r in rs if r["acked_before_kill"] < r["total"])
        before_import = sum(1 for r in rs if r["at_kill"]["finished_folders"] and not r["at_kill"]["images"])
        mid_import = sum(1 for r in rs if r["at_kill"]["partial_import"])
        jobs_open = sum(1 for r in rs if r["at_kill"]["jobs"].get("queued") or r["at_kill"]["jobs"].get("running"))
        running = sum(1 for r in rs if r["at_kill"]["jobs"].get("running"))
        bad = sum(1 for r in rs if r["problems"])
        print(f"summary {kind:7s}: {len(rs)} trials; at the kill: {during_send} mid-send, {before_import} finished "
              f"folder not yet imported, {mid_import} between the batches of an import, {jobs_open} with jobs open "
              f"({running} running); {bad} failed")
    print(f"summary: {len(rows)} trials, {sum(r['acked_before_kill'] for r in rows)} instances acknowledged before "
          f"a kill, all checked after restart -> {'FAIL' if failed else 'ok'}")


if __name__ == "__main__":
    with children.session():
        sys.exit(main())
