#!/usr/bin/env python3
"""The web test (run conformance/web-test; it picks Python and sendit).

The promise: `sendit serve`'s web app shows and steers the real node, behind a login, without
ever showing an original identifying value; its JSON API answers as its OpenAPI document says.

One node delivering to a throw-away Orthanc (delivery-test's), with a long STABLE_AGE so that
studies wait in staging:
  1. `sendit user add` (an admin and a viewer, passwords on standard input) and `sendit token add`;
     /healthz and /readyz answer without a login; every page and API route refuses a stranger;
  2. the OpenAPI document is valid (openapi-spec-validator);
  3. the admin logs in through the form (its CSRF token, a strict HttpOnly cookie);
  4. a corpus (2 patients, 3 studies, 5 series) is sent with storescu; the staging page lists its
     studies; the admin force-completes each; the dashboard's and the API's counts follow the
     index (`sendit status --json`) until every image is delivered;
  5. every page and every API answer is fetched, also while the series are in the index: each API
     answer validated against its schema (jsonschema), no page or answer holds an original patient
     name, ID, birth date, study date or accession number of the corpus;
  6. the viewer may read but not act (403), a token acts without a CSRF token, a session POST
     without one is refused; the audit page and API list the logins, the force-completes and the
     failed attempts; logging out ends the session;
  7. /metrics parses as Prometheus text (prometheus-client's parser), and its counters say what the
     index says: every image received, imported, de-identified, sent and verified once, nothing
     failed or held, one end-to-end latency per series, no association left open.
Exit 1 if any check fails.
"""
from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import delivery_test as dt  # noqa: E402
from harness import children, runs  # noqa: E402
from harness.orthanc import Orthanc  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

PATIENTS = [
    ("Quibbleworth^Marisol", "QM40417", "19580211", "F",
     [("20240102", [("CT", dt.CTImageStorage, 4), ("MR", dt.MRImageStorage, 3)]),
      ("20220530", [("CT", dt.CTImageStorage, 3)])]),
    ("Vrendahl^Osgood", "VO77120", "19830809", "M",
     [("20210917", [("MR", dt.MRImageStorage, 3), ("CT", dt.CTImageStorage, 2)])]),
]
ADMIN_PASSWORD = "admin password for the web test"
VIEWER_PASSWORD = "viewer password for the web test"
PROBLEMS: list[str] = []


def check(condition, message):
    if not condition:
        PROBLEMS.append(message)
        print("  FAIL " + message, flush=True)
    return condition


class Browser:
    """A client with its own cookies; never follows redirects (the test looks at them)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base, self.jar = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self.NoRedirect)
        self.csrf = ""

    def request(self, path, form=None, headers=None, method=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {}, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=30) as r:
                status, hdrs, body = r.status, r.headers, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, hdrs, body = e.code, e.headers, e.read().decode("utf-8", "replace")
        m = re.search(r'name="csrf" value="([^"]+)"', body)
        if m:
            self.csrf = m.group(1)
        return status, hdrs, body

    def json(self, path, **kw):
        status, hdrs, body = self.request(path, **kw)
        return status, json.loads(body) if body else None

    def login(self, user, password):
        self.request("/login")
        return self.request("/login", form={"user": user, "password": password, "csrf": self.csrf, "next": "/"})


class Schemas:
    """The served OpenAPI document, validated, and each answer checked against its schema."""

    def __init__(self, document):
        from openapi_spec_validator import validate
        validate(document)
        self.document = document

    def check(self, path, method, status, value):
        import jsonschema
        responses = self.document["paths"][path][method]["responses"]
        response = responses[str(status)]
        if "$ref" in response:
            response = self.document["components"]["responses"][response["$ref"].split("/")[-1]]
        schema = dict(response["content"]["application/json"]["schema"], components=self.document["components"])
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=str)
        check(not errors, f"{method.upper()} {path} {status}: {errors[0].message if errors else ''}")


def sendit_cli(s, *args, stdin=None):
    import subprocess
    return subprocess.run([s.binary, *args], env=s.env, capture_output=True, text=True, input=stdin, timeout=60)


def main():
    p = runs.parser("web-test", __doc__)
    p.add_argument("--sendit", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    dt.ARGS = argparse.Namespace(sendit=args.sendit, repo=args.repo)
    work = tempfile.mkdtemp(prefix="sendit-web-test-")
    with children.session():
        corpus = dt.make_corpus(work, "corpus", PATIENTS, "web")
        # What no page may show (issue 15): patient names (and family names), IDs, birth dates,
        # accession numbers; and the study dates, which the index does not keep either. The
        # original UIDs are how an operator finds a series in the PACS: shown, as by `sendit status`.
        forbidden = sorted({p[0] for p in PATIENTS} | {p[0].split("^")[0] for p in PATIENTS} | {p[1] for p in PATIENTS}
                           | {p[2] for p in PATIENTS} | {d for p in PATIENTS for d, _ in p[4]}
                           | {f"ACC{pi}{si}WEB" for pi in range(2) for si in range(2)})
        with Orthanc(os.path.join(work, "orthanc")) as o, dt.node(os.path.join(work, "sendit"), o, STABLE_AGE="600", RETENTION="never") as s:
            o.start()
            run(s, o, corpus, forbidden)
        https(work, args.sendit)
    print(f"web-test: {len(PROBLEMS)} problem(s)")
    runs.finish_work(work, args.keep or bool(PROBLEMS))
    return 1 if PROBLEMS else 0


def run(s, o, corpus, forbidden):
    for name, role, password in (("ada", "admin", ADMIN_PASSWORD), ("vic", "viewer", VIEWER_PASSWORD)):
        r = sendit_cli(s, "user", "add", name, "--role", role, "--password-stdin", stdin=password + "\n")
        check(r.returncode == 0, f"sendit user add {name}: {r.returncode} {r.stderr[-300:]}")
    r = sendit_cli(s, "token", "add", "ci", "--role", "operator")
    check(r.returncode == 0, f"sendit token add: {r.returncode} {r.stderr[-300:]}")
    token = r.stdout.strip().splitlines()[-1]
    r = sendit_cli(s, "user", "list")
    check("ada\tadmin" in r.stdout and "vic\tviewer" in r.stdout, f"sendit user list: {r.stdout!r}")
    s.start()
    def alive():
        try:
            return Browser(s.web).request("/healthz")[0] == 200
        except OSError:   # the web app listens a moment after the DICOM listener
            return False
    check(wait_for(alive, 20, 0.2), "/healthz does not answer")
    check_host_names(s)
    stranger = Browser(s.web)
    status, ready = stranger.json("/readyz")
    check(status == 200 and ready["ready"] is True, f"/readyz: {status} {ready}")
    pages = ["/", "/series", "/held", "/staging", "/destinations", "/quarantine", "/alerts", "/audit", "/settings", "/metrics"]
    api = ["/api/v1/dashboard", "/api/v1/series", "/api/v1/staging", "/api/v1/quarantine", "/api/v1/audit", "/api/v1/openapi.json"]
    for path in pages:
        status, hdrs, _ = stranger.request(path)
        check(status == 303 and hdrs["Location"].startswith("/login"), f"stranger {path}: {status}")
    for path in api:
        status, body = stranger.json(path)
        check(status == 401 and body.get("status") == 401, f"stranger {path}: {status} {body}")

    admin = Browser(s.web)
    status, hdrs, _ = admin.login("ada", ADMIN_PASSWORD)
    cookie = [v for k, v in hdrs.items() if k.lower() == "set-cookie" and v.startswith("sendit_session=")]
    check(status == 303 and cookie and "HttpOnly" in cookie[0] and "SameSite=Strict" in cookie[0], f"login: {status} {cookie}")
    status, document = admin.json("/api/v1/openapi.json")
    schemas = Schemas(document)

    # Send the corpus; its studies wait in staging (STABLE_AGE=600) until force-completed.
    acknowledged = dt.store(corpus, s.port, os.path.join(s.root, "storescu.log"))
    check(len(acknowledged) == len(corpus["images"]), f"{len(acknowledged)} of {len(corpus['images'])} acknowledged")
    status, staging = admin.json("/api/v1/staging")
    schemas.check("/staging", "get", status, staging)
    check(len(staging) == len(corpus["studies"]), f"staging lists {len(staging)} studies, expected {len(corpus['studies'])}")
    admin.request("/staging")
    for folder in staging:
        status, _, body = admin.request(f"/staging/{folder['name']}/complete", form={"csrf": admin.csrf})
        check(status == 200, f"force-complete {folder['name']}: {status} {body[-200:]}")
        admin.request("/staging")
    total = len(corpus["images"])

    def delivered():
        st = s.status()
        return st["imagesByStatus"].get("DONE") == total and not st.get("jobsByState", {}).get("queued") \
            and not st.get("jobsByState", {}).get("running")
    seen = []

    def progress():
        _, d = admin.json("/api/v1/dashboard")
        seen.append(d["figures"]["images"])
        return delivered()
    check(wait_for(progress, 180, 0.5), f"not every image delivered: {dt.describe(s)}")
    check(total in seen, f"the dashboard never showed the {total} images (saw {sorted(set(seen))})")
    # Settled (RETENTION=never keeps the rows): the dashboard and the API say what the index says.
    st = s.status()
    _, d = admin.json("/api/v1/dashboard")
    f = d["figures"]
    check(f["images"] == st["images"] == total and f["studies"] == st["studies"] and f["series"] == st["series"]
          and f["imagesByStatus"] == {k: v for k, v in st["imagesByStatus"].items() if v}
          and f["seriesByStatus"] == {"DONE": corpus["series"]},
          f"dashboard {f['images']} images {f['imagesByStatus']} {f['seriesByStatus']}, status {st['images']} {st['imagesByStatus']}")
    _, page = admin.json("/api/v1/series?limit=500")
    check(len(page["series"]) == corpus["series"] and all(x["status"] == "DONE" for x in page["series"]),
          f"series list: {len(page['series'])} series, expected {corpus['series']} DONE")
    _, d = admin.json("/api/v1/dashboard")
    activity = {row["kind"]: 0 for row in d["figures"]["activity"]}
    for row in d["figures"]["activity"]:
        activity[row["kind"]] += row["images"]
    check(activity.get("received") == total and activity.get("deidentified") == total and activity.get("delivered") == total,
          f"activity per hour: {activity}, expected {total} each")
    problems, _ = dt.check_orthanc(o, corpus, corpus["images"], studies=len(corpus["studies"]), patients=len(PATIENTS))
    for problem in problems:
        check(False, problem)

    # Every page and answer: schema-valid, no original value.
    texts = []
    for path in pages + ["/series?status=DONE"]:
        status, _, body = admin.request(path)
        check(status == 200, f"admin {path}: {status}")
        texts.append((path, body))
    for path, spec in (("/api/v1/dashboard", "/dashboard"), ("/api/v1/series", "/series"), ("/api/v1/staging", "/staging"),
                       ("/api/v1/destinations", "/destinations"),
                       ("/api/v1/quarantine", "/quarantine"), ("/api/v1/audit", "/audit"), ("/api/v1/settings", "/settings"),
                       ("/api/v1/alerts", "/alerts"), ("/api/v1/whoami", "/whoami")):
        status, body = admin.json(path)
        schemas.check(spec, "get", status, body)
        texts.append((path, json.dumps(body)))
    _, page = admin.json("/api/v1/series?limit=500")
    for line in page["series"]:
        status, body = admin.json(f"/api/v1/series/{line['seriesInstanceUID']}")
        schemas.check("/series/{uid}", "get", status, body)
        texts.append((line["seriesInstanceUID"], json.dumps(body)))
        status, _, html = admin.request(f"/series/{line['seriesInstanceUID']}")
        texts.append(("page " + line["seriesInstanceUID"], html))
    leaks = [(where, value) for where, text in texts for value in forbidden if value in text]
    check(not leaks, f"original values shown: {leaks[:5]}")
    print(f"  {len(texts)} pages and answers searched for {len(forbidden)} original values: {len(leaks)} found")

    # Search by an original accession number and patient ID (matched by keyed digest, never shown
    # back) and by a coded patient ID as Orthanc holds it.
    series_of = {}
    for im in corpus["images"]:
        series_of.setdefault(im["patient"], set()).add(im["series"])
    first_study = next(im["study"] for im in corpus["images"] if im["patient"] == PATIENTS[0][1])
    searches = [("ACC00WEB", {im["series"] for im in corpus["images"] if im["study"] == first_study}),
                (PATIENTS[1][1], series_of[PATIENTS[1][1]])]
    coded = {h["patient"] for h in dt.orthanc_contents(o)}
    for value, expected in searches:
        admin.request("/series")
        status, _, html = admin.request("/series/search", form={"csrf": admin.csrf, "value": value})
        shown = set(re.findall(r'href="/series/([0-9.]+)(?:\?[^"]*)?"', html))
        check(status == 200 and shown == expected, f"search by an original value: {len(shown)} series shown, expected {len(expected)}")
        check(value not in html, "a searched original value was shown back")
    # The series page shows the coded values (the codes Orthanc holds), never the originals.
    _, _, html = admin.request(f"/series/{next(iter(series_of[PATIENTS[1][1]]))}")
    check(any(c in html for c in coded), "the series page shows none of the coded patient IDs Orthanc holds")
    for code in sorted(coded)[:1]:
        status, page = Browser(s.web).json("/api/v1/series/search", form={"value": code}, headers={"Authorization": f"Bearer {token}"})
        schemas.check("/series/search", "post", status, page)
        check(status == 200 and len(page["series"]) > 0, f"search by a coded patient ID: {status} {len(page.get('series', []))} series")

    # Roles, tokens, CSRF.
    viewer = Browser(s.web)
    viewer.login("vic", VIEWER_PASSWORD)
    status, _, _ = viewer.request("/settings")
    check(status == 403, f"viewer /settings: {status}")
    viewer.request("/staging")
    status, _, _ = viewer.request("/staging/x.tmp1/complete", form={"csrf": viewer.csrf})
    check(status == 403, f"viewer force-complete: {status}")
    status, body = admin.json("/api/v1/staging/none.tmp1/complete", form={})
    check(status == 403, f"session POST without CSRF header: {status} {body}")
    status, body = Browser(s.web).json("/api/v1/staging/none.tmp1/complete", form={}, headers={"Authorization": f"Bearer {token}"})
    schemas.check("/staging/{name}/complete", "post", status, body)
    check(status == 409, f"token force-complete of nothing: {status} {body}")
    # The destination's check: a real C-ECHO to the running Orthanc.
    status, body = Browser(s.web).json("/api/v1/destinations/orthanc/check", form={}, headers={"Authorization": f"Bearer {token}"})
    schemas.check("/destinations/{name}/check", "post", status, body)
    check(status == 200 and body["ok"] is True, f"destination check: {status} {body}")
    status, _, _ = Browser(s.web).login("ada", "not the password")
    check(status == 401, f"wrong password: {status}")
    status, trail = admin.json("/api/v1/audit")
    actions = [e["action"] for e in trail]
    check(actions.count("force-complete") >= len(corpus["studies"]) and "login" in actions and "login-failed" in actions,
          f"audit trail: {actions}")
    check(any(e["actor"] == "token:ci" for e in trail), "the token's action is not in the audit trail")
    status, _, _ = admin.request("/logout", form={"csrf": admin.csrf})
    check(status == 303, f"logout: {status}")
    status, _, _ = admin.request("/")
    check(status == 303, f"after logout: {status}")

    check_metrics(s, viewer, corpus, total)


def check_host_names(s):
    """DNS rebinding: the node answers to its own names (this machine's host name is wired in by
    `serve`) and refuses another with 421, naming HTTP_ALLOWED_HOSTS."""
    def status(host):
        conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=10)
        try:
            conn.putrequest("GET", "/login", skip_host=True)
            conn.putheader("Host", host)
            conn.endheaders()
            r = conn.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            conn.close()
    for host in (f"127.0.0.1:{s.http_port}", f"localhost:{s.http_port}", f"{socket.gethostname()}:{s.http_port}"):
        code, _ = status(host)
        check(code == 200, f"Host {host}: {code}, expected 200")
    code, body = status(f"rebound.attacker.example:{s.http_port}")
    check(code == 421 and "HTTP_ALLOWED_HOSTS" in body, f"Host rebound.attacker.example: {code}, expected 421")
    print(f"  Host names: 127.0.0.1, localhost and {socket.gethostname()} answered; rebound.attacker.example got {code}")


def check_metrics(s, viewer, corpus, total):
    """/metrics, as Prometheus reads it (prometheus-client's parser), against the index after
    the run: every image received, imported, de-identified, sent and verified once; nothing
    failed, held, quarantined or refused by the gate; one end-to-end latency per series; no
    association open; free space shown for each folder."""
    from prometheus_client.parser import text_string_to_metric_families
    status, _, text = viewer.request("/metrics")
    check(status == 200, f"/metrics: {status}")
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # noqa: BLE001
        check(False, f"/metrics does not parse: {e}")
        return
    samples = {(x.name, tuple(sorted(x.labels.items()))): x.value for f in families for x in f.samples}
    print(f"  /metrics: {len(families)} metric families, {len(samples)} samples")

    def value(name, **labels):
        v = samples.get((name, tuple(sorted(labels.items()))))
        check(v is not None, f"/metrics has no {name}{labels or ''}")
        return v

    st = s.status()
    done = st["imagesByStatus"].get("DONE", 0)
    destinations = sorted({dict(k[1])["destination"] for k in samples if k[0] == "sendit_images_sent_total"})
    check(destinations == ["orthanc"], f"/metrics destinations: {destinations}")
    figures = {
        "received": value("sendit_images_received_total"),
        "imported": value("sendit_images_imported_total"),
        "de-identified": value("sendit_images_deidentified_total"),
        "sent": value("sendit_images_sent_total", destination="orthanc"),
        "verified": value("sendit_images_verified_total", destination="orthanc"),
        "receive times": value("sendit_image_receive_seconds_count"),
    }
    check(all(v == total == done for v in figures.values()),
          f"/metrics {figures}; the corpus has {total} images, the index {done} DONE")
    zero = {name: value(name, **labels) for name, labels in (
        ("sendit_images_failed_total", {"destination": "orthanc"}), ("sendit_images_held_total", {"stage": "identify"}),
        ("sendit_images_held_total", {"stage": "deidentify"}), ("sendit_images_quarantined_total", {}),
        ("sendit_gate_refusals_total", {}), ("sendit_images_deidentify_failed_total", {}), ("sendit_store_failures_total", {}),
        ("sendit_images_undelivered", {"destination": "orthanc"}), ("sendit_open_associations", {}),
        ("sendit_jobs_queued", {"stage": "deidentify"}), ("sendit_jobs_running", {"stage": "send:orthanc"}))}
    check(all(v == 0 for v in zero.values()), f"/metrics, expected 0: {zero}")
    associations, received_bytes = value("sendit_associations_total"), value("sendit_bytes_received_total")
    check(associations is not None and associations >= 1, f"sendit_associations_total {associations}")
    # Imported bytes are the files' (preamble and File Meta too), received ones the data sets'.
    imported_bytes = value("sendit_bytes_imported_total")
    check(received_bytes is not None and received_bytes > 0 and imported_bytes is not None and imported_bytes >= received_bytes,
          f"sendit_bytes_received_total {received_bytes}, sendit_bytes_imported_total {imported_bytes}")
    series = value("sendit_series_end_to_end_seconds_count")
    check(series == corpus["series"], f"sendit_series_end_to_end_seconds_count {series}, the corpus has {corpus['series']} series")
    jobs = value("sendit_job_seconds_count", stage="deidentify")
    check(jobs is not None and jobs >= corpus["series"], f"de-identify jobs timed: {jobs} for {corpus['series']} series")
    for folder in ("data", "outbox", "quarantine"):
        free = value("sendit_disk_free_bytes", folder=folder)
        check(free is not None and free > 0, f"sendit_disk_free_bytes{{folder={folder}}} {free}")
    print(f"  /metrics: {figures} images; {associations} association(s), {received_bytes} bytes received, "
          f"{series} series end to end")


def https(work, binary):
    """HTTP_TLS_CERT and HTTP_TLS_KEY: the web app speaks TLS (1.2 at least) only, and its session
    cookie is Secure."""
    import ssl
    import subprocess
    from harness.sendit import Sendit
    cert, key = os.path.join(work, "web.crt"), os.path.join(work, "web.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    with Sendit(binary, os.path.join(work, "https"), HTTP_TLS_CERT=cert, HTTP_TLS_KEY=key) as s:
        r = sendit_cli(s, "user", "add", "tess", "--role", "viewer", "--password-stdin", stdin=VIEWER_PASSWORD + "\n")
        check(r.returncode == 0, f"user add: {r.stderr[-200:]}")
        s.start()
        base = s.web.replace("http://", "https://")
        context = ssl.create_default_context(cafile=cert)
        context.check_hostname = False

        def answers():
            try:
                with urllib.request.urlopen(base + "/healthz", context=context, timeout=5) as r:
                    return r.status == 200
            except OSError:
                return False
        check(wait_for(answers, 20, 0.2), "HTTPS /healthz does not answer")
        browser = Browser(base)
        browser.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(browser.jar), Browser.NoRedirect,
                                                     urllib.request.HTTPSHandler(context=context))
        status, hdrs, _ = browser.login("tess", VIEWER_PASSWORD)
        cookie = [v for k, v in hdrs.items() if k.lower() == "set-cookie" and v.startswith("sendit_session=")]
        check(status == 303 and cookie and "Secure" in cookie[0], f"HTTPS login: {status} {cookie}")
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
        old.set_ciphers("DEFAULT:@SECLEVEL=0")   # so that this client really offers TLS 1.1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
        try:
            urllib.request.urlopen(base + "/healthz", context=old, timeout=5)
            check(False, "TLS 1.1 was accepted")
        except (ssl.SSLError, urllib.error.URLError) as e:
            check("PROTOCOL_VERSION" in str(e).upper(), f"TLS 1.1 refused for another reason than its version: {e}")
        try:
            urllib.request.urlopen(s.web + "/healthz", timeout=5)
            check(False, "plain HTTP was answered on the HTTPS port")
        except (OSError, urllib.error.URLError, http.client.HTTPException):
            pass
        print("  HTTPS: TLS answered, Secure cookie, TLS 1.1 and plain HTTP refused")


if __name__ == "__main__":
    sys.exit(main())
