#!/bin/bash
# Instructions per MB of TS through the remuxer vs `ffmpeg -c copy -f mpegts`, counted with
# callgrind on the same 720p test stream (made here with Debian's ffmpeg).
#   tests/tools/bench_ts.sh [seconds=30]   -> prints one line per program, exit 1 on failure
# For bench/: the remuxer runs through build/test/tools/tsremux -n (writes nothing).
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-30}
work=$(mktemp -d /tmp/bench_ts.XXXXXX)
trap 'rm -rf "$work"' EXIT
make -s build/test/tools/tsremux >/dev/null
ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=25 \
	-f lavfi -i sine=frequency=440:sample_rate=48000 -t "$secs" -c:v libx264 -preset ultrafast \
	-b:v 4M -g 50 -pix_fmt yuv420p -c:a aac -b:a 128k -f hls -hls_time 6 -hls_list_size 0 \
	-hls_segment_filename "$work/s%d.ts" "$work/s.m3u8"
ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=25 \
	-f lavfi -i sine=frequency=440:sample_rate=48000 -t "$secs" -c:v libx264 -preset ultrafast \
	-b:v 4M -g 50 -pix_fmt yuv420p -c:a aac -b:a 128k -f hls -hls_time 6 -hls_list_size 0 \
	-hls_segment_type fmp4 -hls_fmp4_init_filename f_init.mp4 \
	-hls_segment_filename "$work/f%d.m4s" "$work/f.m3u8"
segs=$(grep -v '^#' "$work/s.m3u8" | sed "s|^|$work/|")
fsegs=$(grep -v '^#' "$work/f.m3u8" | sed "s|^|$work/|")
fbytes=$(cat $fsegs | wc -c)
cat $segs >"$work/all.ts"
bytes=$(stat -c %s "$work/all.ts")
count() { # prints the Ir total of a command run under callgrind
	valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
ours=$(count build/test/tools/tsremux -n -q $segs)
base=$(count build/test/tools/tsremux -n -q)
fm=$(count build/test/tools/tsremux -n -q -i "$work/f_init.mp4" $fsegs)
ff=$(count ffmpeg -v error -i "$work/all.ts" -c copy -f mpegts -y /dev/null)
awk -v b="$bytes" -v o="$ours" -v z="$base" -v f="$ff" -v fb="$fbytes" -v fm="$fm" 'BEGIN {
	mb = b / 1048576
	printf "input: %.1f MB of 720p TS (%d bytes)\n", mb, b
	printf "tsremux: %.2f M instructions/MB (%d total, %d startup excluded)\n", (o - z) / mb / 1e6, o, z
	printf "ffmpeg -c copy -f mpegts: %.2f M instructions/MB (%d total)\n", f / mb / 1e6, f
	printf "tsremux fMP4 -> TS: %.2f M instructions/MB of fMP4 (%d total)\n", (fm - z) / (fb / 1048576) / 1e6, fm
	exit ((o - z) / mb > 1e6)
}'
