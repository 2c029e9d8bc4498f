#!/usr/bin/env bash
#
# test/suites/hostile_models.sh
#	  A model bytea is untrusted input.  Feed every function of the extension
#	  that takes "model bytea" thousands of damaged, spliced, extended,
#	  random and crafted values, all in one backend, and require each call to
#	  fail with "invalid medrnn model" (22P03) or "unsupported medrnn model
#	  format version" (0A000), the backend to survive, and the valid model to
#	  keep predicting.
#
# Cases, from small real models (the image layout is in
# src/core/model/mr_model.h): T and T2, binary word-tokenizer text models with
# different seeds; C, a three-class char-tokenizer bidirectional two-layer
# model; K, a token-array model; and S, a measurement-series model where the
# extension has the rnnseq type; and models of the other tasks, whose images
# carry a TASK section: reg_text and multi_text (a regression and a
# multi-label model of text), and their token and series twins, which
# rnn_predict_value and rnn_predict_labels are called with; and LM, a
# language model (rnn_pretrain: format 5, TASK task 4), and FT, a classifier
# fine-tuned from it (a LINE section), whose damage every function gets:
#
#	trunc		every proper prefix of T and of K
#	hdrflip		every single-bit flip of the 16-byte header, of each section
#				header and of the checksum of T, K and S
#	bodyflip	single-bit flips at sampled offsets across the whole image
#	splice		a prefix of one model joined to a suffix of another
#	extend		bytes, or a whole model, appended (with and without the
#				header's length field updated)
#	random		random bytes; "MRNN" plus random bytes; a well-formed header
#				and section table around random payloads
#	version		the version field set to 6..255, newer than the 5 this build
#				reads (must be exactly 0A000)
#	resealed	damage with the length and CRC-32C fixed afterwards, so that
#				it reaches the structural checks: bit flips, CONF fields set to
#				boundary values, sections dropped, duplicated or reordered,
#				non-finite weights and histories, crafted labels, vocabulary
#				and options; a resealed value may also be a valid model, so
#				it may succeed, or raise 42804 (input kind flipped) or 42809
#				(a valid model of another task)
#
# Each function is called as "SELECT f(m, ...) FROM (VALUES (valid), (case))"
# so that the per-call-site model cache first holds a valid model.  Its other
# arguments are synthesized by type; a function with an argument type this
# suite cannot synthesize, or that fails even with a valid model, is a
# failure naming the function.
#
# Run by scripts/test.sh with the cluster's PG* variables and MEDRNN_*
# exported; prints TAP.  MEDRNN_KEEP_WORK=1 keeps the database (its tables
# hm_base, hm_cases, hm_functions and hm_results) and the work directory.

set -euo pipefail

# shellcheck source=../tap.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../tap.sh"

DB=medrnn_hostile
EXT=${MEDRNN_EXTENSION:-medrnn}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medrnn-hostile.XXXXXX")
START=$SECONDS

# Drop the database and the work directory, whatever happened
cleanup()
{
	[ -n "${MEDRNN_KEEP_WORK:-}" ] || dropdb --if-exists "$DB" >/dev/null 2>&1 || true
	[ -n "${MEDRNN_KEEP_WORK:-}" ] || rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "1..13"

# Server log lines from now on only: other suites may kill backends
LOG_START=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	LOG_START=$(stat -c %s "$MEDRNN_PGLOG")
fi

dropdb --if-exists "$DB" >/dev/null 2>&1 || true
createdb "$DB"

# ---------------------------------------------------------------------------
# Setup: the extension, small models, and the byte-level helpers

q -v ext="$EXT" >"$WORK/setup.out" 2>&1 <<'SQL' || true
SET client_min_messages = warning;
CREATE EXTENSION :"ext";

-- binary text and token tables, a three-class one, and their models
CREATE TABLE hm_rows AS
  SELECT i AS id, (ARRAY['fever cough', 'rash itch'])[i % 2 + 1] || ' day ' || (i % 4) AS note,
         (ARRAY['resp', 'derm'])[i % 2 + 1] AS dx
  FROM generate_series(1, 30) AS i;
CREATE TABLE hm_rows3 AS
  SELECT i AS id, (ARRAY['fever cough', 'rash itch', 'chest pain'])[i % 3 + 1] || ' day ' || (i % 4) AS note,
         (ARRAY['resp', 'derm', 'card'])[i % 3 + 1] AS dx
  FROM generate_series(1, 30) AS i;
CREATE TABLE hm_tok_rows AS
  SELECT i AS id, CASE WHEN i % 2 = 0 THEN ARRAY['J18', 'R05'] ELSE ARRAY['L30', 'R21', 'R05'] END AS note,
         (i % 2)::text AS dx
  FROM generate_series(1, 20) AS i;
CREATE TABLE hm_base (name text PRIMARY KEY, family text, model bytea);
INSERT INTO hm_base
  SELECT 'T', 'text', rnn_train('hm_rows', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 4, "seed": 1}');
INSERT INTO hm_base
  SELECT 'T2', 'text', rnn_train('hm_rows', 'note', 'dx', '{"epochs": 1, "hidden": 4, "embed_dim": 4, "seed": 2}');
INSERT INTO hm_base
  SELECT 'C', 'text', rnn_train('hm_rows3', 'note', 'dx',
                                '{"epochs": 1, "hidden": [3, 2], "embed_dim": 2, "tokenizer": "char", "bidirectional": true, "pooling": "mean", "mask": true}');
INSERT INTO hm_base
  SELECT 'K', 'tokens', rnn_train('hm_tok_rows', 'note', 'dx', '{"epochs": 2, "hidden": 4, "embed_dim": 3}');

-- models of the other tasks: a number and a label set per row
ALTER TABLE hm_rows ADD COLUMN sev float8, ADD COLUMN findings text[];
UPDATE hm_rows SET sev = id % 2 * 2.5 + id % 4, findings = CASE WHEN id % 3 = 0 THEN ARRAY['a'] ELSE ARRAY['a', 'b'] END;
ALTER TABLE hm_tok_rows ADD COLUMN sev float8, ADD COLUMN findings text[];
UPDATE hm_tok_rows SET sev = id % 2 * 2.5 + id % 4, findings = CASE WHEN id % 3 = 0 THEN ARRAY['a'] ELSE ARRAY['a', 'b'] END;
INSERT INTO hm_base
  SELECT 'reg_text', 'reg_text', rnn_train('hm_rows', 'note', 'sev', '{"epochs": 1, "hidden": 4, "embed_dim": 4, "loss": "huber"}')
  UNION ALL
  SELECT 'multi_text', 'multi_text', rnn_train('hm_rows', 'note', 'findings', '{"epochs": 1, "hidden": 4, "embed_dim": 4, "validation_split": 0.3}')
  UNION ALL
  SELECT 'reg_tokens', 'reg_tokens', rnn_train('hm_tok_rows', 'note', 'sev', '{"epochs": 1, "hidden": 4, "embed_dim": 3}')
  UNION ALL
  SELECT 'multi_tokens', 'multi_tokens', rnn_train('hm_tok_rows', 'note', 'findings', '{"epochs": 1, "hidden": 4, "embed_dim": 3}');
-- a language model, and a classifier fine-tuned from it (never the valid model of a call)
INSERT INTO hm_base
  SELECT 'LM', 'language_model', rnn_pretrain('hm_rows', 'note', '{"epochs": 1, "hidden": 4, "embed_dim": 4, "validation_split": 0.2}');
INSERT INTO hm_base
  SELECT 'FT', 'fine_tuned', rnn_train('hm_rows', 'note', 'dx', (SELECT model FROM hm_base WHERE name = 'LM'), '{"epochs": 1}');

-- a series model, where the extension has the rnnseq type
DO $$
BEGIN
  IF to_regtype('rnnseq') IS NOT NULL THEN
    EXECUTE $q$
      CREATE TABLE hm_seq_rows AS
        SELECT i AS id,
               format('[[0, "HR", %s], [30, "HR", %s], [60, "BP", %s]]', 60 + i % 2 * 40, 70 + i, 120 - i % 2 * 30)::rnnseq AS note,
               (i % 2)::text AS dx
        FROM generate_series(1, 20) AS i$q$;
    INSERT INTO hm_base
      SELECT 'S', 'series', rnn_train('hm_seq_rows', 'note', 'dx', '{"epochs": 1, "hidden": 4, "step": 30}');
    ALTER TABLE hm_seq_rows ADD COLUMN sev float8, ADD COLUMN findings text[];
    UPDATE hm_seq_rows SET sev = id % 2 * 2.5, findings = CASE WHEN id % 2 = 0 THEN ARRAY['a'] ELSE ARRAY['a', 'b'] END;
    INSERT INTO hm_base
      SELECT 'reg_series', 'reg_series', rnn_train('hm_seq_rows', 'note', 'sev', '{"epochs": 1, "hidden": 4, "step": 30}')
      UNION ALL
      SELECT 'multi_series', 'multi_series', rnn_train('hm_seq_rows', 'note', 'findings', '{"epochs": 1, "hidden": 4, "step": 30}');
  END IF;
END $$;
SQL
ok "$(grep -q ERROR "$WORK/setup.out" && echo 1 || echo 0)" \
	"setup: extension, tables and small models ($(q -c "SELECT string_agg(name || ' ' || family, ', ' ORDER BY name) FROM hm_base" 2>/dev/null))"
if grep -q ERROR "$WORK/setup.out"; then
	diag <"$WORK/setup.out"
fi

q >"$WORK/helpers.out" 2>&1 <<'SQL' || true
SET client_min_messages = warning;

-- little-endian u32 read and write
CREATE FUNCTION hm_u32(b bytea, off int) RETURNS int8 LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT get_byte(b, off)::int8 | (get_byte(b, off + 1)::int8 << 8)
         | (get_byte(b, off + 2)::int8 << 16) | (get_byte(b, off + 3)::int8 << 24)
$$;
CREATE FUNCTION hm_le32(v int8) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT set_byte(set_byte(set_byte(set_byte('\x00000000'::bytea,
         0, (v & 255)::int), 1, (v >> 8 & 255)::int), 2, (v >> 16 & 255)::int), 3, (v >> 24 & 255)::int)
$$;
CREATE FUNCTION hm_put32(b bytea, off int, v int8) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT overlay(b PLACING hm_le32(v) FROM off + 1)
$$;

-- CRC-32C (Castagnoli, reflected 0x82F63B78), as mr_crc32c
CREATE TABLE hm_crc_table (i int PRIMARY KEY, v int8);
DO $$
DECLARE
  c int8;
BEGIN
  FOR i IN 0 .. 255 LOOP
    c := i;
    FOR k IN 1 .. 8 LOOP
      IF c & 1 = 1 THEN c := (c >> 1) # 2197175160; ELSE c := c >> 1; END IF;
    END LOOP;
    INSERT INTO hm_crc_table VALUES (i, c);
  END LOOP;
END $$;
CREATE FUNCTION hm_crc32c(b bytea) RETURNS int8 LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
  t int8[] := (SELECT array_agg(v ORDER BY i) FROM hm_crc_table);
  c int8 := 4294967295;
BEGIN
  FOR i IN 0 .. length(b) - 1 LOOP
    c := t[((c # get_byte(b, i)) & 255) + 1] # (c >> 8);
  END LOOP;
  RETURN c # 4294967295;
END $$;

-- fix the header's length field and the trailing checksum of an image
CREATE FUNCTION hm_reseal(b bytea) RETURNS bytea LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
  body bytea;
BEGIN
  IF length(b) < 20 THEN
    RETURN b;
  END IF;
  body := hm_put32(substring(b FROM 1 FOR length(b) - 4), 8, length(b));
  RETURN body || hm_le32(hm_crc32c(body));
END $$;

-- the section table of a well-formed image: (position, tag, header offset, payload length)
CREATE FUNCTION hm_sections(m bytea)
RETURNS TABLE (pos int, tag text, off int, len int) LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
  p int := 16;
BEGIN
  FOR s IN 1 .. hm_u32(m, 12) LOOP
    pos := s;
    tag := encode(substring(m FROM p + 1 FOR 4), 'escape');
    off := p;
    len := hm_u32(m, p + 4);
    RETURN NEXT;
    p := p + 8 + len;
  END LOOP;
END $$;

-- one section: tag, length, payload
CREATE FUNCTION hm_section(tag text, payload bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT convert_to(tag, 'SQL_ASCII') || hm_le32(length(payload)) || payload
$$;

-- a sealed image from a list of whole sections, under the first 8 bytes
-- (magic and version) of head: a model's own, or version 1's by default
CREATE FUNCTION hm_build(sections bytea[], head bytea DEFAULT '\x4d524e4e01000000')
RETURNS bytea LANGUAGE sql STABLE STRICT AS $$
  SELECT hm_reseal(substring(head FROM 1 FOR 8) || hm_le32(0) || hm_le32(cardinality(sections))
                   || coalesce((SELECT string_agg(s, ''::bytea ORDER BY o) FROM unnest(sections) WITH ORDINALITY AS u(s, o)), '')
                   || '\x00000000'::bytea)
$$;

-- the whole sections of an image, in order
CREATE FUNCTION hm_section_list(m bytea) RETURNS bytea[] LANGUAGE sql STABLE STRICT AS $$
  SELECT array_agg(substring(m FROM off + 1 FOR 8 + len) ORDER BY pos) FROM hm_sections(m)
$$;

-- an image with one section's payload replaced, resealed
CREATE FUNCTION hm_replace(m bytea, which text, payload bytea) RETURNS bytea LANGUAGE sql STABLE STRICT AS $$
  SELECT hm_build(array_agg(CASE WHEN tag = which THEN hm_section(tag, payload)
                                 ELSE substring(m FROM off + 1 FOR 8 + len) END ORDER BY pos), m)
  FROM hm_sections(m)
$$;

-- a section's payload
CREATE FUNCTION hm_payload(m bytea, which text) RETURNS bytea LANGUAGE sql STABLE STRICT AS $$
  SELECT substring(m FROM off + 9 FOR len) FROM hm_sections(m) WHERE tag = which
$$;

-- a string list payload (u32 count, then u32 length + bytes each)
CREATE FUNCTION hm_strings(VARIADIC items bytea[]) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT hm_le32(cardinality(items))
         || coalesce((SELECT string_agg(hm_le32(length(s)) || s, ''::bytea ORDER BY o)
                      FROM unnest(items) WITH ORDINALITY AS u(s, o)), '')
$$;

-- n pseudo-random bytes (reproducible after setseed)
CREATE FUNCTION hm_rand(n int) RETURNS bytea LANGUAGE sql VOLATILE STRICT AS $$
  SELECT coalesce(substring(string_agg(decode(md5(random()::text), 'hex'), ''::bytea) FROM 1 FOR n), '')
  FROM generate_series(0, n / 16)
$$;

-- flip bit k (0..7) of byte i
CREATE FUNCTION hm_flip(b bytea, i int, k int) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT set_byte(b, i, get_byte(b, i) # (1 << k))
$$;

CREATE TABLE hm_cases (id serial PRIMARY KEY, kind text, note text, model bytea);
SQL
ok "$(grep -q ERROR "$WORK/helpers.out" && echo 1 || echo 0)" "setup: byte-level helpers (CRC-32C, section table, reseal)"
if grep -q ERROR "$WORK/helpers.out"; then
	diag <"$WORK/helpers.out"
fi

# The SQL CRC-32C and section walker must reproduce the real models exactly,
# or the resealed cases would test nothing but the checksum
got=$(q -c "SELECT count(*) FILTER (WHERE hm_reseal(model) = model AND hm_build(hm_section_list(model), model) = model)
            || '/' || count(*) FROM hm_base" 2>&1 || true)
ok "$([ "${got%/*}" = "${got#*/}" ] && [ "${got#*/}" -ge 4 ] 2>/dev/null && echo 0 || echo 1)" \
	"the suite's CRC-32C and section table rebuild every model byte for byte ($got)"
[ "${got%/*}" = "${got#*/}" ] || echo "$got" | diag

# ---------------------------------------------------------------------------
# The cases

q >"$WORK/cases.out" 2>&1 <<'SQL' || true
SET client_min_messages = warning;
SELECT setseed(0.4242);

-- every proper prefix of T and K
INSERT INTO hm_cases (kind, note, model)
SELECT 'trunc', b.name || ' first ' || k, substring(b.model FROM 1 FOR k)
FROM hm_base b, generate_series(0, length(b.model) - 1) AS k
WHERE b.name IN ('T', 'K');

-- every bit of the header, of each section header and of the checksum
INSERT INTO hm_cases (kind, note, model)
SELECT 'hdrflip', b.name || ' byte ' || i || ' bit ' || k, hm_flip(b.model, i, k)
FROM hm_base b,
     LATERAL (SELECT generate_series(0, 15) AS i
              UNION SELECT generate_series(length(b.model) - 4, length(b.model) - 1)
              UNION SELECT s.off + j FROM hm_sections(b.model) AS s, generate_series(0, 7) AS j) AS h,
     generate_series(0, 7) AS k
WHERE b.name IN ('T', 'K', 'S', 'reg_text', 'multi_tokens', 'LM', 'FT');

-- sampled bits across the whole image of every model
INSERT INTO hm_cases (kind, note, model)
SELECT 'bodyflip', name || ' byte ' || i || ' bit ' || k, hm_flip(model, i, k)
FROM (SELECT b.name, b.model, (random() * (length(b.model) - 1))::int AS i, (random() * 7)::int AS k
      FROM hm_base b, generate_series(1, 600) AS n) AS s;

-- a prefix of one model and a suffix of another, at the same or different offsets
INSERT INTO hm_cases (kind, note, model)
SELECT 'splice', note, m
FROM (SELECT a.name || '[:' || ca || '] + ' || b.name || '[' || cb || ':]' AS note,
             substring(a.model FROM 1 FOR ca) || substring(b.model FROM cb + 1) AS m
      FROM (SELECT a.name AS an, b.name AS bn, random() AS r1, random() AS r2, random() < 0.5 AS same
            FROM hm_base a, hm_base b, generate_series(1, 70) AS n) AS p
      JOIN hm_base a ON a.name = p.an
      JOIN hm_base b ON b.name = p.bn
      CROSS JOIN LATERAL (SELECT 1 + (p.r1 * (least(length(a.model), length(b.model)) - 2))::int AS ca) AS x
      CROSS JOIN LATERAL (SELECT CASE WHEN p.same THEN x.ca ELSE 1 + (p.r2 * (length(b.model) - 2))::int END AS cb) AS y) AS s
WHERE m NOT IN (SELECT model FROM hm_base);

-- appended bytes; with the length field updated too (the checksum then fails)
INSERT INTO hm_cases (kind, note, model)
SELECT 'extend', b.name || ' + ' || n || ' random bytes', b.model || hm_rand(n)
FROM hm_base b, (SELECT 1 + (random() * 300)::int AS n FROM generate_series(1, 60)) AS r;
INSERT INTO hm_cases (kind, note, model)
SELECT 'extend', b.name || ' + ' || n || ' zero bytes, length updated',
       hm_put32(b.model || decode(repeat('00', n), 'hex'), 8, length(b.model) + n)
FROM hm_base b, generate_series(1, 40) AS n;
INSERT INTO hm_cases (kind, note, model)
SELECT 'extend', a.name || ' + ' || b.name, a.model || b.model FROM hm_base a, hm_base b;

-- random bytes; with the signature; with a well-formed header and section table
INSERT INTO hm_cases (kind, note, model)
SELECT 'random', 'random ' || n || ' bytes', hm_rand(n)
FROM (SELECT (random() * random() * 4096)::int AS n FROM generate_series(1, 600)) AS r;
INSERT INTO hm_cases (kind, note, model)
SELECT 'random', 'MRNN + random ' || n || ' bytes', 'MRNN'::bytea || hm_rand(n)
FROM (SELECT (random() * random() * 4096)::int AS n FROM generate_series(1, 600)) AS r;
INSERT INTO hm_cases (kind, note, model)
SELECT 'random', 'MRNN v1 header, ' || k || ' random sections',
       hm_build(ARRAY(SELECT hm_section((ARRAY['CONF', 'VOCB', 'LABL', 'WGTS', 'OPTS', 'HIST', 'TIME', 'XXXX'])[1 + (random() * 7)::int],
                                        hm_rand((random() * random() * 300)::int))
                      FROM generate_series(1, k) AS j WHERE j > 0 * g))
FROM (SELECT g, (random() * 9)::int AS k FROM generate_series(1, 600) AS g) AS r;

-- the version field: 6..255 is a newer format than this build's 5 (0A000);
-- and a few beyond
INSERT INTO hm_cases (kind, note, model)
SELECT 'version', b.name || ' version ' || v, set_byte(b.model, 4, v)
FROM hm_base b, generate_series(6, 255) AS v WHERE b.name IN ('T', 'K');
INSERT INTO hm_cases (kind, note, model)
SELECT 'version', b.name || ' version ' || (v * 256 + 1), set_byte(b.model, 5, v)
FROM hm_base b, generate_series(1, 255, 16) AS v WHERE b.name IN ('T', 'K');
SQL
ok "$(grep -q ERROR "$WORK/cases.out" && echo 1 || echo 0)" "plain cases generated (truncations, flips, splices, extensions, random, versions)"
if grep -q ERROR "$WORK/cases.out"; then
	diag <"$WORK/cases.out"
fi

q >"$WORK/resealed.out" 2>&1 <<'SQL' || true
SET client_min_messages = warning;
SELECT setseed(0.1717);

-- bit flips anywhere but the checksum, then resealed
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', name || ' byte ' || i || ' bit ' || k || ' resealed', hm_reseal(hm_flip(model, i, k))
FROM (SELECT b.name, b.model, 16 + (random() * (length(b.model) - 21))::int AS i, (random() * 7)::int AS k
      FROM hm_base b, generate_series(1, 350) AS n) AS s;

-- truncated at every section boundary and resealed; section count off by one
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' cut after section ' || s.pos,
       hm_reseal(substring(b.model FROM 1 FOR s.off + 8 + s.len) || '\x00000000'::bytea)
FROM hm_base b, hm_sections(b.model) AS s;
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' section count ' || (hm_u32(b.model, 12) + d),
       hm_reseal(hm_put32(b.model, 12, hm_u32(b.model, 12) + d))
FROM hm_base b, (VALUES (-1), (1), (4294967295 - 7), (17)) AS v(d);

-- every CONF field of every model set to boundary values
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' CONF field ' || f || ' = ' || v,
       hm_reseal(hm_put32(b.model, s.off + 8 + 4 * f, CASE WHEN v < 0 THEN v + 4294967296 ELSE v END))
FROM hm_base b, hm_sections(b.model) AS s, generate_series(0, 21) AS f,
     unnest(ARRAY[-2147483648, -1, 0, 1, 2, 3, 4, 8, 9, 255, 256, 4096, 4097, 10000, 10001,
                  100000, 100001, 1000000, 2147483647]::int8[]) AS v
WHERE s.tag = 'CONF';

-- sections dropped, duplicated, swapped, renamed; unknown sections added
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' without ' || s.tag,
       hm_build(array_remove(hm_section_list(b.model), substring(b.model FROM s.off + 1 FOR 8 + s.len)), b.model)
FROM hm_base b, hm_sections(b.model) AS s;
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' with ' || s.tag || ' twice',
       hm_build(ARRAY[substring(b.model FROM s.off + 1 FOR 8 + s.len)] || hm_section_list(b.model), b.model)
FROM hm_base b, hm_sections(b.model) AS s;
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' sections ' || s1.pos || ' and ' || s2.pos || ' swapped',
       hm_build(ARRAY(SELECT l[CASE WHEN o = s1.pos THEN s2.pos WHEN o = s2.pos THEN s1.pos ELSE o END]
                      FROM generate_series(1, cardinality(l)) AS o), b.model)
FROM hm_base b, LATERAL hm_section_list(b.model) AS l,
     hm_sections(b.model) AS s1, hm_sections(b.model) AS s2
WHERE s1.pos < s2.pos;
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' ' || s.tag || ' renamed ' || t,
       hm_build(ARRAY(SELECT CASE WHEN x.pos = s.pos THEN convert_to(t, 'SQL_ASCII') || substring(b.model FROM x.off + 5 FOR 4 + x.len)
                                  ELSE substring(b.model FROM x.off + 1 FOR 8 + x.len) END
                      FROM hm_sections(b.model) AS x ORDER BY x.pos), b.model)
FROM hm_base b, hm_sections(b.model) AS s, unnest(ARRAY['conf', 'XXXX', 'TIMF', E'\\001\\002\\003\\004']) AS t;
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' section length ' || s.tag || ' ' || d,
       hm_reseal(hm_put32(b.model, s.off + 4, greatest(s.len + d, 0)))
FROM hm_base b, hm_sections(b.model) AS s, unnest(ARRAY[-8, -4, -1, 1, 4, 8, 1000000]) AS d;

-- non-finite and out-of-range numbers: weights, history, times
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' ' || s.tag || ' float32 at +' || o || ' = ' || v,
       hm_reseal(overlay(b.model PLACING decode(v, 'hex') FROM s.off + 9 + o + 1))
FROM hm_base b, hm_sections(b.model) AS s,
     LATERAL (SELECT 4 + 4 * (random() * ((s.len - 8) / 4))::int AS o FROM generate_series(1, 6)) AS p,
     unnest(ARRAY['0000c07f', '0000807f', '000080ff', 'ffffffff', '0100807f']) AS v
WHERE s.tag = 'WGTS';
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' ' || s.tag || ' float64 at +' || o || ' = ' || v,
       hm_reseal(overlay(b.model PLACING decode(v, 'hex') FROM s.off + 9 + o))
FROM hm_base b, hm_sections(b.model) AS s,
     LATERAL generate_series(0, s.len - 8, 4) AS o,
     unnest(ARRAY['000000000000f87f', '000000000000f07f', '000000000000f0ff', '000000000000f0bf',
                  '0000000000000000', 'ffffffffffffffff', '0000000000e06f40']) AS v
WHERE s.tag IN ('HIST', 'TIME') AND b.name IN ('T', 'K', 'S');

-- crafted labels and vocabulary: bad UTF-8, NUL, duplicates, lengths
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' labels ' || l.note, hm_replace(b.model, 'LABL', l.payload)
FROM hm_base b,
     (VALUES ('surrogate', hm_strings('\xeda080'::bytea, 'a'::bytea, 'b'::bytea)),
             ('overlong slash', hm_strings('\xc0af'::bytea, 'a'::bytea, 'b'::bytea)),
             ('overlong NUL', hm_strings('\xc080'::bytea, 'a'::bytea, 'b'::bytea)),
             ('5-byte sequence', hm_strings('\xf888808080'::bytea, 'a'::bytea, 'b'::bytea)),
             ('beyond U+10FFFF', hm_strings('\xf4908080'::bytea, 'a'::bytea, 'b'::bytea)),
             ('lone continuation', hm_strings('\x80'::bytea, 'a'::bytea, 'b'::bytea)),
             ('cut sequence', hm_strings('\xe282'::bytea, 'a'::bytea, 'b'::bytea)),
             ('noncharacter U+FFFE', hm_strings('\xefbfbe'::bytea, 'a'::bytea, 'b'::bytea)),
             ('U+10FFFF', hm_strings('\xf48fbfbf'::bytea, 'a'::bytea, 'b'::bytea)),
             ('NUL', hm_strings('\x6100'::bytea, 'a'::bytea, 'b'::bytea)),
             ('duplicate', hm_strings('a'::bytea, 'a'::bytea, 'b'::bytea)),
             ('empty ones', hm_strings(''::bytea, 'a'::bytea, 'b'::bytea)),
             ('two empty', hm_strings(''::bytea, ''::bytea, 'b'::bytea)),
             ('quote and backslash', hm_strings('"'::bytea, '\x5c'::bytea, 'b'::bytea)),
             ('1024 bytes', hm_strings(convert_to(repeat('x', 1024), 'UTF8'), 'a'::bytea, 'b'::bytea)),
             ('1025 bytes', hm_strings(convert_to(repeat('x', 1025), 'UTF8'), 'a'::bytea, 'b'::bytea)),
             ('too few', hm_strings('a'::bytea, 'b'::bytea)),
             ('too many', hm_strings('a'::bytea, 'b'::bytea, 'c'::bytea, 'd'::bytea)),
             ('count huge', hm_le32(4294967295) || hm_le32(1) || 'a'::bytea),
             ('length huge', hm_le32(3) || hm_le32(4294967295) || 'a'::bytea),
             ('json-looking', hm_strings('{"a": 1}'::bytea, convert_to('\u0000', 'UTF8'), 'b'::bytea))) AS l(note, payload)
WHERE b.name = 'T';
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' vocabulary ' || v.note,
       hm_replace(b.model, 'VOCB', overlay(hm_payload(b.model, 'VOCB') PLACING v.bytes FROM 9))
FROM hm_base b,
     (VALUES ('surrogate', '\xeda080'::bytea), ('NUL', '\x00'::bytea), ('continuation', '\x80'::bytea),
             ('overlong', '\xc0af'::bytea), ('FF', '\xff'::bytea)) AS v(note, bytes)
WHERE b.name IN ('T', 'K');
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' vocabulary ' || v.note, hm_replace(b.model, 'VOCB', v.payload)
FROM hm_base b,
     (VALUES ('empty', hm_le32(0)), ('count huge', hm_le32(4294967295)),
             ('one token', hm_strings('a'::bytea)), ('empty token', hm_strings(''::bytea)),
             ('257-byte token', hm_strings(convert_to(repeat('w', 257), 'UTF8')))) AS v(note, payload)
WHERE b.name IN ('T', 'K');
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' vocabulary: second token replaced by the first',
       hm_replace(b.model, 'VOCB', substring(p FROM 1 FOR 4) || e1 || e1 || substring(p FROM 9 + l1 + 4 + l2))
FROM hm_base b, LATERAL hm_payload(b.model, 'VOCB') AS p,
     LATERAL (SELECT hm_u32(p, 4)::int AS l1) AS x,
     LATERAL (SELECT substring(p FROM 5 FOR 4 + x.l1) AS e1, hm_u32(p, 8 + x.l1)::int AS l2) AS y
WHERE b.name IN ('T', 'K');

-- crafted options: the decoder only checks UTF-8, rnn_model_info parses it
INSERT INTO hm_cases (kind, note, model)
SELECT 'resealed', b.name || ' options ' || o.note, hm_replace(b.model, 'OPTS', o.payload)
FROM hm_base b,
     (VALUES ('empty', ''::bytea),
             ('not JSON', 'not json'::bytea),
             ('truncated JSON', '{"epochs": '::bytea),
             ('scalar', '42'::bytea),
             ('null', 'null'::bytea),
             ('escaped NUL', convert_to('{"a": "\u0000"}', 'UTF8')),
             ('lone surrogate escape', convert_to('{"a": "\ud800"}', 'UTF8')),
             ('huge number', convert_to('{"a": 1e1000000}', 'UTF8')),
             ('tiny number', convert_to('{"a": 1e-1000000}', 'UTF8')),
             ('long number', convert_to('{"a": ' || repeat('9', 200000) || '}', 'UTF8')),
             ('deep arrays', convert_to(repeat('[', 100000) || repeat(']', 100000), 'UTF8')),
             ('deep objects', convert_to(repeat('{"a":', 50000) || '1' || repeat('}', 50000), 'UTF8')),
             ('1 MB string', convert_to('"' || repeat('x', 1048574) || '"', 'UTF8')),
             ('1 MB + 1', convert_to('"' || repeat('x', 1048575) || '"', 'UTF8')),
             ('bad UTF-8', '\x7b2261223a2022ff227d'::bytea),
             ('NUL byte', '\x7b7d00'::bytea),
             ('duplicate keys', convert_to('{"a": 1, "a": 2}', 'UTF8'))) AS o(note, payload)
WHERE b.name IN ('T', 'K');
SQL
ok "$(grep -q ERROR "$WORK/resealed.out" && echo 1 || echo 0)" "resealed and crafted cases generated"
if grep -q ERROR "$WORK/resealed.out"; then
	diag <"$WORK/resealed.out"
fi

q -c "SELECT kind, count(*) FROM hm_cases GROUP BY kind ORDER BY kind" | tr '|' ' ' |
	sed 's/^/cases: /' | diag || true
total=$(q -c "SELECT count(*) FROM hm_cases")
ok "$([ "$total" -ge 10000 ] && echo 0 || echo 1)" "at least 10,000 hostile model values ($total)"

# ---------------------------------------------------------------------------
# The functions that take a model, and how to call each

q -v ext="$EXT" >"$WORK/functions.out" 2>&1 <<'SQL' || true
SET client_min_messages = warning;
CREATE TABLE hm_functions (fn regprocedure PRIMARY KEY, family text, call text, problem text);

-- Build "SELECT f($1, ...) FROM (VALUES ($2), ($1))"-style SQL for one
-- function: $1 is the case, $2 a valid model of the function's family.
CREATE FUNCTION hm_call(f oid) RETURNS hm_functions LANGUAGE plpgsql AS $$
DECLARE
  p pg_proc;
  r hm_functions;
  types oid[];
  names text[];
  modes "char"[];
  args text[] := '{}';
  a text;
  t text;
  n_name int := 0;
  fam text := 'text';
BEGIN
  SELECT * INTO p FROM pg_proc WHERE oid = f;
  r.fn := f;
  -- proargtypes is an oidvector, subscripted from 0
  types := coalesce(p.proallargtypes, ARRAY(SELECT unnest(p.proargtypes)));
  names := p.proargnames;
  modes := coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[cardinality(types)]));
  -- a function that reads token arrays gets the token model, one that
  -- reads rnnseq the series model
  IF 'text[]'::regtype = ANY (ARRAY(SELECT unnest(p.proargtypes))) THEN
    fam := 'tokens';
  ELSIF to_regtype('rnnseq') = ANY (ARRAY(SELECT unnest(p.proargtypes))) THEN
    fam := 'series';
  END IF;
  -- the functions of one task get a valid model of that task
  IF p.proname = 'rnn_predict_value' THEN
    fam := 'reg_' || fam;
  ELSIF p.proname = 'rnn_predict_labels' THEN
    fam := 'multi_' || fam;
  END IF;
  FOR i IN 1 .. cardinality(types) LOOP
    CONTINUE WHEN modes[i] IN ('o', 't');
    t := format_type(types[i], NULL);
    IF names[i] = 'model' AND t = 'bytea' THEN
      a := 'v.m';
    ELSIF t = 'bytea' THEN
      a := '$2';
    ELSIF t = 'text' AND names[i] LIKE '%label%' THEN
      -- a label of the valid model (both are binary)
      a := CASE fam WHEN 'tokens' THEN '''1''::text' WHEN 'series' THEN '''1''::text' ELSE '''resp''::text' END;
    ELSIF t IN ('text', 'character varying') THEN
      a := '''fever cough day 1''::' || t;
    ELSIF t = 'text[]' THEN
      a := 'ARRAY[''J18'', ''R05'']::text[]';
    ELSIF t = 'rnnseq' THEN
      a := '''[[0, "HR", 80], [30, "HR", 90], [60, "BP", 100]]''::rnnseq';
    ELSIF t = 'regclass' THEN
      a := CASE fam WHEN 'tokens' THEN '''hm_tok_rows''::regclass' WHEN 'series' THEN '''hm_seq_rows''::regclass'
                    ELSE '''hm_rows''::regclass' END;
    ELSIF t = 'name' THEN
      n_name := n_name + 1;
      a := CASE n_name WHEN 1 THEN '''note''::name' WHEN 2 THEN '''dx''::name' ELSE NULL END;
    ELSIF t IN ('jsonb', 'json') THEN
      a := '''{}''::' || t;
    ELSIF t IN ('integer', 'bigint', 'smallint') THEN
      a := '1::' || t;
    ELSIF t IN ('real', 'double precision', 'numeric') THEN
      a := '0.5::' || t;
    ELSIF t = 'boolean' THEN
      a := 'false';
    ELSIF t IN ('real[]', 'double precision[]') THEN
      a := 'ARRAY[0.5, 0.25]::' || t;
    ELSE
      a := NULL;
    END IF;
    IF a IS NULL THEN
      r.problem := format('cannot synthesize argument %s %s of type %s', i, coalesce(names[i], ''), t);
      RETURN r;
    END IF;
    IF modes[i] = 'v' THEN
      a := 'VARIADIC ' || a;
    END IF;
    args := args || a;
  END LOOP;
  r.family := fam;
  IF p.prokind = 'p' THEN
    r.call := format('CALL %s(%s)', f::regproc, replace(array_to_string(args, ', '), 'v.m', '$1'));
  ELSIF p.prokind = 'a' THEN
    r.call := format('SELECT %s(%s) FROM (VALUES ($1)) AS v(m)', f::regproc, array_to_string(args, ', '));
  ELSE
    r.call := format('SELECT %s(%s)%s FROM (VALUES ($2), ($1)) AS v(m)', f::regproc,
                     array_to_string(args, ', '), CASE p.prokind WHEN 'w' THEN ' OVER ()' ELSE '' END);
  END IF;
  RETURN r;
END $$;

INSERT INTO hm_functions
SELECT (hm_call(p.oid)).*
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = :'ext'
  AND EXISTS (SELECT 1 FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargnames) AS a(t, n)
              WHERE a.n = 'model' AND a.t = 'bytea'::regtype);

-- with a valid model of its family, each call must succeed
CREATE FUNCTION hm_try(sql text, m bytea, valid bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql USING m, valid;
  RETURN 'OK';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
UPDATE hm_functions f SET problem = 'fails with a valid model: ' || r
FROM (SELECT fn, hm_try(call, b.model, b.model) AS r
      FROM hm_functions h JOIN hm_base b ON b.name = CASE h.family WHEN 'tokens' THEN 'K' WHEN 'series' THEN 'S' WHEN 'text' THEN 'T' ELSE h.family END
      WHERE problem IS NULL) AS s
WHERE s.fn = f.fn AND s.r <> 'OK';
SQL
if grep -q ERROR "$WORK/functions.out"; then
	diag <"$WORK/functions.out"
fi
nfn=$(q -c "SELECT count(*) FROM hm_functions WHERE problem IS NULL" 2>/dev/null || echo 0)
q -c "SELECT fn || ' (' || coalesce(family, '-') || '): ' || coalesce(problem, call) FROM hm_functions ORDER BY fn::text" \
	2>/dev/null | sed 's/^/function: /' | diag || true
bad=$(q -c "SELECT count(*) FROM hm_functions WHERE problem IS NOT NULL" 2>/dev/null || echo 1)
ok "$([ "$bad" -eq 0 ] && [ "$nfn" -ge 5 ] && echo 0 || echo 1)" \
	"found $nfn functions with a model bytea argument, every one callable with synthesized arguments"

# ---------------------------------------------------------------------------
# The run: one backend, every case into every function

before_pred=$(q -c "SELECT rnn_predict(model, 'fever cough day 1') FROM hm_base WHERE name = 'T'" 2>&1 || true)
q >"$WORK/run.out" 2>&1 <<'SQL' || true
SET client_min_messages = warning;
SELECT 'pid_before ' || pg_backend_pid();
CREATE TABLE hm_results (case_id int, fn regprocedure, state text, message text);
-- one function's results are committed before the next function starts, so
-- that after a crash the function that was running is known
CREATE PROCEDURE hm_run() LANGUAGE plpgsql AS $$
DECLARE
  f record;
  c record;
  valid bytea;
  st text;
  msg text;
BEGIN
  FOR f IN SELECT fn, family, call FROM hm_functions WHERE problem IS NULL ORDER BY fn::text LOOP
    SELECT model INTO valid FROM hm_base
     WHERE name = CASE f.family WHEN 'tokens' THEN 'K' WHEN 'series' THEN 'S' WHEN 'text' THEN 'T' ELSE f.family END;
    FOR c IN SELECT id, model FROM hm_cases ORDER BY id LOOP
      BEGIN
        EXECUTE f.call USING c.model, valid;
        st := 'OK';
        msg := NULL;
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
      END;
      INSERT INTO hm_results VALUES (c.id, f.fn, st, msg);
    END LOOP;
    COMMIT;
  END LOOP;
END $$;
CALL hm_run();
SELECT 'pid_after ' || pg_backend_pid();
SELECT 'still_predicts ' || rnn_predict(model, 'fever cough day 1') FROM hm_base WHERE name = 'T';
SQL
pid_before=$(sed -n 's/^pid_before //p' "$WORK/run.out")
pid_after=$(sed -n 's/^pid_after //p' "$WORK/run.out")
after_pred=$(sed -n 's/^still_predicts //p' "$WORK/run.out")
ok "$([ -n "$pid_before" ] && [ "$pid_before" = "$pid_after" ] && echo 0 || echo 1)" \
	"one backend survived every call (pid ${pid_before:-?} before, ${pid_after:-none} after)"
if [ -z "$pid_after" ]; then
	head -n 20 "$WORK/run.out" | diag
	q -c "SELECT 'the backend died in ' || min(fn::text) FROM hm_functions f
	      WHERE problem IS NULL AND NOT EXISTS (SELECT 1 FROM hm_results r WHERE r.fn = f.fn)" 2>/dev/null | diag || true
	echo "# rerun with MEDRNN_KEEP_WORK=1 to keep database $DB (hm_cases, hm_functions) for a closer look"
fi
ok "$([ -n "$after_pred" ] && [ "$after_pred" = "$before_pred" ] && echo 0 || echo 1)" \
	"the valid model still predicts the same label in that backend ($after_pred)"

# Outcomes: per kind and SQLSTATE
q -c "SELECT kind || ': ' || string_agg(state || ' ' || n, ', ' ORDER BY state)
      FROM (SELECT c.kind, r.state, count(*) AS n FROM hm_results r JOIN hm_cases c ON c.id = r.case_id
            GROUP BY c.kind, r.state) AS s
      GROUP BY kind ORDER BY kind" 2>/dev/null |
	sed 's/^/calls by kind and SQLSTATE: /' | diag || true
q -c "SELECT 'calls: ' || count(*) || ' (' || count(DISTINCT case_id) || ' values x ' || count(DISTINCT fn) || ' functions)'
      FROM hm_results" 2>/dev/null | diag || true
q -c "SELECT 'per SQLSTATE: ' || string_agg(state || ' = ' || n, ', ' ORDER BY state)
      FROM (SELECT state, count(*) AS n FROM hm_results GROUP BY state) AS s" 2>/dev/null | diag || true

# Anything else than the allowed SQLSTATEs, per kind
# (a resealed value that some function accepted is a valid, different
# model: it may then read the other input kind (42804), be of another
# task than the function answers for (42809), or lack the label the
# synthesized arguments name (22023); one that decodes as a language model
# is refused by every function that predicts (42809, after decoding it))
WRONG="FROM hm_results r JOIN hm_cases c ON c.id = r.case_id
       WHERE CASE c.kind
               WHEN 'version' THEN r.state <> '0A000'
               WHEN 'resealed' THEN r.state NOT IN ('22P03', '0A000')
                                    AND NOT (r.state = '42809' AND r.message LIKE 'model is a language model%')
                                    AND NOT (r.state IN ('OK', '42804', '42809', '22023')
                                             AND EXISTS (SELECT 1 FROM hm_results a
                                                         WHERE a.case_id = r.case_id AND a.state = 'OK'))
               ELSE r.state NOT IN ('22P03', '0A000')
             END"
nres=$(q -c "SELECT count(*) FROM hm_results" 2>/dev/null || echo 0)
nwrong=$(q -c "SELECT count(*) $WRONG" 2>/dev/null || echo -1)
ok "$([ "$nres" -gt 0 ] && [ "$nwrong" -eq 0 ] && echo 0 || echo 1)" \
	"every call gave 22P03 or 0A000 (exactly 0A000 for versions 6..255; resealed values may be valid models): $nwrong of $nres did not"
if [ "$nwrong" != 0 ]; then
	q -c "SELECT r.fn || ' | ' || c.kind || ' | ' || c.note || ' | ' || r.state || ' ' || coalesce(r.message, '')
	      $WRONG ORDER BY r.state, c.kind, c.id LIMIT 40" 2>/dev/null | sed 's/^/wrong: /' | diag || true
	q -c "SELECT r.state || ': ' || count(*) || ' calls, ' || count(DISTINCT c.id) || ' values, e.g. '
	             || min(c.kind || ' ' || c.note) $WRONG GROUP BY r.state" 2>/dev/null | sed 's/^/wrong: /' | diag || true
fi

# Versions 6..255 exactly: the newer-format error, never "invalid"
nver=$(q -c "SELECT count(*) FROM hm_results r JOIN hm_cases c ON c.id = r.case_id
             WHERE c.kind = 'version' AND r.state = '0A000'" 2>/dev/null || echo 0)
ok "$([ "$nver" -ge $((2 * 250 * nfn)) ] && echo 0 || echo 1)" \
	"versions 6..255 of both models give 0A000 in every function ($nver calls)"

# Nothing but the resealed cases may ever succeed
nlive=$(q -c "SELECT count(*) FROM hm_results r JOIN hm_cases c ON c.id = r.case_id
              WHERE c.kind <> 'resealed' AND r.state = 'OK'" 2>/dev/null || echo -1)
ok "$([ "$nlive" -eq 0 ] && echo 0 || echo 1)" "no damaged value was accepted as a model ($nlive)"

# The server log: no backend died
crashes=0
if [ -n "${MEDRNN_PGLOG:-}" ] && [ -f "$MEDRNN_PGLOG" ]; then
	crashes=$(tail -c +$((LOG_START + 1)) "$MEDRNN_PGLOG" | grep -c -E 'terminated by signal|PANIC' || true)
fi
ok "$([ "$crashes" -eq 0 ] && echo 0 || echo 1)" "the server log has no \"terminated by signal\" since the suite started"
if [ "$crashes" -ne 0 ]; then
	tail -c +$((LOG_START + 1)) "$MEDRNN_PGLOG" | grep -E -B2 -A5 'terminated by signal|PANIC' | head -n 40 | diag || true
fi

echo "# hostile_models: $((SECONDS - START)) s"
