#!/usr/bin/env bash
# Scenario "bigzone" of `make bench` (called by run.sh; environment in lib.sh): one RFC
# 1035 zone of BENCH_BIG_RECORDS A records (1,000,000) plus SOA, NS and the NS's address,
# served by sitedns and by NSD (one server process, pinned to CPU 0). Per run, side by
# side: the time from starting the server until `dig` gets the zone's last name's
# address (load s), and the memory of its processes once it answers (RSS summed, and
# PSS: NSD forks, and its children share the zone's pages with the parent).
#   run alone: BENCH_SCENARIOS=bigzone bench/run.sh SITEDNS_BIN
set -uo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
dir=$BENCH_WORK/bigzone
mkdir -p "$dir"
records=$BENCH_BIG_RECORDS
zone=big.test
sitedns_port=$(peer_port bigzone-sitedns)
nsd_port=$(peer_port bigzone-nsd)
server=""
cleanup() {
    stop_pid "$server"
    server=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

say "bigzone: writing a zone of $records records"
python3 - "$dir/$zone.zone" "$zone" "$records" <<'PY'
import sys
path, origin, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as f:
    f.write(f"$ORIGIN {origin}.\n$TTL 3600\n")
    f.write(f"@ IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 900 604800 300\n")
    f.write(f"@ IN NS ns.{origin}.\nns IN A 192.0.2.53\n")
    f.writelines(f"h{i} IN A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n" for i in range(count))
PY
last=h$((records - 1)).$zone
expect=$(python3 -c "i=$records-1; print(f'10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}')")

cat >"$dir/sitedns.json" <<JSON
{ "listen": ["127.0.0.1:$sitedns_port"], "threads": 1, "upstreams": [],
  "log": { "level": "warning" },
  "views": [ { "name": "all", "match_clients": ["any"], "zones": ["$dir/$zone.zone"] } ] }
JSON
"$SITEDNS_BIN" check --config "$dir/sitedns.json" >"$dir/check.log" 2>&1 ||
    { say "bigzone: sitedns check failed: $(tail -n2 "$dir/check.log" | tr '\n' ' ')"; note "1,000,000 records: sitedns check failed on the zone: $(tail -n1 "$dir/check.log")"; }

echo "$zone $dir/$zone.zone" >"$dir/zones.list"
nsd_conf "$dir/nsd" "$nsd_port" 1 "$dir/zones.list" || { note "$records records: NSD's configuration was refused"; exit 1; }

# one_run NAME PORT RUN CMD...: start, time until it answers, memory, stop.
one_run() {
    local name=$1 port=$2 run=$3 t0 ms ans="" rss pss procs
    shift 3
    t0=$(date +%s%N)
    taskset -c "$SRV_CPU" "$@" >"$dir/$name.log" 2>&1 &
    server=$!
    while [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 300 ]; do
        kill -0 "$server" 2>/dev/null || break
        ans=$(dig +norec +time=1 +tries=1 +short @127.0.0.1 -p "$port" "$last" A 2>/dev/null)
        [ "$ans" = "$expect" ] && break
        sleep 0.05
    done
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ "$ans" != "$expect" ]; then
        say "  bigzone run $run: $name did not answer (last answer '$ans'): $(tail -n2 "$dir/$name.log" | tr '\n' ' ')"
        record bigzone "$name" failed "$run" 1
        cleanup
        return 0
    fi
    sleep 1  # NSD's children and xfrd settle after the first answer
    read -r rss pss procs <<<"$(tree_mem "$server")"
    record bigzone "$name" load_s "$run" "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    record_mem bigzone "$name" "$run" "$rss" "$pss" "$procs"
    say "  bigzone run $run: $name answers after $ms ms; RSS $rss KiB, PSS $pss KiB over $procs process(es)"
    cleanup
}

for run in $(seq "$BENCH_RUNS"); do
    say "bigzone: run $run of $BENCH_RUNS"
    port_free "$sitedns_port" && one_run sitedns "$sitedns_port" "$run" "$SITEDNS_BIN" --config "$dir/sitedns.json"
    rm -f "$dir/nsd/zone.list" "$dir/nsd/xfrd.state"
    port_free "$nsd_port" && one_run nsd "$nsd_port" "$run" nsd -d -c "$dir/nsd/nsd.conf"
done
rm -f "$dir/$zone.zone"
exit 0
