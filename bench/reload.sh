#!/usr/bin/env bash
# Reload time: a zone of RECORDS A records (100,000 by default) is served, SIGHUP is
# sent RUNS times and the duration each reload logs ("reloaded in N ms") is read back.
# Prints the median and every run. A figure, never a verdict.
#   bench/reload.sh SITEDNS_BIN [RUNS] [RECORDS]
set -euo pipefail
bin=$(realpath "${1:?usage: bench/reload.sh SITEDNS_BIN [RUNS] [RECORDS]}")
runs=${2:-3}
records=${3:-100000}
work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

python3 - "$work/big.json" "$records" <<'PY'
import json, sys
path, count = sys.argv[1], int(sys.argv[2])
records = [{"name": "@", "type": "NS", "data": "ns.big.test."},
           {"name": "ns", "type": "A", "data": "192.0.2.53"}]
records += [{"name": f"h{i}", "type": "A", "data": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"}
            for i in range(count)]
soa = {"mname": "ns.big.test.", "rname": "hostmaster.big.test.", "serial": 1,
       "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 300}
json.dump({"origin": "big.test.", "ttl": 300, "soa": soa, "records": records}, open(path, "w"))
PY
cat >"$work/sitedns.json" <<'JSON'
{ "listen": ["127.0.0.1:0"], "threads": 1,
  "views": [ { "name": "all", "match_clients": ["any"], "zones": ["big.json"] } ] }
JSON

log=$work/sitedns.log
SITEDNS_PORT_FILE=$work/port "$bin" --config "$work/sitedns.json" >"$log" 2>&1 & server=$!
for _ in $(seq 1200); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "bench: sitedns did not start:" >&2; cat "$log" >&2; exit 1; }

times=()
for run in $(seq "$runs"); do
    kill -HUP "$server"
    for _ in $(seq 1200); do
        [ "$(grep -c 'reloaded in\|reload failed' "$log")" -ge "$run" ] && break
        sleep 0.05
    done
    line=$(grep -E 'reloaded in|reload failed' "$log" | sed -n "${run}p")
    ms=$(sed -nE 's/.*reloaded in ([0-9]+) ms.*/\1/p' <<<"$line")
    [ -n "$ms" ] || { echo "bench: reload $run failed: $line" >&2; exit 1; }
    times+=("$ms")
done
rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$server/status")
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
echo "reload of $records records: median ${median} ms over $runs runs (${times[*]} ms); RSS ${rss} MiB after"
