#!/usr/bin/env python3
"""Fill an empty sendit index with a large synthetic history, for scripts/bench-web.

Usage: make-web-index.py DATABASE [--images N] [--series N] [--seed SEED]

  DATABASE     an index sendit made (e.g. `DATABASE=... sendit token add bench`): its schema,
               migrations included, is sendit's own; this script only inserts rows, with
               Python's sqlite3, in one transaction
  --images N   images in all (default 1,000,000)
  --series N   series (default 10,000; four series per study)
  --seed SEED  random seed (default 1): the same arguments give the same rows

What goes in, spread over the last 30 days (the newest series last), as a node that has run
for a month with RETENTION=never would hold it:
  - study, series (CT, MR, CR, DX, US, PT, NM, MG), image (40 to 160 per series, 10-600 kB);
  - statuses: the oldest series are DONE; the newest ~4.5% are still on their way (NEW,
    PROCESSING, DONEPROCESSING, SENT); ~1% of series FAILED (half at de-identification, half
    refused by the destination), ~0.4% HELD whole (identity conflicts) and ~1% with a few HELD
    images (burned-in text rules): about 94% of images DONE, 1% FAILED, 0.5% HELD;
  - the rows the pipeline writes on the way: an event per image per status change, the
    de-identified copy's row, delivery records per destination (`orthanc` for every series,
    `google` for 30%) with their events, jobs per stage (identify, deidentify, send:<name>)
    with their events, the coded identifiers, activity per hour, a few hundred quarantined
    files and audit entries.
No patient data: UIDs under a private root, coded identifiers only. Prints the row counts.
"""
import argparse
import json
import random
import sqlite3
import sys
import time

ROOT = "1.2.826.0.1.3680043.10.1091"
MODALITIES = [("CT", 45, "1.2.840.10008.5.1.4.1.1.2", 526_000), ("MR", 25, "1.2.840.10008.5.1.4.1.1.4", 132_000),
              ("CR", 8, "1.2.840.10008.5.1.4.1.1.1", 8_400_000 // 16), ("DX", 7, "1.2.840.10008.5.1.4.1.1.1.1", 600_000),
              ("US", 6, "1.2.840.10008.5.1.4.1.1.6.1", 310_000), ("PT", 5, "1.2.840.10008.5.1.4.1.1.128", 66_000),
              ("NM", 2, "1.2.840.10008.5.1.4.1.1.20", 33_000), ("MG", 2, "1.2.840.10008.5.1.4.1.1.1.2", 590_000)]
EXPLICIT_LE = "1.2.840.10008.1.2.1"
PROGRESS = ["NEW", "PROCESSING", "DONEPROCESSING", "SENT", "DONE"]
REASONS = {"PROCESSING": "deidentify started", "DONEPROCESSING": "de-identified", "SENT": "sent to every destination",
           "DONE": "verified at every destination"}
DEID_FAILURE = "deidentify: PHI gate refused the copy: (0008,1030) StudyDescription still matches the original after cleaning"
SEND_FAILURE = "send:orthanc: the destination answered A700 (out of resources) 10 times"
HELD_IDENTITY = "identity: the study was seen with another patient (held until released)"
HELD_BURNED_IN = "burned-in text rules: US image with BurnedInAnnotation absent (held until released)"


_seconds = {}


def stamp(t):
    """GRDB's storage format for a Date: UTC, milliseconds."""
    second = int(t)
    text = _seconds.get(second)
    if text is None:
        text = _seconds[second] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
    return f"{text}.{int((t - second) * 1000):03d}"


def hour(h):
    return time.strftime("%Y-%m-%dT%H", time.gmtime(h * 3600))


def image_counts(rng, images, series):
    counts = [images // series] * series
    for i in range(images - sum(counts)):
        counts[i] += 1
    for _ in range(series):
        a, b = rng.randrange(series), rng.randrange(series)
        d = rng.randint(0, 60)
        if counts[a] - d >= 20 and a != b:
            counts[a] -= d
            counts[b] += d
    return counts


def fates(rng, series):
    """Each series' fate, oldest first: DONE, an in-progress status, FAILED-DEID, FAILED-SEND,
    HELD (whole series) or DONE+HELD (a few images held)."""
    out = []
    newest = {"NEW": 0.010, "PROCESSING": 0.005, "DONEPROCESSING": 0.010, "SENT": 0.020}
    tail = int(series * sum(newest.values()))
    for s in range(series):
        from_end = series - 1 - s
        if from_end < tail:
            edge = 0.0
            for status in ["NEW", "PROCESSING", "DONEPROCESSING", "SENT"]:
                edge += newest[status] * series
                if from_end < edge:
                    out.append(status)
                    break
            continue
        r = rng.random()
        out.append("FAILED-DEID" if r < 0.005 else "FAILED-SEND" if r < 0.010 else "HELD" if r < 0.014
                   else "DONE+HELD" if r < 0.024 else "DONE")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("database")
    ap.add_argument("--images", type=int, default=1_000_000)
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.series < 4 or a.images < 20 * a.series:
        sys.exit("make-web-index: need at least 4 series and 20 images per series")
    rng = random.Random(a.seed)
    db = sqlite3.connect(a.database, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA journal_mode = DELETE")   # one large transaction: no WAL of its size (WAL again at the end)
    db.execute("PRAGMA cache_size = -262144")
    if db.execute("SELECT COUNT(*) FROM image").fetchone()[0]:
        sys.exit("make-web-index: the index already holds images")
    started = time.monotonic()
    now = time.time()
    span = 30 * 24 * 3600
    counts = image_counts(rng, a.images, a.series)
    fate = fates(rng, a.series)
    activity = {}

    def count(kind, t, n, size):
        key = (int(t) // 3600, kind)
        images, size_sum = activity.get(key, (0, 0))
        activity[key] = (images + n, size_sum + size)

    ids = {"image": 0, "event": 0, "delivery": 0, "job": 0}

    def next_id(table):
        ids[table] += 1
        return ids[table]

    db.execute("BEGIN")
    totals = dict.fromkeys(["study", "series", "image", "event", "delivery", "job", "deidentified", "seriesIdentifiers"], 0)
    studies, series_rows, images, events, deliveries, jobs, deidentified, identifiers = [], [], [], [], [], [], [], []

    def flush():
        for table, rows, sql in [
            ("study", studies, "INSERT INTO study (id, studyInstanceUID, createdAt) VALUES (?, ?, ?)"),
            ("series", series_rows, "INSERT INTO series (id, studyId, seriesInstanceUID, modality, createdAt) VALUES (?, ?, ?, ?, ?)"),
            ("image", images, "INSERT INTO image (id, seriesId, sopInstanceUID, sopClassUID, transferSyntaxUID, path, size, status,"
                              " statusReason, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            ("seriesIdentifiers", identifiers, "INSERT INTO seriesIdentifiers (seriesId, json, createdAt, patientDigest) VALUES (?, ?, ?, ?)"),
            ("deidentified", deidentified, "INSERT INTO deidentified (imageId, studyInstanceUID, seriesInstanceUID, sopInstanceUID, path,"
                                           " size, createdAt, actions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
            ("delivery", deliveries, "INSERT INTO delivery (id, imageId, destination, state, dimseStatus, detail, bytes, sentAt,"
                                     " verifiedAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            ("job", jobs, "INSERT INTO job (id, seriesId, stage, state, attempts, maxAttempts, availableAt, leaseOwner, leaseExpiresAt,"
                          " lastError, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, 10, ?, ?, ?, ?, ?, ?)"),
            ("event", events, "INSERT INTO event (id, entity, entityId, fromStatus, toStatus, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        ]:
            db.executemany(sql, rows)
            totals[table] += len(rows)
            rows.clear()

    modality_weights = [m[1] for m in MODALITIES]
    study_id = 0
    for s in range(a.series):
        series_id = s + 1
        t0 = now - span + span * s / a.series + rng.uniform(0, 60)
        if s % 4 == 0:
            study_id += 1
            studies.append((study_id, f"{ROOT}.1.{study_id}", stamp(t0)))
        modality, _, sop_class, size = rng.choices(MODALITIES, weights=modality_weights)[0]
        series_uid = f"{ROOT}.2.{series_id}"
        series_rows.append((series_id, study_id, series_uid, modality, stamp(t0)))
        f = fate[s]
        final = {"DONE": "DONE", "DONE+HELD": "DONE", "FAILED-DEID": "PROCESSING", "FAILED-SEND": "DONEPROCESSING",
                 "HELD": "PROCESSING"}.get(f, f)
        reached = PROGRESS.index(final)
        destinations = ["orthanc"] + (["google"] if series_id % 10 < 3 else [])
        n = counts[s]
        held_few = set(rng.sample(range(n), rng.randint(1, 5))) if f == "DONE+HELD" else set()
        t_received = t0 + n * 0.05
        t_step = [t_received + 60 + 5 * k for k in range(5)]   # stable age, then a few seconds per stage
        deid_series = f"2.25.{rng.getrandbits(96)}"
        if reached >= 1 or f.startswith("FAILED") or f == "HELD":
            identifiers.append((series_id, json.dumps({"PatientID": f"SDT{study_id:07d}", "PatientName": f"SDT{study_id:07d}",
                                                       "AccessionNumber": f"ACC{study_id:08d}"}), stamp(t_step[0]),
                                f"{rng.getrandbits(128):032x}"))
        for k in range(n):
            image_id = next_id("image")
            t_image = t0 + k * 0.05
            status, reason = PROGRESS[reached], None
            if f.startswith("FAILED"):
                status, reason = "FAILED", DEID_FAILURE if f == "FAILED-DEID" else SEND_FAILURE
            elif f == "HELD":
                status, reason = "HELD", HELD_IDENTITY
            elif k in held_few:
                status, reason = "HELD", HELD_BURNED_IN
            sop = f"{ROOT}.3.{series_id}.{k + 1}"
            path = f"/var/lib/sendit/data/{ROOT}.1.{study_id}/{series_uid}/{sop}.dcm"
            size_k = size + rng.randint(-2000, 2000)
            last = reached if status not in ("FAILED", "HELD") else (1 if status == "HELD" or f == "FAILED-DEID" else 2)
            t_last = t_step[last + 1] if status in ("FAILED", "HELD") else t_step[last] if last else t_image
            images.append((image_id, series_id, sop, sop_class, EXPLICIT_LE, path, size_k, status, reason, stamp(t_image),
                           stamp(t_last)))
            count("received", t_image, 1, size_k)
            events.append((next_id("event"), "image", image_id, None, "NEW", "received from MODALITY1 (association 17)",
                           stamp(t_image)))
            for step in range(1, last + 1):
                events.append((next_id("event"), "image", image_id, PROGRESS[step - 1], PROGRESS[step],
                               REASONS[PROGRESS[step]], stamp(t_step[step])))
            if status in ("FAILED", "HELD"):
                events.append((next_id("event"), "image", image_id, PROGRESS[last], status, reason, stamp(t_step[last + 1])))
                count(status.lower(), t_step[last + 1], 1, size_k)
            if last >= 2:
                deid_path = f"/var/lib/sendit/outbox/{deid_series}/{image_id}.dcm"
                deidentified.append((image_id, f"2.25.{study_id}", deid_series, f"2.25.{series_id}.{k + 1}", deid_path,
                                     size_k - 900, stamp(t_step[2]), "removed=41 cleaned=3 replaced=12 uids=6"))
                count("deidentified", t_step[2], 1, size_k - 900)
            for destination in destinations:
                state = None
                if status == "FAILED" and f == "FAILED-SEND" and destination == "orthanc":
                    state = "failed"
                elif last >= 4 or (last == 3 or f == "FAILED-SEND") and destination == "google":
                    state = "done"
                elif last == 3:
                    state = "sent"
                if state is None:
                    continue
                delivery_id = next_id("delivery")
                sent_at = stamp(t_step[3])
                verified = stamp(t_step[4]) if state == "done" else None
                detail = "A700 out of resources" if state == "failed" else None
                deliveries.append((delivery_id, image_id, destination, state, 0xA700 if state == "failed" else 0, detail,
                                   size_k - 900, None if state == "failed" else sent_at, verified, verified or sent_at))
                events.append((next_id("event"), "delivery", image_id, None, "failed" if state == "failed" else "sent",
                               detail or f"{destination}: Success", sent_at))
                if state == "done":
                    events.append((next_id("event"), "delivery", image_id, "sent", "done", f"{destination}: verified", verified))
                    count("delivered", t_step[4], 1, size_k - 900)
        # Jobs: identify, deidentify, then one send job per destination, as far as the fate got.
        sends = [f"send:{d}" for d in destinations]
        plan = {"NEW": [("identify", "queued")],
                "PROCESSING": [("identify", "done"), ("deidentify", "running")],
                "DONEPROCESSING": [("identify", "done"), ("deidentify", "done")] + [(x, "queued") for x in sends],
                "FAILED-DEID": [("identify", "done"), ("deidentify", "failed")],
                "FAILED-SEND": [("identify", "done"), ("deidentify", "done")]
                               + [(x, "failed" if x == "send:orthanc" else "done") for x in sends],
                "HELD": [("identify", "done")]}.get(f, [("identify", "done"), ("deidentify", "done")] + [(x, "done") for x in sends])
        for stage, state in plan:
            t_job = t_step[1 if stage == "identify" else 2 if stage == "deidentify" else 3]
            error = (DEID_FAILURE if stage == "deidentify" else SEND_FAILURE) if state == "failed" else None
            job_id = next_id("job")
            lease = ("node-1", stamp(now + 300)) if state == "running" else (None, None)
            attempts = 10 if state == "failed" else 1 if state in ("done", "running") else 0
            jobs.append((job_id, series_id, stage, state, attempts, stamp(t_job), lease[0], lease[1], error, stamp(t_received),
                         stamp(t_job)))
            events.append((next_id("event"), "job", job_id, None, "queued", stage, stamp(t_received)))
            if state != "queued":
                events.append((next_id("event"), "job", job_id, "queued", "running", stage, stamp(t_job - 2)))
            if state in ("done", "failed"):
                events.append((next_id("event"), "job", job_id, "running", state, error or stage, stamp(t_job)))
        if len(events) > 200_000:
            flush()
    flush()
    db.executemany("INSERT INTO activity (hour, kind, images, bytes) VALUES (?, ?, ?, ?)",
                   [(hour(h), kind, n, size) for (h, kind), (n, size) in sorted(activity.items())])
    db.executemany("INSERT INTO quarantine (fileName, folder, movedTo, reason, moved, at) VALUES (?, ?, ?, ?, 1, ?)",
                   [(f"IMG{q:05d}", "/var/lib/sendit/data/incoming", f"/var/lib/sendit/quarantine/IMG{q:05d}",
                     "not DICOM: no DICM prefix and no valid implicit VR start", stamp(now - span + q * 3600)) for q in range(300)])
    db.executemany("INSERT INTO audit (at, actor, address, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
                   [(stamp(now - span + q * 7200), "operator1", "10.0.0.7", "retry", f"{ROOT}.2.{q * 37 % a.series + 1}", "")
                    for q in range(300)])
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    by = ", ".join(f"{k} {v:,}" for k, v in totals.items())
    print(f"make-web-index: {by}; {len(activity):,} activity rows; {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
