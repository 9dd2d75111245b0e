#!/usr/bin/env python3
"""The routing test (run conformance/routing-test; it picks Python and sendit).

One sendit with a PROJECTS_FILE of three projects, each with its own destination (a dcmtk
storescp of its own) and its own de-identification:
  lungae  by called AE title LUNGAE (one AE title per project, as XNAT does)   -> storescp A
  neuro   by a modality rule (Modality is MR), DEID_OPTIONS retain-uids         -> storescp B
  trial   by a tag rule (StudyDescription contains RESEARCH)                   -> storescp C
One patient has four studies: a CT sent to LUNGAE, an MR and a RESEARCH CT sent to SENDIT, and a
plain CT sent to SENDIT that no rule takes (refused: C-STORE failure 0124, nothing kept). An
association to an AE title no rule names is rejected. Checked: every acknowledged image arrives
once, only at its project's destination; no original name, ID, date or (but for neuro's
retain-uids) UID in any received byte; the patient's pseudonym differs in every project; neuro
kept the original UIDs and the others did not; `sendit rules test` names the same rule and
project for a file of each study, and exit 1 for the unmatched one.
One study of RESEARCH MR and CT series is split by rule (MR to neuro, CT to trial) and also sent
whole to LUNGAE: the index holds it in three projects, each destination gets only its project's
part, de-identified its way, with a pseudonym of its own, nothing quarantined.
The projects' own rules: neuro drops a LOCALIZER series (DONE, skipped, never sent) and refuses
a patient on its withdrawal list (FAILED, named by the list, never by the ID); trial fills the
Clinical Trial modules and takes its subject's research ID and date offset from a lookup table,
refusing a patient the table does not list; `sendit lookup export` writes a file of mode 0600
and an audit entry. A folder dropped into the data folder is routed file by file by the rules on
the data (its MR goes to neuro, its CT, which no such rule takes, to the quarantine, named).
Projects and rules reload on SIGHUP: a new project answering to a new AE title takes a study;
a broken file keeps the rules in force, with an error logged, and the node serving. A patient
who withdraws (added to the list, SIGHUP) after a first series was sent: the study's next
series is refused, though its identifiers were already given. A node without PROJECTS_FILE
lives through SIGHUP (systemctl reload).
Exit 1 if a check fails.
"""
from __future__ import annotations

import json
import os
import signal
import time
import sqlite3
import subprocess
import sys
import tempfile

import pydicom
from pydicom.uid import CTImageStorage, MRImageStorage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import delivery_test as dt  # noqa: E402
from harness import children  # noqa: E402
from harness.children import Child  # noqa: E402
from harness.dcmtk import acknowledged, storescu  # noqa: E402
from harness.ports import free_ports, wait_port  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

PATIENTS = [
    ("Routeworth^Philippa", "RW55012", "19610704", "F",
     [("20240301", [("CT", CTImageStorage, 4)]),                              # study 0: to LUNGAE
      ("20240302", [("MR", MRImageStorage, 3), ("MR", MRImageStorage, 2)]),   # study 1: MR -> neuro; series 2 a LOCALIZER
      ("20240303", [("CT", CTImageStorage, 3)]),                              # study 2: RESEARCH -> trial (listed)
      ("20240304", [("CT", CTImageStorage, 2)])]),                            # study 3: no rule
    ("Unlistedson^Morwenna", "UL77001", "19700101", "F",
     [("20240305", [("CT", CTImageStorage, 2)])]),                            # RESEARCH -> trial, not in its table
    ("Withdrawnova^Ilse", "WD33003", "19750505", "F",
     [("20240306", [("MR", MRImageStorage, 2)])]),                            # MR -> neuro, withdrawn
    ("Laterova^Wren", "LW66006", "19850303", "F",
     [("20240309", [("MR", MRImageStorage, 2), ("MR", MRImageStorage, 2)])]),  # MR -> neuro; withdraws between its series
    ("Dropperton^Ada", "DA44004", "19800808", "F",
     [("20240307", [("MR", MRImageStorage, 2)]),                              # dropped in a folder: MR -> neuro
      ("20240308", [("CT", CTImageStorage, 1)])]),                            # dropped in a folder: no rule takes it
    ("Splitwell^Orla", "SP22002", "19900909", "F",
     [("20240310", [("MR", MRImageStorage, 2), ("CT", CTImageStorage, 2)])]),  # RESEARCH: MR -> neuro, CT -> trial; all to LUNGAE too
]
TABLE = "PatientID,ResearchID,DateOffset\nRW55012,SUBJ-0042,-10\nSP22002,SUBJ-0077,-30\n"
PROJECTS = {
    "unmatched": "refuse",
    "projects": {
        "lungae": {"destinations": ["a"]},
        "neuro": {"destinations": ["b"], "settings": {"DEID_OPTIONS": "retain-uids"},
                  "drop": [{"name": "localizer", "if": "SeriesDescription contains LOCALIZER"}], "withdrawn": "optout.txt"},
        "trial": {"destinations": ["c"], "lookup_table": "trial.csv", "unlisted": "refuse",
                  "clinical_trial": {"sponsor": "ACME Research", "protocol_id": "PROTO-7", "site_id": "S01"}},
    },
    "rules": [
        {"name": "lung-by-ae", "project": "lungae", "called_ae": "LUNGAE"},
        {"name": "mr", "project": "neuro", "if": "Modality is MR"},
        {"name": "research", "project": "trial", "if": "StudyDescription contains RESEARCH"},
    ],
}
failures: list[str] = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def image_rows(s, status=None):
    """(status, reason, project) of every image in the node's index."""
    db = sqlite3.connect(s.database)
    try:
        rows = db.execute("SELECT i.status, i.statusReason, s.project FROM image AS i JOIN series AS s ON s.id = i.seriesId").fetchall()
    finally:
        db.close()
    return [r for r in rows if status is None or r[0] == status]


def received(folder):
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if not f.startswith("."))


def split_study(s, work, send, study, dests, corpus):
    """One study in three projects at once: split by rule (its MR series to neuro, its CT
    series to trial), then sent whole to LUNGAE (lungae). Each project gets its own rows, its
    own de-identification and only its own part; nothing is quarantined or mixed."""
    before = {d: set(received(f)) for d, f in dests.items()}
    db = sqlite3.connect(s.database)
    quarantined_before = db.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
    db.close()
    ok, _ = send(study, "SENDIT", "split")
    check(len(ok) == len(study), f"split study: {len(ok)}/{len(study)} acknowledged on SENDIT (split by rule)")
    ok, _ = send(study, "LUNGAE", "split-lungae")
    check(len(ok) == len(study), f"split study: {len(ok)}/{len(study)} acknowledged again on LUNGAE")
    want = {"a": len(study), "b": 2, "c": 2}
    wait_for(lambda: all(len(set(received(dests[d])) - before[d]) >= n for d, n in want.items()), 90, 0.5)
    time.sleep(2)   # anything mixed in would arrive by now
    new = {d: sorted(set(received(dests[d])) - before[d]) for d in dests}
    for d, n in want.items():
        check(len(new[d]) == n, f"split study: destination {d} got {len(new[d])} images, expected {n}")
    original_study = study[0]["study"]
    # This patient's own values (another patient's date may be what a shift makes of this one's).
    source = pydicom.dcmread(study[0]["path"])
    forbidden = {"Splitwell^Orla", "Splitwell", "SP22002", "19900909", "20240310", str(source.AccessionNumber),
                 str(source.FrameOfReferenceUID)} | {im[k] for im in study for k in ("study", "series", "sop")}
    seen = {}
    for d, paths in new.items():
        for path in paths:
            raw = open(path, "rb").read()
            ds = pydicom.dcmread(path)
            seen.setdefault(d, set()).add((str(ds.PatientID), str(ds.StudyInstanceUID), str(ds.Modality)))
            leaked = [v for v in forbidden if v.encode() in raw and not (d == "b" and v.startswith("2.25."))]
            check(not leaked, f"split study: {os.path.basename(path)} at {d} carries no original value ({len(leaked)} found)")
    check({m for _, _, m in seen.get("b", set())} == {"MR"} and {m for _, _, m in seen.get("c", set())} == {"CT"},
          f"split study: neuro got only the MR series, trial only the CT series ({seen.get('b')}, {seen.get('c')})")
    check({m for _, _, m in seen.get("a", set())} == {"MR", "CT"}, "split study: lungae got the whole study")
    ids = {d: {p for p, _, _ in v} for d, v in seen.items()}
    uids = {d: {u for _, u, _ in v} for d, v in seen.items()}
    check(ids.get("c") == {"SUBJ-0077"}, f"split study: trial's subject from its lookup table ({ids.get('c')})")
    check(all(len(v) == 1 for v in ids.values()) and len(set().union(*ids.values())) == 3,
          f"split study: one pseudonym per project, none shared: {ids}")
    check(uids.get("b") == {original_study} and original_study not in uids.get("a", set()) | uids.get("c", set())
          and uids.get("a") != uids.get("c"), "split study: neuro kept the study UID, lungae and trial each their own")
    db = sqlite3.connect(s.database)
    projects = [r[0] for r in db.execute("SELECT project FROM study WHERE studyInstanceUID = ? ORDER BY project", (original_study,))]
    images = db.execute("""SELECT COUNT(*) FROM image AS i JOIN series AS se ON se.id = i.seriesId JOIN study AS st ON st.id = se.studyId
                           WHERE st.studyInstanceUID = ?""", (original_study,)).fetchone()[0]
    quarantined = db.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0]
    db.close()
    check(projects == ["lungae", "neuro", "trial"], f"split study: the index holds it in three projects ({projects})")
    check(images == 2 * len(study), f"split study: {images} image rows, expected {2 * len(study)}")
    check(quarantined == quarantined_before, f"split study: nothing quarantined ({quarantined - quarantined_before})")


def main():
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--sendit", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="sendit-routing-")
    with children.session():
        corpus = dt.make_corpus(work, "corpus", PATIENTS, "routing")
        by_study = {}
        for im in corpus["images"]:
            by_study.setdefault(im["study"], []).append(im)
        studies = list(by_study.values())   # in the patients' order: 0-3 the first's, 4 the second's, 5 the third's
        series_order = []
        for im in studies[1]:
            if im["series"] not in series_order:
                series_order.append(im["series"])
        localizer = series_order[1]
        for im in studies[2] + studies[4] + studies[9] + [im for im in studies[1] if im["series"] == localizer]:
            ds = pydicom.dcmread(im["path"])
            if im["series"] == localizer:
                ds.SeriesDescription = "LOCALIZER 3 PLANE"
            else:
                ds.StudyDescription = "RESEARCH PROTOCOL 7"
            ds.save_as(im["path"], enforce_file_format=True)
        with open(os.path.join(work, "trial.csv"), "w") as f:
            f.write(TABLE)
        with open(os.path.join(work, "optout.txt"), "w") as f:
            f.write("# withdrawn from neuro\nWD33003\n")
        ports = free_ports(3)
        dests = {}
        for name, port in zip("abc", ports):
            folder = os.path.join(work, "dest-" + name)
            os.makedirs(folder)
            Child(["storescp", "-aet", name.upper(), "-od", folder, "+xa", str(port)], log_path=folder + ".log")
            wait_port(port)
            dests[name] = folder
        projects = os.path.join(work, "projects.json")
        with open(projects, "w") as f:
            json.dump(PROJECTS, f)
        extra = ";".join(f"{n}={n.upper()}@127.0.0.1:{port}" for n, port in zip("abc", ports))
        s = Sendit(args.sendit, os.path.join(work, "node"), PROJECTS_FILE=projects, EXTRA_DESTINATIONS=extra,
                   STABLE_AGE="1", RESCAN_INTERVAL="1", RETENTION="never")
        with s.start():
            def send(images, aec, tag):
                log = os.path.join(work, f"storescu-{tag}.log")
                with storescu(s.port, [im["path"] for im in images], log, aec=aec) as scu:
                    scu.end(120)
                return set(acknowledged(log)), open(log, errors="replace").read()
            plan = [(studies[0], "LUNGAE", "a"), (studies[1], "SENDIT", "b"), (studies[2], "SENDIT", "c")]
            for i, (images, aec, dest) in enumerate(plan):
                ok, _ = send(images, aec, str(i))
                check(ok == {im["path"] for im in images}, f"study {i} to {aec}: {len(ok)}/{len(images)} acknowledged")
            for i in (4, 5):
                ok, _ = send(studies[i], "SENDIT", str(i))
                check(len(ok) == len(studies[i]), f"study {i} ({'unlisted' if i == 4 else 'withdrawn'} patient): acknowledged")
            ok, text = send(studies[3], "SENDIT", "unmatched")
            check(not ok and ("0x124" in text or "0124" in text), f"the unmatched study is refused with 0124 ({len(ok)} acknowledged)")
            _, text = send(studies[0][:1], "NOPE", "unknown-ae")
            check("Association Rejected" in text or "rejected" in text.lower(), "an association to an AE title no rule names is rejected")
            # A folder drop, by the folder contract (written as .tmp, then renamed).
            drop = os.path.join(s.data, "dropped.tmp")
            os.makedirs(drop)
            for im in studies[7] + studies[8]:
                subprocess.run(["cp", im["path"], os.path.join(drop, im["sop"] + ".dcm")], check=True)
            os.rename(drop, os.path.join(s.data, "dropped"))
            later = [[im for im in studies[6] if im["series"] == u] for u in dict.fromkeys(im["series"] for im in studies[6])]
            ok, _ = send(later[0], "SENDIT", "later-1")
            check(len(ok) == len(later[0]), "the later-withdrawing patient's first series: acknowledged")
            want = {"a": len(studies[0]), "b": len(studies[1]) - 2 + len(studies[7]) + len(later[0]), "c": len(studies[2])}
            wait_for(lambda: all(len(received(dests[d])) >= n for d, n in want.items()), 90, 0.5)
            for d, n in want.items():
                check(len(received(dests[d])) == n, f"destination {d} holds {len(received(dests[d]))} images, expected {n}")
            forbidden = {v for v in corpus["forbidden"]}
            patient_ids = {}
            for d, folder in dests.items():
                for path in received(folder):
                    raw = open(path, "rb").read()
                    ds = pydicom.dcmread(path)
                    patient_ids.setdefault(d, set()).add(str(ds.PatientID))
                    leaked = [v for v in forbidden if v.encode() in raw
                              and not (d == "b" and v.startswith("2.25."))]   # neuro keeps UIDs (retain-uids)
                    check(not leaked, f"{os.path.basename(path)} at {d}: no original value ({len(leaked)} found)")
                    originals = {im["study"] for im in corpus["images"]}
                    check((str(ds.StudyInstanceUID) in originals) == (d == "b"),
                          f"{d}: study UID {'kept (retain-uids)' if d == 'b' else 'remapped'}")
            for path in received(dests["c"]):
                ds = pydicom.dcmread(path)
                check(ds.PatientID == "SUBJ-0042" and ds.get("ClinicalTrialSubjectID") == "SUBJ-0042",
                      "trial: the lookup table's research ID is the Patient ID and the Clinical Trial Subject ID")
                check(ds.get("ClinicalTrialSponsorName") == "ACME Research" and ds.get("ClinicalTrialProtocolID") == "PROTO-7"
                      and ds.get("ClinicalTrialSiteID") == "S01", "trial: the Clinical Trial Subject module is filled")
                check(str(ds.get("StudyDate", "")) == "20240222", f"trial: the table's date offset moved the study date ({ds.get('StudyDate')})")
            # The node's own account: dropped, withdrawn and unlisted images, with reasons that name no ID.
            wait_for(lambda: len(image_rows(s, "FAILED")) >= 4, 30, 0.5)
            rows = image_rows(s)
            dropped = [r for r in rows if r[0] == "DONE" and "dropped by the project's rule localizer" in (r[1] or "")]
            withdrawn = [r for r in rows if r[0] == "FAILED" and "withdrawal list" in (r[1] or "")]
            unlisted = [r for r in rows if r[0] == "FAILED" and "lookup table" in (r[1] or "")]
            check(len(dropped) == 2 and all(r[2] == "neuro" for r in dropped), f"neuro: the localizer's 2 images dropped ({len(dropped)})")
            check(len(withdrawn) == 2, f"neuro: the withdrawn patient's 2 images FAILED ({len(withdrawn)})")
            check(len(unlisted) == 2, f"trial: the unlisted patient's 2 images FAILED ({len(unlisted)})")
            check(not any(v in (r[1] or "") for r in rows for v in ("RW55012", "UL77001", "WD33003")), "no reason names a patient ID")
            db = sqlite3.connect(s.database)
            quarantined = db.execute("SELECT reason FROM quarantine").fetchall()
            db.close()
            check(len(quarantined) == 1 and "no routing rule takes" in quarantined[0][0],
                  f"the dropped CT no rule takes is quarantined, named ({quarantined})")
            out = os.path.join(work, "exported.csv")
            r = s.run("lookup", "export", "--project", "trial", out)
            check(r.returncode == 0 and os.stat(out).st_mode & 0o777 == 0o600 and "SUBJ-0042" in open(out).read()
                  and "RW55012" not in r.stdout, f"lookup export: a file of mode 0600 (exit {r.returncode}: {r.stderr[-200:]})")
            check(s.run("lookup", "export", "--project", "trial", out).returncode != 0, "lookup export never replaces a file")
            db = sqlite3.connect(s.database)
            audited = db.execute("SELECT COUNT(*) FROM audit WHERE action = 'lookup-exported' AND target = 'trial'").fetchone()[0]
            db.close()
            check(audited == 1, f"lookup export is in the audit trail ({audited})")
            ids = [patient_ids.get(d, set()) for d in "abc"]
            check(len(ids[0]) == 1 and len(ids[1]) == 3 and len(ids[2]) == 1 and len(set().union(*ids)) == 5,
                  f"one pseudonym per patient and project, none shared between projects: {[sorted(x) for x in ids]}")
            # The rule tester agrees with the node.
            for images, aec, project in [(studies[0], "LUNGAE", "lungae"), (studies[1], "SENDIT", "neuro"), (studies[2], "SENDIT", "trial")]:
                r = s.run("rules", "test", "--called-aet", aec, "--explain", images[0]["path"])
                check(r.returncode == 0 and f"-> project {project}" in r.stdout and "actions:" in r.stdout,
                      f"rules test names project {project} (exit {r.returncode})")
                check(not any(v.encode() in r.stdout.encode() for v in ("Routeworth", "RW55012")), "rules test prints no original value")
            r = s.run("rules", "test", studies[3][0]["path"])
            check(r.returncode == 1 and "REFUSED" in r.stdout, f"rules test: the unmatched study is refused (exit {r.returncode})")
            # The patient withdraws after a first series went out: the next is refused.
            with open(os.path.join(work, "optout.txt"), "a") as f:
                f.write("LW66006\n")
            os.kill(s.child.pid, signal.SIGHUP)
            check(wait_for(lambda: len(s.log_lines("reloaded on SIGHUP")) >= 1, 20, 0.2), "SIGHUP: the withdrawal list is reloaded")
            b_before = len(received(dests["b"]))
            ok, _ = send(later[1], "SENDIT", "later-2")
            check(len(ok) == len(later[1]), "the withdrawn patient's second series: acknowledged")
            refused = wait_for(lambda: sum(1 for r in image_rows(s, "FAILED") if "withdrawal list" in (r[1] or "")) >= 4, 60, 0.5)
            time.sleep(2)
            check(refused and len(received(dests["b"])) == b_before,
                  f"withdrawn after identification: the next series FAILED, nothing more at b ({len(received(dests['b'])) - b_before} more)")
            split_study(s, work, send, studies[9], dests, corpus)
            # SIGHUP: a new project, with an AE title of its own, without a restart.
            PROJECTS["projects"]["late"] = {"destinations": ["a"]}
            PROJECTS["rules"].insert(0, {"name": "late-by-ae", "project": "late", "called_ae": "LATE"})
            with open(projects, "w") as f:
                json.dump(PROJECTS, f)
            os.kill(s.child.pid, signal.SIGHUP)
            check(wait_for(lambda: len(s.log_lines("reloaded on SIGHUP")) >= 2, 20, 0.2), "SIGHUP: the projects are reloaded")
            before = len(received(dests["a"]))
            ok, _ = send(studies[8], "LATE", "late")
            check(len(ok) == len(studies[8]), f"SIGHUP: the new project's AE title takes a study ({len(ok)} acknowledged)")
            check(wait_for(lambda: len(received(dests["a"])) == before + len(studies[8]), 60, 0.5),
                  "SIGHUP: the new project's study reaches its destination")
            with open(projects, "w") as f:
                f.write("{ not json")
            os.kill(s.child.pid, signal.SIGHUP)
            check(wait_for(lambda: s.log_lines("not reloaded on SIGHUP"), 20, 0.2) and s.running(),
                  "SIGHUP with a broken file: refused, logged, the node serving")
            r = subprocess.run(["echoscu", "-aet", "STORESCU", "-aec", "LATE", "127.0.0.1", str(s.port)], capture_output=True)
            check(r.returncode == 0, "SIGHUP with a broken file: the rules in force stay (LATE still answered)")
            with open(projects, "w") as f:
                json.dump(PROJECTS, f)
        st = s.status()
        check(st is not None, "status answers")
        # systemctl reload on a node with nothing to reload: it goes on.
        plain = Sendit(args.sendit, os.path.join(work, "plain"))
        with plain.start():
            os.kill(plain.child.pid, signal.SIGHUP)
            check(wait_for(lambda: plain.log_lines("nothing to reload"), 20, 0.2) and plain.running(),
                  "SIGHUP on a node without PROJECTS_FILE or TLS: logged, the node serving")
    if failures:
        print(f"routing-test: {len(failures)} checks failed (work folder {work})")
        sys.exit(1)
    print("routing-test: all checks passed")
    if not args.keep:
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
