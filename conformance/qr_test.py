#!/usr/bin/env python3
"""The Query/Retrieve SCU test (run conformance/qr-test; it picks Python and sendit).

sendit query, move and get against two real archives on loopback, each filled by dcmtk's
storescu with three generated CT studies (scripts/make-ct-corpus.py, seeds 1-3, 6 images of
64x64 each, one patient and accession number per study):

  Orthanc (conformance/orthanc --allow-qr; the calling AE SENDIT is its known modality, whose
  address is a storescp's):
    find          `sendit query --accession` of each study: exactly that study, with its Study
                  Instance UID and NumberOfStudyRelatedInstances 6 (dcmqrscp returns no such
                  optional key); --level SERIES: its one
                  series; an accession that does not exist: 0 matches, exit 0
    move          `sendit move --dest SENDIT`: final status Success with completed 6, failed 0;
                  storescp holds exactly the study's 6 SOP instances
    get           `sendit get --out DIR`: completed 6, 6 files <SOPInstanceUID>.dcm whose data
                  set bytes equal the originals', no part file left
    move-refused  `sendit move --dest NOBODY` (an AE title Orthanc does not know): exit 1 and a
                  failure status with its meaning (Orthanc 1.10 answers 0xC000 Unable to
                  Process, logging "Unknown modality"); nothing arrives at storescp
  dcmqrscp (dcmtk, Debian; its config's HostTable knows the storescp as STORESCP):
    dcmqrscp-find, dcmqrscp-move, dcmqrscp-get, dcmqrscp-move-refused: as above; dcmqrscp
    refuses the unknown destination with A801 Move destination unknown, which must be named.
A case fails if it could pass vacuously (nothing stored, no match). Exit 1 if any case fails.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile

import pydicom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import children, runs  # noqa: E402
from harness.children import Child  # noqa: E402
from harness.corpora import ct_series  # noqa: E402
from harness.orthanc import Orthanc  # noqa: E402
from harness.part10 import split_part10  # noqa: E402
from harness.ports import free_port, wait_port  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

ARGS = None
RESULTS = []


def log(msg):
    print(msg, flush=True)


def check(case, ok, detail):
    RESULTS.append((case, ok, detail))
    log(f"{case}: {'pass' if ok else 'FAIL'}  {detail}")


def sendit(*args, timeout=120):
    r = subprocess.run([ARGS.sendit, *args], capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def dataset_bytes(path):
    with open(path, "rb") as f:
        return split_part10(f.read())[1]


class Storescp:
    """dcmtk storescp on a free port, writing to folder (AE any)."""

    def __init__(self, folder, log_path):
        os.makedirs(folder, exist_ok=True)
        self.folder, self.port = folder, free_port()
        self.child = Child(["storescp", "-od", folder, "+B", "-aet", "STORESCP", str(self.port)], log_path=log_path,
                           env=dict(os.environ, TCP_NODELAY="1"))
        wait_port(self.port, 10)

    def files(self):
        return sorted(f for f in os.listdir(self.folder) if not f.startswith("."))

    def clear(self):
        for f in os.listdir(self.folder):
            os.remove(os.path.join(self.folder, f))


def store(port, aec, files, log_path):
    r = subprocess.run(["storescu", "-aet", "STORESCU", "-aec", aec, "127.0.0.1", str(port), *files],
                       capture_output=True, text=True, env=dict(os.environ, TCP_NODELAY="1"))
    with open(log_path, "w") as f:
        f.write(r.stdout + r.stderr)
    if r.returncode != 0:
        raise RuntimeError(f"storescu to {aec} failed: {r.stderr[-500:]}")


def studies(work):
    """[(accession, study UID, {sop: path})] of three generated studies."""
    out = []
    for seed in (1, 2, 3):
        files = ct_series(6, 64, seed=seed, out=os.path.join(work, "corpus"))
        ds = pydicom.dcmread(files[0], stop_before_pixels=True)
        sops = {pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID: f for f in files}
        out.append((str(ds.AccessionNumber), str(ds.StudyInstanceUID), sops))
    return out


def run_cases(prefix, peer, aec, aet, corpus, scp, work, counts=True):
    """find, move and get against one archive at peer (HOST:PORT). `counts`: the archive returns
    NumberOfStudyRelatedInstances (Orthanc does; dcmqrscp supports no optional key)."""
    common = ["--from", peer, "--aec", aec, "--aet", aet, "--timeout", "30"]
    # find
    problems = []
    for accession, study_uid, sops in corpus:
        rc, out, err = sendit("query", *common, "--accession", accession)
        lines = [l for l in out.splitlines() if l.strip()]
        if rc != 0 or len(lines) != 1 or f"StudyInstanceUID={study_uid}" not in lines[0]:
            problems.append(f"{accession}: rc {rc}, {lines!r} {err.strip()[-200:]}")
        elif counts and "NumberOfStudyRelatedInstances=6" not in lines[0]:
            problems.append(f"{accession}: {lines[0]} (6 instances expected)")
    rc, out, err = sendit("query", *common, "--accession", corpus[0][0], "--level", "SERIES")
    series = [l for l in out.splitlines() if l.strip()]
    if rc != 0 or len(series) != 1 or "SeriesInstanceUID=" not in series[0] or "Modality=CT" not in series[0]:
        problems.append(f"--level SERIES: rc {rc}, {series!r} {err.strip()[-200:]}")
    rc, out, err = sendit("query", *common, "--accession", "NOSUCHACC")
    if rc != 0 or out.strip() or "0 matches" not in err:
        problems.append(f"unknown accession: rc {rc}, out {out!r}, err {err.strip()[-200:]!r}")
    check(f"{prefix}find", not problems, "; ".join(problems) or f"{len(corpus)} accessions found, series listed, unknown one: 0 matches")

    # move: the second study to the storescp
    accession, study_uid, sops = corpus[1]
    scp.clear()
    rc, out, err = sendit("move", *common, "--accession", accession, "--dest", "STORESCP" if prefix else "SENDIT")
    got = scp.files()
    final = out.strip().splitlines()[-1] if out.strip() else ""
    arrived = {re.sub(r"^[A-Z]{2}\.", "", f) for f in got}
    ok = rc == 0 and "Success" in final and "completed 6 failed 0" in final and arrived == set(sops)
    check(f"{prefix}move", ok, f"rc {rc}; {final!r}; storescp holds {len(got)} files" + ("" if ok else f"; {err.strip()[-300:]}"))

    # get: the third study into a folder
    accession, study_uid, sops = corpus[2]
    out_dir = os.path.join(work, f"{prefix}get")
    rc, out, err = sendit("get", *common, "--accession", accession, "--out", out_dir)
    files = sorted(f for f in os.listdir(out_dir) if f.endswith(".dcm")) if os.path.isdir(out_dir) else []
    parts = os.listdir(os.path.join(out_dir, ".incoming")) if os.path.isdir(os.path.join(out_dir, ".incoming")) else []
    final = out.strip().splitlines()[-1] if out.strip() else ""
    same = sum(1 for f in files if f[:-4] in sops and dataset_bytes(os.path.join(out_dir, f)) == dataset_bytes(sops[f[:-4]]))
    ok = rc == 0 and "completed 6 failed 0" in final and len(files) == 6 and same == 6 and not parts
    check(f"{prefix}get", ok, f"rc {rc}; {final!r}; {len(files)} files, {same} with the original data set bytes, "
                              f"{len(parts)} part files" + ("" if ok else f"; {err.strip()[-300:]}"))


def main():
    global ARGS
    p = runs.parser("conformance/qr-test", __doc__)
    runs.add_common_options(p, "nothing (the corpus is fixed)", "the results")
    ARGS = p.parse_args()
    work = tempfile.mkdtemp(prefix="sendit-qr.")
    corpus = studies(work)
    all_files = [f for _, _, sops in corpus for f in sops.values()]
    with children.session():
        scp = Storescp(os.path.join(work, "storescp"), os.path.join(work, "storescp.log"))
        with Orthanc(os.path.join(work, "orthanc"), allow_qr=True) as orthanc:
            orthanc.sendit_port = scp.port   # the modality SENDIT is the storescp: C-MOVE's destination
            orthanc.start()
            store(orthanc.dicom_port, "ORTHANC", all_files, os.path.join(work, "storescu-orthanc.log"))
            if orthanc.count() != len(all_files):
                check("orthanc-fill", False, f"Orthanc holds {orthanc.count()} of {len(all_files)}")
            peer = f"127.0.0.1:{orthanc.dicom_port}"
            run_cases("", peer, "ORTHANC", "SENDIT", corpus, scp, work)
            scp.clear()
            rc, out, err = sendit("move", "--from", peer, "--aec", "ORTHANC", "--aet", "SENDIT", "--accession", corpus[0][0],
                                  "--dest", "NOBODY", "--timeout", "30")
            text = out + err
            # Orthanc 1.10 answers an unknown destination with 0xC000 (its log: "Unknown modality
            # for AET: NOBODY"); the status must be reported as a failure with its meaning.
            ok = rc == 1 and re.search(r"0x[0-9A-F]{4} (Unable to Process|Move destination unknown) \(failure\)", text) is not None \
                and not scp.files()
            check("move-refused", ok, f"rc {rc}; {' | '.join(l for l in text.splitlines() if 'C-MOVE' in l or '0x' in l)[:300]}")

        qr = os.path.join(work, "dcmqrscp")
        os.makedirs(os.path.join(qr, "db"))
        port = free_port()
        with open(os.path.join(qr, "dcmqrscp.cfg"), "w") as f:
            f.write(f"""NetworkTCPPort = {port}
MaxPDUSize = 65536
MaxAssociations = 16
HostTable BEGIN
storescp = (STORESCP, 127.0.0.1, {scp.port})
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
QRSCP {qr}/db RW (200, 1024mb) ANY
AETable END
""")
        dcmqrscp = Child(["dcmqrscp", "-dhl", "-c", os.path.join(qr, "dcmqrscp.cfg")], log_path=os.path.join(qr, "dcmqrscp.log"),
                         env=dict(os.environ, TCP_NODELAY="1"))
        try:
            # A C-ECHO, not a bare connection (wait_port), tells it is ready. (Forking mode:
            # dcmqrscp 3.6 in single-process mode, -s, crashes after its first association.)
            echo = ["echoscu", "-aet", "SENDIT", "-aec", "QRSCP", "127.0.0.1", str(port)]
            if not wait_for(lambda: subprocess.run(echo, capture_output=True).returncode == 0, 10, 0.2):
                raise RuntimeError("dcmqrscp does not answer C-ECHO")
            store(port, "QRSCP", all_files, os.path.join(work, "storescu-dcmqrscp.log"))
            run_cases("dcmqrscp-", f"127.0.0.1:{port}", "QRSCP", "SENDIT", corpus, scp, work, counts=False)
            scp.clear()
            rc, out, err = sendit("move", "--from", f"127.0.0.1:{port}", "--aec", "QRSCP", "--aet", "SENDIT", "--accession",
                                  corpus[0][0], "--dest", "NOBODY", "--timeout", "30")
            text = out + err
            ok = rc == 1 and "0xA801 Move destination unknown (failure)" in text and not scp.files()
            check("dcmqrscp-move-refused", ok, f"rc {rc}; {' | '.join(l for l in text.splitlines() if '0x' in l)[:300]}")
        finally:
            dcmqrscp.stop()
        scp.child.stop()
    failed = [r for r in RESULTS if not r[1]]
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump([{"case": c, "ok": ok, "detail": d} for c, ok, d in RESULTS], f, indent=1)
    log(f"{len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    runs.finish_work(work, ARGS.keep or bool(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
