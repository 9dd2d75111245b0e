"""What every test run has: its command line's shared options, its seed, its work folder."""
import argparse
import random
import shutil
import sys


def parser(prog, doc):
    """An ArgumentParser for conformance/PROG showing the script's docstring as written."""
    return argparse.ArgumentParser(prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def add_common_options(p, seed_for, json_of):
    """--seed, --keep, --json, and the --sendit and --repo the wrapper passes."""
    p.add_argument("--seed", type=int, help=f"seed for {seed_for} (default: random, printed)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    p.add_argument("--json", help=f"write {json_of} as JSON to this file")
    p.add_argument("--sendit", required=True, help=argparse.SUPPRESS)
    p.add_argument("--repo", required=True, help=argparse.SUPPRESS)


def seed(args):
    """--seed, or a random one (the script prints it, so a run can be repeated)."""
    return args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)


def finish_work(work, keep):
    """Keeps the work folder (and says where) or removes it."""
    if keep:
        print(f"work folder kept: {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
