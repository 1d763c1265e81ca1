#!/usr/bin/env python3
"""Recorder benchmark driver (run through bench/run.sh; see bench/README.md)."""
import argparse
import functools
import glob
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(TOP, "bench", "out")
BIN = os.path.join(TOP, "build", "host", "streamingserver")
TSREMUX = os.path.join(TOP, "build", "test", "tools", "tsremux")


def sh(*args, **kw):
    return subprocess.run(list(args), check=True, **kw)


def make_media(d, seconds, size):
    """A 720p H.264/AAC HLS VOD (2 s segments), cached in bench/out/media-<size>-<s>."""
    if os.path.exists(os.path.join(d, "index.m3u8")):
        return
    os.makedirs(d, exist_ok=True)
    sh("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
       "testsrc2=size=%s:rate=25" % size, "-f", "lavfi", "-i",
       "sine=frequency=440:sample_rate=48000", "-t", str(seconds), "-c:v", "libx264",
       "-preset", "veryfast", "-b:v", "3M", "-maxrate", "3M", "-bufsize", "6M",
       "-pix_fmt", "yuv420p", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
       "-c:a", "aac", "-b:a", "128k", "-f", "hls", "-hls_time", "2", "-hls_playlist_type",
       "vod", "-hls_segment_filename", os.path.join(d, "s%04d.ts"),
       os.path.join(d, "index.m3u8"))


class Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that stop early (probes, killed runs) are normal here


def serve(d):
    srv = QuietServer(("127.0.0.1", 0), functools.partial(Quiet, directory=d))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


def callgrind(name, cmd):
    """Total instructions (Ir) of cmd and all its threads under callgrind."""
    out = os.path.join(OUT, "callgrind.%s" % name)
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd,
                       capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        raise SystemExit("callgrind %s failed (rc %d):\n%s" % (name, p.returncode,
                                                               p.stderr[-3000:]))
    return int(m.group(1))


def peak_rss_kib(cmd):
    """Runs cmd under /usr/bin/time; returns (its max RSS in KiB, seconds)."""
    t = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (cmd, p.stderr[-2000:]))
    return int(p.stderr.strip().splitlines()[-1]), time.monotonic() - t


def time_to_start(url, out, buffering):
    """Seconds from exec to the first "start" line of --record."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    t = time.monotonic()
    p = subprocess.Popen([BIN, "--record", url, "-o", out, "--buffering", str(buffering)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    took = None
    for line in p.stdout:
        if line.startswith('["start"'):
            took = time.monotonic() - t
            break
    p.kill()
    p.wait()
    return took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60, help="length of the test media")
    ap.add_argument("--size", default="1280x720")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    media = os.path.join(OUT, "media-%s-%d" % (args.size, args.seconds))
    make_media(media, args.seconds, args.size)
    segs = sorted(glob.glob(os.path.join(media, "s*.ts")))
    mib = sum(os.path.getsize(s) for s in segs) / 1048576.0
    srv, base = serve(media)
    url = base + "/index.m3u8"
    rec = os.path.join(OUT, "rec")
    lines = []

    def report(s):
        print(s)
        lines.append(s)

    report("input: %d segments, %.1f MiB of TS, %s, %d s (%s)" %
           (len(segs), mib, args.size, args.seconds, media))
    # 1. instructions per MiB
    ours_remux = None
    if os.access(TSREMUX, os.X_OK):
        ours_remux = callgrind("tsremux", [TSREMUX, "-n", "-q"] + segs) / mib
    shutil.rmtree(rec, ignore_errors=True)
    os.makedirs(rec)
    ours_all = callgrind("record", [BIN, "--record", url, "-o", rec, "--buffering", "5"]) / mib
    out_mib = os.path.getsize(os.path.join(rec, "stream_0.ts")) / 1048576.0
    ff_out = os.path.join(OUT, "ffmpeg.ts")
    ff = callgrind("ffmpeg", ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", url, "-c", "copy",
                              "-f", "mpegts", ff_out]) / mib
    if ours_remux is not None:
        report("instructions/MiB, remux only (tsremux -n):        %12.0f" % ours_remux)
    report("instructions/MiB, whole --record (HTTP+remux+disk): %12.0f" % ours_all)
    report("instructions/MiB, ffmpeg -c copy -f mpegts (HTTP):  %12.0f" % ff)
    report("ratio ffmpeg / ours (whole pipeline):               %12.1f" % (ff / ours_all))
    report("output: ours %.1f MiB, ffmpeg %.1f MiB" % (out_mib, os.path.getsize(ff_out) / 1048576.0))
    # 2. peak RSS of a 720p recording (static musl build, no TLS in use)
    shutil.rmtree(rec, ignore_errors=True)
    os.makedirs(rec)
    rss, secs = peak_rss_kib([BIN, "--record", url, "-o", rec, "--buffering", "5"])
    report("peak RSS of a %s recording: %d KiB (%.1f s, %s)" % (args.size, rss, secs,
                                                               os.path.basename(BIN)))
    # 3. exec -> first "start" with a 5-segment buffer on loopback
    t = [time_to_start(url, rec, 5) for _ in range(5)]
    t = sorted(x for x in t if x is not None)
    if t:
        report("exec -> start broadcast, 5-segment buffer, loopback: median %.1f ms "
               "(min %.1f, max %.1f, %d runs)" % (t[len(t) // 2] * 1000, t[0] * 1000,
                                                  t[-1] * 1000, len(t)))
    srv.shutdown()
    with open(os.path.join(OUT, "report.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(OUT, "report.json"), "w") as f:
        json.dump({"lines": lines}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
