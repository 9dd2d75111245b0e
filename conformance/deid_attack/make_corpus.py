#!/usr/bin/env python3
"""Writes the de-identification attack corpus: one leak channel per file.

Usage: make_corpus.py OUTDIR

OUTDIR/files/<class>/<channel>.dcm (a few channels choose their own path) and
OUTDIR/manifest.json: per file its channel, class, description, identity, the planted values
(attribute, kind, clear value) and the derived forms a leak is expected to take (forms.py plus
the channel's own: transliterations, readings). Deterministic: the same bytes every run
(UIDs are 2.25 UIDs hashed from the channel id; encoders are given the same input).
Written apart from sendit's engine (Sources/Deidentify was not read).
"""
import json
import os
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.simplefilter("ignore")

from pydicom import config  # noqa: E402

config.settings.writing_validation_mode = config.IGNORE
config.settings.reading_validation_mode = config.IGNORE

import build  # noqa: E402
import channels_misc  # noqa: E402,F401  (registers channels)
import channels_r2_misc  # noqa: E402,F401
import channels_r2_pixel  # noqa: E402,F401
import channels_r2_struct  # noqa: E402,F401
import channels_r2_text  # noqa: E402,F401
import channels_r3_attack2  # noqa: E402,F401
import channels_pixel  # noqa: E402,F401
import channels_struct  # noqa: E402,F401
import channels_text  # noqa: E402,F401
import forms  # noqa: E402
from identities import identity  # noqa: E402

RUNS = {
    "default": "`sendit deid` with the default options (DEID_OPTIONS: retain-modified-dates, "
               "retain-patient-characteristics, clean-descriptors)",
    "none": "`sendit deid --options none` (the Basic Profile alone)",
    "held": "`sendit deid --include-held` with the default options (what a person's release sends: "
            "the images the burned-in rules hold are de-identified too)",
    "safe-private": "`sendit deid --options retain-safe-private` with DEID_SAFE_PRIVATE="
                    f"`{channels_misc.SAFE_PRIVATE}` (safe-private channels only)",
    "recipe": "`sendit deid --recipe recipe.deid` with the default options; the recipe "
              "(channels_r2_misc.RECIPE) keeps dates (recipe channels only)",
}


UID_NAMES = {"sop": "SOPInstanceUID (original)", "study": "StudyInstanceUID (original)",
             "series": "SeriesInstanceUID (original)", "frame": "FrameOfReferenceUID (original)"}


def main(outdir):
    files_dir = os.path.join(outdir, "files")
    os.makedirs(files_dir, exist_ok=True)
    entries, seen = [], set()
    # DEID_ATTACK_ONLY: comma-separated channel id prefixes; only those channels are written
    # (each keeps its identity, which is its position among all channels).
    only = [p for p in os.environ.get("DEID_ATTACK_ONLY", "").split(",") if p]
    with tempfile.TemporaryDirectory() as tmp:
        for k, ch in enumerate(build.CHANNELS):
            if ch.id in seen:
                raise SystemExit(f"duplicate channel {ch.id}")
            seen.add(ch.id)
            if only and not any(ch.id.startswith(p) for p in only):
                continue
            ctx = build.Ctx(ch.id, identity(k), tmp)
            data = ch.make(ctx)
            rel = ctx.path or f"{ch.cls}/{ch.id}.dcm"
            path = os.path.join(files_dir, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            planted = [{"attr": a, "kind": kd, "value": v} for a, kd, v in ctx.idn.planted()]
            planted += [{"attr": a, "kind": kd, "value": v} for a, kd, v in ctx.extra_planted]
            planted += [{"attr": UID_NAMES.get(w, f"original UID ({w})"), "kind": "uid", "value": u}
                        for w, u in sorted(ctx.uids.items())]
            derived = set()
            for p in planted:
                derived |= forms.forms_of(p["attr"], p["kind"], p["value"])
            derived |= {forms.Needle(a, v, f, kd, w) for a, v, f, kd, w in ctx.derived}
            entries.append({
                "file": os.path.join("files", rel), "channel": ch.id, "class": ch.cls,
                "description": ch.description, "identity": k, "runs": list(ch.runs),
                "limit": ch.limit,
                "planted": planted,
                "derived": sorted((forms.needle_to_json(n) for n in derived),
                                  key=lambda d: (d["attr"], d["form"])),
            })
    manifest = {"corpus": "sendit de-identification attack corpus", "min_sample_bytes": 8,
                "runs": RUNS, "safe_private": channels_misc.SAFE_PRIVATE, "files": entries}
    with open(os.path.join(outdir, "recipe.deid"), "w") as f:
        f.write(channels_r2_misc.RECIPE)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
    print(f"{len(entries)} files in {files_dir}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
