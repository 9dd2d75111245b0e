#!/usr/bin/env python3
"""conformance/google_test.py: `sendit serve` uploads de-identified series to Google Cloud
Storage as NIfTI (.nii.gz) plus a metadata JSON, and each volume is compared with what dcm2niix
makes of the same de-identified series.

The pieces are real: gcp-storage-emulator (PyPI) holds the bucket; conformance/gcs_double.py
stands in front of it as Google's token endpoint (it VERIFIES the service account's RS256 JWT
with the public key) and as a proxy that refuses storage requests without the bearer token;
the service-account key is a fresh RSA key made with openssl; dcm2niix (Debian) and nibabel
(PyPI) make and load the reference volumes (conformance/nifti_compare.py compares them).

Series, dropped as finished folders into DATA_FOLDER:
  ct         an axial CT series (scripts/make-ct-corpus.py), int16 with rescale
  oblique    MR-like, oblique, uint16, rescale, files in an order unrelated to position
  sagittal   sagittal int16 with negative values
  enhanced   one Enhanced MR multi-frame object (7 frames)
  jpeg       the CT series again with new UIDs, JPEG lossless (dcmcjpeg): not convertible,
             must be recorded as skipped with the reason
  late       one more CT image after the CT volume was uploaded: skipped ("arrived after"),
             the uploaded volume unchanged
Checks: every image DONE; send-status shows the four volumes' images done and the JPEG series
skipped with "not convertible"; the bucket holds exactly COLLECTION/<patient code>/<accession
code>/<series>.nii.gz and .json for the four; each volume equals dcm2niix's (same shape, same
raw voxels, affine within 1e-3); the JSON has only the configured fields and equals the
volume's custom metadata; no original PatientName, PatientID or AccessionNumber appears in any
object; the token endpoint was asked once (the token is cached).

Usage: google_test.py --sendit BIN --repo REPO [--keep]
Exit 0 if every check passed, 1 otherwise.
"""
import argparse
import contextlib
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import children, corpora  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.services import GcsDouble, GcsEmulator  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

BUCKET = "research"
COLLECTION = "trial7"
FIELDS = "PatientID,AccessionNumber,Modality,SeriesDescription,SeriesNumber,StudyDate,ImageCount,SliceThickness,Matrix"
PHI = {"ct": ("Original^Alice", "MRN-ALICE-1", "ACC-ALICE-1"), "oblique": ("Original^Bob", "MRN-BOB-2", "ACC-BOB-2"),
       "sagittal": ("Original^Carol", "MRN-CAROL-3", "ACC-CAROL-3"), "enhanced": ("Original^Dave", "MRN-DAVE-4", "ACC-DAVE-4"),
       "jpeg": ("Original^Erin", "MRN-ERIN-5", "ACC-ERIN-5")}

problems = []


def problem(text):
    problems.append(text)
    print("  PROBLEM: " + text, flush=True)


def http_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def http_bytes(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def make_corpus(py, repo, root):
    """Five series folders under root/in, each with its own patient (names from PHI)."""
    import_dir = os.path.join(root, "in")
    os.makedirs(import_dir)
    ct_src = os.path.dirname(corpora.ct_series(24, 64, seed=31, out=os.path.join(root, "ct-src"))[0])
    shutil.copytree(ct_src, os.path.join(import_dir, "ct"))
    for seed, kind in enumerate(("oblique", "sagittal", "enhanced"), start=41):
        subprocess.run([py, os.path.join(repo, "conformance/nifti_compare.py"), "series", kind, os.path.join(import_dir, kind),
                        "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    # The JPEG series: the CT again under new UIDs, then compressed by dcmtk.
    jpeg = os.path.join(import_dir, "jpeg")
    os.makedirs(jpeg)
    subprocess.run([py, "-c", """
import os, sys, pydicom
from pydicom.uid import generate_uid
src, dst = sys.argv[1], sys.argv[2]
study, series = generate_uid(), generate_uid()
for name in sorted(os.listdir(src)):
    ds = pydicom.dcmread(os.path.join(src, name))
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(os.path.join(dst, name + ".raw"))
""", ct_src, jpeg], check=True)
    for raw in glob.glob(os.path.join(jpeg, "*.raw")):
        subprocess.run(["dcmcjpeg", raw, raw[:-4]], check=True)
        os.remove(raw)
    # Patients, so the PHI search has values to look for.
    for kind, (name, pid, acc) in PHI.items():
        subprocess.run([py, "-c", """
import os, sys, pydicom
folder, name, pid, acc = sys.argv[1:5]
for f in os.listdir(folder):
    path = os.path.join(folder, f)
    ds = pydicom.dcmread(path)
    ds.PatientName, ds.PatientID, ds.AccessionNumber = name, pid, acc
    ds.save_as(path)
""", os.path.join(import_dir, kind), name, pid, acc], check=True)
    return import_dir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sendit", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    py = sys.executable
    repo = args.repo
    root = tempfile.mkdtemp(prefix="sendit-google-")
    print(f"google test: work folder {root}", flush=True)
    try:
        with contextlib.ExitStack() as running:   # what run() starts, stopped when it returns
            run(args, py, repo, root, running)
    except Exception as e:  # a crash is a failure with its reason, not a traceback alone
        problem(f"the test could not run: {e!r}")
    if problems:
        print(f"google test: FAILED ({len(problems)} problems); work folder kept: {root}")
        return 1
    print("google test: passed")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def run(args, py, repo, root, running):
    for tool in ("dcm2niix", "dcmcjpeg", "openssl"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is needed (scripts/setup installs it)")
    import_dir = make_corpus(py, repo, root)
    counts = {kind: len(os.listdir(os.path.join(import_dir, kind))) for kind in PHI}
    total = sum(counts.values())

    # The bucket, and Google's side in front of it.
    emulator = running.enter_context(GcsEmulator(BUCKET, os.path.join(root, "emulator.log")))
    key, pub = os.path.join(root, "key.pem"), os.path.join(root, "pub.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)
    email = "sendit-test@example-project.iam.gserviceaccount.com"
    token_log = os.path.join(root, "google.jsonl")
    double = running.enter_context(GcsDouble(token_log, emulator.url, "--public-key", pub, "--client-email", email,
                                             "--kid", "key-1", "--require-token"))
    account = os.path.join(root, "service-account.json")
    with open(account, "w") as f:
        json.dump({"type": "service_account", "project_id": "example-project", "private_key_id": "key-1",
                   "private_key": open(key).read(), "client_email": email, "client_id": "1",
                   "token_uri": f"{double.url}/token"}, f)
    os.chmod(account, 0o600)

    node = running.enter_context(Sendit(
        args.sendit, root, STABLE_AGE="1", RESCAN_INTERVAL="1", CLEANUP_INTERVAL="1", RETENTION="never",
        SEND_TO_GOOGLE="true", GOOGLE_CLOUD_STORAGE=BUCKET, GOOGLE_APPLICATION_CREDENTIALS=account,
        GOOGLE_STORAGE_ENDPOINT=double.url, GOOGLE_STORAGE_COLLECTION=COLLECTION, GOOGLE_METADATA_FIELDS=FIELDS,
        SEND_RETRY_DELAY="1", SEND_RETRY_MAX_DELAY="2"))
    data = node.data
    os.makedirs(data)
    node.start()
    # Finished folders, by the folder contract: written as NAME.tmp, then renamed.
    for kind in PHI:
        shutil.copytree(os.path.join(import_dir, kind), os.path.join(data, kind + ".tmp"))
        if kind == "sagittal":
            # Copied with their times kept (cp -p, rsync -t): all but one file an hour old, the
            # last one just written. The folder must wait for it, not send a volume missing it.
            names = sorted(os.listdir(os.path.join(data, kind + ".tmp")))
            for name in names[:-1]:
                past = time.time() - 3600
                os.utime(os.path.join(data, kind + ".tmp", name), (past, past))
        os.rename(os.path.join(data, kind + ".tmp"), os.path.join(data, kind))

    def status(command):
        out = node.run(command, "--json")
        return json.loads(out.stdout) if out.returncode == 0 else {}

    def all_done():
        s = status("status")
        return s.get("imagesByStatus") == {"DONE": total} and not s.get("jobsByState", {}).get("queued") \
            and not s.get("jobsByState", {}).get("running")

    started = time.time()
    if not wait_for(all_done, 120):
        s = status("status")
        problem(f"after 120 s: images {s.get('imagesByStatus')}, jobs {s.get('jobsByState')} (expected {total} DONE)")
        return
    print(f"  {total} images DONE {time.time() - started:.1f} s after the folders were dropped", flush=True)
    google = next((d for d in status("send-status").get("destinations", []) if d["name"] == "google"), None)
    convertible = total - counts["jpeg"]
    if google is None:
        problem("send-status shows no google destination")
    else:
        if google["done"] != convertible:
            problem(f"send-status: google done {google['done']}, expected {convertible}")
        if google["skipped"] != counts["jpeg"] or not all("not convertible" in r["reason"] for r in google["skipReasons"]):
            problem(f"send-status: google skipped {google['skipped']} {google['skipReasons']}, expected {counts['jpeg']} not convertible")
        else:
            print(f"  the JPEG series: {google['skipped']} images skipped: {google['skipReasons'][0]['reason']}", flush=True)

    # The bucket, read from the emulator directly.
    bucket = f"{emulator.url}/storage/v1/b/{BUCKET}/o"
    listing = http_json(bucket)
    names = sorted(item["name"] for item in listing.get("items", []))
    volumes = [n for n in names if n.endswith(".nii.gz")]
    documents = [n for n in names if n.endswith(".json")]
    if len(volumes) != 4 or len(documents) != 4 or len(names) != 8:
        problem(f"the bucket holds {names}; expected 4 volumes and 4 JSON documents")
    outbox = node.outbox
    phi_values = [v.encode() for values in PHI.values() for v in values]
    compared = 0
    ct_names = set()
    for name in volumes:
        parts = name.split("/")
        if len(parts) != 4 or parts[0] != COLLECTION or not parts[3].endswith(".nii.gz"):
            problem(f"object name {name} is not {COLLECTION}/<patient>/<accession>/<series>.nii.gz")
            continue
        series = parts[3][: -len(".nii.gz")]
        quoted = urllib.parse.quote(name, safe="")
        volume = http_bytes(f"{bucket}/{quoted}?alt=media")
        meta = http_json(f"{bucket}/{quoted}")
        base = name[: -len(".nii.gz")]
        document_bytes = http_bytes(f"{bucket}/{urllib.parse.quote(base + '.json', safe='')}?alt=media")
        document = json.loads(document_bytes)
        if document.get("Modality") == "CT":
            ct_names.add(name)
        raw = gzip.decompress(volume)
        for value in phi_values:
            if value in raw or value in document_bytes or value in json.dumps(meta).encode():
                problem(f"{name}: the original value {value.decode()} is in the uploaded objects")
        if set(document) - set(FIELDS.split(",")):
            problem(f"{base}.json has fields not configured: {sorted(set(document) - set(FIELDS.split(',')))}")
        for required in ("PatientID", "AccessionNumber", "Modality", "ImageCount", "Matrix"):
            if required not in document:
                problem(f"{base}.json lacks {required}: {document}")
        if meta.get("metadata") != document:
            problem(f"{name}: custom metadata {meta.get('metadata')} differs from the JSON document {document}")
        if document.get("PatientID") != parts[1] or document.get("AccessionNumber") != parts[2]:
            problem(f"{name}: the path does not carry the coded IDs of its document {document}")
        # dcm2niix on the same de-identified series (the outbox copies; RETENTION=never keeps them).
        series_dir = os.path.join(outbox, series)
        if not os.path.isdir(series_dir):
            problem(f"no outbox folder {series_dir} for {name}")
            continue
        ours = os.path.join(root, "ours-" + series + ".nii.gz")
        with open(ours, "wb") as f:
            f.write(volume)
        theirs_dir = os.path.join(root, "dcm2niix-" + series)
        os.makedirs(theirs_dir)
        subprocess.run(["dcm2niix", "-z", "y", "-b", "n", "-f", "%s", "-o", theirs_dir, series_dir], check=True,
                       capture_output=True)
        theirs = sorted(glob.glob(os.path.join(theirs_dir, "*.nii.gz")))
        if len(theirs) != 1:
            problem(f"dcm2niix made {theirs} from {series_dir}")
            continue
        out = subprocess.run([py, os.path.join(repo, "conformance/nifti_compare.py"), "compare", ours, theirs[0],
                              "--dicom", series_dir], capture_output=True, text=True)
        if out.returncode != 0:
            problem(f"nifti_compare.py failed on {name}: {out.stderr.strip()[-300:]}")
            continue
        c = json.loads(out.stdout)
        # dcm2niix 1.0.20220720 (Debian 12) drops the sign of signed data whose BitsStored is
        # below BitsAllocated (rordenlab/dcm2niix#688): there the stored bits must agree, and
        # ours must equal pydicom's pixel arrays exactly.
        same_voxels = c.get("raw_equal") or (c.get("low12_equal") and c.get("max_abs_diff_vs_pydicom") == 0)
        ok = c["shape_ours"] == c["shape_theirs"] and same_voxels and c["max_abs_affine_diff"] <= 1e-3
        print(f"  {document.get('Modality', '?')} {series[:24]}…: shape {c['shape_ours']} vs dcm2niix {c['shape_theirs']}, "
              f"raw equal {c.get('raw_equal')}, max |scaled diff| {c.get('max_abs_scaled_diff')}, "
              f"max |affine diff| {c['max_abs_affine_diff']:.2e}, max |diff| vs pydicom {c.get('max_abs_diff_vs_pydicom')}"
              + ("" if c.get("raw_equal") else f", stored bits equal {c.get('low12_equal')} (dcm2niix#688)"), flush=True)
        if not ok:
            problem(f"{name} differs from dcm2niix: {json.dumps({k: v for k, v in c.items() if not k.startswith('affine')})}")
        compared += 1
    if compared != 4:
        problem(f"{compared} volumes compared with dcm2niix, expected 4")
    # A late image of the CT series, after its volume was uploaded: not merged, and the volume
    # in the bucket is not replaced by one of the late image alone; recorded as skipped.
    ct_volumes = [n for n in volumes if n in ct_names]
    late = os.path.join(root, "late")
    os.makedirs(late)
    first = sorted(os.listdir(os.path.join(import_dir, "ct")))[0]
    subprocess.run([py, "-c", """
import sys, pydicom
from pydicom.uid import generate_uid
ds = pydicom.dcmread(sys.argv[1])
ds.SOPInstanceUID = generate_uid()
ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
ds.InstanceNumber = 999
ds.save_as(sys.argv[2])
""", os.path.join(import_dir, "ct", first), os.path.join(late, "late.dcm")], check=True)
    before = {n: http_json(f"{bucket}/{urllib.parse.quote(n, safe='')}").get("md5Hash") for n in ct_volumes}
    shutil.copytree(late, os.path.join(data, "late.tmp"))
    os.rename(os.path.join(data, "late.tmp"), os.path.join(data, "late"))
    def late_skips():
        g = next((d for d in status("send-status").get("destinations", []) if d["name"] == "google"), {})
        skips = [r for r in g.get("skipReasons", []) if "arrived after" in r["reason"]]
        return skips if skips and status("status").get("imagesByStatus") == {"DONE": total + 1} else None, g

    skipped = wait_for(lambda: late_skips()[0], 60)
    if not skipped:
        _, g = late_skips()
        problem(f"the late image: send-status {g.get('skipReasons')}, images {status('status').get('imagesByStatus')}")
    after = {n: http_json(f"{bucket}/{urllib.parse.quote(n, safe='')}").get("md5Hash") for n in ct_volumes}
    if len(ct_volumes) != 1 or before != after:
        problem(f"the CT volume changed after a late image: {before} -> {after}")
    elif skipped:
        print(f"  a late CT image: skipped ({skipped[0]['reason'][:90]}…), the uploaded volume unchanged", flush=True)

    # The token endpoint: asked once, the token reused for every upload.
    requests = [json.loads(l) for l in open(token_log)] if os.path.exists(token_log) else []
    tokens = [r for r in requests if r.get("path", "").startswith("/token")]
    uploads = [r for r in requests if "upload" in r.get("path", "")]
    if len(tokens) != 1 or len(uploads) < 8:
        problem(f"{len(tokens)} token requests and {len(uploads)} uploads through the proxy (expected 1 and at least 8)")
    else:
        print(f"  1 token request (JWT verified), {len(uploads)} uploads with the bearer token", flush=True)


if __name__ == "__main__":
    with children.session():
        sys.exit(main())
