#!/usr/bin/env python3
"""The delivery test (run conformance/delivery-test; it picks Python and sendit).

sendit serve receives a corpus from dcmtk's storescu, de-identifies each series and forwards
it by C-STORE to a real, throw-away Orthanc 1.10 (conformance/orthanc), verifies each series
through Orthanc's REST API and, with RETENTION=0, removes what was delivered. Every case
starts its own Orthanc and sendit on free ports in a fresh work folder and checks the result
through Orthanc's REST API and `sendit status --json` / `sendit send-status --json`:

  end-to-end         2 patients, 3 studies, 7 series (CT and MR): every image storescu was
                     told is stored arrives in Orthanc exactly once (by its pixel data, which
                     de-identification keeps and the corpus makes unique per image);
                     3 studies and 2 patients in Orthanc, each original study is one Orthanc
                     study with its number of instances; no original PatientName, PatientID,
                     study/series/acquisition/content date, Study/Series/SOP Instance UID,
                     Frame of Reference UID or referenced SOP Instance UID occurs in any
                     stored file (searched in the file bytes as ASCII); nothing left in the
                     data folder or the outbox, no image row, send-status cleanedUp == sent.
  orthanc-late       Orthanc is down while sendit receives the corpus and starts --late
                     seconds later (SEND_RETRY_DELAY=2, SEND_RETRY_MAX_DELAY=10): meanwhile
                     send-status shows retrying series with a lastError and nothing is
                     cleaned up; afterwards everything arrives exactly once.
  orthanc-killed     a series of --big images: Orthanc is killed (SIGKILL) when some but not
                     all have arrived, restarted on the same storage 3 s later; the series
                     completes, exactly once.
  sendit-killed      --trials trials: sendit serve is killed (SIGKILL) when Orthanc holds a
                     random number between 1 and all-but-one of the corpus' instances, and
                     restarted on the same folders and index; every instance arrives exactly
                     once and nothing is left. One Orthanc, emptied between trials.
                     With --wan MS: over a wide-area link, i.e. through scripts/delay-proxy
                     (MS each way) to Orthanc and to a second destination that accepts an
                     Asynchronous Operations Window of 8 and answers out of order
                     (window_acceptor.py, EXTRA_DESTINATIONS, no verification), sendit sending
                     on SEND_ASSOCIATIONS=4 with SEND_ASYNC_WINDOW=8; the kill falls while
                     the window destination is incomplete (Orthanc's count then is printed),
                     and every instance arrives exactly once at both.
  refused-sop-class  Orthanc 1.10 refuses a SOP class it does not know (Photoacoustic Image
                     Storage, 2023: its presentation context is rejected): those images are
                     FAILED with the reason in send-status refusals; the others are delivered
                     and cleaned up.
  filtered-success   a Lua ReceivedInstanceFilter makes Orthanc drop the MR images yet answer
                     Success (Orthanc 1.10.1 does so; its ReceivedCStoreInstanceFilter does
                     not answer the status it returns either):
                     the dropped images must never count as delivered, i.e. never DONE nor
                     removed, while the others are delivered and cleaned up.
  realistic          pydicom's test files, a generated CT series and realistic headers with
                     collisions (realistic_headers.py) dropped as a finished folder: every
                     image delivered, or held or failed with a stated reason; no PHI gate
                     refusal; nothing left in flight.
A case fails if it could pass vacuously: no image acknowledged by storescu, none sent, or a
kill that did not fall while sending. Exit 1 if any case fails.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pydicom
from pydicom.uid import CTImageStorage, MRImageStorage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import children, corpora, orthanc, runs  # noqa: E402
from harness.dcmtk import acknowledged, storescu  # noqa: E402
from harness.orthanc import Orthanc  # noqa: E402
from harness.ports import free_port  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.waiting import wait_for  # noqa: E402
from harness.wan import DelayProxy, WindowAcceptor  # noqa: E402

PHOTOACOUSTIC = "1.2.840.10008.5.1.4.1.1.6.3"   # Photoacoustic Image Storage: unknown to Orthanc 1.10.1 (DCMTK 3.6.7)
CASES = ["end-to-end", "orthanc-late", "orthanc-killed", "sendit-killed", "refused-sop-class", "filtered-success",
         "commitment", "commitment-unanswered", "realistic"]
ARGS = None


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# The corpus

PATIENTS = [
    # name, id, birth date, sex, studies: (date, [(modality, SOP class, images), ...])
    ("Zyxwerth^Quintana", "ZQ58213", "19610317", "F",
     [("20240315", [("CT", CTImageStorage, 12), ("CT", CTImageStorage, 8), ("MR", MRImageStorage, 10)]),
      ("20230704", [("CT", CTImageStorage, 9), ("MR", MRImageStorage, 7)])]),
    ("Plomvarg^Odric", "PO99107", "19770922", "M",
     [("20221111", [("MR", MRImageStorage, 11), ("CT", CTImageStorage, 6)])]),
]


def make_corpus(work, name, patients, tag):
    """Writes work/name/<patient>/<study>/<series>/NNNN.dcm from the template images and returns
    {"folder", "images": [...], "studies": {uid: n}, "patients": {...}, "forbidden": {...}}. Each
    image gets its own UIDs and its own pixel data (its series and instance number written into
    the first pixels), so each can be found in Orthanc by the hash of its pixel data."""
    longest = max(n for p in patients for _, series in p[4] for _, _, n in series)
    templates = corpora.ct_series(max(longest, 16), 32, out=os.path.join(work, "base"))
    folder = os.path.join(work, name)
    images, forbidden = [], set()
    serial = 0
    for pi, (pname, pid, birth, sex, studies) in enumerate(patients):
        forbidden |= {pname, pname.split("^")[0], pid}
        for si, (date, series_list) in enumerate(studies):
            study_uid = corpora.uid(tag, pi, si, "study")
            frame = corpora.uid(tag, pi, si, "frame")
            forbidden |= {date, study_uid, frame}
            for ri, (modality, sop_class, count) in enumerate(series_list):
                serial += 1
                series_uid = corpora.uid(tag, pi, si, ri, "series")
                forbidden.add(series_uid)
                previous = corpora.uid(tag, pi, si, ri, "localizer")
                forbidden.add(previous)
                out = os.path.join(folder, f"p{pi}", f"s{si}", f"r{ri}")
                os.makedirs(out)
                for i in range(count):
                    ds = pydicom.dcmread(templates[i])
                    sop = corpora.uid(tag, pi, si, ri, i, "image")
                    forbidden.add(sop)
                    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = pname, pid, birth, sex
                    for kw in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate", "InstanceCreationDate"):
                        setattr(ds, kw, date)
                    ds.AccessionNumber = f"ACC{pi}{si}{tag[:4].upper()}"
                    ds.StudyID = f"{pi}{si}"
                    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study_uid, series_uid, frame
                    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = sop
                    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = sop_class
                    ds.Modality = modality
                    ds.SeriesNumber = ri + 1
                    ds.InstanceNumber = i + 1
                    ds.ReferencedImageSequence[0].ReferencedSOPClassUID = sop_class
                    ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID = previous
                    previous = sop
                    pixels = bytearray(ds.PixelData)
                    pixels[0:6] = serial.to_bytes(2, "little") + i.to_bytes(2, "little") + (pi * 16 + si).to_bytes(2, "little")
                    ds.PixelData = bytes(pixels)
                    path = os.path.join(out, "%04d.dcm" % (i + 1))
                    ds.save_as(path, enforce_file_format=True)
                    with open(path, "rb") as fh:   # the search for original values must be able to find them
                        raw = fh.read()
                    for value in (pname, pid, date, study_uid, series_uid, sop, frame):
                        if value.encode("ascii") not in raw:
                            raise RuntimeError(f"corpus: {value} not found in {path}")
                    images.append({"path": path, "sop": sop, "study": study_uid, "series": series_uid, "patient": pid,
                                   "sop_class": sop_class, "modality": modality,
                                   "pixels": hashlib.sha256(bytes(pixels)).hexdigest()})
    studies = {}
    for im in images:
        studies[im["study"]] = studies.get(im["study"], 0) + 1
    return {"folder": folder, "images": images, "studies": studies, "forbidden": forbidden,
            "series": len({im["series"] for im in images})}


def store(corpus, port, log_path, folders=None):
    """storescu the corpus folder (or these of its folders) to sendit in one association; returns
    the acknowledged images (those whose file storescu logged a Success or Warning response for)."""
    with storescu(port, folders or [corpus["folder"]], log_path, "+sd", "+r") as scu:
        scu.end(300)
    stored = set(acknowledged(log_path))
    return [im for im in corpus["images"] if im["path"] in stored]


def pynetdicom_store(images, port):
    """C-STORE these images to sendit with pynetdicom, proposing exactly their SOP classes
    (dcmtk 3.6.7's storescu will not send a SOP class it does not know). Returns those stored."""
    from pynetdicom import AE
    from pydicom.uid import ExplicitVRLittleEndian
    ae = AE(ae_title="PYNETDICOM")
    for sop_class in sorted({im["sop_class"] for im in images}):
        ae.add_requested_context(sop_class, ExplicitVRLittleEndian)
    assoc = ae.associate("127.0.0.1", port, ae_title="SENDIT")
    stored = []
    if not assoc.is_established:
        return stored
    try:
        for im in images:
            status = assoc.send_c_store(pydicom.dcmread(im["path"]))
            if status and status.Status in (0x0000, 0xB000, 0xB007, 0xB006):
                stored.append(im)
    finally:
        assoc.release()
    return stored


# ---------------------------------------------------------------------------------------------
# sendit

def node(root, o, **settings):
    """sendit serve in root delivering to Orthanc o: verified by REST, retried every 2 to 10 s,
    cleaned up at once (RETENTION=0); settings override."""
    return Sendit(ARGS.sendit, root, **{**dict(
        STABLE_AGE="1", RESCAN_INTERVAL="2", CLEANUP_INTERVAL="1", RETENTION="0", SEND_TO_ORTHANC="true",
        ORTHANC_IPADDRESS="127.0.0.1", ORTHANC_PORT=str(o.dicom_port), ORTHANC_AE_TITLE="ORTHANC", ORTHANC_URL=o.url,
        ORTHANC_VERIFY="rest", SEND_RETRY_DELAY="2", SEND_RETRY_MAX_DELAY="10", SEND_WORKERS="2", WORKERS="2"), **settings})


def commitment_node(work, o, **settings):
    """sendit serve in work/sendit verifying by Storage Commitment alone: its REST URL points
    nowhere, so only a commitment result can make an image DONE."""
    return node(os.path.join(work, "sendit"), o, ORTHANC_VERIFY="commitment", ORTHANC_URL="http://127.0.0.1:9",
                **settings)


def settled(s, cleaned, failed=0):
    """True once `cleaned` images were delivered and removed, `failed` are FAILED and nothing
    else is in the index or in flight."""
    d = s.destination()
    st = s.status()
    jobs = st.get("jobsByState", {})
    by_status = {k: v for k, v in st.get("imagesByStatus", {}).items() if v}
    want = {"FAILED": failed} if failed else {}
    return (d["cleanedUp"] >= cleaned and d["failed"] == failed and by_status == want and not jobs.get("queued")
            and not jobs.get("running") and st["images"] == failed)


def describe(s):
    try:
        d, st = s.destination(), s.status()
        return (f"send-status queued {d['queued']} retrying {len(d['retrying'])} series sent {d['sent']} failed {d['failed']} "
                f"done {d['done']} cleanedUp {d['cleanedUp']} failedJobs {d['failedJobs']}; status images {st['images']} "
                f"{st.get('imagesByStatus')} jobs {st.get('jobsByState')}; retrying {d['retrying'][:2]}; refusals {d['refusals']}")
    except Exception as e:  # noqa: BLE001 - a diagnostic only
        return f"(status unavailable: {e})"


# ---------------------------------------------------------------------------------------------
# Checks of what Orthanc holds

def orthanc_contents(o):
    out = []
    for iid in o.get("/instances"):
        raw = o.get(f"/instances/{iid}/file", raw=True)
        ds = pydicom.dcmread(io.BytesIO(raw))
        out.append({"id": iid, "raw": raw, "sop": ds.SOPInstanceUID, "study": ds.StudyInstanceUID,
                    "series": ds.SeriesInstanceUID, "patient": str(ds.PatientID), "name": str(ds.PatientName),
                    "pixels": hashlib.sha256(ds.PixelData).hexdigest()})
    return out


def check_orthanc(o, corpus, expected, phi=True, studies=None, patients=None):
    """Problems with what Orthanc holds, given the images expected there (each exactly once)."""
    problems = []
    held = orthanc_contents(o)
    stats = o.get("/statistics")
    if stats["CountInstances"] != len(expected) or len(held) != len(expected):
        problems.append(f"Orthanc holds {stats['CountInstances']} instances ({len(held)} listed), expected {len(expected)}")
    sops = [h["sop"] for h in held]
    if len(set(sops)) != len(sops):
        problems.append(f"{len(sops) - len(set(sops))} SOP Instance UIDs twice")
    by_pixels = {}
    for h in held:
        by_pixels.setdefault(h["pixels"], []).append(h)
    wanted = {im["pixels"]: im for im in expected}
    twice = [k for k, v in by_pixels.items() if len(v) > 1]
    missing = [im for k, im in wanted.items() if k not in by_pixels]
    unexpected = [k for k in by_pixels if k not in wanted]
    if twice:
        problems.append(f"{len(twice)} images arrived more than once (same pixel data, different UIDs), e.g. "
                        f"{[h['sop'] for h in by_pixels[twice[0]]]}")
    if missing:
        problems.append(f"{len(missing)} acknowledged images are not in Orthanc, e.g. {missing[0]['path']}")
    if unexpected:
        problems.append(f"{len(unexpected)} instances in Orthanc that were not expected there")
    for h in held:
        for uid in (h["sop"], h["study"], h["series"]):
            if not uid.startswith("2.25."):
                problems.append(f"instance {h['id']}: UID {uid} is not a 2.25 UID")
                break
    if studies is not None and stats["CountStudies"] != studies:
        problems.append(f"{stats['CountStudies']} studies in Orthanc, expected {studies}")
    if patients is not None and stats["CountPatients"] != patients:
        problems.append(f"{stats['CountPatients']} patients in Orthanc, expected {patients}")
    # Each original study is one Orthanc study holding its images, each patient one patient.
    for key, label in (("study", "study"), ("patient", "patient")):
        mapped = {}
        for im in expected:
            for h in by_pixels.get(im["pixels"], []):
                mapped.setdefault(im[key], set()).add(h[key])
        for original, targets in mapped.items():
            if len(targets) != 1:
                problems.append(f"original {label} {original} became {len(targets)} {label}s in Orthanc")
        flat = [t for ts in mapped.values() for t in ts]
        if len(flat) != len(set(flat)):
            problems.append(f"two original {label}s share an Orthanc {label}")
        if key == "study":
            for original, targets in mapped.items():
                n_orthanc = sum(1 for h in held if h["study"] in targets)
                n_expected = sum(1 for im in expected if im["study"] == original)
                if n_orthanc != n_expected:
                    problems.append(f"original study {original}: {n_orthanc} instances in its Orthanc study, expected {n_expected}")
    found = 0
    if phi:
        needles = [(v, v.encode("ascii")) for v in sorted(corpus["forbidden"])]
        for h in held:
            for value, needle in needles:
                if needle in h["raw"]:
                    found += 1
                    problems.append(f"instance {h['id']} holds the original value {value!r}")
    figures = {"instances": len(held), "studies": stats["CountStudies"], "patients": stats["CountPatients"]}
    if phi:
        figures["original values"] = f"{len(needles)} searched in {len(held)} files, {found} found"
    return problems, figures


def check_left(s, failed=0):
    data, outbox = s.files_left()
    problems = []
    if data != failed:
        problems.append(f"{data} files left in the data folder, expected {failed}")
    if outbox != failed:   # a FAILED image keeps its de-identified copy, for `sendit retry`
        problems.append(f"{outbox} files left in the outbox, expected {failed}")
    st = s.status()
    if st["images"] != failed:
        problems.append(f"sendit status: {st['images']} image rows, expected {failed}")
    return problems


def figure_times(t0, marks):
    return ", ".join(f"{k} {v - t0:.1f} s" for k, v in marks.items())


# ---------------------------------------------------------------------------------------------
# Cases

def case_end_to_end(work):
    corpus = make_corpus(work, "corpus", PATIENTS, "e2e")
    with Orthanc(os.path.join(work, "orthanc")) as o, node(os.path.join(work, "sendit"), o) as s:
        o.start()
        s.start()
        t0 = time.monotonic()
        acked = store(corpus, s.port, os.path.join(work, "storescu.log"))
        t_sent = time.monotonic()
        problems = []
        if not acked:
            return ["storescu got no Success"], {}
        ok = wait_for(lambda: settled(s, len(acked)), ARGS.timeout, 1)
        t_done = time.monotonic()
        if not ok:
            problems.append(f"not delivered within {ARGS.timeout} s: {describe(s)}")
        d = s.destination()
        if d["cleanedUp"] != len(acked):
            problems.append(f"send-status cleanedUp {d['cleanedUp']}, storescu got Success for {len(acked)}")
        more, figures = check_orthanc(o, corpus, acked, studies=3, patients=2)
        problems += more + check_left(s)
        figures.update(images=len(corpus["images"]), acked=len(acked), series=corpus["series"], cleanedUp=d["cleanedUp"],
                       times=figure_times(t0, {"storescu done": t_sent, "all cleaned up": t_done}))
        return problems, figures


def case_commitment(work):
    """Verification by Storage Commitment: sendit sends N-ACTION after each series; Orthanc
    answers with an N-EVENT-REPORT on an association of its own to sendit's listener. The REST
    URL points nowhere, so only the commitment can make an image DONE."""
    corpus = make_corpus(work, "corpus", PATIENTS, "commit")
    with Orthanc(os.path.join(work, "orthanc")) as o, commitment_node(work, o, COMMITMENT_TIMEOUT="20") as s:
        o.sendit_port = s.port
        o.start()
        s.start()
        acked = store(corpus, s.port, os.path.join(work, "storescu.log"))
        if not acked:
            return ["storescu got no Success"], {}
        problems = []
        if not wait_for(lambda: settled(s, len(acked)), ARGS.timeout, 1):
            problems.append(f"not delivered within {ARGS.timeout} s: {describe(s)}")
        results = s.log_lines("storage commitment result")
        committed = sum(int(re.search(r"committed=(\d+)", line).group(1)) for line in results if "committed=" in line)
        if committed < len(acked):
            problems.append(f"the N-EVENT-REPORTs committed {committed} images, {len(acked)} were acknowledged: {results[:3]}")
        if any("failed=0" not in line for line in results):
            problems.append(f"a commitment result reported failures: {results}")
        more, figures = check_orthanc(o, corpus, acked, studies=3, patients=2)
        problems += more + check_left(s)
        figures.update(acked=len(acked), results=len(results), committed=committed, cleanedUp=s.destination()["cleanedUp"])
        return problems, figures


def case_commitment_unanswered(work):
    """Orthanc's modality "sendit" points at a port nobody listens on: the N-ACTION is accepted
    but no result can come. Nothing may become DONE or be removed; the series keep retrying
    with the reason."""
    corpus = make_corpus(work, "corpus", PATIENTS[:1], "nocommit")
    with Orthanc(os.path.join(work, "orthanc")) as o, \
            commitment_node(work, o, COMMITMENT_TIMEOUT="2", SEND_RETRY_DELAY="1", SEND_RETRY_MAX_DELAY="2") as s:
        o.sendit_port = free_port()
        o.start()
        s.start()
        acked = store(corpus, s.port, os.path.join(work, "storescu.log"))
        if not acked:
            return ["storescu got no Success"], {}
        problems = []

        def retrying():
            d = s.destination()
            return d["retrying"] and all("no storage commitment result" in (r["lastError"] or "") for r in d["retrying"]) \
                and sum(r["attempts"] for r in d["retrying"]) >= 2 * len(d["retrying"])
        if not wait_for(retrying, 60, 1):
            problems.append(f"not retrying for want of a commitment result: {describe(s)}")
        st = s.status()
        by_status = {k: v for k, v in st.get("imagesByStatus", {}).items() if v}
        if by_status != {"SENT": len(acked)}:
            problems.append(f"images {by_status}, expected all {len(acked)} SENT (stored, not verified)")
        if s.destination()["cleanedUp"] or o.count() != len(acked):
            problems.append(f"cleanedUp {s.destination()['cleanedUp']}, Orthanc holds {o.count()} of {len(acked)}")
        return problems, {"acked": len(acked), "sent": by_status.get("SENT", 0), "retrying series": len(s.destination()["retrying"])}


def case_orthanc_late(work):
    corpus = make_corpus(work, "corpus", PATIENTS, "late")
    with Orthanc(os.path.join(work, "orthanc")) as o, \
            node(os.path.join(work, "sendit"), o, SEND_RETRY_DELAY="2", SEND_RETRY_MAX_DELAY="10") as s:
        s.start()
        t0 = time.monotonic()
        acked = store(corpus, s.port, os.path.join(work, "storescu.log"))
        if not acked:
            return ["storescu got no Success"], {}
        problems = []
        seen = wait_for(lambda: [r for r in s.destination()["retrying"] if r.get("lastError")], min(60, ARGS.late), 1)
        if not seen:
            problems.append(f"no retrying series with a lastError while Orthanc was down: {describe(s)}")
        time.sleep(max(0, ARGS.late - (time.monotonic() - t0)))
        d = s.destination()
        data_files, _ = s.files_left()
        attempts = max((r["attempts"] for r in d["retrying"]), default=0)
        if d["cleanedUp"] or d["done"] or d["sent"]:
            problems.append(f"with Orthanc down: sent {d['sent']}, done {d['done']}, cleanedUp {d['cleanedUp']}")
        if data_files < len(acked):
            problems.append(f"with Orthanc down only {data_files} files in the data folder, {len(acked)} acknowledged")
        down = {"retrying_series": len(d["retrying"]), "max_attempts": attempts,
                "lastError": (seen[0]["lastError"] if seen else None)}
        t_up = time.monotonic()
        o.start()
        ok = wait_for(lambda: settled(s, len(acked)), ARGS.timeout, 1)
        t_done = time.monotonic()
        if not ok:
            problems.append(f"not delivered within {ARGS.timeout} s of Orthanc's start: {describe(s)}")
        more, figures = check_orthanc(o, corpus, acked, studies=3, patients=2)
        problems += more + check_left(s)
        figures.update(acked=len(acked), while_down=down,
                       times=f"Orthanc started {t_up - t0:.1f} s after the first image, everything cleaned up "
                             f"{t_done - t_up:.1f} s later")
        return problems, figures


def _orthanc_killed_once(work):
    """One try of case_orthanc_killed: (problems, figures, whether the kill missed the sending)."""
    os.makedirs(work, exist_ok=True)
    corpus = make_corpus(work, "corpus", [("Killorth^Tamsin", "KT40404", "19850505", "F",
                                           [("20240202", [("CT", CTImageStorage, ARGS.big)])])], "okill")
    with Orthanc(os.path.join(work, "orthanc")) as o, \
            node(os.path.join(work, "sendit"), o, SEND_RETRY_DELAY="1", SEND_RETRY_MAX_DELAY="4") as s:
        o.start()
        s.start()
        t0 = time.monotonic()
        acked = store(corpus, s.port, os.path.join(work, "storescu.log"))
        total = len(acked)
        if total < ARGS.big:
            return [f"storescu got Success for {total} of {ARGS.big}"], {}, False
        problems = []
        at_kill = None
        deadline = time.monotonic() + ARGS.timeout
        while time.monotonic() < deadline:
            n = o.count() or 0
            if 0 < n < total:
                o.kill9()
                at_kill = n
                break
            if n >= total:
                break
            time.sleep(0.01)
        t_kill = time.monotonic()
        if at_kill is None:
            return [f"the kill did not fall during sending (Orthanc count {o.count()} of {total})"], {}, True
        time.sleep(1.5)
        d = s.destination()
        down = {"retrying": len(d["retrying"]), "lastError": d["retrying"][0]["lastError"] if d["retrying"] else None}
        if d["cleanedUp"] or d["done"]:
            problems.append(f"with Orthanc killed: done {d['done']}, cleanedUp {d['cleanedUp']}")
        time.sleep(1.5)
        o.start()
        # /statistics lags behind the stores a little: what the restarted Orthanc holds is what
        # it had committed at the kill, the proof that the kill fell during sending.
        after_restart = o.count()
        if after_restart is None or after_restart < at_kill:
            problems.append(f"after the restart Orthanc holds {after_restart} instances, {at_kill} before the kill "
                            f"(storage not kept?)")
        elif after_restart >= total:
            problems.append(f"the kill did not fall during sending: the restarted Orthanc holds all {after_restart}")
        ok = wait_for(lambda: settled(s, total), ARGS.timeout, 1)
        t_done = time.monotonic()
        if not ok:
            problems.append(f"not delivered within {ARGS.timeout} s of Orthanc's restart: {describe(s)}")
        more, figures = check_orthanc(o, corpus, acked, phi=False, studies=1, patients=1)
        problems += more + check_left(s)
        figures.update(acked=total, orthanc_at_kill=at_kill, after_restart=after_restart, while_down=down,
                       times=f"kill {t_kill - t0:.1f} s after the first image, done {t_done - t_kill:.1f} s after the kill")
        missed = after_restart is not None and after_restart >= total
        return problems, figures, missed


def case_orthanc_killed(work):
    """Orthanc killed -9 while sendit sends a 300-image series, then restarted: every image
    arrives, nothing is cleaned up while it is down. The kill is aimed by Orthanc's /statistics,
    which lags the stores: when the restarted Orthanc already holds everything, the kill fell
    after the sending and the try proves nothing, so it is made again (at most 3 tries, each in
    fresh folders); a try that hit the sending decides."""
    for attempt in range(1, 4):
        problems, figures, missed = _orthanc_killed_once(os.path.join(work, f"try{attempt}"))
        if not missed:
            figures["tries"] = attempt
            return problems, figures
    return problems, figures


def case_sendit_killed(work):
    rng = random.Random(ARGS.seed)
    spec = [("Killsend^Barnaby", "KB31337", "19900101", "M",
             [("20240909", [("CT", CTImageStorage, ARGS.per_series), ("MR", MRImageStorage, ARGS.per_series)]),
              ("20240910", [("CT", CTImageStorage, ARGS.per_series)])])]
    corpus = make_corpus(work, "corpus", spec, "skill")
    problems, trials, kills, checked, restarts_waited = [], [], 0, 0, []
    wan = WAN(work) if ARGS.wan else None
    with Orthanc(os.path.join(work, "orthanc")) as o:
        o.start()
        for n in range(1, ARGS.trials + 1):
            if n > 1:
                o.empty()
            with node(os.path.join(work, f"trial{n:02d}"), o, **(wan.start(o, n) if wan else {})) as s:
                s.start()
                tp = []
                acked = store(corpus, s.port, os.path.join(s.root, "storescu.log"))
                total = len(acked)
                if total != len(corpus["images"]):
                    tp.append(f"storescu got Success for {total} of {len(corpus['images'])}")
                target = rng.randint(1, total * 9 // 10)   # not at the very end: the kill must land while sending
                at_kill = orthanc_at_kill = None
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    c = o.count() or 0
                    if wan:   # the windowed destination is the faster one: the kill falls while it is sending
                        c = wan.count()
                    if c >= target:
                        if c < total:
                            s.kill()
                            at_kill = c
                            orthanc_at_kill = o.count() if wan else None
                            # what Orthanc got after the kill (responses in flight)
                        break
                    time.sleep(0.005)
                after_kill = None
                if at_kill is not None:
                    time.sleep(0.3)   # /statistics lags a little; nothing arrives once sendit is dead
                    after_kill = o.count() if not wan else wan.count()
                if at_kill is None or after_kill is None or after_kill >= total:
                    tp.append(f"no kill during sending: target {target}, Orthanc count {at_kill} at the kill, "
                              f"{after_kill if after_kill is not None else o.count()} of {total} after it")
                    s.kill()
                else:
                    kills += 1
                t_restart = time.monotonic()
                s.start()
                ok = wait_for(lambda: settled(s, total), ARGS.timeout, 0.5)
                waited = time.monotonic() - t_restart
                restarts_waited.append(waited)
                if not ok:
                    tp.append(f"trial {n}: not delivered within {ARGS.timeout} s of the restart: {describe(s)}")
                more, fig = check_orthanc(o, corpus, acked, phi=False, studies=2, patients=1)
                tp += more + check_left(s) + (wan.check(acked) if wan else [])
                checked += fig["instances"]
                trials.append({"trial": n, "target": target, "at_kill": at_kill, "after_kill": after_kill,
                               "after_restart_s": round(waited, 1),
                               "ok": not tp})
                where = f"at the window destination (Orthanc then {orthanc_at_kill})" if wan else "in Orthanc"
                log(f"    trial {n:2d}: kill at {at_kill} of {total} {where} (target {target}; {after_kill} once "
                    f"settled), "
                    f"delivered {waited:.1f} s after the restart  {'FAIL' if tp else 'ok'}")
                for p in tp[:4]:
                    log(f"      {p}")
                problems += [f"trial {n}: {p}" for p in tp]
        wan_figures = {}
        if wan:
            wan.stop()
            wan_figures = wan.figures()
            problems += wan.problems
        if kills < ARGS.trials:
            problems.append(f"only {kills} of {ARGS.trials} kills fell during sending")
        return problems, {"trials": len(trials), "kills_during_sending": kills, "instances_checked": checked,
                          "images_per_trial": len(corpus["images"]), "seed": ARGS.seed,
                          "restart_to_done_s": f"{min(restarts_waited):.1f}-{max(restarts_waited):.1f}",
                          **wan_figures}


class WAN:
    """--wan: the delay proxies in front of Orthanc and of a window acceptor (a new one per
    trial), the settings that send through them, and the acceptor's checks."""

    def __init__(self, work):
        self.work, self.acceptor, self.proxies, self.problems = work, None, [], []
        self.windows, self.most_outstanding = set(), 0

    def start(self, o, trial):
        self.stop()
        self.acceptor = WindowAcceptor(os.path.join(self.work, f"acceptor{trial:02d}"), window=8)
        self.proxies = [DelayProxy(o.dicom_port, ARGS.wan), DelayProxy(self.acceptor.port, ARGS.wan)]
        return dict(ORTHANC_PORT=str(self.proxies[0].port), SEND_ASSOCIATIONS="4", SEND_ASYNC_WINDOW="8",
                    EXTRA_DESTINATIONS=f"window=WINDOW@127.0.0.1:{self.proxies[1].port}")

    def count(self):
        return len(self.acceptor.stored())

    def check(self, acked):
        """Problems unless the acceptor holds each acknowledged image exactly once (by its pixel
        data, as check_orthanc finds them), under a window of 8 that was used."""
        problems, held = [], {}
        for uid in self.acceptor.stored():
            ds = pydicom.dcmread(os.path.join(self.acceptor.folder, uid + ".dcm"))
            held.setdefault(hashlib.sha256(ds.PixelData).hexdigest(), []).append(uid)
        wanted = {im["pixels"] for im in acked}
        twice = [v for v in held.values() if len(v) > 1]
        if twice:
            problems.append(f"window destination: {len(twice)} images under two SOP Instance UIDs, e.g. {twice[0]}")
        if set(held) != wanted:
            problems.append(f"window destination: holds {len(held)} distinct images, expected {len(wanted)} "
                            f"({len(wanted - set(held))} missing)")
        self.windows |= {e["window"] for e in self.acceptor.events("associate")}
        self.most_outstanding = max([self.most_outstanding] + [e["outstanding"] for e in self.acceptor.events("received")])
        return problems

    def stop(self):
        for p in self.proxies + ([self.acceptor] if self.acceptor else []):
            p.stop()
        self.proxies = []

    def figures(self):
        if self.windows != {8} or self.most_outstanding < 2:
            self.problems.append(f"the window was not used: windows {self.windows}, at most {self.most_outstanding} outstanding")
        return {"wan_delay_ms": ARGS.wan, "window_negotiated": sorted(self.windows, key=str),
                "most_outstanding": self.most_outstanding}


def case_refused_sop_class(work):
    spec = [("Refusa^Ignatius", "RI77001", "19700707", "M",
             [("20240505", [("CT", CTImageStorage, 10), ("PA", PHOTOACOUSTIC, 6), ("CT", CTImageStorage, 5)])])]
    corpus = make_corpus(work, "corpus", spec, "refuse")
    # sendit's burned-in allowlist holds photoacoustic images (an ultrasound kind): a site rule
    # lets them through, so that it is Orthanc that refuses them.
    rules = os.path.join(work, "burned-in.rules")
    with open(rules, "w") as fh:
        fh.write("allow refused-class-test if SOPClassUID is PhotoacousticImageStorage\n")
    with Orthanc(os.path.join(work, "orthanc")) as o, node(os.path.join(work, "sendit"), o, BURNED_IN_RULES=rules) as s:
        o.start()
        s.start()
        # storescu (dcmtk 3.6.7) refuses to send a SOP class it does not know: pynetdicom sends those.
        unknown = [im for im in corpus["images"] if im["sop_class"] == PHOTOACOUSTIC]
        folders = sorted({os.path.dirname(im["path"]) for im in corpus["images"] if im not in unknown})
        good = store(corpus, s.port, os.path.join(work, "storescu.log"), folders)
        refused = pynetdicom_store(unknown, s.port)
        acked = good + refused
        if not refused or not good:
            return [f"storescu got Success for {len(good)} CT and {len(refused)} photoacoustic images"], {}
        problems = []
        ok = wait_for(lambda: settled(s, len(good), failed=len(refused)), ARGS.timeout, 1)
        if not ok:
            problems.append(f"not settled within {ARGS.timeout} s: {describe(s)}")
        d = s.destination()
        st = s.status()
        refusals = d["refusals"]
        if sum(r["images"] for r in refusals) != len(refused) or not all(r.get("reason") for r in refusals):
            problems.append(f"send-status refusals {refusals}, expected {len(refused)} images with a reason")
        if st.get("imagesByStatus", {}).get("FAILED") != len(refused):
            problems.append(f"sendit status imagesByStatus {st.get('imagesByStatus')}, expected FAILED {len(refused)}")
        more, figures = check_orthanc(o, corpus, good, studies=1, patients=1)
        problems += more + check_left(s, failed=len(refused))
        figures.update(acked=len(acked), refused=len(refused), refusals=refusals, cleanedUp=d["cleanedUp"])
        return problems, figures


FILTER_LUA = """-- written by conformance/delivery_test.py: Orthanc drops the MR images (and answers
-- Success for them: Orthanc 1.10.1 has no way to answer a refusal status from Lua).
function ReceivedInstanceFilter(dicom, origin, info)
  return dicom.Modality ~= 'MR'
end
"""

def case_filtered_success(work):
    spec = [("Filtra^Wendeline", "FW12121", "19880808", "F",
             [("20240606", [("CT", CTImageStorage, 8), ("MR", MRImageStorage, 6)])])]
    corpus = make_corpus(work, "corpus", spec, "filter")
    lua = os.path.join(work, "filter.lua")
    with open(lua, "w") as f:
        f.write(FILTER_LUA)
    with Orthanc(os.path.join(work, "orthanc"), lua=lua) as o, node(os.path.join(work, "sendit"), o) as s:
        o.start()
        s.start()
        acked = store(corpus, s.port, os.path.join(work, "storescu.log"))
        dropped = [im for im in acked if im["modality"] == "MR"]
        good = [im for im in acked if im["modality"] != "MR"]
        if not dropped or not good:
            return [f"storescu got Success for {len(good)} CT and {len(dropped)} MR images"], {}
        problems = []
        # The CT series is delivered; then watch the MR series for a while.
        ok = wait_for(lambda: s.destination()["cleanedUp"] >= len(good), ARGS.timeout, 1)
        if not ok:
            problems.append(f"the CT images were not delivered within {ARGS.timeout} s: {describe(s)}")
        time.sleep(ARGS.watch)
        d, st = s.destination(), s.status()
        data_files, _ = s.files_left()
        if d["cleanedUp"] != len(good):
            problems.append(f"cleanedUp {d['cleanedUp']}: images Orthanc dropped count as delivered "
                            f"(expected {len(good)})")
        if d["done"]:
            problems.append(f"{d['done']} images DONE that Orthanc does not hold")
        if data_files < len(dropped):
            problems.append(f"only {data_files} originals left of the {len(dropped)} images Orthanc dropped")
        if o.count() != len(good):
            problems.append(f"Orthanc holds {o.count()} instances, expected {len(good)} (the filter did not drop the MR?)")
        notes = s.log_lines("verif", "missing", "not found")[-3:]
        return problems, {"acked": len(acked), "dropped_by_orthanc": len(dropped), "cleanedUp": d["cleanedUp"],
                          "after_s": ARGS.watch, "imagesByStatus": st.get("imagesByStatus"),
                          "sent": d["sent"], "failed": d["failed"], "refusals": d["refusals"],
                          "retrying": [{k: r[k] for k in ("images", "attempts", "lastError")} for r in d["retrying"]],
                          "log": notes}


def case_realistic(work):
    """pydicom's test files, a generated CT series and realistic headers whose removed values are
    words of kept ones (conformance/realistic_headers.py), dropped as one finished folder into
    the data folder: through the whole node into Orthanc. Every image is delivered, or held or
    failed with a stated reason; none is refused by the PHI gate, none is left in flight."""
    files = os.path.join(work, "inputs")
    os.makedirs(files)
    py = sys.executable
    subprocess.run([py, os.path.join(ARGS.repo, "conformance", "interop_tools.py"), "make-corpus", os.path.join(work, "pydicom")],
                   check=True, capture_output=True)
    ct = os.path.dirname(corpora.ct_series(20, 64, seed=33, out=os.path.join(work, "ct"))[0])
    template = os.path.join(ct, sorted(os.listdir(ct))[0])
    subprocess.run([py, os.path.join(ARGS.repo, "conformance", "realistic_headers.py"), template, os.path.join(work, "realistic")],
                   check=True, capture_output=True)
    n = 0
    for folder in (os.path.join(work, "pydicom", "files"), ct, os.path.join(work, "realistic")):
        for name in sorted(os.listdir(folder)):
            n += 1
            shutil.copy(os.path.join(folder, name), os.path.join(files, f"{n:04d}-{name}"))
    with Orthanc(os.path.join(work, "orthanc")) as o, node(os.path.join(work, "sendit"), o) as s:
        o.start()
        s.start()
        # A finished folder, by the data folder's contract: written as .tmp, then renamed.
        staging = os.path.join(s.data, "realistic.tmp")
        shutil.copytree(files, staging)
        os.rename(staging, os.path.join(s.data, "realistic"))

        def quiet():
            st, d = s.status(), s.destination()
            jobs = st.get("jobsByState", {})
            by = st.get("imagesByStatus", {})
            rest = sum(v for k, v in by.items() if k not in ("HELD", "FAILED"))
            return st["images"] > 0 and rest == 0 and not jobs.get("queued") and not jobs.get("running") and not d["retrying"]
        problems = []
        if not wait_for(lambda: quiet() and (time.sleep(3) or quiet()), max(ARGS.timeout, 240), 2):
            problems.append(f"not settled: {describe(s)}")
        st, d = s.status(), s.destination()
        held, failed = {}, {}
        for line in st.get("seriesLines", []):
            for reason, k in line.get("heldReasons", {}).items():
                held[reason] = held.get(reason, 0) + k
            for reason, k in line.get("failedReasons", {}).items():
                failed[reason] = failed.get(reason, 0) + k
        gate = {r: k for r, k in failed.items() if "PHI gate" in r}
        if gate:
            problems.append(f"{sum(gate.values())} images refused by the PHI gate: {gate}")
        unexplained = [r for r in list(held) + list(failed) if not r or r == "?"]
        if unexplained:
            problems.append(f"held or failed without a reason: {len(unexplained)}")
        delivered = o.get("/statistics")["CountInstances"]
        if delivered < 100:
            problems.append(f"only {delivered} instances in Orthanc")
        if d["cleanedUp"] != delivered:
            problems.append(f"{d['cleanedUp']} cleaned up, {delivered} in Orthanc")
        reasons = sorted(held.items()) + sorted(failed.items())
        figures = {"files": n, "delivered": delivered, "held": sum(held.values()), "failed": sum(failed.values()),
                   "quarantined": st.get("quarantined"), "gate refusals": sum(gate.values()),
                   "reasons": "; ".join(f"{k}x {r[:90]}" for r, k in reasons)}
        return problems, figures


RUNNERS = {"end-to-end": case_end_to_end, "orthanc-late": case_orthanc_late, "orthanc-killed": case_orthanc_killed,
           "sendit-killed": case_sendit_killed, "refused-sop-class": case_refused_sop_class,
           "filtered-success": case_filtered_success, "commitment": case_commitment,
           "commitment-unanswered": case_commitment_unanswered, "realistic": case_realistic}


def main():
    global ARGS
    p = runs.parser("conformance/delivery-test", __doc__)
    p.add_argument("--case", action="append", choices=CASES, help="run this case (repeatable; default: all)")
    p.add_argument("--trials", type=int, default=10, help="sendit-killed trials (default 10)")
    p.add_argument("--per-series", type=int, default=60, help="sendit-killed: images per series, 3 series (default 60)")
    p.add_argument("--big", type=int, default=300, help="orthanc-killed: images in the series (default 300)")
    p.add_argument("--late", type=float, default=120, help="orthanc-late: seconds before Orthanc starts (default 120)")
    p.add_argument("--watch", type=float, default=20, help="filtered-success: seconds to watch the dropped images (default 20)")
    p.add_argument("--timeout", type=float, default=120, help="seconds to wait for delivery (default 120)")
    p.add_argument("--wan", type=float, default=0, metavar="MS",
                   help="sendit-killed over scripts/delay-proxy (MS each way), 4 associations, a window of 8 (default 0: off)")
    runs.add_common_options(p, "the kill points", "the results")
    ARGS = p.parse_args()
    if ARGS.trials < 1 or ARGS.big < 3 or ARGS.per_series < 2:
        p.error("--trials must be >= 1, --big >= 3, --per-series >= 2")
    ARGS.seed = runs.seed(ARGS)
    cases = ARGS.case or CASES
    work = tempfile.mkdtemp(prefix="sendit-delivery-test.")
    log(f"delivery-test: sendit {ARGS.sendit}, Orthanc {orthanc.version()}, cases {', '.join(cases)}, seed {ARGS.seed}")
    failed = True
    try:
        results, failed = runs.run_cases(cases, RUNNERS, work, log)
        passed = sum(1 for r in results if r["ok"])
        log(f"delivery-test: {passed} passed, {len(results) - passed} failed")
        if ARGS.json:
            with open(ARGS.json, "w") as f:
                json.dump({"seed": ARGS.seed, "cases": results}, f, indent=1, default=str)
        return 1 if failed else 0
    finally:
        runs.finish_work(work, ARGS.keep or failed)


if __name__ == "__main__":
    with children.session():
        sys.exit(main())
