#!/usr/bin/env bash
# conformance/run-hostile.sh: run every hostile_peer.py case against one DICOM SCP, then
# check with dcmtk's echoscu that the SCP still serves, and print a summary table.
#
# Usage: conformance/run-hostile.sh HOST PORT AET
#   AET is the SCP's (called) AE title. The calling AE title is HOSTILE.
#
# Environment:
#   SENDIT_PYTHON           Python with pydicom and pynetdicom (default: <repo>/.venv/bin/python)
#   HOSTILE_TIMEOUT         seconds each case waits for the SCP (default: the peer's, 10 s)
#   HOSTILE_SILENT_TIMEOUT  seconds `silent` waits for the SCP to close (default 60)
#   HOSTILE_JSON            if set, a file that receives every case's JSON line
#
# Exit status: 0 if every case is ok and the final echoscu succeeds, 1 otherwise.
set -euo pipefail

if [ $# -ne 3 ]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
host=$1 port=$2 aet=$3

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
python=${SENDIT_PYTHON:-$repo/.venv/bin/python}
[ -x "$python" ] || { echo "run-hostile.sh: no Python at $python (set SENDIT_PYTHON)" >&2; exit 2; }
command -v echoscu >/dev/null || { echo "run-hostile.sh: echoscu (dcmtk) is needed" >&2; exit 2; }

cases=(malformed-pdu oversize-pdu unknown-pdu-type abort-mid-transfer
       release-during-transfer release-collision silent many-contexts user-identity echo)

results=$(mktemp)
trap 'rm -f "$results"' EXIT

for c in "${cases[@]}"; do
    opts=(--aec "$aet")
    if [ "$c" = silent ]; then
        opts+=(--timeout "${HOSTILE_SILENT_TIMEOUT:-60}")
    elif [ -n "${HOSTILE_TIMEOUT:-}" ]; then
        opts+=(--timeout "$HOSTILE_TIMEOUT")
    fi
    echo "run-hostile.sh: $c" >&2
    # A non-zero exit is a finding, recorded in the JSON; a crash leaves no JSON line.
    line=$("$python" "$here/hostile_peer.py" "$c" "$host" "$port" "${opts[@]}") || true
    if [ -z "$line" ]; then
        line="{\"case\": \"$c\", \"ok\": false, \"observed\": \"hostile_peer.py crashed\", \"detail\": {}}"
    fi
    echo "$line" >>"$results"
done

# The SCP must still serve after all of that: a plain C-ECHO from another implementation.
if echo_out=$(echoscu -to 10 -ta 10 -td 10 -aet HOSTILE -aec "$aet" "$host" "$port" 2>&1); then
    echo '{"case": "echoscu (dcmtk)", "ok": true, "observed": "answered C-ECHO, released", "detail": {}}' >>"$results"
else
    "$python" -c 'import json,sys; print(json.dumps({"case": "echoscu (dcmtk)", "ok": False,
        "observed": "echoscu failed: " + " ".join(sys.argv[1].split()), "detail": {}}))' \
        "$echo_out" >>"$results"
fi

[ -z "${HOSTILE_JSON:-}" ] || cp "$results" "$HOSTILE_JSON"

"$python" - "$results" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
width = max(len(r["case"]) for r in rows)
print(f"{'case':<{width}}  ok   observed")
print(f"{'-' * width}  ---  --------")
for r in rows:
    print(f"{r['case']:<{width}}  {'yes' if r['ok'] else 'NO ':<3}  {r['observed']}")
failed = sum(not r["ok"] for r in rows)
print(f"{len(rows) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
