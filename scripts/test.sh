#!/usr/bin/env bash
#
# scripts/test.sh
#	  Run every test suite of medrnn against a throwaway PostgreSQL 15
#	  cluster and close with one line "N passed, M failed".
#
# On Debian 12, as root (or with sudo), it first installs the packages it
# needs.  Suites, in order; one with no files is skipped:
#
#	core		make check-core: C unit tests of the numeric core (TAP)
#	regress		make installcheck: pg_regress, sql/NAME.sql vs expected/NAME.out
#	pgtap		pg_prove over test/pgtap/*.sql, in a fresh database where
#				"CREATE EXTENSION pgtap" and the extension were run
#	NAME		each test/suites/NAME.sh, run with bash from the repository
#				root, the cluster's PG* variables and MEDRNN_* exported
#				(see below); it prints TAP ("1..N", "ok N", "not ok N")
#
# The exit status is 0 only if no test failed and every suite could run.
# Environment: MEDRNN_SUITE_TIMEOUT (seconds for one suite or pgTAP file,
# default 900), and those of scripts/lib.sh.

# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # lib.sh functions take optional arguments
set -euo pipefail
shopt -s nullglob

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MEDRNN_ROOT"
exec </dev/null
medrnn_keep_stdio

SUITE_TIMEOUT=${MEDRNN_SUITE_TIMEOUT:-900}
PGTAP_DB=medrnn_pgtap
TOTAL_PASS=0
TOTAL_FAIL=0
SUMMARY=()					# one "suite NAME: ..." line per suite
FINISHED=0
ACTIVE_PID=					# the timeout(1) running the current suite
TAIL_PID=					# the tail(1) showing its output
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-test.XXXXXX")

# Add a suite's counts to the summary
record()
{
	local line="suite $1: $2 passed, $3 failed"

	[ -z "${4:-}" ] || line="$line ($4)"
	SUMMARY+=("$line")
	TOTAL_PASS=$((TOTAL_PASS + $2))
	TOTAL_FAIL=$((TOTAL_FAIL + $3))
	medrnn_log "$line"
}

# A suite that has nothing to run
skip()
{
	SUMMARY+=("suite $1: skipped ($2)")
	medrnn_log "suite $1: skipped ($2)"
}

# A suite that could not run counts as one failure
cannot_run()
{
	record "$1" 0 1 "could not run: $2"
}

# Run a command with a time limit, its output shown and kept in a log file.
# It runs in the background, in its own process group (timeout(1) makes
# one), so that an interrupt reaches our trap at once and the trap can end
# the whole group; exit status 124 means it timed out.
run_logged()
{
	local log=$1 rc=0

	shift
	: >"$log"
	timeout -k 30 "$SUITE_TIMEOUT" "$@" >"$log" 2>&1 8>&- 9>&- &
	ACTIVE_PID=$!
	tail -n +1 -s 0.2 -f --pid="$ACTIVE_PID" "$log" 8>&- 9>&- &
	TAIL_PID=$!
	wait "$ACTIVE_PID" || rc=$?
	ACTIVE_PID=
	wait "$TAIL_PID" || true
	TAIL_PID=
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		medrnn_warn "timed out after ${SUITE_TIMEOUT}s: $*"
	fi
	return "$rc"
}

# Count a TAP log; prints "PASSED FAILED NOTE".  A "not ok" marked TODO
# passes; missing tests (fewer than planned), no plan, "Bail out!" or a
# non-zero exit status with no failed test each count as a failure.  With
# mode "numbered", only numbered lines count (pg_prove -v adds a bare "ok"
# after each file).
tap_count()
{
	awk -v rc="$2" -v mode="$3" '
	BEGIN { pass = 0; fail = 0; n = 0; plan = -1; bail = 0 }
	{
		sub(/\r$/, "")
		if (plan < 0 && $0 ~ /^1\.\.[0-9]+/) {
			plan = substr($0, 4) + 0
			next
		}
		if (mode == "numbered")
			is_test = ($0 ~ /^(not )?ok [0-9]+/)
		else
			is_test = ($0 ~ /^(not )?ok([ \t]|$)/)
		if (is_test) {
			n++
			if ($0 ~ /^not / && tolower($0) !~ /#[ \t]*todo/)
				fail++
			else
				pass++
		}
		if ($0 ~ /^Bail out!/)
			bail = 1
	}
	END {
		note = ""
		if (bail) {
			fail++; note = "bailed out"
		} else if (plan < 0) {
			fail++; note = (n == 0 ? "no TAP output" : "no plan")
		} else if (n < plan) {
			fail += plan - n; note = "planned " plan ", ran " n
		} else if (n > plan) {
			fail++; note = "planned " plan ", ran " n
		}
		if (rc != 0) {
			if (fail == 0)
				fail++
			note = (note == "" ? "" : note ", ") "exit status " rc
		}
		print pass, fail, note
	}' "$1"
}

# Count a pg_regress log (PG 15: "test NAME ... ok 12 ms" or "... FAILED");
# prints "PASSED FAILED NOTE"
regress_count()
{
	awk -v rc="$2" '
	BEGIN { pass = 0; fail = 0 }
	/ \.\.\. +ok( |$)/ { pass++ }
	/ \.\.\. +(FAILED|failed)/ { fail++ }
	END {
		note = ""
		if (pass + fail == 0) {
			fail++; note = "no test ran"
		}
		if (rc != 0 && fail == 0) {
			fail++; note = "exit status " rc
		}
		print pass, fail, note
	}' "$1"
}

# Stop everything, print the summary and exit (with status $1 if non-zero)
finish()
{
	FINISHED=1
	trap - INT TERM
	medrnn_restore_stdio
	if [ "$TOTAL_FAIL" -gt 0 ] && [ -n "${MEDRNN_PGLOG:-}" ] && [ -s "$MEDRNN_PGLOG" ]; then
		medrnn_log "last lines of the server log ($MEDRNN_PGLOG):"
		tail -n 40 "$MEDRNN_PGLOG" >&2 || true
	fi
	medrnn_cluster_stop
	rm -rf -- "$WORK"
	echo
	if [ ${#SUMMARY[@]} -gt 0 ]; then
		printf '%s\n' "${SUMMARY[@]}"
	fi
	printf '%d passed, %d failed\n' "$TOTAL_PASS" "$TOTAL_FAIL"
	if [ "${1:-0}" -ne 0 ]; then
		exit "$1"
	elif [ "$TOTAL_FAIL" -ne 0 ]; then
		exit 1
	fi
	exit 0
}

# On an interrupt, end the running suite's process group, then exit (which
# runs on_exit)
# shellcheck disable=SC2317 # called from traps
on_signal()
{
	trap '' INT TERM
	medrnn_restore_stdio
	medrnn_warn "interrupted"
	if [ -n "$ACTIVE_PID" ]; then
		kill -TERM "$ACTIVE_PID" 2>/dev/null || true
		wait "$ACTIVE_PID" 2>/dev/null || true
	fi
	if [ -n "$TAIL_PID" ]; then
		kill -TERM "$TAIL_PID" 2>/dev/null || true
	fi
	exit "$1"
}

# Any exit that did not go through finish (an error, an interrupt) still
# cleans up and prints a summary with one more failure
# shellcheck disable=SC2317 # called from traps
on_exit()
{
	local rc=$?

	[ "$FINISHED" -eq 0 ] || return 0
	[ "$rc" -ne 0 ] || rc=1
	record aborted 0 1 "test.sh stopped early, exit status $rc"
	finish "$rc"
}

trap on_exit EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

MAKE_CMD=(make -C "$MEDRNN_ROOT" --no-print-directory PG_CONFIG="$MEDRNN_PG_CONFIG")
JOBS=-j$(nproc 2>/dev/null || echo 2)

medrnn_step "dependencies"
# base: build and pgTAP; clang: the fuzzers; cron: the scheduled-retraining
# suite; sklearn: the cross-check of rnn_evaluate; tools: valgrind, cppcheck;
# citus: what building Citus needs (test/suites/citus.sh)
medrnn_deps base clang cron sklearn tools browser citus
EXT=$(medrnn_extension_name)

# The unit tests run on the same OpenBLAS kernels as the server will
medrnn_openblas_env

# ---- build
medrnn_step "build ($EXT, -Werror)"
READY=
if medrnn_build; then
	medrnn_step "install"
	if medrnn_install; then
		READY=1
	else
		record install 0 1 "make install failed"
		WHY="make install failed"
	fi
else
	record build 0 1 "make failed"
	WHY="the build failed"
fi

# ---- core: C unit tests
medrnn_step "suite core: make check-core"
files=(test/c/*.c)
if [ ${#files[@]} -eq 0 ]; then
	skip core "no test/c/*.c"
else
	rc=0
	run_logged "$WORK/core.log" env ${MEDRNN_SERVER_ENV[@]+"${MEDRNN_SERVER_ENV[@]}"} \
		"${MAKE_CMD[@]}" "$JOBS" check-core || rc=$?
	read -r p f note < <(tap_count "$WORK/core.log" "$rc" any)
	record core "$p" "$f" "$note"
fi

# ---- the throwaway cluster
if [ -n "$READY" ]; then
	medrnn_step "throwaway cluster"
	# medrnn preloaded for the live-progress view, pg_cron for the
	# scheduled-retraining suite (its jobs run in database postgres)
	if ! medrnn_cluster_start "shared_preload_libraries = 'pg_cron,$EXT'" \
		"cron.database_name = 'postgres'" "cron.use_background_workers = on"; then
		READY=
		WHY="the throwaway cluster did not start"
	fi
fi
export MEDRNN_ROOT MEDRNN_PG_BINDIR MEDRNN_EXTENSION=$EXT

# ---- regress: pg_regress
medrnn_step "suite regress: make installcheck"
files=(sql/*.sql)
if [ ${#files[@]} -eq 0 ]; then
	skip regress "no sql/*.sql"
elif [ -z "$READY" ]; then
	cannot_run regress "$WHY"
else
	rc=0
	run_logged "$WORK/regress.log" "${MAKE_CMD[@]}" installcheck || rc=$?
	read -r p f note < <(regress_count "$WORK/regress.log" "$rc")
	record regress "$p" "$f" "$note"
	if [ "$f" -gt 0 ] && [ -s regression.diffs ]; then
		medrnn_log "regression.diffs:"
		cat regression.diffs
	fi
fi

# ---- pgtap: pg_prove
medrnn_step "suite pgtap: pg_prove test/pgtap/*.sql"
files=(test/pgtap/*.sql)
if [ ${#files[@]} -eq 0 ]; then
	skip pgtap "no test/pgtap/*.sql"
elif [ -z "$READY" ]; then
	cannot_run pgtap "$WHY"
elif ! { dropdb --if-exists "$PGTAP_DB" && createdb "$PGTAP_DB" &&
	psql -X -q -v ON_ERROR_STOP=1 -d "$PGTAP_DB" -c "CREATE EXTENSION pgtap" \
		-c "CREATE EXTENSION \"$EXT\""; } >"$WORK/pgtap-setup.log" 2>&1; then
	cat "$WORK/pgtap-setup.log" >&2
	cannot_run pgtap "could not create database $PGTAP_DB with pgtap and $EXT"
else
	sum_p=0
	sum_f=0
	notes=
	for file in "${files[@]}"; do
		rc=0
		run_logged "$WORK/pgtap.log" pg_prove -v --psql-bin "$MEDRNN_PG_BINDIR/psql" \
			-d "$PGTAP_DB" "$file" || rc=$?
		read -r p f note < <(tap_count "$WORK/pgtap.log" "$rc" numbered)
		sum_p=$((sum_p + p))
		sum_f=$((sum_f + f))
		[ -z "$note" ] || notes="${notes:+$notes; }$(basename "$file"): $note"
	done
	record pgtap "$sum_p" "$sum_f" "$notes"
fi

# ---- test/suites/*.sh
for file in test/suites/*.sh; do
	name=$(basename "$file" .sh)
	medrnn_step "suite $name: $file"
	if [ -z "$READY" ]; then
		cannot_run "$name" "$WHY"
		continue
	fi
	rc=0
	run_logged "$WORK/suite.log" bash "$file" || rc=$?
	read -r p f note < <(tap_count "$WORK/suite.log" "$rc" any)
	record "$name" "$p" "$f" "$note"
done

finish
