"""dcmtk's storescu, and what its log says was stored."""
import os
import re

from .children import Child


def storescu(port, paths, log_path, *options, aec="SENDIT"):
    """`storescu -v` (calling AE STORESCU, TCP_NODELAY) sending paths to 127.0.0.1:port in
    one association, in the background, its output in log_path: a Child (finish(timeout)
    waits for it). options go before the host (e.g. "+sd", "+r" for folders)."""
    return Child(["storescu", "-v", "-aet", "STORESCU", "-aec", aec, *options, "127.0.0.1", str(port), *paths],
                 log_path=log_path, env=dict(os.environ, TCP_NODELAY="1"))


# storescu -v: "I: Sending file: PATH", then "I: Received Store Response (Success)" or
# "(Warning ...)"/"(Error ...)"; a file it cannot read: "E: Bad DICOM file: PATH: ..." or
# "E: No SOP Class or Instance UID in file: PATH"; a failed transfer: "E: Store Failed, file: PATH:".
RE_SCU_SENDING = re.compile(r"^I: Sending file: (.*)$")
RE_SCU_RESPONSE = re.compile(r"^I: Received Store Response \((.*)\)$")
RE_SCU_UNREADABLE = re.compile(r"^E: (?:Bad DICOM file: (.*?): .*|No SOP Class or Instance UID in file: (.*))$")
RE_SCU_FAILED = re.compile(r"^E: Store Failed, file: (.*):$")


def storescu_results(log_paths):
    """{file: (stored?, status text)} from storescu -v logs. Success and Warning responses
    count as stored (PS3.4 B.2.3)."""
    result = {}
    for log in log_paths:
        current = None
        with open(log, errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if m := RE_SCU_SENDING.match(line):
                    current = m.group(1)
                elif (m := RE_SCU_RESPONSE.match(line)) and current is not None:
                    status = m.group(1)
                    result[current] = (status == "Success" or status.startswith("Warning"), status)
                    current = None
                elif m := RE_SCU_UNREADABLE.match(line):
                    result[m.group(1) or m.group(2)] = (False, "storescu cannot read the file")
                elif (m := RE_SCU_FAILED.match(line)) and m.group(1) not in result:
                    result[m.group(1)] = (False, "store failed")
    return result


def acknowledged(log_path):
    """The files a storescu -v log shows stored (a Success or Warning response), in log order."""
    return [f for f, (ok, _) in storescu_results([log_path]).items() if ok]
