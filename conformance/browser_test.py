#!/usr/bin/env python3
"""The browser test (run conformance/browser-test; it picks Python and sendit).

The promise: a person with a browser can watch and steer a real node through its web pages,
without JavaScript of ours, and every action they take is on the audit page.

Headless Chromium (Debian's chromium and its chromedriver, nothing downloaded) driven by
Selenium, against one `sendit serve` delivering to a throw-away Orthanc (delivery-test's node,
STABLE_AGE=600 so that studies wait in staging, IMPORT_BEFORE_QUIET=false so that nothing of
a study is indexed before its force-complete, RETENTION=never so that rows stay):
  1. `sendit user add` makes an admin (password on standard input); the browser opens the
     dashboard, is sent to the login form, logs in through it;
  2. three studies are sent: a CT study (storescu), a CT study whose images say
     BurnedInAnnotation YES (storescu; held by the burned-in rules), and photoacoustic images
     (pynetdicom; a site rule lets them through, Orthanc refuses the SOP class, so they FAIL);
     and a finished folder with two files that are not DICOM images is dropped in the data folder
     (quarantined);
  3. the staging page lists the three studies; each is force-completed by its button;
  4. the dashboard, reloaded after each force-complete, counts each study's images in turn, until
     every image is DONE, HELD or FAILED and it shows the figures of `sendit status --json`;
  5. the held series' page shows the burned-in rule; its images are released (the confirmation
     ticked) and reach Orthanc; the failed series' page shows Orthanc's refusal; it is retried
     and fails again, with one more attempt in its timeline;
  6. the audit page lists the login, the three force-completes, the release and the retry;
     logging out leads to the login form, and the pages are closed again; a new login shows the
     logout on the audit page;
  7. no page holds an original patient name, ID, birth date, study date or accession number.
A screenshot of every page (viewport 1280x900, and the whole page when it is longer) is saved in
the work folder's screenshots/ (or --screenshots DIR) and its path printed; --docs DIR copies the
dashboard, series page, staging and audit shots there (docs/screenshots/). Exit 1 if any check
fails.
"""
from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pydicom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import delivery_test as dt  # noqa: E402
import web_test as wt  # noqa: E402
from harness import children, runs  # noqa: E402
from harness.orthanc import Orthanc  # noqa: E402
from harness.waiting import wait_for  # noqa: E402

# One patient, three studies: delivered, held (burned-in text), failed (a SOP class Orthanc refuses).
PATIENTS = [("Thistlewood^Perpetua", "TP60218", "19640722", "F",
             [("20240611", [("CT", dt.CTImageStorage, 5)]),
              ("20240612", [("CT", dt.CTImageStorage, 3)]),
              ("20240613", [("PA", dt.PHOTOACOUSTIC, 2)])])]
PASSWORD = "admin password for the browser test"
DOC_SHOTS = {"dashboard": "dashboard", "series-held": "series-page", "staging": "staging", "audit": "audit"}
COMPLETE = "form[action$='/complete']"   # a staging page's force-complete button
PROBLEMS = wt.PROBLEMS   # web-test's check() records the failed checks here
check = wt.check


def chromium(profile):
    """Headless Chromium through Debian's chromedriver; Selenium Manager stays offline."""
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
              "--hide-scrollbars", f"--user-data-dir={profile}", "--no-first-run", "--disable-extensions"):
        options.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    # --window-size counts the window's frame; the pages are looked at in a 1280x900 viewport.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    return driver


class Page:
    """The browser, with what the test needs of it: open, click, read, screenshot."""

    def __init__(self, driver, base, shots):
        self.d, self.base, self.shots = driver, base, shots
        self.sources: list[tuple[str, str]] = []
        os.makedirs(shots, exist_ok=True)

    def open(self, path):
        self.d.get(self.base + path)
        self.sources.append((path, self.d.page_source))

    @property
    def path(self):
        return self.d.current_url[len(self.base):]

    def text(self):
        return self.d.find_element("tag name", "body").text

    def css(self, selector):
        return self.d.find_elements("css selector", selector)

    def submit(self, form_selector, tick=False):
        """Clicks the submit button of the first form matching the selector (ticking its
        confirmation box first); retried once if the page refreshed itself meanwhile."""
        from selenium.common.exceptions import StaleElementReferenceException
        for _ in range(3):
            try:
                form = self.css(form_selector)[0]
                if tick:
                    form.find_element("css selector", "input[name=confirm]").click()
                form.find_element("css selector", "button[type=submit]").click()
                # The click returns before the answer is loaded: wait for the old page to go.
                from selenium.webdriver.support import expected_conditions
                from selenium.webdriver.support.ui import WebDriverWait
                WebDriverWait(self.d, 30).until(expected_conditions.staleness_of(form))
                self.sources.append((self.path, self.d.page_source))
                return
            except StaleElementReferenceException:
                time.sleep(0.3)
        raise RuntimeError(f"{form_selector}: the page kept changing")

    def cards(self):
        """The dashboard's figures: {label: number}."""
        out = {}
        for card in self.css(".card"):
            m = re.match(r"\s*(\d+)\s*(.*)", card.text.replace("\n", " "))
            if m:
                out[m.group(2).strip()] = int(m.group(1))
        return out

    def shot(self, name):
        """NAME.png (the viewport) and, for a longer page, NAME-full.png (all of it)."""
        path = os.path.join(self.shots, name + ".png")
        self.d.save_screenshot(path)
        paths = [path]
        height = self.d.execute_script("return document.documentElement.scrollHeight")
        if height > 900:
            full = self.d.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}})
            paths.append(os.path.join(self.shots, name + "-full.png"))
            with open(paths[-1], "wb") as fh:
                fh.write(base64.b64decode(full["data"]))
        for p in paths:
            print(f"  screenshot {p}", flush=True)


def make_corpus(work):
    corpus = dt.make_corpus(work, "corpus", PATIENTS, "browser")
    held = [im for im in corpus["images"] if im["study"] == dt.corpora.uid("browser", 0, 1, "study")]
    for im in held:
        ds = pydicom.dcmread(im["path"])
        ds.BurnedInAnnotation = "YES"
        ds.save_as(im["path"], enforce_file_format=True)
    return corpus, held


def main():
    p = runs.parser("browser-test", __doc__)
    p.add_argument("--sendit", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--keep", action="store_true", help="keep the work folder (and its screenshots)")
    p.add_argument("--screenshots", help="write the screenshots here (default: WORK/screenshots)")
    p.add_argument("--docs", help="copy the dashboard, series page, staging and audit shots here")
    args = p.parse_args()
    dt.ARGS = argparse.Namespace(sendit=args.sendit, repo=args.repo)
    work = tempfile.mkdtemp(prefix="sendit-browser-test-")
    shots = os.path.abspath(args.screenshots or os.path.join(work, "screenshots"))
    started = time.monotonic()
    with children.session():
        corpus, held = make_corpus(work)
        forbidden = sorted({p[0] for p in PATIENTS} | {p[0].split("^")[0] for p in PATIENTS} | {p[1] for p in PATIENTS}
                           | {p[2] for p in PATIENTS} | {d for p in PATIENTS for d, _ in p[4]}
                           | {f"ACC0{si}BROW" for si in range(3)})
        rules = os.path.join(work, "burned-in.rules")
        with open(rules, "w") as fh:   # as delivery-test's refused-sop-class: Orthanc, not sendit, refuses them
            fh.write("allow refused-class-test if SOPClassUID is PhotoacousticImageStorage\n")
        with Orthanc(os.path.join(work, "orthanc")) as o, \
                dt.node(os.path.join(work, "sendit"), o, STABLE_AGE="600", RETENTION="never", BURNED_IN_RULES=rules,
                        IMPORT_BEFORE_QUIET="false") as s:
            o.start()
            r = subprocess.run([s.binary, "user", "add", "ada", "--role", "admin", "--password-stdin"], env=s.env,
                               input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
            check(r.returncode == 0, f"sendit user add: {r.returncode} {r.stderr[-300:]}")
            s.start()
            driver = chromium(os.path.join(work, "chromium"))
            try:
                page = Page(driver, s.web, shots)
                run(page, s, o, corpus, held, work)
                leaks = [(where, v) for where, text in page.sources for v in forbidden if v in text]
                check(not leaks, f"original values shown: {leaks[:5]}")
                print(f"  {len(page.sources)} pages searched for {len(forbidden)} original values: {len(leaks)} found")
            finally:
                driver.quit()
    if args.docs and not PROBLEMS:
        os.makedirs(args.docs, exist_ok=True)
        for shot, name in DOC_SHOTS.items():
            shutil.copy(os.path.join(shots, shot + ".png"), os.path.join(args.docs, name + ".png"))
            print(f"  copied {shot}.png to {os.path.join(args.docs, name + '.png')}")
    kept = args.keep or bool(PROBLEMS)
    where = shots if kept or args.screenshots else "the work folder, removed (--keep or --screenshots DIR keeps them)"
    print(f"browser-test: {len(PROBLEMS)} problem(s) in {time.monotonic() - started:.0f} s; screenshots in {where}")
    runs.finish_work(work, kept)
    return 1 if PROBLEMS else 0


def run(page, s, o, corpus, held, work):
    total = len(corpus["images"])
    failing = [im for im in corpus["images"] if im["sop_class"] == dt.PHOTOACOUSTIC]

    # 1. The login form, reached from a closed page.
    page.open("/")
    check(page.path.startswith("/login"), f"a stranger at / lands on {page.path}")
    page.shot("login")
    page.css("input[name=user]")[0].send_keys("ada")
    page.css("input[name=password]")[0].send_keys(PASSWORD)
    page.submit("main.login form")
    check(page.path == "/" and "ada (admin)" in page.text(), f"after login: {page.path}")
    before = page.cards()
    check(before.get("images") == 0, f"the dashboard before anything was sent: {before}")
    page.shot("dashboard-empty")

    # 2. Three studies in, and a folder with two files that are not images.
    folders = sorted({os.path.dirname(im["path"]) for im in corpus["images"] if im not in failing})
    stored = dt.store(corpus, s.port, os.path.join(work, "storescu.log"), folders)
    refused = dt.pynetdicom_store(failing, s.port)
    check(len(stored) + len(refused) == total, f"{len(stored)} + {len(refused)} of {total} images acknowledged")
    dropped = os.path.join(s.data, "dropped.tmp")
    os.makedirs(dropped)
    with open(os.path.join(dropped, "notes.txt"), "w") as fh:
        fh.write("not an image\n")
    with open(corpus["images"][0]["path"], "rb") as fh:
        raw = fh.read()
    with open(os.path.join(dropped, "cut.dcm"), "wb") as fh:
        fh.write(raw[:700])
    os.rename(dropped, os.path.join(s.data, "dropped"))

    # 3. Staging: each study waits (STABLE_AGE=600) until its button finishes it.
    def staged():
        page.open("/staging")
        return len(page.css(COMPLETE)) == len(corpus["studies"])
    check(wait_for(staged, 20, 1), f"the staging page lists {len(page.css(COMPLETE))} studies, not {len(corpus['studies'])}")
    page.shot("staging")
    # 4. The dashboard follows each force-complete, reloaded until the study's images are counted.
    completed, seen = 0, [before.get("images")]
    for _ in range(len(corpus["studies"])):
        page.open("/staging")
        if not page.css(COMPLETE):
            break
        page.submit(COMPLETE)
        completed += "is finished now" in page.text()

        def counted():
            page.open("/")
            return (page.cards().get("images") or 0) > seen[-1]
        check(wait_for(counted, 30, 0.5), f"the dashboard's images stay at {seen[-1]} after a force-complete")
        seen.append(page.cards().get("images"))
    check(completed == len(corpus["studies"]), f"{completed} of {len(corpus['studies'])} force-completes said done")
    check(seen[-1] == total and seen == sorted(set(seen)), f"the dashboard's image counts: {seen}")
    print(f"  dashboard images after each force-complete: {' -> '.join(map(str, seen))}")

    def settled():
        page.open("/")
        c = page.cards()
        return c.get("images") == total and c.get("held series") == 1 and c.get("failed series") == 1 \
            and c.get("quarantined files") == 2 and _status_rows(page).get("DONE", (0, 0))[1] == total - len(held) - len(failing)
    check(wait_for(settled, 60, 1), f"the dashboard did not settle: {page.cards()} {_status_rows(page)}")
    st = s.status()
    rows = _status_rows(page)
    check(all(rows.get(k, (0, 0))[1] == v for k, v in st["imagesByStatus"].items()),
          f"dashboard by status {rows}, sendit status {st['imagesByStatus']}")
    page.shot("dashboard")

    # 5a. The series list, the held list, the held series: released.
    page.open("/series")
    check(len(page.css("tbody tr")) == 3, f"the series list shows {len(page.css('tbody tr'))} series")
    page.shot("series")
    page.open("/held")
    links = page.css("a.uid")
    check(len(links) == 1, f"the held page lists {len(links)} series")
    page.shot("held")
    held_uid = held[0]["series"]
    page.open(f"/series/{held_uid}")
    check("burned-in-annotation" in page.text(), "the held series' page does not name the burned-in rule")
    page.shot("series-held")
    page.submit("form[action*='/release?']", tick=True)
    check(f"{len(held)} images released" in page.text(), f"release: {page.text()[-200:]}")
    page.shot("released")

    def delivered():
        page.open(f"/series/{held_uid}")
        return "Status DONE" in page.text()
    check(wait_for(delivered, 60, 1), f"the released series is not DONE: {page.text()[:300]}")
    check(o.count() == total - len(failing), f"Orthanc holds {o.count()} images, expected {total - len(failing)}")

    # 5b. The failed series: the refusal shown, retried, failed again.
    failed_uid = failing[0]["series"]
    page.open("/")
    check(any(a.get_attribute("href").split("?")[0].endswith("/series/" + failed_uid) for a in page.css("a.uid")),
          "the dashboard's latest problems do not link the failed series")
    page.open(f"/series/{failed_uid}")
    events_before = _timeline(page)
    check("Status FAILED" in page.text(), "the failed series' page does not say FAILED")
    page.shot("series-failed")
    page.submit("form[action*='/retry?']")
    check("put back" in page.text() or "queued again" in page.text(), f"retry: {page.text()[-200:]}")

    def failed_again():
        page.open(f"/series/{failed_uid}")
        return "Status FAILED" in page.text() and _timeline(page) > events_before
    check(wait_for(failed_again, 60, 1), f"the retried series did not fail again ({events_before} events before, {_timeline(page)} now)")

    # Quarantine and settings.
    page.open("/quarantine")
    check("notes.txt" in page.text() and "cut.dcm" in page.text(), "the quarantine page does not list the dropped files")
    page.shot("quarantine")
    page.open("/settings")
    check("DICOM_PORT" in page.text(), "the settings page shows no DICOM_PORT")
    page.shot("settings")
    page.open("/alerts")
    check("Alerts" in page.text(), "the alerts page does not open")
    page.shot("alerts")

    # 6. The audit trail, logging out, and the logout in the trail.
    page.open("/audit")
    actions = _audit(page)
    check(actions.count("force-complete") == len(corpus["studies"]) and "login" in actions and "release" in actions
          and "retry" in actions, f"the audit page lists {actions}")
    page.shot("audit")
    page.submit("form[action='/logout']")
    check(page.path.startswith("/login"), f"after logout: {page.path}")
    page.open("/audit")
    check(page.path.startswith("/login"), f"/audit after logout: {page.path}")
    page.css("input[name=user]")[0].send_keys("ada")
    page.css("input[name=password]")[0].send_keys(PASSWORD)
    page.submit("main.login form")
    check(page.path == "/audit" and "logout" in _audit(page), f"back at {page.path}: {_audit(page)}")
    page.submit("form[action='/logout']")


def _status_rows(page):
    """The dashboard's "By status" table: {status: (series, images)}."""
    out = {}
    for table in page.css("table"):
        heads = [th.text for th in table.find_elements("css selector", "thead th")]
        if heads[:3] == ["Status", "Series", "Images"]:
            for tr in table.find_elements("css selector", "tbody tr"):
                cells = [td.text for td in tr.find_elements("css selector", "td")]
                out[cells[0]] = (int(cells[1]), int(cells[2]))
    return out


def _timeline(page):
    """Rows of the series page's timeline."""
    for h2 in page.css("h2"):
        if h2.text == "Timeline":
            return len(h2.find_elements("xpath", "following-sibling::table[1]/tbody/tr"))
    return 0


def _audit(page):
    """The Action column of the audit page."""
    return [tr.find_elements("css selector", "td")[3].text for tr in page.css("tbody tr")]


if __name__ == "__main__":
    sys.exit(main())
