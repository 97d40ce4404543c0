#!/usr/bin/env bash
# The whole test suite: starts the engines, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash conformance-tests/scripts/start-services.sh
cargo test --workspace --locked "$@"
