"""Recording through the daemon: a client's `start` on a plain URL (IPTV provider) runs the
real recorder engine; the plugin-visible broadcasts and the daemon's memory while recording."""
import os
import time

import pytest

from fixtures_media import sections, tscheck
from sslib import Daemon, under_qemu

IPTV = {"provider_id": "IPTV", "title": "IPTV"}


def start_args(url, rec_dir, buffering=5, quality="best"):
    return {"provider": dict(IPTV), "url": url, "rec_dir": str(rec_dir), "buffering": buffering,
            "show_ads": False, "av1": False, "quality": quality}


def vm(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def test_vod_start_broadcast_then_complete(media, httpd, tmp_path):
    httpd.serve_dir(media.ladder())
    d = Daemon()
    try:
        c = d.client()
        t0 = time.monotonic()
        c.send("start", start_args(httpd.url("/master.m3u8"), tmp_path, quality="480p"))
        m = c.recv_until("start", timeout=20)
        took = time.monotonic() - t0
        s = m[1]
        assert s["recorder_id"] == "hls_basic" and s["recorder"] == {"type": "hls_basic"}
        assert s["rec_file"] == str(tmp_path / "stream_0.ts")
        assert s["section_index"] == 0 and s["segment_index"] == 3  # a 3-segment VOD
        st = c.recv_until("stop", timeout=20)[1]
        assert st["reason"] == "complete", st
        assert sections(tmp_path) == [s["rec_file"]]
        assert tscheck(s["rec_file"]) == []
        print("daemon start -> start broadcast (3-segment VOD, buffering 5): %.1f ms"
              % (took * 1000))
        if not under_qemu():
            assert took < 2.0
    finally:
        d.stop()


@pytest.mark.slow
def test_live_720p_recording_memory(media, httpd, live_hls, tmp_path):
    """Peak RSS of the daemon while it records a 720p live stream (no TLS)."""
    pool, segs = media.vod("pool720", size="1280x720", dur=8, seg=1)
    live_hls(httpd, pool, segs, seg=1.0, window=6)
    d = Daemon()
    try:
        c = d.client()
        base = vm(d.proc.pid, "VmHWM")
        c.send("start", start_args(httpd.url("/live/index.m3u8"), tmp_path, buffering=2))
        s = c.recv_until("start", timeout=20)[1]
        assert s["recorder_id"] == "hls_live"
        time.sleep(5)
        peak = vm(d.proc.pid, "VmHWM")
        c.send("stop", {})
        time.sleep(0.3)
        assert d.proc.poll() is None
        assert tscheck(s["rec_file"]) == []
        print("daemon VmHWM: %d KiB before the recording, %d KiB after 5 s of 720p live"
              % (base, peak))
        assert peak - base < 2048, (base, peak)
    finally:
        d.stop()


def test_stop_during_stalled_segment_is_quick_and_silent(media, httpd, tmp_path):
    """The real engine honours the job's cancel fd: stop within 200 ms, no stop broadcast."""
    from fixtures_http import Response
    d, segs = media.vod()
    httpd.serve_dir(d)
    data = open(os.path.join(d, segs[1][0]), "rb").read()
    httpd.route("/" + segs[1][0], Response(200, data, stall_at=1000, stall=30))
    dm = Daemon()
    try:
        c = dm.client()
        c.send("start", start_args(httpd.url("/index.m3u8"), tmp_path, buffering=1))
        c.recv_until("start", timeout=20)
        deadline = time.monotonic() + 10
        while httpd.hits["/" + segs[1][0]] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        t0 = time.monotonic()
        c.send("stop", {})
        c.send("get_status")
        st = c.recv_until("get_status", timeout=5)[1]
        dt = time.monotonic() - t0
        assert st["recording"] is False
        if not under_qemu():
            assert dt < 0.2, dt
        late = [m for m in c.recv_all(timeout=0.3) if m[0] in ("start", "stop")]
        assert late == []
        assert tscheck(tmp_path / "stream_0.ts") == []
    finally:
        dm.stop()
