#!/usr/bin/env python3
"""The retrieval test (run conformance/retrieve-test; it picks Python and sendit).

One `sendit serve` (STABLE_AGE 15 s, RETRIEVE_SOURCES naming three archives) delivers to a
second Orthanc (the destination, verified by its REST API). Its retrieval lists are CSV files
with an accession and a research ID column, given to `sendit retrieve --wait --summary`.

  orthanc            Orthanc as the clinical PACS (conformance/orthanc --allow-qr: its modality
                     "sendit" is this node's listener), filled with 4 patients' studies of 6
                     CT images (storescu) and one study Orthanc cannot send: its instances
                     have a private SOP Class (uploaded by REST), which sendit's listener does
                     not accept (DICOM_ACCEPT_UNKNOWN_SOP_CLASSES false): Orthanc 1.10 finds no
                     presentation context to send them on and refuses the C-MOVE (0xC000
                     Unable to Process; its log: "Cannot transcode from 1.2.840.10008.1.2.1 to
                     one of [ ]"). The list: the 4 accessions, that one, and 2 that do not
                     exist. Outcomes: 4 retrieved (6 completed each), 1 failed with a failure
                     status (Axxx or Cxxx) and its meaning, nothing completed, 2 not found. The job must
                     end before the stable age could have finished the studies (Orthanc gives
                     NumberOfStudyRelatedInstances: each study is finished when all are in).
  orthanc-delivered  the destination holds 4 studies of 6 de-identified instances (the
                     original patient names gone), each once
  summary            the summary CSV: mode 0600, one row per value with its outcome
  no-values-in-logs  no value of the lists (accession, research ID) appears in sendit's logs
  dcmqrscp-move      dcmqrscp (HostTable knows SENDIT), 2 studies by C-MOVE: retrieved
  dcmqrscp-get       dcmqrscp, 1 study by C-GET into the staging area: retrieved
  dcmqrscp-delivered the destination holds the 3 studies more, each once
  kill               20 studies of 4 images by C-MOVE from dcmqrscp; sendit is killed (-9)
                     once 5 studies are done, then started again: the job ends with 20
                     retrieved; dcmqrscp received 20 C-MOVEs plus at most one per study that
                     was moving at the kill (the attempts sendit recorded, less those the kill
                     cut before their request went out), none for a study done before it; an
                     instance sent again is recorded as a duplicate, never as a new copy to
                     deliver again (the index's events); the destination holds the 20 studies
                     more, 80 instances
  project            the node has a PROJECTS_FILE whose only rule takes nothing from the
                     archives: every retrieved study is in the retrieval's project (by its
                     claim, not the rules); a retrieval into a project the node lacks is refused
A case fails if it could pass vacuously (nothing retrieved). Exit 1 if any case fails.
"""
from __future__ import annotations

import csv
import json
import sqlite3
import os
import re
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

import pydicom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import children, runs  # noqa: E402
from harness.children import Child  # noqa: E402
from harness.corpora import ct_series  # noqa: E402
from harness.dcmtk import storescu  # noqa: E402
from harness.orthanc import Orthanc  # noqa: E402
from harness.ports import free_port  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

ARGS = None
RESULTS = []
STABLE_AGE = 15


PROJECT = "research"


def log(msg):
    print(msg, flush=True)


def check(case, ok, detail):
    RESULTS.append((case, ok, detail))
    log(f"{case}: {'pass' if ok else 'FAIL'}  {detail}")


def store(port, aec, files, log_path):
    """Fills an archive: one storescu association, which must end well within two minutes."""
    if storescu(port, files, log_path, aec=aec).end(120) != 0:
        raise RuntimeError(f"storescu to {aec} failed; see {log_path}")


def corpus(work, seeds, count):
    """[(accession, patient name, files)] of generated studies, one per seed."""
    out = []
    for seed in seeds:
        files = ct_series(count, 64, seed=seed, out=os.path.join(work, "corpus"))
        ds = pydicom.dcmread(files[0], stop_before_pixels=True)
        out.append((str(ds.AccessionNumber), str(ds.PatientName), files))
    return out


def unsendable(work, files):
    """Copies of `files` as a new study with a private SOP Class and its own accession."""
    folder = os.path.join(work, "unsendable")
    os.makedirs(folder, exist_ok=True)
    study = pydicom.uid.generate_uid()
    series = pydicom.uid.generate_uid()
    out = []
    for n, f in enumerate(files):
        ds = pydicom.dcmread(f)
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.826.0.1.3680043.9.7777.1"
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.AccessionNumber, ds.PatientID, ds.PatientName = "UNSENDABLE1", "PUNSEND", "Unsendable^Study"
        path = os.path.join(folder, f"{n}.dcm")
        ds.save_as(path, enforce_file_format=True)
        out.append(path)
    return out


def upload(orthanc, files):
    for f in files:
        with open(f, "rb") as fh:
            req = urllib.request.Request(orthanc.url + "/instances", data=fh.read(), method="POST")
            urllib.request.urlopen(req, timeout=30).read()


def write_list(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["AccessionNumber", "research_id"])
        w.writerows(rows)


def retrieve(node, source, list_path, summary, timeout=150):
    r = node.run("retrieve", "--from", source, "--project", PROJECT, "--accessions", list_path, "--wait", "--summary", summary,
                 timeout=timeout)
    return r


def read_summary(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def destination_studies(dest):
    """{study id: instance count} of the destination Orthanc."""
    return {s: len(dest.get(f"/studies/{s}/instances")) for s in dest.get("/studies")}


def dcmqrscp(work, scp_port, sendit_port, log_name):
    qr = os.path.join(work, "dcmqrscp")
    os.makedirs(os.path.join(qr, "db"), exist_ok=True)
    with open(os.path.join(qr, "dcmqrscp.cfg"), "w") as f:
        f.write(f"""NetworkTCPPort = {scp_port}
MaxPDUSize = 65536
MaxAssociations = 16
HostTable BEGIN
sendit = (SENDIT, 127.0.0.1, {sendit_port})
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
QRSCP {qr}/db RW (400, 1024mb) ANY
AETable END
""")
    child = Child(["dcmqrscp", "-v", "-c", os.path.join(qr, "dcmqrscp.cfg")], log_path=os.path.join(work, log_name),
                  env=dict(os.environ, TCP_NODELAY="1"))
    echo = ["echoscu", "-aet", "SENDIT", "-aec", "QRSCP", "127.0.0.1", str(scp_port)]
    if not wait_for(lambda: subprocess.run(echo, capture_output=True).returncode == 0, 10, 0.2):
        raise RuntimeError("dcmqrscp does not answer C-ECHO")
    return child


def move_requests(log_path):
    with open(log_path, errors="replace") as f:
        return len(re.findall(r"Message Type +: C-MOVE RQ", f.read()))


def main():
    global ARGS
    p = runs.parser("conformance/retrieve-test", __doc__)
    runs.add_common_options(p, "nothing (the corpus is fixed)", "the results")
    ARGS = p.parse_args()
    work = tempfile.mkdtemp(prefix="sendit-retrieve.")
    pacs_studies = corpus(work, range(21, 25), 6)
    refused_files = unsendable(work, pacs_studies[0][2])
    qr_studies = corpus(work, range(31, 34), 6)
    kill_studies = corpus(work, range(41, 61), 4)
    names = {name for _, name, _ in pacs_studies + qr_studies + kill_studies}
    values = [a for a, _, _ in pacs_studies + qr_studies + kill_studies] + ["UNSENDABLE1", "NOSUCH1", "NOSUCH2"]
    sendit_port, qr_port = free_port(), free_port()
    with children.session():
        with Orthanc(os.path.join(work, "pacs"), allow_qr=True) as pacs, Orthanc(os.path.join(work, "dest")) as dest:
            pacs.sendit_port = sendit_port
            pacs.start()
            dest.start()
            store(pacs.dicom_port, "ORTHANC", [f for _, _, fs in pacs_studies for f in fs], os.path.join(work, "storescu-pacs.log"))
            upload(pacs, refused_files)
            qr_log = "dcmqrscp.log"
            qr = dcmqrscp(work, qr_port, sendit_port, qr_log)
            store(qr_port, "QRSCP", [f for _, _, fs in qr_studies + kill_studies for f in fs], os.path.join(work, "storescu-qr.log"))
            sources = (f"pacs=ORTHANC@127.0.0.1:{pacs.dicom_port};qr=QRSCP@127.0.0.1:{qr_port} move;"
                       f"qrget=QRSCP@127.0.0.1:{qr_port} get")
            # One project, whose only rule takes nothing from the archives: what they send is the
            # retrievals', and goes to the retrieval's project by its claim, not through the rules.
            projects = os.path.join(work, "projects.json")
            with open(projects, "w") as f:
                json.dump({"projects": {PROJECT: {"destinations": ["orthanc"], "settings": {"DEID_OPTIONS": "retain-patient-characteristics"}}},
                           "rules": [{"project": PROJECT, "called_ae": "NOT-SENDIT"}]}, f)
            node = Sendit(ARGS.sendit, os.path.join(work, "sendit"), port=sendit_port, STABLE_AGE=str(STABLE_AGE),
                          SEND_TO_ORTHANC="true", ORTHANC_PORT=str(dest.dicom_port), ORTHANC_URL=dest.url,
                          RETRIEVE_SOURCES=sources, RETRIEVE_TIMEOUT="60", HTTP_ENABLED="false", PROJECTS_FILE=projects)
            node.start()
            try:
                run_orthanc(work, node, pacs_studies, dest)
                run_dcmqrscp(work, node, qr_studies, dest)
                run_kill(work, node, kill_studies, dest, os.path.join(work, qr_log))
                db = sqlite3.connect(node.database)
                by_project = dict(db.execute("SELECT project, COUNT(*) FROM series GROUP BY project").fetchall())
                db.close()
                check("project", set(by_project) == {PROJECT},
                      f"series by project {by_project}: every retrieved study is in the retrieval's project, none refused by the rules")
                r = node.run("retrieve", "--from", "pacs", "--project", "nosuch", "--accessions", os.path.join(work, "pacs-list.csv"))
                check("unknown-project", r.returncode != 0 and "no project nosuch" in r.stderr, f"exit {r.returncode}: {r.stderr.strip()[-120:]}")
            finally:
                node.stop()
                qr.stop()
            logs = "".join(open(os.path.join(node.root, f"serve-{n}.log"), errors="replace").read() for n in range(1, node.starts + 1))
            leaked = [v for v in values + [f"R-{v}" for v in values] if v in logs] + [n for n in names if n in logs]
            check("no-values-in-logs", not leaked and len(logs) > 0,
                  f"{len(logs)} bytes of logs; " + (f"{len(leaked)} list values found" if leaked else "no list value, research ID or patient name"))
    failed = [r for r in RESULTS if not r[1]]
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump([{"case": c, "ok": ok, "detail": d} for c, ok, d in RESULTS], f, indent=1)
    log(f"{len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    runs.finish_work(work, ARGS.keep or bool(failed))
    return 1 if failed else 0


def run_orthanc(work, node, studies, dest):
    list_path, summary = os.path.join(work, "pacs-list.csv"), os.path.join(work, "pacs-summary.csv")
    rows = [(a, f"R-{a}") for a, _, _ in studies] + [("UNSENDABLE1", "R-UNSENDABLE1"), ("NOSUCH1", "R-NOSUCH1"), ("NOSUCH2", "R-NOSUCH2")]
    write_list(list_path, rows)
    start = time.monotonic()
    r = retrieve(node, "pacs", list_path, summary)
    took = time.monotonic() - start
    items = read_summary(summary) if os.path.exists(summary) else []
    by = {i["value"]: i for i in items}
    problems = []
    for a, _, _ in studies:
        i = by.get(a, {})
        if i.get("outcome") != "retrieved" or i.get("completed") != "6" or i.get("failed") != "0" or i.get("research_id") != f"R-{a}":
            problems.append(f"{a}: {i}")
    u = by.get("UNSENDABLE1", {})
    if u.get("outcome") != "failed" or u.get("completed") != "0" or not re.fullmatch(r"0x[AC][0-9A-F]{3}", u.get("final_status", "")) \
            or not u.get("status_meaning"):
        problems.append(f"UNSENDABLE1: {u}")
    for a in ("NOSUCH1", "NOSUCH2"):
        if by.get(a, {}).get("outcome") != "not_found":
            problems.append(f"{a}: {by.get(a)}")
    if took >= STABLE_AGE + 5:
        problems.append(f"the job took {took:.0f} s: the studies waited for the stable age")
    check("orthanc", r.returncode == 0 and not problems and len(items) == 7,
          f"exit {r.returncode}, {len(items)} items in {took:.1f} s: 4 retrieved, unsendable: {u.get('description')}, 2 not found"
          + (f"; problems: {problems}; {r.stdout[-300:]} {r.stderr[-300:]}" if problems or r.returncode else ""))
    mode = stat.S_IMODE(os.stat(summary).st_mode) if os.path.exists(summary) else None
    check("summary", mode == 0o600 and len(items) == 7, f"mode {oct(mode) if mode is not None else None}, {len(items)} rows")
    ok = wait_for(lambda: sum(destination_studies(dest).values()) >= 24, 60, 0.5)
    got = destination_studies(dest)
    names = {str(dest.get(f"/studies/{s}")["PatientMainDicomTags"].get("PatientName", "")) for s in got}
    originals = {n for _, n, _ in studies}
    check("orthanc-delivered", ok and len(got) == 4 and all(n == 6 for n in got.values()) and not (names & originals),
          f"destination: {len(got)} studies, instances {sorted(got.values())}, original names present: {sorted(names & originals)}")


def run_dcmqrscp(work, node, studies, dest):
    before = set(destination_studies(dest))
    results = []
    for case, source, chosen in (("dcmqrscp-move", "qr", studies[:2]), ("dcmqrscp-get", "qrget", studies[2:])):
        list_path, summary = os.path.join(work, f"{case}.csv"), os.path.join(work, f"{case}-summary.csv")
        write_list(list_path, [(a, "") for a, _, _ in chosen])
        r = retrieve(node, source, list_path, summary)
        items = read_summary(summary) if os.path.exists(summary) else []
        ok = r.returncode == 0 and len(items) == len(chosen) and all(i["outcome"] == "retrieved" and i["completed"] == "6" for i in items)
        check(case, ok, f"exit {r.returncode}; " + "; ".join(f"{i['outcome']} completed {i['completed']} failed {i['failed']}" for i in items)
              + ("" if ok else f"; {r.stdout[-300:]} {r.stderr[-300:]}"))
        results.append(ok)
    ok = wait_for(lambda: sum(n for s, n in destination_studies(dest).items() if s not in before) >= 18, 60, 0.5)
    new = {s: n for s, n in destination_studies(dest).items() if s not in before}
    check("dcmqrscp-delivered", ok and len(new) == 3 and all(n == 6 for n in new.values()),
          f"destination: {len(new)} studies more, instances {sorted(new.values())}")


def run_kill(work, node, studies, dest, qr_log):
    before = set(destination_studies(dest))
    moves_before = move_requests(qr_log)
    list_path = os.path.join(work, "kill.csv")
    write_list(list_path, [(a, "") for a, _, _ in studies])
    r = node.run("retrieve", "--from", "qr", "--project", PROJECT, "--accessions", list_path)
    m = re.match(r"job (\d+):", r.stdout)
    if r.returncode != 0 or not m:
        check("kill", False, f"retrieve: exit {r.returncode} {r.stdout[-200:]} {r.stderr[-200:]}")
        return
    job = m.group(1)

    def studies_in(state):
        with sqlite3.connect(f"file:{node.database}?mode=ro", uri=True) as db:
            return db.execute("""SELECT s.studyInstanceUID FROM retrievalStudy s JOIN retrievalItem i ON i.id = s.itemId
                                 WHERE i.jobId = ? AND s.state = ?""", (int(job), state)).fetchall()
    wait_for(lambda: len(studies_in("done")) + len(studies_in("arrived")) >= 5, 90, 0.1)
    node.kill()
    done_before = {u for (u,) in studies_in("done")} | {u for (u,) in studies_in("arrived")}
    moving = {u for (u,) in studies_in("moving")}
    node.start()
    r = node.run("retrieve", "--status", job, "--summary", os.path.join(work, "kill-summary.csv"))
    finished = wait_for(lambda: "waiting" not in node.run("retrieve", "--status", job).stdout
                        and "being retrieved" not in node.run("retrieve", "--status", job).stdout, 120, 1)
    status = node.run("retrieve", "--status", job, "--summary", os.path.join(work, "kill-summary.csv"))
    items = read_summary(os.path.join(work, "kill-summary.csv"))
    with sqlite3.connect(f"file:{node.database}?mode=ro", uri=True) as db:
        attempts = dict(db.execute("""SELECT s.studyInstanceUID, s.attempts FROM retrievalStudy s JOIN retrievalItem i ON i.id = s.itemId
                                      WHERE i.jobId = ?""", (int(job),)).fetchall())
        # Re-sent instances must be recognised, never taken for new data and delivered again.
        replaced = db.execute("SELECT COUNT(*) FROM event WHERE entity = 'image' AND reason LIKE 'replaced by a newer copy%'").fetchone()[0]
        duplicates = db.execute("SELECT COUNT(*) FROM otherCopy WHERE kind = 'duplicate'").fetchone()[0]
    moves = move_requests(qr_log) - moves_before
    twice = {u for u, n in attempts.items() if n > 1}
    delivered = wait_for(lambda: sum(n for s, n in destination_studies(dest).items() if s not in before) >= 80, 90, 0.5)
    new = {s: n for s, n in destination_studies(dest).items() if s not in before}
    ok = (finished and len(items) == 20 and all(i["outcome"] == "retrieved" for i in items) and len(done_before) >= 5
          # A study claimed at the kill may have died before its C-MOVE-RQ went out: recorded, not received.
          and sum(attempts.values()) - len(moving) <= moves <= sum(attempts.values()) and 20 <= moves <= 20 + len(moving)
          and not (twice & done_before) and replaced == 0
          and twice <= moving and delivered and len(new) == 20 and all(n == 4 for n in new.values()))
    check("kill", ok, f"killed with {len(done_before)} studies retrieved and {len(moving)} moving; after the restart: "
          f"{sum(1 for i in items if i['outcome'] == 'retrieved')}/20 retrieved; dcmqrscp received {moves} C-MOVEs "
          f"(attempts recorded {sum(attempts.values())}; moved twice: {len(twice)}, of them done before the kill: "
          f"{len(twice & done_before)}); re-sent instances recognised as duplicates: {duplicates}, taken as new copies: {replaced}; "
          f"destination: {len(new)} studies more, {sum(new.values())} instances"
          + ("" if ok else f"; status: {status.stdout[-400:]}"))


if __name__ == "__main__":
    sys.exit(main())
