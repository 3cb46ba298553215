#!/usr/bin/env bash
# End-to-end test of the one forwarded-answer cache per process (SPEC §5, issue 14). With
# four worker threads, each on its own SO_REUSEPORT socket, the kernel spreads clients
# over the threads by source port; what a client is told must not depend on the thread
# its packet reached:
#   A. after its upstream stops, a cached name is answered to 100 source ports;
#   B. 100 identical cold queries from 100 ports make one upstream query;
#   C. after expiry with the upstream stopped, 50 ports all get the stale answer;
#   D. load: parallel clients over many names, hits and misses at once (the TSan build
#      runs this test too, and any data race it reports fails `make test`).
# The premise, four threads answering, is the server's own count: sitedns_thread_answers_total
# shows one series per worker thread, and each of the four moves during A's 100 ports.
# Each case has its own fake upstream (fake_upstream.py) and view, chosen by the client's
# loopback address:
#   127.0.0.1  cached  upstream A (stopped once the name is cached)
#   127.0.0.2  merged  upstream B (answers 800 ms late: every query arrives meanwhile)
#   127.0.0.3  stale   upstream C (TTL 1, stopped once the name is cached)
#   127.0.0.4  load    upstream D
#
# Usage: forward_cache_test.sh PATH/TO/sitedns SOURCE_DIR
set -u

SITEDNS=${1:?usage: forward_cache_test.sh SITEDNS SOURCE_DIR}
. "$(dirname "$0")/lib.sh"

require_tools dig python3 curl

# An attempt outlives B's delay, so B is asked once; the deadline stays under 3 s.
ATTEMPT_MS=2000
DEADLINE_MS=2800
DELAY_MS=800
CLIENT_S=5  # the clients' wait: the deadline and some, so a SERVFAIL is seen as one

# spread SOURCE NAME COUNT ARGS...: COUNT queries for NAME, each from its own source port.
spread() {
    local source=$1 name=$2 count=$3; shift 3
    python3 "$FAKE_UPSTREAM" spread "$PORT" "$name" "$count" --source "$source" \
        --timeout "$CLIENT_S" "$@" 2>&1
}

# ---------------------------------------------------------------- upstreams and sitedns

start_fake A --rule "cached.cache.test answer addr=192.0.2.31 ttl=300" || die "fake upstream A"
PORT_A=$FAKE_PORT
start_fake B --rule "merged.cache.test delay $DELAY_MS addr=192.0.2.32" || die "fake upstream B"
PORT_B=$FAKE_PORT
start_fake C --rule "stale.cache.test answer addr=192.0.2.33 ttl=1" || die "fake upstream C"
PORT_C=$FAKE_PORT
start_fake D --default "answer addr=192.0.2.34 ttl=300" || die "fake upstream D"
PORT_D=$FAKE_PORT

cat >"$WORK/sitedns.json" <<JSON
{
  "listen": ["127.0.0.1:0"],
  "metrics_listen": "127.0.0.1:0",
  "threads": 4,
  "upstreams": [],
  "dnssec": { "validate": false },
  "forwarding": { "attempt_timeout_ms": $ATTEMPT_MS, "query_deadline_ms": $DEADLINE_MS,
                  "serve_stale_s": 3600 },
  "views": [
    { "name": "cached", "match_clients": ["127.0.0.1/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$PORT_A"] },
    { "name": "merged", "match_clients": ["127.0.0.2/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$PORT_B"] },
    { "name": "stale", "match_clients": ["127.0.0.3/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$PORT_C"] },
    { "name": "load", "match_clients": ["127.0.0.4/32"], "recursion": true,
      "upstreams": ["127.0.0.1:$PORT_D"] }
  ]
}
JSON
start_sitedns "$WORK/sitedns.json"
scrape "$WORK/threads-0" || die "scrape failed"
out=$(thread_answers "$WORK/threads-0")
check "sitedns has 4 worker threads ($(grep -c . <<<"$out") thread_answers series)" \
    test "$(grep -c . <<<"$out")" -eq 4

# ---------------------------------------------------------------- A. a cached name, every thread

out=$(ask_from 127.0.0.1 cached.cache.test A)
check "A: the name is fetched once and cached (192.0.2.31)" \
    has_rr "$out" cached.cache.test A 192.0.2.31
check "A: upstream A stopped" fake_down "$PORT_A"
scrape "$WORK/threads-before-a" || die "scrape failed"
out=$(spread 127.0.0.1 cached.cache.test 100 --address 192.0.2.31)
check "A: 100 source ports after the upstream stopped: all NOERROR 192.0.2.31 ($out)" \
    grep -q "^spread: 100 of 100 " <<<"$out"
check "A: and none of them went upstream (A saw $(seen A cached.cache.test) queries, 1 before it stopped)" \
    test "$(seen A cached.cache.test)" -eq 1
scrape "$WORK/threads-a" || die "scrape failed"
out=$(join <(thread_answers "$WORK/threads-before-a" | sort) <(thread_answers "$WORK/threads-a" | sort))
check "A: the 100 ports reached 4 threads, and each answered (thread, before, after: $(tr '\n' ';' <<<"$out"))" \
    threads_moved "$WORK/threads-before-a" "$WORK/threads-a" 4

# ---------------------------------------------------------------- B. one upstream query for all

out=$(spread 127.0.0.2 merged.cache.test 100 --address 192.0.2.32)
check "B: 100 identical cold queries from 100 ports: all NOERROR 192.0.2.32 ($out)" \
    grep -q "^spread: 100 of 100 " <<<"$out"
check "B: one upstream query for the whole process (B saw $(seen B merged.cache.test))" \
    test "$(seen B merged.cache.test)" -eq 1

# ---------------------------------------------------------------- C. serve-stale, every thread

out=$(ask_from 127.0.0.3 stale.cache.test A)
check "C: the name is cached with TTL 1" \
    bash -c 'grep -qE "^stale\.cache\.test\.\s+[01]\s+IN\s+A\s+192\.0\.2\.33$" <<<"$1"' _ "$out"
check "C: upstream C stopped" fake_down "$PORT_C"
# The wait is for the TTL to run out: one client asks until it gets the stale answer
# (RFC 8767 §4: TTL 30), each try bounded by the attempt timeout.
deadline=$((SECONDS + 15))
until grep -qE "^stale\.cache\.test\.\s+30\s+IN\s+A\s" <<<"$out" || [ $SECONDS -ge $deadline ]; do
    out=$(ask_from 127.0.0.3 stale.cache.test A)
done
check "C: once expired, the stale answer (TTL 30) to one client ($(rcode_of "$out"))" \
    grep -qE "^stale\.cache\.test\.\s+30\s+IN\s+A\s+192\.0\.2\.33$" <<<"$out"
out=$(spread 127.0.0.3 stale.cache.test 50 --address 192.0.2.33 --ttl 30 --ede 3)
check "C: 50 source ports: all the stale answer, TTL 30, EDE 3 ($out)" \
    grep -q "^spread: 50 of 50 " <<<"$out"

# ---------------------------------------------------------------- D. load on the shared cache

# Eight clients at once, two per name, 50 ports each: four names fetched while the same
# names are asked from every thread; then all of them again, from the cache.
load_round() {
    local round=$1 name client clients=()
    for client in 1 2 3 4 5 6 7 8; do
        name="n$(( client % 4 )).load.test"
        spread 127.0.0.4 "$name" 50 --address 192.0.2.34 >"$WORK/load-$round-$client.out" &
        clients+=("$!")
    done
    wait "${clients[@]}"
    cat "$WORK"/load-"$round"-*.out
}
out=$(load_round cold)
check "D: 8 parallel clients x 50 ports, 4 cold names: all answered ($(grep -vc '^spread: 50 of 50 ' <<<"$out") short)" \
    test "$(grep -c '^spread: 50 of 50 ' <<<"$out")" -eq 8
out=$(load_round warm)
check "D: and again from the cache: all answered ($(grep -vc '^spread: 50 of 50 ' <<<"$out") short)" \
    test "$(grep -c '^spread: 50 of 50 ' <<<"$out")" -eq 8
total=0
for n in 0 1 2 3; do total=$((total + $(seen D "n$n.load.test"))); done
check "D: each name went upstream once ($total upstream queries for 4 names)" test "$total" -eq 4

check "SIGTERM stops sitedns" stop_sitedns
finish "shared cache"
