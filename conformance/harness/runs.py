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


def run_cases(names, runners, work, log, width=17):
    """Runs each named case as runners[name](work/name) -> (problems, figures), one line each
    (problems below it, at most 8); a case that raises fails, the others still run. Returns
    (results as dicts for --json, True if any failed)."""
    import os
    import time
    results, failed = [], False
    for name in names:
        t0 = time.monotonic()
        cwork = os.path.join(work, name)
        os.makedirs(cwork)
        try:
            problems, figures = runners[name](cwork)
        except Exception as e:  # noqa: BLE001 - a case that cannot run fails, the others still run
            problems, figures = [f"{type(e).__name__}: {e}"], {}
        took = time.monotonic() - t0
        failed |= bool(problems)
        results.append({"case": name, "ok": not problems, "seconds": round(took, 1), "figures": figures, "problems": problems})
        shown = "; ".join(f"{k} {v}" for k, v in figures.items())
        log(f"case {name:{width}s} {'FAIL' if problems else 'ok  '} {took:5.1f} s  {shown}")
        for prob in problems[:8]:
            log(f"    {prob}")
        if len(problems) > 8:
            log(f"    ... and {len(problems) - 8} more")
    return results, failed
