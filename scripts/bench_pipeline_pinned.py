#!/usr/bin/env python3
"""The pinned and sustained modes of scripts/bench-pipeline (read its header for what is measured).

  bench_pipeline_pinned.py run --sendit BIN --orthanc BIN --corpus DIR --work DIR [--runs N]
                               [--only limit,sendit,orthanc,dcmtk] [--studies M] [--series S]
                               [--senders K] [--associations A] [--sustained] [--markdown]

The destination is a fresh Orthanc per run, pinned to CPU 1 with taskset; this process, and so
every process it starts (sendit, storescu, storescp, dcmodify, Orthanc A), is pinned to CPU 0.
Every contender delivers into such a destination; `sendit send` straight into it is the limit,
and each contender's rate is given as a ratio to the limit's (medians).
"""
import argparse
import datetime
import os
import sqlite3
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_pipeline import (POLL, BenchError, Orthanc, Processes, corpus_files, cpu_seconds, fmt_rate,  # noqa: E402
                            guarded, loadavg, machine_lines, print_report, run_arguments, run_dcmtk, run_orthanc,
                            sendit_pipeline, take_turns, warm)

DESTINATION_CPU = 1
OTHERS_CPU = 0
# The default of --associations: sendit send's --associations for the limit and sendit serve's
# SEND_ASSOCIATIONS (its default), the same number of associations into the destination.
ASSOCIATIONS = 2
# sendit's stages, in order, as the index records them per image (see stage_times).
STAGES = ("received", "imported", "identified", "de-identified", "sent", "verified")


def destination(ctx, run_dir):
    """A fresh, empty Orthanc on CPU DESTINATION_CPU; its CPU time so far noted."""
    dest = Orthanc(ctx["procs"], ctx["orthanc"], os.path.join(run_dir, "destination"), "DEST",
                   cpus=str(DESTINATION_CPU))
    if os.sched_getaffinity(dest.process.pid) != {DESTINATION_CPU}:
        raise BenchError("the destination Orthanc is not pinned to CPU %d" % DESTINATION_CPU)
    dest.cpu_before = cpu_seconds(dest.process.pid)
    return dest


def wait_count(dest, n, timeout=60):
    """Polls the destination's /statistics until it counts n instances (not more, not fewer)."""
    deadline = time.monotonic() + timeout
    while (count := dest.count()) < n:
        if time.monotonic() > deadline:
            break
        time.sleep(POLL * 2)
    if count != n:
        raise BenchError("the destination holds %d instances, not %d" % (count, n))


def finish(dest, result):
    """The destination's CPU time during the run, then it is stopped."""
    result["dest_cpu"] = cpu_seconds(dest.process.pid) - dest.cpu_before
    dest.stop()
    return result


def run_limit(ctx, run_dir):
    """sendit send, ctx["associations"] at once, straight into the destination; timed from its start to
    its exit (every C-STORE answered), then the destination's count is checked."""
    files, n = ctx["files"], len(ctx["files"])
    dest = destination(ctx, run_dir)
    warm(files)
    t0 = time.perf_counter()
    ctx["procs"].run([ctx["sendit"], "send", "-q", "--aec", dest.aet, "--associations", str(ctx["associations"]),
                      "--timeout", "120", "127.0.0.1", str(dest.dicom_port), *files], "sendit send")
    elapsed = time.perf_counter() - t0
    wait_count(dest, n)
    return finish(dest, {"seconds": elapsed, "receive": None, "marks": {"sendit send exited": elapsed}, "cpu": None})


def run_sendit(ctx, run_dir):
    dest = destination(ctx, run_dir)
    r = sendit_pipeline(ctx, run_dir, True, dest=dest, groups=ctx["groups"],
                        extra_env={"SEND_ASSOCIATIONS": str(ctx["associations"])})
    wait_count(dest, len(ctx["files"]))
    r["stages"] = stage_times(r["database"], r["started"])
    return finish(dest, r)


def run_orthanc_alone(ctx, run_dir):
    dest = destination(ctx, run_dir)
    r = run_orthanc(ctx, run_dir, dest=dest, groups=ctx["groups"])
    r["cpu"] = r["cpu_a"]
    return finish(dest, r)


def run_dcmtk_chain(ctx, run_dir):
    dest = destination(ctx, run_dir)
    r = run_dcmtk(ctx, run_dir, dest=dest, groups=ctx["groups"])
    wait_count(dest, len(ctx["files"]))
    return finish(dest, r)


CONTENDERS = {
    "limit": ("sendit send (the limit)", run_limit,
              "sendit send --associations {associations} straight into the destination, timed to its exit"),
    "sendit": ("sendit end to end", run_sendit,
               "storescu -> sendit serve -> the destination (Basic Profile + default options, PHI gate, fsync, "
               "SQLite index, SEND_ASSOCIATIONS={associations}; timed until every image is stored at the "
               "destination and DONE, i.e. verified there through its REST API, minus STABLE_AGE 1 s)"),
    "orthanc": ("Orthanc alone", run_orthanc_alone,
                "storescu -> Orthanc A (CPU 0), /studies/{id}/anonymize, /modalities/b/store -> the destination "
                "(serial; timed until the store answered and the destination counts every instance)"),
    "dcmtk": ("dcmtk chain", run_dcmtk_chain,
              "storescu -> storescp, dcmodify 12 edits, storescu -> the destination (serial; timed until the "
              "last storescu exits and the destination counts every instance)"),
}


# ---------------------------------------------------------------------------------------------
# where sendit's time goes


def parse_time(text):
    """An index timestamp (GRDB: UTC, 'YYYY-MM-DD HH:MM:SS.SSS') as seconds since the epoch."""
    for form in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, form).replace(tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            pass
    raise BenchError("unexpected timestamp in the index: %r" % text)


def stage_times(db_path, started):
    """Per image, when it reached each of STAGES, in seconds from `started` (storescu's start,
    time.time()): received (its file's modification time: the C-STORE wrote it), imported
    (image.createdAt), identified (the first identify job of its series done after its import: job.updatedAt), de-identified
    (deidentified.createdAt), sent (delivery.sentAt) and verified (delivery.verifiedAt). Returns
    {stage: [seconds per image]} in image order, None where the index has no record."""
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        rows = db.execute("""
            SELECT image.path, image.createdAt,
                   (SELECT MIN(job.updatedAt) FROM job
                     WHERE job.seriesId = image.seriesId AND job.stage = 'identify' AND job.state = 'done'
                     AND job.updatedAt >= image.createdAt),
                   deidentified.createdAt, MIN(delivery.sentAt), MAX(delivery.verifiedAt)
            FROM image
            LEFT JOIN deidentified ON deidentified.imageId = image.id
            LEFT JOIN delivery ON delivery.imageId = image.id
            GROUP BY image.id ORDER BY image.id""").fetchall()
    finally:
        db.close()
    times = {stage: [] for stage in STAGES}
    for path, *stamps in rows:
        try:
            received = os.stat(path).st_mtime - started
        except OSError:
            received = None
        times["received"].append(received)
        for stage, stamp in zip(STAGES[1:], stamps):
            times[stage].append(parse_time(stamp) - started if stamp else None)
    return times


def stage_lines(runs):
    """For the median sendit run: per stage, when the first and last image reached it and the
    median wait of an image since the stage before (seconds)."""
    run = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    times = run["stages"]
    lines = []
    for i, stage in enumerate(STAGES):
        reached = [t for t in times[stage] if t is not None]
        if not reached:
            lines.append("%-14s no record in the index" % stage)
            continue
        line = "%-14s first %6.2f s, last %6.2f s" % (stage, min(reached), max(reached))
        if i > 0:
            waits = [b - a for a, b in zip(times[STAGES[i - 1]], times[stage]) if a is not None and b is not None]
            if waits:
                line += ", an image's wait since %s: median %.2f s, max %.2f s" % (
                    STAGES[i - 1], statistics.median(waits), max(waits))
        lines.append(line)
    missing = {stage: sum(t is None for t in times[stage]) for stage in STAGES}
    if any(missing.values()):
        lines.append("images without a record: " + ", ".join("%s %d" % kv for kv in missing.items() if kv[1]))
    return lines


# ---------------------------------------------------------------------------------------------
# running and reporting


def sender_groups(files, studies, series, senders):
    """The files cut among `senders` storescu processes by whole studies (study i to sender
    i mod senders), each sending its studies one after the other; the corpus holds its studies
    in file order, as bench_pipeline.py split writes them."""
    n = len(files)
    groups = [[] for _ in range(min(senders, studies))]
    for index, path in enumerate(files):
        study = (index * studies * series // n) // series
        groups[study % len(groups)].append(path)
    return groups


def main_run(args):
    if len(os.sched_getaffinity(0)) < 2 or not {OTHERS_CPU, DESTINATION_CPU} <= os.sched_getaffinity(0):
        raise BenchError("the pinned mode needs CPUs %d and %d (this process may use %s)"
                         % (OTHERS_CPU, DESTINATION_CPU, sorted(os.sched_getaffinity(0))))
    os.sched_setaffinity(0, {OTHERS_CPU})   # inherited by every process started from here on
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    for name in only:
        if name not in CONTENDERS:
            raise BenchError("unknown contender %r in --only (%s)" % (name, ", ".join(CONTENDERS)))
    if "limit" not in only:
        only.insert(0, "limit")   # the ratios need it
    files = corpus_files(args.corpus, args.work, args.runs * len(only))
    groups = sender_groups(files, args.studies, args.series, args.senders)
    ctx = {"procs": Processes(os.path.join(args.work, "pids")), "files": files, "sendit": args.sendit,
           "orthanc": args.orthanc, "notes": [], "sendit_log": [], "studies": args.studies, "groups": groups,
           "associations": args.associations}
    load_before = loadavg()
    results = take_turns(ctx, args.work, args.runs, only, CONTENDERS)
    report(args, ctx, results, len(files), groups, load_before, loadavg())


def report(args, ctx, results, n, groups, load_before, load_after):
    medians = {name: n / statistics.median(r["seconds"] for r in runs) for name, runs in results.items()}
    limit = medians["limit"]
    columns = ("contender", "images", "best s", "median s", "best img/s", "median img/s", "x limit",
               "receive img/s", "destination CPU ms/img", "sender CPU ms/img")
    rows = []
    for name, runs in results.items():
        seconds = [r["seconds"] for r in runs]
        receive = [r["receive"] for r in runs if r["receive"] is not None]
        cpu = [r["cpu"] for r in runs if r["cpu"] is not None]
        rows.append((CONTENDERS[name][0], str(n), "%.2f" % min(seconds), "%.2f" % statistics.median(seconds),
                     fmt_rate(n / min(seconds)), fmt_rate(medians[name]), "%.2f" % (medians[name] / limit),
                     fmt_rate(n / statistics.median(receive)) if receive else "-",
                     "%.2f" % (statistics.median(r["dest_cpu"] for r in runs) * 1000 / n),
                     "%.2f" % (statistics.median(cpu) * 1000 / n) if cpu else "-"))
    targets = []
    if "sendit" in medians:
        ratio = medians["sendit"] / limit
        targets.append(("sendit end to end / sendit send (median) >= 0.8x",
                        "%.2fx: %s" % (ratio, "met" if ratio >= 0.8 else "NOT met")))
    mode = "sustained" if args.sustained else "pinned"
    layout = "%d stud%s x %d series" % (args.studies, "y" if args.studies == 1 else "ies", args.series)
    size = sum(os.path.getsize(f) for f in ctx["files"]) / n
    title = ("Pipeline, %s: %s (%d CT images, 512x512, %.0f kB each, %s), %d storescu at once, destination "
             "Orthanc on CPU %d, everything else on CPU %d, %d run%s each"
             % (mode, os.path.basename(args.corpus.rstrip("/")), n, size / 1000, layout, len(groups), DESTINATION_CPU,
                OTHERS_CPU, args.runs, "" if args.runs == 1 else "s"))
    notes = ["%s: %s" % (CONTENDERS[name][0], CONTENDERS[name][2].replace("{associations}", str(args.associations)))
             for name in results]
    notes += [
        "every run: a fresh, empty destination Orthanc (TCP_NODELAY=1, SyncStorageArea true) pinned to CPU %d "
        "with taskset; the driver, and so sendit, storescu, storescp, dcmodify and Orthanc A, pinned to CPU %d "
        "(sendit's WORKERS=auto counts the cores its affinity allows: 1)"
        % (DESTINATION_CPU, OTHERS_CPU),
        "end to end: from the first sender's start to the last image at the destination (sendit: by its own "
        "records, every image stored there (SENT) and verified (DONE), the verification's time minus STABLE_AGE "
        "1 s, the wait for the last study to be quiet, but never before the last image was stored; the others: "
        "the destination's /statistics CountInstances, checked for sendit too); x limit: median img/s over the limit's",
        "%d storescu process%s (TCP_NODELAY=1) at once, each sending whole studies in order (study i to "
        "sender i mod %d); the dcmtk chain sends its modified files back out by as many at once (so into the "
        "destination over %d association%s at once; sendit send over %d; sendit serve over up to SEND_WORKERS "
        "(2) x %d)" % (len(groups), "" if len(groups) == 1 else "es", len(groups), len(groups),
                       "" if len(groups) == 1 else "s", args.associations, args.associations),
        "destination CPU: the destination Orthanc's user + system time during the run; sender CPU: sendit "
        "serve's (from storescu's start to the last DONE) or Orthanc A's (start-up included)",
    ]
    if "sendit" in results:
        notes.append("sendit's stages, median run (seconds from storescu's start, stable age not subtracted):")
        notes += ["  " + line for line in stage_lines(results["sendit"])]
        notes.append("sendit serve logged %d line(s) at warning or above%s" % (
            len(ctx["sendit_log"]), (": " + " | ".join(ctx["sendit_log"][:3])) if ctx["sendit_log"] else ""))
    notes += ctx["notes"]
    machine = machine_lines(args.orthanc, args.sendit, args.work, load_before, load_after)
    print_report(args.markdown, title, columns, rows, targets, [], notes, machine)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run")
    run_arguments(p, ",".join(CONTENDERS))
    p.add_argument("--senders", type=int, default=1)
    p.add_argument("--associations", type=int, default=ASSOCIATIONS)
    p.add_argument("--sustained", action="store_true")
    args = parser.parse_args()
    return guarded(main_run, args)


if __name__ == "__main__":
    sys.exit(main())
