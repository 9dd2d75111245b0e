#!/usr/bin/env python3
"""Helper of scripts/bench-retrieve (read its header for what is measured and how).

  bench_retrieve.py --sendit BIN --orthanc BIN --work DIR --studies N --images M --size S [--markdown]
"""
import argparse
import datetime
import os
import platform
import sqlite3
import subprocess
import sys
import time
import types

import pydicom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conformance"))
from bench_pipeline import (DCMTK_ENV, BenchError, Orthanc, Processes, Storescp, finish_storescu, http,  # noqa: E402
                            loadavg, output, storescu, wait_listening)
from harness.corpora import ct_series  # noqa: E402
from harness.ports import free_port  # noqa: E402

ARCHIVE_CORE, RETRIEVER_CORE = "1", "0"
# sendit is measured with its default (each pushed instance synced; its own retrieval's synced
# per study) and with FSYNC=false (nothing synced), in one run.
FSYNC_VALUES = ("true", "false")
FSYNC_LABEL = {"true": "FSYNC=true (default)", "false": "FSYNC=false"}
STAGING = "sendit retrieve into staging, %s"
END_TO_END = "sendit end to end (de-identified, delivered, verified), %s"


def pin(pid, core):
    subprocess.run(["taskset", "-a", "-cp", core, str(pid)], capture_output=True, check=True)


def corpus(args):
    """[(accession, files)]: one generated study per seed, kept in benchmarks/corpus; and
    {accession: Study Instance UID}."""
    out, uids = [], {}
    for n in range(args.studies):
        files = ct_series(args.images, args.size, seed=5000 + n)
        ds = pydicom.dcmread(files[0], stop_before_pixels=True)
        out.append((str(ds.AccessionNumber), files))
        uids[str(ds.AccessionNumber)] = str(ds.StudyInstanceUID)
    return out, uids


def fill(procs, pacs, studies, work):
    files = [f for _, fs in studies for f in fs]
    finish_storescu(storescu(procs, pacs.aet, pacs.dicom_port, files, os.path.join(work, "fill.log")), "filling the PACS", len(files))
    if pacs.count() != len(files):
        raise BenchError("the PACS holds %d of %d instances" % (pacs.count(), len(files)))


def movescu(procs, pacs, studies, dest_aet):
    """dcmtk movescu, one C-MOVE per accession (STUDY level), in turn; the seconds taken."""
    start = time.perf_counter()
    for accession, _ in studies:
        procs.run(["taskset", "-c", RETRIEVER_CORE, "movescu", "-S", "-aet", "SENDIT", "-aec", pacs.aet, "-aem", dest_aet,
                   "-k", "QueryRetrieveLevel=STUDY", "-k", "AccessionNumber=" + accession, "127.0.0.1", str(pacs.dicom_port)],
                  "movescu", env=DCMTK_ENV)
    return time.perf_counter() - start


def orthanc_move(orthanc_b, studies, uids):
    """Orthanc B's REST /modalities/pacs/move per study (synchronous), in turn. Orthanc 1.10 takes
    a study by its Study Instance UID only (an AccessionNumber is a Bad Request): no C-FIND."""
    start = time.perf_counter()
    for accession, _ in studies:
        http("POST", orthanc_b.url + "/modalities/pacs/move",
             {"Level": "Study", "Resources": [{"StudyInstanceUID": uids[accession]}], "TargetAet": orthanc_b.aet})
    return time.perf_counter() - start


def sendit_node(procs, args, work, name, port, pacs, extra, receive_only):
    root = os.path.join(work, name)
    os.makedirs(root)
    env = dict(os.environ, DATA_FOLDER=root + "/data", DATABASE=root + "/sendit.db", QUARANTINE_FOLDER=root + "/var/quarantine",
               OUTBOX_FOLDER=root + "/var/outbox", SECRETS_FILE=root + "/var/secrets", DICOM_PORT=str(port),
               DICOM_BIND_ADDRESS="127.0.0.1", DICOM_AE_TITLE="SENDIT", SEND_TO_ORTHANC="false", HTTP_ENABLED="false",
               LOG_LEVEL="warning", STABLE_AGE="1", RESCAN_INTERVAL="1", RETENTION="never",
               RETRIEVE_SOURCES="pacs=%s@127.0.0.1:%d" % (pacs.aet, pacs.dicom_port), RETRIEVE_TIMEOUT="600")
    env.update(extra)
    log = os.path.join(root, "serve.log")
    with open(log, "w") as f:
        p = procs.start(["taskset", "-c", RETRIEVER_CORE, args.sendit, "serve"] + (["--receive-only"] if receive_only else []),
                        env=env, stdout=f, stderr=f)
    wait_listening(p, port, "sendit serve", log)
    return types.SimpleNamespace(process=p, env=env, db=root + "/sendit.db", root=root, log=log)


def sendit_retrieve(procs, args, node, studies, done_sql, total):
    listing = os.path.join(node.root, "list.csv")
    with open(listing, "w") as f:
        f.write("accession\n" + "".join(a + "\n" for a, _ in studies))
    start = time.perf_counter()
    procs.run([args.sendit, "retrieve", "--from", "pacs", "--accessions", listing], "sendit retrieve", env=node.env)
    deadline = time.monotonic() + 3600
    while True:
        with sqlite3.connect("file:%s?mode=ro" % node.db, uri=True) as db:
            n = db.execute(done_sql).fetchone()[0] or 0
        if n >= total:
            return time.perf_counter() - start
        if node.process.poll() is not None or time.monotonic() > deadline:
            raise BenchError("sendit did not finish (%d of %d); see %s" % (n, total, node.log))
        time.sleep(0.05)


def main():
    p = argparse.ArgumentParser()
    for o in ("--sendit", "--orthanc", "--work"):
        p.add_argument(o, required=True)
    p.add_argument("--studies", type=int, default=50)
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--runs", type=int, default=1)
    args = p.parse_args()
    studies, uids = corpus(args)
    total = args.studies * args.images
    procs = Processes(os.path.join(args.work, "pids"))
    load_before = loadavg()
    rows = []
    try:
        port = free_port()   # the PACS's move destination "SENDIT": each receiver in turn
        dest = types.SimpleNamespace(aet="SENDIT", dicom_port=port)
        pacs = Orthanc(procs, args.orthanc, os.path.join(args.work, "pacs"), "PACS", modalities={"sendit": dest})
        pin(pacs.process.pid, ARCHIVE_CORE)
        fill(procs, pacs, studies, args.work)

        # movescu and sendit into staging take turns, --runs times; each contender starts with
        # nothing left for the kernel to write back (a sync first), so none pays for another's
        # writes. The medians are reported.
        timed = {}
        for run in range(args.runs):
            scp = Storescp(procs, os.path.join(args.work, "storescp-%d" % run), "SENDIT")
            procs.kill(scp.process)
            with open(scp.log, "a") as log:   # on the destination's port, pinned to the retriever's core
                scp.process = procs.start(["taskset", "-c", RETRIEVER_CORE, "storescp", "-aet", "SENDIT", "-od", scp.folder, str(port)],
                                          env=DCMTK_ENV, stdout=log, stderr=log)
            wait_listening(scp.process, port, "storescp", scp.log)
            os.sync()
            seconds = movescu(procs, pacs, studies, "SENDIT")
            if scp.count() != total:
                raise BenchError("storescp holds %d of %d" % (scp.count(), total))
            procs.kill(scp.process)
            timed.setdefault("movescu -> storescp", []).append(seconds)
            print("bench-retrieve: run %d: movescu -> storescp %.2f s" % (run + 1, seconds), file=sys.stderr)
            for fsync in FSYNC_VALUES:
                node = sendit_node(procs, args, args.work, "sendit-staging-fsync-%s-%d" % (fsync, run), port, pacs, {"FSYNC": fsync},
                                   receive_only=True)
                os.sync()
                seconds = sendit_retrieve(procs, args, node, studies, "SELECT SUM(completed) FROM retrievalStudy", total)
                procs.kill(node.process)
                timed.setdefault(STAGING % FSYNC_LABEL[fsync], []).append(seconds)
                print("bench-retrieve: run %d: sendit into staging, FSYNC=%s %.2f s" % (run + 1, fsync, seconds), file=sys.stderr)
        for name, values in timed.items():
            rows.append((name, sorted(values)[len(values) // 2]))

        pacs_peer = types.SimpleNamespace(aet="PACS", dicom_port=pacs.dicom_port)
        b = Orthanc(procs, args.orthanc, os.path.join(args.work, "orthanc-b"), "SENDIT", modalities={"pacs": pacs_peer})
        procs.kill(b.process)   # again on the destination's port
        b.dicom_port = port
        import json
        with open(b.config) as f:
            config = json.load(f)
        config["DicomPort"] = port
        with open(b.config, "w") as f:
            json.dump(config, f)
        with open(b.log, "a") as log:
            b.process = procs.start(["taskset", "-c", RETRIEVER_CORE, args.orthanc, b.config], env=DCMTK_ENV, stdout=log, stderr=log,
                                    start_new_session=True)
        wait_listening(b.process, port, "Orthanc B", b.log)
        time.sleep(1)
        os.sync()
        seconds = orthanc_move(b, studies, uids)
        if b.count() != total:
            raise BenchError("Orthanc B holds %d of %d" % (b.count(), total))
        procs.kill(b.process)
        rows.append(("Orthanc B /modalities/pacs/move (by Study UID)", seconds))
        print("bench-retrieve: Orthanc move %.2f s" % seconds, file=sys.stderr)

        for fsync in FSYNC_VALUES:
            target = Orthanc(procs, args.orthanc, os.path.join(args.work, "target-fsync-" + fsync), "TARGET")
            pin(target.process.pid, ARCHIVE_CORE)
            node = sendit_node(procs, args, args.work, "sendit-e2e-fsync-" + fsync, port, pacs,
                               {"FSYNC": fsync, "SEND_TO_ORTHANC": "true", "ORTHANC_PORT": str(target.dicom_port),
                                "ORTHANC_AE_TITLE": "TARGET", "ORTHANC_URL": target.url}, receive_only=False)
            os.sync()
            seconds = sendit_retrieve(procs, args, node, studies, "SELECT COUNT(*) FROM image WHERE status = 'DONE'", total)
            procs.kill(node.process)
            procs.kill(target.process)
            rows.append((END_TO_END % FSYNC_LABEL[fsync], seconds))
            print("bench-retrieve: sendit end to end, FSYNC=%s %.2f s" % (fsync, seconds), file=sys.stderr)
    finally:
        procs.kill_all()
    load_after = loadavg()
    by = dict(rows)
    cpu = output(["sh", "-c", "lscpu | grep 'Model name' | sed 's/.*: *//'"]).strip()
    commit = output(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "describe", "--always", "--dirty"]).strip()
    print("bench-retrieve: %d studies x %d images (%dx%d CT), median of %d runs of movescu and sendit into staging, %s UTC, %s (git %s), %s, nproc %s; load %s before, %s after"
          % (args.studies, args.images, args.size, args.size, args.runs, datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
             args.sendit, commit, cpu or platform.processor(), os.cpu_count(), load_before, load_after))
    ratios = []
    for fsync in FSYNC_VALUES:
        r = by["movescu -> storescp"] / by[STAGING % FSYNC_LABEL[fsync]]
        ratios.append(("sendit into staging (FSYNC=%s) / movescu -> storescp%s" % (fsync, " (target >= 1x)" if fsync == "true" else ""),
                       "%.2fx%s" % (r, (" met" if r >= 1 else " NOT met") if fsync == "true" else "")))
    for fsync in FSYNC_VALUES:
        ratios.append(("sendit into staging (FSYNC=%s) / Orthanc's move" % fsync,
                       "%.2fx" % (by["Orthanc B /modalities/pacs/move (by Study UID)"] / by[STAGING % FSYNC_LABEL[fsync]])))
    if args.markdown:
        # Ready to paste into benchmarks/README.md (section bench-retrieve).
        print("\n| retrieval | seconds | images/s |\n|---|---:|---:|")
        for name, s in rows:
            print("| %s | %.2f | %.0f |" % (name.replace(" -> ", " → "), s, total / s))
        for name, r in ratios:
            name = name.replace(" -> ", " → ").replace(" / ", " ÷ ").replace(">=", "≥").replace("x)", "×)")
            r = r.replace("x", "×")
            print(("| **%s** | **%s** | |" if "target" in name else "| %s | %s | |") % (name, r))
    else:
        for name, s in rows:
            print("%-64s %8.2f s %8.0f images/s" % (name, s, total / s))
        for name, r in ratios:
            print("%s: %s" % (name, r))


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        sys.exit("bench-retrieve: %s" % e)
