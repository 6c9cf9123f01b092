#!/usr/bin/env bash
# `npm test`: everything, from nothing. Installs what the tests need (system packages, the test
# VS Code, cached after the first run), then type-checks, lints, builds the .vsix, and runs the unit
# tests, the lab tests against real registries, the integration suite in a real VS Code extension
# host, the end-to-end path in Chromium, and the README's demo line started, browsed and stopped.
# Stops at the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."
stage() { printf '\n=== %s\n' "$*"; }
started=$SECONDS

stage "setup: system packages and the test VS Code"
bash scripts/setup-system.sh
bash scripts/setup-vscode.sh >/dev/null

stage "type-check (tsc --noEmit, strict)"
npx tsc --noEmit -p .
stage "lint (eslint) and format (prettier --check)"
npx eslint src test scripts bench
npx prettier --check src test bench scripts
stage "architecture (dependency-cruiser: no import cycles, imports only down the layers)"
npx depcruise src --config .dependency-cruiser.cjs --output-type err
stage "package (.vsix)"
# vsce's warnings are what a Marketplace upload would complain about: none allowed.
packaged=$(npm run --silent package 2>&1) || { echo "$packaged"; exit 1; }
echo "$packaged"
if grep -q 'WARNING' <<<"$packaged"; then echo "vsce package printed warnings (above): fix them" >&2; exit 1; fi
node scripts/check-vsix.mjs oci-registry-explorer.vsix
stage "build tests"
node scripts/build.mjs --tests

stage "unit tests"
npx mocha --config test/unit/.mocharc.json
stage "lab tests (real registries on loopback)"
npx mocha --config test/lab/.mocharc.json
stage "integration tests (extension host of a real VS Code)"
node out/test/e2e/run.js integration
stage "end-to-end (the workbench in Chromium, screenshots in test/e2e/screenshots/)"
node out/test/e2e/run.js e2e
stage "the demo line (npm run demo: started through npm, browsed in Chromium, stopped with Ctrl+C)"
node out/test/e2e/demo-check.js

printf '\nall stages passed in %d s\n' $((SECONDS - started))
