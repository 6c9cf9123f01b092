#!/usr/bin/env bash
# `npm run demo`: a lab registry seeded with sample content and a real VS Code (code-server) with the
# extension installed and that registry configured. Prints the URL to open; Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
bash scripts/setup-vscode.sh >/dev/null
npm run --silent package >/dev/null
node scripts/build.mjs --tests
exec node out/test/e2e/demo.js "$@"
