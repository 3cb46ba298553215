#!/usr/bin/env bash
# Sites at scale: for 3, 100 and 1,000 sites (each view holding every other site's
# zone), the time `sitedns check` takes, the time to start serving, the RSS once
# serving, and queries per second from dnsperf (one worker pinned to CPU 0, dnsperf on
# CPU 1), as medians of RUNS runs. Figures only.
#   bench/sites.sh SITEDNS_BIN [RUNS] [SECONDS] [SITES...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:?usage: bench/sites.sh SITEDNS_BIN [RUNS] [SECONDS] [SITES...]}")
runs=${2:-3}
seconds=${3:-5}
shift $(( $# >= 3 ? 3 : $# ))
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(3 100 1000)
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

printf '%-6s %10s %10s %9s %10s\n' sites check_ms start_ms rss_mib qps
for n in "${counts[@]}"; do
    python3 "$here/gen_sites.py" "$n" "$work/$n" --port 0
    for run in $(seq "$runs"); do
        t0=$(date +%s%N)
        "$bin" check --config "$work/$n/sites.json" >/dev/null
        check_ms=$(ms_since "$t0")
        rm -f "$work/port"
        t0=$(date +%s%N)
        SITEDNS_PORT_FILE=$work/port taskset -c 0 "$bin" --config "$work/$n/sites.json" \
            --log-level warn & server=$!
        for _ in $(seq 600); do [ -s "$work/port" ] && break; sleep 0.05; done
        start_ms=$(ms_since "$t0")
        port=$(cat "$work/port")
        rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server/status")
        qps=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$work/$n/queries.txt" -l "$seconds" \
                  -c 4 -q 50 2>/dev/null | awk '/Queries per second/ {printf "%.0f", $4}')
        kill "$server"; wait "$server" 2>/dev/null || true; server=""
        echo "$n $check_ms $start_ms $rss $qps" >>"$work/results"
    done
done
python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    n, *figures = line.split()
    rows.setdefault(int(n), []).append([float(x) for x in figures])
for n, runs in sorted(rows.items()):
    med = [statistics.median(col) for col in zip(*runs)]
    print(f"{n:<6} {med[0]:>10.0f} {med[1]:>10.0f} {med[2]:>9.0f} {med[3]:>10.0f}")
PY
