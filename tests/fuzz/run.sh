#!/bin/bash
# Runs every built libFuzzer harness for $1 seconds each, with its seed corpus in
# tests/fuzz/corpus/<name>/ (if any). Prints "fuzz <name> ok <execs>" or "fuzz <name> FAILED".
set -u
cd "$(dirname "$0")/../.."
secs=${1:-10}
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	work=build/fuzz/corpus/$name
	mkdir -p "$work"
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	log=build/fuzz/$name.log
	if "$f" -max_total_time="$secs" -rss_limit_mb=512 -max_len=65536 -timeout=10 \
		-artifact_prefix=build/fuzz/"$name"- "$work" $seeds >"$log" 2>&1; then
		execs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1)
		echo "fuzz $name ok ${execs:-0} runs in ${secs}s"
	else
		echo "fuzz $name FAILED (see $log)"
		grep -E 'ERROR|SUMMARY' "$log" | head -5
	fi
done
