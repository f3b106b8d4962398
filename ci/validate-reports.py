#!/usr/bin/env python3
"""Validate the reports of oomlab run directories with external tools.

ci/validate-reports.py --xsd XSD --kunit KUNIT_PY [--synthetic WORK --oomlab BIN] [DIR...]

For each run directory (results.json, junit.xml, results.ktap, kcidb.json):
- junit.xml: xmllint --schema XSD (the Jenkins JUnit schema), and its
  tests/failures/errors/skipped counts and testcase names match results.json;
- results.ktap: the kernel's KTAP parser (tools/testing/kunit/kunit.py parse)
  reads it without a parse error, and its test names and statuses match
  results.json (PASS ok, FAIL and ERROR not ok, SKIP "# SKIP");
- kcidb.json: the test objects follow the KCIDB I/O schema v4.4
  (kcidb_io/schema/v04_04.py of kernelci/kcidb-io: required build_id, id,
  origin; the ids "origin:..."; no other properties than the schema's; the
  status enum; the path pattern; number {value, unit, prefix}), one per
  result.  No JSON-schema file of KCIDB is packaged by Debian or npm, so
  these rules are written out here from that schema.
--synthetic WORK writes a results.json with every verdict and hostile text
(XML specials, control characters, newlines that try to start KTAP lines)
into WORK/shard, lets `oomlab merge` (the real writers) produce the reports
in WORK/run, and validates them too.  Exit 0 when everything is valid.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

KTAP_STATUS = {"PASS": "PASS", "FAIL": "FAIL", "ERROR": "FAIL", "SKIP": "SKIP"}
KCIDB_STATUS = {"FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP"}
KCIDB_TEST_KEYS = {"_timestamp", "build_id", "id", "origin", "environment", "path", "comment",
                   "log_url", "log_excerpt", "status", "number", "waived", "start_time",
                   "duration", "output_files", "misc"}
KCIDB_TOP_KEYS = {"version", "checkouts", "builds", "tests", "issues", "incidents"}
ORIGIN = re.compile(r"^[a-z0-9_]+$")
ORIGIN_ID = re.compile(r"^[a-z0-9_]+:.*$", re.S)
PATH = re.compile(r"^[.a-zA-Z0-9_-]*$")


class Invalid(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Invalid(what)


def junit(run, rows, xsd):
    path = os.path.join(run, "junit.xml")
    p = subprocess.run(["xmllint", "--noout", "--schema", xsd, path], capture_output=True, text=True)
    check(p.returncode == 0, f"{path}: not valid against {xsd}:\n{p.stderr.strip()}")
    suite = ET.parse(path).getroot().find("testsuite")
    check(suite is not None, f"{path}: no <testsuite>")
    count = {v: sum(1 for r in rows if r["verdict"] == v) for v in ("FAIL", "ERROR", "SKIP")}
    for attr, want in (("tests", len(rows)), ("failures", count["FAIL"]),
                       ("errors", count["ERROR"]), ("skipped", count["SKIP"])):
        check(suite.get(attr) == str(want),
              f"{path}: testsuite {attr}=\"{suite.get(attr)}\", results.json says {want}")
    names = [tc.get("name") for tc in suite.findall("testcase")]
    check(names == [r["scenario"] for r in rows], f"{path}: testcase names {names} differ from results.json")
    return f"junit.xml valid ({os.path.basename(xsd)}), {len(names)} testcases"


def ktap(run, rows, kunit):
    path = os.path.abspath(os.path.join(run, "results.ktap"))  # kunit.py changes directory
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        p = subprocess.run([sys.executable, os.path.abspath(kunit), "parse", f"--json={out.name}", path],
                           capture_output=True, text=True)
        log = p.stdout + p.stderr
        check("[ERROR]" not in log and "CRASHED" not in log and "Traceback" not in log,
              f"{path}: kunit.py parse reports errors:\n{log}")
        check(p.returncode in (0, 1) and os.path.getsize(out.name) > 0,
              f"{path}: kunit.py parse wrote no result (exit {p.returncode}):\n{log}")
        with open(out.name, encoding="utf-8") as f:
            parsed = json.load(f)
    cases = [(c["name"], c["status"]) for c in parsed.get("test_cases", [])]
    want = [(r["scenario"], KTAP_STATUS[r["verdict"]]) for r in rows]
    check(cases == want, f"{path}: kunit.py parse read {cases}, results.json says {want}")
    return f"results.ktap parsed by kunit.py: {len(cases)} tests, statuses match"


def kcidb_test(t, i, where):
    at = f"{where}: tests[{i}]"
    check(isinstance(t, dict), f"{at}: not an object")
    check(not set(t) - KCIDB_TEST_KEYS, f"{at}: properties the schema does not have: {set(t) - KCIDB_TEST_KEYS}")
    for key in ("build_id", "id", "origin"):
        check(isinstance(t.get(key), str), f"{at}: \"{key}\" missing or not a string")
    check(ORIGIN.match(t["origin"]), f"{at}: origin {t['origin']!r}")
    check(ORIGIN_ID.match(t["id"]) and ORIGIN_ID.match(t["build_id"]), f"{at}: id or build_id not origin:...")
    check(t.get("status") in KCIDB_STATUS, f"{at}: status {t.get('status')!r}")
    check(isinstance(t.get("path", ""), str) and PATH.match(t.get("path", "")), f"{at}: path {t.get('path')!r}")
    if "duration" in t:
        check(isinstance(t["duration"], (int, float)), f"{at}: duration not a number")
    if "number" in t:
        n = t["number"]
        check(isinstance(n, dict) and isinstance(n.get("value"), (int, float))
              and not set(n) - {"value", "unit", "prefix"}
              and isinstance(n.get("unit", ""), str) and n.get("prefix", "metric") in ("metric", "binary"),
              f"{at}: number {n!r}")
    check(isinstance(t.get("misc", {}), dict), f"{at}: misc not an object")


def kcidb(run, rows):
    path = os.path.join(run, "kcidb.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    check(isinstance(doc, dict) and not set(doc) - KCIDB_TOP_KEYS, f"{path}: top-level properties {list(doc)}")
    ver = doc.get("version", {})
    check(ver.get("major") == 4 and 0 <= ver.get("minor", 0) <= 4 and not set(ver) - {"major", "minor"},
          f"{path}: version {ver}")
    tests = doc.get("tests", [])
    for i, t in enumerate(tests):
        kcidb_test(t, i, path)
        check("number" not in t or ver.get("minor", 0) >= 4,
              f"{path}: tests[{i}] has \"number\", which KCIDB has only since v4.4 (version {ver})")
    ids = [t["id"] for t in tests]
    check(len(set(ids)) == len(ids), f"{path}: test ids are not unique")
    check([t["status"] for t in tests] == [r["verdict"] for r in rows], f"{path}: statuses differ from results.json")
    return f"kcidb.json valid (KCIDB v4.{ver.get('minor')}), {len(tests)} tests"


def validate(run, xsd, kunit):
    """One line per report: what was checked, or INVALID and why (all three
    are checked whatever the others gave)."""
    with open(os.path.join(run, "results.json"), encoding="utf-8") as f:
        rows = json.load(f)
    lines, bad = [], False
    for fn in (lambda: junit(run, rows, xsd), lambda: ktap(run, rows, kunit), lambda: kcidb(run, rows)):
        try:
            lines.append(fn())
        except (Invalid, OSError, ValueError, KeyError) as e:
            lines.append(f"INVALID: {e}")
            bad = True
    return lines, bad


def synthetic(work, oomlab):
    """A run with every verdict and hostile guest text, written by oomlab merge."""
    hostile = ("<b>&amp;\"quoted\" 'x' \x01\x1b[31m control\nnot ok 99 injected\n"
               "1..99\n# SKIP fake ]]> \u20ac \ud7ff; not a skip # SKIP \\# TODO")
    rows = []
    for i, verdict in enumerate(("PASS", "FAIL", "ERROR", "SKIP", "PASS")):
        rows.append({"scenario": f"synthetic-{i}-{verdict.lower()}", "vmconfig": "vm-x",
                     "kernel": "6.1.0-56-amd64", "accel": "tcg",
                     "expected": {"path": "global_oom_kill"},
                     "observed": {"path": "global_oom_kill" if verdict == "PASS" else "allocating_task_kill"},
                     "verdict": verdict, "reason": "" if verdict == "PASS" else hostile,
                     "evidence": [hostile, "vmstat oom_kill +1"], "duration_s": 1.25 + i,
                     "dir": f"synthetic-{i}", "console_tail": hostile if verdict == "ERROR" else None})
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "shard"))
    with open(os.path.join(work, "shard", "results.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f)
    run = os.path.join(work, "run")
    p = subprocess.run([oomlab, "merge", run, os.path.join(work, "shard")], capture_output=True, text=True)
    check(os.path.exists(os.path.join(run, "kcidb.json")),
          f"oomlab merge wrote no reports (exit {p.returncode}):\n{p.stdout}{p.stderr}")
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xsd", required=True)
    ap.add_argument("--kunit", required=True)
    ap.add_argument("--synthetic")
    ap.add_argument("--oomlab")
    ap.add_argument("dirs", nargs="*")
    a = ap.parse_args()
    runs = list(a.dirs)
    bad = 0
    try:
        if a.synthetic:
            runs.insert(0, synthetic(a.synthetic, a.oomlab))
    except Invalid as e:
        print(f"validate-reports: {e}")
        return 1
    for run in runs:
        try:
            lines, invalid = validate(run, a.xsd, a.kunit)
        except (OSError, ValueError) as e:
            lines, invalid = [f"INVALID: results.json: {e}"], True
        for line in lines:
            print(f"validate-reports: {run}: {line}")
        bad += invalid
    print(f"validate-reports: {len(runs) - bad} passed, {bad} failed")
    return 1 if bad or not runs else 0


if __name__ == "__main__":
    sys.exit(main())
