#!/usr/bin/env bash
# What including yanxiu costs a consumer's compiler: the CPU time (user+sys)
# of `g++ -std=c++17 -fsyntax-only -I include` on a one-line file, the least
# of REPEATS runs (default 5), for <yanxiu/yanxiu.hpp> and each public
# header, against the baseline <date/tz.h> (which yanxiu builds on) measured
# in the same run.  A bare -I include, nothing generated, no other flags.
#
#   bench/parse_time.sh            # the umbrella and the baseline
#   bench/parse_time.sh all        # every public header too
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${REPEATS:-5}"
cxx="${CXX:-g++}"
[ -x /usr/bin/time ] || { echo "parse_time: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

measure() {  # HEADER: the least CPU seconds of $repeats parses
  printf '#include <%s>\n' "$1" >"$work/one.cpp"
  local best=""
  for _ in $(seq "$repeats"); do
    local t
    t=$({ /usr/bin/time -f "%U %S" "$cxx" -std=c++17 -fsyntax-only -I include "$work/one.cpp"; } 2>&1 | tail -1 |
        awk '{printf "%.2f", $1 + $2}')
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best="$t"; fi
  done
  echo "$best"
}

base=$(measure date/tz.h)
umbrella=$(measure yanxiu/yanxiu.hpp)
printf '%-34s %6s s\n' "<date/tz.h> (baseline)" "$base"
printf '%-34s %6s s  %.2fx the baseline (target: at most 2x)\n' "<yanxiu/yanxiu.hpp>" "$umbrella" \
  "$(awk -v a="$umbrella" -v b="$base" 'BEGIN { print a / b }')"
if [ "${1:-}" = all ]; then
  for header in $(cd include && find yanxiu -name '*.hpp' | sort); do
    t=$(measure "$header")
    printf '%-34s %6s s  %.2fx\n' "<$header>" "$t" "$(awk -v a="$t" -v b="$base" 'BEGIN { print a / b }')"
  done
fi
