#!/usr/bin/env bash
#
# test/suites/static.sh
#	  Static checks:
#	  - cppcheck over src/ (warning, performance and portability checks;
#		errors are always on), with test/cppcheck-suppressions.txt, where
#		every suppression gives its reason: no finding;
#	  - no function of the extension is SECURITY DEFINER (pg_proc), and no
#		install or upgrade script (medrnn--*.sql) says SECURITY DEFINER;
#	  - shellcheck (warnings and errors) over the shell scripts;
#	  - the numeric core's layering (test/check_layers.py): no core file
#		includes a later layer or a PostgreSQL header, no header cycle.
#
# cppcheck runs without the PostgreSQL headers (with them it takes minutes):
# the few PostgreSQL attribute macros it must know are defined on its
# command line.  Missing tools give a skipped test, not a failure.
#
# Run by scripts/test.sh; prints TAP.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

DB=medrnn_static
EXT=${MEDRNN_EXTENSION:-medrnn}
ROOT=${MEDRNN_ROOT:-$(pwd)}
SUPPRESSIONS=test/cppcheck-suppressions.txt
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-static.XXXXXX")
JOBS=$(nproc 2>/dev/null || echo 2)
START=$SECONDS

# Drop the database and the work directory
cleanup()
{
	dropdb --if-exists "$DB" >/dev/null 2>&1 || true
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd -- "$ROOT"
echo "1..7"

# ---------------------------------------------------------------------------
# cppcheck

if command -v cppcheck >/dev/null 2>&1; then
	# every suppression has a comment line ("#") right above it
	awk '
		/^[[:space:]]*$/ { prev = ""; next }
		/^[[:space:]]*#/ { prev = "comment"; next }
		{ if (prev == "") { print FILENAME ":" NR ": " $0 }; prev = "entry" }
	' "$SUPPRESSIONS" >"$WORK/uncommented.txt" 2>&1 || echo "cannot read $SUPPRESSIONS" >"$WORK/uncommented.txt"
	ok "$([ -s "$WORK/uncommented.txt" ] && echo 1 || echo 0)" \
		"every suppression in $SUPPRESSIONS has a comment giving its reason"
	diag <"$WORK/uncommented.txt"

	rc=0
	cppcheck -q -j "$JOBS" --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
		--suppressions-list="$SUPPRESSIONS" --std=c99 --language=c \
		-Isrc/core/base -Isrc/core/data -Isrc/core/net -Isrc/core/learn -Isrc/core/model -Isrc/pg \
		'-Dpg_attribute_printf(f,a)=' '-Dpg_attribute_noreturn()=' '-Dpg_attribute_unused()=' \
		--template='{file}:{line}: {severity}: {message} [{id}]' \
		src/ >"$WORK/cppcheck.out" 2>&1 || rc=$?
	findings=$(grep -c -E '^[^ ]+:[0-9]+: ' "$WORK/cppcheck.out" || true)
	ok "$([ "$rc" -eq 0 ] && [ "$findings" -eq 0 ] && echo 0 || echo 1)" \
		"cppcheck $(cppcheck --version | awk '{ print $2 }') over src/: $findings findings (exit status $rc)"
	head -n 60 "$WORK/cppcheck.out" | diag
else
	skip "cppcheck is not installed"
	skip "cppcheck is not installed"
fi

# ---------------------------------------------------------------------------
# SECURITY DEFINER

shopt -s nullglob
scripts=(medrnn--*.sql)
hits=$(grep -i -l -E 'SECURITY[[:space:]]+DEFINER' "${scripts[@]}" 2>/dev/null || true)
ok "$([ ${#scripts[@]} -gt 0 ] && [ -z "$hits" ] && echo 0 || echo 1)" \
	"no install or upgrade script says SECURITY DEFINER (${#scripts[@]} scripts: ${scripts[*]})"
[ -z "$hits" ] || echo "$hits" | diag

dropdb --if-exists "$DB" >/dev/null 2>&1 || true
rc=0
createdb "$DB" && psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -v ext="$EXT" >"$WORK/definer.out" 2>&1 <<'SQL' || rc=$?
SET client_min_messages = warning;
CREATE EXTENSION :"ext";
SELECT count(*) || ' ' || count(*) FILTER (WHERE p.prosecdef) || ' '
       || coalesce(string_agg(p.oid::regprocedure::text, ', ') FILTER (WHERE p.prosecdef), '')
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = :'ext';
SQL
read -r nfunc ndefiner definers < <(tail -n 1 "$WORK/definer.out") || true
ok "$([ "$rc" -eq 0 ] && [ "${nfunc:-0}" -gt 0 ] && [ "${ndefiner:-1}" -eq 0 ] && echo 0 || echo 1)" \
	"no function of the installed extension is SECURITY DEFINER (${nfunc:-?} functions, ${ndefiner:-?} definers${definers:+: $definers})"
[ "$rc" -eq 0 ] || diag <"$WORK/definer.out"

# also the latest version reached by upgrading from the first, if there are
# upgrade scripts: ALTER EXTENSION UPDATE runs them all
rc=0
first=$(printf '%s\n' "${scripts[@]}" | sed -n 's/^medrnn--\([0-9.]*\)\.sql$/\1/p' | sort -V | head -n 1)
if [ -n "$first" ]; then
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -v ext="$EXT" -v first="$first" >"$WORK/upgrade.out" 2>&1 <<'SQL' || rc=$?
SET client_min_messages = warning;
DROP EXTENSION :"ext";
CREATE EXTENSION :"ext" VERSION :'first';
ALTER EXTENSION :"ext" UPDATE;
SELECT extversion || ' ' || (SELECT count(*) FROM pg_proc p
                             JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                             WHERE d.refobjid = e.oid AND p.prosecdef)
FROM pg_extension e WHERE extname = :'ext';
SQL
	read -r ver ndef < <(tail -n 1 "$WORK/upgrade.out") || true
	ok "$([ "$rc" -eq 0 ] && [ "${ndef:-1}" -eq 0 ] && echo 0 || echo 1)" \
		"after CREATE EXTENSION VERSION '$first' and ALTER EXTENSION UPDATE (to ${ver:-?}), still no SECURITY DEFINER"
	[ "$rc" -eq 0 ] || diag <"$WORK/upgrade.out"
else
	skip "no versioned install script medrnn--X.sql to upgrade from"
fi

# ---------------------------------------------------------------------------
# Shell scripts: shellcheck

if command -v shellcheck >/dev/null 2>&1; then
	shells=(scripts/*.sh test/*.sh test/suites/*.sh test/fuzz/*.sh bench/*.sh tools/*.sh)
	[ ! -f .ci/run ] || shells+=(.ci/run)
	rc=0
	shellcheck -S warning -x "${shells[@]}" >"$WORK/shellcheck.out" 2>&1 || rc=$?
	ok "$rc" "shellcheck -S warning over ${#shells[@]} shell scripts"
	head -n 40 "$WORK/shellcheck.out" | diag
else
	skip "shellcheck is not installed"
fi

# ---------------------------------------------------------------------------
# The core's layers

rc=0
python3 test/check_layers.py "$ROOT" >"$WORK/layers.out" 2>&1 || rc=$?
ok "$rc" "core layering: $(tail -n 1 "$WORK/layers.out")"
[ "$rc" -eq 0 ] || head -n 40 "$WORK/layers.out" | diag

echo "# static: $((SECONDS - START)) s"
