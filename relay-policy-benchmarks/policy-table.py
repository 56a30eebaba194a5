#!/usr/bin/env python3
"""Prints the policy-service table of BENCHMARKS.md from run-policy-service.sh's JSON.

usage: policy-table.py RESULTS_DIR [SUFFIX]

Reads policy-service-thrpt-tN{SUFFIX}.json (requests per second) and policy-service-sample-tN{SUFFIX}.json
(latency percentiles, microseconds) for every N found, and policy-service-answers{SUFFIX}.jsonl (the answers'
kinds), and prints one Markdown row per connection count and service, with relay-policy's throughput as a
multiple of the best other service's at the same connection count (floor, PolicyFloorServer, is not a service:
the method's floor).
"""
import glob
import json
import os
import re
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def by_target(path):
    if not os.path.exists(path):
        return {}
    return {r["params"]["target"]: r["primaryMetric"] for r in load(path)}


def ms(us):
    return "%.3f ms" % (us / 1000.0) if us < 10_000 else "%.1f ms" % (us / 1000.0)


def main():
    results = sys.argv[1]
    suffix = sys.argv[2] if len(sys.argv) > 2 else ""
    counts = set()
    for path in glob.glob(os.path.join(results, "policy-service-*-t*%s.json" % suffix)):
        m = re.search(r"-t(\d+)%s\.json$" % re.escape(suffix), path)
        if m:
            counts.add(int(m.group(1)))
    answers = {}
    answers_path = os.path.join(results, "policy-service-answers%s.jsonl" % suffix)
    if os.path.exists(answers_path):
        with open(answers_path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    a = json.loads(line)
                    key = (a["target"], a["connections"])
                    prev = answers.get(key)
                    answers[key] = a if prev is None else {k: (prev[k] + a[k] if isinstance(a[k], int)
                                                               and k != "connections" else a[k]) for k in a}
    order = ["floor", "relay-policy", "postfwd", "policyd-rate-limit"]
    print("| connections | service | requests/s | p50 | p99 | p99.9 | vs. best other | answers: refused / deferred / unexpected |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for n in sorted(counts):
        thrpt = by_target(os.path.join(results, "policy-service-thrpt-t%d%s.json" % (n, suffix)))
        sample = by_target(os.path.join(results, "policy-service-sample-t%d%s.json" % (n, suffix)))
        others = [thrpt[t]["score"] for t in thrpt if t not in ("relay-policy", "floor")]
        best_other = max(others) if others else None
        for t in order:
            if t not in thrpt and t not in sample:
                continue
            rate = "–"
            if t in thrpt:
                err = thrpt[t]["scoreError"]
                rate = "%.0f" % thrpt[t]["score"] + (" ± %.0f" % err if isinstance(err, (int, float))
                                                     and err == err else "")
            if t in sample:
                p = sample[t]["scorePercentiles"]
                p50, p99, p999 = ms(p["50.0"]), ms(p["99.0"]), ms(p["99.9"])
            else:
                p50 = p99 = p999 = "–"
            ratio = "–"
            if t == "relay-policy" and best_other and t in thrpt:
                ratio = "%.1f×" % (thrpt[t]["score"] / best_other)
            a = answers.get((t, n))
            kinds = "%.1f%% / %.1f%% / %d" % (100.0 * a["refuse"] / a["answers"], 100.0 * a["defer"] / a["answers"],
                                              a["unexpected"]) if a and a["answers"] else "–"
            print("| %d | %s | %s | %s | %s | %s | %s | %s |" % (n, t, rate, p50, p99, p999, ratio, kinds))


if __name__ == "__main__":
    main()
