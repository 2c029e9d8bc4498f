#!/usr/bin/python3
"""Turn one bench/run.sh results directory into the Markdown table for the README.

    bench/report.py bench/results/<timestamp>

Reads raw.tsv (kernel, data, threads, key, value), meta.tsv (key, value) and
logs/explain_workers_2.txt; prints Markdown on stdout.  Derived figures:

- GFLOP/s = tokens/s / maxlen * FLOP per training row, where a row costs
  3 x forward (backward counted as 2 x forward), forward = per LSTM layer and
  step 2*4H*(I+H), plus 2*H*K for the softmax layer (torch_lstm_ref.py's
  formula; 108.14 MFLOP for the default model and 5 classes);
- ratios are plain quotients of the tokens/s or rows/s printed beside them;
- memory "need" = 4 floats per parameter (weights, gradients, Adam's two
  moments) + one batch's activations + the tokenized rows (core_bench
  --print-memory); "peak" = the training backend's VmHWM minus its VmRSS
  just before rnn_train.
"""
import collections
import math
import os
import sys

EMBED, HIDDEN = 128, (128, 64)


def load(out):
    raw = collections.defaultdict(dict)
    with open(os.path.join(out, "raw.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 5:
                k, d, t, key, value = parts
                raw[(k, d, t)][key] = value
    meta = {}
    with open(os.path.join(out, "meta.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t", 1)
            if len(parts) == 2:
                meta[parts[0]] = parts[1]
    return raw, meta


def num(x):
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def fmt_int(v):
    return "–" if v is None else f"{v:,.0f}"


def fmt(v, digits=1, suffix=""):
    return "–" if v is None else f"{v:,.{digits}f}{suffix}"


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def flops_per_row(maxlen, classes):
    """Training FLOP per row: 3 x forward; forward per layer and step 2*4H*(I+H)."""
    fwd, i = 0, EMBED
    for h in HIDDEN:
        fwd += maxlen * 2 * 4 * h * (i + h)
        i = h
    fwd += 2 * i * classes
    return 3 * fwd


def met(ok):
    return "–" if ok is None else ("yes" if ok else "**no**")


def main():
    out = sys.argv[1]
    raw, meta = load(out)
    kernels = meta.get("kernel_settings", "").split()
    special = meta.get("special", "asis")
    maxlen = int(meta.get("maxlen", "100"))
    quick = meta.get("quick") == "1"

    def get(k, d, t, key):
        return num(raw.get((k, d, str(t)), {}).get(key))

    def text(k, d, t, key):
        return raw.get((k, d, str(t)), {}).get(key, "")

    def kname(k):
        label = {"asis": "as-is", "generic": "generic", "fast": "fast"}.get(k, k)
        return f"{label} ({meta.get('core_' + k, '?')})"

    datasets = [("syn", f"synthetic, {int(meta.get('syn_rows', 0)):,} rows"),
                ("med", f"medical abstracts, {int(meta.get('med_rows', 0)):,} rows")]

    def classes(d):
        for k in kernels:
            c = get(k, d, 1, "classes")
            if c:
                return int(c)
        return 5

    p = print
    p(f"### Benchmark, {meta.get('date', '?')}{' (--quick: a smoke run, not a measurement)' if quick else ''}")
    p()
    p(f"`{meta.get('arch', '?')}`, {meta.get('cpu', '?')} ({meta.get('cpus', '?')} CPUs"
      f"{', AVX-512' if meta.get('avx512') == 'yes' else ''}), PostgreSQL {meta.get('postgres', '?')}, "
      f"OpenBLAS {meta.get('openblas', '?')}, torch {meta.get('torch', '?')}; OpenBLAS kernels: "
      + ", ".join(f"{kname(k)}" + (f" via `OPENBLAS_CORETYPE={meta.get('coretype_' + k)}`"
                                    if meta.get("coretype_" + k) else " (its own choice)") for k in kernels)
      + f".  medrnn {meta.get('git', '?')}.  Load average {meta.get('load_start', '?')} at the start, "
      f"{meta.get('load_end', '?')} at the end; {meta.get('minutes', '?')} minutes.  Rerun: `bench/run.sh`.")
    p()
    p(f"Default recipe on both sides (word tokens, 20,000 words, {maxlen} steps, Embedding 128 → LSTM 128 → "
      f"LSTM 64 → softmax, batch 32, Adam).  Training figures are the mean over epochs 2..N "
      f"(synthetic: {meta.get('syn_epochs')} epochs, torch's capped at {meta.get('torch_steps')} batches; "
      f"medical: {meta.get('med_epochs')} epochs); tokens = rows × {maxlen} steps; "
      f"GFLOP/s at {flops_per_row(maxlen, classes('syn')) / 1e6:.2f} MFLOP per row (3 × forward, "
      f"2·4H·(I+H) per LSTM layer and step).  torch at 2 threads: the best of as-is, "
      f"`OMP_WAIT_POLICY=PASSIVE` and `--blas-threads 1` (named; the as-is one, several times slower, "
      f"runs {meta.get('torch_slow_steps')} batches an epoch).  \"Others' CPUs\": the most CPUs that "
      f"other processes kept busy during one of the row's three measurements (from /proc/stat); above about "
      f"0.2 the row was measured on a shared machine.")
    p()

    # ---- training ----
    p("**Training** (tokens/s)")
    p()
    p("| data | kernels | threads | SQL `rnn_train` | core alone | torch | SQL / torch | core / torch "
      "| SQL / core | SQL GFLOP/s | sgemm peak GFLOP/s | SQL % of peak | others' CPUs |")
    p("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for d, dname in datasets:
        frow = flops_per_row(maxlen, classes(d))
        for k in kernels:
            for t in (1, 2):
                sql, core, torch = (get(k, d, t, "sql_tokens_per_s"), get(k, d, t, "core_tokens_per_s"),
                                    get(k, d, t, "torch_tokens_per_s"))
                variant = text(k, d, t, "torch_variant")
                gf = None if sql is None else sql / maxlen * frow / 1e9
                peak = get(k, "-", t, "sgemm_peak_gflops")
                tv = fmt_int(torch) + (f" ({variant})" if t == 2 and variant else "")
                others = [get(k, d, t, key) for key in
                          ("sql_others_cpu", "core_others_cpu", f"torch_{variant or 'default'}_others_cpu")]
                others = [o for o in others + [get(k, "-", t, "sgemm_others_cpu")] if o is not None]
                p(f"| {dname} | {kname(k)} | {t} | {fmt_int(sql)} | {fmt_int(core)} | {tv} "
                  f"| {fmt(ratio(sql, torch), 2, '×')} | {fmt(ratio(core, torch), 2, '×')} "
                  f"| {fmt(ratio(sql, core), 2, '×')} | {fmt(gf)} | {fmt(peak)} "
                  f"| {fmt(None if gf is None or not peak else 100 * gf / peak, 1, ' %')} "
                  f"| {fmt(max(others) if others else None, 1)} |")
    p()

    # ---- inference ----
    p(f"**Prediction** (rows/s, one thread, {int(meta.get('pred_rows', 0)):,} rows, tokenization included; "
      "SQL: `SELECT count(rnn_predict(m.model, t.text)) FROM t, m` without parallel workers, second of two runs; "
      "core: one row at a time; torch: batches of 256, tokenize + pad + forward)")
    p()
    p("| data | kernels | SQL `rnn_predict` | core alone | torch batched | torch model only | SQL / torch | others' CPUs |")
    p("|---|---|--:|--:|--:|--:|--:|--:|")
    for d, dname in datasets:
        for k in kernels:
            sql, core = get(k, d, 1, "sql_predict_rows_per_s"), get(k, d, 1, "core_predict_rows_per_s")
            torch, torch_m = get(k, d, 1, "torch_predict_rows_per_s"), get(k, d, 1, "torch_predict_model_only_rows_per_s")
            others = [o for o in (get(k, d, 1, "sql_predict_others_cpu"), get(k, d, 1, "core_others_cpu"),
                                  get(k, d, 1, "torch_default_others_cpu")) if o is not None]
            p(f"| {dname} | {kname(k)} | {fmt_int(sql)} | {fmt_int(core)} | {fmt_int(torch)} | {fmt_int(torch_m)} "
              f"| {fmt(ratio(sql, torch), 2, '×')} | {fmt(max(others) if others else None, 1)} |")
    p()

    # ---- memory ----
    MB = 1024 * 1024
    p(f"**Memory** ({kname(special)}; MB)")
    p()
    p("| data | threads | training backend: peak − before | before | need: params ×4 + one batch + rows "
      "| peak / need | core's `mr_train_memory` | torch peak RSS |")
    p("|---|--:|--:|--:|--:|--:|--:|--:|")
    mem_ratios = []
    for d, dname in datasets:
        for t in (1, 2):
            hwm, base = get(special, d, t, "sql_hwm_kb"), get(special, d, t, "sql_rss_before_kb")
            need = get(special, d, t, "core_need_bytes")
            peak = None if hwm is None or base is None else (hwm - base) / 1024
            r = ratio(peak, None if need is None else need / MB)
            if r is not None:
                mem_ratios.append(r)
            tm = get(special, d, t, "core_train_memory_bytes")
            trss = get(special, d, t, f"torch_{text(special, d, t, 'torch_variant') or 'default'}_peak_rss_mib")
            parts = None
            if need is not None:
                parts = (f"{need / MB:,.1f} ({get(special, d, t, 'core_weights_adam_grads_bytes') / MB:,.1f} + "
                         f"{get(special, d, t, 'core_acts_bytes') / MB:,.1f} + "
                         f"{get(special, d, t, 'core_rows_bytes') / MB:,.1f})")
            p(f"| {dname} | {t} | {fmt(peak)} | {fmt(None if base is None else base / 1024)} | {parts or '–'} "
              f"| {fmt(r, 2, '×')} | {fmt(None if tm is None else tm / MB)} | {fmt(trss, 0)} |")
    p()
    early, late = get(special, "syn", 1, "mem_predict_rss_anon_early_kb"), get(special, "syn", 1, "mem_predict_rss_anon_late_kb")
    mx, hwm = get(special, "syn", 1, "mem_predict_rss_anon_max_kb"), get(special, "syn", 1, "mem_predict_hwm_kb")
    secs, mem_n = get(special, "syn", 1, "mem_predict_seconds"), get(special, "syn", 1, "mem_predict_rows")
    growth = None if early is None or late is None else (late - early) / 1024
    if early is not None:
        p(f"Predicting {fmt_int(mem_n)} rows in one backend ({fmt(secs)} s): private memory (RssAnon) "
          f"{early / 1024:,.1f} MB after the first tenth, {late / 1024:,.1f} MB at the end, at most {mx / 1024:,.1f} MB "
          f"({fmt_int(get(special, 'syn', 1, 'mem_predict_samples'))} samples); VmHWM {fmt(None if hwm is None else hwm / 1024)} MB.")
        p()

    # ---- parallel ----
    s0, s2 = get(special, "syn", 0, "par_seconds"), get(special, "syn", 2, "par_seconds")
    speedup = ratio(s0, s2)
    if s0 is not None:
        p(f"**Parallel query** ({int(meta.get('par_rows', 0)):,} rows, {kname(special)}): "
          f"`max_parallel_workers_per_gather = 0` {fmt(s0, 2)} s, `= 2` {fmt(s2, 2)} s "
          f"({fmt_int(get(special, 'syn', 2, 'par_workers_launched'))} workers launched): {fmt(speedup, 2, '×')}.  "
          "EXPLAIN ANALYZE of the parallel one:")
        p()
        p("```")
        try:
            with open(os.path.join(out, "logs", "explain_workers_2.txt"), encoding="utf-8") as f:
                p(f.read().rstrip())
        except OSError:
            p("(missing)")
        p("```")
        p()

    # ---- scale ----
    sizes = [int(x) for x in meta.get("scale_rows", "").split()]
    scale = []
    for n in sizes:
        d = f"scale_{n}"
        ep = get(special, d, 1, "sql_epoch_seconds")
        st = get(special, d, 1, "sql_statement_seconds")
        hwm, base = get(special, d, 1, "sql_hwm_kb"), get(special, d, 1, "sql_rss_before_kb")
        scale.append((n, st, ep, None if hwm is None or base is None else (hwm - base) / 1024,
                      get(special, d, 1, "sql_parameters")))
    scale_spread = None
    if scale and all(s[2] for s in scale):
        p(f"**Scale** (synthetic rows, 1 epoch, 1 thread, {kname(special)})")
        p()
        p("| rows | `rnn_train` s | epoch s | µs per row (epoch) | µs per row (statement) | vs smallest | peak − before MB |")
        p("|--:|--:|--:|--:|--:|--:|--:|")
        base_us = scale[0][2] / scale[0][0] * 1e6
        per_row = []
        for n, st, ep, mem, _ in scale:
            us = ep / n * 1e6
            per_row.append(us)
            p(f"| {n:,} | {fmt(st, 2)} | {fmt(ep, 2)} | {us:,.1f} | {fmt(None if st is None else st / n * 1e6)} "
              f"| {us / base_us:.2f}× | {fmt(mem)} |")
        scale_spread = max(per_row) / min(per_row) - 1
        p()
        if len(scale) >= 2 and scale[0][3] is not None and scale[-1][3] is not None:
            per_m = (scale[-1][3] - scale[0][3]) / (scale[-1][0] - scale[0][0]) * 1e6
            p(f"Training memory grows by about {per_m:,.0f} MB per million rows "
              f"(the rows alone: {(maxlen * 4 + 8) / 1.048576:,.0f} MB of token ids, lengths and labels)"
              + ("." if scale[0][4] == scale[-1][4] else
                 f"; an overestimate: the model grew from {fmt_int(scale[0][4])} to {fmt_int(scale[-1][4])} "
                 "parameters with the vocabulary between those runs."))
            p()

    # ---- targets ----
    p("**Targets**")
    p()
    p("| target | measured | met |")
    p("|---|---|---|")

    def row(name, value, ok):
        p(f"| {name} | {value} | {met(ok)} |")

    fast = "fast" if "fast" in kernels else None
    for d, dname in datasets:
        if fast:
            for t in (1, 2):
                r = ratio(get(fast, d, t, "sql_tokens_per_s"), get(fast, d, t, "torch_tokens_per_s"))
                row(f"training ≥ 3× torch, fast kernels, {t} thread{'s' if t > 1 else ''}, {dname}",
                    fmt(r, 2, "×"), None if r is None else r >= 3)
        if "generic" in kernels:
            for t in (1, 2):
                r = ratio(get("generic", d, t, "sql_tokens_per_s"), get("generic", d, t, "torch_tokens_per_s"))
                row(f"training ≥ 1.5× torch, generic kernels, {t} thread{'s' if t > 1 else ''}, {dname}",
                    fmt(r, 2, "×"), None if r is None else r >= 1.5)
    if fast:
        for d, dname in datasets:
            sql, peak = get(fast, d, 1, "sql_tokens_per_s"), get(fast, "-", 1, "sgemm_peak_gflops")
            frac = None if sql is None or not peak else sql / maxlen * flops_per_row(maxlen, classes(d)) / 1e9 / peak
            row(f"training ≥ 50 % of sgemm peak, fast kernels, 1 thread, {dname}",
                fmt(None if frac is None else 100 * frac, 1, " %"), None if frac is None else frac >= 0.5)
    for d, dname in datasets:
        k = fast or special
        r = ratio(get(k, d, 1, "sql_predict_rows_per_s"), get(k, d, 1, "torch_predict_rows_per_s"))
        row(f"SQL `rnn_predict` ≥ torch batched, {kname(k)}, {dname}", fmt(r, 2, "×"), None if r is None else r >= 1)
    if mem_ratios:
        row("training backend ≤ 1.5× need", f"{max(mem_ratios):.2f}× at most", max(mem_ratios) <= 1.5)
    if growth is not None:
        row(f"flat memory over a {fmt_int(mem_n)}-row predict", f"{growth:+,.1f} MB from the first tenth to the end",
            growth <= 1.0)
    if speedup is not None:
        row("2 parallel workers ≥ 1.6× none", fmt(speedup, 2, "×"), speedup >= 1.6)
    if scale_spread is not None:
        row(f"training time per row within 15 % from {sizes[0]:,} to {sizes[-1]:,} rows",
            f"{100 * scale_spread:.1f} % spread", scale_spread <= 0.15)
    mismatches = [(k, v.get("core_mismatch")) for (k, d, t), v in raw.items() if v.get("core_mismatch")]
    if mismatches:
        p()
        p("**Warning**: a side ran another OpenBLAS kernel than asked: "
          + ", ".join(f"{k}: {m}" for k, m in mismatches))


if __name__ == "__main__":
    main()
