#!/usr/bin/env python3
"""Generate src/core/base/mr_unicode_table.h from Python's own str.lower().

medrnn must tokenize a text the same way on every machine and forever, and
its reference is Keras, i.e. Python's str.lower().  So the tables are not
built from the C library's locale nor from UnicodeData.txt, but by asking
this Python interpreter, code point by code point:

  lower   every code point whose lower() is one single, different code
          point, compressed into runs (first, last, delta, stride): stride 1
          for a block shifted as a whole (A-Z, Cyrillic), stride 2 for the
          alternating upper/lower pairs of Latin Extended-A and friends.
          U+0130 (lower() is two code points) is left to the tokenizer.

  flags   Cased and Case_Ignorable, the two properties CPython's final-sigma
          rule (handle_capital_sigma in unicodeobject.c) looks at.  Neither
          is exposed by Python, so Cased is read off islower()/isupper()/Lt
          (Cased = Lowercase + Uppercase + Lt) and Case_Ignorable is probed
          through lower() itself, which makes the table agree with the
          interpreter by construction.

The header also carries FNV-1a checksums of the full mappings over
U+0000..U+10FFFF, so the C unit tests can check every code point without
shipping Python.

Usage: python3 tools/gen_unicode_lower.py [output]
"""
import os
import sys
import unicodedata

MAX_CP = 0x10FFFF
CASED = 1
IGNORABLE = 2
SIGMA = "\u03a3"
FINAL_SIGMA = "\u03c2"


def is_surrogate(cp):
    return 0xD800 <= cp <= 0xDFFF


def lower_map():
    """{cp: lower cp} for single-code-point lowercase mappings that change cp."""
    m = {}
    for cp in range(MAX_CP + 1):
        if is_surrogate(cp):
            continue
        low = chr(cp).lower()
        if len(low) != 1:
            # the only full (multi code point) lowercase Python applies
            assert cp == 0x130 and low == "i\u0307", (hex(cp), low)
            continue
        if ord(low) != cp:
            m[cp] = ord(low)
    return m


def case_flags(cp):
    """CASED | IGNORABLE bits of cp, as CPython's final-sigma rule sees them."""
    c = chr(cp)
    cased = c.islower() or c.isupper() or unicodedata.category(c) == "Lt"
    # "A" SIGMA c "B": sigma is final iff c is neither ignorable nor cased
    p1 = ("A" + SIGMA + c + "B").lower()[1] == FINAL_SIGMA
    # c SIGMA: sigma is final iff c is cased and not ignorable
    p2 = (c + SIGMA).lower()[-1] == FINAL_SIGMA
    ignorable = not p1 and not p2
    if not ignorable:
        # the probe and the property must agree where the rule looks at Cased
        assert p2 == cased, hex(cp)
    return (CASED if cased else 0) | (IGNORABLE if ignorable else 0)


def compress_lower(m):
    """Runs (first, last, delta, stride) covering exactly the keys of m."""
    cps = sorted(m)
    runs = []
    i = 0
    while i < len(cps):
        first = cps[i]
        delta = m[first] - first
        stride = 1
        if i + 1 < len(cps) and m[cps[i + 1]] - cps[i + 1] == delta:
            step = cps[i + 1] - first
            # a stride-2 run must not hide a mapped code point in its gaps
            if step == 1 or (step == 2 and first + 1 not in m):
                stride = step
        last = first
        j = i + 1
        while j < len(cps) and cps[j] == last + stride and m[cps[j]] - cps[j] == delta:
            if stride == 2 and last + 1 in m:
                break
            last = cps[j]
            j += 1
        runs.append((first, last, delta, stride))
        i = j
    return runs


def compress_flags():
    """Runs (first, last, flags) of constant nonzero flags."""
    runs = []
    cur = None
    for cp in range(MAX_CP + 1):
        f = 0 if is_surrogate(cp) else case_flags(cp)
        if cur is not None and f == cur[2] and cp == cur[1] + 1:
            cur[1] = cp
            continue
        if cur is not None:
            runs.append(tuple(cur))
            cur = None
        if f:
            cur = [cp, cp, f]
    if cur is not None:
        runs.append(tuple(cur))
    return runs


def fnv1a(values):
    """64-bit FNV-1a over 32-bit little-endian words (mirrored in test_utf8.c)."""
    h = 0xCBF29CE484222325
    for v in values:
        for k in range(4):
            h ^= (v >> (8 * k)) & 0xFF
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def checksums(m, flag_runs):
    flags = {}
    for first, last, f in flag_runs:
        for cp in range(first, last + 1):
            flags[cp] = f
    low = fnv1a(m.get(cp, cp) for cp in range(MAX_CP + 1))
    fl = fnv1a(flags.get(cp, 0) for cp in range(MAX_CP + 1))
    return low, fl


def check_runs(m, runs):
    """Expand the runs again and compare with the mapping."""
    got = {}
    prev_last = -1
    for first, last, delta, stride in runs:
        assert first > prev_last and (last - first) % stride == 0
        prev_last = last
        for cp in range(first, last + 1, stride):
            got[cp] = cp + delta
    assert got == m


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "src", "core", "base", "mr_unicode_table.h")
    m = lower_map()
    # a lowercase letter never turns into a filter or a space
    assert all(v > 0x7F or chr(v).isalnum() for v in m.values())
    runs = compress_lower(m)
    check_runs(m, runs)
    flag_runs = compress_flags()
    low_sum, flag_sum = checksums(m, flag_runs)
    pyver = sys.version.split()[0]

    lines = []
    w = lines.append
    w("/*")
    w(" * mr_unicode_table.h")
    w(" *\t  Lowercase and case-property tables for mr_utf8.c.")
    w(" *")
    w(" * GENERATED by tools/gen_unicode_lower.py; do not edit by hand.")
    w(" * Source: Python %s, unicodedata %s (str.lower() and the" % (pyver, unicodedata.unidata_version))
    w(" * properties its final-sigma rule uses).  Regenerating with a Python whose")
    w(" * Unicode version differs changes how models tokenize: bump the model")
    w(" * format if you ever do.")
    w(" */")
    w("#ifndef MR_UNICODE_TABLE_H")
    w("#define MR_UNICODE_TABLE_H")
    w("")
    w("#include <stdint.h>")
    w("")
    w('#define MR_UNICODE_VERSION "%s"' % unicodedata.unidata_version)
    w('#define MR_UNICODE_PYTHON_VERSION "%s"' % pyver)
    w("")
    w("/* FNV-1a of lower(cp) and of flags(cp) for cp = 0..0x10FFFF (tests only) */")
    w("#define MR_UNICODE_LOWER_CHECKSUM UINT64_C(0x%016x)" % low_sum)
    w("#define MR_UNICODE_FLAGS_CHECKSUM UINT64_C(0x%016x)" % flag_sum)
    w("")
    w("#define MR_CASE_CASED\t\t%d\t/* Unicode Cased: Lowercase, Uppercase or Lt */" % CASED)
    w("#define MR_CASE_IGNORABLE\t%d\t/* Unicode Case_Ignorable */" % IGNORABLE)
    w("")
    w("/* lower(cp) = cp + delta for cp = first, first + stride, ... last */")
    w("typedef struct MrLowerRun")
    w("{")
    w("\tuint32_t\tfirst;")
    w("\tuint32_t\tlast;")
    w("\tint32_t\t\tdelta;")
    w("\tuint32_t\tstride;\t\t\t/* 1 or 2 */")
    w("} MrLowerRun;")
    w("")
    w("/* flags of every cp in first..last; code points in no run have flags 0 */")
    w("typedef struct MrCaseRun")
    w("{")
    w("\tuint32_t\tfirst;")
    w("\tuint32_t\tlast;")
    w("\tuint32_t\tflags;")
    w("} MrCaseRun;")
    w("")
    w("/* %d runs for %d code points, sorted by first */" % (len(runs), len(m)))
    w("static const MrLowerRun mr_lower_runs[%d] = {" % len(runs))
    for first, last, delta, stride in runs:
        w("\t{0x%05X, 0x%05X, %d, %d}," % (first, last, delta, stride))
    w("};")
    w("")
    w("/* %d runs, sorted by first */" % len(flag_runs))
    w("static const MrCaseRun mr_case_runs[%d] = {" % len(flag_runs))
    for first, last, f in flag_runs:
        w("\t{0x%05X, 0x%05X, %d}," % (first, last, f))
    w("};")
    w("")
    w("#endif\t\t\t\t\t\t\t/* MR_UNICODE_TABLE_H */")
    with open(out, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print("%s: %d lower runs (%d code points), %d case runs" % (out, len(runs), len(m), len(flag_runs)))


if __name__ == "__main__":
    main()
