#!/bin/bash
# Regenerates the seed corpora of tests/fuzz/fuzz_ts.c and fuzz_mp4.c with Debian's ffmpeg:
# tiny (64x64, 0.4 s) HLS streams in TS and fMP4 (H.264 + AAC, HEVC), wrapped in each
# harness's input format. Seeds stay well under 50 KB.
set -eu
cd "$(dirname "$0")/../.."
w=$(mktemp -d /tmp/ts_seeds.XXXXXX)
trap 'rm -rf "$w"' EXIT
src=(-f lavfi -i testsrc2=size=64x64:rate=25 -f lavfi -i sine=sample_rate=48000 -t 0.4)
ffmpeg -v error -y "${src[@]}" -c:v libx264 -preset ultrafast -g 5 -c:a aac -b:a 32k \
	-f hls -hls_time 0.2 -hls_list_size 0 -hls_segment_filename "$w/t%d.ts" "$w/t.m3u8"
ffmpeg -v error -y "${src[@]}" -c:v libx265 -x265-params log-level=error -preset ultrafast \
	-tag:v hvc1 -c:a ac3 -f hls -hls_time 0.4 -hls_list_size 0 \
	-hls_segment_filename "$w/e%d.ts" "$w/e.m3u8"
ffmpeg -v error -y "${src[@]}" -c:v libx264 -preset ultrafast -g 5 -bf 1 -c:a aac -b:a 32k \
	-f hls -hls_time 0.2 -hls_list_size 0 -hls_segment_type fmp4 \
	-hls_fmp4_init_filename m_init.mp4 -hls_segment_filename "$w/m%d.m4s" "$w/m.m3u8"
ffmpeg -v error -y "${src[@]}" -an -c:v libx265 -x265-params log-level=error -preset ultrafast \
	-tag:v hvc1 -f hls -hls_time 0.4 -hls_list_size 0 -hls_segment_type fmp4 \
	-hls_fmp4_init_filename h_init.mp4 -hls_segment_filename "$w/h%d.m4s" "$w/h.m3u8"
mkdir -p tests/fuzz/corpus/fuzz_ts tests/fuzz/corpus/fuzz_mp4
/usr/bin/python3 - "$w" <<'PY'
import os, sys
w = sys.argv[1]
rd = lambda n: open(os.path.join(w, n), "rb").read()
def ts_seed(name, flags, segs):
    a = len(segs[0]) // 16
    b = len(segs[1]) // 16 if len(segs) > 1 else 0
    data = bytes([flags, 0x33, a >> 8, a & 255, b >> 8, b & 255]) + b"".join(segs)
    open("tests/fuzz/corpus/fuzz_ts/" + name, "wb").write(data)
def mp4_seed(name, init, frag):
    data = bytes([len(init) >> 8, len(init) & 255, 0x05]) + init + frag
    open("tests/fuzz/corpus/fuzz_mp4/" + name, "wb").write(data)
ts_seed("h264_aac_disc", 0x02, [rd("t0.ts"), rd("t1.ts")])
ts_seed("hevc_ac3", 0x00, [rd("e0.ts")])
mp4_seed("h264_aac", rd("m_init.mp4"), rd("m0.m4s"))
mp4_seed("hevc", rd("h_init.mp4"), rd("h0.m4s"))
PY
ls -l tests/fuzz/corpus/fuzz_ts tests/fuzz/corpus/fuzz_mp4
