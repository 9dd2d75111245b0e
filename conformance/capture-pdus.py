#!/usr/bin/env python3
"""Recording proxy for golden PDU fixtures: listens on LISTEN_PORT, forwards one connection to
127.0.0.1:TARGET_PORT, and writes each PDU it sees, per direction, as a hex file
OUTDIR/NAME-<n>-<rq|ac>-type<pdu type>.hex ("rq": from the connecting side).

Usage: capture-pdus.py LISTEN_PORT TARGET_PORT OUTDIR NAME
The fixtures in Tests/DICOMUpperLayerTests/Fixtures were captured with it from dcmtk 3.6.7:
  echoscu -aet ECHOSCU -aec STORESCP 127.0.0.1 LISTEN_PORT            (to storescp +xa)
  storescu -aet STORESCU -aec STORESCP -pdu 16384 127.0.0.1 LISTEN_PORT samples/synthetic-ct-64x64.dcm
"""
import socket, sys, threading, os
listen, target, outdir, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
os.makedirs(outdir, exist_ok=True)
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("127.0.0.1", listen)); srv.listen(1)
c, _ = srv.accept(); s = socket.create_connection(("127.0.0.1", target))
pdus = []; lock = threading.Lock()
def pump(a, b, direction):
    buf = b""
    while True:
        d = a.recv(65536)
        if not d: break
        b.sendall(d); buf += d
        while len(buf) >= 6:
            n = int.from_bytes(buf[2:6], "big")
            if len(buf) < 6 + n: break
            with lock: pdus.append((direction, buf[:6+n]))
            buf = buf[6+n:]
    try: b.shutdown(socket.SHUT_WR)
    except OSError: pass
t1 = threading.Thread(target=pump, args=(c, s, "rq")); t2 = threading.Thread(target=pump, args=(s, c, "ac"))
t1.start(); t2.start(); t1.join(); t2.join()
for i, (d, p) in enumerate(pdus):
    open(os.path.join(outdir, "%s-%02d-%s-type%02x.hex" % (name, i, d, p[0])), "w").write(p.hex() + "\n")
