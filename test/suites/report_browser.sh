#!/usr/bin/env bash
#
# test/suites/report_browser.sh
#	  rnn_report's pages in a real browser: headless Chromium (Debian's
#	  chromium package) opens the reports of a text model (medical
#	  abstracts), a SMILES model (ClinTox), a measurement-sequence model
#	  (PhysioNet 2012 sample), a SMILES regression (ESOL solubility), all
#	  trained here on the shipped data, a multi-label model of notes whose
#	  label names are hostile, and a page built from hostile notes and
#	  labels.  For each it checks that the page loaded with no console
#	  error, exception or blocked load; that the expected sections are there
#	  and every SVG plot was laid out at a visible size; that the figures on
#	  the page (summary, per class or per label, the confusion matrix) are
#	  rnn_evaluate's, in full precision and as shown; and, for the hostile
#	  pages, that nothing from the data became an element or ran.  A
#	  positive control first proves the console check catches a script the
#	  page's Content-Security-Policy blocks.
#
# The browser is driven by test/browser/cdp_page.py (the DevTools protocol
# over a pipe).  Screenshots of the three pages are taken; with
# MEDRNN_REPORT_SCREENSHOTS=DIR, parts of them (evaluation plots, explained
# examples) are written there as the README's pictures (docs/).  Run by scripts/test.sh; prints TAP, or a skip plan
# without chromium.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

ROOT=${MEDRNN_ROOT:-$(pwd)}
DB=medrnn_report
EXT=${MEDRNN_EXTENSION:-medrnn}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-report.XXXXXX")
CDP=$ROOT/test/browser/cdp_page.py
START=$SECONDS

cleanup()
{
	[ -n "${MEDRNN_KEEP_WORK:-}" ] || dropdb --if-exists "$DB" >/dev/null 2>&1 || true
	[ -n "${MEDRNN_KEEP_WORK:-}" ] || rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v chromium >/dev/null 2>&1; then
	echo "1..0 # SKIP chromium is not installed (Debian package chromium)"
	exit 0
fi
# the server (user postgres) reads the data files and the browser reads the pages
chmod 755 "$WORK"

q()
{
	psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"
}

echo "1..25"

# ---------------------------------------------------------------------------
# A page that runs a script and fetches an image: the CSP blocks both, and
# the console check must see it, or its silence on the reports means nothing
cat >"$WORK/control.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>control</title></head><body><p>control</p>
<script>document.title = 'ran';</script><img src="http://127.0.0.1:9/x.png"></body></html>
HTML
python3 "$CDP" --probe 'title=document.title' "$WORK/control.html" >"$WORK/control.json" 2>"$WORK/control.err" || true
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("loaded"), d["probes"].get("title"), len([c for c in d["console"] if "Content Security Policy" in c["text"]]))' \
	"$WORK/control.json" 2>&1 || true)
is "$got" "True control 2" "positive control: Chromium loads a page, its CSP blocks an inline script and an image, and both reach the console check"

# ---------------------------------------------------------------------------
# Data and models
dropdb --if-exists "$DB" >/dev/null 2>&1 || true
createdb "$DB"
cp "$ROOT/data/medical-abstracts/train.csv" "$WORK/abstracts_train.csv"
cp "$ROOT/data/medical-abstracts/test.csv" "$WORK/abstracts_test.csv"
cp "$ROOT/data/clintox/train.csv" "$WORK/clintox_train.csv"
cp "$ROOT/data/clintox/test.csv" "$WORK/clintox_test.csv"
cp "$ROOT"/data/physionet2012-sample/{events.csv.gz,outcomes.csv,split.csv} "$WORK/"
cp "$ROOT/data/esol/train.csv" "$WORK/esol_train.csv"
cp "$ROOT/data/esol/test.csv" "$WORK/esol_test.csv"
chmod 644 "$WORK"/*.csv "$WORK"/*.gz
t0=$SECONDS
rc=0
q >"$WORK/setup.out" 2>&1 <<SQL || rc=$?
SET client_min_messages = warning;
CREATE EXTENSION "$EXT";
CREATE TABLE abstracts_train (id serial, text text, label text);
CREATE TABLE abstracts_test (id serial, text text, label text);
\\copy abstracts_train (text, label) FROM '$WORK/abstracts_train.csv' WITH (FORMAT csv, HEADER true)
\\copy abstracts_test (text, label) FROM '$WORK/abstracts_test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE clintox_train (id serial, smiles text, toxic text);
CREATE TABLE clintox_test (id serial, smiles text, toxic text);
\\copy clintox_train (smiles, toxic) FROM '$WORK/clintox_train.csv' WITH (FORMAT csv, HEADER true)
\\copy clintox_test (smiles, toxic) FROM '$WORK/clintox_test.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE events (record_id int, minutes float8, variable text, value float8);
\\copy events FROM PROGRAM 'gzip -dc $WORK/events.csv.gz' WITH (FORMAT csv, HEADER true)
CREATE TABLE outcomes (record_id int PRIMARY KEY, died text);
\\copy outcomes FROM '$WORK/outcomes.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE split (record_id int PRIMARY KEY, split text);
\\copy split FROM '$WORK/split.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE stays AS
  SELECT o.record_id, o.died, s.split, rnn_seq(e.minutes, e.variable, CASE WHEN e.value = -1 THEN NULL ELSE e.value END) AS vitals
  FROM outcomes o JOIN split s USING (record_id) JOIN events e USING (record_id)
  GROUP BY o.record_id, o.died, s.split;
CREATE VIEW stays_train AS SELECT * FROM stays WHERE split = 'train';
CREATE VIEW stays_test AS SELECT * FROM stays WHERE split <> 'train';
CREATE TABLE esol_train (id serial, smiles text, solubility float8);
CREATE TABLE esol_test (id serial, smiles text, solubility float8);
\\copy esol_train (smiles, solubility) FROM '$WORK/esol_train.csv' WITH (FORMAT csv, HEADER true)
\\copy esol_test (smiles, solubility) FROM '$WORK/esol_test.csv' WITH (FORMAT csv, HEADER true)

-- a multi-label model whose label names try to become markup
CREATE TABLE findings AS
  SELECT i AS id,
         concat_ws(' ', CASE WHEN i % 2 = 0 THEN 'fever' END, CASE WHEN i % 3 = 0 THEN 'rash' END,
                   CASE WHEN i % 5 = 0 THEN 'angina' END, (ARRAY['seen', 'stable', 'today', 'naïve'])[i % 4 + 1]) AS note,
         array_remove(ARRAY[CASE WHEN i % 2 = 0 THEN '<script>document.title = ''pwned''</script>' END,
                            CASE WHEN i % 3 = 0 THEN 'rash & "itch" ünï' END,
                            CASE WHEN i % 5 = 0 THEN '"><img src=x onerror="document.title = ''pwned''">' END], NULL) AS labels
  FROM generate_series(1, 300) AS i;

-- tokens and labels that try to become markup (token arrays: shown verbatim)
CREATE TABLE hostile AS
  SELECT i AS id,
         ARRAY[(ARRAY['<script>document.title = ''pwned''</script>', '"><img src=x onerror="document.title = ''pwned''">',
                      'naïve café 日本語 '' " &amp;'])[i % 3 + 1], 'fever', 'day ' || i % 5] AS note,
         (ARRAY['<script>document.title = ''pwned''</script>', '"><img src=x onerror=alert(1)>', 'A & B "quoted" ünï'])[i % 3 + 1] AS label
  FROM generate_series(1, 45) AS i;

CREATE TABLE models (kind text PRIMARY KEY, model bytea);
INSERT INTO models SELECT 'text', rnn_train('abstracts_train', 'text', 'label',
  '{"maxlen": 150, "num_words": 5000, "epochs": 3, "validation_split": 0.2, "mask": true, "seed": 0}');
INSERT INTO models SELECT 'smiles', rnn_train('clintox_train', 'smiles', 'toxic',
  '{"tokenizer": "smiles", "maxlen": 200, "class_weight": "balanced", "epochs": 6, "validation_split": 0.2, "mask": true, "seed": 0}');
INSERT INTO models SELECT 'series', rnn_train('stays_train', 'vitals', 'died',
  '{"step": 60, "maxlen": 48, "hidden": 32, "class_weight": "balanced", "epochs": 6, "validation_split": 0.2, "seed": 0}');
INSERT INTO models SELECT 'hostile', rnn_train('hostile', 'note', 'label', '{"epochs": 2, "hidden": 8, "embed_dim": 4, "seed": 0}');
INSERT INTO models SELECT 'esol', rnn_train('esol_train', 'smiles', 'solubility',
  '{"tokenizer": "smiles", "maxlen": 100, "epochs": 6, "validation_split": 0.2, "mask": true, "seed": 0}');
INSERT INTO models SELECT 'findings', rnn_train('findings', 'note', 'labels',
  '{"epochs": 8, "hidden": 16, "embed_dim": 8, "learning_rate": 0.01, "validation_split": 0.2, "seed": 0}');
SQL
ok "$rc" "setup: the shipped data, six models trained ($((SECONDS - t0)) s)"
[ "$rc" -eq 0 ] || diag <"$WORK/setup.out"

# kind, relation, input column, label column, options (the hostile page
# shows its first rows: one of each kind of token)
CASES=(
	'text abstracts_test text label {"examples": 4, "steps": 16}'
	'smiles clintox_test smiles toxic {"examples": 4, "steps": 16}'
	'series stays_test vitals died {"examples": 4, "steps": 16}'
	'hostile hostile note label {"examples": 3, "example_order": "first", "steps": 16}'
	'esol esol_test smiles solubility {"examples": 4, "steps": 16}'
	'findings findings note labels {"examples": 4, "steps": 16}'
)

# What the browser is asked, after load
PROBES=(
	--probe "sections=Array.from(document.querySelectorAll('section[data-section]')).map(s => s.dataset.section).join(' ')"
	--probe "charts=Array.from(document.querySelectorAll('svg.chart')).map(s => { const r = s.getBoundingClientRect(); return [s.dataset.chart, Math.round(r.width), Math.round(r.height)]; })"
	--probe "summary=Object.fromEntries(Array.from(document.querySelectorAll('#metrics table.kv [data-metric]')).map(e => [e.dataset.metric, [e.dataset.value || null, e.textContent]]))"
	--probe "per_class=Array.from(document.querySelectorAll('table[data-table=per_class] tr[data-class]')).map(tr => [tr.dataset.class].concat(['precision', 'recall', 'f1', 'support'].map(m => tr.querySelector('[data-metric=' + m + ']').dataset.value)))"
	--probe "per_label=Array.from(document.querySelectorAll('table[data-table=per_label] tr[data-class]')).map(tr => [tr.dataset.class].concat(['known', 'positives', 'predicted', 'threshold', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc'].map(m => tr.querySelector('[data-metric=' + m + ']').dataset.value)))"
	--probe "quantiles=Object.fromEntries(Array.from(document.querySelectorAll('table[data-table=residual_quantiles] [data-metric]')).map(e => [e.dataset.metric, e.dataset.value]))"
	--probe "bars=Array.from(document.querySelectorAll('svg[data-chart=residuals] rect[data-count]')).reduce((n, r) => n + Number(r.dataset.count), 0)"
	--probe "points=document.querySelectorAll('svg[data-chart=scatter] circle[r=\"2.5\"]').length"
	--probe "confusion=Array.from(document.querySelectorAll('table[data-table=confusion] td[data-cell]')).map(td => [td.dataset.cell, td.textContent])"
	--probe "elements=document.querySelectorAll('script, img, iframe, object, embed, link, form, input, base, meta[http-equiv=refresh]').length"
	--probe "on_attributes=Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(a => a.name.toLowerCase().startsWith('on'))).length"
	--probe "title=document.title"
	--probe "text=document.body.innerText"
	--probe "tokens=document.querySelectorAll('.tok[data-attr]').length"
	--probe "examples=document.querySelectorAll('.example').length"
)

for c in "${CASES[@]}"; do
	read -r kind rel input label options <<<"$c"
	rc=0
	{
		q -At -c "SELECT rnn_report(model, '$rel', '$input', '$label', '$options') FROM models WHERE kind = '$kind'" \
			>"$WORK/$kind.html" &&
			q -At -c "SELECT rnn_evaluate(model, '$rel', '$input', '$label') FROM models WHERE kind = '$kind'" \
				>"$WORK/$kind.eval.json"
	} 2>"$WORK/$kind.sql.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		diag <"$WORK/$kind.sql.err"
		continue
	fi
	chmod 644 "$WORK/$kind.html"
	python3 "$CDP" --screenshot "$WORK/report-$kind.png" "${PROBES[@]}" "$WORK/$kind.html" \
		>"$WORK/$kind.json" 2>"$WORK/$kind.cdp.err" || true
done

# The checks of one page: prints "STATUS<TAB>description" lines
check_page()
{
	python3 - "$WORK" "$1" <<'PYTHON'
import json, math, sys
work, kind = sys.argv[1], sys.argv[2]
def out(ok, text):
    print("%d\t%s" % (0 if ok else 1, text))
try:
    page = json.load(open(f"{work}/{kind}.json"))
    ev = json.load(open(f"{work}/{kind}.eval.json"))
except Exception as e:
    for _ in range(4):
        out(False, f"{kind} report: no page or no evaluation ({e})")
    sys.exit(0)
p = page.get("probes", {})
problems = page["console"] + ([{"kind": "driver", "text": page["error"]}] if "error" in page else [])
out(page.get("loaded") and not problems,
    f"{kind} report: loaded in Chromium with no console error, exception or blocked load"
    + ("" if not problems else ": " + "; ".join(c["kind"] + " " + c["text"][:200] for c in problems[:3])))

task = ev.get("task", "classification")
binary = "roc_auc" in ev and task == "classification"
if task == "regression":
    want = ["card", "training", "metrics", "curves", "examples"]
    want_charts = {"loss", "scatter", "residuals"}
elif task != "classification":
    want = ["card", "training", "metrics", "curves", "examples"]
    want_charts = {"loss", "accuracy", "roc", "pr"}
else:
    want = ["card", "training", "metrics", "confusion", "curves"] + (["calibration", "thresholds"] if binary else []) + ["examples"]
    want_charts = {"loss", "accuracy", "confusion", "roc", "pr"} | ({"calibration"} if binary else set()) \
        | ({"example-1"} if kind == "series" else set())
charts = p.get("charts") or []
drawn = {c[0] for c in charts if c[1] >= 200 and c[2] >= 100}
out(p.get("sections") == " ".join(want) and want_charts <= drawn,
    f"{kind} report: sections {p.get('sections')!r}; {len(charts)} SVG plots laid out"
    + ("" if want_charts <= drawn else f", missing or collapsed: {sorted(want_charts - drawn)}"))

def num(v):
    return None if v is None or v == "null" else float(v)

# every figure is rnn_evaluate's, and shown rounded to four decimals
bad = []
s = p.get("summary") or {}
if task == "classification":
    keys = ["rows", "skipped_null", "unseen_label_rows", "accuracy", "macro_f1", "weighted_f1", "log_loss"] \
        + (["positives", "roc_auc", "pr_auc", "brier"] if binary else [])
else:
    keys = [k for k, v in ev.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
for k in keys:
    if k not in s:
        bad.append(f"{k} missing")
        continue
    value, shown = s[k]
    if num(value) != num(ev[k]):
        bad.append(f"{k}: page {value}, rnn_evaluate {ev[k]}")
    elif isinstance(ev[k], float) and shown != f"{ev[k]:.4f}":
        bad.append(f"{k} shown as {shown!r}")
if task == "classification":
    pc = {row[0]: row[1:] for row in p.get("per_class") or []}
    for label, m in ev["per_class"].items():
        got = pc.get(label)
        if got is None or [float(x) for x in got] != [float(m[x]) for x in ("precision", "recall", "f1", "support")]:
            bad.append(f"class {label!r}: page {got}")
    labels = ev["confusion_matrix"]["labels"]
    cells = {c: int(t) for c, t in p.get("confusion") or []}
    for t, row in enumerate(ev["confusion_matrix"]["matrix"]):
        for q, n in enumerate(row):
            if cells.get(f"{t},{q}") != n:
                bad.append(f"confusion ({labels[t]}, {labels[q]}): page {cells.get(f'{t},{q}')}, rnn_evaluate {n}")
    out(not bad and len(pc) == len(ev["per_class"]),
        f"{kind} report: {len(keys)} summary figures, {len(pc)} classes and {len(cells)} confusion cells equal rnn_evaluate's"
        + ("" if not bad else ": " + "; ".join(bad[:4])))
elif task == "regression":
    qs = p.get("quantiles") or {}
    for q, v in ev["residual_quantiles"].items():
        if num(qs.get("residual_quantile_" + q)) != num(v):
            bad.append(f"residual quantile {q}: page {qs.get('residual_quantile_' + q)}, rnn_evaluate {v}")
    if p.get("bars") != ev["rows"]:
        bad.append(f"the histogram counts {p.get('bars')} rows of {ev['rows']}")
    if p.get("points") != min(ev["rows"], 2000):
        bad.append(f"the scatter plot has {p.get('points')} points for {ev['rows']} rows")
    out(not bad,
        f"{kind} report: {len(keys)} summary figures, {len(qs)} residual quantiles, the histogram's rows and the scatter's points agree with rnn_evaluate"
        + ("" if not bad else ": " + "; ".join(bad[:4])))
else:
    pl = {row[0]: row[1:] for row in p.get("per_label") or []}
    fields = ("known", "positives", "predicted", "threshold", "precision", "recall", "f1", "roc_auc", "pr_auc")
    for label, m in ev["per_label"].items():
        got = pl.get(label)
        if got is None or [num(x) for x in got] != [num(m[x]) for x in fields]:
            bad.append(f"label {label!r}: page {got}")
    out(not bad and len(pl) == len(ev["per_label"]),
        f"{kind} report: {len(keys)} summary figures and {len(pl)} labels' {len(fields)} figures equal rnn_evaluate's"
        + ("" if not bad else ": " + "; ".join(bad[:4])))

shown = p.get("tokens", 0) if kind != "series" else sum(1 for c in charts if c[0].startswith("example-"))
out(p.get("examples") == 4 and shown > 0,
    f"{kind} report: 4 examples, {shown} {'heat maps' if kind == 'series' else 'tokens coloured by attribution'}")
PYTHON
}

for kind in text smiles series esol findings; do
	while IFS=$'\t' read -r status text; do
		ok "$status" "$text"
	done < <(check_page "$kind")
done

# The hostile page: the same checks for load, plus nothing from the data as markup
got=$(python3 - "$WORK" <<'PYTHON' 2>&1 || true
import json, sys
p = json.load(open(sys.argv[1] + "/hostile.json"))
pr = p.get("probes", {})
text = pr.get("text") or ""
need = ["<script>document.title = 'pwned'</script>", "\"><img src=x onerror=\"document.title = 'pwned'\">",
        "naïve café 日本語 ' \" &amp;", "A & B \"quoted\" ünï", "\"><img src=x onerror=alert(1)>"]
missing = [n for n in need if n not in text]
print(p.get("loaded"), len(p.get("console", [])) + ("error" in p), pr.get("elements"), pr.get("on_attributes"),
      pr.get("title") != "pwned", len(missing))
PYTHON
)
is "$got" "True 0 0 0 True 0" "hostile notes and labels (<script>, \"><img onerror=…>, &, quotes, non-ASCII): shown as text, no element or handler made from them, nothing ran, no console error"

# The multi-label page's hostile label names: text, never elements
got=$(python3 - "$WORK" <<'PYTHON' 2>&1 || true
import json, sys
p = json.load(open(sys.argv[1] + "/findings.json"))
pr = p.get("probes", {})
text = pr.get("text") or ""
need = ["<script>document.title = 'pwned'</script>", "rash & \"itch\" ünï", "\"><img src=x onerror=\"document.title = 'pwned'\">"]
missing = [n for n in need if n not in text]
print(p.get("loaded"), len(p.get("console", [])) + ("error" in p), pr.get("elements"), pr.get("on_attributes"),
      pr.get("title") != "pwned", len(missing))
PYTHON
)
is "$got" "True 0 0 0 True 0" "hostile label names of a multi-label model (<script>, \"><img onerror=…>, &, quotes): shown as text, no element or handler made from them, nothing ran"

# Screenshots: PNG files of the whole page
shots=0
for kind in text smiles series esol findings; do
	if [ -s "$WORK/report-$kind.png" ] && head -c 8 "$WORK/report-$kind.png" | grep -q PNG; then
		shots=$((shots + 1))
	fi
done
is "$shots" 5 "screenshots of the five reports (PNG, the whole page)"

# The README's pictures (docs/): a part of each page
if [ -n "${MEDRNN_REPORT_SCREENSHOTS:-}" ]; then
	python3 "$CDP" --width 1000 --screenshot "$MEDRNN_REPORT_SCREENSHOTS/report-smiles.png" \
		--clip-selector '#curves, #calibration' "$WORK/smiles.html" >/dev/null
	python3 "$CDP" --width 1000 --screenshot "$MEDRNN_REPORT_SCREENSHOTS/report-text.png" \
		--clip-selector '#examples > h2, #examples > p, #examples .example:first-of-type' "$WORK/text.html" >/dev/null
	python3 "$CDP" --width 1000 --screenshot "$MEDRNN_REPORT_SCREENSHOTS/report-series.png" \
		--clip-selector '#examples > h2, #examples > p, #examples .example:first-of-type' "$WORK/series.html" >/dev/null
	echo "# README pictures written to $MEDRNN_REPORT_SCREENSHOTS"
fi
echo "# report_browser: $((SECONDS - START)) s"
