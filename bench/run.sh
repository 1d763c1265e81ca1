#!/bin/bash
# `make bench`: recorder benchmark (not a test). Builds what it needs, makes a 720p HLS VOD
# with ffmpeg, then reports in one run: instructions per MiB (callgrind) of our remux and
# whole --record pipeline vs `ffmpeg -i ... -c copy -f mpegts`, peak RSS of a 720p
# recording, and the time from exec to the first "start" with a 5-segment buffer.
# Output: bench/out/report.txt (and the raw callgrind files). See bench/README.md.
set -eu
cd "$(dirname "$0")/.."
J=$(nproc 2>/dev/null || echo 2)
for tool in valgrind ffmpeg ffprobe python3 /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install $tool)"; exit 1; }
done
make -s -j"$J" BOARD=host all >/dev/null
# The remux-only driver belongs to core/ts; it is optional here.
make -s -j"$J" build/test/tools/tsremux >/dev/null 2>&1 || true
exec python3 bench/bench.py "$@"
