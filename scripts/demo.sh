#!/usr/bin/env bash
#
# scripts/demo.sh
#	  The main job, end to end: build and install medrnn, start a throwaway
#	  PostgreSQL 15 cluster, load the medical abstracts, train an LSTM
#	  classifier inside the database, show its predictions and test
#	  accuracy, and write its report (rnn_report) to an HTML file.
#
# Usage: scripts/demo.sh [--keep]
#	--keep	leave the cluster running at the end and print how to connect
#
# On Debian 12, as root (or with sudo), it first installs the packages it
# needs.  Environment: MEDRNN_REPORT (the report's path, default
# $TMPDIR/medrnn-report.html) and those of scripts/lib.sh.

# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2119 # lib.sh functions take optional arguments
set -euo pipefail

KEEP=0
for arg in "$@"; do
	case $arg in
		--keep) KEEP=1 ;;
		-h | --help)
			sed -n '3,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
			exit 0 ;;
		*)
			echo "usage: $0 [--keep]" >&2
			exit 2 ;;
	esac
done

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd -- "$MEDRNN_ROOT"

DB=medrnn_demo
DATA=$MEDRNN_ROOT/data/medical-abstracts

medrnn_keep_stdio
trap 'medrnn_restore_stdio; medrnn_cluster_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run SQL in the demo database, echoing each statement; NOTICEs go to stderr
demo_sql()
{
	psql -X -v ON_ERROR_STOP=1 -P pager=off --echo-queries -d "$DB" "$@"
}

# Load one CSV file (header text,label) into a table, reading it client-side
load_csv()
{
	local table=$1 file=$2

	[ -r "$file" ] || medrnn_die "cannot read $file"
	psql -X -q -v ON_ERROR_STOP=1 -d "$DB" \
		-c "\\copy $table(text, label) FROM STDIN WITH (FORMAT csv, HEADER true)" <"$file"
	medrnn_log "loaded $(psql -X -At -d "$DB" -c "SELECT count(*) FROM $table") rows into $table"
}

medrnn_step "dependencies"
medrnn_deps
EXT=$(medrnn_extension_name)

# the compiler's and make's output go to a log, kept and shown on failure
BUILD_LOG=$(mktemp "${TMPDIR:-/tmp}/medrnn-build.XXXXXX")
medrnn_step "build and install $EXT"
medrnn_log "compiling (about a minute the first time)"
medrnn_logged "$BUILD_LOG" medrnn_build || exit 1
medrnn_logged "$BUILD_LOG" medrnn_install || exit 1
rm -f -- "$BUILD_LOG"
medrnn_log "installed into $("$MEDRNN_PG_CONFIG" --pkglibdir) and $("$MEDRNN_PG_CONFIG" --sharedir)/extension"

medrnn_step "throwaway cluster"
medrnn_cluster_start
export PGCLIENTENCODING=UTF8

medrnn_step "database $DB"
createdb "$DB"
demo_sql -c "CREATE EXTENSION \"$EXT\";"
demo_sql <<'SQL'
CREATE TABLE abstracts_train (id serial PRIMARY KEY, text text NOT NULL, label text NOT NULL);
CREATE TABLE abstracts_test (id serial PRIMARY KEY, text text NOT NULL, label text NOT NULL);
SQL
load_csv abstracts_train "$DATA/train.csv"
load_csv abstracts_test "$DATA/test.csv"

medrnn_step "training (one NOTICE per epoch)"
demo_sql <<'SQL'
\timing on
CREATE TABLE dx_model AS
	SELECT rnn_train('abstracts_train', 'text', 'label', '{"epochs": 5, "seed": 0}') AS model;
SQL

medrnn_step "predictions"
demo_sql <<'SQL'
\timing on
SELECT t.id, left(t.text, 60) AS abstract, t.label, rnn_predict(m.model, t.text) AS predicted
FROM dx_model m CROSS JOIN abstracts_test t
ORDER BY t.id
LIMIT 10;

SELECT t.id, t.label, rnn_predict_proba(m.model, t.text) AS probabilities
FROM dx_model m CROSS JOIN abstracts_test t
ORDER BY t.id
LIMIT 3;

SELECT info->>'parameters' AS parameters, info->>'vocabulary_size' AS vocabulary,
	info->>'rows_used' AS rows_used, info->>'training_seconds' AS training_seconds,
	left(info->>'fingerprint', 16) AS fingerprint
FROM (SELECT rnn_model_info(model) AS info FROM dx_model) AS s;
SQL

medrnn_step "test metrics"
demo_sql <<'SQL'
\timing on
CREATE TEMP TABLE test_metrics AS
	SELECT rnn_evaluate(model, 'abstracts_test', 'text', 'label') AS r FROM dx_model;

SELECT r->>'rows' AS test_rows, round((r->>'accuracy')::numeric, 4) AS accuracy,
	round((r->>'macro_f1')::numeric, 4) AS macro_f1, round((r->>'log_loss')::numeric, 4) AS log_loss
FROM test_metrics;

SELECT key AS label, round((value->>'precision')::numeric, 3) AS precision,
	round((value->>'recall')::numeric, 3) AS recall, round((value->>'f1')::numeric, 3) AS f1,
	value->>'support' AS support
FROM test_metrics, jsonb_each(r->'per_class')
ORDER BY 1;

SELECT round(avg((rnn_predict(m.model, t.text) = t.label)::int), 4) AS test_accuracy,
	count(*) AS test_rows
FROM dx_model m CROSS JOIN abstracts_test t;
SQL

medrnn_step "why: the words behind one prediction"
demo_sql <<'SQL'
SELECT position, token, round(attribution::numeric, 4) AS attribution
FROM dx_model m, abstracts_test t, rnn_explain(m.model, t.text)
WHERE t.id = 8
ORDER BY attribution DESC NULLS LAST
LIMIT 8;
SQL

# A number instead of a class: the label column's type makes it a
# regression (measured solubility of molecules, from their SMILES)
medrnn_step "a regression: solubility from SMILES (ESOL)"
demo_sql <<'SQL'
CREATE TABLE esol_train (text text, value float8);
CREATE TABLE esol_test (text text, value float8);
SQL
for part in train test; do
	psql -X -q -v ON_ERROR_STOP=1 -d "$DB" \
		-c "\\copy esol_$part(text, value) FROM STDIN WITH (FORMAT csv, HEADER true)" <"$MEDRNN_ROOT/data/esol/$part.csv"
done
demo_sql <<'SQL'
SET client_min_messages = warning;
CREATE TABLE esol_model AS
  SELECT rnn_train('esol_train', 'text', 'value',
                   '{"tokenizer": "smiles", "epochs": 15, "validation_split": 0.1, "early_stopping": 4, "seed": 0}') AS model;
SELECT text AS smiles, value AS measured, round(rnn_predict_value(m.model, text)::numeric, 2) AS predicted
FROM esol_test t, esol_model m LIMIT 5;
SELECT round((e->>'rmse')::numeric, 3) AS test_rmse, round((e->>'mae')::numeric, 3) AS test_mae,
       round((e->>'r2')::numeric, 3) AS test_r2,
       round((SELECT stddev_pop(value) FROM esol_test)::numeric, 3) AS rmse_of_predicting_the_mean
FROM (SELECT rnn_evaluate(model, 'esol_test', 'text', 'value') AS e FROM esol_model) s;
SQL

# Pretraining: a language model learns SMILES from molecules without their
# labels (every molecule shipped: ClinTox's and ESOL's, test molecules
# included, whose solubility it never sees), and ESOL is fine-tuned from it
medrnn_step "pretraining on unlabelled molecules, then fine-tuning"
demo_sql -q -c "CREATE TABLE clintox_molecules (text text, toxic int);"
for part in train test; do
	psql -X -q -v ON_ERROR_STOP=1 -d "$DB" \
		-c "\\copy clintox_molecules FROM STDIN WITH (FORMAT csv, HEADER true)" <"$MEDRNN_ROOT/data/clintox/$part.csv"
done
demo_sql <<'SQL'
CREATE TABLE molecules AS
  SELECT text AS smiles FROM esol_train UNION ALL SELECT text FROM esol_test
  UNION ALL SELECT text FROM clintox_molecules;
SET client_min_messages = warning;
CREATE TABLE smiles_lm AS
  SELECT rnn_pretrain('molecules', 'smiles', '{"tokenizer": "smiles", "epochs": 20, "validation_split": 0.1,
                                               "early_stopping": 3, "seed": 0}') AS model;
SELECT info->>'rows_used' AS molecules, info->>'task' AS task,
       round((info->>'val_perplexity')::numeric, 2) AS held_out_perplexity
FROM (SELECT rnn_model_info(model) AS info FROM smiles_lm) s;
CREATE TABLE esol_fine_tuned AS
  SELECT rnn_train('esol_train', 'text', 'value', lm.model,
                   '{"epochs": 60, "validation_split": 0.1, "early_stopping": 8, "seed": 0}') AS model
  FROM smiles_lm lm;
SELECT 'from scratch' AS esol_model, round((rnn_evaluate(model, 'esol_test', 'text', 'value')->>'rmse')::numeric, 3) AS test_rmse
FROM esol_model
UNION ALL
SELECT 'pretrained, fine-tuned', round((rnn_evaluate(model, 'esol_test', 'text', 'value')->>'rmse')::numeric, 3)
FROM esol_fine_tuned;
SQL

# The report: one HTML file, written where the user can open it (the
# server never writes files: psql saves the text it returns)
REPORT=${MEDRNN_REPORT:-${TMPDIR:-/tmp}/medrnn-report.html}
medrnn_step "report: the model on one page"
psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -o "$REPORT" \
	-c "SELECT rnn_report(model, 'abstracts_test', 'text', 'label', '{\"examples\": 6, \"title\": \"Medical abstracts: 5 categories\"}') FROM dx_model"
medrnn_log "report of the trained model ($(wc -c <"$REPORT") bytes, no script, opens offline):"
echo "$REPORT"

if [ "$KEEP" -eq 1 ]; then
	medrnn_cluster_detach
	trap - EXIT
	stop_cmd="$MEDRNN_PG_BINDIR/pg_ctl -D $MEDRNN_PGDATA -m fast stop"
	if medrnn_is_root; then
		stop_cmd="(cd / && runuser -u postgres -- $stop_cmd)"
	fi
	cat >&2 <<EOF

The cluster is still running. Connect with:
  psql -h $PGHOST -p $PGPORT -U postgres $DB
Stop and remove it with:
  $stop_cmd && rm -rf ${MEDRNN_PGDATA%/data}
EOF
else
	medrnn_step "done"
	medrnn_cluster_stop
fi
