#!/usr/bin/env python3
"""Turns the peer benchmarks' JMH JSON into the Markdown tables of BENCHMARKS.md (Python 3 standard library only).

Usage:
  python3 relay-policy-benchmarks/peers-table.py relay-policy-benchmarks/results            # print the tables
  python3 relay-policy-benchmarks/peers-table.py relay-policy-benchmarks/results --write BENCHMARKS.md

Reads every results/peers-*.json that run-peers.sh wrote (one per JMH invocation), results/peers-checks.jsonl (each
library's wrong answers on the benchmark data, recorded by the benchmarks' setup) and results/peers-machine.txt.
Each row shows a library's score as JMH measured it, its 99.9% error, gc.alloc.rate.norm (B/op) and its ratio to
relay-policy's score with the same parameters in the same run (above 1: slower than ours). The target table is
computed from the same figures. With --write, only what lies between <!-- peers:begin --> and <!-- peers:end --> is
replaced. Nothing is typed by hand.
"""
import glob
import json
import os
import re
import sys

BEGIN = "<!-- peers:begin -->"
END = "<!-- peers:end -->"
NS = {"ns/op": 1.0, "us/op": 1e3, "ms/op": 1e6, "s/op": 1e9}
ZERO_BYTES = 0.5  # gc.alloc.rate.norm below this counts as 0 B/op (JMH prints tiny fractions for none)


def load(results):
    runs = []
    for path in sorted(glob.glob(os.path.join(results, "peers-*.json"))):
        with open(path, encoding="utf-8") as f:
            runs.extend(json.load(f))
    checks = {}
    cpath = os.path.join(results, "peers-checks.jsonl")
    if os.path.exists(cpath):
        with open(cpath, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    c = json.loads(line)
                    checks[(c["benchmark"], params_key(parse_params(c["params"])))] = c
    machine = {}
    mpath = os.path.join(results, "peers-machine.txt")
    if os.path.exists(mpath):
        with open(mpath, encoding="utf-8") as f:
            for line in f:
                k, _, v = line.partition(":")
                machine[k.strip()] = v.strip()
    return runs, checks, machine


def parse_params(text):
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        k, _, v = part.partition("=")
        out[k] = v
    return out


def params_key(params):
    return tuple(sorted(params.items()))


def versions(module):
    """The peers' versions as pinned in the benchmarks module's pom."""
    with open(os.path.join(module, "pom.xml"), encoding="utf-8") as f:
        pom = f.read()
    return dict(re.findall(r"<([\w.-]+)\.version>([^<]+)</", pom))


class Results:
    def __init__(self, runs, checks):
        self.rows = {}
        self.checks = checks
        for r in runs:
            cls, method = r["benchmark"].rsplit(".", 2)[-2:]
            self.rows[(cls, method, params_key(r.get("params", {})))] = r

    def get(self, cls, method, **params):
        return self.rows.get((cls, method, params_key({k: str(v) for k, v in params.items()})))

    def check(self, r):
        return self.checks.get((r["benchmark"], params_key(r.get("params", {})))) if r else None


def ns(r):
    p = r["primaryMetric"]
    return p["score"] * NS[p["scoreUnit"]]


def alloc(r):
    m = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    return m["score"] if m else None


def number(x):
    """A JSON score as a float, or None where JMH wrote "NaN" (one iteration has no error)."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


def fmt(x, digits=1):
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        digits = 0
    return f"{x:,.{digits}f}"


def fmt_bytes(b):
    if b is None:
        return "n/a"
    return "0" if b < ZERO_BYTES else f"{b:,.0f}"


def md(text):
    """Text safe inside a Markdown table cell and a code span: control characters shown as \\xNN."""
    out = []
    for ch in text:
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        elif ch == "|":
            out.append("\\|")
        elif ch == "`":
            out.append("'")
        else:
            out.append(ch)
    return "".join(out)


def wrong_cell(c, extra_note=True):
    if c is None:
        return "not checked"
    cell = "0" if c["wrong"] == 0 else f"**{c['wrong']}**"
    if c["wrong"] and c.get("example"):
        example = c["example"] if len(c["example"]) <= 90 else c["example"][:60] + "..." + c["example"][-25:]
        cell += f" (e.g. `{md(example)}`)"
    note = c.get("note", "")
    if extra_note and note.startswith("threw"):
        cell += "; " + md(note.split(";")[0])
    if extra_note and note.startswith("misjudged"):
        cell += "; " + md(note)
    return cell


def edge_cell(c):
    if c is None:
        return "not checked"
    note = c.get("note", "")
    m = re.search(r"edge cases (\d+/\d+) right(?:: (.*))?$", note)
    if not m:
        return "-"
    return m.group(1) if not m.group(2) else f"**{m.group(1)}**: `{md(m.group(2))}`"


def row(cells):
    return "| " + " | ".join(cells) + " |"


def score_cells(r, ours, unit="ns/op"):
    """score, error, B/op, ratio to ours (all in the unit given)."""
    if r is None:
        return ["not run", "", "", ""]
    p = r["primaryMetric"]
    f = NS[p["scoreUnit"]] / NS[unit]
    ratio = "n/a" if ours is None else ("1" if r is ours else f"{ns(r) / ns(ours):,.1f}×")
    return [fmt(p["score"] * f), fmt(number(p["scoreError"]) * f if number(p["scoreError"]) is not None else None),
            fmt_bytes(alloc(r)), ratio]


def settings(runs, machine):
    if not runs:
        return "No results."
    r = runs[0]
    parts = [
        f"Command: `{machine.get('command', '?')}` (JMH options `{machine.get('jmh options', '?')}`), "
        f"run of {machine.get('date', '?')}.",
        f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, {machine.get('memory', '?')}, "
        f"{machine.get('kernel', '?')}.",
        f"JDK {r.get('jdkVersion', '?')} ({r.get('vmName', '?')} {r.get('vmVersion', '?')}), default flags; "
        f"JMH {r.get('jmhVersion', '?')}, {r.get('forks')} fork(s) × {r.get('measurementIterations')} iterations of "
        f"{r.get('measurementTime')} after {r.get('warmupIterations')} warm-up iterations of {r.get('warmupTime')}; "
        "`-prof gc` for B/op (`gc.alloc.rate.norm`). ± is JMH's 99.9% confidence half-width; "
        "× ours is the library's time over relay-policy's, same parameters, same run.",
    ]
    return "\n".join(parts)


def network_tables(res, v):
    peers = [
        ("NetworkPeersBenchmark", "ours", "relay-policy `NetworkSet`"),
        ("NetworkPeersBenchmark", "ipaddressTrie", f"IPAddress {v.get('ipaddress', '?')} trie"),
        ("SubnetUtilsBenchmark", "subnetUtils", f"commons-net {v.get('commons-net', '?')} `SubnetUtils`"),
        ("NetworkPeersBenchmark", "jamesNetMatcher", f"James {v.get('james', '?')} `NetMatcher`"),
        ("NetworkPeersBenchmark", "springInetAddressMatchers",
         f"Spring Security {v.get('spring-security', '?')} `InetAddressMatchers`"),
        ("NetworkPeersBenchmark", "maskLoop", "mask loop (floor)"),
    ]
    sets = [("ipv4_16", "16 IPv4"), ("ipv4_1024", "1,024 IPv4"), ("ipv4_100000", "100,000 IPv4"),
            ("ipv6_1024", "1,024 IPv6")]
    out = ["### Network membership", "",
           row(["networks", "input", "library", "ns/op", "±", "B/op", "× ours", "wrong answers (of 1,024 clients)",
                "edge cases right"]),
           "|---|---|---|---:|---:|---:|---:|---|---|"]
    for input_ in ("text", "inet"):
        for key, label in sets:
            ours = res.get("NetworkPeersBenchmark", "ours", input=input_, set=key)
            if ours is None:
                continue
            for cls, method, name in peers:
                r = res.get(cls, method, input=input_, set=key)
                if r is None:
                    if cls == "SubnetUtilsBenchmark" and key.startswith("ipv6"):
                        out.append(row([label, input_, name, "no IPv6", "", "", "", "", ""]))
                    continue
                c = res.check(r)
                out.append(row([label, input_, name] + score_cells(r, ours) + [wrong_cell(c), edge_cell(c)]))
    return out


def domain_tables(res, v):
    peers = [("ours", "relay-policy `DomainIndex`"), ("hashSetStrip", "`HashSet` label strip"),
             ("endsWithScan", "linear `endsWith` scan"),
             ("guavaParentWalk", f"Guava {v.get('guava', '?')} `InternetDomainName` parent walk")]
    out = ["### Domain membership", "",
           row(["domains", "library", "ns/op", "±", "B/op", "× ours", "wrong answers (of 1,024 queries)"]),
           "|---|---|---:|---:|---:|---:|---|"]
    for n in ("16", "1000000"):
        ours = res.get("DomainPeersBenchmark", "ours", n=n)
        for method, name in peers:
            r = res.get("DomainPeersBenchmark", method, n=n)
            if r is not None:
                out.append(row([f"{int(n):,}", name] + score_cells(r, ours) + [wrong_cell(res.check(r))]))
    return out


def path_tables(res, v):
    peers = [("ours", "relay-policy `SmtpPath`"),
             ("jakartaStrict", f"jakarta.mail {v.get('jakarta.mail-api', '?')} + Angus {v.get('angus-mail', '?')} "
                               "`InternetAddress(path, true)`")]
    out = ["### Path parsing", "",
           row(["paths", "parser", "ns/op", "±", "B/op", "× ours", "judged otherwise than RFC 5321 (of 1,024)"]),
           "|---|---|---:|---:|---:|---:|---|"]
    for kind in ("plain", "quoted", "source_routed", "hostile", "mix"):
        ours = res.get("PathPeersBenchmark", "ours", kind=kind)
        for method, name in peers:
            r = res.get("PathPeersBenchmark", method, kind=kind)
            if r is not None:
                out.append(row([kind, name] + score_cells(r, ours) + [wrong_cell(res.check(r))]))
    return out


def dns_tables(res, v):
    out = ["### DNS lists (rbldnsd on 127.0.0.1)", "",
           row(["answer", "client", "ns/op", "±", "B/op", "× ours", "wrong answers"]),
           "|---|---|---:|---:|---:|---:|---|"]
    for answer in ("listed", "not_listed"):
        ours = res.get("DnsPeersBenchmark", "oursCachedDecision", answer=answer)
        for method, name in (("oursCachedDecision", "relay-policy: whole `decide()`, list answer cached"),
                             ("lookupSessionCached", f"dnsjava {v.get('dnsjava', '3.6.4')} `LookupSession`, cached")):
            r = res.get("DnsPeersBenchmark", method, answer=answer)
            if r is not None:
                label = "cached hit (listed)" if answer == "listed" else "cached NXDOMAIN"
                out.append(row([label, name] + score_cells(r, ours) + [wrong_cell(res.check(r))]))
    out += ["", row(["uncached, two zones", "client", "µs/op", "±", "B/op", "× ours", "wrong answers"]),
            "|---|---|---:|---:|---:|---:|---|"]
    ours = res.get("DnsPeersBenchmark", "oursUncached")
    for method, name in (("oursUncached", "relay-policy `decide()`, zones in parallel"),
                         ("lookupSessionSequential", "`LookupSession`, zones one after the other, blocking")):
        r = res.get("DnsPeersBenchmark", method)
        if r is not None:
            out.append(row(["new client", name] + score_cells(r, ours, "us/op") + [wrong_cell(res.check(r))]))
    return out


def percentile(r, p):
    return r["primaryMetric"].get("scorePercentiles", {}).get(p)


def decision_tables(res, v):
    out = ["### Whole decision (`Mode.SampleTime`)", "",
           row(["policy", "check", "threads", "mean ns", "±", "p50", "p99", "p99.9", "B/op", "× ours (mean)",
                "answers differing from `decide()` (of 1,024)"]),
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    names = (("decide", "relay-policy `decide()`"), ("decideTwoThreads", "relay-policy `decide()`"),
             ("jamesRelayCheck", f"James {v.get('james', '?')} `NetMatcher` + domain set"))
    scaling = []
    for policy in ("small", "large"):
        ours = res.get("DecisionPeersBenchmark", "decide", policy=policy)
        for method, name in names:
            r = res.get("DecisionPeersBenchmark", method, policy=policy)
            if r is None:
                continue
            sc = score_cells(r, ours)
            c = res.check(r)
            out.append(row([policy, name, str(r["threads"]), sc[0], sc[1], fmt(percentile(r, "50.0")),
                            fmt(percentile(r, "99.0")), fmt(percentile(r, "99.9")), sc[2],
                            sc[3] if method != "decideTwoThreads" else "-",
                            wrong_cell(c) if method == "jamesRelayCheck" else "-"]))
    out += ["", row(["policy", "`decide()` in `Mode.Throughput`", "threads", "ops/µs", "±", "each iteration",
                     "B/op", "two threads / one"]), "|---|---|---:|---:|---:|---|---:|---:|"]
    for policy in ("small", "large"):
        one = res.get("DecisionPeersBenchmark", "throughput", policy=policy)
        two = res.get("DecisionPeersBenchmark", "throughputTwoThreads", policy=policy)
        for r in (one, two):
            if r is None:
                continue
            p = r["primaryMetric"]
            ratio = "-"
            if r is two and one is not None:
                ratio = f"{p['score'] / one['primaryMetric']['score']:.2f}×"
                scaling.append((policy, p["score"] / one["primaryMetric"]["score"]))
            each = ", ".join(f"{x:.1f}" for it in p.get("rawData", []) for x in it)
            out.append(row([policy, "relay-policy `decide()`", str(r["threads"]), fmt(p["score"], 2),
                            fmt(number(p["scoreError"]), 2), each, fmt_bytes(alloc(r)), ratio]))
    return out, dict(scaling)


def status(ok):
    return "met" if ok else "**missed**"


def zero_status(values):
    """'met' when every allocation figure is below ZERO_BYTES; 'not measured' when one is missing."""
    if any(b is None for b in values):
        return "not measured (run with -prof gc)"
    return status(max(values) < ZERO_BYTES)


def targets(res, scaling):
    rows = [row(["target", "measured", "status"]), "|---|---|---|"]

    def g(*a, **k):
        return res.get(*a, **k)

    # network: flat in N, ratios at 1,024, 0 B/op
    o16, o1k, o100k = (g("NetworkPeersBenchmark", "ours", input="text", set=s)
                       for s in ("ipv4_16", "ipv4_1024", "ipv4_100000"))
    if o16 and o100k:
        f = ns(o100k) / ns(o16)
        rows.append(row(["network membership flat in N (100,000 IPv4 networks at most 2× the time of 16; a scan "
                         "is 6,250×)", f"{fmt(ns(o16))} → {fmt(ns(o1k))} → {fmt(ns(o100k))} ns ({f:.1f}×)",
                         status(f <= 2.0)]))
    for input_ in ("text", "inet"):
        o = g("NetworkPeersBenchmark", "ours", input=input_, set="ipv4_1024")
        ip = g("NetworkPeersBenchmark", "ipaddressTrie", input=input_, set="ipv4_1024")
        jm = g("NetworkPeersBenchmark", "jamesNetMatcher", input=input_, set="ipv4_1024")
        if o and ip:
            q = ns(ip) / ns(o)
            rows.append(row([f"N = 1,024 IPv4, {input_} input: ≥ 5× faster than the IPAddress trie",
                             f"{q:,.1f}× ({fmt(ns(o))} against {fmt(ns(ip))} ns)", status(q >= 5)]))
        if o and jm:
            q = ns(jm) / ns(o)
            rows.append(row([f"N = 1,024 IPv4, {input_} input: ≥ 100× faster than James `NetMatcher`",
                             f"{q:,.0f}× ({fmt(ns(o))} against {fmt(ns(jm))} ns)", status(q >= 100)]))
    for input_, label in (("text", "address text, every set"),
                          ("inet", "`InetAddress`, where every library, floor included, pays the JDK's "
                                   "`getAddress()` copy")):
        ours_net = [r for (cls, m, _), r in res.rows.items()
                    if cls == "NetworkPeersBenchmark" and m == "ours" and r["params"].get("input") == input_]
        if ours_net:
            worst = max(alloc(r) or 0 for r in ours_net)
            rows.append(row([f"network membership 0 B/op ({label})", f"at most {fmt_bytes(worst)} B/op",
                             zero_status([alloc(r) for r in ours_net])]))
    # domains
    d16, d1m = g("DomainPeersBenchmark", "ours", n=16), g("DomainPeersBenchmark", "ours", n=1000000)
    if d16 and d1m:
        f = ns(d1m) / ns(d16)
        rows.append(row(["domain membership flat in N (1,000,000 domains at most 2× the time of 16)",
                         f"{fmt(ns(d16))} → {fmt(ns(d1m))} ns ({f:.1f}×)", status(f <= 2.0)]))
    for n in ("16", "1000000"):
        o, h = g("DomainPeersBenchmark", "ours", n=n), g("DomainPeersBenchmark", "hashSetStrip", n=n)
        if o and h:
            rows.append(row([f"{int(n):,} domains: faster than the `HashSet` label strip",
                             f"{fmt(ns(o))} against {fmt(ns(h))} ns ({ns(h) / ns(o):.1f}×)", status(ns(o) < ns(h))]))
    if d16 and d1m:
        worst = max(alloc(d16) or 0, alloc(d1m) or 0)
        rows.append(row(["domain membership 0 B/op", f"at most {fmt_bytes(worst)} B/op",
                         zero_status([alloc(d16), alloc(d1m)])]))
    # paths
    o, j = g("PathPeersBenchmark", "ours", kind="plain"), g("PathPeersBenchmark", "jakartaStrict", kind="plain")
    if o and j:
        q = ns(j) / ns(o)
        rows.append(row(["plain paths: ≥ 3× faster than `InternetAddress`", f"{q:,.1f}× ({fmt(ns(o))} against "
                         f"{fmt(ns(j))} ns)", status(q >= 3)]))
        rows.append(row(["plain paths: 0 B/op", f"{fmt_bytes(alloc(o))} B/op", zero_status([alloc(o)])]))
    # DNS
    o = g("DnsPeersBenchmark", "oursCachedDecision", answer="not_listed")
    ls = g("DnsPeersBenchmark", "lookupSessionCached", answer="not_listed")
    if o and ls:
        q = ns(ls) / ns(o)
        rows.append(row(["cached DNS list answer: ≥ 10× faster than `LookupSession`'s cached NXDOMAIN",
                         f"{q:,.1f}× ({fmt(ns(o))} ns for a whole decision against {fmt(ns(ls))} ns)", status(q >= 10)]))
    cached = [g("DnsPeersBenchmark", "oursCachedDecision", answer=a) for a in ("listed", "not_listed")]
    cached = [c for c in cached if c]
    if cached:
        rows.append(row(["cached DNS list answer: 0 B/op", ", ".join(
            f"{c['params']['answer']}: {fmt_bytes(alloc(c))} B/op" for c in cached),
            zero_status([alloc(c) for c in cached])]))
    # threads
    for policy, s in scaling.items():
        rows.append(row([f"`decide()` with two threads ≥ 1.8× the throughput of one ({policy} policy, `Mode.Throughput`)",
                         f"{s:.2f}×", status(s >= 1.8)]))
    return ["### Targets of the issue", ""] + rows


def render(results, module):
    runs, checks, machine = load(results)
    res = Results(runs, checks)
    v = versions(module)
    decision, scaling = decision_tables(res, v)
    parts = [settings(runs, machine), ""]
    for block in (network_tables(res, v), domain_tables(res, v), path_tables(res, v), dns_tables(res, v),
                  decision, targets(res, scaling)):
        parts += block + [""]
    return "\n".join(parts).rstrip() + "\n"


def write(doc, text):
    with open(doc, encoding="utf-8") as f:
        content = f.read()
    start, end = content.find(BEGIN), content.find(END)
    if start < 0 or end < start:
        sys.exit(f"{doc}: no '{BEGIN}' ... '{END}' markers; add them where the tables belong")
    content = content[:start + len(BEGIN)] + "\n" + text + content[end:]
    with open(doc, "w", encoding="utf-8") as f:
        f.write(content)


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--write"):
        sys.exit(__doc__)
    results = argv[1]
    module = os.path.dirname(os.path.abspath(__file__))
    text = render(results, module)
    if len(argv) == 4:
        write(argv[3], text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv)
