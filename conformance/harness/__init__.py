"""What the conformance tests share: ports, waiting, the processes they start, corpora.

A script in conformance/ imports it as it imports its neighbours (its own folder first on
sys.path): `from harness import ...`. Modules, by idea:

  ports      free TCP ports on 127.0.0.1; waiting for one to accept connections
  waiting    wait_for: poll a condition until it holds or time runs out
  children   the processes a test starts (Child), stopped on the way out of their `with`
             block, and by session() whatever a test left running (Ctrl-C, SIGTERM, errors)
  sendit     `sendit serve` (settings in its environment) and its JSON commands
  orthanc    a throw-away Orthanc (conformance/orthanc) and its REST API
  dcmtk      storescu, and what its log says was stored
  services   the HTTP doubles: the identifiers service, gcp-storage-emulator, gcs_double.py
  corpora    generated CT series (scripts/make-ct-corpus.py), their UIDs, their data sets
  part10     Part 10 files as bytes: File Meta, data set bytes
  staging    what sendit's receiver holds in its staging folders
  wan        scripts/delay-proxy (a wide-area link on loopback) and window_acceptor.py (a peer
             accepting an Asynchronous Operations Window, answering out of order)

Nothing here imports pydicom or numpy: the scripts that need them import them.
"""
import os

CONFORMANCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(CONFORMANCE)
