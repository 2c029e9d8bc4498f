#!/usr/bin/env bash
#
# scripts/deps.sh
#	  Install the Debian 12 packages medrnn needs, only those missing.
#
# Usage: scripts/deps.sh [GROUP...]	install base and the named groups
#		 scripts/deps.sh --list		print every group and its packages
#	The base group (what building, installing and the demo need) is always
#	included; the others are for tests, benchmarks and tools.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

case ${1:-} in
	--list)
		for group in $MEDRNN_DEP_GROUPS; do
			printf '%-8s %s\n' "$group" "$(medrnn_group_packages "$group")"
		done
		exit 0 ;;
	-h | --help)
		sed -n '3,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
		exit 0 ;;
esac
medrnn_deps "$@"
