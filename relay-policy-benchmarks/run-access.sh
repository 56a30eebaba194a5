#!/usr/bin/env bash
# Runs the access-table benchmarks of issue 12 and keeps their JSON in relay-policy-benchmarks/results/:
#   AccessDecideBenchmark        decide() with cidr, HELO, sender and recipient tables of 1,000 and 100,000 entries
#                                against the same engine without tables (miss, rcpt_hit, worst_keys)
#                                                                                   -> access-decide.json
#   AccessTableBenchmark         one lookup in one 100,000-entry table (cidr, recipient, helo)
#                                                                                   -> access-lookup.json
#   AccessTableBenchmark.regexp  a pcre HELO table of 1, 10, 100, 1,000 patterns on a 26-character name
#                                                                                   -> access-regexp.json
#                                and of 1,000 patterns on a 1,000-character name (the issue's worst case)
#                                                                                   -> access-regexp-worst.json
# each with and without required literals (the module's prefilter). Each JMH run's console output is kept beside
# its JSON (.txt); the machine, commit, options and load average in access-machine.txt. Run from anywhere; it works
# in the repository that holds it. Let the machine be idle: no builds, no other benchmarks.
#
#   relay-policy-benchmarks/run-access.sh smoke      # about 5 minutes: checks that everything runs; figures are not
#                                                    # fit to publish (1 x 1 s warm-up is not enough for the JIT)
#   relay-policy-benchmarks/run-access.sh standard   # about 10 minutes: 1 fork, 3 x 2 s warm-up, 5 x 2 s measured:
#                                                    # the figures for BENCHMARKS.md
#   relay-policy-benchmarks/run-access.sh full       # about 20 minutes: 2 forks
#
# Every JMH run holds /tmp/relay-bench.lock (flock), so that benchmarks started by others wait instead of sharing
# the cores. Environment:
#   ACCESS_SKIP_BUILD=1          use the benchmarks.jar that is there
#   ACCESS_JAR=FILE              run this benchmarks.jar instead (e.g. one built from an earlier commit; implies
#                                ACCESS_SKIP_BUILD=1)
#   ACCESS_SUFFIX=-before        append this to the result names (access-decide-before.json, ...)
#   ACCESS_RESULTS=DIR           write the JSON and text there instead of relay-policy-benchmarks/results
#   ACCESS_ONLY="decide regexp"  run only these parts (decide, lookup, regexp, worst)
set -euo pipefail

profile="${1:-smoke}"
case "$profile" in
  smoke)    jmh=(-f 1 -wi 1 -w 1s -i 2 -r 1s) ;;
  standard) jmh=(-f 1 -wi 3 -w 2s -i 5 -r 2s) ;;
  full)     jmh=(-f 2 -wi 3 -w 2s -i 5 -r 2s) ;;
  *) echo "usage: $0 smoke|standard|full" >&2; exit 2 ;;
esac

module="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$module")"
results="${ACCESS_RESULTS:-$module/results}"
jar="${ACCESS_JAR:-$module/target/benchmarks.jar}"
suffix="${ACCESS_SUFFIX:-}"
only="${ACCESS_ONLY:-decide lookup regexp worst}"
cd "$root"

if [[ "${ACCESS_SKIP_BUILD:-}" != 1 && -z "${ACCESS_JAR:-}" ]]; then
  mvn -B -ntp -q -pl relay-policy-benchmarks -am package -DskipTests
fi
mkdir -p "$results"

{
  echo "profile: $profile"
  echo "command: ${ACCESS_JAR:+ACCESS_JAR=$ACCESS_JAR }${ACCESS_SUFFIX:+ACCESS_SUFFIX=$ACCESS_SUFFIX }relay-policy-benchmarks/run-access.sh $profile"
  echo "parts: $only"
  echo "jar: $jar"
  echo "jmh options: ${jmh[*]} -prof gc"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)${ACCESS_JAR:+ (of the working tree; the jar run is ACCESS_JAR)}"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores: $(nproc)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
} > "$results/access-machine$suffix.txt"

# run NAME REGEX [JMH ARGS...]: one JMH invocation, its JSON in access-NAME.json, its console in access-NAME.txt
run() {
  local name="$1$suffix" regex="$2"
  shift 2
  echo "== $name: $regex $*" >&2
  echo "load average before $name: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results/access-machine$suffix.txt"
  flock /tmp/relay-bench.lock java -jar "$jar" "$regex" "$@" -prof gc \
    -rf json -rff "$results/access-$name.json" > "$results/access-$name.txt" 2>&1 \
    || { echo "JMH failed for $name; see $results/access-$name.txt" >&2; tail -30 "$results/access-$name.txt" >&2; exit 1; }
  echo "load average after $name: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results/access-machine$suffix.txt"
}

for part in $only; do
  case "$part" in
    decide) run decide 'AccessDecideBenchmark' "${jmh[@]}" ;;
    lookup) run lookup 'AccessTableBenchmark\.(cidr|recipient|helo)$' "${jmh[@]}" ;;
    regexp) run regexp 'AccessTableBenchmark\.regexp$' -p length=26 "${jmh[@]}" ;;
    worst)  run regexp-worst 'AccessTableBenchmark\.regexp$' -p length=1000 -p patterns=1000 "${jmh[@]}" ;;
    *) echo "unknown part '$part': decide, lookup, regexp or worst" >&2; exit 2 ;;
  esac
done

for part in $only; do
  name="$part"
  [[ "$part" == worst ]] && name=regexp-worst
  python3 "$module/jmh-table.py" "$results/access-$name$suffix.json"
done
