#!/usr/bin/env python3
"""A misbehaving DICOM peer: checks that a DICOM SCP survives it and keeps serving.

Usage:
    hostile_peer.py CASE HOST PORT [--aec CALLED_AET] [--aet CALLING_AET]
                    [--timeout SECONDS] [--prompt SECONDS]

CASE is one of:
    malformed-pdu            P-DATA-TF whose PDV item length exceeds the PDU length
    oversize-pdu             P-DATA-TF header announcing 0xFFFFFFF0 bytes, then a few bytes
    unknown-pdu-type         a PDU of type 0x0A after association
    abort-mid-transfer       C-STORE command + first data set fragment, then A-ABORT
    release-during-transfer  C-STORE command + first data set fragment, then A-RELEASE-RQ
    release-collision        two A-RELEASE-RQ back to back
    silent                   TCP connect and send nothing (SCP's ARTIM must close it)
    many-contexts            A-ASSOCIATE-RQ with 128 presentation contexts, then C-ECHO
    user-identity            User Identity negotiation (username + passcode), then C-ECHO
    echo                     a plain C-ECHO

Prints one line of JSON on stdout:
    {"case": ..., "ok": true|false, "observed": "<what the SCP did>", "detail": {...}}
and exits 0 if the SCP behaved as PS3.8 requires for the case, 1 if not, 2 on a usage
error. "ok" is decided only from what this peer saw on the wire.

What counts as ok (PS3.8 section 9.2 state machine):
    malformed-pdu, oversize-pdu  A-ABORT or a closed connection (AA-8), no P-DATA answer;
                                 oversize-pdu within --prompt seconds
    unknown-pdu-type             an A-ABORT PDU (Evt19 -> AA-8)
    abort-mid-transfer           the SCP closes the connection (AA-3), no C-STORE-RSP
    release-during-transfer      A-RELEASE-RP, A-ABORT or close within --timeout, and no
                                 success C-STORE-RSP for the half-sent instance
    release-collision            exactly one A-RELEASE-RP (the second RQ is ignored in
                                 Sta13, AA-6), or an abort/close instead
    silent                       the SCP closes the idle connection (ARTIM, AA-2)
    many-contexts, user-identity, echo   A-ASSOCIATE-AC and C-ECHO status 0x0000
An A-ABORT the SCP sends on its own with a source other than 2 (service-provider) is
reported as a note, not a failure.

--timeout: how long to wait for the SCP's reaction (default 10 s; 60 s for `silent`).
--prompt: `oversize-pdu` must be answered (A-ABORT or close) within this many seconds
(default 3), i.e. the SCP must judge the PDU header, not wait for its body to arrive.

The malformed cases speak raw PDUs built by hand with struct (PS3.8 section 9.3); the
well-formed ones (many-contexts, user-identity, echo) use pynetdicom 3.0.4's association
so that a second, independent implementation checks the SCP. Needs pydicom and pynetdicom.
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import sys
import time

# ---------------------------------------------------------------------------------------
# Constants (PS3.8 section 9.3, PS3.7 annex E, PS3.5 annex A)

A_ASSOCIATE_RQ, A_ASSOCIATE_AC, A_ASSOCIATE_RJ = 0x01, 0x02, 0x03
P_DATA_TF, A_RELEASE_RQ, A_RELEASE_RP, A_ABORT = 0x04, 0x05, 0x06, 0x07
PDU_NAMES = {
    0x01: "A-ASSOCIATE-RQ", 0x02: "A-ASSOCIATE-AC", 0x03: "A-ASSOCIATE-RJ",
    0x04: "P-DATA-TF", 0x05: "A-RELEASE-RQ", 0x06: "A-RELEASE-RP", 0x07: "A-ABORT",
}

APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"
VERIFICATION = "1.2.840.10008.1.1"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"

IMPLEMENTATION_CLASS_UID = "2.25.216902612893726389327108236522741376381"
IMPLEMENTATION_VERSION = "SENDIT_HOSTILE"
OUR_MAX_PDU = 16384

ABORT_SOURCES = {0: "service-user", 1: "reserved", 2: "service-provider"}
ABORT_REASONS = {
    0: "reason-not-specified", 1: "unrecognized-PDU", 2: "unexpected-PDU", 3: "reserved",
    4: "unrecognized-PDU-parameter", 5: "unexpected-PDU-parameter",
    6: "invalid-PDU-parameter-value",
}
RJ_RESULTS = {1: "rejected-permanent", 2: "rejected-transient"}
RJ_SOURCES = {1: "service-user", 2: "service-provider (ACSE)",
              3: "service-provider (presentation)"}
RJ_REASONS = {
    1: {1: "no-reason-given", 2: "application-context-name-not-supported",
        3: "calling-AE-title-not-recognized", 7: "called-AE-title-not-recognized"},
    2: {1: "no-reason-given", 2: "protocol-version-not-supported"},
    3: {0: "reserved", 1: "temporary-congestion", 2: "local-limit-exceeded"},
}
COMMAND_NAMES = {0x0001: "C-STORE-RQ", 0x8001: "C-STORE-RSP", 0x0030: "C-ECHO-RQ",
                 0x8030: "C-ECHO-RSP", 0x0FFF: "C-CANCEL-RQ"}

CT_SMALL = "CT_small.dcm"   # from pydicom's test data


class CaseFailed(Exception):
    """The case could not reach the point it tests (e.g. association refused)."""

    def __init__(self, observed: str, detail: dict | None = None):
        super().__init__(observed)
        self.observed = observed
        self.detail = detail or {}


# ---------------------------------------------------------------------------------------
# PDU encoding (by hand, PS3.8 9.3)

def _ae(title: str) -> bytes:
    return title.encode("ascii")[:16].ljust(16, b" ")


def _uid(uid: str) -> bytes:
    return uid.encode("ascii")


def _item(item_type: int, value: bytes) -> bytes:
    """A variable item: type, reserved, 2-byte big endian length, value."""
    return struct.pack(">BBH", item_type, 0, len(value)) + value


def pdu(pdu_type: int, body: bytes) -> bytes:
    """A PDU: type, reserved, 4-byte big endian length, body."""
    return struct.pack(">BBI", pdu_type, 0, len(body)) + body


def associate_rq(called: str, calling: str, contexts: list[tuple[int, str, list[str]]],
                 user_identity: tuple[bytes, bytes] | None = None) -> bytes:
    """A-ASSOCIATE-RQ (9.3.2) with the given (id, abstract syntax, transfer syntaxes)."""
    body = struct.pack(">HH", 1, 0) + _ae(called) + _ae(calling) + bytes(32)
    body += _item(0x10, _uid(APPLICATION_CONTEXT))
    for cid, abstract, syntaxes in contexts:
        sub = _item(0x30, _uid(abstract)) + b"".join(_item(0x40, _uid(ts)) for ts in syntaxes)
        body += _item(0x20, struct.pack(">BBBB", cid, 0, 0, 0) + sub)
    user = _item(0x51, struct.pack(">I", OUR_MAX_PDU))
    user += _item(0x52, _uid(IMPLEMENTATION_CLASS_UID))
    user += _item(0x55, IMPLEMENTATION_VERSION.encode("ascii"))
    if user_identity is not None:   # type 2: username and passcode, response requested
        name, code = user_identity
        user += _item(0x58, struct.pack(">BBH", 2, 1, len(name)) + name
                      + struct.pack(">H", len(code)) + code)
    body += _item(0x50, user)
    return pdu(A_ASSOCIATE_RQ, body)


def release_rq() -> bytes:
    return pdu(A_RELEASE_RQ, bytes(4))


def abort(source: int = 0, reason: int = 0) -> bytes:
    return pdu(A_ABORT, struct.pack(">BBBB", 0, 0, source, reason))


def pdv(context_id: int, command: bool, last: bool, data: bytes) -> bytes:
    """One PDV item (9.3.5.1): length counts the context ID, control header and data."""
    control = (0x01 if command else 0) | (0x02 if last else 0)
    return struct.pack(">IBB", 2 + len(data), context_id, control) + data


def p_data(context_id: int, command: bool, last: bool, data: bytes) -> bytes:
    return pdu(P_DATA_TF, pdv(context_id, command, last, data))


# DIMSE command sets: group 0000 in Implicit VR Little Endian (PS3.7 6.3.1)

def _element(tag: int, value: bytes) -> bytes:
    if len(value) % 2:
        value += b"\x00"
    return struct.pack("<HHI", 0x0000, tag, len(value)) + value


def _command(elements: list[tuple[int, bytes]]) -> bytes:
    rest = b"".join(_element(tag, value) for tag, value in elements)
    return _element(0x0000, struct.pack("<I", len(rest))) + rest


def c_echo_rq(message_id: int) -> bytes:
    return _command([(0x0002, _uid(VERIFICATION)), (0x0100, struct.pack("<H", 0x0030)),
                     (0x0110, struct.pack("<H", message_id)),
                     (0x0800, struct.pack("<H", 0x0101))])


def c_store_rq(message_id: int, sop_class: str, sop_instance: str) -> bytes:
    return _command([(0x0002, _uid(sop_class)), (0x0100, struct.pack("<H", 0x0001)),
                     (0x0110, struct.pack("<H", message_id)),
                     (0x0700, struct.pack("<H", 0)),            # priority MEDIUM
                     (0x0800, struct.pack("<H", 0x0000)),       # a data set follows
                     (0x1000, _uid(sop_instance))])


def parse_command(data: bytes) -> dict:
    """Command Field and Status of a DIMSE command set (best effort)."""
    out: dict = {}
    pos = 0
    while pos + 8 <= len(data):
        group, elem, length = struct.unpack_from("<HHI", data, pos)
        value = data[pos + 8:pos + 8 + length]
        pos += 8 + length
        if group != 0:
            break
        if elem == 0x0100 and len(value) == 2:
            field = struct.unpack("<H", value)[0]
            out["command"] = COMMAND_NAMES.get(field, f"0x{field:04X}")
        elif elem == 0x0900 and len(value) == 2:
            out["status"] = f"0x{struct.unpack('<H', value)[0]:04X}"
    return out


# ---------------------------------------------------------------------------------------
# Wire: a TCP connection read PDU by PDU, with every arrival timestamped

class Wire:
    def __init__(self, host: str, port: int, timeout: float):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.closed: str | None = None    # "EOF" or "RST" once the peer closed
        self.mark = time.monotonic()

    def restart_clock(self) -> None:
        self.mark = time.monotonic()

    def send(self, data: bytes) -> str | None:
        """Sends; returns None, or how the peer had already closed the connection."""
        try:
            self.sock.sendall(data)
            return None
        except (BrokenPipeError, ConnectionResetError) as exc:
            return type(exc).__name__

    def next_event(self, deadline: float) -> dict:
        """The next PDU from the peer, its closing of the connection, or a timeout."""
        while True:
            if len(self.buf) >= 6:
                pdu_type, _, length = struct.unpack_from(">BBI", self.buf)
                if length > 1 << 24:
                    return self._event(kind="garbage",
                                       note=f"PDU type 0x{pdu_type:02X} length {length}")
                if len(self.buf) >= 6 + length:
                    body = self.buf[6:6 + length]
                    self.buf = self.buf[6 + length:]
                    return self._pdu_event(pdu_type, body)
            if self.closed:
                extra = {"partial_bytes": len(self.buf)} if self.buf else {}
                return self._event(kind="closed", how=self.closed, **extra)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._event(kind="timeout")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                self.closed = "RST"
                continue
            if not chunk:
                self.closed = "EOF"
            self.buf += chunk

    def _event(self, **kw) -> dict:
        return {"t": round(time.monotonic() - self.mark, 3), **kw}

    def _pdu_event(self, pdu_type: int, body: bytes) -> dict:
        ev = self._event(kind="pdu", pdu=PDU_NAMES.get(pdu_type, f"0x{pdu_type:02X}"))
        if pdu_type == A_ABORT and len(body) >= 4:
            ev["source"], ev["reason"] = body[2], body[3]
        elif pdu_type == A_ASSOCIATE_RJ and len(body) >= 4:
            ev["result"], ev["source"], ev["reason"] = body[1], body[2], body[3]
        elif pdu_type == P_DATA_TF:
            ev.update(parse_p_data(body))
        elif pdu_type == A_ASSOCIATE_AC:
            ev["ac"] = parse_associate_ac(body)
        return ev

    def watch(self, timeout: float, stop_on=(), grace: float = 1.0) -> list[dict]:
        """Events until the peer closes or `timeout` passes. After a PDU named in
        `stop_on`, waits at most `grace` seconds more (to see whether the peer closes)."""
        deadline = time.monotonic() + timeout
        events: list[dict] = []
        while True:
            ev = self.next_event(deadline)
            events.append(ev)
            if ev["kind"] != "pdu":
                return events
            if ev["pdu"] in stop_on:
                deadline = min(deadline, time.monotonic() + grace)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def parse_p_data(body: bytes) -> dict:
    pos, out = 0, {}
    while pos + 6 <= len(body):
        length, _cid, control = struct.unpack_from(">IBB", body, pos)
        data = body[pos + 6:pos + 4 + length]
        if control & 0x01:
            out.update(parse_command(data))
        pos += 4 + length
    return out


def parse_associate_ac(body: bytes) -> dict:
    """Presentation context results and user information of an A-ASSOCIATE-AC."""
    out: dict = {"contexts": {}, "max_length": None, "user_identity_ac": None,
                 "implementation_class_uid": None, "implementation_version": None}
    pos = 68   # protocol version, reserved, AE titles (echoed), 32 reserved bytes
    while pos + 4 <= len(body):
        item_type, _, length = struct.unpack_from(">BBH", body, pos)
        value = body[pos + 4:pos + 4 + length]
        pos += 4 + length
        if item_type == 0x21 and len(value) >= 4:
            ts = None
            if len(value) >= 8:
                ts_len = struct.unpack_from(">H", value, 6)[0]
                ts = value[8:8 + ts_len].rstrip(b"\x00").decode("ascii", "replace")
            out["contexts"][value[0]] = (value[2], ts)
        elif item_type == 0x50:
            sub = 0
            while sub + 4 <= len(value):
                s_type, _, s_len = struct.unpack_from(">BBH", value, sub)
                s_val = value[sub + 4:sub + 4 + s_len]
                sub += 4 + s_len
                if s_type == 0x51 and s_len == 4:
                    out["max_length"] = struct.unpack(">I", s_val)[0]
                elif s_type == 0x52:
                    out["implementation_class_uid"] = s_val.rstrip(b"\x00").decode("ascii", "replace")
                elif s_type == 0x55:
                    out["implementation_version"] = s_val.decode("ascii", "replace").strip()
                elif s_type == 0x59:
                    out["user_identity_ac"] = s_val[2:].hex()
    return out


def describe(events: list[dict]) -> str:
    """Human-readable account of what the SCP did."""
    parts = []
    for ev in events:
        t = f"after {ev['t']:.2f} s"
        if ev["kind"] == "pdu":
            name = ev["pdu"]
            if name == "A-ABORT":
                parts.append(f"sent A-ABORT (source {ev['source']} "
                             f"{ABORT_SOURCES.get(ev['source'], '?')}, reason {ev['reason']} "
                             f"{ABORT_REASONS.get(ev['reason'], '?')}) {t}")
            elif name == "A-ASSOCIATE-RJ":
                parts.append("sent A-ASSOCIATE-RJ (" + rj_text(ev["result"], ev["source"],
                                                              ev["reason"]) + f") {t}")
            elif name == "P-DATA-TF" and "command" in ev:
                status = f" status {ev['status']}" if "status" in ev else ""
                parts.append(f"sent {ev['command']}{status} {t}")
            else:
                parts.append(f"sent {name} {t}")
        elif ev["kind"] == "closed":
            how = "reset" if ev["how"] == "RST" else "closed"
            partial = f" in the middle of a PDU ({ev['partial_bytes']} bytes)" \
                if ev.get("partial_bytes") else ""
            parts.append(f"{how} the connection{partial} {t}")
        elif ev["kind"] == "timeout":
            if parts:
                parts.append(f"kept the connection open (watched until {ev['t']:.2f} s)")
            else:
                parts.append(f"did nothing for {ev['t']:.2f} s")
        elif ev["kind"] == "garbage":
            parts.append(f"sent something that is not a PDU ({ev['note']}) {t}")
    return ", then ".join(parts) if parts else "nothing"


def rj_text(result: int, source: int, reason: int) -> str:
    return (f"result {result} {RJ_RESULTS.get(result, '?')}, source {source} "
            f"{RJ_SOURCES.get(source, '?')}, reason {reason} "
            f"{RJ_REASONS.get(source, {}).get(reason, '?')}")


def provider_abort_notes(events: list[dict]) -> list[str]:
    """Deviations in an A-ABORT that the SCP sent on its own (AA-8 for an invalid or
    unrecognized PDU: PS3.8 9.2.2 says "service-provider source")."""
    return [f"A-ABORT source {ev['source']} ({ABORT_SOURCES.get(ev['source'], '?')}), "
            "PS3.8 AA-8 sends source 2 (service-provider)"
            for ev in events if ev.get("pdu") == "A-ABORT" and ev.get("source") != 2]


def with_notes(observed: str, notes: list[str]) -> str:
    return observed + "".join(f" [note: {n}]" for n in notes)


def kinds(events: list[dict]) -> list[str]:
    return [ev["pdu"] if ev["kind"] == "pdu" else ev["kind"] for ev in events]


# ---------------------------------------------------------------------------------------
# Raw association and test data

def raw_associate(args, contexts, user_identity=None) -> tuple[Wire, dict]:
    """Opens an association with hand-made PDUs; raises CaseFailed unless accepted."""
    try:
        wire = Wire(args.host, args.port, args.timeout)
    except OSError as exc:
        raise CaseFailed(f"could not connect: {exc}") from exc
    gone = wire.send(associate_rq(args.aec, args.aet, contexts, user_identity))
    ev = wire.next_event(time.monotonic() + args.timeout)
    if gone or ev.get("pdu") != "A-ASSOCIATE-AC":
        wire.close()
        raise CaseFailed("association not accepted: " + describe([ev]), {"events": [ev]})
    ac = ev["ac"]
    accepted = {cid: ts for cid, (result, ts) in ac["contexts"].items() if result == 0}
    if not accepted:
        wire.send(abort())
        wire.close()
        raise CaseFailed("association accepted but no presentation context", {"ac": ac})
    ac["accepted"] = accepted
    return wire, ac


def ct_small():
    """CT_small.dcm from pydicom's test files, as a pydicom Dataset."""
    import pydicom
    from pydicom.data import get_testdata_file
    path = get_testdata_file(CT_SMALL)
    if path is None:
        raise CaseFailed(f"pydicom test file {CT_SMALL} not found")
    return pydicom.dcmread(path)


def start_c_store(args) -> tuple[Wire, dict]:
    """Associates for CT Image Storage, sends a C-STORE-RQ command and the first data set
    fragment of CT_small.dcm (never the last). Returns the wire and a detail dict."""
    from pynetdicom.dsutils import encode
    ds = ct_small()
    wire, ac = raw_associate(args, [(1, CT_IMAGE_STORAGE, [EXPLICIT_LE, IMPLICIT_LE])])
    ts = ac["accepted"][1]
    data = encode(ds, ts == IMPLICIT_LE, True)
    max_len = ac["max_length"] or 0
    fragment = 4096 if max_len == 0 else min(4096, max_len - 6)
    if len(data) <= fragment:
        raise CaseFailed(f"{CT_SMALL} fits in one fragment: nothing would be left unsent")
    wire.send(p_data(1, True, True, c_store_rq(1, CT_IMAGE_STORAGE, ds.SOPInstanceUID)))
    wire.send(p_data(1, False, False, data[:fragment]))
    return wire, {"transfer_syntax": ts, "dataset_bytes": len(data),
                  "sent_bytes": fragment, "scp_max_pdu": max_len}


def verification_association(args) -> tuple[Wire, dict]:
    return raw_associate(args, [(1, VERIFICATION, [IMPLICIT_LE])])


# ---------------------------------------------------------------------------------------
# Cases. Each returns (ok, observed, detail).

def case_malformed_pdu(args):
    wire, _ = verification_association(args)
    # One PDV item whose length field claims 4096 bytes inside a 14-byte PDU.
    data = c_echo_rq(1)[:8]
    item = struct.pack(">IBB", 4096, 1, 0x03) + data
    wire.restart_clock()
    gone = wire.send(pdu(P_DATA_TF, item))
    events = wire.watch(args.timeout, stop_on=("A-ABORT",))
    wire.close()
    k = kinds(events)
    ok = gone is not None or "A-ABORT" in k or "closed" in k
    ok = ok and not any(e.get("pdu") == "P-DATA-TF" for e in events)
    notes = provider_abort_notes(events)
    return ok, with_notes(describe(events), notes), {"events": events, "send_error": gone,
                                                     "notes": notes,
                                  "sent": f"P-DATA-TF of length {len(item)} whose PDV item claims length 4096"}


def case_oversize_pdu(args):
    wire, ac = verification_association(args)
    header = struct.pack(">BBI", P_DATA_TF, 0, 0xFFFFFFF0)
    wire.restart_clock()
    gone = wire.send(header + pdv(1, True, False, c_echo_rq(1)[:10]))
    events = wire.watch(args.timeout, stop_on=("A-ABORT",))
    wire.close()
    first = events[0]
    reacted = first.get("pdu") == "A-ABORT" or first["kind"] == "closed"
    ok = gone is not None or (reacted and first["t"] <= args.prompt)
    observed = describe(events)
    if reacted and not ok:
        observed += f" (not within {args.prompt:g} s: it waited for the body)"
    notes = provider_abort_notes(events)
    return ok, with_notes(observed, notes), {"events": events, "send_error": gone,
                                             "notes": notes, "prompt": args.prompt,
                          "scp_max_pdu": ac["max_length"]}


def case_unknown_pdu_type(args):
    wire, _ = verification_association(args)
    wire.restart_clock()
    gone = wire.send(pdu(0x0A, b"\x00\x01\x02\x03"))
    events = wire.watch(args.timeout, stop_on=("A-ABORT",))
    wire.close()
    # PS3.8 9.2 state table: Evt19 (unrecognized PDU) in Sta6 -> AA-8: send A-ABORT.
    ok = any(e.get("pdu") == "A-ABORT" for e in events)
    notes = provider_abort_notes(events)
    return ok, with_notes(describe(events), notes), {"events": events, "send_error": gone,
                                                     "notes": notes}


def case_abort_mid_transfer(args):
    wire, detail = start_c_store(args)
    wire.restart_clock()
    gone = wire.send(abort(0, 0))
    # The SCP (AA-3) must drop the association and close the transport; we wait for that.
    events = wire.watch(args.timeout)
    wire.close()
    closed = gone is not None or events[-1]["kind"] == "closed"
    stored = [e for e in events if e.get("command") == "C-STORE-RSP"]
    ok = closed and not stored
    return ok, describe(events), {**detail, "events": events, "send_error": gone}


def case_release_during_transfer(args):
    wire, detail = start_c_store(args)
    wire.restart_clock()
    gone = wire.send(release_rq())
    events = wire.watch(args.timeout, stop_on=("A-RELEASE-RP", "A-ABORT"))
    wire.close()   # as requestor we close the transport after A-RELEASE-RP (AR-3)
    k = kinds(events)
    answered = gone is not None or any(x in k for x in ("A-RELEASE-RP", "A-ABORT", "closed"))
    # A C-STORE-RSP with success status would mean a half-received instance was stored.
    bogus = [e for e in events if e.get("command") == "C-STORE-RSP"
             and e.get("status") in ("0x0000", "0xB000", "0xB007", "0xB006")]
    return answered and not bogus, describe(events), {**detail, "events": events,
                                                      "send_error": gone}


def case_release_collision(args):
    wire, _ = verification_association(args)
    wire.restart_clock()
    gone = wire.send(release_rq() + release_rq())
    # After the A-RELEASE-RP the SCP is in Sta13: the second A-RELEASE-RQ must be ignored
    # (AA-6). Watch a little longer to catch a second answer, then close (AR-3).
    events = wire.watch(args.timeout, stop_on=("A-RELEASE-RP", "A-ABORT"), grace=2.0)
    wire.close()
    k = kinds(events)
    rp = k.count("A-RELEASE-RP")
    aborted = "A-ABORT" in k
    other = [x for x in k if x not in ("A-RELEASE-RP", "A-ABORT", "closed", "timeout")]
    ok = gone is not None or ((rp == 1 or (rp == 0 and aborted)) and not other)
    if rp == 0 and not aborted and "closed" in k and not other:
        ok = True   # closed without answering: a provider abort without the PDU
    return ok, describe(events), {"events": events, "send_error": gone,
                                  "release_rp_count": rp}


def case_silent(args):
    try:
        wire = Wire(args.host, args.port, args.timeout)
    except OSError as exc:
        raise CaseFailed(f"could not connect: {exc}") from exc
    events = wire.watch(args.timeout)
    wire.close()
    last = events[-1]
    # Sta2: ARTIM expiry -> AA-2: close the transport connection (no PDU is sent).
    ok = last["kind"] == "closed"
    observed = describe(events)
    if not ok:
        observed = f"kept the idle connection open for {args.timeout:g} s (gave up)"
    return ok, observed, {"events": events, "closed_after_s": last["t"] if ok else None}


def _pynetdicom_ae(args):
    import logging
    from pynetdicom import AE
    logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)
    ae = AE(ae_title=args.aet)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = args.timeout
    return ae


def _pynetdicom_associate(args, ae, **kw):
    """pynetdicom association; on failure, says from pynetdicom's events what happened."""
    from pynetdicom import evt
    seen = {"connected": False, "received": []}

    def on_open(event):
        seen["connected"] = True

    def on_pdu(event):
        seen["received"].append(PDU_NAMES.get(event.pdu.pdu_type, hex(event.pdu.pdu_type)))

    handlers = [(evt.EVT_CONN_OPEN, on_open), (evt.EVT_PDU_RECV, on_pdu)]
    assoc = ae.associate(args.host, args.port, ae_title=args.aec, evt_handlers=handlers, **kw)
    if assoc.is_established:
        return assoc
    rsp = assoc.acceptor.primitive
    if assoc.is_rejected and rsp is not None:
        raise CaseFailed("sent A-ASSOCIATE-RJ (" + rj_text(rsp.result, rsp.result_source,
                                                          rsp.diagnostic) + ")")
    if not seen["connected"]:
        raise CaseFailed("could not connect")
    if "A-ASSOCIATE-AC" in seen["received"]:
        raise CaseFailed("sent A-ASSOCIATE-AC accepting no presentation context")
    if seen["received"]:
        raise CaseFailed("answered the A-ASSOCIATE-RQ with " + ", ".join(seen["received"]))
    raise CaseFailed(f"no answer to the A-ASSOCIATE-RQ within {args.timeout:g} s "
                     "(or closed the connection)")


def _echo(assoc) -> tuple[bool, str]:
    status = assoc.send_c_echo()
    if status is None or "Status" not in status:
        return False, "no C-ECHO response"
    code = status.Status
    return code == 0x0000, f"answered C-ECHO with status 0x{code:04X}"


def _finish(assoc) -> str:
    assoc.release()
    return "released" if assoc.is_released else "release failed"


def case_many_contexts(args):
    from pynetdicom import StoragePresentationContexts
    from pynetdicom import sop_class
    uids = [VERIFICATION] + [cx.abstract_syntax for cx in StoragePresentationContexts]
    for uid in getattr(sop_class, "_STORAGE_CLASSES", {}).values():   # fill up to 128
        if uid not in uids:
            uids.append(uid)
    uids = uids[:128]
    ae = _pynetdicom_ae(args)
    for uid in uids:
        ae.add_requested_context(uid, [EXPLICIT_LE, IMPLICIT_LE])
    assoc = _pynetdicom_associate(args, ae)
    accepted = len(assoc.accepted_contexts)
    ok, echo = _echo(assoc)
    release = _finish(assoc)
    rejected = [cx.abstract_syntax for cx in assoc.rejected_contexts]
    return ok, f"sent A-ASSOCIATE-AC accepting {accepted} of {len(uids)} contexts, {echo}, " \
               f"{release}", {"requested": len(uids), "accepted": accepted,
                              "rejected": rejected}


def case_user_identity(args):
    from pynetdicom.pdu_primitives import UserIdentityNegotiation
    ui = UserIdentityNegotiation()
    ui.user_identity_type = 2
    ui.primary_field = b"hostile"
    ui.secondary_field = b"secret"
    ui.positive_response_requested = True
    ae = _pynetdicom_ae(args)
    ae.add_requested_context(VERIFICATION)
    assoc = _pynetdicom_associate(args, ae, ext_neg=[ui])
    rsp = assoc.acceptor.user_identity
    answer = None if rsp is None else (rsp.server_response or b"")
    sub = "without a User Identity sub-item" if answer is None else \
        f"with a User Identity sub-item (server response {answer!r})"
    ok, echo = _echo(assoc)
    release = _finish(assoc)
    return ok, f"sent A-ASSOCIATE-AC {sub}, {echo}, {release}", {
        "user_identity_ac": answer is not None,
        "server_response": None if answer is None else answer.hex()}


def case_echo(args):
    ae = _pynetdicom_ae(args)
    ae.add_requested_context(VERIFICATION)
    assoc = _pynetdicom_associate(args, ae)
    ok, echo = _echo(assoc)
    release = _finish(assoc)
    return ok, f"{echo}, {release}", {
        "implementation_class_uid": assoc.acceptor.implementation_class_uid,
        "implementation_version": assoc.acceptor.implementation_version_name,
        "max_pdu": assoc.acceptor.maximum_length}


CASES = {
    "malformed-pdu": case_malformed_pdu,
    "oversize-pdu": case_oversize_pdu,
    "unknown-pdu-type": case_unknown_pdu_type,
    "abort-mid-transfer": case_abort_mid_transfer,
    "release-during-transfer": case_release_during_transfer,
    "release-collision": case_release_collision,
    "silent": case_silent,
    "many-contexts": case_many_contexts,
    "user-identity": case_user_identity,
    "echo": case_echo,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="A misbehaving DICOM peer (see the module docstring).")
    parser.add_argument("case", choices=list(CASES))
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--aec", default="ANY-SCP", help="called AE title (the SCP's)")
    parser.add_argument("--aet", default="HOSTILE", help="calling AE title (ours)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds to wait for the SCP (default 10; 60 for silent)")
    parser.add_argument("--prompt", type=float, default=3.0,
                        help="oversize-pdu: seconds within which the SCP must react")
    args = parser.parse_args(argv)
    if args.timeout is None:
        args.timeout = 60.0 if args.case == "silent" else 10.0

    t0 = time.monotonic()
    try:
        ok, observed, detail = CASES[args.case](args)
    except CaseFailed as exc:
        ok, observed, detail = False, exc.observed, exc.detail
    except OSError as exc:   # connection trouble outside what a case expects
        ok, observed, detail = False, f"network error: {exc}", {}
    detail = {**detail, "elapsed_s": round(time.monotonic() - t0, 3)}
    print(json.dumps({"case": args.case, "ok": bool(ok), "observed": observed,
                      "detail": detail}, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
