#!/usr/bin/env python3
"""The inputs of one run of `sendit deid`, for conformance/deid-attack.

Usage:
  inputs.py todo MANIFEST RUN [LOG]     the corpus files the run takes (a channel lists its
                                        runs), one a line; with LOG, those it has no line for
  inputs.py summary MANIFEST RUN LOG    "N written, N held, N failed, N without a line"

A run is given its files, not the corpus folder: a channel that is not for a run (a burned-in
channel is not released) is not sent to it. When sendit ends without a line for some inputs
(it crashed), the runner asks again for the rest, so one file that crashes sendit costs only
its own result.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scan import parse_log  # noqa: E402


def files(manifest_path, run):
    corpus = os.path.dirname(os.path.abspath(manifest_path))
    with open(manifest_path) as f:
        manifest = json.load(f)
    return [os.path.join(corpus, e["file"]) for e in manifest["files"] if run in e["runs"]]


def main(argv):
    if len(argv) < 3 or argv[0] not in ("todo", "summary"):
        sys.exit(__doc__)
    what, manifest, run = argv[0], argv[1], argv[2]
    paths = files(manifest, run)
    results = {}
    if len(argv) > 3 and os.path.exists(argv[3]):
        with open(argv[3], errors="replace") as f:
            results = parse_log(f.read())
    if what == "todo":
        for p in paths:
            if os.path.realpath(p) not in results:
                print(p)
        return
    counts = {"written": 0, "held": 0, "failed": 0}
    missing = 0
    for p in paths:
        r = results.get(os.path.realpath(p))
        if r:
            counts[r[-1][0]] = counts.get(r[-1][0], 0) + 1
        else:
            missing += 1
    print(f"{counts['written']} written, {counts['held']} held, {counts['failed']} failed, {missing} without a line")


if __name__ == "__main__":
    main(sys.argv[1:])
