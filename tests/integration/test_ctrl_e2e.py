"""End to end through the control server with the real pieces: the IPTV provider reads a local
M3U list, the HLS VOD it names is served by the loopback fixture server, the recorder writes
the section file that the start broadcast announces, and the VOD ends with stop/complete."""
import os
import shutil
import subprocess

import pytest

from fixtures_ctrl import is_error

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")

IPTV = {"provider_id": "IPTV", "title": "IPTV"}


def make_vod(d, seconds=4):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=160x120:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                    "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
                    "-c:a", "aac", "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
                    "-hls_segment_filename", os.path.join(d, "seg%03d.ts"),
                    os.path.join(d, "vod.m3u8")], check=True, timeout=120)


def test_iptv_vod_records_and_completes(make_ctrl_daemon, httpd, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    make_vod(str(media))
    httpd.serve_dir(str(media))
    lst = tmp_path / "list.m3u"
    lst.write_text("#EXTM3U\n#EXTINF:-1 group-title=\"Local\",Local VOD\n%s\n"
                   % httpd.url("/vod.m3u8"))
    repo_providers = os.path.join(os.path.dirname(__file__), "..", "..", "providers")
    d = make_ctrl_daemon(config={"iptv.list.1": "%s Local" % lst, "provider_timeout_ms": 20000},
                         providers_dir=os.path.abspath(repo_providers))
    c = d.client(timeout=60)
    cats = c.request("get_categories", {"provider": IPTV, "data_dir": str(tmp_path / "dd")})
    assert cats[0] == "get_categories", cats
    cat = next(x for x in cats[1]["data"] if x["name"] == "Local")
    items = c.request("get_media_items", {"provider": IPTV, "category": cat,
                                          "data_dir": str(tmp_path / "dd")})
    assert items[0] == "get_media_items", items
    item = items[1]["data"][0]
    assert item["name"] == "Local VOD"
    c.send("start", {"provider": IPTV, "url": item["url"], "rec_dir": str(d.rec_dir),
                     "buffering": 1, "show_ads": False, "av1": False, "quality": "provider"})
    first = c.recv_until("start", timeout=60)
    rec_file = first[1]["rec_file"]
    assert first[1]["section_index"] == 0
    assert rec_file == os.path.join(str(d.rec_dir), "stream_0.ts")
    with open(rec_file, "rb") as f:
        assert f.read(1) == b"\x47"
    stop = c.recv_until("stop", timeout=60)
    assert stop[1]["reason"] == "complete", stop
    assert stop[1]["recorder_id"] == first[1]["recorder_id"]
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                          "-of", "csv=p=0", rec_file], capture_output=True, text=True,
                         timeout=60)
    assert float(out.stdout.strip()) > 3


def test_iptv_unreachable_stream_reports_an_error(make_ctrl_daemon, httpd, tmp_path):
    httpd.route("/gone.m3u8", lambda rq: 404)
    lst = tmp_path / "list.m3u"
    lst.write_text("#EXTM3U\n#EXTINF:-1 group-title=\"Local\",Gone\n%s\n" % httpd.url("/gone.m3u8"))
    repo_providers = os.path.join(os.path.dirname(__file__), "..", "..", "providers")
    d = make_ctrl_daemon(config={"iptv.list.1": "%s Local" % lst, "provider_timeout_ms": 20000},
                         providers_dir=os.path.abspath(repo_providers))
    c = d.client(timeout=60)
    c.send("start", {"provider": IPTV, "url": httpd.url("/gone.m3u8"), "rec_dir": str(d.rec_dir),
                     "buffering": 1})
    m = c.recv_until("stop", timeout=60)
    assert is_error(m), m
    assert m[1]["error_id"] in ("not_found", "failure"), m


def test_live_hls_stop_is_quick_and_final(make_ctrl_daemon, httpd, tmp_path):
    """A live channel (sliding window served by the fixture) records until the client's stop,
    which ends the real recorder within 200 ms and is followed by no further message."""
    import time
    from fixtures_http import Response
    from sslib import under_qemu

    media = tmp_path / "media"
    media.mkdir()
    make_vod(str(media), seconds=4)
    segs = sorted(p.name for p in media.iterdir() if p.suffix == ".ts")
    httpd.serve_dir(str(media), prefix="/seg/")
    t0 = time.monotonic()

    def live(req):
        seq = int(time.monotonic() - t0)
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:1",
                 "#EXT-X-MEDIA-SEQUENCE:%d" % seq]
        for n in range(seq, seq + 3):
            if n and n % len(segs) == 0:
                lines.append("#EXT-X-DISCONTINUITY")
            lines += ["#EXTINF:1.000,", "/seg/" + segs[n % len(segs)]]
        return Response(body=("\n".join(lines) + "\n").encode(),
                        content_type="application/vnd.apple.mpegurl")
    httpd.route("/live.m3u8", live)
    repo_providers = os.path.join(os.path.dirname(__file__), "..", "..", "providers")
    lst = tmp_path / "list.m3u"
    lst.write_text("#EXTM3U\n#EXTINF:-1 group-title=\"Local\",Live\n%s\n" % httpd.url("/live.m3u8"))
    d = make_ctrl_daemon(config={"iptv.list.1": "%s Local" % lst},
                         providers_dir=os.path.abspath(repo_providers))
    a = d.client(timeout=60)
    b = d.client(timeout=60)
    a.send("start", {"provider": IPTV, "url": httpd.url("/live.m3u8"), "rec_dir": str(d.rec_dir),
                     "buffering": 1})
    first = b.recv_until("start", timeout=60)
    assert first[1]["section_index"] == 0
    assert os.path.getsize(first[1]["rec_file"]) > 0
    a.recv_until("start", timeout=60)
    t1 = time.monotonic()
    a.send("stop", {})
    a.send("get_status")
    st = a.recv_until("get_status", timeout=60)[1]
    dt = time.monotonic() - t1
    assert st["recording"] is False
    if not under_qemu():
        assert dt < 0.2, dt
    for c in (a, b):
        assert [m for m in c.recv_all(timeout=1.5) if m[0] in ("start", "stop")] == []
