#!/usr/bin/env python3
"""Do two oomlab runs hold the same scenarios with the same verdicts?

ci/same-run.py A B: A and B are run directories (or results.json files).
Prints one line per scenario and exits 0 when both runs have the same
scenarios (scenario + vmconfig, in the same order) with the same verdict and
the same observed path, 1 when they differ, 2 when a file cannot be read.
Used by ci/parallel-shards.sh and ci/slurm-test.sh to check that a sharded
run, merged, equals the unsharded run.
"""
import json
import os
import sys


def load(arg):
    path = os.path.join(arg, "results.json") if os.path.isdir(arg) else arg
    try:
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"same-run: {path}: {e}")
    if not isinstance(rows, list):
        sys.exit(f"same-run: {path}: not a results.json (a JSON array)")
    return path, [(r.get("scenario"), r.get("vmconfig"), r.get("verdict"),
                   (r.get("observed") or {}).get("path")) for r in rows]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: ci/same-run.py RUN_A RUN_B")
    pa, a = load(sys.argv[1])
    pb, b = load(sys.argv[2])
    same = True
    keys_a = [(s, v) for s, v, _, _ in a]
    keys_b = [(s, v) for s, v, _, _ in b]
    if sorted(keys_a) != sorted(keys_b):
        same = False
        for k in sorted(set(keys_a) - set(keys_b)):
            print(f"only in {pa}: {k[0]} ({k[1]})")
        for k in sorted(set(keys_b) - set(keys_a)):
            print(f"only in {pb}: {k[0]} ({k[1]})")
    elif keys_a != keys_b:
        same = False
        print("the same scenarios in another order")
    rows_b = {(s, v): (ver, p) for s, v, ver, p in b}
    for s, v, ver, p in a:
        if (s, v) not in rows_b:
            continue
        ver_b, p_b = rows_b[(s, v)]
        mark = "same" if (ver, p) == (ver_b, p_b) else "DIFFERS"
        same = same and mark == "same"
        print(f"{mark:8} {s!s:40} {ver!s:5} {p or '-':22} | {ver_b!s:5} {p_b or '-'}")
    print(f"{len(a)} and {len(b)} scenarios: {'the same run' if same else 'the runs differ'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
