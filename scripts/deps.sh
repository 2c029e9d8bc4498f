#!/usr/bin/env bash
#
# scripts/deps.sh
#	  Install the Debian 12 packages medrnn needs, only those missing.
#
# Usage: scripts/deps.sh [GROUP...]
#	The base group (PostgreSQL 15 server and headers, OpenBLAS, pgTAP,
#	build-essential) is always included; extra groups: clang (sanitizers),
#	cron (pg_cron), bench (python3-torch, -sklearn, -numpy), lint (shellcheck).

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
medrnn_deps "$@"
