"""Generated corpora: CT series from scripts/make-ct-corpus.py, and their UIDs."""
import hashlib
import os
import subprocess
import sys

from . import REPO
from .part10 import meta_uid, split_part10

MAKE_CT = os.path.join(REPO, "scripts", "make-ct-corpus.py")
BENCHMARKS = os.path.join(REPO, "benchmarks", "corpus")


def uid(*parts):
    """A 2.25 UID (PS3.5 B.2) from a 128-bit hash of the parts, as make-ct-corpus.py makes them."""
    text = ":".join(str(p) for p in parts)
    return "2.25." + str(int(hashlib.sha256(text.encode()).hexdigest()[:32], 16))


def ct_series(count, size, seed=1, out=BENCHMARKS):
    """The .dcm files, sorted, of make-ct-corpus.py's series of `count` S x S images with this
    seed in out/ct-S-N[-seedK]/ (by default benchmarks/corpus, kept between runs), generated
    first if that folder is missing (the generator renames a complete folder into place, so
    one that exists is whole). Exits if it does not hold `count` files."""
    folder = os.path.join(out, f"ct-{size}-{count}" + ("" if seed == 1 else f"-seed{seed}"))
    if not os.path.isdir(folder):
        if out == BENCHMARKS:   # kept between runs: say why this run takes longer
            print(f"generating {folder}", file=sys.stderr)
        subprocess.run([sys.executable, MAKE_CT, out, "--count", str(count), "--size", str(size), "--seed", str(seed)],
                       check=True, stdout=subprocess.DEVNULL)
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".dcm"))
    if len(files) != count:
        sys.exit(f"{folder} holds {len(files)} files, expected {count}")
    return files


def load_sources(files):
    """{SOP Instance UID: (path, data set bytes)} and {path: UID} of Part 10 files."""
    by_uid, by_path = {}, {}
    for f in files:
        with open(f, "rb") as fh:
            meta, ds = split_part10(fh.read())
        sop = meta_uid(meta, 0x00020003)
        by_uid[sop] = (f, ds)
        by_path[f] = sop
    return by_uid, by_path
