#!/usr/bin/env python3
"""Check the numeric core's layering (src/core/core.mk).

Every file of src/core/LAYER may include headers of its own layer and of the
layers before it, never of a later one; the include graph of the core's own
headers has no cycle; no core file includes a PostgreSQL header.  Prints one
line per violation and exits 1 if there is any; prints a summary otherwise.

Usage: test/check_layers.py [ROOT]   (the repository root, default ".")
"""
import os
import re
import sys

LAYERS = ["base", "data", "net", "learn", "model", "report"]
PG_HEADERS = re.compile(r'^(postgres|postgres_fe|fmgr|funcapi|miscadmin)\.h$|^(utils|catalog|access|nodes|executor|lib|libpq|mb|common|port|storage|commands|parser)/')
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    core = os.path.join(root, "src", "core")
    layer_of = {}       # file name -> layer index
    files = []          # (layer index, path)
    for i, layer in enumerate(LAYERS):
        d = os.path.join(core, layer)
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                if name in layer_of:
                    print(f"{layer}/{name}: the name is also in {LAYERS[layer_of[name]]}/")
                layer_of[name] = i
                files.append((i, os.path.join(d, name)))
    strays = [n for n in os.listdir(core) if n.endswith((".c", ".h"))]
    problems = [f"src/core/{n}: a core file outside every layer" for n in strays]
    edges = {}
    for i, path in files:
        name = os.path.basename(path)
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                if PG_HEADERS.search(inc):
                    problems.append(f"{rel}:{lineno}: includes the PostgreSQL header {inc}")
                elif inc in layer_of:
                    j = layer_of[inc]
                    if j > i:
                        problems.append(f"{rel}:{lineno}: a {LAYERS[i]} file includes {inc}, "
                                        f"which is in the later layer {LAYERS[j]}")
                    if name.endswith(".h") and inc != name:
                        edges.setdefault(name, set()).add(inc)
    # a cycle among headers (a .c including its own header is no cycle)
    state = {}

    def visit(h, stack):
        state[h] = 1
        for g in sorted(edges.get(h, ())):
            if state.get(g) == 1:
                problems.append("include cycle: " + " -> ".join(stack[stack.index(g):] + [g]))
            elif g not in state:
                visit(g, stack + [g])
        state[h] = 2

    for h in sorted(edges):
        if h not in state:
            visit(h, [h])
    for p in problems:
        print(p)
    if problems:
        return 1
    counts = ", ".join(f"{l} {sum(1 for i, _ in files if i == k)}" for k, l in enumerate(LAYERS))
    print(f"{len(files)} core files in {len(LAYERS)} layers ({counts}): "
          f"no include of a later layer, no header cycle, no PostgreSQL header")
    return 0


if __name__ == "__main__":
    sys.exit(main())
