#!/usr/bin/env python3
"""A Storage SCP written for the window test, on raw PDUs: it accepts an Asynchronous
Operations Window (PS3.7 D.3.3.3) of --window and answers out of order, which no archive at
hand does (dcmtk's storescp and Orthanc answer none, pynetdicom's AE answers 1/1).

Each association: every presentation context accepted with its first transfer syntax; C-STOREs
are collected until --window are outstanding (or none more arrives for 0.1 s), then answered
last first. --refuse-every N answers 0xA700 (Out of Resources, which a sender tries again) to
every Nth request it receives (the first time it sees that instance only). --abort-after K: the first association is aborted (A-ABORT)
once K requests have arrived, with only --answer-before-abort of the outstanding ones answered.
Each stored data set goes to FOLDER/<SOP Instance UID>.dcm (Part 10; a second copy replaces the
first, as an archive keeps one instance per UID). One JSON line per event goes to FOLDER/log.jsonl:
{"event": "associate"|"received"|"answered"|"abort"|"release", "assoc": n, "uid": ..., "status": ...,
"outstanding": n, "proposed": [invoked, performed] | null}.

Usage: window_acceptor.py --port PORT --folder FOLDER [--window 8] [--refuse-every N]
       [--abort-after K] [--answer-before-abort J]
Prints "window-acceptor listening on PORT" once ready (PORT 0: a free one).
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import threading

IMPLEMENTATION_UID = b"1.2.826.0.1.3680043.10.1299.17"


def read_exactly(sock, n):
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("closed")
        out += chunk
    return bytes(out)


def read_pdu(sock):
    head = read_exactly(sock, 6)
    kind, length = head[0], struct.unpack(">I", head[2:6])[0]
    return kind, read_exactly(sock, length)


def items(body):
    """(type, data) of the items of an A-ASSOCIATE-RQ variable field or a sub-item list."""
    i = 0
    while i + 4 <= len(body):
        kind, length = body[i], struct.unpack(">H", body[i + 2:i + 4])[0]
        yield kind, body[i + 4:i + 4 + length]
        i += 4 + length


def item(kind, data):
    return bytes([kind, 0]) + struct.pack(">H", len(data)) + data


def parse_rq(body):
    called, calling = body[4:20], body[20:36]
    contexts, window = [], None
    for kind, data in items(body[68:]):
        if kind == 0x20:
            ctx_id, syntaxes = data[0], []
            for sub, value in items(data[4:]):
                if sub == 0x40:
                    syntaxes.append(value)
            contexts.append((ctx_id, syntaxes))
        elif kind == 0x50:
            for sub, value in items(data):
                if sub == 0x53:
                    window = list(struct.unpack(">HH", value))
    return called, calling, contexts, window


def associate_ac(called, calling, contexts, window):
    var = item(0x10, b"1.2.840.10008.3.1.1.1")
    accepted = {}
    for ctx_id, syntaxes in contexts:
        ts = syntaxes[0] if syntaxes else b"1.2.840.10008.1.2"
        accepted[ctx_id] = ts.rstrip(b"\0").decode()
        var += item(0x21, bytes([ctx_id, 0, 0, 0]) + item(0x40, ts))
    user = item(0x51, struct.pack(">I", 16384)) + item(0x52, IMPLEMENTATION_UID)
    if window is not None:
        user += item(0x53, struct.pack(">HH", window, 1))
    var += item(0x50, user)
    body = struct.pack(">HH", 1, 0) + called + calling + bytes(32) + var
    return bytes([0x02, 0]) + struct.pack(">I", len(body)) + body, accepted


def parse_command(data):
    out, i = {}, 0
    while i + 8 <= len(data):
        group, elem, length = struct.unpack("<HHI", data[i:i + 8])
        out[(group << 16) | elem] = data[i + 8:i + 8 + length]
        i += 8 + length
    return out


def us(v):
    return struct.pack("<H", v)


def ui(s):
    b = s.encode()
    return b + (b"\0" if len(b) % 2 else b"")


def element(tag, value):
    return struct.pack("<HHI", tag >> 16, tag & 0xFFFF, len(value)) + value


def c_store_rsp(message_id, sop_class, sop_instance, status):
    elements = (element(0x00000002, ui(sop_class)) + element(0x00000100, us(0x8001)) + element(0x00000120, us(message_id))
                + element(0x00000800, us(0x0101)) + element(0x00000900, us(status)) + element(0x00001000, ui(sop_instance)))
    if status != 0:
        comment = b"refused by the window test"
        elements += element(0x00000902, comment)
    command = element(0x00000000, struct.pack("<I", len(elements))) + elements
    return command


def p_data(ctx_id, command):
    pdv = struct.pack(">I", len(command) + 2) + bytes([ctx_id, 0x03]) + command
    return bytes([0x04, 0]) + struct.pack(">I", len(pdv)) + pdv


def part10(sop_class, sop_instance, transfer_syntax, dataset):
    def meta(tag, vr, value):
        if vr == b"OB":
            return struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr + b"\0\0" + struct.pack("<I", len(value)) + value
        return struct.pack("<HH", tag >> 16, tag & 0xFFFF) + vr + struct.pack("<H", len(value)) + value
    elements = (meta(0x00020001, b"OB", b"\x00\x01") + meta(0x00020002, b"UI", ui(sop_class))
                + meta(0x00020003, b"UI", ui(sop_instance)) + meta(0x00020010, b"UI", ui(transfer_syntax))
                + meta(0x00020012, b"UI", ui(IMPLEMENTATION_UID.decode())))
    group = meta(0x00020000, b"UL", struct.pack("<I", len(elements)))
    return bytes(128) + b"DICM" + group + elements + dataset


class Acceptor:
    def __init__(self, args):
        self.args, self.lock = args, threading.Lock()
        self.count = 0          # requests received, over every association
        self.associations = 0
        self.aborted = False
        self.seen = set()
        os.makedirs(args.folder, exist_ok=True)
        self.log_file = open(os.path.join(args.folder, "log.jsonl"), "a", buffering=1)

    def log(self, **event):
        with self.lock:
            self.log_file.write(json.dumps(event) + "\n")

    def serve(self, sock):
        with self.lock:
            self.associations += 1
            n = self.associations
        try:
            kind, body = read_pdu(sock)
            if kind != 0x01:
                return
            called, calling, contexts, proposed = parse_rq(body)
            window = None if proposed is None else (self.args.window if proposed[0] == 0 else min(proposed[0], self.args.window))
            ac, accepted = associate_ac(called, calling, contexts, window)
            sock.sendall(ac)
            self.log(event="associate", assoc=n, proposed=proposed, window=window)
            self.exchange(sock, n, accepted, window or 1)
        except (ConnectionError, OSError):
            pass
        finally:
            sock.close()

    def exchange(self, sock, n, accepted, window):
        pending, command, current, dataset = [], b"", None, bytearray()

        def answer(batch):
            for rq in batch:
                sock.sendall(p_data(rq["ctx"], c_store_rsp(rq["id"], rq["class"], rq["uid"], rq["status"])))
                self.log(event="answered", assoc=n, uid=rq["uid"], status=rq["status"])

        while True:
            if pending and (len(pending) >= window or not select.select([sock], [], [], 0.1)[0]):
                answer(reversed(pending))
                pending = []
            kind, body = read_pdu(sock)
            if kind == 0x05:   # A-RELEASE-RQ
                answer(reversed(pending))
                sock.sendall(bytes([0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0]))
                self.log(event="release", assoc=n)
                return
            if kind != 0x04:
                self.log(event="ended", assoc=n, pdu=kind)
                return
            i = 0
            while i < len(body):
                length = struct.unpack(">I", body[i:i + 4])[0]
                ctx, mch, data = body[i + 4], body[i + 5], body[i + 6:i + 4 + length]
                i += 4 + length
                if mch & 1:
                    command += data
                    if mch & 2:
                        current, command, dataset = parse_command(command), b"", bytearray()
                    continue
                dataset += data
                if not mch & 2 or current is None:
                    continue
                cmd, current = current, None
                rq = {"ctx": ctx, "id": struct.unpack("<H", cmd[0x00000110][:2])[0],
                      "class": cmd[0x00000002].rstrip(b"\0 ").decode(), "uid": cmd[0x00001000].rstrip(b"\0 ").decode()}
                with self.lock:
                    self.count += 1
                    k = self.count
                    first_time = rq["uid"] not in self.seen
                    self.seen.add(rq["uid"])
                every = self.args.refuse_every
                # A transient refusal, the first time an instance comes only: sent again, it is stored.
                rq["status"] = 0xA700 if every and k % every == 0 and first_time else 0
                if rq["status"] == 0:
                    path = os.path.join(self.args.folder, rq["uid"] + ".dcm")
                    with open(path + ".part", "wb") as f:
                        f.write(part10(rq["class"], rq["uid"], accepted.get(ctx, "1.2.840.10008.1.2"), bytes(dataset)))
                    os.replace(path + ".part", path)
                pending.append(rq)
                self.log(event="received", assoc=n, uid=rq["uid"], outstanding=len(pending))
                if self.args.abort_after and not self.aborted and k >= self.args.abort_after:
                    self.aborted = True
                    answer(pending[:self.args.answer_before_abort])
                    unanswered = [p["uid"] for p in pending[self.args.answer_before_abort:]]
                    sock.sendall(bytes([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0]))
                    self.log(event="abort", assoc=n, unanswered=unanswered)
                    return


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--folder", required=True)
    p.add_argument("--window", type=int, default=8)
    p.add_argument("--refuse-every", type=int, default=0)
    p.add_argument("--abort-after", type=int, default=0)
    p.add_argument("--answer-before-abort", type=int, default=0)
    args = p.parse_args()
    acceptor = Acceptor(args)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(32)
    print(f"window-acceptor listening on {listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=acceptor.serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
