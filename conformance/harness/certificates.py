"""A throw-away PKI made with the openssl CLI (conformance/tls-test, scripts/bench-wan)."""
import os
import subprocess


class Certificates:
    """A CA, another CA and leaf certificates under folder, made with the openssl CLI."""

    def __init__(self, folder):
        self.dir = folder
        os.makedirs(folder, exist_ok=True)
        self.ca = self._ca("ca", "sendit test CA")
        self.other_ca = self._ca("other-ca", "another CA")
        self.server = self._leaf("server", "localhost", self.ca, san="DNS:localhost,IP:127.0.0.1")
        # Orthanc's: it is a client too when it opens a C-MOVE's sub-association over TLS.
        self.orthanc = self._leaf("orthanc", "localhost", self.ca, san="DNS:localhost,IP:127.0.0.1", usage="serverAuth,clientAuth")
        self.server2 = self._leaf("server2", "localhost", self.ca, san="DNS:localhost,IP:127.0.0.1")
        self.wrong_host = self._leaf("wrong-host", "wrong.example.org", self.ca, san="DNS:wrong.example.org")
        self.other = self._leaf("server-other-ca", "localhost", self.other_ca, san="DNS:localhost,IP:127.0.0.1")
        self.self_signed = self._self_signed("self-signed", "localhost")
        self.expired = self._expired("expired", "localhost", self.ca, san="DNS:localhost,IP:127.0.0.1")
        self.client_ok = self._leaf("client-ok", "modality-ok", self.ca, client=True)
        self.client_bad = self._leaf("client-bad", "modality-bad", self.ca, client=True)
        self.client_other = self._leaf("client-other-ca", "modality-ok", self.other_ca, client=True)
        self.client_expired = self._expired("client-expired", "modality-ok", self.ca, client=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def _openssl(self, *args):
        r = subprocess.run(["openssl", *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"openssl {' '.join(args)}: {r.stderr[-800:]}")

    def _ca(self, name, cn):
        key, pem = self.path(name + ".key"), self.path(name + ".pem")
        self._openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", pem, "-days", "2",
                      "-subj", f"/O=sendit tests/CN={cn}", "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return (pem, key)

    def _extensions(self, name, san, client, usage=None):
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n")
            f.write(f"extendedKeyUsage={usage or ('clientAuth' if client else 'serverAuth')}\n")
            if san:
                f.write(f"subjectAltName={san}\n")
        return ext

    def _request(self, name, cn):
        key, csr = self.path(name + ".key"), self.path(name + ".csr")
        self._openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/O=sendit tests/CN={cn}")
        return key, csr

    def _leaf(self, name, cn, ca, san=None, client=False, usage=None):
        key, csr = self._request(name, cn)
        pem = self.path(name + ".pem")
        self._openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-set_serial", str(abs(hash(name)) % 10**12),
                      "-days", "2", "-out", pem, "-extfile", self._extensions(name, san, client, usage))
        return (pem, key)

    def _self_signed(self, name, cn):
        key, pem = self.path(name + ".key"), self.path(name + ".pem")
        self._openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", pem, "-days", "2",
                      "-subj", f"/CN={cn}", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
        return (pem, key)

    def _expired(self, name, cn, ca, san=None, client=False):
        """Valid in January 2020 only: `openssl ca` takes explicit dates (x509 -req does not)."""
        key, csr = self._request(name, cn)
        pem = self.path(name + ".pem")
        db = self.path(name + "-db")
        os.makedirs(db, exist_ok=True)
        open(os.path.join(db, "index.txt"), "w").close()
        with open(os.path.join(db, "serial"), "w") as f:
            f.write("1000\n")
        conf = os.path.join(db, "ca.cnf")
        with open(conf, "w") as f:
            f.write(f"[ca]\ndefault_ca=c\n[c]\ndatabase={db}/index.txt\nserial={db}/serial\nnew_certs_dir={db}\n"
                    f"default_md=sha256\npolicy=p\ncopy_extensions=none\n[p]\ncommonName=supplied\norganizationName=optional\n")
        self._openssl("ca", "-batch", "-config", conf, "-cert", ca[0], "-keyfile", ca[1], "-in", csr, "-out", pem,
                      "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-notext",
                      "-extfile", self._extensions(name, san, client))
        return (pem, key)
