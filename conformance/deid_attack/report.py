"""The scanner's report: one line per channel, a summary, the Markdown table, the JSON."""
import collections
import datetime
import json

from scan import verdict_line


def _cell(r):
    if r is None:
        return "-"
    line = verdict_line(r)
    return line.replace("|", "\\|")


def _is_leak(r):
    return r is not None and r["status"] == "written" and r.get("hits")


def _within_limit(r):
    """A limit channel's leak stays a limit only while it is the one the limit names: the
    patient's name, in the SeriesDescription or a code meaning the channel plants it in (and the
    same letters in the scanner's whole-file readings). Any other value, or any other element,
    is a LEAK."""
    return all(h[0] == "PatientName" and ("(0008,103E)" in h[4] or "(0008,0104)" in h[4] or h[4].startswith("file bytes"))
               for h in r["hits"])


def emit(manifest, run_names, results, json_path, md_path):
    rows = []
    counts = collections.Counter()
    for entry in manifest["files"]:
        per_run = {n: results.get(n, {}).get(entry["file"]) for n in run_names}
        leaked = [n for n, r in per_run.items() if _is_leak(r)]
        missing = [n for n, r in per_run.items() if r is not None and r["status"] == "no result"]
        for r in per_run.values():
            if r is not None:
                counts[r["status"]] += 1
        verdict = "LEAK" if leaked else ("NO RESULT" if missing else "pass")
        if verdict == "LEAK" and entry.get("limit") and all(_within_limit(per_run[n]) for n in leaked):
            verdict = "LIMIT"   # a documented limit: listed, not failing
        if verdict == "LEAK" and entry.get("limit"):
            outside = [h for n in leaked for h in per_run[n]["hits"] if not _within_limit({"hits": [h]})]
            print(f"          {entry['channel']}: leaks outside its documented limit: {outside[:3]}")
        rows.append((entry, per_run, verdict))
        cells = "; ".join(f"{n}: {verdict_line(r)}" for n, r in per_run.items() if r is not None)
        print(f"{verdict:9} {entry['channel']:38} {cells}")
    extra = [(n, k, r) for n in run_names for k, r in results.get(n, {}).items()
             if k.startswith("(unaccounted)")]
    for n, k, r in extra:
        print(f"{'LEAK' if _is_leak(r) else 'pass':9} {k:38} {n}: {verdict_line(r)}")
    limits = sum(1 for _, _, v in rows if v == "LIMIT")
    failed = sum(1 for _, _, v in rows if v not in ("pass", "LIMIT")) + sum(1 for _, _, r in extra if _is_leak(r))
    passed = len(rows) - limits - sum(1 for _, _, v in rows if v not in ("pass", "LIMIT"))
    leaks = sum(1 for _, _, v in rows if v == "LEAK") + sum(1 for _, _, r in extra if _is_leak(r))
    by_class = collections.Counter(e["class"] for e, _, v in rows if v == "LEAK")
    print(f"\nfiles per run: {dict(counts)} (written/held/failed(refused)/no result)")
    print(f"channels leaking, by class: {dict(sorted(by_class.items()))}")
    if limits:
        print(f"known limits (documented, leaking as expected): {limits}")
    print(f"{passed} passed, {failed} failed")

    if json_path:
        with open(json_path, "w") as f:
            json.dump({"runs": run_names, "results": results}, f, indent=1)
    if md_path:
        with open(md_path, "w") as f:
            f.write(_markdown(manifest, run_names, rows, extra, passed, failed, counts, by_class, limits))
    return 1 if leaks or any(v == "NO RESULT" for _, _, v in rows) else 0


def _markdown(manifest, run_names, rows, extra, passed, failed, counts, by_class, limits=0):
    out = []
    w = out.append
    w("# De-identification attack: results\n")
    w(f"Written by `conformance/deid-attack` on {datetime.date.today().isoformat()} "
      f"({manifest.get('sendit', 'sendit')}). Corpus: {len(rows)} files, one leak channel each "
      "(`conformance/deid_attack/make_corpus.py`); scanner: `conformance/deid_attack/scan.py`.\n")
    w("Runs: " + "; ".join(f"**{n}**: {manifest['runs'][n]}" for n in run_names if n in manifest.get("runs", {})) + ".\n")
    if limits:
        w(f"**{limits} known limits** (LIMIT: a leak docs/deidentification-matching.md §6 names; "
          "listed with the channel's reference, not failing the run).\n")
    w(f"**{passed} passed, {failed} failed.** A channel fails when any run wrote an output that "
      "holds one of the input's planted values (LEAK) or a run's log has no line for the file. "
      "Held and refused files are not leaks; they are listed with sendit's reason.\n")
    w(f"Outcomes over all runs: {dict(counts)}. Leaking channels by class: "
      f"{dict(sorted(by_class.items())) or 'none'}.\n")
    w("| class | channels | leaking | passing | of those, refused or held in a run |")
    w("|---|---|---|---|---|")
    classes = collections.OrderedDict()
    for entry, per_run, verdict in rows:
        c = classes.setdefault(entry["class"], [0, 0, 0, 0])
        c[0] += 1
        c[1] += verdict == "LEAK"
        c[2] += verdict == "pass"
        c[3] += verdict == "pass" and any(r is not None and r["status"] in ("held", "failed")
                                          for r in per_run.values())
    for name, (n, leak_, ok, stopped) in classes.items():
        w(f"| {name} | {n} | {leak_} | {ok} | {stopped} |")
    w("")
    w("| verdict | channel | class | what is planted | " + " | ".join(run_names) + " |")
    w("|---|---|---|---|" + "---|" * len(run_names))
    for entry, per_run, verdict in rows:
        desc = entry["description"].replace("|", "\\|")
        if verdict == "LIMIT":
            desc += f" (known limit, {entry['limit']})"
        w(f"| {verdict} | `{entry['channel']}` | {entry['class']} | {desc} | "
          + " | ".join(_cell(per_run.get(n)) for n in run_names) + " |")
    for n, k, r in extra:
        w(f"| {'LEAK' if _is_leak(r) else 'pass'} | {k} | - | an output no log line names | "
          + " | ".join(_cell(r) if m == n else "-" for m in run_names) + " |")
    w("")
    w("## Held and refused\n")
    w("Not leaks: sendit kept these files from its output. The reason is sendit's own line.\n")
    for entry, per_run, _ in rows:
        for n, r in per_run.items():
            if r is not None and r["status"] in ("held", "failed"):
                w(f"- `{entry['channel']}` ({n}): {'held' if r['status'] == 'held' else 'refused'}, "
                  f"{r['detail']}")
    w("")
    return "\n".join(out) + "\n"
