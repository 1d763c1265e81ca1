"""Test media for the recorder, made at test time by Debian's ffmpeg and cached per session.

Fixtures (auto-loaded by conftest.py):
  media   (session)  MediaLib: media.ladder() -> dir with master.m3u8 (720p/480p/360p VOD),
                     media.vod(name, ...) -> dir with index.m3u8 + s000.ts...,
                     media.aes(...), media.byterange(), media.disc_pair(), media.res_change(),
                     media.wrap(), media.mp4(faststart=...), media.raw_ts()
  live_hls (function) factory: live_hls(httpd, pool_dir, seg=1.0, window=6) serves a live
                     playlist at /live/index.m3u8 that advances in real time over a pool of
                     segments (looping, with EXT-X-DISCONTINUITY at each loop).

Helpers for tests (import from fixtures_media):
  record(url, out, *args, timeout=) -> Rec(rc, events, stderr, elapsed)  runs --record
  start_record(url, out, *args) -> Popen                                   for stop tests
  probe(path) -> (duration, stderr)   ffprobe -v error
  tscheck(path) -> list of errors     tests/tscheck.py
  playlist(...)                       writes m3u8 text
"""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from sslib import TOP, daemon_cmd

sys.path.insert(0, os.path.join(TOP, "tests"))

FF_TIMEOUT = 180


def ff(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True,
                   timeout=FF_TIMEOUT)


def encode(out_ts, size="640x360", dur=6, rate=25, gop_s=1, tone=440, src="testsrc2",
           ts_offset=None):
    """One MPEG-TS file with H.264 (key frame every gop_s seconds) and AAC."""
    args = ["-f", "lavfi", "-i", "%s=size=%s:rate=%d" % (src, size, rate),
            "-f", "lavfi", "-i", "sine=frequency=%d:sample_rate=48000" % tone,
            "-t", str(dur), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-g", str(int(rate * gop_s)), "-keyint_min", str(int(rate * gop_s)),
            "-sc_threshold", "0", "-c:a", "aac", "-b:a", "64k", "-ac", "2"]
    if ts_offset is not None:
        args += ["-output_ts_offset", str(ts_offset)]
    ff(*args, "-f", "mpegts", out_ts)


def segment(src_ts, out_dir, seg=2, prefix="s"):
    """Cuts a TS into HLS segments without re-encoding; returns [(name, duration)]."""
    os.makedirs(out_dir, exist_ok=True)
    tmp = os.path.join(out_dir, "_cut.m3u8")
    ff("-copyts", "-i", src_ts, "-c", "copy", "-map", "0", "-f", "hls", "-hls_time", str(seg),
       "-hls_playlist_type", "vod", "-hls_segment_filename",
       os.path.join(out_dir, prefix + "%03d.ts"), tmp)
    segs = []
    dur = None
    with open(tmp) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#EXTINF:"):
                dur = float(line[8:].split(",")[0])
            elif line and not line.startswith("#"):
                segs.append((line, dur))
    os.unlink(tmp)
    return segs


def split_ts(src_ts, out_dir, seg=2, prefix="s"):
    """Cuts a TS at video key frames (random_access_indicator) about every seg seconds,
    keeping every timestamp as it is (ffmpeg's segmenters rebase them). Each piece starts
    with the source's PAT and PMT. Returns [(name, duration)]."""
    data = open(src_ts, "rb").read()
    pkts = [data[i:i + 188] for i in range(0, len(data) - 187, 188)]
    psi = [p for p in pkts[:20] if ((p[1] & 0x1F) << 8 | p[2]) in (0, 0x1000)][:2]

    def pes_pts(p):
        off = 4
        if p[3] & 0x20:
            off += 1 + p[4]
        if not (p[1] & 0x40) or p[off:off + 3] != b"\x00\x00\x01" or not p[off + 7] & 0x80:
            return None
        b = p[off + 9:off + 14]
        return ((b[0] >> 1) & 7) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1

    cuts, starts, last_cut = [], [], None
    for i, p in enumerate(pkts):
        pid = (p[1] & 0x1F) << 8 | p[2]
        if pid != 0x100:
            continue
        pts = pes_pts(p)
        if pts is None:
            continue
        key = bool(p[3] & 0x20) and p[4] > 0 and bool(p[5] & 0x40)
        if key and (last_cut is None or ((pts - last_cut) % (1 << 33)) >= seg * 90000 - 1000):
            cuts.append(i)
            starts.append(pts)
            last_cut = pts
    end_pts = max((x for x in (pes_pts(p) for p in pkts[-400:]) if x is not None),
                  key=lambda x: (x - starts[0]) % (1 << 33))
    os.makedirs(out_dir, exist_ok=True)
    out = []
    for k, c in enumerate(cuts):
        name = "%s%03d.ts" % (prefix, k)
        stop = cuts[k + 1] if k + 1 < len(cuts) else len(pkts)
        first = 0 if k == 0 else c
        with open(os.path.join(out_dir, name), "wb") as f:
            if k:
                f.write(b"".join(psi))
            f.write(b"".join(pkts[first:stop]))
        nxt = starts[k + 1] if k + 1 < len(cuts) else end_pts + 3600
        out.append((name, ((nxt - starts[k]) % (1 << 33)) / 90000.0))
    return out


def playlist(path, segs, target=None, seq=0, endlist=True, head=(), extra=None):
    """Writes a media playlist: segs = [(uri, duration)], extra = {index: [tag lines before]}."""
    target = target or max(1, int(max(d for _, d in segs) + 0.999))
    lines = ["#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-TARGETDURATION:%d" % target,
             "#EXT-X-MEDIA-SEQUENCE:%d" % seq] + list(head)
    for i, (uri, d) in enumerate(segs):
        lines += (extra or {}).get(i, [])
        lines += ["#EXTINF:%.3f," % d, uri]
    if endlist:
        lines.append("#EXT-X-ENDLIST")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def aes_encrypt(data, key, iv):
    """AES-128-CBC with PKCS#7 padding through the openssl command."""
    p = subprocess.run(["openssl", "enc", "-aes-128-cbc", "-K", key.hex(), "-iv", iv.hex()],
                       input=data, capture_output=True, check=True, timeout=30)
    return p.stdout


class MediaLib:
    """Builds each kind of test media once per session, in a temp directory."""

    def __init__(self, root):
        self.root = str(root)
        self.cache = {}

    def _dir(self, name):
        return os.path.join(self.root, name)

    def _once(self, name, build):
        if name not in self.cache:
            d = self._dir(name)
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            self.cache[name] = build(d)
        return self.cache[name]

    def vod(self, name="vod", size="640x360", dur=8, seg=2, tone=440, src="testsrc2",
            ts_offset=None):
        """dir with index.m3u8 and s000.ts...; returns (dir, [(uri, dur)])."""
        def build(d):
            src_ts = os.path.join(d, "src.ts")
            encode(src_ts, size=size, dur=dur, tone=tone, src=src, ts_offset=ts_offset,
                   gop_s=min(seg, 1))
            segs = split_ts(src_ts, d, seg) if ts_offset is not None else segment(src_ts, d, seg)
            os.unlink(src_ts)
            playlist(os.path.join(d, "index.m3u8"), segs)
            return d, segs
        return self._once(name, build)

    def ladder(self):
        """master.m3u8 with 720p, 480p and 360p variants (6 s each)."""
        def build(d):
            rungs = [("720", "1280x720", 2800000), ("480", "854x480", 1400000),
                     ("360", "640x360", 800000)]
            lines = ["#EXTM3U"]
            for name, size, bw in rungs:
                src_ts = os.path.join(d, name + ".ts")
                encode(src_ts, size=size, dur=6)
                segs = segment(src_ts, os.path.join(d, name), 2)
                os.unlink(src_ts)
                playlist(os.path.join(d, name, "index.m3u8"), segs)
                lines += ['#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,RESOLUTION=%s,'
                          'CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=25.000' % (bw, bw - 1000, size),
                          name + "/index.m3u8"]
            # A variant this board cannot decode, with the highest bandwidth: never chosen.
            lines += ['#EXT-X-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=1920x1080,'
                      'CODECS="vp09.00.40.08,opus"', "vp9/index.m3u8"]
            with open(os.path.join(d, "master.m3u8"), "w") as f:
                f.write("\n".join(lines) + "\n")
            return d
        return self._once("ladder", build)

    def aes(self, with_iv=True, rotate=False, seq=7):
        """AES-128 copy of vod(): index.m3u8 (+ keys); IV in the tag or from the sequence."""
        name = "aes-%s-%s" % ("iv" if with_iv else "seq", "rot" if rotate else "one")

        def build(d):
            src, segs = self.vod()
            keys = [bytes(range(16)), bytes(range(100, 116))]
            extra = {}
            out = []
            for i, (uri, dur) in enumerate(segs):
                k = 1 if rotate and i >= len(segs) // 2 else 0
                iv = bytes(range(16, 32)) if with_iv else (seq + i).to_bytes(16, "big")
                with open(os.path.join(src, uri), "rb") as f:
                    data = f.read()
                with open(os.path.join(d, uri), "wb") as f:
                    f.write(aes_encrypt(data, keys[k], iv))
                if i == 0 or (rotate and i == len(segs) // 2):
                    tag = '#EXT-X-KEY:METHOD=AES-128,URI="key%d.bin"' % k
                    if with_iv:
                        tag += ",IV=0x" + iv.hex()
                    extra[i] = [tag]
                out.append((uri, dur))
            for k, key in enumerate(keys):
                with open(os.path.join(d, "key%d.bin" % k), "wb") as f:
                    f.write(key)
            playlist(os.path.join(d, "index.m3u8"), out, seq=seq, extra=extra)
            return d
        return self._once(name, build)

    def byterange(self):
        """All segments of vod() in one file, addressed with EXT-X-BYTERANGE."""
        def build(d):
            src, segs = self.vod()
            off = 0
            lines = ["#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-TARGETDURATION:2",
                     "#EXT-X-MEDIA-SEQUENCE:0"]
            with open(os.path.join(d, "all.ts"), "wb") as out:
                for i, (uri, dur) in enumerate(segs):
                    with open(os.path.join(src, uri), "rb") as f:
                        data = f.read()
                    out.write(data)
                    lines += ["#EXTINF:%.3f," % dur,
                              "#EXT-X-BYTERANGE:%d%s" % (len(data), "@%d" % off if i == 0 else ""),
                              "all.ts"]
                    off += len(data)
            lines.append("#EXT-X-ENDLIST")
            with open(os.path.join(d, "index.m3u8"), "w") as f:
                f.write("\n".join(lines) + "\n")
            return d
        return self._once("byterange", build)

    def _join(self, d, parts, tag="#EXT-X-DISCONTINUITY"):
        """Playlist over several vod dirs, with tag between them; returns total duration."""
        segs, extra, total = [], {}, 0.0
        for j, (src, ss) in enumerate(parts):
            if j:
                extra[len(segs)] = [tag]
            for uri, dur in ss:
                dst = "p%d_%s" % (j, uri)
                shutil.copy(os.path.join(src, uri), os.path.join(d, dst))
                segs.append((dst, dur))
                total += dur
        playlist(os.path.join(d, "index.m3u8"), segs, extra=extra)
        return d, total

    def disc_pair(self):
        """Two different encodes of the same size joined by EXT-X-DISCONTINUITY."""
        return self._once("disc", lambda d: self._join(d, [
            self.vod(), self.vod("vod-b", src="smptebars", tone=880, dur=6)]))

    def res_change(self):
        """640x360 then 1280x720 after EXT-X-DISCONTINUITY: two sections."""
        return self._once("res", lambda d: self._join(d, [
            self.vod(), self.vod("vod-720", size="1280x720", dur=6)]))

    def wrap(self):
        """Timestamps starting 10 s before the 33-bit wrap (2^33 / 90 kHz = 95443.7 s)."""
        return self.vod("wrap", dur=20, ts_offset=95433.7 - 1.4)

    def garbage(self):
        """vod() with one segment of random bytes and one cut in the middle of a packet."""
        def build(d):
            src, segs = self.vod()
            for uri, _ in segs:
                shutil.copy(os.path.join(src, uri), os.path.join(d, uri))
            with open(os.path.join(d, segs[1][0]), "wb") as f:
                f.write(os.urandom(50000))
            path = os.path.join(d, segs[2][0])
            size = os.path.getsize(path)
            with open(path, "r+b") as f:
                f.truncate(size // 2 + 77)
            playlist(os.path.join(d, "index.m3u8"), segs)
            return d, segs
        return self._once("garbage", build)

    def fmp4(self, single_file=False):
        """An fMP4 HLS VOD (EXT-X-MAP init.mp4 + .m4s segments), 8 s in 2 s segments; with
        single_file, one file addressed by BYTERANGE (the init section too)."""
        def build(d):
            ff("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
               "sine=frequency=440:sample_rate=48000", "-t", "8", "-c:v", "libx264",
               "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
               "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "2",
               "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
               "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename",
               os.path.join(d, "all.m4s" if single_file else "f%03d.m4s"),
               *(["-hls_flags", "single_file"] if single_file else []),
               os.path.join(d, "index.m3u8"))
            return d
        return self._once("fmp4-single" if single_file else "fmp4", build)

    def mp4(self, faststart=True):
        """A progressive MP4 (10 s), moov first (faststart) or at the end."""
        def build(d):
            path = os.path.join(d, "movie.mp4")
            args = ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000", "-t", "10", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k"]
            if faststart:
                args += ["-movflags", "+faststart"]
            ff(*args, path)
            return path
        return self._once("mp4-%s" % ("fast" if faststart else "end"), build)

    def raw_ts(self):
        """One plain 8 s MPEG-TS file (served as an endless-looking HTTP body)."""
        def build(d):
            path = os.path.join(d, "raw.ts")
            encode(path, dur=8)
            return path
        return self._once("rawts", build)


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    return MediaLib(tmp_path_factory.mktemp("media"))


class LiveHls:
    """A live playlist over a looping pool of segments, advancing with the wall clock."""

    def __init__(self, httpd, pool, seg, window, start_seq=100):
        self.httpd = httpd
        self.pool = pool          # [(path, duration)]
        self.seg = seg
        self.window = window
        self.start_seq = start_seq
        self.t0 = time.monotonic()
        self.jump = 0             # added to the live edge (tests simulate falling behind)
        httpd.route("/live/index.m3u8", self.playlist)
        httpd.route("/live/*", self.segment)

    def edge(self):
        return self.start_seq + self.window + int((time.monotonic() - self.t0) / self.seg) + \
            self.jump

    def playlist(self, req):
        last = self.edge()
        first = last - self.window
        n = len(self.pool)
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:%d" % max(1, round(self.seg)),
                 "#EXT-X-MEDIA-SEQUENCE:%d" % first,
                 "#EXT-X-DISCONTINUITY-SEQUENCE:%d" % (first // n)]
        for s in range(first, last):
            if s % n == 0 and s != first:
                lines.append("#EXT-X-DISCONTINUITY")
            lines += ["#EXTINF:%.3f," % self.pool[s % n][1], "seg%d.ts" % s]
        from fixtures_http import Response
        return Response(200, ("\n".join(lines) + "\n").encode(),
                        content_type="application/vnd.apple.mpegurl")

    def segment(self, req):
        from fixtures_http import Response
        name = req.path.rsplit("/", 1)[-1]
        if not (name.startswith("seg") and name.endswith(".ts")):
            return Response(404)
        s = int(name[3:-3])
        if s >= self.edge() or s < self.edge() - self.window - 4:
            return Response(404)
        with open(self.pool[s % len(self.pool)][0], "rb") as f:
            return Response(200, f.read(), content_type="video/mp2t")


@pytest.fixture
def live_hls():
    def make(httpd, pool_dir, segs, seg=1.0, window=6):
        pool = [(os.path.join(pool_dir, uri), dur) for uri, dur in segs]
        return LiveHls(httpd, pool, seg, window)
    return make


# ---- running and checking ----------------------------------------------------------

class Rec:
    def __init__(self, rc, events, stderr, elapsed):
        self.rc = rc
        self.events = events
        self.stderr = stderr
        self.elapsed = elapsed

    def of(self, kind):
        return [e[1] for e in self.events if e[0] == kind]

    @property
    def stop(self):
        s = self.of("stop")
        return s[-1] if s else None

    @property
    def starts(self):
        return self.of("start")

    def __repr__(self):
        return "Rec(rc=%r, events=%r, stderr=%r)" % (self.rc, self.events, self.stderr[-2000:])


def record_cmd(url, out, *args):
    return daemon_cmd() + ["--record", url, "-o", str(out), *args]


def record(url, out, *args, timeout=90):
    t = time.monotonic()
    p = subprocess.run(record_cmd(url, out, *args), capture_output=True, text=True,
                       timeout=timeout)
    events = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    # Under the ASan/UBSan build a report is a failure whatever the exit code says.
    assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr[-4000:]
    return Rec(p.returncode, events, p.stderr, time.monotonic() - t)


def start_record(url, out, *args):
    return subprocess.Popen(record_cmd(url, out, *args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def probe(path):
    """(duration in s, ffprobe's error output) with -v error."""
    p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                        "csv=p=0", str(path)], capture_output=True, text=True, timeout=60)
    try:
        dur = float(p.stdout.strip())
    except ValueError:
        dur = -1.0
    return dur, p.stderr.strip()


def probe_video(path):
    p = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "stream=width,height", "-of", "csv=p=0", str(path)],
                       capture_output=True, text=True, timeout=60)
    first = [line for line in p.stdout.splitlines() if line.strip()][0]
    w, h = first.split(",")[:2]
    return int(w), int(h)


def tscheck(path):
    """Errors found by our TS checker (tests/tscheck.py)."""
    import tscheck as tc
    return list(tc.check(str(path)).errors)


def sections(out):
    """Sorted stream_<N>.ts paths in out."""
    names = [n for n in os.listdir(str(out)) if n.startswith("stream_") and n.endswith(".ts")]
    return [os.path.join(str(out), n) for n in sorted(names, key=lambda n: int(n[7:-3]))]
