#!/usr/bin/env bash
# Schemathesis (Mastodon OpenAPI) against the real bonsai binary.
# See run.py for the environment knobs; extra args go to `schemathesis run`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

VENV=${ST_VENV:-.venv}
stamp=$VENV/.bonsai-req-stamp
if [[ ! -x $VENV/bin/schemathesis || ! -f $stamp ]] || ! cat requirements.txt constraints.txt | cmp -s - "$stamp"; then
  echo "installing schemathesis into $VENV…" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
  cat requirements.txt constraints.txt > "$stamp"
fi
exec "$VENV/bin/python" run.py "$@"
