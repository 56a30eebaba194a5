#!/usr/bin/env python3
"""Turns a JMH JSON result file into the Markdown table BENCHMARKS.md shows.

Usage: python3 relay-policy-benchmarks/jmh-table.py relay-policy-benchmarks/results/decide.json
       python3 relay-policy-benchmarks/jmh-table.py BEFORE.json AFTER.json   (two runs side by side)

One row per benchmark and parameter set: the primary score in its unit with its 99.9% error and, when the run
used -prof gc, gc.alloc.rate.norm (bytes allocated per operation). Figures are printed as JMH measured them;
with two files, the ratio after/before of the scores too.
"""
import json
import sys


def fmt(x, digits=1):
    if isinstance(x, str):  # JMH writes "NaN" for the error of a run with too few iterations to have one
        return x
    return f"{x:,.{digits}f}"


def rows(path):
    with open(path, encoding="utf-8") as f:
        runs = json.load(f)
    out = {}
    for r in runs:
        name = ".".join(r["benchmark"].rsplit(".", 2)[-2:])
        params = ", ".join(f"{k}={v}" for k, v in r.get("params", {}).items()) or "-"
        primary = r["primaryMetric"]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        out[(name, params)] = (primary["score"], primary["scoreError"], primary["scoreUnit"],
                               fmt(alloc["score"], 0) if alloc else "n/a")
    return out


def compare(before_path, after_path):
    before, after = rows(before_path), rows(after_path)
    print("| benchmark | params | before | after | unit | after / before | B/op before | B/op after |")
    print("|---|---|---:|---:|---|---:|---:|---:|")
    for key, (score, error, unit, b_op) in after.items():
        if key not in before:
            continue
        b_score, b_error, b_unit, b_b_op = before[key]
        print(f"| {key[0]} | {key[1]} | {fmt(b_score)} ± {fmt(b_error)} | {fmt(score)} ± {fmt(error)} | {unit} | "
              f"{score / b_score:.2f} | {b_b_op} | {b_op} |")


def main(path):
    with open(path, encoding="utf-8") as f:
        runs = json.load(f)
    print("| benchmark | params | threads | score | ± (99.9%) | unit | B/op |")
    print("|---|---|---:|---:|---:|---|---:|")
    for r in runs:
        name = r["benchmark"].rsplit(".", 2)
        name = ".".join(name[-2:])
        params = ", ".join(f"{k}={v}" for k, v in r.get("params", {}).items()) or "-"
        primary = r["primaryMetric"]
        alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        b_op = fmt(alloc["score"], 0) if alloc else "n/a"
        print(f"| {name} | {params} | {r['threads']} | {fmt(primary['score'])} | "
              f"{fmt(primary['scoreError'])} | {primary['scoreUnit']} | {b_op} |")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        compare(sys.argv[1], sys.argv[2])
    else:
        main(sys.argv[1])
