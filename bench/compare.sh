#!/usr/bin/env bash
# compare.sh: raftplay against hashicorp/raft v1.8.0 (raft-boltdb/v2, fsync
# on), the same workload (3 nodes in one process, TCP on 127.0.0.1, N
# closed-loop clients each putting a value to its own key, 128-byte values,
# warm-up then measured window), run interleaved so that both see the same
# machine, R rounds at each client count. Prints every JSON line as it comes
# and then a table of medians with the ratio raftplay / hashicorp.
#
#   bench/compare.sh [-r ROUNDS] [-c CLIENTS,...] [-d DURATION] [-w WARMUP] [-p PAYLOAD]
#
# Defaults: 3 rounds, clients 1,16,64, 10s measured after 2s of warm-up,
# 128 bytes. Run it on a quiet machine: other work skews both sides.
set -euo pipefail

rounds=3 clients=1,16,64 duration=10s warmup=2s payload=128
while getopts "r:c:d:w:p:h" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	c) clients=$OPTARG ;;
	d) duration=$OPTARG ;;
	w) warmup=$OPTARG ;;
	p) payload=$OPTARG ;;
	*) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/raftplay-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "building raftplay and bench/hashicorp..." >&2
(cd "$root" && go build -o "$work/raftplay" .)
(cd "$root/bench/hashicorp" && go build -o "$work/hashicorp" .)

lines="$work/lines.jsonl"
: >"$lines"
IFS=, read -r -a counts <<<"$clients"
for ((r = 1; r <= rounds; r++)); do
	for n in "${counts[@]}"; do
		# Alternate which goes first, so neither always runs on a warmer machine.
		if ((r % 2)); then order="raftplay hashicorp"; else order="hashicorp raftplay"; fi
		for impl in $order; do
			case $impl in
			raftplay) cmd=("$work/raftplay" bench --quiet --clients "$n" --payload "$payload" --duration "$duration" --warmup "$warmup") ;;
			hashicorp) cmd=("$work/hashicorp" --clients "$n" --payload "$payload" --duration "$duration" --warmup "$warmup") ;;
			esac
			echo "round $r/$rounds, $n clients: $impl" >&2
			if ! line=$("${cmd[@]}" 2>"$work/stderr"); then
				echo "compare: $impl with $n clients failed:" >&2
				cat "$work/stderr" >&2
				exit 1
			fi
			echo "$line" | tee -a "$lines"
		done
	done
done

# field LINE NAME: the value of a number field of a flat JSON line.
field() { sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" <<<"$1"; }

# median of the numbers on standard input.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-" } else if (NR % 2) { print v[(NR + 1) / 2] } else { print (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'; }

# stat IMPL CLIENTS FIELD: the median of FIELD over that side's rounds.
stat() {
	grep "\"impl\":\"$1\"" "$lines" | grep "\"clients\":$2," | while read -r l; do field "$l" "$3"; done | median
}

echo
printf "%-8s | %-28s | %-28s | %s\n" clients "raftplay writes/s (p50/p99 ms)" "hashicorp writes/s (p50/p99 ms)" "raftplay/hashicorp"
printf -- "---------+------------------------------+------------------------------+-------------------\n"
for n in "${counts[@]}"; do
	a=$(stat raftplay "$n" ops_per_sec) b=$(stat hashicorp/raft "$n" ops_per_sec)
	ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
	printf "%-8s | %-28s | %-28s | %s\n" "$n" \
		"$(printf "%.0f (%s/%s)" "$a" "$(stat raftplay "$n" p50_ms)" "$(stat raftplay "$n" p99_ms)")" \
		"$(printf "%.0f (%s/%s)" "$b" "$(stat hashicorp/raft "$n" p50_ms)" "$(stat hashicorp/raft "$n" p99_ms)")" \
		"$ratio"
done
echo "(medians of $rounds rounds; $duration measured after $warmup of warm-up; $payload-byte values)"
