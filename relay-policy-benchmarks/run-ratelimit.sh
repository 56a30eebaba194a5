#!/usr/bin/env bash
# Runs the rate-limit benchmarks of issue 11 and keeps their JSON in relay-policy-benchmarks/results/:
#   RateLimitBenchmark         decide() with two local recipient limits (user + client) against none  -> ratelimit-decide.json
#   RateLimitCounterBenchmark  one count for a known identity: Counters against Bucket4j + map, 1 and 2 threads
#                                                                                                      -> ratelimit-counter.json
#   RateLimitAdmitBenchmark    a million new identities: Counters against Bucket4j + map             -> ratelimit-admit.json
#   RateLimitMemory            heap per tracked identity, measured (a main class, not JMH)          -> ratelimit-memory.json
# Each JMH run's console output is kept beside its JSON (.txt). Run from anywhere; it works in the repository that
# holds it. Let the machine be idle: no builds, no other benchmarks.
#
#   relay-policy-benchmarks/run-ratelimit.sh smoke      # about 6 minutes: checks that everything runs; figures are not
#                                                       # fit to publish (1 x 1 s warm-up is not enough for the JIT)
#   relay-policy-benchmarks/run-ratelimit.sh standard   # about 25 minutes: 1 fork, 3 x 2 s warm-up, 5 x 2 s measured
#   relay-policy-benchmarks/run-ratelimit.sh full       # about 50 minutes: 2 forks, 3 x 2 s warm-up, 5 x 2 s measured:
#                                                       # the figures for BENCHMARKS.md
#
# Every JMH run holds /tmp/relay-bench.lock (flock), so that benchmarks started by others wait instead of sharing
# the cores. Environment:
#   RATELIMIT_SKIP_BUILD=1        use the benchmarks.jar that is there
#   RATELIMIT_RESULTS=DIR         write the JSON and text there instead of relay-policy-benchmarks/results
#   RATELIMIT_ONLY="decide memory" run only these parts (decide, counter, admit, memory)
set -euo pipefail

profile="${1:-smoke}"
case "$profile" in
  smoke)    jmh=(-f 1 -wi 1 -w 1s -i 2 -r 1s); shots=(-f 1 -wi 1 -i 2) ;;
  standard) jmh=(-f 1 -wi 3 -w 2s -i 5 -r 2s); shots=(-f 1 -wi 5 -i 10) ;;
  full)     jmh=(-f 2 -wi 3 -w 2s -i 5 -r 2s); shots=(-f 2 -wi 5 -i 10) ;;
  *) echo "usage: $0 smoke|standard|full" >&2; exit 2 ;;
esac

module="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$module")"
results="${RATELIMIT_RESULTS:-$module/results}"
jar="$module/target/benchmarks.jar"
only="${RATELIMIT_ONLY:-decide counter admit memory}"
cd "$root"

if [[ "${RATELIMIT_SKIP_BUILD:-}" != 1 ]]; then
  mvn -B -ntp -q -pl relay-policy-benchmarks -am package -DskipTests
fi
mkdir -p "$results"

{
  echo "profile: $profile"
  echo "command: relay-policy-benchmarks/run-ratelimit.sh $profile"
  echo "parts: $only"
  echo "jmh options: ${jmh[*]} -prof gc (RateLimitAdmitBenchmark, single shots: ${shots[*]} -prof gc)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores: $(nproc)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
} > "$results/ratelimit-machine.txt"

# run NAME REGEX [JMH ARGS...]: one JMH invocation, its JSON in ratelimit-NAME.json, its console in ratelimit-NAME.txt
run() {
  local name="$1" regex="$2"
  shift 2
  echo "== $name: $regex $*" >&2
  flock /tmp/relay-bench.lock java -jar "$jar" "$regex" "$@" -prof gc \
    -rf json -rff "$results/ratelimit-$name.json" > "$results/ratelimit-$name.txt" 2>&1 \
    || { echo "JMH failed for $name; see $results/ratelimit-$name.txt" >&2; tail -30 "$results/ratelimit-$name.txt" >&2; exit 1; }
}

for part in $only; do
  case "$part" in
    decide)  run decide 'RateLimitBenchmark' "${jmh[@]}" ;;
    counter) run counter 'RateLimitCounterBenchmark' "${jmh[@]}" ;;
    admit)   run admit 'RateLimitAdmitBenchmark' "${shots[@]}" ;;
    memory)
      echo "== memory: RateLimitMemory" >&2
      # The serial collector: its used heap after System.gc() is the live objects' bytes (G1 would round the
      # engine's one 8 MB array up to whole humongous regions). Each store is measured in a JVM of its own.
      flock /tmp/relay-bench.lock java -XX:+UseSerialGC -Xms3g -Xmx3g -cp "$jar" \
        io.github.relaypolicy.benchmarks.RateLimitMemory "$results/ratelimit-memory.json" \
        > "$results/ratelimit-memory.txt" 2>&1 \
        || { echo "RateLimitMemory failed; see $results/ratelimit-memory.txt" >&2; tail -30 "$results/ratelimit-memory.txt" >&2; exit 1; }
      ;;
    *) echo "unknown part '$part': decide, counter, admit or memory" >&2; exit 2 ;;
  esac
done

for f in decide counter admit; do
  if [[ " $only " == *" $f "* ]]; then
    python3 "$module/jmh-table.py" "$results/ratelimit-$f.json"
  fi
done
if [[ " $only " == *" memory "* ]]; then
  sed -n '/"results"/,/]/p' "$results/ratelimit-memory.json"
fi
