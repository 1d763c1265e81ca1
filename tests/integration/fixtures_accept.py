"""Acceptance-test fixtures: the StreamingCockpit plugin as a wire client, and the loopback
upstreams and checks the black-box stories of test_accept_*.py share.

Fixtures (auto-loaded by conftest.py):
  acc       (function) Acc: .httpd, .upstream (fixtures_upstream.Upstream), .media (hls_media),
                       .rec_dir (tmp/movie, exists), .data_dir (tmp/STC), .live (LiveHls on
                       /acc/live.m3u8), .url(path); .daemon(config=, binary=, **kw) -> Daemon
                       with every provider pointed at the upstream, stopped at teardown, whose
                       output is checked for sanitizer reports; .plugin(d, **kw) -> Plugin
  mp4_file  (session)  progressive faststart MP4 made by ffmpeg from the HLS fixture media
  asan_bin  (session)  path of build/test-asan/streamingserver (skips when it is not built)

Helpers: Plugin (the client's exact messages), check_start(args, rec_dir, section, buffering),
ts_head_ok(bytes), probe(path), tscheck_errors(path), assert_ascii(obj), is_error(msg, id),
error_keys_ok(args), LOG_LINE (stream.log regex).
"""
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time

import pytest

from sslib import Client, Daemon, TOP, under_qemu

sys.path.insert(0, os.path.join(TOP, "tests"))
import tscheck  # noqa: E402

T = 60 if under_qemu() else 20
ERROR_KEYS = {"reason", "error_id", "msg", "message", "recorder_id"}
RIDS = {"hls_live", "hls_basic", "hls_m4s", "mp4"}
# HH:MM:SS.mmm STS SSS/GGG: <uri> - <event>   (SSS/GGG: %03d, or "---" for none)
LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d\d\d (STS|STC) (\d{3}|---)/(\d{3}|---): "
                      r"\S.* - \S+$")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ERROR: UndefinedBehaviorSanitizer")


def assert_ascii(obj):
    """The plugin's Python-2 sender fails on any non-ASCII character of an echoed value."""
    s = json.dumps(obj, ensure_ascii=False)
    bad = [ch for ch in s if ord(ch) > 127]
    assert not bad, "non-ASCII %r in %s" % ("".join(bad[:10]), s[:300])


def is_error(msg, error_id=None):
    """True when msg is ["stop", {reason: error, ...all PROTOCOL.md keys...}] (with error_id)."""
    if not (isinstance(msg, list) and len(msg) == 2 and msg[0] == "stop"):
        return False
    if not error_keys_ok(msg[1]):
        return False
    return error_id is None or msg[1]["error_id"] == error_id


def error_keys_ok(args):
    return args.get("reason") == "error" and ERROR_KEYS <= set(args) and \
        args["error_id"] in ("bad_request", "unknown_command", "unknown_provider", "failure",
                             "timeout", "forbidden", "not_found", "drm_protected",
                             "disk_full", "path_denied") and \
        isinstance(args["msg"], str) and args["msg"] and isinstance(args["message"], str) and \
        isinstance(args["recorder_id"], str) and args["recorder_id"]


def ts_packets(data):
    for off in range(0, len(data) - len(data) % 188, 188):
        yield data[off:off + 188]


def _pid(pkt):
    return ((pkt[1] & 0x1F) << 8) | pkt[2]


def ts_head_ok(data):
    """None when data starts with a PAT, then the PMT it names, before any other PID; else why."""
    if len(data) < 2 * 188:
        return "only %d bytes" % len(data)
    for k, pkt in enumerate(ts_packets(data[:188 * 64])):
        if pkt[0] != 0x47:
            return "no sync byte in packet %d" % k
    first = data[:188]
    if _pid(first) != 0 or not first[1] & 0x40:
        return "first packet is PID %d, not a PAT start" % _pid(first)
    ptr = 4 + (first[3] & 0x20 and 1 + first[4])
    sec = first[ptr + 1 + first[ptr]:]
    if sec[0] != 0:
        return "PAT table_id %d" % sec[0]
    pmt_pids = set()
    slen = ((sec[1] & 0x0F) << 8) | sec[2]
    for off in range(8, 3 + slen - 4, 4):
        prog = (sec[off] << 8) | sec[off + 1]
        if prog:
            pmt_pids.add(((sec[off + 2] & 0x1F) << 8) | sec[off + 3])
    if not pmt_pids:
        return "PAT names no PMT"
    for pkt in list(ts_packets(data[188:188 * 64])):
        pid = _pid(pkt)
        if pid in pmt_pids:
            return None
        if pid not in (0, 0x1FFF):
            return "PID %d comes before the PMT" % pid
    return "no PMT in the first 64 packets"


def probe(path):
    """ffprobe -v error output (empty when clean) and the container duration."""
    p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                        "-of", "csv=p=0", str(path)], capture_output=True, text=True, timeout=60)
    try:
        dur = float(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        dur = 0.0
    return p.stderr.strip(), dur


def decode_errors(path):
    """Errors of a full decode (ffmpeg -v error -f null): what a player would hit."""
    p = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
                       capture_output=True, text=True, timeout=120)
    return p.stderr.strip()


def tscheck_errors(path_or_bytes):
    return tscheck.check(path_or_bytes).errors


def tscheck_report(path_or_bytes):
    return tscheck.check(path_or_bytes)


def check_start(a, rec_dir, section=0, buffering=1, ext=".ts", rid=None):
    """Asserts one `start` broadcast against PROTOCOL.md; returns the file bytes at that time."""
    assert isinstance(a.get("url"), str), a
    assert a.get("rec_file") == os.path.join(str(rec_dir), "stream_%d%s" % (section, ext)), a
    assert type(a.get("section_index")) is int and a["section_index"] == section, a
    assert type(a.get("segment_index")) is int, a
    assert a.get("recorder_id") in RIDS, a
    assert a.get("recorder") == {"type": a["recorder_id"]}, a
    if rid:
        assert a["recorder_id"] == rid, a
    assert_ascii(a)
    with open(a["rec_file"], "rb") as f:
        data = f.read()
    assert len(data) > 0, a
    if ext == ".ts":
        data = data[:len(data) - len(data) % 188]
        why = ts_head_ok(data)
        assert why is None, "%s: %s" % (a["rec_file"], why)
        rep = tscheck.check(data)
        assert rep.ok, rep.errors
        # "holds at least `buffering` complete segments": ~1 s fixture segments
        assert rep.info["duration"] >= max(1, buffering) * 0.9 - 0.5, (rep.info, buffering)
    return data


class Plugin(Client):
    """StreamingCockpit 0.13 on the wire (reference §1.7, §1.8b, §5)."""

    PROVIDERS_DIR = "/data/ubuntu/root/plugins/streamingserver/providers"

    def __init__(self, daemon, data_dir, rec_dir, buffering=5, show_ads=False,
                 quality="provider", **kw):
        super().__init__(daemon.port, **kw)
        self.data_dir = str(data_dir)
        self.rec_dir = os.path.normpath(str(rec_dir))
        self.buffering = buffering
        self.show_ads = show_ads
        self.quality = quality

    # What the server may send to a client that asked for no extension (PROTOCOL.md: never
    # broadcast a new message type to clients that did not ask for it).
    KNOWN = {"ready", "get_providers", "get_categories", "get_media_items", "start", "stop"}

    def recv(self, timeout=None):
        m = super().recv(timeout)
        assert isinstance(m, list) and len(m) == 2 and isinstance(m[1], dict), m
        assert m[0] in self.KNOWN, "unexpected message %r" % (m,)
        return m

    def send(self, cmd, args=None):
        # Python 2: json.dumps(msg, ensure_ascii=False).encode('utf-8') on byte strings
        assert_ascii([cmd, args or {}])
        super().send(cmd, args)

    def _reply(self, cmd, timeout=None):
        m = self.recv(timeout=timeout or T)
        assert m[0] == cmd, m
        assert isinstance(m[1].get("data"), list), m
        return m[1]["data"]

    def get_providers(self):
        self.send("get_providers", {"data_dir": self.PROVIDERS_DIR})
        return self._reply("get_providers")

    def get_categories(self, prov):
        self.send("get_categories", {"provider": prov, "data_dir": self.data_dir})
        return self._reply("get_categories")

    def get_media_items(self, prov, cat):
        self.send("get_media_items", {"provider": prov, "category": cat,
                                      "data_dir": self.data_dir})
        return self._reply("get_media_items")

    def start_args(self, prov, url):
        return {"url": url, "rec_dir": self.rec_dir, "show_ads": self.show_ads,
                "buffering": self.buffering, "provider": prov, "av1": False,
                "quality": self.quality}

    def start(self, prov, url):
        self.send("start", self.start_args(prov, url))

    def wait_start(self, timeout=None):
        """Args of the next `start` broadcast; fails on a `stop` first."""
        deadline = time.monotonic() + (timeout or T)
        while True:
            m = self.recv(timeout=max(0.01, deadline - time.monotonic()))
            assert m[0] != "stop", m
            if m[0] == "start":
                return m[1]

    def wait_stop(self, timeout=None):
        deadline = time.monotonic() + (timeout or T)
        while True:
            m = self.recv(timeout=max(0.01, deadline - time.monotonic()))
            if m[0] == "stop":
                return m[1]

    def stop(self):
        self.send("stop", {})

    def quiet(self, seconds):
        """Every message that arrives within `seconds`."""
        out = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            try:
                out.append(self.recv(timeout=left))
            except (TimeoutError, OSError):
                return out

    def ping(self, timeout=None):
        """Round trip through the command queue: commands are handled in order, so the
        reply to an unknown command arrives only after everything sent before it.
        Returns the messages that came before that reply."""
        self.send("qa_ping", {})
        before = []
        while True:
            m = self.recv(timeout=timeout or T)
            if m[0] == "stop" and m[1].get("error_id") == "unknown_command":
                return before
            before.append(m)


class LiveHls:
    """A live playlist advancing in real time over the fixture segments (looping, with
    EXT-X-DISCONTINUITY at every loop), window segments long, unique URIs per sequence."""

    def __init__(self, httpd, media, path="/acc/live.m3u8", window=8, seg_path="/hls/",
                 head=None):
        self.httpd = httpd
        self.segs = media.segs
        self.window = window
        self.seg_path = seg_path
        self.period = sum(d for _, d in self.segs)
        self.t0 = time.monotonic() - sum(d for _, d in self._take(window))
        self.head = head or []
        httpd.route(path, self._serve)

    def _take(self, n):
        return [self.segs[i % len(self.segs)] for i in range(n)]

    def available(self):
        el = time.monotonic() - self.t0
        loops, rest = divmod(el, self.period)
        n = int(loops) * len(self.segs)
        acc = 0.0
        for _, d in self.segs:
            if acc + d > rest:
                break
            acc += d
            n += 1
        return n

    def text(self):
        n = self.available()
        first = max(0, n - self.window)
        L = len(self.segs)
        disc_seq = (first - 1) // L if first >= 1 else 0
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2",
                 "#EXT-X-MEDIA-SEQUENCE:%d" % first,
                 "#EXT-X-DISCONTINUITY-SEQUENCE:%d" % disc_seq] + list(self.head)
        for seq in range(first, n):
            name, dur = self.segs[seq % L]
            if seq % L == 0 and seq > 0:
                lines.append("#EXT-X-DISCONTINUITY")
            lines += ["#EXTINF:%.3f," % dur, "%s%s?seq=%d" % (self.seg_path, name, seq)]
        return "\n".join(lines) + "\n"

    def _serve(self, rq):
        from fixtures_http import Response  # a pytest plugin module: import it late
        return Response(200, self.text().encode(), content_type="application/vnd.apple.mpegurl")


class Acc:
    def __init__(self, tmp_path, httpd, upstream, media):
        self.tmp = tmp_path
        self.httpd = httpd
        self.upstream = upstream
        self.media = media
        self.rec_dir = tmp_path / "movie"
        self.rec_dir.mkdir(exist_ok=True)
        self.data_dir = tmp_path / "STC"
        self.daemons = []
        self.live = LiveHls(httpd, media)
        self.binary = None      # SS_BIN for every daemon of this test (None: the default)

    def url(self, path):
        return self.httpd.url(path)

    def daemon(self, config=None, binary=None, env=None, **kw):
        cfg = dict(self.upstream.config())
        cfg.update({"data_dir": str(self.data_dir),
                    "provider_timeout_ms": 20000 if under_qemu() else 8000})
        cfg.update(config or {})
        kw.setdefault("providers_dir", os.path.join(TOP, "providers"))
        e = dict(env or {})
        binary = binary or self.binary
        old = os.environ.get("SS_BIN")
        if binary:
            os.environ["SS_BIN"] = binary
            e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=66")
            e.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=0")
        try:
            d = Daemon(config=cfg, env=e, **kw)
        finally:
            if binary:
                if old is None:
                    os.environ.pop("SS_BIN", None)
                else:
                    os.environ["SS_BIN"] = old
        d.rec_dir = self.rec_dir
        d.data_dir = self.data_dir
        d.sanitized = bool(binary)
        self.daemons.append(d)
        return d

    def plugin(self, d, **kw):
        return Plugin(d, self.data_dir, self.rec_dir, **kw)

    def finish(self):
        problems = []
        for d in self.daemons:
            rc = d.stop()
            out = d.output()
            for mark in SANITIZER_MARKS:
                if mark in out:
                    problems.append("%s in daemon output:\n%s" % (mark, out[-6000:]))
                    break
            if d.sanitized and rc not in (0, None, -signal.SIGKILL):
                problems.append("sanitized daemon exited %s:\n%s" % (rc, out[-4000:]))
        return problems


@pytest.fixture
def acc(tmp_path, httpd, upstream, hls_media):
    a = Acc(tmp_path, httpd, upstream, hls_media)
    yield a
    problems = a.finish()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def mp4_file(hls_media):
    src = os.path.join(hls_media.dir, "src.ts")
    out = os.path.join(hls_media.dir, "movie.mp4")
    if not os.path.exists(out):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", src, "-c", "copy",
                        "-movflags", "+faststart", out], check=True, timeout=120)
    return out


@pytest.fixture(scope="session")
def asan_bin():
    p = os.path.join(TOP, "build", "test-asan", "streamingserver")
    if under_qemu() or not os.access(p, os.X_OK):
        pytest.skip("no ASan daemon (make unit builds build/test-asan/streamingserver)")
    return p


def frame(payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return struct.pack(">I", len(payload)) + payload


@pytest.fixture(scope="session")
def res_media(hls_media, tmp_path_factory):
    """Segments at another resolution (480x270) for a section change: .dir, .segs."""
    d = str(tmp_path_factory.mktemp("res"))
    src = os.path.join(d, "src.ts")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=480x270:rate=25", "-f", "lavfi", "-i",
                    "sine=frequency=660:sample_rate=48000", "-t", "3", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
                    "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "48k",
                    "-output_ts_offset", "20", "-f", "mpegts", src], check=True, timeout=120)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-copyts", "-i", src, "-c",
                    "copy", "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
                    "-hls_segment_filename", os.path.join(d, "r%03d.ts"),
                    os.path.join(d, "_cut.m3u8")], check=True, timeout=120)
    segs, dur = [], None
    with open(os.path.join(d, "_cut.m3u8")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#EXTINF:"):
                dur = float(line[8:].split(",")[0])
            elif line and not line.startswith("#"):
                segs.append((line, dur))

    class M:
        pass
    m = M()
    m.dir, m.segs = d, segs
    return m


def config_value(name, default):
    """A CONFIG_ value of the host build (build/host/.config), for tests sized by Kconfig."""
    try:
        with open(os.path.join(TOP, "build", "host", ".config")) as f:
            for line in f:
                if line.startswith("CONFIG_%s=" % name):
                    return int(line.split("=", 1)[1])
    except (OSError, ValueError):
        pass
    return default


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size_mb) -> a fresh tmpfs directory under tmp_path (an allowed root); skips
    when mounting is not possible here. Unmounted at teardown."""
    mounted = []

    def mount(size_mb):
        d = tmp_path / ("disk%d" % len(mounted))
        d.mkdir()
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dk" % int(size_mb * 1024),
                            "tmpfs", str(d)], capture_output=True, text=True)
        if p.returncode != 0:
            pytest.skip("cannot mount a tmpfs here: %s" % p.stderr.strip())
        mounted.append(d)
        return d

    yield mount
    for d in mounted:
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def grows(path, size, timeout=6.0):
    """True once path is larger than size (a live section keeps growing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.getsize(path) > size:
            return True
        time.sleep(0.1)
    return False
