# shellcheck shell=bash
# For the end-to-end tests that need no network: sluice on a private bpffs
# in a temporary directory ($T, $BPFFS), no attachment; `sl` runs it,
# bounded. bpffs_setup [MOUNT-OPTIONS]; a test may define bpffs_cleanup_hook.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/e2e/tap.sh"
SLUICE=${SLUICE:-$ROOT/.output/sluice}

bpffs_cleanup() {
	declare -F bpffs_cleanup_hook >/dev/null && bpffs_cleanup_hook
	"$SLUICE" detach --all >/dev/null 2>&1
	umount "$BPFFS" 2>/dev/null
	rm -rf "$T"
}

bpffs_setup() {
	T=$(mktemp -d /tmp/sluice-e2e.XXXXXX)
	chmod 755 "$T" # another user may have to reach the bpffs
	BPFFS=$T/bpffs
	mkdir "$BPFFS"
	mount -t bpf bpf "$BPFFS" ${1:+-o "$1"} || { echo "not ok - mount a bpffs"; exit 1; }
	export SLUICE_BPFFS=$BPFFS
	trap bpffs_cleanup EXIT
}

sl() { timeout -k 5 120 "$SLUICE" "$@"; }
