#!/bin/sh
# Install the Debian packages sluice needs to build, test and demo.
# Idempotent: installs only what is missing. Run as root.
set -eu

PKGS="make gcc clang llvm libclang-rt-14-dev pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev libisal-dev
libjson-c-dev libxxhash-dev libnl-route-3-dev libinih-dev libmicrohttpd-dev libcmocka-dev iproute2 iputils-ping iperf3 jq ethtool ipset nftables gnuplot-nox time bc curl prometheus python3"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
