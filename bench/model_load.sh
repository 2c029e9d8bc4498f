#!/usr/bin/env bash
#
# bench/model_load.sh
#	  What one query pays to load a model: a default-width model of about
#	  11 MB (30,000-word vocabulary), then the time of a one-row
#	  rnn_predict (read, checksum, decode, prepare) next to the time of just
#	  reading the bytea back (get_byte detoasts the whole value).
#
# Usage: bench/model_load.sh   (as root on Debian 12; a minute)

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd -- "$MEDRNN_ROOT"
medrnn_deps base
medrnn_build_and_start
psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION medrnn;
SELECT setseed(0.5) \gset
CREATE TABLE t AS
  SELECT (SELECT string_agg('w' || (random() * 30000)::int, ' ') FROM generate_series(1, 100 + g % 2)) AS x,
         (g % 3)::text AS y
  FROM generate_series(1, 3000) g;
CREATE TABLE m AS SELECT rnn_train('t', 'x', 'y', '{"epochs": 1}') AS model;
SELECT length(model) AS model_bytes, rnn_model_info(model)->>'parameters' AS parameters FROM m;
\timing on
\echo reading the bytea back (3 runs)
SELECT get_byte(model, 0) FROM m \g /dev/null
SELECT get_byte(model, 0) FROM m \g /dev/null
SELECT get_byte(model, 0) FROM m \g /dev/null
\echo a one-row rnn_predict, model loaded afresh by each query (3 runs)
SELECT rnn_predict(model, 'w1 w2') FROM m \g /dev/null
SELECT rnn_predict(model, 'w1 w2') FROM m \g /dev/null
SELECT rnn_predict(model, 'w1 w2') FROM m \g /dev/null
SQL
