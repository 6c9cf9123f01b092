#!/usr/bin/env bash
# Installs the system packages the tests and the demo need: the CNCF Distribution registry, skopeo,
# openssl, htpasswd, GNU time (peak RSS in `npm run bench`), Chromium (the e2e browser) and libkrb5-dev
# (code-server compiles against it).
set -euo pipefail
needed=()
command -v docker-registry >/dev/null || needed+=(docker-registry)
command -v skopeo >/dev/null || needed+=(skopeo)
command -v openssl >/dev/null || needed+=(openssl)
command -v htpasswd >/dev/null || needed+=(apache2-utils)
[ -x /usr/bin/time ] || needed+=(time)
[ -x /usr/bin/chromium ] || needed+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || needed+=(libkrb5-dev)
for tool in make g++ python3 pkg-config; do command -v "$tool" >/dev/null || needed+=(build-essential pkg-config python3); done
[ ${#needed[@]} -eq 0 ] && exit 0
# shellcheck disable=SC2207
needed=($(printf '%s\n' "${needed[@]}" | sort -u))
if [ "$(id -u)" != 0 ]; then
  echo "setup: missing system packages: ${needed[*]}" >&2
  echo "setup: install them with: sudo apt-get install -y ${needed[*]} (or run this script as root)" >&2
  exit 1
fi
echo "setup: installing ${needed[*]} with apt-get"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
