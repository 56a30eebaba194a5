#!/usr/bin/env bash
# Runs the policy-service benchmark of issue 13 (PolicyServiceBenchmark) and keeps its raw results in
# relay-policy-benchmarks/results/:
#   relay-policy (the command's serve, relay-policy-cli/target/relay-policy.jar, in a JVM of its own), postfwd2 and
#   policyd-rate-limit (Debian), each started per trial
#   on a free port of 127.0.0.1 with the equivalent rules, asked over 1, 16 and 200 connections (JMH threads):
#     policy-service-thrpt-tN.json / .txt     requests per second (throughput mode)
#     policy-service-sample-tN.json / .txt    latency percentiles (sample mode, microseconds)
#     policy-service-answers.jsonl            every trial's answers by kind (accept, refuse, defer, other,
#                                             unexpected, reconnections), warm-up included
#     policy-service-machine.txt              machine, versions, commit, options, load average before and after
#                                             each run
# and prints the table for BENCHMARKS.md (policy-table.py). Run from anywhere; it works in the repository that
# holds it. Needs root's apt-get install -y postfwd policyd-rate-limit (their own daemons stopped: this starts its
# own instances) and lets the machine be idle: no builds, no other benchmarks.
#
#   relay-policy-benchmarks/run-policy-service.sh smoke      # about 5 minutes: checks that everything runs
#   relay-policy-benchmarks/run-policy-service.sh standard   # about 12 minutes: 1 fork, 2 x 5 s warm-up,
#                                                            # 3 x 5 s measured: the figures for BENCHMARKS.md
#
# Every JMH run holds /tmp/relay-bench.lock (flock), so that benchmarks started by others wait instead of sharing
# the cores. Environment:
#   POLICY_SKIP_BUILD=1                      use the benchmarks.jar and relay-policy.jar that are there
#   POLICY_TARGETS=postfwd,policyd-rate-limit  only these services (default: all three); floor is the method's
#                                            floor (PolicyFloorServer: answers at once, no policy)
#   POLICY_CONNECTIONS="1 16"                only these connection counts (default: 1 16 200)
#   POLICY_MODES=thrpt                       only this mode (thrpt, sample; default both)
#   POLICY_USER_LIMIT=5/1h                   another per-user limit (default 10000/1h, never reached in a trial)
#   POLICY_SUFFIX=-disk                      append this to the result names
#   POLICY_RESULTS=DIR                       write there instead of relay-policy-benchmarks/results
#   POLICY_JVM_ARGS="-Dpolicyd.db=/var/tmp"  more options for the JMH fork (e.g. policyd-rate-limit's sqlite3
#                                            database on disk; -Dpolicy.serverJvmArgs=... for relay-policy's JVM)
set -euo pipefail

profile="${1:-smoke}"
case "$profile" in
  smoke)    jmh=(-f 1 -wi 1 -w 2s -i 1 -r 2s) ;;
  standard) jmh=(-f 1 -wi 2 -w 5s -i 3 -r 5s) ;;
  *) echo "usage: $0 smoke|standard" >&2; exit 2 ;;
esac

module="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$module")"
results="${POLICY_RESULTS:-$module/results}"
jar="$module/target/benchmarks.jar"
cli="$root/relay-policy-cli/target/relay-policy.jar"
targets="${POLICY_TARGETS:-relay-policy,postfwd,policyd-rate-limit}"
connections="${POLICY_CONNECTIONS:-1 16 200}"
modes="${POLICY_MODES:-thrpt sample}"
suffix="${POLICY_SUFFIX:-}"
limit="${POLICY_USER_LIMIT:-10000/1h}"
extra="${POLICY_JVM_ARGS:-}"
cd "$root"

for binary in /usr/sbin/postfwd2 /usr/bin/policyd-rate-limit; do
  if [[ "$targets" == *"$(basename "$binary" | sed 's/2$//')"* && ! -x "$binary" ]]; then
    echo "$binary is missing: apt-get install -y postfwd policyd-rate-limit" >&2
    exit 1
  fi
done
if [[ "${POLICY_SKIP_BUILD:-}" != 1 ]]; then
  mvn -B -ntp -q -pl relay-policy-benchmarks,relay-policy-cli -am package -DskipTests
fi
mkdir -p "$results"
machine="$results/policy-service-machine$suffix.txt"
answers="$results/policy-service-answers$suffix.jsonl"
rm -f "$answers"

{
  echo "profile: $profile"
  echo "command: ${POLICY_TARGETS:+POLICY_TARGETS=$targets }${POLICY_CONNECTIONS:+POLICY_CONNECTIONS=\"$connections\" }${POLICY_MODES:+POLICY_MODES=\"$modes\" }${POLICY_USER_LIMIT:+POLICY_USER_LIMIT=$limit }${POLICY_JVM_ARGS:+POLICY_JVM_ARGS=\"$extra\" }relay-policy-benchmarks/run-policy-service.sh $profile"
  echo "targets: $targets"
  echo "connections: $connections"
  echo "per-user limit: $limit"
  echo "jmh options: ${jmh[*]} -t CONNECTIONS, -bm thrpt -tu s and -bm sample -tu us"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores: $(nproc)"
  echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "relay-policy serve: $cli ($(unzip -p "$cli" META-INF/MANIFEST.MF 2>/dev/null \
    | sed -n 's/^Implementation-Version: //p' | tr -d '\r' | head -1)), default JVM options"
  echo "netty: $(unzip -p "$cli" META-INF/io.netty.versions.properties 2>/dev/null \
    | sed -n 's/^netty-common.version=//p' | head -1)"
  echo "postfwd: $(/usr/sbin/postfwd2 --version 2>/dev/null | head -1)"
  echo "debian packages: $(dpkg-query -W -f '${Package} ${Version}, ' postfwd policyd-rate-limit \
    libnet-server-perl perl python3 libsqlite3-0 2>/dev/null | sed 's/, $//')"
} > "$machine"

for t in $connections; do
  for mode in $modes; do
    case "$mode" in
      thrpt)  unit=s ;;
      sample) unit=us ;;
      *) echo "unknown mode '$mode': thrpt or sample" >&2; exit 2 ;;
    esac
    name="policy-service-$mode-t$t$suffix"
    echo "== $name" >&2
    echo "load average before $name: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$machine"
    # shellcheck disable=SC2086
    flock /tmp/relay-bench.lock java -jar "$jar" 'PolicyServiceBenchmark' "${jmh[@]}" -t "$t" -bm "$mode" \
      -tu "$unit" -p target="$targets" -p userLimit="$limit" -jvmArgsAppend "-Dpolicy.answers=$answers -Dpolicy.relayPolicyJar=$cli $extra" \
      -rf json -rff "$results/$name.json" > "$results/$name.txt" 2>&1 \
      || { echo "JMH failed for $name; see $results/$name.txt" >&2; tail -30 "$results/$name.txt" >&2; exit 1; }
    echo "load average after $name: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$machine"
  done
done

python3 "$module/policy-table.py" "$results" "$suffix"
