#!/usr/bin/env python3
"""Helper of scripts/bench-pipeline (read its header for what is measured and how).

  bench_pipeline.py split BASE OUT STUDIES SERIES
      Copies the single-series corpus BASE into OUT (written as a hidden folder, renamed when
      complete), cut in file order into STUDIES studies of SERIES series each: new Study and
      Series Instance UIDs, SeriesNumber, InstanceNumber within the series, and per study an
      AccessionNumber and StudyID. File names keep the order, so sending them sorted sends
      study after study and series after series.
  bench_pipeline.py run --sendit BIN --orthanc BIN --corpus DIR --work DIR [--runs N]
                        [--only sendit,orthanc,dcmtk] [--studies M] [--series S] [--markdown]
      Runs the benchmark and prints the results.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

# conformance/harness: the conformance tests' helpers (free ports, dcmtk's storescu and its log).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conformance"))
from harness import dcmtk  # noqa: E402
from harness.ports import free_port  # noqa: E402

STABLE_AGE = 1.0
POLL = 0.02
DCMTK_ENV = dict(os.environ, TCP_NODELAY="1")
# dcmodify's 12 edits: the list of scripts/bench-deid.
EDITS = ["PatientName=ANONYMOUS", "PatientID=ANON001", "PatientBirthDate=19000101", "AccessionNumber=ACC0001",
         "ReferringPhysicianName=", "InstitutionName=", "StudyDate=19000101", "SeriesDate=19000101",
         "AcquisitionDate=19000101", "ContentDate=19000101", "StudyID=1", "OperatorsName="]


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# split


def derived_uid(*parts):
    text = ":".join(str(p) for p in parts)
    return "2.25." + str(int(hashlib.sha256(text.encode()).hexdigest()[:32], 16))


def split(base, out, studies, series):
    import pydicom
    files = sorted(f for f in os.listdir(base) if f.endswith(".dcm"))
    count = len(files)
    groups = studies * series
    parent = os.path.dirname(os.path.abspath(out))
    partial = os.path.join(parent, "." + os.path.basename(out) + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    first_in_group = {}
    for index, name in enumerate(files):
        group = index * groups // count
        first_in_group.setdefault(group, index)
        study, serie = divmod(group, series)
        ds = pydicom.dcmread(os.path.join(base, name))
        original_study = ds.StudyInstanceUID
        ds.StudyInstanceUID = derived_uid(original_study, "study", study)
        ds.SeriesInstanceUID = derived_uid(original_study, "study", study, "series", serie)
        ds.SeriesNumber = serie + 1
        ds.InstanceNumber = index - first_in_group[group] + 1
        ds.AccessionNumber = "A%08d" % (int(hashlib.sha256(ds.StudyInstanceUID.encode()).hexdigest()[:8], 16) % 10**8)
        ds.StudyID = str(study + 1)
        ds.save_as(os.path.join(partial, name), enforce_file_format=True)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(partial, out)
    print(out)


# ---------------------------------------------------------------------------------------------
# processes


class Processes:
    """Every process started, by PID; all are SIGKILLed at exit. The PIDs also go to a file
    that the shell wrapper reads if this process dies first."""

    def __init__(self, pid_file):
        self.pid_file = pid_file
        self.live = []

    def start(self, cmd, **kwargs):
        return self.adopt(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, **kwargs))

    def adopt(self, p):
        """A process started elsewhere (a harness Child's Popen), killed at exit as the others."""
        self.live.append(p)
        with open(self.pid_file, "a") as f:
            f.write("%d\n" % p.pid)
        return p

    def run(self, cmd, what, **kwargs):
        """Runs cmd to its end; fails on a non-zero exit status."""
        p = self.start(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
        out, err = p.communicate()
        if p.returncode != 0:
            raise BenchError("%s exited %d:\n%s%s" % (what, p.returncode, out.decode()[-1500:], err.decode()[-1500:]))
        return out.decode(), err.decode()

    def kill(self, p):
        if p.poll() is None:
            p.kill()
            p.wait()

    def kill_all(self):
        """Kills and reaps every process started; then the PID file goes (the wrapper kills
        the PIDs it lists only if this process could not get here)."""
        for p in self.live:
            try:
                self.kill(p)
            except Exception:
                pass
        try:
            os.remove(self.pid_file)
        except OSError:
            pass


def listening(port):
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def tail(path, chars=3000):
    try:
        return open(path, errors="replace").read()[-chars:]
    except OSError:
        return "(no log)"


def wait_listening(process, port, what, log, timeout=30):
    deadline = time.monotonic() + timeout
    while not listening(port):
        if process.poll() is not None:
            raise BenchError("%s exited during start-up (%s):\n%s" % (what, process.returncode, tail(log)))
        if time.monotonic() > deadline:
            raise BenchError("%s did not listen on port %d within %d s:\n%s" % (what, port, timeout, tail(log)))
        time.sleep(0.01)


def cpu_seconds(pid):
    try:
        fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def http(method, url, body=None, timeout=600):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        raise BenchError("%s %s: HTTP %d: %s" % (method, url, e.code, e.read().decode(errors="replace")[:1500]))


class Orthanc:
    """A throw-away Orthanc from a configuration written here (the approach of
    conformance/orthanc: storage and index in its folder, REST on 127.0.0.1 without
    authentication, any calling AE may store), run with TCP_NODELAY=1 as dcmtk is. Orthanc's
    defaults otherwise (SyncStorageArea true, its SQLite index)."""

    def __init__(self, procs, binary, folder, aet, modalities=None, extra=None, cpus=None):
        self.procs = procs
        self.folder = folder
        self.aet = aet
        self.dicom_port, self.http_port = free_port(), free_port()   # never the same port twice
        self.url = "http://127.0.0.1:%d" % self.http_port
        os.makedirs(folder)
        config = {
            "Name": "bench-pipeline-" + aet,
            "StorageDirectory": os.path.join(folder, "storage"),
            "IndexDirectory": os.path.join(folder, "index"),
            "TemporaryDirectory": os.path.join(folder, "tmp"),
            "Plugins": [],
            "HttpServerEnabled": True,
            "HttpPort": self.http_port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "RegisteredUsers": {},
            "WebDavEnabled": False,
            "DicomServerEnabled": True,
            "DicomAet": aet,
            "DicomPort": self.dicom_port,
            "DicomCheckCalledAet": True,
            "DicomAlwaysAllowEcho": True,
            "DicomAlwaysAllowStore": True,
            "DicomCheckModalityHost": False,
            "SaveJobs": False,
            "DeidentifyLogs": False,
            "DicomModalities": {name: {"AET": m.aet, "Host": "127.0.0.1", "Port": m.dicom_port}
                                for name, m in (modalities or {}).items()},
        }
        config.update(extra or {})   # more settings (bench-wan: DicomThreadsCount)
        self.config = os.path.join(folder, "orthanc.json")
        with open(self.config, "w") as f:
            json.dump(config, f, indent=2)
        self.log = os.path.join(folder, "orthanc.log")
        with open(self.log, "w") as log:
            # TCP_NODELAY=1: Orthanc's DICOM code is dcmtk's, which without it stalls ~40 ms per
            # message (Nagle and delayed ACKs): 100 images from storescu took 5 s instead of 0.5 s.
            # cpus (e.g. "1"): pinned there with taskset, which execs Orthanc (the same PID).
            pin = ["taskset", "-c", cpus] if cpus else []
            self.process = procs.start(pin + [binary, self.config], env=DCMTK_ENV, stdout=log, stderr=log,
                                       start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                system = http("GET", self.url + "/system", timeout=2)
                if system.get("DicomAet") == aet and system.get("DicomPort") == self.dicom_port:
                    break
            except (OSError, BenchError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BenchError("Orthanc %s did not start:\n%s" % (aet, tail(self.log)))
            time.sleep(0.1)
        wait_listening(self.process, self.dicom_port, "Orthanc " + aet, self.log)

    def count(self):
        return http("GET", self.url + "/statistics", timeout=30)["CountInstances"]

    def stop(self):
        self.procs.kill(self.process)


# ---------------------------------------------------------------------------------------------
# the three pipelines


def storescu(procs, aec, port, files, log_path):
    """The harness's storescu (-v, TCP_NODELAY=1) sending files to aec at 127.0.0.1:port in one
    association, its output in log_path; killed at exit with every other process."""
    child = dcmtk.storescu(port, files, log_path, aec=aec)
    procs.adopt(child.proc)
    return child


def storescu_problem(child, n):
    """None if the storescu ended with status 0, every one of the n files acknowledged and no
    warning or error logged; else what went wrong, with the log's tail."""
    stored = len(dcmtk.acknowledged(child.log_path))
    complaints = [line for line in open(child.log_path, errors="replace") if line.startswith(("W:", "E:", "F:"))]
    if child.returncode == 0 and stored == n and not complaints:
        return None
    return "exited %s, %d of %d files acknowledged:\n%s" % (child.returncode, stored, n, tail(child.log_path))


def finish_storescu(child, what, n):
    child.finish(None)
    problem = storescu_problem(child, n)
    if problem:
        raise BenchError("%s %s" % (what, problem))


def store_all(procs, aec, port, groups, log_prefix, what):
    """One storescu per group of files, all started at once (log_prefix.log, or with several
    groups log_prefix-1.log, ...); returns when every one ended, each checked."""
    suffixes = [""] if len(groups) == 1 else ["-%d" % (i + 1) for i in range(len(groups))]
    children = [storescu(procs, aec, port, group, log_prefix + suffix + ".log")
                for group, suffix in zip(groups, suffixes)]
    for child, group in zip(children, groups):
        finish_storescu(child, what, len(group))


class Waiter(threading.Thread):
    """Waits for a storescu (a harness Child) in the background and notes when it ended
    (perf_counter)."""

    def __init__(self, child):
        super().__init__(daemon=True)
        self.child = child
        self.ended = None
        self.start()

    def run(self):
        self.child.finish(None)
        self.ended = time.perf_counter()


class Storescp:
    """dcmtk storescp into a folder (no fsync, no database)."""

    def __init__(self, procs, folder, aet, fork=False):
        self.procs = procs
        self.folder = folder
        self.aet = aet
        os.makedirs(folder)
        self.dicom_port = free_port()
        self.log = folder + ".log"
        # fork: a child process per association, so several storescu can send at once (without
        # it storescp serves one association after the other).
        with open(self.log, "w") as log:
            self.process = procs.start(["storescp", "-aet", aet, "-od", folder] + (["--fork"] if fork else [])
                                       + [str(self.dicom_port)], env=DCMTK_ENV, stdout=log, stderr=log)
        wait_listening(self.process, self.dicom_port, "storescp " + aet, self.log)

    def count(self):
        return len(os.listdir(self.folder))

    def stop(self):
        self.procs.kill(self.process)


def run_sendit(ctx, run_dir):
    return sendit_pipeline(ctx, run_dir, to_orthanc=True)


def run_sendit_storescp(ctx, run_dir):
    return sendit_pipeline(ctx, run_dir, to_orthanc=False)


def sendit_pipeline(ctx, run_dir, to_orthanc, dest=None, groups=None, extra_env=None):
    """storescu -> sendit serve -> dest (made and stopped here unless given: an Orthanc, or with
    to_orthanc False a storescp). groups: the files split among storescu processes started at
    once (default: one storescu sending every file). extra_env: more settings for sendit serve."""
    procs, files, n = ctx["procs"], ctx["files"], len(ctx["files"])
    own_dest = dest is None
    if dest is None and to_orthanc:
        dest = Orthanc(procs, ctx["orthanc"], os.path.join(run_dir, "destination"), "DEST")
    elif dest is None:
        dest = Storescp(procs, os.path.join(run_dir, "destination"), "DEST")
    groups = groups or [files]
    node = os.path.join(run_dir, "node")
    os.makedirs(node)
    port = free_port()
    env = dict(os.environ,
               DATA_FOLDER=os.path.join(node, "data"),
               DATABASE=os.path.join(node, "sendit.db"),
               QUARANTINE_FOLDER=os.path.join(node, "var", "quarantine"),
               DICOM_PORT=str(port), DICOM_BIND_ADDRESS="127.0.0.1", DICOM_AE_TITLE="SENDIT",
               STABLE_AGE="%g" % STABLE_AGE, RESCAN_INTERVAL="1",
               ORTHANC_IPADDRESS="127.0.0.1", ORTHANC_PORT=str(dest.dicom_port), ORTHANC_AE_TITLE=dest.aet,
               FSYNC="true", RETENTION="never", LOG_LEVEL="warning", HTTP_PORT="0")
    if to_orthanc:
        env.update(ORTHANC_URL=dest.url, ORTHANC_VERIFY="rest")
    else:
        env.update(ORTHANC_VERIFY="none")
    env.update(extra_env or {})
    log_path = os.path.join(node, "serve.log")
    log = open(log_path, "w")
    server = procs.start([ctx["sendit"], "serve"], env=env, stdout=log, stderr=log)
    wait_listening(server, port, "sendit serve", log_path)
    cpu_before = cpu_seconds(server.pid)
    db_path = env["DATABASE"]
    db = None
    marks = {}
    limit = 60 + n * 0.5
    warm(files)

    wall0, t0 = time.time(), time.perf_counter()
    senders = [Waiter(storescu(procs, "SENDIT", port, group,
                               os.path.join(node, "storescu.log" if len(groups) == 1 else "storescu-%d.log" % (i + 1))))
               for i, group in enumerate(groups)]
    counts = {}
    while True:
        now = time.perf_counter()
        if db is None and os.path.exists(db_path):
            db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=1)
        if db is not None:
            try:
                counts = dict(db.execute("SELECT status, COUNT(*) FROM image GROUP BY status").fetchall())
            except sqlite3.OperationalError:
                pass
        total = sum(counts.values())
        deid = sum(counts.get(s, 0) for s in ("DONEPROCESSING", "SENT", "DONE"))
        sent = counts.get("SENT", 0) + counts.get("DONE", 0)
        done = counts.get("DONE", 0)
        for name, reached in (("imported", total >= n), ("de-identified", deid >= n), ("sent", sent >= n),
                              ("first DONE", done > 0), ("DONE", done >= n)):
            if reached and name not in marks:
                marks[name] = now - t0
        if "DONE" in marks:
            break
        bad = {s: c for s, c in counts.items() if s in ("FAILED", "HELD", "QUARANTINED")}
        if bad or any(s.ended and s.child.returncode != 0 for s in senders):
            break
        if now - t0 > limit:
            break
        time.sleep(POLL)
    cpu = cpu_seconds(server.pid) - cpu_before
    for sender, group in zip(senders, groups):
        sender.join()
        problem = storescu_problem(sender.child, len(group))
        if problem:
            raise BenchError("storescu -> sendit %s" % problem)
    if db is not None:
        db.close()
    if "DONE" not in marks:
        status, _ = procs.run([ctx["sendit"], "status"], "sendit status", env=env)
        raise BenchError("sendit did not get all %d images to DONE within %.0f s (counts %s)\n%s\nserve log:\n%s"
                         % (n, limit, counts, status, tail(log_path)))
    # Every image stored at the destination (SENT or DONE), or verified there minus the stable
    # age, whichever came later: with IMPORT_BEFORE_QUIET the images are sent while the study is
    # still arriving, before the stable age ends, and only the verification waits for it.
    # With IMPORT_BEFORE_QUIET=false nothing is sent before the stable age: DONE minus it.
    if env.get("IMPORT_BEFORE_QUIET", "true").lower() in ("false", "no", "off", "0"):
        elapsed = marks["DONE"] - STABLE_AGE
    else:
        elapsed = max(marks["sent"], marks["DONE"] - STABLE_AGE)
    at_destination = dest.count()
    if at_destination != n:
        raise BenchError("the destination (%s) holds %d instances, not %d" % (type(dest).__name__, at_destination, n))
    status, _ = procs.run([ctx["sendit"], "status", "--json"], "sendit status --json", env=env)
    by_status = json.loads(status)["imagesByStatus"]
    if by_status != {"DONE": n}:
        raise BenchError("sendit status --json: imagesByStatus %s, expected {\"DONE\": %d}" % (by_status, n))
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        procs.kill(server)
        ctx["notes"].append("sendit serve did not stop within 20 s of SIGTERM (killed)")
    log.close()
    if own_dest:
        dest.stop()
    ctx["sendit_log"].extend(line for line in open(log_path).read().splitlines() if line.strip())
    marks["receive ended"] = max(s.ended for s in senders) - t0
    return {"seconds": elapsed, "receive": marks["receive ended"], "marks": marks, "cpu": cpu,
            "database": db_path, "started": wall0}


def run_orthanc(ctx, run_dir, dest=None, groups=None):
    """storescu -> Orthanc A, anonymize, store -> Orthanc B (made and stopped here unless dest
    is given). groups: the files split among storescu processes started at once."""
    procs, files, n = ctx["procs"], ctx["files"], len(ctx["files"])
    b = dest or Orthanc(procs, ctx["orthanc"], os.path.join(run_dir, "orthanc-b"), "ORTHANCB")
    a = Orthanc(procs, ctx["orthanc"], os.path.join(run_dir, "orthanc-a"), "ORTHANCA", modalities={"b": b})
    warm(files)
    marks = {}
    t0 = time.perf_counter()
    store_all(procs, a.aet, a.dicom_port, groups or [files], os.path.join(run_dir, "storescu-a"),
              "storescu -> Orthanc A")
    marks["receive ended"] = time.perf_counter() - t0
    studies = http("GET", a.url + "/studies")
    anonymized = []
    for study in studies:
        answer = http("POST", a.url + "/studies/%s/anonymize" % study, {"Synchronous": True})
        anonymized.append(answer["ID"])
    marks["anonymized"] = time.perf_counter() - t0
    http("POST", a.url + "/modalities/b/store", {"Resources": anonymized, "Synchronous": True})
    marks["store answered"] = time.perf_counter() - t0
    deadline = time.monotonic() + 60
    while b.count() < n:
        if time.monotonic() > deadline:
            raise BenchError("Orthanc B holds %d instances, not %d, 60 s after the store" % (b.count(), n))
        time.sleep(POLL)
    elapsed = time.perf_counter() - t0
    if b.count() != n:
        raise BenchError("Orthanc B holds %d instances, not %d" % (b.count(), n))
    cpu_a = cpu_seconds(a.process.pid)
    cpu = cpu_a + cpu_seconds(b.process.pid)
    a.stop()
    if dest is None:
        b.stop()
    if len(studies) != ctx["studies"]:
        ctx["notes"].append("Orthanc A held %d studies, %d expected" % (len(studies), ctx["studies"]))
    return {"seconds": elapsed, "receive": marks["receive ended"], "marks": marks, "cpu": cpu, "cpu_a": cpu_a}


def run_dcmtk(ctx, run_dir, dest=None, groups=None):
    """storescu -> storescp, dcmodify, storescu -> a final storescp (made and stopped here unless
    dest is given). groups: the files split among storescu processes started at once (storescp
    then forks a child per association); the modified files go out by as many at once."""
    procs, files, n = ctx["procs"], ctx["files"], len(ctx["files"])
    groups = groups or [files]
    first = Storescp(procs, os.path.join(run_dir, "dcmtk-in"), "RECEIVE", fork=len(groups) > 1)
    final = dest or Storescp(procs, os.path.join(run_dir, "dcmtk-out"), "FINAL")
    warm(files)
    marks = {}
    t0 = time.perf_counter()
    store_all(procs, first.aet, first.dicom_port, groups, os.path.join(run_dir, "storescu-in"), "storescu -> storescp")
    marks["receive ended"] = time.perf_counter() - t0
    received = sorted(os.path.join(first.folder, f) for f in os.listdir(first.folder))
    if len(received) != n:
        raise BenchError("the first storescp wrote %d files, not %d" % (len(received), n))
    args = ["dcmodify", "-nb", "-q"]
    for e in EDITS:
        args += ["-m", e]
    procs.run(args + received, "dcmodify")
    marks["modified"] = time.perf_counter() - t0
    outgoing = [received[i::len(groups)] for i in range(len(groups))]
    store_all(procs, final.aet, final.dicom_port, outgoing, os.path.join(run_dir, "storescu-out"),
              "storescu -> final receiver")
    elapsed = time.perf_counter() - t0
    first.stop()
    stored = final.count()
    if dest is None:
        final.stop()
    if stored != n:
        raise BenchError("the final receiver holds %d files, not %d" % (stored, n))
    return {"seconds": elapsed, "receive": marks["receive ended"], "marks": marks, "cpu": None}


# ---------------------------------------------------------------------------------------------
# running and reporting


def warm(files):
    for f in files:
        with open(f, "rb") as stream:
            while stream.read(1 << 20):
                pass


def settle(run_dir):
    """After a run: written back (so the next run pays no writeback of this one) and dropped
    from the page cache (so it pays no reclaim). Kept on disk until the end: see bench-receive
    on ext4's slow file creation after deletions."""
    os.sync()
    for dirpath, _, filenames in os.walk(run_dir):
        for name in filenames:
            try:
                fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            except OSError:
                continue
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)


def output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout
    except OSError:
        return ""


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


PIPELINES = {
    "sendit": ("sendit", run_sendit,
               "storescu -> sendit serve -> Orthanc (Basic Profile + default options, PHI gate, fsync, SQLite index; "
               "verified via REST, minus STABLE_AGE 1 s, but not before every image was stored)"),
    "sendit-storescp": ("sendit -> storescp", run_sendit_storescp,
                        "information: the same, into a storescp (the dcmtk chain's final receiver) with "
                        "ORTHANC_VERIFY=none: no destination database, an image is DONE when storescp answers"),
    "orthanc": ("Orthanc only", run_orthanc,
                "storescu -> Orthanc A, /studies/{id}/anonymize, /modalities/b/store -> Orthanc B (serial)"),
    "dcmtk": ("dcmtk chain", run_dcmtk,
              "storescu -> storescp, dcmodify 12 edits, storescu -> storescp (serial; no fsync, no database)"),
}


def main_run(args):
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    for name in only:
        if name not in PIPELINES:
            raise BenchError("unknown pipeline %r in --only (%s)" % (name, ", ".join(PIPELINES)))
    files = corpus_files(args.corpus, args.work, args.runs * len(only))
    n = len(files)
    size = sum(os.path.getsize(f) for f in files)
    ctx = {"procs": Processes(os.path.join(args.work, "pids")), "files": files, "sendit": args.sendit,
           "orthanc": args.orthanc, "notes": [], "sendit_log": [], "studies": args.studies}
    load_before = loadavg()
    results = take_turns(ctx, args.work, args.runs, only, PIPELINES)
    load_after = loadavg()
    report(args, ctx, results, n, size, load_before, load_after)


def corpus_files(corpus, work, runs):
    """The corpus's files, sorted; fails unless work has room for `runs` runs (every pipeline's
    copies, about 3.2 times the corpus each) and 1 GB more."""
    files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".dcm"))
    need = sum(os.path.getsize(f) for f in files) * 3.2 * runs + (1 << 30)
    if shutil.disk_usage(work).free < need:
        raise BenchError("about %.1f GB free needed under %s, %.1f GB there"
                         % (need / 1e9, work, shutil.disk_usage(work).free / 1e9))
    return files


def take_turns(ctx, work, runs, only, table):
    """Runs each pipeline named in `only` (table: name -> (title, function, description)) `runs`
    times, taking turns, each in a fresh folder under work; prints each run's time. Returns
    {name: [result of each run]}. Every process started is killed at the end, however it ends."""
    n = len(ctx["files"])
    results = {name: [] for name in only}
    try:
        for run in range(runs):
            for name in only:
                run_dir = os.path.join(work, "run%d-%s" % (run + 1, name))
                os.makedirs(run_dir)
                print("bench-pipeline: run %d of %d: %s" % (run + 1, runs, table[name][0]), file=sys.stderr)
                r = table[name][1](ctx, run_dir)
                print("bench-pipeline:   %.2f s, %.0f images/s (%s)" % (
                    r["seconds"], n / r["seconds"],
                    ", ".join("%s %.2f s" % (k, v) for k, v in sorted(r["marks"].items(), key=lambda kv: kv[1]))),
                    file=sys.stderr)
                results[name].append(r)
                settle(run_dir)
    finally:
        ctx["procs"].kill_all()
    return results


def fmt_rate(x):
    return "{:,.0f}".format(x)


def machine_lines(orthanc, sendit, work, load_before, load_after):
    """The machine and the software measured: (name, value) pairs for the report."""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor() or "unknown")
    commit = output(["git", "rev-parse", "--short", "HEAD"]).strip()
    if output(["git", "status", "--porcelain", "--", "Sources", "Package.swift"]):
        commit += " with uncommitted changes in Sources/ or Package.swift"
    orthanc_version = output([orthanc, "--version"]).splitlines()
    machine = [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("cpu", "%s, nproc %s" % (cpu, output(["nproc", "--all"]).strip())),
        ("memory", "%.0f GiB" % (os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)),
        ("load", "load average %s before, %s after (1, 5, 15 min)" % (load_before, load_after)),
        ("os", "%s %s" % (platform.system(), platform.release())),
        ("disk", " ".join(output(["findmnt", "-n", "-o", "SOURCE,FSTYPE", "-T", work]).split()) or "unknown"),
        ("orthanc", orthanc_version[0].split("/")[-1] if orthanc_version else "unknown"),
        ("dcmtk", output(["storescp", "--version"]).splitlines()[0].strip("$ ").split(": ", 1)[-1]),
        ("sendit", "%s (commit %s of the tree)" % (sendit, commit) if os.environ.get("SENDIT_BIN") else "commit %s, %s" % (commit, sendit)),
    ]
    return machine


def report(args, ctx, results, n, size, load_before, load_after):
    corpus_name = os.path.basename(args.corpus.rstrip("/"))
    layout = "%d stud%s x %d series" % (args.studies, "y" if args.studies == 1 else "ies", args.series)
    rows = []
    medians = {}
    for name, runs in results.items():
        seconds = [r["seconds"] for r in runs]
        receive = [r["receive"] for r in runs]
        med = statistics.median(seconds)
        medians[name] = n / med
        cpu = [r["cpu"] for r in runs if r["cpu"] is not None]
        rows.append((PIPELINES[name][0], str(n), "%.2f" % min(seconds), "%.2f" % med,
                     fmt_rate(n / min(seconds)), fmt_rate(n / med), fmt_rate(n / statistics.median(receive)),
                     "%.2f" % (statistics.median(cpu) * 1000 / n) if cpu else "-"))
    columns = ("pipeline", "images", "best s", "median s", "best img/s", "median img/s", "receive img/s",
               "server CPU ms/img")

    ratios, targets = [], []
    if "sendit" in medians and "orthanc" in medians:
        r = medians["sendit"] / medians["orthanc"]
        targets.append(("sendit / Orthanc only (median) >= 4x", "%.2fx: %s" % (r, "met" if r >= 4 else "NOT met")))
    if "sendit" in medians and "dcmtk" in medians:
        r = medians["sendit"] / medians["dcmtk"]
        targets.append(("sendit / dcmtk chain (median) >= 1x", "%.2fx: %s" % (r, "met" if r >= 1 else "NOT met")))
    if not targets:
        targets.append(("targets", "not judged: they need the sendit, orthanc and dcmtk pipelines"))
    if "sendit-storescp" in medians and "dcmtk" in medians:
        ratios.append(("information: sendit -> storescp / dcmtk chain (median)",
                       "%.2fx" % (medians["sendit-storescp"] / medians["dcmtk"])))
    if "orthanc" in medians and "dcmtk" in medians:
        ratios.append(("information: dcmtk chain / Orthanc only (median)", "%.2fx" % (medians["dcmtk"] / medians["orthanc"])))
    if "orthanc" in results:
        ingest = n / statistics.median(r["receive"] for r in results["orthanc"])
        line = "%s img/s" % fmt_rate(ingest)
        if "sendit" in medians:
            line += "; sendit end to end / that: %.2fx" % (medians["sendit"] / ingest)
        ratios.append(("information: Orthanc's own ingest (storescu -> Orthanc A, median)", line))

    timelines = []
    for name, runs in results.items():
        median_run = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        marks = sorted(median_run["marks"].items(), key=lambda kv: kv[1])
        timelines.append((PIPELINES[name][0], ", ".join("%s %.2f s" % (k, v) for k, v in marks)))

    notes = ["%s: %s" % (PIPELINES[name][0], PIPELINES[name][2]) for name in results]
    notes += [
        "end to end: from storescu's start (first image sent) until the destination holds every image "
        "(sendit: every image DONE in its index, i.e. stored and verified at the destination Orthanc; "
        "Orthanc only: Orthanc B's CountInstances; dcmtk: the second storescu's last response), "
        "sendit's the later of every image stored there and every image verified minus its STABLE_AGE of 1 s; "
        "receive img/s: storescu's duration alone",
        "one storescu association (TCP_NODELAY=1) sends the corpus files in order; every run starts fresh "
        "servers on fresh folders; the pipelines take turns; after each run: sync and the written files "
        "dropped from the page cache",
        "sendit: FSYNC=true, RETENTION=never, WORKERS and SEND_WORKERS at their defaults; server CPU: "
        "user + system of sendit serve from storescu's start to the last DONE (the destination Orthanc "
        "not counted); Orthanc only: of A and B together, start-up included",
        "timeline (median run, seconds from storescu's start; sendit's not minus the stable age)",
    ] + ["  %s: %s" % t for t in timelines] + ctx["notes"]
    if not any(name.startswith("sendit") for name in results):
        pass
    elif ctx["sendit_log"]:
        notes.append("sendit serve logged %d line(s) at warning or above; the first: %s"
                     % (len(ctx["sendit_log"]), " | ".join(ctx["sendit_log"][:3])))
    else:
        notes.append("sendit serve logged nothing at warning or above")

    machine = machine_lines(args.orthanc, args.sendit, args.work, load_before, load_after)
    title = ("Pipeline end to end: %s (%d CT images, 512x512, %.0f kB each, %s), %d run%s each"
             % (corpus_name, n, size / n / 1000, layout, args.runs, "" if args.runs == 1 else "s"))
    print_report(args.markdown, title, columns, rows, targets, ratios, notes, machine)


def print_report(markdown, title, columns, rows, targets, ratios, notes, machine):
    """The report: a table (columns, rows), targets (in bold in markdown) and other ratios as
    (name, value), notes (a note starting with two spaces is a sub-item) and the machine."""
    if markdown:
        print("### " + title + "\n")
        print("| " + " | ".join(columns) + " |")
        print("| --- | " + " | ".join("---:" for _ in columns[1:]) + " |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print("\nTargets and ratios:\n")
        for name, value in targets:
            print("- %s: **%s**" % (name, value))
        for name, value in ratios:
            print("- %s: %s" % (name, value))
        print("\nNotes:\n")
        for note in notes:
            print(("  - " + note[2:]) if note.startswith("  ") else "- " + note)
        print("\nMachine:\n")
        for name, value in machine:
            print("- %s: %s" % (name, value))
    else:
        print(title + "\n")
        widths = [max(len(r[i]) for r in rows + [columns]) for i in range(len(columns))]
        for row in [columns] + rows:
            print("  ".join([row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]))
        print("\ntargets and ratios")
        width = max([len(k) for k, _ in targets + ratios] or [0])
        for name, value in targets + ratios:
            print("  %-*s  %s" % (width, name, value))
        print("notes")
        for note in notes:
            print("  " + note)
        print("machine")
        for name, value in machine:
            print("  %-8s %s" % (name, value))


def guarded(run, args):
    """run(args), the exit status: 1 after a BenchError (printed), else 0. SIGTERM (the
    wrapper's trap, a CI timeout) unwinds, so the finally of take_turns kills every process."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(args)
    except BenchError as e:
        print("bench-pipeline: %s" % e, file=sys.stderr)
        return 1
    return 0


def run_arguments(p, only):
    """The options of a `run` command (only: the default of --only)."""
    p.add_argument("--sendit", required=True)
    p.add_argument("--orthanc", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", default=only)
    p.add_argument("--studies", type=int, default=1)
    p.add_argument("--series", type=int, default=1)
    p.add_argument("--markdown", action="store_true")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("split")
    p.add_argument("base")
    p.add_argument("out")
    p.add_argument("studies", type=int)
    p.add_argument("series", type=int)
    run_arguments(sub.add_parser("run"), ",".join(PIPELINES))
    args = parser.parse_args()
    if args.command == "split":
        split(args.base, args.out, args.studies, args.series)
        return 0
    return guarded(main_run, args)


if __name__ == "__main__":
    sys.exit(main())
