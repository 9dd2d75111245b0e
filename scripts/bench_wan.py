#!/usr/bin/env python3
"""The wide-area benchmark (run scripts/bench-wan; see its header for what is measured).

Each contender sends the same corpus to a fresh destination through scripts/delay-proxy
(--delay-ms each way, no bandwidth cap), timed from its start to the last response (sendit
send and storescu: their exit; Orthanc: the synchronous /modalities/{id}/store answering),
then the destination's count is checked.
"""
import argparse
import collections
import datetime
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "conformance"))
from bench_pipeline import BenchError, Orthanc, Processes, finish_storescu, http, storescu, warm  # noqa: E402
from harness.wan import DelayProxy, WindowAcceptor  # noqa: E402

Modality = collections.namedtuple("Modality", "aet dicom_port")
# Enough DICOM threads for several associations at once (Orthanc's default is 4).
ORTHANC_DESTINATION = {"DicomThreadsCount": 16}


def sendit_send(ctx, port, aec, *options):
    t0 = time.perf_counter()
    r = subprocess.run([ctx["sendit"], "send", "-q", "--aec", aec, "--timeout", "120", *options, "127.0.0.1", str(port),
                        *ctx["files"]], capture_output=True, text=True)
    took = time.perf_counter() - t0
    if r.returncode != 0:
        raise BenchError("sendit send %s exited %d: %s" % (" ".join(options), r.returncode, r.stderr[-1500:]))
    return took, r.stdout.strip().splitlines()[-1]


def destination(ctx, name):
    return Orthanc(ctx["procs"], ctx["orthanc"], os.path.join(ctx["work"], name), "DEST", extra=ORTHANC_DESTINATION)


def check(dest, n, what):
    deadline = time.monotonic() + 30
    while dest.count() < n and time.monotonic() < deadline:
        time.sleep(0.1)
    if dest.count() != n:
        raise BenchError("%s: the destination holds %d instances, not %d" % (what, dest.count(), n))


def run_sendit(ctx, associations, window, delay=True):
    """sendit send through the proxy (or, delay False, straight to the destination)."""
    dest = destination(ctx, "sendit-%d-%d-%s" % (associations, window, delay))
    with DelayProxy(dest.dicom_port, ctx["delay"] if delay else 0) as proxy:
        port = proxy.port if delay else dest.dicom_port
        took, summary = sendit_send(ctx, port, dest.aet, "--associations", str(associations), "--window", str(window))
    check(dest, len(ctx["files"]), "sendit send")
    dest.stop()
    return took, summary


def run_sendit_window(ctx, associations, window):
    acc = WindowAcceptor(os.path.join(ctx["work"], "window-acceptor"), window=window)
    with acc, DelayProxy(acc.port, ctx["delay"]) as proxy:
        took, summary = sendit_send(ctx, proxy.port, "WINDOW", "--associations", str(associations), "--window", str(window))
        if len(acc.stored()) != len(ctx["files"]):
            raise BenchError("window acceptor holds %d instances, not %d" % (len(acc.stored()), len(ctx["files"])))
        most = max(e["outstanding"] for e in acc.events("received"))
    return took, "%s; at most %d outstanding" % (summary, most)


def run_storescu(ctx):
    dest = destination(ctx, "storescu")
    with DelayProxy(dest.dicom_port, ctx["delay"]) as proxy:
        t0 = time.perf_counter()
        finish_storescu(storescu(ctx["procs"], dest.aet, proxy.port, ctx["files"], os.path.join(ctx["work"], "storescu.log")),
                        "storescu", len(ctx["files"]))
        took = time.perf_counter() - t0
    check(dest, len(ctx["files"]), "storescu")
    dest.stop()
    return took, "storescu (dcmtk), one association"


def run_orthanc_store(ctx):
    b = destination(ctx, "orthanc-b")
    with DelayProxy(b.dicom_port, ctx["delay"]) as proxy:
        a = Orthanc(ctx["procs"], ctx["orthanc"], os.path.join(ctx["work"], "orthanc-a"), "ORTHANCA",
                    modalities={"b": Modality(b.aet, proxy.port)}, extra=ORTHANC_DESTINATION)
        # A receives the corpus on loopback first (not timed); then A stores it to B through the proxy.
        finish_storescu(storescu(ctx["procs"], a.aet, a.dicom_port, ctx["files"], os.path.join(ctx["work"], "storescu-a.log")),
                        "storescu -> Orthanc A", len(ctx["files"]))
        studies = http("GET", a.url + "/studies")
        t0 = time.perf_counter()
        http("POST", a.url + "/modalities/b/store", {"Resources": studies, "Synchronous": True}, timeout=3600)
        took = time.perf_counter() - t0
    check(b, len(ctx["files"]), "Orthanc's store")
    a.stop()
    b.stop()
    return took, "Orthanc A POST /modalities/b/store (synchronous)"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sendit", required=True)
    p.add_argument("--orthanc", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--delay-ms", type=float, default=25)
    p.add_argument("--associations", type=int, default=8)
    p.add_argument("--window", type=int, default=8)
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args()
    files = sorted(os.path.join(args.corpus, f) for f in os.listdir(args.corpus) if f.endswith(".dcm"))
    n = len(files)
    procs = Processes(os.path.join(args.work, "pids"))
    ctx = {"procs": procs, "files": files, "sendit": args.sendit, "orthanc": args.orthanc, "work": args.work,
           "delay": args.delay_ms}
    warm(files)
    rows = []
    try:
        contenders = [
            ("sendit send, %d associations, window %d -> Orthanc" % (args.associations, args.window),
             lambda: run_sendit(ctx, args.associations, args.window)),
            ("sendit send, %d associations, window %d -> window acceptor (accepts %d)" % (args.associations, args.window, args.window),
             lambda: run_sendit_window(ctx, args.associations, args.window)),
            ("sendit send, 1 association, window 1 -> Orthanc (information)", lambda: run_sendit(ctx, 1, 1)),
            ("sendit send, %d associations, no proxy -> Orthanc (information: the destination's own limit here)"
             % args.associations, lambda: run_sendit(ctx, args.associations, args.window, delay=False)),
            ("storescu -> Orthanc", lambda: run_storescu(ctx)),
            ("Orthanc /modalities/{id}/store -> Orthanc", lambda: run_orthanc_store(ctx)),
        ]
        for name, run in contenders:
            print("bench-wan: %s ..." % name, file=sys.stderr, flush=True)
            took, note = run()
            rows.append((name, took, n / took, note))
            print("bench-wan: %s: %.1f s, %.1f images/s (%s)" % (name, took, n / took, note), file=sys.stderr, flush=True)
    finally:
        procs.kill_all()
    rate = {name: r for name, _, r, _ in rows}
    sendit = rows[0][2]
    ratios = [("sendit / storescu >= 8x", sendit / rate["storescu -> Orthanc"]),
              ("sendit / Orthanc's store >= 4x", sendit / rate["Orthanc /modalities/{id}/store -> Orthanc"])]
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    machine = "%s, %d cores, %s" % (platform.machine(), os.cpu_count(), platform.platform())
    print("\nbench-wan: %d CT images (%s) through scripts/delay-proxy, %g ms each way (%g ms RTT); %s; %s"
          % (n, os.path.basename(args.corpus), args.delay_ms, 2 * args.delay_ms, machine, when))
    if args.markdown:
        print("\n| contender | seconds | images/s | note |\n|---|---:|---:|---|")
        for name, took, r, note in rows:
            print("| %s | %.1f | %.1f | %s |" % (name, took, r, note))
        print("| TLS: not yet (sendit send and storescu +tls rows come with DICOM TLS) | | | |")
        print("\n| target | ratio |\n|---|---:|")
        for label, r in ratios:
            print("| %s | %.1fx %s |" % (label, r, "met" if r >= float(label.split(">=")[1].strip("x ")) else "NOT met"))
    else:
        for name, took, r, note in rows:
            print("  %-75s %7.1f s %8.1f images/s  %s" % (name, took, r, note))
        print("  TLS: not yet (sendit send and storescu +tls rows come with DICOM TLS)")
        for label, r in ratios:
            print("  %-40s %.1fx %s" % (label, r, "met" if r >= float(label.split(">=")[1].strip("x ")) else "NOT met"))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench-wan: %s" % e, file=sys.stderr)
        sys.exit(1)
