#!/usr/bin/env python3
"""Turns a JMH JSON result file into the Markdown table BENCHMARKS.md shows.

Usage: python3 relay-policy-benchmarks/jmh-table.py relay-policy-benchmarks/results/decide.json

One row per benchmark and parameter set: the primary score in its unit with its 99.9% error and, when the run
used -prof gc, gc.alloc.rate.norm (bytes allocated per operation). Figures are printed as JMH measured them.
"""
import json
import sys


def fmt(x, digits=1):
    return f"{x:,.{digits}f}"


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
    main(sys.argv[1])
