#!/usr/bin/env bash
# A bounded load run of the HTTP service example (examples/service), on
# 127.0.0.1 only: simulate a cohort, start the service on a free port, post
# the cohort (timed), then read live outcomes with GET /participants/{id} at
# random ids, either with wrk (Debian's `wrk`: 4 connections, 2 threads, for
# DURATION seconds) or, without wrk, with 4 Python clients making REQUESTS
# requests in all.  Prints requests per second and stops the service itself.
#
# With FSYNC (always, interval or never) the service keeps its state in a
# directory under the scratch one (--state, --fsync FSYNC): every POST is
# answered only once its records are in the log.  With AUTH=1 the service
# runs with --auth (a platform token made by `yanxiu token`, no rate limit):
# every request carries the token and every event line is checked against
# its writer's rights and stamped with its name.
#
#   bench/service_load.sh [BUILD_DIR] [PARTICIPANTS] [DURATION_SECONDS] [REQUESTS] [FSYNC]
#   defaults:              build-service  20000          10                 20000      (in memory)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-service}
participants=${2:-20000}
duration=${3:-10}
requests=${4:-20000}
fsync=${5:-}
service="$build/examples/service/yanxiu_service"
cli="$build/yanxiu"
python=.venv/bin/python
[ -x "$python" ] || python=/usr/bin/python3
for f in "$service" "$cli"; do
  [ -x "$f" ] || { echo "service_load: $f is missing; build with: cmake -S . -B $build && cmake --build $build --target yanxiu_service yanxiu_cli" >&2; exit 2; }
done

work=$(mktemp -d -p "${SCRATCH:-/tmp}")  # on the disk the state would live on (not a tmpfs)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$cli" simulate --participants "$participants" --seed 1 --out "$work" >/dev/null
state=()
[ -n "$fsync" ] && state=(--state "$work/state" --fsync "$fsync")
auth=() header=() token=
if [ "${AUTH:-0}" = 1 ]; then
  token=$("$cli" token --name bench --role platform --auth "$work/tokens.jsonl" 2>/dev/null)
  auth=(--auth "$work/tokens.jsonl" --rate 0)
  header=(-H "Authorization: Bearer $token")
fi
export BENCH_TOKEN=$token
"$service" --port 0 "${state[@]}" "${auth[@]}" >"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 100); do grep -q '^listening on' "$work/stdout" 2>/dev/null && break; sleep 0.1; done
address=$(sed -n 's/^listening on \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$work/stdout")
[ -n "$address" ] || { echo "service_load: the service did not start" >&2; cat "$work/stderr" >&2; exit 1; }
base="http://$address"

post() {  # post PATH FILE -> prints seconds taken; the summary goes to $work/summary
  local start end
  start=$(date +%s.%N)
  curl -sS --max-time 600 -X POST -H 'Content-Type: application/x-ndjson' "${header[@]}" --data-binary @"$2" "$base$1" >"$work/summary"
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.2f", $2 - $1}'
}
events=$(wc -l <"$work/events.jsonl")
t_participants=$(post /participants "$work/participants.jsonl")
t_events=$(post /events "$work/events.jsonl")
if [ -n "$fsync" ]; then echo "state: durable in a state directory, fsync $fsync"; else echo "state: in memory"; fi
if [ -n "$token" ]; then echo "auth: --auth, a platform token on every request"; fi
echo "posted $participants participants in ${t_participants} s and $events event lines in ${t_events} s" \
     "($(awk -v n="$events" -v t="$t_events" 'BEGIN{printf "%.0f", n / t}') events/s): $(cat "$work/summary" | head -c 200)"

# Ids of accepted participants (plain ones, so they need no URL escaping).
grep -o '"id":"[A-Za-z0-9_.-]*"' "$work/participants.jsonl" | cut -d'"' -f4 | sort -u >"$work/ids"

if command -v wrk >/dev/null 2>&1; then
  {
    echo 'local ids = {}'
    echo "for line in io.lines('$work/ids') do ids[#ids + 1] = line end"
    echo 'math.randomseed(1)'
    echo "local headers = {}"
    if [ -n "$token" ]; then echo "headers['Authorization'] = 'Bearer $token'"; fi
    echo 'request = function() return wrk.format("GET", "/participants/" .. ids[math.random(#ids)], headers) end'
  } >"$work/ids.lua"
  echo "wrk -t2 -c4 -d${duration}s against $base/participants/{id} ($(wc -l <"$work/ids") ids):"
  timeout $((duration + 30)) wrk -t2 -c4 -d"${duration}s" --latency -s "$work/ids.lua" "$base" |
    grep -E 'Requests/sec|Latency|50%|99%|requests in|Non-2xx'
else
  "$python" - "$base" "$work/ids" "$requests" <<'PY'
import http.client, os, random, sys, threading, time, urllib.parse
base, ids_file, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
ids = open(ids_file).read().split()
host, port = urllib.parse.urlparse(base).hostname, urllib.parse.urlparse(base).port
clients, errors = 4, []
def client(n, seed):
    rng, conn = random.Random(seed), http.client.HTTPConnection(host, port, timeout=30)
    for _ in range(n):
        token = os.environ.get("BENCH_TOKEN")
        conn.request("GET", "/participants/" + rng.choice(ids),
                     headers={"Authorization": "Bearer " + token} if token else {})
        res = conn.getresponse(); res.read()
        if res.status != 200: errors.append(res.status)
        if res.getheader("Connection", "").lower() == "close":
            conn.close(); conn = http.client.HTTPConnection(host, port, timeout=30)
threads = [threading.Thread(target=client, args=(total // clients, i)) for i in range(clients)]
start = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.perf_counter() - start
print(f"{total} GET /participants/{{id}} with {clients} Python clients in {elapsed:.2f} s: "
      f"{total / elapsed:.0f} requests/s, {len(errors)} errors")
PY
fi

kill -TERM "$pid"
wait "$pid"
pid=
