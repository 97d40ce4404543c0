#!/usr/bin/env bash
# strata's main job on a sample project: plan the cleanup against live data, write its
# migration guide (guide.md), apply it, show the status and verify it, then roll it back
# exactly (so the demo can run again).
# No server needed: with no URL, strata uses the embedded SQLite file strata.db here.
# DATABASE_URL=postgres://… (or mysql://, mongodb://) runs the same files on another engine.
set -euo pipefail
cd "$(dirname "$0")"
cargo build -q -p strata-cli
strata="${CARGO_TARGET_DIR:-../../target}/debug/strata"
step() { printf '\n\033[1m$ strata %s\033[0m\n' "$*"; "$strata" "$@"; }
step apply --yes --to 2
step plan
step guide -o guide.md   # the migration guide, from the live data
step apply --yes
step status
step verify
step rollback --yes
