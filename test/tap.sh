# shellcheck shell=bash
#
# test/tap.sh
#	  TAP output for the shell suites in test/suites: source it, count with
#	  ok/is/skip, and print the plan "1..$N" at the end.  Also q, the
#	  suites' psql on their own database.

N=0

# ok STATUS NAME: "ok N - NAME" when STATUS is 0, else "not ok N - NAME"
ok()
{
	local status=$1

	shift
	N=$((N + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $N - $*"
	else
		echo "not ok $N - $*"
	fi
}

# is GOT WANT NAME: ok when GOT equals WANT; shows both when not
is()
{
	local got=$1 want=$2

	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		printf 'got:  %s\nwant: %s\n' "$got" "$want" | diag
	fi
}

# skip REASON: a skipped test
skip()
{
	N=$((N + 1))
	echo "ok $N # SKIP $*"
}

# diag: standard input as TAP diagnostics, one "# " line each
diag()
{
	sed 's/^/# /'
}

# q ARGS: psql on the suite's database $DB (unless -d is given again):
# unaligned, tuples only, stop on the first error
q()
{
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"
}
