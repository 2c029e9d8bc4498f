# shellcheck shell=bash
#
# scripts/lib.sh
#	  Helpers shared by scripts/test.sh and scripts/demo.sh: logging, Debian
#	  packages, build and install, and a throwaway PostgreSQL 15 cluster.
#
# Source it from bash ("set -euo pipefail" friendly); it defines functions and
# variables and runs nothing.  Every knob is an environment variable with a
# default:
#
#	MEDRNN_PG_BINDIR	PostgreSQL 15 programs (/usr/lib/postgresql/15/bin)
#	MEDRNN_PG_CONFIG	pg_config used by make ($MEDRNN_PG_BINDIR/pg_config)
#	MEDRNN_PGPORT		port of the throwaway cluster (54329); it only names
#						the socket file, the server listens on no TCP port
#	MEDRNN_PGTMP		where the cluster's temporary directory goes (/tmp);
#						the postgres user must be able to reach it
#	MEDRNN_PG_SETTINGS	extra postgresql.conf lines for the throwaway cluster,
#						one "name = value" a line
#	MEDRNN_INITDB_OPTS	extra initdb options (word-split)
#	OPENBLAS_CORETYPE	respected as set; see medrnn_openblas_env
#
# A caller that starts a cluster must make sure it goes away:
#
#	medrnn_keep_stdio
#	trap 'medrnn_restore_stdio; medrnn_cluster_stop' EXIT
#	trap 'exit 130' INT; trap 'exit 143' TERM
#	medrnn_cluster_start
#
# ("exit" inside the INT/TERM traps runs the EXIT trap.)

MEDRNN_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
MEDRNN_PG_BINDIR=${MEDRNN_PG_BINDIR:-/usr/lib/postgresql/15/bin}
MEDRNN_PG_CONFIG=${MEDRNN_PG_CONFIG:-$MEDRNN_PG_BINDIR/pg_config}
MEDRNN_PGPORT=${MEDRNN_PGPORT:-54329}
MEDRNN_PGTMP=${MEDRNN_PGTMP:-/tmp}

# Make the PostgreSQL 15 client programs win over Debian's version wrappers
case ":$PATH:" in
	*":$MEDRNN_PG_BINDIR:"*) ;;
	*) PATH=$MEDRNN_PG_BINDIR:$PATH ;;
esac
export PATH

# Environment given to the throwaway server only (VAR=value words)
MEDRNN_SERVER_ENV=()

# Set while a throwaway cluster of this shell is up
_MEDRNN_PGBASE=

# runuser lives in /usr/sbin, which a root PATH may lack
_MEDRNN_RUNUSER=$(command -v runuser 2>/dev/null || echo /usr/sbin/runuser)

# ---------------------------------------------------------------------------
# Logging: everything goes to stderr, so stdout carries only results.

# Print a progress message
medrnn_log()
{
	printf '[medrnn %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# Print a step heading
medrnn_step()
{
	printf '\n[medrnn %s] ==== %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# Print a warning
medrnn_warn()
{
	printf '[medrnn %s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# Print an error
medrnn_error()
{
	printf '[medrnn %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# Run a command with its output appended to a log file; on failure show the
# log's last lines and its path.  For long, noisy steps (the build): the
# terminal gets progress, the log the detail.
medrnn_logged()
{
	local log=$1 rc=0

	shift
	"$@" >>"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 30 "$log" >&2
		medrnn_error "$* failed (exit status $rc); its whole output is in $log"
	fi
	return "$rc"
}

# Print an error and exit (the caller's EXIT trap cleans up)
medrnn_die()
{
	medrnn_error "$@"
	exit 1
}

# Keep the script's stdout and stderr as fds 8 and 9, for medrnn_restore_stdio
medrnn_keep_stdio()
{
	exec 8>&1 9>&2
	_MEDRNN_STDIO_KEPT=1
}

# Point stdout and stderr back at the script's own.  A trap runs with the
# redirections of the command it interrupted (say "initdb >initdb.log"),
# so a trap handler calls this before printing anything.
medrnn_restore_stdio()
{
	if [ -n "${_MEDRNN_STDIO_KEPT:-}" ]; then
		exec 1>&8 2>&9
	fi
}

# ---------------------------------------------------------------------------
# Privileges

# True when running as root
medrnn_is_root()
{
	[ "$(id -u)" -eq 0 ]
}

# Run a command as root: directly, or through sudo (never prompting without a
# terminal, as under CI)
medrnn_as_root()
{
	if medrnn_is_root; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		if [ -t 0 ]; then
			sudo -- "$@"
		else
			sudo -n -- "$@"
		fi
	else
		medrnn_die "root is needed to run '$*': run this script as root, or install sudo"
	fi
}

# ---------------------------------------------------------------------------
# Debian packages

# The package groups, and the packages of one (fail on an unrecognized group)
MEDRNN_DEP_GROUPS="base clang cron bench sklearn tools browser citus lint"

medrnn_group_packages()
{
	case $1 in
		base)
			echo postgresql-15 postgresql-server-dev-15 libopenblas-dev \
				postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl \
				build-essential ;;
		clang)		# sanitizers and fuzzing
			echo clang libclang-rt-14-dev ;;
		cron)		# scheduled retraining
			echo postgresql-15-cron ;;
		bench)		# reference implementations in bench/
			echo python3-torch python3-sklearn python3-numpy ;;
		sklearn)	# the metrics cross-check in test/suites
			echo python3-sklearn python3-numpy ;;
		tools)		# memory checking, static analysis and shellcheck in test/suites
			echo valgrind cppcheck shellcheck ;;
		browser)	# rnn_report's pages rendered in test/suites/report_browser.sh
			echo chromium fonts-dejavu-core ;;
		citus)		# building Citus from ../shared/vendor for test/suites/citus.sh
			echo liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libxslt1-dev \
				libpam0g-dev libreadline-dev ;;
		lint)
			echo shellcheck ;;
		*)
			return 1 ;;
	esac
}

# True if a Debian package is installed
medrnn_pkg_installed()
{
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# Install the base packages plus the named extra groups (clang, cron, bench,
# lint), touching apt only when something is missing
medrnn_deps()
{
	local group pkg missing=() wanted=()

	command -v dpkg-query >/dev/null 2>&1 ||
		medrnn_die "dpkg-query not found: these scripts need Debian 12"
	for group in base "$@"; do
		local pkgs
		pkgs=$(medrnn_group_packages "$group") ||
			medrnn_die "unrecognized package group \"$group\" (known: $MEDRNN_DEP_GROUPS)"
		# shellcheck disable=SC2206 # package names have no blanks
		wanted+=($pkgs)
	done
	for pkg in "${wanted[@]}"; do
		medrnn_pkg_installed "$pkg" || missing+=("$pkg")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		medrnn_log "packages: all ${#wanted[@]} present"
		return 0
	fi
	medrnn_log "packages: installing ${missing[*]}"
	medrnn_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get -q -o DPkg::Lock::Timeout=300 update ||
		medrnn_die "apt-get update failed"
	medrnn_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends "${missing[@]}" ||
		medrnn_die "apt-get install ${missing[*]} failed"
	for pkg in "${missing[@]}"; do
		medrnn_pkg_installed "$pkg" || medrnn_die "package $pkg is still not installed"
	done
}

# ---------------------------------------------------------------------------
# Build and install

# Run make in the repository against PostgreSQL 15
medrnn_make()
{
	make -C "$MEDRNN_ROOT" --no-print-directory PG_CONFIG="$MEDRNN_PG_CONFIG" "$@"
}

# Build the extension with warnings as errors (COPT is appended to CFLAGS by
# PGXS); extra arguments go to make, e.g. OPTFLAGS=
# shellcheck disable=SC2120 # its arguments are optional
medrnn_build()
{
	medrnn_make -j"$(nproc 2>/dev/null || echo 2)" COPT="-Werror${COPT:+ $COPT}" "$@"
}

# Install the extension into PostgreSQL 15's lib and share directories
# shellcheck disable=SC2120 # its arguments are optional
medrnn_install()
{
	medrnn_as_root make -C "$MEDRNN_ROOT" --no-print-directory \
		PG_CONFIG="$MEDRNN_PG_CONFIG" "$@" install
}

# Print the extension's name, as the Makefile's EXTENSION line gives it
medrnn_extension_name()
{
	local name
	name=$(sed -n 's/^EXTENSION[[:space:]]*=[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' \
		"$MEDRNN_ROOT/Makefile" | head -n 1)
	[ -n "$name" ] || medrnn_die "no EXTENSION line in $MEDRNN_ROOT/Makefile"
	printf '%s\n' "$name"
}

# ---------------------------------------------------------------------------
# OpenBLAS core type
#
# Debian's OpenBLAS 0.3.21 can fail to recognize recent CPUs and fall back to
# kernels for old cores (Prescott, Core2, Nehalem, ...), which are several
# times slower.  Then we name the right core through OPENBLAS_CORETYPE, but
# only when /proc/cpuinfo shows every instruction set that core's kernels use.

# Print the core OpenBLAS picks on this machine (empty if it can't be told)
medrnn_openblas_corename()
{
	local tmp name=

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-blas.XXXXXX") || return 0
	printf '%s\n' \
		'#include <stdio.h>' \
		'extern char *openblas_get_corename(void);' \
		'int main(void) { puts(openblas_get_corename()); return 0; }' \
		>"$tmp/corename.c"
	if "${CC:-cc}" -o "$tmp/corename" "$tmp/corename.c" -lopenblas >/dev/null 2>&1; then
		name=$(env -u OPENBLAS_CORETYPE "$tmp/corename" 2>/dev/null) || name=
	fi
	rm -rf -- "$tmp"
	printf '%s\n' "$name"
}

# Print the OPENBLAS_CORETYPE to set for a corename and a list of CPU flags,
# or nothing when OpenBLAS's own choice should stand
medrnn_openblas_pick()
{
	local core flags

	core=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
	shift
	flags=" $* "
	case $core in
		# cores older than AVX2: only a fallback on a CPU that has AVX2
		unknown | katmai | coppermine | northwood | prescott | banias | atom | \
			core2 | penryn | dunnington | nehalem | athlon | opteron* | \
			barcelona | nano | sandybridge | bobcat) ;;
		*) return 0 ;;
	esac
	case $flags in
		*" avx512f "*)
			case $flags in
				*" avx512bw "*) case $flags in
					*" avx512dq "*) case $flags in
						*" avx512vl "*) echo SkylakeX; return 0 ;;
					esac ;;
				esac ;;
			esac ;;
	esac
	case $flags in
		*" avx2 "*) case $flags in
			*" fma "*) echo Haswell; return 0 ;;
		esac ;;
	esac
	return 0
}

# Print the OPENBLAS_CORETYPE the server should run with (empty: let OpenBLAS
# choose); a value the user set is kept
medrnn_openblas_coretype()
{
	local core flags pick

	if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
		medrnn_log "openblas: keeping OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE from the environment"
		printf '%s\n' "$OPENBLAS_CORETYPE"
		return 0
	fi
	core=$(medrnn_openblas_corename)
	if [ -z "$core" ]; then
		medrnn_warn "openblas: could not ask OpenBLAS for its core type; leaving it to choose"
		return 0
	fi
	flags=$(sed -n 's/^flags[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
	pick=$(medrnn_openblas_pick "$core" "$flags")
	if [ -n "$pick" ]; then
		medrnn_log "openblas: core \"$core\" is a generic fallback on this CPU; using OPENBLAS_CORETYPE=$pick"
		printf '%s\n' "$pick"
	else
		medrnn_log "openblas: core \"$core\"; nothing to set"
	fi
}

# Add the server's OPENBLAS_CORETYPE, if any, to MEDRNN_SERVER_ENV, deciding
# once per shell; the caller's own environment is left alone
medrnn_openblas_env()
{
	local v

	[ -z "${_MEDRNN_OPENBLAS_DECIDED:-}" ] || return 0
	_MEDRNN_OPENBLAS_DECIDED=1
	v=$(medrnn_openblas_coretype)
	if [ -n "$v" ]; then
		MEDRNN_SERVER_ENV+=("OPENBLAS_CORETYPE=$v")
	fi
}

# ---------------------------------------------------------------------------
# Throwaway cluster

# Run a command as the server's owner: postgres when we are root, else us.
# The working directory is the cluster's base, which postgres can read even
# when the repository is somewhere it cannot (/root/...).  The server must not
# hold the script's kept stdio (a CI pipe would never see EOF).
_medrnn_as_pg()
{
	if medrnn_is_root; then
		(cd -- "$_MEDRNN_PGBASE" && "$_MEDRNN_RUNUSER" -u postgres -- "$@") 8>&- 9>&-
	else
		(cd -- "$_MEDRNN_PGBASE" && "$@") 8>&- 9>&-
	fi
}

# Start a private PostgreSQL 15 server in a new temporary directory: unix
# socket only, trust auth, fsync off.  Arguments are extra postgresql.conf
# lines ("shared_preload_libraries = 'pg_cron'"), after MEDRNN_PG_SETTINGS.
# Exports PGHOST, PGPORT, PGUSER and PGDATABASE for the caller, and
# MEDRNN_PGDATA, MEDRNN_PGLOG and MEDRNN_PGSOCK.  Returns non-zero if the
# server could not be started (medrnn_cluster_stop still cleans up).
# shellcheck disable=SC2120 # its arguments are optional
medrnn_cluster_start()
{
	local base line

	if [ -n "$_MEDRNN_PGBASE" ]; then
		medrnn_error "a throwaway cluster is already running in $_MEDRNN_PGBASE"
		return 1
	fi
	if [ ! -x "$MEDRNN_PG_BINDIR/initdb" ]; then
		medrnn_error "no initdb in $MEDRNN_PG_BINDIR: is postgresql-15 installed?"
		return 1
	fi
	if medrnn_is_root && ! id postgres >/dev/null 2>&1; then
		medrnn_error "no postgres user: is postgresql-15 installed?"
		return 1
	fi

	base=$(mktemp -d "$MEDRNN_PGTMP/medrnn-pg.XXXXXX") || return 1
	_MEDRNN_PGBASE=$base
	MEDRNN_PGDATA=$base/data
	MEDRNN_PGSOCK=$base/sock
	MEDRNN_PGLOG=$base/server.log
	# sun_path holds 107 bytes, and the server adds "/.s.PGSQL.PORT.lock"
	if [ ${#MEDRNN_PGSOCK} -gt 80 ]; then
		medrnn_error "socket directory path too long: $MEDRNN_PGSOCK (set MEDRNN_PGTMP to a shorter path)"
		return 1
	fi
	mkdir -m 700 "$MEDRNN_PGSOCK" || return 1
	if medrnn_is_root; then
		chown -R postgres:postgres "$base" || return 1
	fi

	medrnn_log "cluster: initdb in $MEDRNN_PGDATA"
	# shellcheck disable=SC2086 # MEDRNN_INITDB_OPTS is a list of options
	if ! _medrnn_as_pg "$MEDRNN_PG_BINDIR/initdb" -D "$MEDRNN_PGDATA" -A trust -U postgres \
		--no-sync --no-instructions --encoding=UTF8 --locale=C.UTF-8 \
		${MEDRNN_INITDB_OPTS:-} >"$base/initdb.log" 2>&1; then
		cat "$base/initdb.log" >&2
		medrnn_error "initdb failed"
		return 1
	fi

	{
		echo
		echo "# throwaway cluster of medrnn's scripts"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$MEDRNN_PGSOCK'"
		echo "port = $MEDRNN_PGPORT"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		if [ -n "${MEDRNN_PG_SETTINGS:-}" ]; then
			printf '%s\n' "$MEDRNN_PG_SETTINGS"
		fi
		for line in "$@"; do
			printf '%s\n' "$line"
		done
	} >>"$MEDRNN_PGDATA/postgresql.conf" || return 1

	medrnn_openblas_env
	medrnn_log "cluster: starting (socket $MEDRNN_PGSOCK, port $MEDRNN_PGPORT, log $MEDRNN_PGLOG)"
	if ! _medrnn_as_pg env ${MEDRNN_SERVER_ENV[@]+"${MEDRNN_SERVER_ENV[@]}"} \
		"$MEDRNN_PG_BINDIR/pg_ctl" -D "$MEDRNN_PGDATA" -l "$MEDRNN_PGLOG" -w -t 60 \
		start >/dev/null; then
		tail -n 30 "$MEDRNN_PGLOG" >&2 2>/dev/null || true
		medrnn_error "the throwaway server did not start"
		return 1
	fi

	# libpq settings that could point clients elsewhere than PGHOST
	unset PGHOSTADDR PGSERVICE PGSERVICEFILE PGOPTIONS
	export PGHOST=$MEDRNN_PGSOCK PGPORT=$MEDRNN_PGPORT PGUSER=postgres PGDATABASE=postgres
	export MEDRNN_PGDATA MEDRNN_PGLOG MEDRNN_PGSOCK
}

# True once a process has exited (or is a zombie), waiting up to 10 seconds:
# the postmaster removes its pid file a moment before it exits
_medrnn_gone()
{
	local tries=0 state

	while [ $tries -lt 100 ]; do
		kill -0 "$1" 2>/dev/null || return 0
		state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)
		[ "$state" != Z ] || return 0
		sleep 0.1
		tries=$((tries + 1))
	done
	return 1
}

# The start of a benchmark script: build and install medrnn, start a
# throwaway cluster, and stop it however the script ends
medrnn_build_and_start()
{
	medrnn_build
	medrnn_install
	trap medrnn_cluster_stop EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	medrnn_cluster_start
}

# Stop the throwaway cluster, if this shell started one, and remove its
# directory; safe to call more than once and from traps
medrnn_cluster_stop()
{
	local base=$_MEDRNN_PGBASE pidfile pid tries=0

	[ -n "$base" ] || return 0
	pidfile=$base/data/postmaster.pid
	# interrupted during "pg_ctl start": give the postmaster time to write its pid
	if [ -d "$base/data" ] && [ ! -f "$pidfile" ] && [ -f "$base/server.log" ]; then
		while [ ! -f "$pidfile" ] && [ $tries -lt 10 ]; do
			sleep 0.5
			tries=$((tries + 1))
		done
	fi
	if [ -f "$pidfile" ]; then
		pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
		if ! _medrnn_as_pg "$MEDRNN_PG_BINDIR/pg_ctl" -D "$base/data" -m fast -w -t 60 \
			stop >/dev/null 2>&1; then
			_medrnn_as_pg "$MEDRNN_PG_BINDIR/pg_ctl" -D "$base/data" -m immediate -w -t 30 \
				stop >/dev/null 2>&1 || true
		fi
		if [ -n "$pid" ] && ! _medrnn_gone "$pid"; then
			medrnn_warn "cluster: postmaster $pid did not stop; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	case $base in
		"$MEDRNN_PGTMP"/medrnn-pg.*) rm -rf -- "$base" ;;
		*) medrnn_warn "cluster: not removing unexpected directory $base" ;;
	esac
	_MEDRNN_PGBASE=
	if [ "${PGHOST:-}" = "$base/sock" ]; then
		unset PGHOST PGPORT PGUSER PGDATABASE
	fi
	unset MEDRNN_PGDATA MEDRNN_PGLOG MEDRNN_PGSOCK
	medrnn_log "cluster: stopped and removed $base"
}

# Keep the throwaway cluster when the caller exits (demo --keep)
medrnn_cluster_detach()
{
	_MEDRNN_PGBASE=
}
