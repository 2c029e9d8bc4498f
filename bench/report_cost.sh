#!/usr/bin/env bash
#
# bench/report_cost.sh
#	  What rnn_report costs next to rnn_evaluate on the same rows: the
#	  demo's model (medical abstracts, 5 epochs) on the 586 test
#	  abstracts, and a ClinTox SMILES model on its 296 test molecules.  Each
#	  query is timed best of three, in one session, after the model and the
#	  rows have been read once: rnn_evaluate, rnn_report without examples
#	  (every other section), and rnn_report with the default 6 examples at
#	  50 and at 16 quadrature points.  Prints the times and their ratios to
#	  rnn_evaluate, and the pages' sizes.
#
# Usage: bench/report_cost.sh   (as root on Debian 12; about 2 minutes)

# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"
trap 'medrnn_cluster_stop' EXIT

medrnn_deps base
medrnn_build_and_start
export PGDATABASE=medrnn_report_cost
psql -X -q -d postgres -c "CREATE DATABASE $PGDATABASE"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
CREATE EXTENSION medrnn;
CREATE TABLE abs_train (text text, label text);
CREATE TABLE abs_test (text text, label text);
\\copy abs_train FROM '$MEDRNN_ROOT/data/medical-abstracts/train.csv' WITH (FORMAT csv, HEADER true)
\\copy abs_test FROM '$MEDRNN_ROOT/data/medical-abstracts/test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE ct_train (smiles text, toxic text);
CREATE TABLE ct_test (smiles text, toxic text);
\\copy ct_train FROM '$MEDRNN_ROOT/data/clintox/train.csv' WITH (FORMAT csv, HEADER true)
\\copy ct_test FROM '$MEDRNN_ROOT/data/clintox/test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE models (name text, model bytea, rel text, input text, label text);
INSERT INTO models SELECT 'abstracts', rnn_train('abs_train', 'text', 'label', '{"epochs": 5, "seed": 0}'), 'abs_test', 'text', 'label';
INSERT INTO models SELECT 'clintox', rnn_train('ct_train', 'smiles', 'toxic', '{"tokenizer": "smiles", "maxlen": 200, "epochs": 5, "class_weight": "balanced", "seed": 0}'), 'ct_test', 'smiles', 'toxic';
SQL

python3 - <<'PYTHON'
import subprocess, time
def run(sql):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", "SET client_min_messages = error; SET jit = off; " + sql],
                          check=True, capture_output=True, text=True).stdout
# each psql is a new session: time inside one with clock_timestamp, best of three
def seconds(name, expr):
    r = subprocess.run(["psql", "-X", "-q", "-At", "-c", "SET jit = off",
                        "-c", f"""DO $$ DECLARE t0 timestamptz; best float8 := 1e9; BEGIN
  PERFORM length(({expr})::text) FROM models WHERE name = '{name}';
  FOR i IN 1..3 LOOP
    t0 := clock_timestamp();
    PERFORM length(({expr})::text) FROM models WHERE name = '{name}';
    best := least(best, extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
  RAISE NOTICE 'RESULT %', best;
END $$;"""], check=True, capture_output=True, text=True)
    return float([l for l in r.stderr.splitlines() if "RESULT" in l][0].split("RESULT")[1])
rows = {"abstracts": "586 test abstracts (5 classes)", "clintox": "296 test molecules (2 classes)"}
cases = [("rnn_evaluate", "rnn_evaluate(model, rel::regclass, input::name, label::name)"),
         ("rnn_report, no examples", "rnn_report(model, rel::regclass, input::name, label::name, '{\"examples\": 0}')"),
         ("rnn_report, 6 examples, 16 steps", "rnn_report(model, rel::regclass, input::name, label::name, '{\"steps\": 16}')"),
         ("rnn_report, 6 examples, 50 steps", "rnn_report(model, rel::regclass, input::name, label::name)")]
print("| data | query | seconds (best of 3) | / rnn_evaluate |")
print("|---|---|--:|--:|")
for name in ("abstracts", "clintox"):
    base = None
    for label, expr in cases:
        s = seconds(name, expr)
        base = base or s
        print(f"| {rows[name]} | {label} | {s:.3f} | {s / base:.2f}× |")
for name in ("abstracts", "clintox"):
    size = run(f"SELECT length(rnn_report(model, rel::regclass, input::name, label::name)) FROM models WHERE name = '{name}'").strip()
    print(f"page size, {name}, 6 examples: {int(size):,} characters")
PYTHON
