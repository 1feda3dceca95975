#!/usr/bin/env bash
# Install everything netdoctor needs on a Debian/Ubuntu machine, then build it.
# Idempotent: packages already present are not reinstalled; safe to run again.
# Usage (as root): scripts/setup.sh [--no-build]
set -euo pipefail

cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root (it installs system packages)" >&2
  exit 3
fi

# System packages: iproute2 (ip), iptables (nft + legacy), nftables (nft), iputils-ping, conntrack
# (conntrack -L/-D), util-linux (nsenter, for --pid and container namespaces),
# libpcap-dev (the pcap addon builds against it), build tools for native addons, tmux (e2e),
# time (GNU time: the bench reads peak memory through it), tcpdump (tests only: an independent
# witness of what netdoctor's capture counts; netdoctor itself never runs it).
PACKAGES=(iproute2 iptables nftables iputils-ping procps conntrack util-linux libpcap-dev tmux time tcpdump python3 make g++ ca-certificates)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js >= 20.5 and npm.
if ! command -v node >/dev/null 2>&1; then
  echo "setup.sh: installing nodejs and npm from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<5)) { console.error("setup.sh: Node.js >= 20.5 is required, found "+process.versions.node); process.exit(3) }'

# Node dependencies, exactly as locked. Reinstall only when the lockfile changed.
stamp=node_modules/.netdoctor-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

if [ "${1:-}" != "--no-build" ]; then
  npm run build --silent
fi
echo "setup.sh: ready ($(node --version), $(ip -V 2>&1 | head -1))"
