#!/usr/bin/env bash
#
# bench/pretrain.sh
#	  Pretraining on unlabelled rows, then fine-tuning, against training
#	  from scratch with the same downstream recipe, TF-IDF and fastText
#	  (issue 17).  Every figure is on a test split, seeds 0-2.
#
#	  clintox    a SMILES language model on the 100,290-molecule pool
#	             (../shared/data/unlabeled-smiles, which holds no ClinTox test
#	             molecule; the test molecules of SIDER, Lipophilicity and
#	             ESOL are removed too, so the same model serves them), then
#	             ClinTox with 100, 300, 1,000 and all 1,182 labelled rows,
#	             from scratch and fine-tuned, next to TF-IDF char 1-4-grams
#	  abstracts  a word language model on the 1,999 unlabelled trial
#	             abstracts and the 2,302 training texts of the labelled set
#	             (inductive: no test text), then the abstracts with 100, 300,
#	             1,000 and all training rows, next to TF-IDF and fastText
#	  targets    SIDER (multi-label), Lipophilicity and ESOL (regression),
#	             from scratch and fine-tuned from the SMILES language model
#	  cost       pretraining time and peak backend memory for one epoch over
#	             the whole pool, at 1 and 2 threads
#	  select_ft  ULMFiT's two tools on and off, on the same held-out rows as
#	             select, fine-tuned with the chosen stopping policy:
#	             discriminative rates and gradual unfreezing, each alone, and
#	             neither (every layer at one rate from the first epoch)
#	  softmax    what the output vocabulary costs: one epoch of the words
#	             language model over 1,000 unlabelled abstracts with 2,000,
#	             5,000, 10,000 and 20,000 outputs (the last: every word of
#	             num_words 20,000, a full softmax), side by side
#	  select     how long to train downstream, chosen without test rows: each
#	             stopping policy below, from scratch and fine-tuned, trained on
#	             100 and 300 rows of 80% of ClinTox's training rows (seeds 0
#	             and 1) and scored on the other 20%; prints the mean held-out
#	             ROC-AUC of each and the choice per side, a
#	             MEDRNN_PRETRAIN_POLICY line for the other parts
#
#	  The subsets are stratified by class and seeded (the rows of each class
#	  with the smallest MD5 of seed and text), so each seed has its own; a
#	  larger subset of a seed is not a superset of a smaller one.  The
#	  downstream recipes were fixed before any run (below); test rows pick
#	  nothing.
#
# Usage: bench/pretrain.sh [parts...]     (default: clintox abstracts targets cost;
#                                          "select" first uses its choice in the others)
#
# Environment:
#	MEDRNN_PRETRAIN_SEEDS  seeds of the downstream runs; default "0 1 2"
#	MEDRNN_PRETRAIN_SIZES  labelled rows of the learning curve; default "100 300 1000 all"
#	MEDRNN_PRETRAIN_POLICY the stopping policy of each side, "scratch=P pretrained=P"
#	                       (P one of POLICIES below); default: the choice of the
#	                       recorded select run (CHOSEN below)
#	MEDRNN_DATA            the shared data root; default ../shared/data
#	MEDRNN_BENCH           the shared reference scripts; default ../shared/bench
#	MEDRNN_PGPORT          the throwaway cluster's port; default 55493
#	MEDRNN_PRETRAIN_CACHE  a directory to keep each language model in (named by
#	                       its recipe's MD5) and to take it from on a later run,
#	                       with its recorded training time, and the results so
#	                       far (results.copy: a later run adds to them, so the
#	                       parts can run one at a time); default: none
#	MEDRNN_PRETRAIN_QUICK  1: a smoke run of the script itself (pools of 3,000
#	                       rows, one pretraining epoch, two downstream epochs)
#
# Needs medrnn installed (make install), python3-sklearn and fasttext (apt-get
# install fasttext); builds and installs nothing.  Starts its own throwaway
# cluster (scripts/lib.sh) and removes it at exit.

# shellcheck source-path=SCRIPTDIR
set -euo pipefail
case ${1:-} in
	-h | --help)
		sed -n '/^# Usage:/,/^# Needs/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0 ;;
esac
PARTS=${*:-"clintox abstracts targets cost"}
SEEDS=${MEDRNN_PRETRAIN_SEEDS:-"0 1 2"}
SIZES=${MEDRNN_PRETRAIN_SIZES:-"100 300 1000 all"}
QUICK=${MEDRNN_PRETRAIN_QUICK:-0}
CACHE=${MEDRNN_PRETRAIN_CACHE:-}

export MEDRNN_PGPORT=${MEDRNN_PGPORT:-55493}
# shellcheck source=../scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../scripts/lib.sh"
# shellcheck source=record.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/record.sh"
cd -- "$MEDRNN_ROOT"
DATA=${MEDRNN_DATA:-$MEDRNN_ROOT/../shared/data}
REF=${MEDRNN_BENCH:-$MEDRNN_ROOT/../shared/bench}
PY=/usr/bin/python3
for f in unlabeled-smiles/smiles.csv.gz unlabeled-abstracts/abstracts.csv.gz \
	clintox/train.csv medical-abstracts/train.csv; do
	[ -f "$DATA/$f" ] || medrnn_die "no $DATA/$f (set MEDRNN_DATA)"
done
command -v fasttext >/dev/null || medrnn_die "no fasttext (apt-get install fasttext)"

# ---------------------------------------------------------------------------
# Recipes, fixed before the first run

# The language models: embedding 128, LSTMs 256 then 128 (the issue's PyTorch
# check), a small validation split for the perplexity and early stopping
SMILES_LM='"tokenizer": "smiles", "maxlen": 150, "embed_dim": 128, "hidden": [256, 128], "batch_size": 64, "epochs": 6, "validation_split": 0.02, "early_stopping": 2, "seed": 0'
# The words model: one LSTM of 256, the first 200 words of a text, batches
# of 16 at a rate of 0.003.  4,086 texts make few steps an epoch: with two
# layers (256, 128), batches of 32 and the default rate, three epochs did
# not leave the unigram (held-out perplexity 640, next-word accuracy 0.081
# each epoch), nor did three more at batches of 16 and 0.003 (681, 0.079).
WORDS_LM='"maxlen": 200, "num_words": 20000, "output_words": 5000, "embed_dim": 128, "hidden": [256], "batch_size": 16, "learning_rate": 0.003, "epochs": 10, "validation_split": 0.05, "early_stopping": 2, "seed": 0'

# Downstream: one recipe per data set, the same from scratch (which also
# names the network the base has) and fine-tuned (which adds ULMFiT's
# discriminative rates and gradual unfreezing), and how long each trains:
# one of three stopping policies per side, chosen by the select part.
FT='"lr_decay": 2.6, "unfreeze": "gradual"'
declare -A DOWN=(
	[clintox]='"maxlen": 150, "mask": true, "pooling": "max", "class_weight": "balanced", "dropout": 0.2'
	[abstracts]='"maxlen": 300, "mask": true, "pooling": "mean", "class_weight": "balanced", "dropout": 0.3'
	[sider]='"maxlen": 150, "mask": true, "pooling": "max"'
	[lipophilicity]='"maxlen": 150, "mask": true, "pooling": "max", "batch_size": 64'
	[esol]='"maxlen": 150, "mask": true, "pooling": "max"'
)
# es: the data set's own early stopping (the README's recipes: ClinTox and
# the abstracts hold 20% out, the others 10%); long: twice the patience and
# half again the epochs; fixed: no rows held out, half the epoch cap
POLICIES="es long fixed"
declare -A POLICY=(
	[clintox/es]='"epochs": 40, "validation_split": 0.2, "early_stopping": 5'
	[clintox/long]='"epochs": 60, "validation_split": 0.2, "early_stopping": 10'
	[clintox/fixed]='"epochs": 20'
	[abstracts/es]='"epochs": 30, "validation_split": 0.2, "early_stopping": 3'
	[abstracts/long]='"epochs": 45, "validation_split": 0.2, "early_stopping": 6'
	[abstracts/fixed]='"epochs": 15'
	[sider/es]='"epochs": 40, "validation_split": 0.1, "early_stopping": 8'
	[sider/long]='"epochs": 60, "validation_split": 0.1, "early_stopping": 16'
	[sider/fixed]='"epochs": 20'
	[lipophilicity/es]='"epochs": 40, "validation_split": 0.1, "early_stopping": 8'
	[lipophilicity/long]='"epochs": 60, "validation_split": 0.1, "early_stopping": 16'
	[lipophilicity/fixed]='"epochs": 20'
	[esol/es]='"epochs": 100, "validation_split": 0.1, "early_stopping": 8'
	[esol/long]='"epochs": 150, "validation_split": 0.1, "early_stopping": 16'
	[esol/fixed]='"epochs": 50'
)
# The choice of the recorded select run
CHOSEN=${MEDRNN_PRETRAIN_POLICY:-"scratch=fixed pretrained=long"}

# the stopping policy of side $1
policy_of()
{
	local pair
	for pair in $CHOSEN; do
		if [ "${pair%%=*}" = "$1" ]; then
			printf '%s\n' "${pair#*=}"
			return
		fi
	done
	medrnn_die "no policy for $1 in \"$CHOSEN\""
}
SMILES_NET='"tokenizer": "smiles", "embed_dim": 128, "hidden": [256, 128]'
POOL_LIMIT=
if [ "$QUICK" = 1 ]; then
	# the later key wins when the options become jsonb
	SMILES_LM="$SMILES_LM, \"epochs\": 1"
	WORDS_LM="$WORDS_LM, \"epochs\": 1"
	for k in "${!POLICY[@]}"; do POLICY[$k]="${POLICY[$k]}, \"epochs\": 2"; done
	POOL_LIMIT="LIMIT 3000"
fi
declare -A SCRATCH_NET=([clintox]=$SMILES_NET [sider]=$SMILES_NET [lipophilicity]=$SMILES_NET
	[esol]=$SMILES_NET [abstracts]='"num_words": 5000, "embed_dim": 128, "hidden": [256]')
declare -A LM_OF=([clintox]=smiles [sider]=smiles [lipophilicity]=smiles [esol]=smiles [abstracts]=words)
declare -A KEY1=([clintox]=roc_auc [abstracts]=accuracy [sider]=mean_roc_auc [lipophilicity]=rmse [esol]=rmse)
declare -A KEY2=([clintox]=pr_auc [abstracts]=macro_f1 [sider]=micro_f1 [lipophilicity]=mae [esol]=mae)
declare -A LTYPE=([clintox]=int [abstracts]=text [sider]='text[]' [lipophilicity]=float8 [esol]=float8)
declare -A DIR=([clintox]=clintox [abstracts]=medical-abstracts [sider]=sider [lipophilicity]=lipophilicity [esol]=esol)

# ---------------------------------------------------------------------------
# The cluster and the data

START=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-pretrain.XXXXXX")
medrnn_keep_stdio
trap 'medrnn_restore_stdio; medrnn_cluster_stop; rm -rf -- "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
medrnn_cluster_start
export PGDATABASE=medrnn_pretrain
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $PGDATABASE"
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION medrnn;
CREATE TABLE results (task text, side text, seed int, size int, m1 float8, m2 float8,
                      best_epoch int, epochs_run int, seconds float8);
CREATE TABLE lms (name text PRIMARY KEY, model bytea, seconds float8, epochs int, best_epoch int,
                  perplexity float8, val_perplexity float8, rows bigint);
CREATE TABLE cost (threads int, rows bigint, seconds float8, rows_per_s float8, peak_rss_mb float8);
CREATE TABLE softmax (outputs int, rows bigint, seconds float8);
SQL
psql -X -q -At -c "SELECT 1 FROM pg_proc WHERE proname = 'rnn_pretrain'" | grep -q 1 ||
	medrnn_die "the installed medrnn has no rnn_pretrain: install this version (make install)"
# the results of earlier runs, and where this one keeps its own
save_results()
{
	[ -z "$CACHE" ] || psql -X -q -v ON_ERROR_STOP=1 -c "\\copy results TO '$CACHE/results.copy'"
}
if [ -n "$CACHE" ] && [ -f "$CACHE/results.copy" ]; then
	psql -X -q -v ON_ERROR_STOP=1 -c "\\copy results FROM '$CACHE/results.copy'"
	medrnn_log "results of earlier runs: $(psql -X -At -c "SELECT count(*) FROM results") rows from $CACHE/results.copy"
fi

# the labelled sets' train and test tables, ${d}_train and ${d}_test (text, label)
for d in clintox abstracts sider lipophilicity esol; do
	[ -f "$DATA/${DIR[$d]}/train.csv" ] || continue
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE ${d}_train (text text, label ${LTYPE[$d]});
CREATE TABLE ${d}_test (text text, label ${LTYPE[$d]});
\\copy ${d}_train FROM '$DATA/${DIR[$d]}/train.csv' WITH (FORMAT csv, HEADER true)
\\copy ${d}_test FROM '$DATA/${DIR[$d]}/test.csv' WITH (FORMAT csv, HEADER true)
SQL
done
# the pools: every unlabelled molecule but the labelled sets' test ones; the
# abstracts with the labelled training texts
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE smiles_pool_all (text text);
\\copy smiles_pool_all FROM PROGRAM 'gzip -dc $DATA/unlabeled-smiles/smiles.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TABLE smiles_pool AS SELECT text FROM smiles_pool_all p
WHERE NOT EXISTS (SELECT 1 FROM clintox_test t WHERE t.text = p.text)
  AND NOT EXISTS (SELECT 1 FROM sider_test t WHERE t.text = p.text)
  AND NOT EXISTS (SELECT 1 FROM lipophilicity_test t WHERE t.text = p.text)
  AND NOT EXISTS (SELECT 1 FROM esol_test t WHERE t.text = p.text) $POOL_LIMIT;
CREATE TABLE words_pool (text text);
\\copy words_pool FROM PROGRAM 'gzip -dc $DATA/unlabeled-abstracts/abstracts.csv.gz' WITH (FORMAT csv, HEADER true)
INSERT INTO words_pool SELECT text FROM abstracts_train;
${POOL_LIMIT:+DELETE FROM words_pool WHERE ctid NOT IN (SELECT ctid FROM words_pool $POOL_LIMIT);}
SQL
psql -X -At -c "SELECT format('pools: %s molecules (%s of the %s removed as test molecules), %s texts',
	(SELECT count(*) FROM smiles_pool), (SELECT count(*) FROM smiles_pool_all) - (SELECT count(*) FROM smiles_pool),
	(SELECT count(*) FROM smiles_pool_all), (SELECT count(*) FROM words_pool))" >&2

# ---------------------------------------------------------------------------
# Steps

# Pretrain language model $1 on table $2 with options $3, into lms (or take
# it from the cache)
pretrain()
{
	local file=
	if [ -n "$CACHE" ]; then
		file=$CACHE/$1-$(printf '%s %s' "$3" "$POOL_LIMIT" | md5sum | cut -c1-12).copy
		if [ -f "$file" ]; then
			medrnn_step "the $1 language model from $file"
			psql -X -q -v ON_ERROR_STOP=1 -c "\\copy lms FROM '$file'"
			return
		fi
	fi
	medrnn_step "pretraining the $1 language model on $2: {$3}"
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET medrnn.threads = 2;
SET medrnn.train_memory_limit = '4GB';
INSERT INTO lms (name, model) SELECT '$1', rnn_pretrain('$2', 'text', '{$3}');
UPDATE lms SET seconds = (i->>'training_seconds')::float8, epochs = jsonb_array_length(i->'epochs'),
       best_epoch = (i->>'best_epoch')::int, perplexity = (i->>'perplexity')::float8,
       val_perplexity = (i->>'val_perplexity')::float8, rows = (i->>'rows_used')::bigint
FROM (SELECT rnn_model_info(model) AS i FROM lms WHERE name = '$1') AS info WHERE name = '$1';
SQL
	[ -z "$file" ] || psql -X -q -v ON_ERROR_STOP=1 -c "\\copy (SELECT * FROM lms WHERE name = '$1') TO '$file'"
	psql -X -At -c "SELECT format('  %s: %s epochs (best %s), %s s, perplexity %s, held-out %s', name, epochs,
		best_epoch, round(seconds::numeric, 1), round(perplexity::numeric, 3), round(val_perplexity::numeric, 3))
		FROM lms WHERE name = '$1'" >&2
}

# The subset table of data set $1 for size $2 and seed $3 (its name on
# stdout), drawn from table $4 (default ${d}_train)
subset()
{
	local d=$1 n=$2 s=$3 from=${4:-${1}_train} t
	if [ "$n" = all ]; then
		printf '%s\n' "$from"
		return
	fi
	t=${from}_n${n}_s${s}
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE IF NOT EXISTS $t AS SELECT text, label FROM (
		SELECT text, label, row_number() OVER (PARTITION BY label ORDER BY md5('$s' || text), text) AS rn,
		       count(*) OVER (PARTITION BY label) AS cnt, count(*) OVER () AS total
		FROM $from) s WHERE rn <= greatest(1, round($n.0 * cnt / total))" >&2
	printf '%s\n' "$t"
}

# The select parts' rows: 80% of ClinTox's training rows to train on
# (clintox_sel), the other 20% to score (clintox_heldout), by the MD5 of
# the SMILES in each class; no test row
select_split()
{
	psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE IF NOT EXISTS clintox_split AS
SELECT text, label, (row_number() OVER (PARTITION BY label ORDER BY md5(text), text) - 1) % 5 = 0 AS held_out
FROM clintox_train;
CREATE TABLE IF NOT EXISTS clintox_sel AS SELECT text, label FROM clintox_split WHERE NOT held_out;
CREATE TABLE IF NOT EXISTS clintox_heldout AS SELECT text, label FROM clintox_split WHERE held_out;
SQL
}

# select: the stopping policies on the select rows
select_policies()
{
	local n s t side policy
	select_split
	for n in 100 300; do
		for s in 0 1; do
			t=$(subset clintox "$n" "$s" clintox_sel)
			for policy in $POLICIES; do
				medrnn_step "select: $n rows, seed $s, policy $policy"
				for side in scratch pretrained; do
					downstream clintox "$side" "$t" "$s" "$policy" clintox_heldout clintox-select
				done
			done
		done
	done
	echo "Selection: ClinTox, 100 and 300 rows of 80% of train.csv (seeds 0, 1), scored on the other 20%"
	echo
	echo "| side | policy | mean held-out ROC-AUC | mean PR-AUC | kept / run epochs |"
	echo "|---|---|--:|--:|---|"
	psql -X -At -F ' | ' -c "SELECT split_part(side, '/', 1), split_part(side, '/', 2), to_char(avg(m1), 'FM0.0000'),
		to_char(avg(m2), 'FM0.0000'), string_agg(best_epoch || '/' || epochs_run, ' ' ORDER BY size, seed)
		FROM results WHERE task = 'clintox-select' GROUP BY side ORDER BY side" | sed 's/^/| /; s/$/ |/'
	echo
	CHOSEN=$(psql -X -At -c "SELECT string_agg(s || '=' || p, ' ' ORDER BY s) FROM (
		SELECT DISTINCT ON (split_part(side, '/', 1)) split_part(side, '/', 1) AS s, split_part(side, '/', 2) AS p
		FROM results WHERE task = 'clintox-select' GROUP BY side
		ORDER BY split_part(side, '/', 1), avg(m1) DESC, avg(m2) DESC) AS c")
	echo "MEDRNN_PRETRAIN_POLICY=\"$CHOSEN\""
	echo
}

# Train on table $3 for data set $1 as side $2 (scratch or pretrained), seed
# $4, with stopping policy $5 (default: the side's chosen one); score on
# table $6 (default ${d}_test) and record as task $7 (default $d)
downstream()
{
	local d=$1 side=$2 t=$3 seed=$4 call opts
	local policy=${5:-$(policy_of "$2")} test=${6:-${1}_test} task=${7:-$1}
	if [ "$side" = scratch ]; then
		opts="${DOWN[$d]}, ${POLICY[$d/$policy]}, ${SCRATCH_NET[$d]}, \"seed\": $seed"
		call="rnn_train('$t', 'text', 'label', '{$opts}')"
	else
		opts="${DOWN[$d]}, ${POLICY[$d/$policy]}, $FT, \"seed\": $seed"
		call="rnn_train('$t', 'text', 'label', (SELECT model FROM lms WHERE name = '${LM_OF[$d]}'), '{$opts}')"
	fi
	[ "$task" = "$d" ] || side="$side/$policy"
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
SET medrnn.threads = 2;
CREATE TEMP TABLE m AS SELECT $call AS model;
INSERT INTO results
SELECT '$task', '$side', $seed, (SELECT count(*) FROM $t), (r->>'${KEY1[$d]}')::float8, (r->>'${KEY2[$d]}')::float8,
       (i->>'best_epoch')::int, jsonb_array_length(i->'epochs'), (i->>'training_seconds')::float8
FROM m, rnn_evaluate(m.model, '$test', 'text', 'label') AS r, rnn_model_info(m.model) AS i;
SQL
	psql -X -At -c "SELECT format('  %s %s seed %s, %s rows: %s %s, %s %s, epoch %s/%s, %s s', task, side, seed, size,
		'${KEY1[$d]}', round(m1::numeric, 4), '${KEY2[$d]}', round(m2::numeric, 4), best_epoch, epochs_run,
		round(seconds::numeric, 1)) FROM results WHERE ctid = (SELECT max(ctid) FROM results)" >&2
}

# The baselines on table $2 of data set $1 (seed $3): TF-IDF, and fastText for text
baselines()
{
	local d=$1 t=$2 seed=$3 n
	psql -X -q -v ON_ERROR_STOP=1 -c "\\copy (SELECT text, label FROM $t) TO '$WORK/train.csv' WITH (FORMAT csv, HEADER true)"
	[ -f "$WORK/${d}_test.csv" ] ||
		psql -X -q -v ON_ERROR_STOP=1 -c "\\copy (SELECT text, label FROM ${d}_test) TO '$WORK/${d}_test.csv' WITH (FORMAT csv, HEADER true)"
	n=$(psql -X -At -c "SELECT count(*) FROM $t")
	if [ "$d" = clintox ]; then
		record_ref "$d" tfidf "$seed" "$n" roc_auc pr_auc "$PY" bench/ref_pr_auc.py "$REF/tfidf_lr_ref.py" \
			--train "$WORK/train.csv" --test "$WORK/${d}_test.csv" --char --ngram-max 4
	else
		record_ref "$d" tfidf "$seed" "$n" test_accuracy macro_f1 "$PY" "$REF/tfidf_lr_ref.py" \
			--train "$WORK/train.csv" --test "$WORK/${d}_test.csv"
		record_ref "$d" fasttext "$seed" "$n" test_accuracy macro_f1 "$PY" "$REF/fasttext_ref.py" \
			--train "$WORK/train.csv" --test "$WORK/${d}_test.csv"
	fi
}

# The learning curve of data set $1
curve()
{
	local d=$1 n s t
	for n in $SIZES; do
		for s in $SEEDS; do
			t=$(subset "$d" "$n" "$s")
			medrnn_step "$d: $n rows, seed $s ($t)"
			if [ "$n" != all ] || [ "$s" = "${SEEDS%% *}" ]; then
				baselines "$d" "$t" "$s"
			fi
			downstream "$d" scratch "$t" "$s"
			downstream "$d" pretrained "$t" "$s"
		done
	done
}

# One epoch over the whole pool at $1 threads, in a backend of its own
cost()
{
	medrnn_step "cost: one epoch over the pool at $1 thread(s)"
	psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
SET medrnn.threads = $1;
SET medrnn.train_memory_limit = '4GB';
CREATE TEMP TABLE m AS SELECT rnn_pretrain('smiles_pool', 'text',
	'{$SMILES_LM, "epochs": 1, "validation_split": 0}') AS model;
INSERT INTO cost
SELECT $1, (i->>'rows_used')::bigint, (i->>'training_seconds')::float8,
       (i->>'rows_used')::float8 / (i->>'training_seconds')::float8,
       substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') FROM 'VmHWM:\\s*(\\d+)')::float8 / 1024
FROM m, rnn_model_info(m.model) AS i;
SQL
}

# One epoch of the words language model over 1,000 unlabelled abstracts per
# output vocabulary, at 2 threads
softmax_cost()
{
	local k
	psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE IF NOT EXISTS words_1000 AS SELECT text FROM words_pool LIMIT 1000"
	for k in 2000 5000 10000 20000; do
		medrnn_step "softmax: one epoch with $k outputs"
		psql -X -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
SET medrnn.threads = 2;
SET medrnn.train_memory_limit = '4GB';
INSERT INTO softmax
SELECT $k, (i->>'rows_used')::bigint, (i->>'training_seconds')::float8
FROM rnn_model_info(rnn_pretrain('words_1000', 'text',
	'{$WORDS_LM, "epochs": 1, "validation_split": 0, "output_words": $k}')) AS i;
SQL
	done
}

# select_ft: ULMFiT's tools on and off, with the fine-tuned side's policy
select_tools()
{
	local n s t name keep=$FT
	declare -A tools=([both]='"lr_decay": 2.6, "unfreeze": "gradual"' [gradual]='"unfreeze": "gradual"'
		[decay]='"lr_decay": 2.6' [neither]='"lr_decay": 1')
	select_split
	for n in 100 300; do
		for s in 0 1; do
			t=$(subset clintox "$n" "$s" clintox_sel)
			for name in both gradual decay neither; do
				medrnn_step "select_ft: $n rows, seed $s, $name"
				FT=${tools[$name]}
				downstream clintox pretrained "$t" "$s" "$(policy_of pretrained)" clintox_heldout clintox-tools
				psql -X -q -c "UPDATE results SET side = 'pretrained/$name' WHERE task = 'clintox-tools'
					AND side = 'pretrained/$(policy_of pretrained)'"
			done
		done
	done
	FT=$keep
	echo "ULMFiT's tools: ClinTox, fine-tuned with policy $(policy_of pretrained) on 100 and 300 rows of 80% of train.csv (seeds 0, 1), scored on the other 20%"
	echo
	echo "| fine-tuning | mean held-out ROC-AUC | mean PR-AUC | kept / run epochs |"
	echo "|---|--:|--:|---|"
	psql -X -At -F ' | ' -c "SELECT split_part(side, '/', 2), to_char(avg(m1), 'FM0.0000'), to_char(avg(m2), 'FM0.0000'),
		string_agg(best_epoch || '/' || epochs_run, ' ' ORDER BY size, seed)
		FROM results WHERE task = 'clintox-tools' GROUP BY side ORDER BY avg(m1) DESC" | sed 's/^/| /; s/$/ |/'
	echo
}

# ---------------------------------------------------------------------------
# Run

for part in $PARTS; do
	case $part in
		clintox)
			psql -X -At -c "SELECT 1 FROM lms WHERE name = 'smiles'" | grep -q 1 || pretrain smiles smiles_pool "$SMILES_LM"
			curve clintox ;;
		abstracts)
			pretrain words words_pool "$WORDS_LM"
			curve abstracts ;;
		targets)
			psql -X -At -c "SELECT 1 FROM lms WHERE name = 'smiles'" | grep -q 1 || pretrain smiles smiles_pool "$SMILES_LM"
			for d in sider lipophilicity esol; do
				for s in $SEEDS; do
					medrnn_step "$d: seed $s"
					downstream "$d" scratch "${d}_train" "$s"
					downstream "$d" pretrained "${d}_train" "$s"
				done
			done ;;
		cost)
			cost 1
			cost 2 ;;
		softmax)
			softmax_cost ;;
		select_ft)
			psql -X -At -c "SELECT 1 FROM lms WHERE name = 'smiles'" | grep -q 1 || pretrain smiles smiles_pool "$SMILES_LM"
			select_tools ;;
		select)
			psql -X -At -c "SELECT 1 FROM lms WHERE name = 'smiles'" | grep -q 1 || pretrain smiles smiles_pool "$SMILES_LM"
			select_policies ;;
		*) medrnn_die "unknown part \"$part\" (known: select select_ft clintox abstracts targets cost softmax)" ;;
	esac
	save_results
done

# ---------------------------------------------------------------------------
# Tables

medrnn_step "results"
echo "Language models (seed 0): epochs run (best), training seconds at 2 threads, perplexity on"
echo "their training rows and on their held-out rows (next-token; the words model's outputs are"
echo "the 4,999 commonest words and one for all rarer, so its perplexity is over those 5,000)"
echo
echo "| model | rows | epochs (best) | seconds | perplexity | held-out perplexity |"
echo "|---|--:|--:|--:|--:|--:|"
psql -X -At -F ' | ' -c "SELECT name, rows, epochs || ' (' || best_epoch || ')', round(seconds::numeric, 1),
	round(perplexity::numeric, 3), round(val_perplexity::numeric, 3) FROM lms ORDER BY name" | sed 's/^/| /; s/$/ |/'
echo
echo "Test split, mean (sd) over seeds $SEEDS; TF-IDF and fastText on the same subsets"
echo
echo "| data | labelled rows | figure | from scratch | pretrained + fine-tuned | TF-IDF | fastText | epochs kept, scratch / fine-tuned |"
echo "|---|--:|---|--:|--:|--:|--:|---|"
psql -X -At -F ' | ' -v ON_ERROR_STOP=1 <<'SQL' | sed 's/^/| /; s/$/ |/'
WITH figs(task, k, name) AS (
	VALUES ('clintox', 1, 'ROC-AUC'), ('clintox', 2, 'PR-AUC'), ('abstracts', 1, 'accuracy'),
	       ('abstracts', 2, 'macro-F1'), ('sider', 1, 'mean label ROC-AUC'), ('sider', 2, 'micro-F1'),
	       ('lipophilicity', 1, 'RMSE'), ('lipophilicity', 2, 'MAE'), ('esol', 1, 'RMSE'), ('esol', 2, 'MAE')),
cells AS (
	SELECT r.task, r.size, f.k, f.name, r.side,
	       to_char(avg(CASE f.k WHEN 1 THEN r.m1 ELSE r.m2 END), 'FM0.0000') ||
	       coalesce(' (' || to_char(stddev_samp(CASE f.k WHEN 1 THEN r.m1 ELSE r.m2 END), 'FM0.000') || ')', '') AS v,
	       string_agg(r.best_epoch::text, ' ' ORDER BY r.seed) AS kept
	FROM results r JOIN figs f ON f.task = r.task
	GROUP BY r.task, r.size, f.k, f.name, r.side)
SELECT c.task, c.size, c.name,
       max(v) FILTER (WHERE side = 'scratch'), max(v) FILTER (WHERE side = 'pretrained'),
       coalesce(max(v) FILTER (WHERE side = 'tfidf'), '-'), coalesce(max(v) FILTER (WHERE side = 'fasttext'), '-'),
       coalesce(max(kept) FILTER (WHERE side = 'scratch'), '') || ' / ' || coalesce(max(kept) FILTER (WHERE side = 'pretrained'), '')
FROM cells c
GROUP BY c.task, c.size, c.k, c.name
ORDER BY array_position(ARRAY['clintox', 'abstracts', 'sider', 'lipophilicity', 'esol'], c.task), c.size, c.k;
SQL
if [ -n "$(psql -X -At -c 'SELECT 1 FROM cost LIMIT 1')" ]; then
	echo
	echo "Pretraining cost: one epoch over the pool ({$SMILES_LM}, no validation rows)"
	echo
	echo "| threads | molecules | seconds | molecules/s | backend peak RSS, MB |"
	echo "|--:|--:|--:|--:|--:|"
	psql -X -At -F ' | ' -c "SELECT threads, rows, round(seconds::numeric, 1), round(rows_per_s::numeric),
		round(peak_rss_mb::numeric) FROM cost ORDER BY threads" | sed 's/^/| /; s/$/ |/'
fi
if [ -n "$(psql -X -At -c 'SELECT 1 FROM softmax LIMIT 1')" ]; then
	echo
	echo "The output vocabulary: one epoch of the words language model over 1,000 unlabelled abstracts, 2 threads"
	echo
	echo "| outputs | seconds | relative to 2,000 |"
	echo "|--:|--:|--:|"
	psql -X -At -F ' | ' -c "SELECT outputs, round(seconds::numeric, 1),
		round((seconds / (SELECT seconds FROM softmax WHERE outputs = 2000))::numeric, 2) FROM softmax ORDER BY outputs" |
		sed 's/^/| /; s/$/ |/'
fi
echo
echo "Recipes: language models {$SMILES_LM} and {$WORDS_LM};"
for d in clintox abstracts sider lipophilicity esol; do
	echo "  $d: {${DOWN[$d]}}; from scratch with {${SCRATCH_NET[$d]}, ${POLICY[$d/$(policy_of scratch)]}},"
	echo "      fine-tuned with {$FT, ${POLICY[$d/$(policy_of pretrained)]}}"
done
echo "took $(($(date +%s) - START)) s on $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), $(nproc) CPUs"
