#!/usr/bin/env python3
"""The DICOM over TLS test (run conformance/tls-test; it picks Python and sendit).

A throw-away CA and certificates are made with the openssl CLI at run time (RSA 2048; a CA,
another CA, and leaf certificates: valid for localhost/127.0.0.1, expired, self-signed, signed
by the other CA, for the wrong host name; client certificates whose subject is allowed or
not allowed for its calling AE title, expired, from the other CA). Then, on loopback:

  acceptor, server-only (DICOM_TLS_PORT beside DICOM_PORT, DICOM_TLS_CLIENT_CERTS=none):
    echoscu-tls, storescu-tls   dcmtk `echoscu +tla` / `storescu +tla` (verifying sendit's
                                certificate against the CA): Success, 5 images stored
    pynetdicom-tls              pynetdicom with an ssl.SSLContext (server name checked): C-ECHO
                                and a C-STORE, Success
    plaintext-on-tls-port       plain echoscu to the TLS port fails; the log says why
    trickled-handshake          a client that sends its ClientHello a byte at a time is cut off
                                by ARTIM (DICOM_ARTIM_TIMEOUT=3) with a log line
    sighup-reload               the certificate files replaced and SIGHUP: a new connection sees
                                the new certificate, an association opened before goes on
  acceptor, mutual (DICOM_TLS_CLIENT_CERTS=required, DICOM_TLS_AE_SUBJECTS):
    mutual-echoscu, mutual-storescu, mutual-pynetdicom   an allowed client certificate: Success
    no-client-cert, client-cert-other-ca, client-cert-expired   the handshake fails, logged
    subject-not-allowed         a valid certificate whose subject may not call as its AE title:
                                A-ASSOCIATE-RJ (calling AE title not recognised), the subject logged
  after every hostile case the node still answers plain echoscu and TLS echoscu.
  requestor (sendit echo/send with --tls-*):
    send-storescp-tls, send-storescp-mutual   `storescp +tls` server-only and mutual: all stored
    echo-pinned                 a pinned self-signed certificate: Success; a pin of another: refused
    refuse-wrong-host, refuse-expired, refuse-other-ca, refuse-self-signed, refuse-no-client-cert
                                `sendit echo` exits 1 naming the reason
    orthanc-tls                 `sendit send` to Orthanc with DicomTlsEnabled (mutual): all stored
    orthanc-tls-retrieval       `sendit query` and `sendit get` from that Orthanc over TLS: the study
                                found, its 10 instances fetched; the same query in clear text fails
  retrieval over TLS (sendit serve with a mutual TLS listener; Orthanc's modality entry for it,
  made by REST, has "UseDicomTls": true, so C-MOVE sub-associations come to DICOM_TLS_PORT):
    orthanc-tls-move            `sendit move --tls-*` of the study to SENDIT: exit 0, 10 stored over
                                TLS by Orthanc's sub-association
    orthanc-tls-retrieval-job   `sendit retrieve --from tlspacs` (RETRIEVE_SOURCES `tls:`): the item
                                retrieved, 10 completed, arrived over TLS again
    orthanc-tls-retrieval-wrong-ca   a source trusting another CA than the one that signed
                                Orthanc's certificate: the item waits (queued, nothing completed)
                                with "TLS: handshake failed: certificate verification failed: ..."
                                as its reason, logged; no association reached sendit
    orthanc-tls-retrieval-alert a webhook gets one `retrieval-source-tls:wrongca` alert naming
                                the TLS reason, not the study
    orthanc-tls-retrieval-resumes    that source's CA file put right and SIGHUP: the waiting item
                                is tried again (30 s after the first try) and retrieved over TLS
  pipeline (sendit serve):
    destination-tls-failure     an EXTRA_DESTINATIONS entry with tls: to a storescp whose
                                certificate is expired: the destination fails with the reason,
                                nothing reaches it, the images wait; ORTHANC_TLS to Orthanc
                                (mutual) meanwhile delivers and verifies them all
    destination-tls-recovers    the storescp restarted with a valid certificate: all delivered
A case fails if it could pass vacuously. Exit 1 if any case fails. About a minute.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import children, runs  # noqa: E402
from harness.certificates import Certificates  # noqa: E402
from harness.children import Child  # noqa: E402
from harness.corpora import ct_series  # noqa: E402
from harness.ports import free_port, wait_port  # noqa: E402
from harness.sendit import Sendit  # noqa: E402
from harness.waiting import wait_for  # noqa: E402
from harness.webhooks import Webhooks  # noqa: E402

ARGS = None
RESULTS = []
WORK = None
PKI = None


def log(msg):
    print(msg, flush=True)


def check(case, ok, detail):
    detail = " ".join(detail.split())
    RESULTS.append((case, bool(ok), detail))
    log(f"{case}: {'pass' if ok else 'FAIL'}  {detail}")


def run(cmd, timeout=60, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    return r.returncode, r.stdout + r.stderr


# ---- peers

def echoscu(port, tls=None, aet="ECHOSCU", aec="SENDIT", timeout=20):
    """dcmtk echoscu to 127.0.0.1:port; tls: None (clear), "anonymous", or (cert, key); the
    peer's certificate verified against the CA. (exit status, output)"""
    cmd = ["echoscu", "-aet", aet, "-aec", aec, "-to", "10", "-ta", "10", "-td", "10"]
    cmd += tls_options(tls)
    return run(cmd + ["127.0.0.1", str(port)], timeout=timeout)


def tls_options(tls):
    if tls is None:
        return []
    trust = ["+cf", PKI.ca[0]]
    if tls == "anonymous":
        return ["+tla"] + trust
    return ["+tls", tls[1], tls[0]] + trust


def storescu(port, files, tls=None, aet="STORESCU"):
    return run(["storescu", "-aet", aet, "-aec", "SENDIT", *tls_options(tls), "127.0.0.1", str(port), *files], timeout=60)


def node_answers(node):
    """Plain echoscu on DICOM_PORT and TLS echoscu on DICOM_TLS_PORT both answer."""
    tls = "anonymous" if node.env.get("DICOM_TLS_CLIENT_CERTS", "none") == "none" else PKI.client_ok
    plain, _ = echoscu(node.port)
    secure, _ = echoscu(node.tls_port, tls)
    return plain == 0 and secure == 0


def pynetdicom_context(client=None, verify_name=True):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=PKI.ca[0])
    ctx.check_hostname = verify_name
    if client:
        ctx.load_cert_chain(client[0], client[1])
    return ctx


def pynetdicom_echo_store(port, ctx, files, aet="PYNETDICOM"):
    """C-ECHO then C-STORE of files over TLS with pynetdicom: (echo status, [store statuses])."""
    from pydicom import dcmread
    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage, Verification
    ae = AE(ae_title=aet)
    ae.add_requested_context(Verification)
    ae.add_requested_context(CTImageStorage)
    assoc = ae.associate("127.0.0.1", port, ae_title="SENDIT", tls_args=(ctx, "localhost"))
    if not assoc.is_established:
        return None, []
    echo = assoc.send_c_echo()
    stores = [assoc.send_c_store(dcmread(f)) for f in files]
    assoc.release()
    return (echo.Status if echo else None), [s.Status if s else None for s in stores]


class Storescp:
    """dcmtk storescp +tls on port, writing to folder; tls_mode "server" (-ic) or "mutual" (+cf CA, -rc)."""

    def __init__(self, folder, cert, port=None, mutual=False):
        os.makedirs(folder, exist_ok=True)
        self.folder, self.port = folder, port or free_port()
        peer = ["+cf", PKI.ca[0], "-rc"] if mutual else ["-ic"]
        self.child = Child(["storescp", "-od", folder, "-aet", "STORESCP", "+tls", cert[1], cert[0], *peer, str(self.port)],
                           log_path=folder + ".log")
        wait_port(self.port, 10)

    def files(self):
        return sorted(f for f in os.listdir(self.folder) if not f.startswith("."))

    def stop(self):
        self.child.stop()


def sendit_cli(*args, timeout=120):
    return run([ARGS.sendit, *args], timeout=timeout)


def tls_node(root, **settings):
    tls_port = free_port()
    env = dict(DICOM_TLS_PORT=str(tls_port), DICOM_TLS_CERT=os.path.join(root, "node.pem"),
               DICOM_TLS_KEY=os.path.join(root, "node.key"), DICOM_ARTIM_TIMEOUT="3", HTTP_ENABLED="false")
    os.makedirs(root, exist_ok=True)
    shutil.copy(PKI.server[0], env["DICOM_TLS_CERT"])
    shutil.copy(PKI.server[1], env["DICOM_TLS_KEY"])
    env.update(settings)
    node = Sendit(ARGS.sendit, root, **env)
    node.tls_port = tls_port
    node.start()
    wait_port(tls_port, 10)
    return node


def stored_over_tls(node, count):
    """Associations the node logged as ended with `count` images stored over TLS."""
    return [l for l in node.log_lines("association ended") if re.search(rf"\bstored={count}\b", l) and "tls=" in l]


# ---- the cases

def acceptor_server_only(files):
    node = tls_node(os.path.join(WORK, "node1"))
    try:
        code, out = echoscu(node.tls_port, "anonymous")
        check("echoscu-tls", code == 0, f"echoscu +tla: exit {code}")
        code, out = storescu(node.tls_port, files[:5], "anonymous")
        ok = wait_for(lambda: stored_over_tls(node, 5), 10, 0.2)
        check("storescu-tls", code == 0 and ok, f"storescu +tla: exit {code}; 5 stored over TLS: {bool(ok)}")
        echo, stores = pynetdicom_echo_store(node.tls_port, pynetdicom_context(), files[5:7])
        check("pynetdicom-tls", echo == 0 and stores == [0, 0], f"pynetdicom: C-ECHO {echo}, C-STORE {stores}")

        before = len(node.log_lines("TLS handshake failed"))
        code, out = echoscu(node.tls_port)
        failed = wait_for(lambda: len(node.log_lines("TLS handshake failed")) > before, 10, 0.2)
        line = (node.log_lines("TLS handshake failed") or [""])[-1]
        check("plaintext-on-tls-port", code != 0 and failed and node_answers(node),
              f"plain echoscu to the TLS port: exit {code}; logged: {line[-140:]}")

        before = len(node.log_lines("TLS handshake failed"))
        elapsed, closed = trickle(node.tls_port)
        logged = wait_for(lambda: [l for l in node.log_lines("TLS handshake failed")[before:] if "timed out" in l], 5, 0.2)
        check("trickled-handshake", closed and 2.5 <= elapsed <= 8 and logged and node_answers(node),
              f"connection closed after {elapsed:.1f} s (ARTIM 3 s): {closed}; logged: {bool(logged)}")

        sighup_reload(node)
    finally:
        node.stop()


def trickle(port):
    """Sends a TLS ClientHello one byte every 0.4 s; (seconds until the server closed, closed?)."""
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    s = socket.create_connection(("127.0.0.1", port))
    start = time.monotonic()
    try:
        for i in range(len(hello) - 1):   # never the whole hello
            s.sendall(hello[i:i + 1])
            s.settimeout(0.4)
            try:
                if s.recv(1) == b"":
                    return time.monotonic() - start, True
            except socket.timeout:
                pass
            except (ConnectionResetError, BrokenPipeError):
                return time.monotonic() - start, True
            if time.monotonic() - start > 20:
                break
        return time.monotonic() - start, False
    except (ConnectionResetError, BrokenPipeError):
        return time.monotonic() - start, True
    finally:
        s.close()


def served_serial(port):
    """The serial number of the certificate the TLS port shows now."""
    ctx = ssl.create_default_context(cafile=PKI.ca[0])
    with socket.create_connection(("127.0.0.1", port)) as raw, ctx.wrap_socket(raw, server_hostname="localhost") as s:
        der = s.getpeercert(binary_form=True)
    r = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"], input=der, capture_output=True)
    return r.stdout.decode().strip()


def pem_serial(path):
    return subprocess.run(["openssl", "x509", "-in", path, "-noout", "-serial"], capture_output=True, text=True).stdout.strip()


def sighup_reload(node):
    from pynetdicom import AE
    from pynetdicom.sop_class import Verification
    before = served_serial(node.tls_port)
    ae = AE(ae_title="PYNETDICOM")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", node.tls_port, ae_title="SENDIT", tls_args=(pynetdicom_context(), "localhost"))
    shutil.copy(PKI.server2[0], node.env["DICOM_TLS_CERT"])
    shutil.copy(PKI.server2[1], node.env["DICOM_TLS_KEY"])
    os.kill(node.child.pid, signal.SIGHUP)
    reloaded = wait_for(lambda: node.log_lines("TLS certificates reloaded"), 5, 0.1)
    after = served_serial(node.tls_port)
    open_goes_on = assoc.is_established and (assoc.send_c_echo().Status == 0)
    if assoc.is_established:
        assoc.release()
    check("sighup-reload", reloaded and before == pem_serial(PKI.server[0]) and after == pem_serial(PKI.server2[0]) and open_goes_on,
          f"served {before} then {after} after SIGHUP; the association opened before answered C-ECHO: {open_goes_on}")


def acceptor_mutual(files):
    node = tls_node(os.path.join(WORK, "node2"), DICOM_TLS_CA=PKI.ca[0], DICOM_TLS_CLIENT_CERTS="required",
                    DICOM_TLS_AE_SUBJECTS="modality-ok->ECHOSCU,STORESCU,PYNETDICOM")
    try:
        code, _ = echoscu(node.tls_port, PKI.client_ok)
        check("mutual-echoscu", code == 0, f"echoscu +tls with an allowed certificate: exit {code}")
        code, _ = storescu(node.tls_port, files[:3], PKI.client_ok)
        ok = wait_for(lambda: stored_over_tls(node, 3), 10, 0.2)
        check("mutual-storescu", code == 0 and ok, f"storescu +tls: exit {code}; 3 stored over TLS: {bool(ok)}")
        echo, stores = pynetdicom_echo_store(node.tls_port, pynetdicom_context(PKI.client_ok), files[3:4])
        check("mutual-pynetdicom", echo == 0 and stores == [0], f"pynetdicom with a client certificate: C-ECHO {echo}, C-STORE {stores}")

        for case, tls, needle in [("no-client-cert", "anonymous", "certificate"),
                                  ("client-cert-other-ca", PKI.client_other, "certificate"),
                                  ("client-cert-expired", PKI.client_expired, "expired")]:
            before = len(node.log_lines("TLS handshake failed"))
            code, _ = echoscu(node.tls_port, tls)
            logged = wait_for(lambda: node.log_lines("TLS handshake failed")[before:], 5, 0.1)
            line = logged[-1] if logged else ""
            check(case, code != 0 and needle in line and node_answers(node), f"echoscu: exit {code}; logged: {line[-150:]}")

        code, out = echoscu(node.tls_port, PKI.client_bad)
        rejected = wait_for(lambda: [l for l in node.log_lines("association ended") if "modality-bad" in l and "rejected" in l], 5, 0.1)
        check("subject-not-allowed", code != 0 and "Rejected" in out and rejected and node_answers(node),
              f"echoscu with CN=modality-bad as ECHOSCU: exit {code}; logged: {(rejected or [''])[-1][-200:]}")
    finally:
        node.stop()


def requestor(files):
    base = os.path.join(WORK, "scp")
    scp = Storescp(base + "-server", PKI.server)
    try:
        code, out = sendit_cli("send", "-q", "--aec", "STORESCP", "--tls-ca", PKI.ca[0], "127.0.0.1", str(scp.port), *files[:10])
        ok = wait_for(lambda: len(scp.files()) == 10, 10, 0.1)
        check("send-storescp-tls", code == 0 and ok, f"sendit send --tls-ca to storescp +tls: exit {code}, {len(scp.files())} files")
        code, out = sendit_cli("echo", "--aec", "STORESCP", "--tls-ca", PKI.ca[0], "--tls-name", "wrong.example.org", "127.0.0.1",
                               str(scp.port))
        check("refuse-wrong-name", code == 1 and "hostname mismatch" in out, f"--tls-name wrong.example.org: exit {code}: {out.strip()[-160:]}")
    finally:
        scp.stop()
    scp = Storescp(base + "-mutual", PKI.server, mutual=True)
    try:
        code, out = sendit_cli("send", "-q", "--aec", "STORESCP", "--tls-ca", PKI.ca[0], "--tls-cert", PKI.client_ok[0],
                               "--tls-key", PKI.client_ok[1], "127.0.0.1", str(scp.port), *files[:10])
        ok = wait_for(lambda: len(scp.files()) == 10, 10, 0.1)
        check("send-storescp-mutual", code == 0 and ok, f"with a client certificate: exit {code}, {len(scp.files())} files")
        code, out = sendit_cli("echo", "--aec", "STORESCP", "--tls-ca", PKI.ca[0], "127.0.0.1", str(scp.port))
        check("refuse-no-client-cert", code == 1 and "TLS" in out, f"without one: exit {code}: {out.strip()[-160:]}")
    finally:
        scp.stop()
    for case, cert, needle in [("refuse-wrong-host", PKI.wrong_host, "address mismatch"),
                               ("refuse-expired", PKI.expired, "certificate has expired"),
                               ("refuse-other-ca", PKI.other, "unable to get local issuer certificate"),
                               ("refuse-self-signed", PKI.self_signed, "self.signed certificate")]:
        scp = Storescp(f"{base}-{case}", cert)
        try:
            code, out = sendit_cli("send", "--aec", "STORESCP", "--tls-ca", PKI.ca[0], "127.0.0.1", str(scp.port), files[0])
            check(case, code == 1 and re.search(needle, out) and scp.files() == [],
                  f"sendit send: exit {code}, {len(scp.files())} files at the peer: {out.strip()[-170:]}")
        finally:
            scp.stop()
    scp = Storescp(base + "-pinned", PKI.self_signed)
    try:
        code, out = sendit_cli("echo", "--aec", "STORESCP", "--tls-pin", PKI.self_signed[0], "127.0.0.1", str(scp.port))
        code2, out2 = sendit_cli("echo", "--aec", "STORESCP", "--tls-pin", PKI.server[0], "127.0.0.1", str(scp.port))
        check("echo-pinned", code == 0 and code2 == 1 and "not the pinned one" in out2,
              f"pinned: exit {code}; another pinned: exit {code2}: {out2.strip()[-120:]}")
    finally:
        scp.stop()


class TLSOrthanc:
    """Orthanc (AE ORTHANC) with DicomTlsEnabled (client certificates required, verified
    against the CA), on free ports; its own configuration under folder."""

    def __init__(self, folder):
        self.dir = folder
        os.makedirs(folder, exist_ok=True)
        self.dicom_port, self.http_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        config = {
            "Name": "sendit-tls-test", "StorageDirectory": f"{folder}/storage", "IndexDirectory": f"{folder}/index",
            "HttpPort": self.http_port, "RemoteAccessAllowed": False, "AuthenticationEnabled": False,
            "DicomAet": "ORTHANC", "DicomPort": self.dicom_port, "DicomCheckCalledAet": True,
            "DicomAlwaysAllowEcho": True, "DicomAlwaysAllowStore": True, "DicomAlwaysAllowFind": True,
            "DicomAlwaysAllowGet": True, "StableAge": 2,
            "DicomTlsEnabled": True, "DicomTlsCertificate": PKI.orthanc[0], "DicomTlsPrivateKey": PKI.orthanc[1],
            "DicomTlsTrustedCertificates": PKI.ca[0], "DicomTlsRemoteCertificateRequired": True,
        }
        with open(f"{folder}/orthanc.json", "w") as f:
            json.dump(config, f)
        binary = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
        self.child = Child([binary, f"{folder}/orthanc.json"], log_path=f"{folder}/orthanc.log")
        if not wait_for(lambda: self.count() is not None, 30, 0.2):
            raise RuntimeError("Orthanc with DicomTlsEnabled did not start: see " + f"{folder}/orthanc.log")

    def count(self):
        import urllib.request
        try:
            with urllib.request.urlopen(self.url + "/statistics", timeout=5) as r:
                return json.loads(r.read())["CountInstances"]
        except OSError:
            return None

    def add_modality(self, name, aet, port, tls):
        """A DicomModalities entry made by REST (PUT /modalities/NAME): where a C-MOVE to aet goes."""
        import urllib.request
        body = json.dumps({"AET": aet, "Host": "127.0.0.1", "Port": port, "UseDicomTls": tls}).encode()
        req = urllib.request.Request(f"{self.url}/modalities/{name}", data=body, method="PUT")
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()

    def stop(self):
        self.child.stop()


def retrieval_summary(node, job, path):
    """The rows of `sendit retrieve --status JOB --summary path` (its CSV)."""
    import csv
    node.run("retrieve", "--status", job, "--summary", path)
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def retrieval_over_tls(files, orthanc):
    """Orthanc (DicomTlsEnabled, client certificates required) as the clinical archive, sendit
    retrieving from it over TLS: its modality entry for sendit uses TLS (UseDicomTls), so the
    C-MOVE sub-associations come to sendit's TLS listener (mutual: Orthanc's certificate is
    verified against the CA)."""
    import pydicom
    study = pydicom.dcmread(files[0], stop_before_pixels=True).StudyInstanceUID
    client = f"cert={PKI.client_ok[0]},key={PKI.client_ok[1]}"
    # wrongca trusts another CA (a copy, put right later) than the one that signed Orthanc's certificate.
    wrong_trust = os.path.join(WORK, "wrongca-trust.pem")
    shutil.copy(PKI.other_ca[0], wrong_trust)
    sources = (f"tlspacs=ORTHANC@127.0.0.1:{orthanc.dicom_port} move tls:ca={PKI.ca[0]},{client};"
               f"wrongca=ORTHANC@127.0.0.1:{orthanc.dicom_port} move tls:ca={wrong_trust},{client}")
    hooks = Webhooks()
    hooks.accept = True
    node = tls_node(os.path.join(WORK, "node4"), DICOM_TLS_CA=PKI.ca[0], DICOM_TLS_CLIENT_CERTS="required",
                    RETRIEVE_SOURCES=sources, RETRIEVE_TIMEOUT="30", ALERT_WEBHOOK_URLS=hooks.url + "/alerts")
    try:
        orthanc.add_modality("sendit", "SENDIT", node.tls_port, True)

        def from_orthanc():
            return [l for l in stored_over_tls(node, 10) if "ORTHANC" in l]
        tls = ["--tls-ca", PKI.ca[0], "--tls-cert", PKI.client_ok[0], "--tls-key", PKI.client_ok[1]]
        code, out = sendit_cli("move", "--from", f"127.0.0.1:{orthanc.dicom_port}", "--aec", "ORTHANC", "--study-uid", study,
                               "--dest", "SENDIT", *tls)
        arrived = wait_for(lambda: len(from_orthanc()) == 1, 20, 0.2)
        check("orthanc-tls-move", code == 0 and arrived,
              f"sendit move --tls-* from Orthanc (DicomTlsEnabled) to SENDIT: exit {code}; the sub-association from ORTHANC "
              f"stored 10 over TLS on DICOM_TLS_PORT: {bool(arrived)}; {out.strip().splitlines()[-1][-120:] if out.strip() else ''}")

        listed = os.path.join(WORK, "tls-list.csv")
        with open(listed, "w") as f:
            f.write(f"study_uid\n{study}\n")
        r = node.run("retrieve", "--from", "tlspacs", "--study-uids", listed, "--wait", "--summary",
                     os.path.join(WORK, "tls-summary.csv"), timeout=90)
        job = re.search(r"job (\d+)", r.stdout)
        rows = retrieval_summary(node, job.group(1), os.path.join(WORK, "tls-summary.csv")) if job else []
        row = rows[0] if rows else {}
        twice = wait_for(lambda: len(from_orthanc()) == 2, 20, 0.2)
        check("orthanc-tls-retrieval-job", r.returncode == 0 and row.get("outcome") == "retrieved" and row.get("completed") == "10"
              and twice,
              f"sendit retrieve --from tlspacs (RETRIEVE_SOURCES tls:): exit {r.returncode}, outcome {row.get('outcome')}, "
              f"completed {row.get('completed')}; the C-MOVE's sub-association over TLS: {bool(twice)}")

        # Hostile: the archive's certificate is not from the CA this source trusts (ca= another
        # CA): the item waits with the verification failure as its reason; nothing is retrieved,
        # the archive is not asked in clear text.
        before = len(node.log_lines("association ended"))
        r = node.run("retrieve", "--from", "wrongca", "--study-uids", listed)
        job = re.search(r"job (\d+)", r.stdout)
        path = os.path.join(WORK, "wrongca-summary.csv")

        def reason():
            rows = retrieval_summary(node, job.group(1), path) if job else []
            return rows[0] if rows and "TLS: " in rows[0].get("status_meaning", "") else None
        row = wait_for(reason, 20, 0.5) or {}
        logged = [l for l in node.log_lines("retrieval source failed TLS") if "wrongca" in l]
        meaning = row.get("status_meaning", "")
        time.sleep(1)
        row_now = reason() or {}
        check("orthanc-tls-retrieval-wrong-ca", job and "certificate verification failed" in meaning
              and row_now.get("outcome") in ("queued", "")
              and row_now.get("completed") == "0" and len(node.log_lines("association ended")) == before and logged,
              f"sendit retrieve --from wrongca: the item {row_now.get('outcome')!r}, completed {row_now.get('completed')}, "
              f"reason: {meaning[-110:]}; logged: {bool(logged)}; no association reached sendit since: "
              f"{len(node.log_lines('association ended')) == before}")

        def source_alerts():
            return [json.loads(p["body"]) for p in hooks.taken() if '"retrieval-source-tls"' in p["body"]]
        alerted = wait_for(source_alerts, 15, 0.5) or []
        body = alerted[0] if alerted else {}
        check("orthanc-tls-retrieval-alert", len(alerted) == 1 and body.get("key") == "retrieval-source-tls:wrongca"
              and "certificate verification failed" in body.get("summary", "") and study not in json.dumps(body)
              and (body.get("retrievalSource") or {}).get("waiting") == 1,
              f"webhook POSTs of kind retrieval-source-tls: {len(alerted)}; key {body.get('key')!r}, "
              f"summary {body.get('summary', '')[:150]!r}; the study's UID in it: {study in json.dumps(body)}")
        # The pause is not a failure: the trusted CA put right and SIGHUP, the next try (30 s
        # after the first) retrieves the study.
        shutil.copy(PKI.ca[0], wrong_trust)
        os.kill(node.child.pid, signal.SIGHUP)
        reloaded = wait_for(lambda: node.log_lines("TLS certificates reloaded for retrieval source wrongca"), 5, 0.1)
        done = wait_for(lambda: (retrieval_summary(node, job.group(1), path) or [{}])[0].get("outcome") == "retrieved", 50, 1) if job else False
        thrice = wait_for(lambda: len(from_orthanc()) == 3, 10, 0.2)
        check("orthanc-tls-retrieval-resumes", reloaded and done and thrice,
              f"the source's CA put right, SIGHUP: reloaded {bool(reloaded)}; the waiting item retrieved: {bool(done)}, "
              f"its 10 instances over TLS: {bool(thrice)}")
        check("node-answers-after-retrieval", node_answers(node), "plain and TLS echoscu after the retrieval cases")
    finally:
        node.stop()
        hooks.close()


def orthanc_and_pipeline(files, orthanc):
    code, out = sendit_cli("send", "-q", "--aec", "ORTHANC", "--tls-ca", PKI.ca[0], "--tls-cert", PKI.client_ok[0],
                           "--tls-key", PKI.client_ok[1], "127.0.0.1", str(orthanc.dicom_port), *files[:10])
    check("orthanc-tls", code == 0 and orthanc.count() == 10, f"sendit send to Orthanc (DicomTlsEnabled, mutual): exit {code}, "
          f"Orthanc holds {orthanc.count()}")

    # Orthanc as a TLS retrieval source: sendit query and get with the same options.
    import pydicom
    study = pydicom.dcmread(files[0], stop_before_pixels=True).StudyInstanceUID
    tls = ["--tls-ca", PKI.ca[0], "--tls-cert", PKI.client_ok[0], "--tls-key", PKI.client_ok[1]]
    source = ["--from", f"127.0.0.1:{orthanc.dicom_port}", "--aec", "ORTHANC", "--study-uid", study]
    code, out = sendit_cli("query", *source, *tls)
    out_dir = os.path.join(WORK, "retrieved")
    code2, out2 = sendit_cli("get", *source, "--out", out_dir, *tls)
    got = [f for f in os.listdir(out_dir) if f.endswith(".dcm")] if os.path.isdir(out_dir) else []
    code3, out3 = sendit_cli("query", *source)
    check("orthanc-tls-retrieval", code == 0 and study in out and code2 == 0 and len(got) == 10 and code3 != 0,
          f"sendit query over TLS: exit {code}, study found: {study in out}; sendit get over TLS: exit {code2}, {len(got)} files; "
          f"the same query in clear text: exit {code3}")

    expired_scp = Storescp(os.path.join(WORK, "dest-expired"), PKI.expired)
    port = expired_scp.port
    orthanc_tls = f"ca={PKI.ca[0]},cert={PKI.client_ok[0]},key={PKI.client_ok[1]}"
    node = Sendit(ARGS.sendit, os.path.join(WORK, "node3"), SEND_TO_ORTHANC="true", ORTHANC_IPADDRESS="127.0.0.1",
                  ORTHANC_PORT=str(orthanc.dicom_port), ORTHANC_TLS=orthanc_tls, ORTHANC_VERIFY="rest", ORTHANC_URL=orthanc.url,
                  EXTRA_DESTINATIONS=f"tlsdest=STORESCP@127.0.0.1:{port} tls:ca={PKI.ca[0]}", STABLE_AGE="1",
                  SEND_RETRY_DELAY="1", SEND_RETRY_MAX_DELAY="2", HTTP_ENABLED="false", LOG_LEVEL="info")
    node.start()
    try:
        batch = files[10:30]
        code, _ = storescu(node.port, batch)

        def tlsdest():
            return {d["name"]: d for d in node.send_status()["destinations"]}.get("tlsdest", {})

        def reason(d):
            return " ".join(r.get("lastError") or "" for r in d.get("retrying", []))
        delivered = wait_for(lambda: orthanc.count() == 30, 40, 0.5)
        failing = wait_for(lambda: "certificate has expired" in reason(tlsdest()), 30, 0.5)
        d = tlsdest()
        waiting = d.get("queued", 0) + sum(r["images"] for r in d.get("retrying", []))
        check("destination-tls-failure", code == 0 and delivered and failing and expired_scp.files() == []
              and waiting == 20 and d.get("sent") == 0 and d.get("failed") == 0,
              f"Orthanc over TLS holds {orthanc.count()} (30 expected); tlsdest: {waiting} images wait, sent {d.get('sent')}, "
              f"failed {d.get('failed')}, reason: {reason(d)[-120:]}; {len(expired_scp.files())} files at the expired peer")
        expired_scp.stop()
        good = Storescp(os.path.join(WORK, "dest-good"), PKI.server, port=port)
        try:
            arrived = wait_for(lambda: len(good.files()) == 20, 60, 0.5)
            check("destination-tls-recovers", arrived, f"the peer with a valid certificate received {len(good.files())} of 20")
        finally:
            good.stop()
    finally:
        node.stop()


def main():
    global ARGS, WORK, PKI
    p = runs.parser("conformance/tls-test", __doc__)
    runs.add_common_options(p, "nothing (the corpus is fixed)", "the cases")
    ARGS = p.parse_args()
    WORK = tempfile.mkdtemp(prefix="sendit-tls-")
    started = time.monotonic()
    with children.session():
        PKI = Certificates(os.path.join(WORK, "pki"))
        log(f"certificates made in {time.monotonic() - started:.1f} s")
        files = ct_series(30, 64, seed=7)
        acceptor_server_only(files)
        acceptor_mutual(files)
        requestor(files)
        orthanc = TLSOrthanc(os.path.join(WORK, "orthanc"))
        try:
            orthanc_and_pipeline(files, orthanc)
            retrieval_over_tls(files, orthanc)
        finally:
            orthanc.stop()
    failed = [c for c, ok, _ in RESULTS if not ok]
    log(f"tls-test: {len(RESULTS) - len(failed)} of {len(RESULTS)} cases passed in {time.monotonic() - started:.0f} s"
        + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump([{"case": c, "ok": ok, "detail": d} for c, ok, d in RESULTS], f, indent=1)
    runs.finish_work(WORK, ARGS.keep or bool(failed))
    return 1 if failed else 0



if __name__ == "__main__":
    sys.exit(main())
