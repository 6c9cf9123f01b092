#!/usr/bin/env bash
# Installs the system packages the tests, the demo and the benchmark need: the CNCF Distribution
# registry, skopeo, podman (Pull into Podman is tested with `podman load`), docker.io (Pull into
# Docker is tested with `docker load` into a dockerd the lab starts in a private folder; it brings
# containerd, runc and tini, nothing more without recommends), openssl, htpasswd, curl, squid (the
# lab's HTTP proxy), GNU time (`npm run bench`), Chromium (the e2e browser), libkrb5-dev and a C++
# toolchain (code-server compiles native modules). Then checks that every command is really there:
# a package that installed but left no command fails here, by name, instead of deep inside a test.
set -euo pipefail

# What must exist, and the Debian package that provides it.
requirements=(
  "command:docker-registry docker-registry"
  "command:skopeo skopeo"
  "command:podman podman"
  "file:/usr/sbin/dockerd docker.io"
  # Debian's docker CLI, by path: another docker on the PATH (Docker's own, in /usr/local/bin) is not what a fresh machine has.
  "file:/usr/bin/docker docker.io"
  "command:unshare util-linux"
  "command:setpriv util-linux"
  "command:openssl openssl"
  "command:htpasswd apache2-utils"
  "command:curl curl"
  "command:tar tar"
  "command:python3 python3"
  "command:make build-essential"
  "command:g++ build-essential"
  "command:pkg-config pkg-config"
  "file:/usr/bin/time time"
  "file:/usr/sbin/squid squid"
  "file:/usr/lib/squid/basic_ncsa_auth squid"
  "file:/usr/bin/chromium chromium"
  "file:/usr/include/gssapi/gssapi.h libkrb5-dev"
)

present() {
  local kind=${1%%:*} what=${1#*:}
  case "$kind" in
    command) command -v "$what" >/dev/null 2>&1 ;;
    file) [ -e "$what" ] ;;
  esac
}

missing() {
  local entry check package
  for entry in "${requirements[@]}"; do
    read -r check package <<<"$entry"
    present "$check" || echo "$package"
  done | sort -u
}

mapfile -t needed < <(missing)
if [ ${#needed[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing system packages: ${needed[*]}" >&2
    echo "setup: install them with: sudo apt-get install -y ${needed[*]} (or run this script as root)" >&2
    exit 1
  fi
  echo "setup: installing ${needed[*]} with apt-get"
  # The packages must not start machine-wide services (docker.io's postinst would start a dockerd
  # for the whole machine, and fail the install where it cannot): the lab starts its own. Debian's
  # policy-rc.d says no to every start while apt-get runs, unless the machine already has one.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# Written by scripts/setup-system.sh for the length of its apt-get install.\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
fi

# Installed is not the same as there: check each one again.
failed=0
for entry in "${requirements[@]}"; do
  read -r check package <<<"$entry"
  if ! present "$check"; then
    echo "setup: ${check#*:} is still missing after installing the Debian package $package: install it by hand (apt-get install $package) and run again" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
# Each tool answers, not just exists: a broken install shows here.
docker-registry --version >/dev/null
skopeo --version >/dev/null
podman --version >/dev/null || { echo "setup: podman is installed but does not run; reinstall the podman package" >&2; exit 1; }
/usr/sbin/dockerd --version >/dev/null || { echo "setup: /usr/sbin/dockerd is installed but does not run; reinstall the docker.io package" >&2; exit 1; }
/usr/sbin/squid -v >/dev/null || { echo "setup: /usr/sbin/squid is installed but does not run; reinstall the squid package" >&2; exit 1; }
/usr/bin/chromium --version >/dev/null 2>&1 || { echo "setup: /usr/bin/chromium is installed but does not run; reinstall the chromium package" >&2; exit 1; }
