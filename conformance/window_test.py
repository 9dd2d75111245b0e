#!/usr/bin/env python3
"""The asynchronous operations window test (run conformance/window-test; it picks Python and
sendit).

`sendit send` keeps up to --window C-STOREs outstanding on an association whose peer accepts
an Asynchronous Operations Window (PS3.7 D.3.3.3). Few archives do, so the peer here is
conformance/window_acceptor.py (raw PDUs), which accepts a window of 8 and answers out of order.

  out-of-order   120 CT images on 2 associations, window 8; the acceptor refuses every 7th
                 request (A700, the first time only): sendit reports FAILED exactly the images
                 the acceptor refused and stored the others (each response matched to its image
                 by Message ID); 8 requests were outstanding at once and answered out of order.
                 Sending the failed ones again: every image stored, each answered Success once.
  abort          80 images through scripts/delay-proxy (25 ms each way) to an acceptor that
                 aborts the first association once 20 requests arrived, with 2 of the
                 outstanding answered: sendit reports not stored exactly the images without a
                 Success answer (at least the unanswered ones); sent again, all arrive, each
                 answered Success once.
  wan            the same 80 images through the proxy with window 8 and window 1: the window is
                 at least 3x faster (figures printed).
  sendit-window  sendit's own listener accepts a window (DICOM_ASYNC_WINDOW, 8 by default):
                 pynetdicom proposing 16/1 gets 8/1, DICOM_ASYNC_WINDOW=1 gets 1/1; `sendit send
                 --window 8` stores 60 images into it.
  peers          which peers at hand accept a window, asked by pynetdicom proposing 8/1:
                 dcmtk's storescp, Orthanc, pynetdicom's own AE (printed; the case fails only if
                 one cannot be asked, or answers more than was proposed).
Exit 1 if any case fails.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import children, corpora, orthanc, runs  # noqa: E402
from harness.children import Child  # noqa: E402
from harness.orthanc import Orthanc  # noqa: E402
from harness.ports import free_port, wait_port  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.wan import DelayProxy, WindowAcceptor  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

CASES = ["out-of-order", "abort", "wan", "sendit-window", "peers"]
ARGS = None
RE_FAILED = re.compile(r"^(.*): FAILED: (.*)$")


def log(msg):
    print(msg, flush=True)


def send(files, port, *options, aec="WINDOW"):
    """`sendit send -q` to 127.0.0.1:port: (exit status, {path of a FAILED file: why}, summary
    line, seconds)."""
    t0 = time.monotonic()
    r = subprocess.run([ARGS.sendit, "send", "-q", "--aec", aec, "--timeout", "20", *options, "127.0.0.1", str(port), *files],
                       capture_output=True, text=True, timeout=300)
    took = time.monotonic() - t0
    failed = {m.group(1): m.group(2) for line in r.stderr.splitlines() if (m := RE_FAILED.match(line))}
    summary = next((line for line in r.stdout.splitlines() if line.startswith("sent ")), "")
    return r.returncode, failed, summary, took


def answered_once(acceptor, uids):
    """Problems unless each UID got exactly one Success answer over the whole run."""
    ok = [e["uid"] for e in acceptor.events("answered") if e["status"] == 0]
    problems = []
    twice = {u for u in ok if ok.count(u) > 1}
    if twice:
        problems.append(f"{len(twice)} images answered Success more than once, e.g. {sorted(twice)[0]}")
    missing = set(uids) - set(ok)
    if missing:
        problems.append(f"{len(missing)} images never answered Success")
    if acceptor.stored() != set(uids):
        problems.append(f"the acceptor holds {len(acceptor.stored())} instances, expected {len(uids)}")
    return problems


def corpus(n):
    files = corpora.ct_series(n, 64)
    _, by_path = corpora.load_sources(files)
    return files, by_path


# ---------------------------------------------------------------------------------------------

def case_out_of_order(work):
    files, uid_of = corpus(120)
    problems = []
    with WindowAcceptor(os.path.join(work, "acceptor"), window=8, refuse_every=7) as acc:
        rc, failed, summary, took = send(files, acc.port, "--associations", "2", "--window", "8")
        refused = {e["uid"] for e in acc.events("answered") if e["status"] != 0}
        succeeded = {e["uid"] for e in acc.events("answered") if e["status"] == 0}
        failed_uids = {uid_of[p] for p in failed}
        if rc != 1:
            problems.append(f"sendit send exited {rc}, expected 1 (some refused)")
        if not refused:
            problems.append("the acceptor refused nothing: the case proves nothing")
        if failed_uids != refused:
            problems.append(f"sendit reports {len(failed_uids)} FAILED, the acceptor refused {len(refused)}; "
                            f"{len(failed_uids - refused)} wrongly failed, {len(refused - failed_uids)} refused yet not failed")
        if any("A700" not in why and "a700" not in why.lower() for why in failed.values()):
            problems.append(f"a failure without the refusal's status: {next(iter(failed.values()))}")
        if succeeded != set(uid_of.values()) - refused:
            problems.append("the Success answers are not every image but the refused ones")
        if not summary.startswith(f"sent {120 - len(refused)} of 120"):
            problems.append(f"summary: {summary!r}, expected sent {120 - len(refused)} of 120")
        received = acc.events("received")
        most = max((e["outstanding"] for e in received), default=0)
        if most != 8:
            problems.append(f"at most {most} requests outstanding, expected the window of 8")
        windows = {e["window"] for e in acc.events("associate")}
        if windows != {8} or len(acc.events("associate")) != 2:
            problems.append(f"associations and windows: {acc.events('associate')}")
        order_received = [e["uid"] for e in received]
        order_answered = [e["uid"] for e in acc.events("answered")]
        if order_received == order_answered:
            problems.append("answered in the order received: out-of-order matching not exercised")
        # The retry: exactly the failed ones, then everything is there once.
        rc2, failed2, summary2, _ = send(sorted(failed), acc.port, "--window", "8")
        if rc2 != 0 or failed2:
            problems.append(f"sending the {len(failed)} failed again: exit {rc2}, {len(failed2)} failed")
        problems += answered_once(acc, uid_of.values())
    return problems, {"images": 120, "refused": len(refused), "failed_reported": len(failed), "most_outstanding": most,
                      "seconds": round(took, 2), "summary": summary}


def case_abort(work):
    files, uid_of = corpus(80)
    problems = []
    with WindowAcceptor(os.path.join(work, "acceptor"), window=8, abort_after=20, answer_before_abort=2) as acc, \
            DelayProxy(acc.port, 25) as proxy:
        rc, failed, summary, took = send(files, proxy.port, "--window", "8")
        aborts = acc.events("abort")
        succeeded = {e["uid"] for e in acc.events("answered") if e["status"] == 0}
        failed_uids = {uid_of[p] for p in failed}
        unanswered = set(aborts[0]["unanswered"]) if aborts else set()
        if len(aborts) != 1 or not unanswered:
            problems.append(f"expected one abort with requests outstanding, got {aborts}")
        if failed_uids != set(uid_of.values()) - succeeded:
            problems.append(f"sendit reports {len(failed_uids)} not stored; the acceptor answered Success to "
                            f"{len(succeeded)} of {len(uid_of)}")
        if not unanswered <= failed_uids:
            problems.append(f"{len(unanswered - failed_uids)} requests left unanswered at the abort are not reported failed")
        if failed_uids & succeeded:
            problems.append(f"{len(failed_uids & succeeded)} images answered Success are reported failed")
        if rc != 1:
            problems.append(f"sendit send exited {rc}, expected 1")
        rc2, failed2, _, _ = send(sorted(failed), proxy.port, "--window", "8")
        if rc2 != 0 or failed2:
            problems.append(f"sending the {len(failed)} failed again: exit {rc2}, {len(failed2)} failed")
        problems += answered_once(acc, uid_of.values())
    return problems, {"images": 80, "unanswered_at_abort": len(unanswered), "reported_not_stored": len(failed),
                      "associations": len(acc.events("associate")), "seconds": round(took, 2)}


def case_wan(work):
    files, _ = corpus(80)
    problems, rates = [], {}
    for window in (8, 1):
        with WindowAcceptor(os.path.join(work, f"acceptor-{window}"), window=8) as acc, DelayProxy(acc.port, 25) as proxy:
            rc, failed, summary, took = send(files, proxy.port, "--window", str(window))
            if rc != 0 or failed:
                problems.append(f"window {window}: exit {rc}, {len(failed)} failed")
            rates[window] = len(files) / took
    if rates[8] < 3 * rates[1]:
        problems.append(f"window 8: {rates[8]:.0f} images/s, window 1: {rates[1]:.0f} images/s: less than 3x")
    return problems, {"window_8_images_per_s": round(rates[8], 1), "window_1_images_per_s": round(rates[1], 1),
                      "ratio": round(rates[8] / rates[1], 1), "rtt_ms": 50}


def propose_window(port, aet, invoked=8):
    """pynetdicom as requestor proposing a window of invoked/1 to 127.0.0.1:port: the answer
    (invoked, performed), None if the AC carries no window sub-item; RuntimeError if no
    association."""
    from pynetdicom import AE
    from pynetdicom.pdu_primitives import AsynchronousOperationsWindowNegotiation
    from pydicom.uid import CTImageStorage
    ae = AE(ae_title="WINDOWTEST")
    ae.add_requested_context(CTImageStorage)
    neg = AsynchronousOperationsWindowNegotiation()
    neg.maximum_number_operations_invoked = invoked
    neg.maximum_number_operations_performed = 1
    assoc = ae.associate("127.0.0.1", port, ae_title=aet, ext_neg=[neg])
    if not assoc.is_established:
        raise RuntimeError(f"no association with {aet} on port {port}")
    try:
        items = [i for i in assoc.acceptor.user_information if isinstance(i, AsynchronousOperationsWindowNegotiation)]
        return (items[0].maximum_number_operations_invoked, items[0].maximum_number_operations_performed) if items else None
    finally:
        assoc.release()


def case_sendit_window(work):
    files, _ = corpus(60)
    problems, figures = [], {}
    with Sendit(ARGS.sendit, os.path.join(work, "node8"), STABLE_AGE="1", RESCAN_INTERVAL="1") as s:
        s.start()
        got = propose_window(s.port, "SENDIT", 16)
        figures["default_answer_to_16"] = got
        if got != (8, 1):
            problems.append(f"sendit (DICOM_ASYNC_WINDOW default) answered {got} to 16/1, expected (8, 1)")
        rc, failed, summary, took = send(files, s.port, "--window", "8", aec="SENDIT")
        if rc != 0 or failed:
            problems.append(f"sendit send --window 8 into sendit: exit {rc}, {len(failed)} failed")
        if not wait_for(lambda: s.status()["images"] >= 60, 30, 0.5):
            problems.append(f"sendit holds {s.status()['images']} images, expected 60")
        figures["images_stored"] = s.status()["images"]
        figures["send_seconds"] = round(took, 2)
    with Sendit(ARGS.sendit, os.path.join(work, "node1"), DICOM_ASYNC_WINDOW="1") as s:
        s.start()
        got = propose_window(s.port, "SENDIT", 16)
        figures["window_1_answer_to_16"] = got
        if got != (1, 1):
            problems.append(f"sendit with DICOM_ASYNC_WINDOW=1 answered {got}, expected (1, 1)")
    return problems, figures


def case_peers(work):
    problems, answers = [], {}
    port = free_port()
    scp_dir = os.path.join(work, "storescp")
    os.makedirs(scp_dir)
    with Child(["storescp", "-aet", "STORESCP", "-od", scp_dir, str(port)], log_path=os.path.join(work, "storescp.log")):
        if wait_port(port, 10):
            answers["dcmtk storescp"] = propose_window(port, "STORESCP")
        else:
            problems.append("storescp did not start")
    with Orthanc(os.path.join(work, "orthanc")) as o:
        o.start()
        answers[f"Orthanc {orthanc.version()}"] = propose_window(o.dicom_port, "ORTHANC")
    # pynetdicom's AE, with an EVT_ASYNC_OPS handler that would take 8 (it answers 1/1 anyway).
    from pynetdicom import AE, evt
    from pydicom.uid import CTImageStorage
    ae = AE(ae_title="PYNETDICOM")
    ae.add_supported_context(CTImageStorage)
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_ASYNC_OPS, lambda event: (8, 8))])
    try:
        answers["pynetdicom AE"] = propose_window(port, "PYNETDICOM")
    finally:
        server.shutdown()
    for peer, answer in answers.items():
        if answer is not None and (answer[0] > 8 or answer[0] == 0):
            problems.append(f"{peer} answered {answer} to 8/1: more than proposed")
        log(f"    {peer}: {'no window sub-item (one at a time)' if answer is None else f'{answer[0]}/{answer[1]}'}")
    accepting = [p for p, a in answers.items() if a is not None and a[0] > 1]
    return problems, {"peers_accepting_a_window": accepting or "none"}


RUNNERS = {"out-of-order": case_out_of_order, "abort": case_abort, "wan": case_wan, "sendit-window": case_sendit_window,
           "peers": case_peers}


def main():
    global ARGS
    p = runs.parser("conformance/window-test", __doc__)
    p.add_argument("--case", action="append", choices=CASES, help="run this case (repeatable; default: all)")
    runs.add_common_options(p, "nothing (the test is deterministic)", "the results")
    ARGS = p.parse_args()
    cases = ARGS.case or CASES
    work = tempfile.mkdtemp(prefix="sendit-window-test.")
    log(f"window-test: sendit {ARGS.sendit}, cases {', '.join(cases)}")
    failed = True
    try:
        results, failed = runs.run_cases(cases, RUNNERS, work, log, width=14)
        passed = sum(1 for r in results if r["ok"])
        log(f"window-test: {passed} passed, {len(results) - passed} failed")
        if ARGS.json:
            with open(ARGS.json, "w") as f:
                json.dump({"cases": results}, f, indent=1, default=str)
        return 1 if failed else 0
    finally:
        runs.finish_work(work, ARGS.keep or failed)


if __name__ == "__main__":
    with children.session():
        sys.exit(main())
