#!/usr/bin/env bash
# Runs the peer benchmarks (relay-policy against the libraries users would pick instead), keeps JMH's JSON in
# relay-policy-benchmarks/results/ and writes the tables into BENCHMARKS.md between <!-- peers:begin --> and
# <!-- peers:end -->. Run from anywhere; it works in the repository that holds it.
#
#   relay-policy-benchmarks/run-peers.sh quick      # a few minutes: 1 fork, 1 x 1 s warm-up, 1 x 1 s measured
#   relay-policy-benchmarks/run-peers.sh standard   # about 15 minutes: 1 fork, 3 x 1 s warm-up, 5 x 1 s measured
#   relay-policy-benchmarks/run-peers.sh full       # about 45 minutes: 2 forks, 3 x 2 s warm-up, 5 x 2 s measured
#
# quick measures the address text input only; standard and full add the parsed-InetAddress input at N = 1,024.
# Every JMH run holds /tmp/relay-bench.lock (flock), so benchmarks started by others wait instead of sharing the
# cores. The DNS benchmarks start the Debian rbldnsd on 127.0.0.1 (apt-get install -y rbldnsd). Environment:
#   PEERS_SKIP_BUILD=1   use the benchmarks.jar that is there
#   PEERS_NO_WRITE=1     print the tables instead of writing them into BENCHMARKS.md
set -euo pipefail

profile="${1:-quick}"
case "$profile" in
  quick)    jmh=(-f 1 -wi 1 -w 1s -i 1 -r 1s) ;;
  standard) jmh=(-f 1 -wi 3 -w 1s -i 5 -r 1s) ;;
  full)     jmh=(-f 2 -wi 3 -w 2s -i 5 -r 2s) ;;
  *) echo "usage: $0 quick|standard|full" >&2; exit 2 ;;
esac

module="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$module")"
results="$module/results"
jar="$module/target/benchmarks.jar"
cd "$root"

if [[ "${PEERS_SKIP_BUILD:-}" != 1 ]]; then
  mvn -B -ntp -q -pl relay-policy-benchmarks -am package -DskipTests
fi
mkdir -p "$results"
rm -f "$results"/peers-*.json "$results"/peers-*.txt "$results/peers-checks.jsonl"

{
  echo "profile: $profile"
  echo "command: relay-policy-benchmarks/run-peers.sh $profile"
  echo "jmh options: ${jmh[*]} -prof gc"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores: $(nproc)"
  echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
} > "$results/peers-machine.txt"

# run NAME REGEX [JMH ARGS...]: one JMH invocation, its JSON in peers-NAME.json, its console in peers-NAME.txt
run() {
  local name="$1" regex="$2"
  shift 2
  echo "== $name: $regex $*" >&2
  flock /tmp/relay-bench.lock java -jar "$jar" "$regex" "${jmh[@]}" -prof gc "$@" \
    -jvmArgsAppend "-Dpeers.checks=$results/peers-checks.jsonl" \
    -rf json -rff "$results/peers-$name.json" > "$results/peers-$name.txt" 2>&1 \
    || { echo "JMH failed for $name; see $results/peers-$name.txt" >&2; tail -30 "$results/peers-$name.txt" >&2; exit 1; }
}

run network 'NetworkPeersBenchmark|SubnetUtilsBenchmark' -p input=text
if [[ "$profile" != quick ]]; then
  run network-inet 'NetworkPeersBenchmark' -p input=inet -p set=ipv4_1024,ipv6_1024
  run subnet-inet 'SubnetUtilsBenchmark' -p input=inet -p set=ipv4_1024
fi
run domain 'DomainPeersBenchmark'
run path 'PathPeersBenchmark'
run dns 'DnsPeersBenchmark'
run decision 'DecisionPeersBenchmark'

if [[ "${PEERS_NO_WRITE:-}" == 1 ]]; then
  python3 "$module/peers-table.py" "$results"
else
  python3 "$module/peers-table.py" "$results" --write "$root/BENCHMARKS.md"
  echo "tables written into BENCHMARKS.md" >&2
fi
