#!/usr/bin/env bash
#
# test/suites/openblas_kernel.sh
#	  The OpenBLAS kernel check: which OPENBLAS_CORETYPE the scripts pick
#	  for a CPU (never one the CPU lacks the instructions for), that the
#	  test cluster runs with that choice, and that a server forced onto the
#	  generic "Prescott" kernels on a CPU with AVX2 warns exactly once per
#	  backend, naming the setting.
#
# The last part starts a second throwaway server (lib.sh's, on the next
# port) with OPENBLAS_CORETYPE=Prescott; it is skipped on a CPU without
# AVX2 and FMA, where Prescott is a fair choice and no warning is due.
#
# Run by scripts/test.sh with the cluster's PG* variables and MEDRNN_*
# exported; prints TAP.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

# shellcheck source=../../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
EXT=${MEDRNN_EXTENSION:-medrnn}
DB=medrnn_kernel
START=$SECONDS
# what makes the backend load OpenBLAS and check its kernels: a prediction
TRAIN="SELECT rnn_train('t', 'x', 'y', '{\"epochs\": 1, \"hidden\": 4, \"embed_dim\": 4}')"

# the suite's own server, kept apart from the second one's variables
MAIN_HOST=$PGHOST
MAIN_PORT=$PGPORT

cleanup()
{
	medrnn_cluster_stop >/dev/null 2>&1 || true
	dropdb -h "$MAIN_HOST" -p "$MAIN_PORT" --if-exists "$DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Make the suite's database on the server PGHOST/PGPORT point at: a tiny
# table to train on, and a model to predict with
make_db()
{
	dropdb --if-exists "$DB" >/dev/null 2>&1 || true
	createdb "$DB"
	psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION "$EXT";
CREATE TABLE t AS SELECT 'word' || (g % 7) AS x, (g % 2)::text AS y FROM generate_series(1, 40) g;
CREATE TABLE m AS $TRAIN AS model;
SQL
}

# Run SQL in one new backend; print its stderr (the warnings)
warnings_of()
{
	{ psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1" >/dev/null; } 2>&1 || true
}

echo "# OpenBLAS core type choice and the generic-kernel WARNING"

# -- the choice, as a pure function of OpenBLAS's core name and the CPU flags
AVX512="fpu sse2 avx avx2 fma avx512f avx512dq avx512bw avx512vl"
is "$(medrnn_openblas_pick Prescott "$AVX512")" SkylakeX \
	"Prescott on a CPU with AVX-512 F/BW/DQ/VL: SkylakeX"
is "$(medrnn_openblas_pick Prescott "fpu sse2 avx avx2 fma avx512f")" Haswell \
	"Prescott on a CPU with AVX-512F but not BW/DQ/VL: Haswell, not SkylakeX"
is "$(medrnn_openblas_pick Nehalem "fpu sse2 avx avx2 fma")" Haswell \
	"Nehalem on a CPU with AVX2 and FMA: Haswell"
is "$(medrnn_openblas_pick Prescott "fpu sse2 avx avx2")" "" \
	"Prescott on a CPU with AVX2 but no FMA: nothing set"
is "$(medrnn_openblas_pick Prescott "fpu sse2 sse4_2 avx")" "" \
	"Prescott on a CPU without AVX2: nothing set (the CPU lacks the instructions)"
is "$(medrnn_openblas_pick Haswell "$AVX512")" "" \
	"a core OpenBLAS recognised (Haswell) is left alone"
is "$(medrnn_openblas_pick Cooperlake "$AVX512")" "" \
	"a core OpenBLAS recognised (Cooperlake) is left alone"
is "$(medrnn_openblas_pick Zen "$AVX512")" "" \
	"a core OpenBLAS recognised (Zen) is left alone"

# -- the test cluster runs with the scripts' choice for this machine
flags=$(sed -n 's/^flags[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
core=$(medrnn_openblas_corename)
want=$(medrnn_openblas_pick "$core" "$flags")
# (a core type the user set is kept as it is)
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
	want=$OPENBLAS_CORETYPE
fi
pm=$(head -n 1 "$MEDRNN_PGDATA/postmaster.pid" 2>/dev/null || true)
got=$(tr '\0' '\n' <"/proc/$pm/environ" 2>/dev/null | sed -n 's/^OPENBLAS_CORETYPE=//p' || true)
is "$got" "$want" "the test server's OPENBLAS_CORETYPE is the scripts' choice for core \"$core\" on this CPU"

make_db
w=$(warnings_of "SELECT rnn_predict(model, 'word3') FROM m")
is "$(grep -c '^WARNING' <<<"$w" || true)" 0 "no kernel WARNING on the test server"
dropdb "$DB"

# -- a server forced onto generic kernels on a CPU that has AVX2
case " $flags " in
	*" avx2 "*" fma "* | *" fma "*" avx2 "*) capable=yes ;;
	*) capable= ;;
esac
if [ -z "$capable" ]; then
	for i in 1 2 3 4 5; do
		N=$((N + 1))
		echo "ok $N # SKIP this CPU has no AVX2 and FMA: the generic kernels are no fallback here ($i)"
	done
else
	suggest=$(medrnn_openblas_pick Prescott "$flags")
	MEDRNN_PGPORT=$((MAIN_PORT + 2))
	MEDRNN_SERVER_ENV=("OPENBLAS_CORETYPE=Prescott")
	_MEDRNN_OPENBLAS_DECIDED=1
	started=0
	medrnn_cluster_start >/dev/null 2>&1 || started=1
	ok "$started" "a second server starts with OPENBLAS_CORETYPE=Prescott"
	if [ "$started" -eq 0 ]; then
		make_db 2>/dev/null || true
		w=$(warnings_of "SELECT rnn_predict(model, 'word3') FROM m;
		                 SELECT rnn_predict(model, 'word5') FROM m; $TRAIN")
		is "$(grep -c '^WARNING:.*generic "Prescott" kernels' <<<"$w" || true)" 1 \
			"one backend predicting twice and training gets the WARNING exactly once"
		ok "$(grep -q "HINT:.*OPENBLAS_CORETYPE=$suggest" <<<"$w" && echo 0 || echo 1)" \
			"its hint names OPENBLAS_CORETYPE=$suggest and where to set it"
		ok "$(grep -q '/etc/postgresql/15/<cluster>/environment' <<<"$w" && echo 0 || echo 1)" \
			"its hint names Debian's environment file"
		w=$(warnings_of "$TRAIN")
		is "$(grep -c '^WARNING:.*generic "Prescott" kernels' <<<"$w" || true)" 1 \
			"a new backend gets it again, once"
		# parallel workers are backends of their own: the leader warns for them
		psql -X -q -d "$DB" -c "CREATE TABLE big AS
			SELECT 'word' || (g % 7) AS x FROM generate_series(1, 100000) g" >/dev/null 2>&1 || true
		w=$(warnings_of "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
		                 SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
		                 SELECT count(rnn_predict((SELECT model FROM m), x)) FROM big")
		plan=$(psql -X -q -At -d "$DB" -c "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
		                 SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
		                 EXPLAIN (ANALYZE, COSTS OFF) SELECT count(rnn_predict((SELECT model FROM m), x)) FROM big" 2>&1 || true)
		launched=$(sed -n 's/.*Workers Launched: \([0-9]*\).*/\1/p' <<<"$plan" | head -n 1)
		ok "$([ "${launched:-0}" -ge 1 ] && echo 0 || echo 1)" \
			"a prediction over 100,000 rows runs in parallel workers (${launched:-0} launched)"
		is "$(grep -c '^WARNING:.*generic "Prescott" kernels' <<<"$w" || true)" 1 \
			"a parallel query warns once, not once per worker"
	else
		for i in 1 2 3 4; do
			N=$((N + 1))
			echo "not ok $N - no second server to check ($i)"
		done
	fi
fi

echo "1..$N"
echo "# openblas_kernel suite: $N tests in $((SECONDS - START)) s"
