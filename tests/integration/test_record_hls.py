"""User stories of the HLS recorder, driven through `streamingserver --record`.

Every recorded file is checked with `ffprobe -v error` (no errors, expected duration within
one segment) and with tests/tscheck.py (packets, PSI, CC, PCR, timestamps, key frame first).
"""
import os
import signal
import time

import pytest

from fixtures_http import Response
from fixtures_media import (probe, probe_video, record, sections, start_record, tscheck)


def check_file(path, expected, tol=2.1):
    dur, err = probe(path)
    assert err == "", err
    assert abs(dur - expected) <= tol, (path, dur, expected)
    assert tscheck(path) == []


def test_vod_master_each_quality_picks_its_variant(media, httpd, tmp_path):
    httpd.serve_dir(media.ladder())
    for quality, height in [("best", 720), ("1080p", 720), ("720p", 720), ("480p", 480),
                            ("360p", 360), ("240p", 360)]:
        out = tmp_path / quality
        out.mkdir()
        r = record(httpd.url("/master.m3u8"), out, "--quality", quality, "--buffering", "2")
        assert r.rc == 0, r
        assert r.stop["reason"] == "complete"
        assert [s["recorder_id"] for s in r.starts] == ["hls_basic"]
        assert r.starts[0]["recorder"] == {"type": "hls_basic"}
        assert r.starts[0]["segment_index"] == 2
        files = sections(out)
        assert len(files) == 1
        assert probe_video(files[0])[1] == height, quality
        check_file(files[0], 6.0)
    assert httpd.hits["/vp9/index.m3u8"] == 0


def test_vod_shorter_than_buffering_still_starts(media, httpd, tmp_path):
    d, segs = media.vod()
    httpd.serve_dir(d)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "20")
    assert r.rc == 0, r
    assert len(r.starts) == 1 and r.starts[0]["segment_index"] == len(segs)
    check_file(tmp_path / "stream_0.ts", 8.0)
    log = (tmp_path / "stream.log").read_text()
    assert " STS 000/000: " in log and "new-section" in log


@pytest.mark.slow
def test_live_sliding_window_records_until_duration(media, httpd, live_hls, tmp_path):
    d, segs = media.vod("pool", dur=8, seg=1)
    live = live_hls(httpd, d, segs, seg=1.0, window=6)
    t0 = time.monotonic()
    r = record(httpd.url("/live/index.m3u8"), tmp_path, "--buffering", "2", "--duration", "6")
    assert r.rc == 0, r
    assert r.starts and r.starts[0]["recorder_id"] == "hls_live"
    # Live start: 3 target durations from the end of a 6-segment window.
    first = min(int(q.path[9:-3]) for q in httpd.requests if q.path.startswith("/live/seg"))
    assert first >= live.start_seq + 3
    # Reloads follow the target duration: never a busy poll.
    n_pl = httpd.hits["/live/index.m3u8"]
    assert n_pl <= 2 * (time.monotonic() - t0) + 3, n_pl
    check_file(tmp_path / "stream_0.ts", 6.0, tol=1.1)


def test_live_expired_segments_are_logged(media, httpd, live_hls, tmp_path):
    d, segs = media.vod("pool", dur=8, seg=1)
    live = live_hls(httpd, d, segs, seg=1.0, window=4)

    def jumpy(req, _orig=live.playlist):
        # From the third load on the window is 10 segments further: 7+ are gone.
        if httpd.hits["/live/index.m3u8"] >= 3:
            live.jump = 10
        return _orig(req)
    httpd.route("/live/index.m3u8", jumpy)
    r = record(httpd.url("/live/index.m3u8"), tmp_path, "--buffering", "1", "--duration", "5")
    assert r.rc == 0, r
    assert any("expired" in e["msg"] for e in r.of("log")), r
    assert "expired" in (tmp_path / "stream.log").read_text()
    assert tscheck(tmp_path / "stream_0.ts") == []


@pytest.mark.parametrize("with_iv,rotate", [(True, False), (False, False), (True, True),
                                            (False, True)])
def test_aes128(media, httpd, tmp_path, with_iv, rotate):
    httpd.serve_dir(media.aes(with_iv=with_iv, rotate=rotate))
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    check_file(tmp_path / "stream_0.ts", 8.0)
    # Keys are cached per URI: one request per distinct key.
    assert httpd.hits["/key0.bin"] == 1
    assert httpd.hits["/key1.bin"] == (1 if rotate else 0)


def test_fmp4_segments_are_recorded_as_hls_m4s(media, httpd, tmp_path):
    httpd.serve_dir(media.fmp4())
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert [s["recorder_id"] for s in r.starts] == ["hls_m4s"]
    check_file(tmp_path / "stream_0.ts", 8.0)
    assert httpd.hits["/init.mp4"] == 1  # the init section is loaded once


def test_fmp4_single_file_with_byteranges(media, httpd, tmp_path):
    d = media.fmp4(single_file=True)
    body = open(os.path.join(d, "index.m3u8")).read()
    assert "#EXT-X-BYTERANGE" in body
    httpd.serve_dir(d)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    check_file(tmp_path / "stream_0.ts", 8.0)


def test_discontinuity_between_encodes_is_one_section(media, httpd, tmp_path):
    d, total = media.disc_pair()
    httpd.serve_dir(d)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert len(r.starts) == 1
    assert len(sections(tmp_path)) == 1
    check_file(tmp_path / "stream_0.ts", total)


def test_resolution_change_makes_two_sections(media, httpd, tmp_path):
    d, total = media.res_change()
    httpd.serve_dir(d)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    files = sections(tmp_path)
    assert len(files) == 2
    assert [s["section_index"] for s in r.starts] == [0, 1]
    assert [s["rec_file"] for s in r.starts] == files
    assert probe_video(files[0]) == (640, 360)
    assert probe_video(files[1]) == (1280, 720)
    check_file(files[0], 8.0)
    check_file(files[1], 6.0)
    assert "resolution-change" in (tmp_path / "stream.log").read_text()


def test_timestamps_across_the_33_bit_wrap(media, httpd, tmp_path):
    d, segs = media.wrap()
    # The source really starts before the wrap: ffprobe shows such a start as negative.
    import subprocess
    st = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=start_time", "-of",
                         "csv=p=0", os.path.join(d, segs[0][0])], capture_output=True, text=True)
    assert -12 < float(st.stdout) < -8, st.stdout
    httpd.serve_dir(d)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert len(sections(tmp_path)) == 1
    check_file(tmp_path / "stream_0.ts", 20.0)


def test_byterange_segments(media, httpd, tmp_path):
    httpd.serve_dir(media.byterange())
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    check_file(tmp_path / "stream_0.ts", 8.0)
    assert all(q.headers.get("Range") for q in httpd.requests_for("/all.ts"))


def test_garbage_and_truncated_segments(media, httpd, tmp_path):
    d, segs = media.garbage()
    httpd.serve_dir(d)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    dur, err = probe(tmp_path / "stream_0.ts")
    assert err == ""
    # One garbage segment and half of another are lost: within one segment of 8 - 2.
    assert 8.0 - 3 - 2.1 <= dur <= 8.0 + 0.5, dur
    assert tscheck(tmp_path / "stream_0.ts") == []


def test_missing_segment_is_skipped_and_logged(media, httpd, tmp_path):
    d, segs = media.vod()
    httpd.serve_dir(d)
    httpd.route("/" + segs[2][0], Response(404))
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert httpd.hits["/" + segs[2][0]] >= 2  # retried
    assert "segment-failed not_found" in (tmp_path / "stream.log").read_text()
    check_file(tmp_path / "stream_0.ts", 6.0)


def test_missing_playlist_is_not_found(httpd, tmp_path):
    r = record(httpd.url("/nothing.m3u8"), tmp_path)
    assert r.rc == 1
    assert r.stop["reason"] == "error" and r.stop["error_id"] == "not_found"
    assert sections(tmp_path) == []


def test_403_then_refreshed_url(media, httpd, tmp_path):
    d, segs = media.vod()
    state = {"token": 1}

    def master(req):
        state["token"] += 1
        return ('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n'
                'index.m3u8?t=%d\n' % state["token"])

    def media_pl(req):
        t = req.query.get("t", [""])[0]
        body = open(os.path.join(d, "index.m3u8")).read()
        return Response(200, body.replace(".ts", ".ts?t=" + t).encode())

    def seg(req):
        t = int(req.query.get("t", ["0"])[0])
        name = req.path.rsplit("/", 1)[-1]
        # The first token expires after two segments.
        if t == 2 and name not in (segs[0][0], segs[1][0]):
            return Response(403)
        return Response(200, open(os.path.join(d, name), "rb").read())
    httpd.route("/master.m3u8", master)
    httpd.route("/index.m3u8", media_pl)
    httpd.route("/s*", seg)
    r = record(httpd.url("/master.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert httpd.hits["/master.m3u8"] == 2
    assert any("renewed" in e["msg"] for e in r.of("log"))
    check_file(tmp_path / "stream_0.ts", 8.0)


def test_403_twice_is_forbidden(media, httpd, tmp_path):
    d, segs = media.vod()
    httpd.serve_dir(d)
    httpd.route("/" + segs[0][0], Response(403))
    r = record(httpd.url("/index.m3u8"), tmp_path)
    assert r.rc == 1
    assert r.stop["error_id"] == "forbidden", r


@pytest.mark.parametrize("key", [
    '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://key42",KEYFORMAT="com.apple.streamingkeydelivery"',
    '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,AAAA",'
    'KEYFORMAT="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed",KEYFORMATVERSIONS="1"',
    '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="k.bin"'])
def test_drm_gives_drm_protected_and_no_file(media, httpd, tmp_path, key):
    d, segs = media.vod()
    httpd.serve_dir(d)
    body = open(os.path.join(d, "index.m3u8")).read().replace(
        "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-MEDIA-SEQUENCE:0\n" + key)
    httpd.content("/drm.m3u8", body)
    r = record(httpd.url("/drm.m3u8"), tmp_path)
    assert r.rc == 1
    assert r.stop["error_id"] == "drm_protected", r
    assert sections(tmp_path) == []
    assert httpd.hits["/" + segs[0][0]] == 0


def test_stop_during_stalled_download_is_fast(media, httpd, tmp_path):
    d, segs = media.vod()
    httpd.serve_dir(d)
    data = open(os.path.join(d, segs[1][0]), "rb").read()
    httpd.route("/" + segs[1][0], Response(200, data, stall_at=2000, stall=30))
    p = start_record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "1")
    deadline = time.monotonic() + 20
    while httpd.hits["/" + segs[1][0]] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert p.poll() is None
    t = time.monotonic()
    p.send_signal(signal.SIGTERM)
    p.wait(5)
    elapsed = time.monotonic() - t
    assert elapsed < 0.2, elapsed
    assert p.returncode == 0
    out = p.stdout.read()
    assert '"reason":"stopped"' in out
    assert tscheck(tmp_path / "stream_0.ts") == []


def test_stalled_stream_ends_in_timeout_error(media, httpd, tmp_path):
    """The watchdog: no byte for N x target duration is an error, never a silent hang."""
    d, segs = media.vod()
    httpd.serve_dir(d)
    data = open(os.path.join(d, segs[0][0]), "rb").read()
    httpd.route("/" + segs[0][0], Response(200, data, stall_at=1000, stall=60))
    r = record(httpd.url("/index.m3u8"), tmp_path, timeout=60)
    assert r.rc == 1
    assert r.stop["error_id"] == "timeout", r


def test_gap_segment_is_not_fetched(media, httpd, tmp_path):
    d, segs = media.vod()
    httpd.serve_dir(d)
    body = open(os.path.join(d, "index.m3u8")).read().replace(
        "#EXTINF:", "#EXT-X-GAP\n#EXTINF:", 3).replace("#EXT-X-GAP\n", "", 2)
    httpd.content("/gap.m3u8", body)
    r = record(httpd.url("/gap.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert httpd.hits["/" + segs[2][0]] == 0
    check_file(tmp_path / "stream_0.ts", 6.0)


@pytest.mark.slow
def test_live_playlist_that_stops_advancing_is_a_timeout(media, httpd, tmp_path):
    """A frozen live playlist ends in an error after 2 x the stall watchdog, not a hang."""
    d, segs = media.vod("pool", dur=8, seg=1)
    httpd.serve_dir(d)
    body = open(os.path.join(d, "index.m3u8")).read().replace("#EXT-X-ENDLIST\n", "")
    httpd.content("/frozen.m3u8", body)
    r = record(httpd.url("/frozen.m3u8"), tmp_path, "--buffering", "1", timeout=60)
    assert r.rc == 1
    assert r.stop["error_id"] == "timeout", r
    assert 19 < r.elapsed < 40, r.elapsed
    # What was recorded before stays playable.
    assert tscheck(tmp_path / "stream_0.ts") == []


@pytest.mark.slow
def test_live_playlist_403_is_refreshed_without_losing_the_segment(media, httpd, live_hls,
                                                                   tmp_path):
    d, segs = media.vod("pool", dur=8, seg=1)
    live = live_hls(httpd, d, segs, seg=1.0, window=6)

    def expiring(req, _orig=live.playlist):
        if httpd.hits["/live/index.m3u8"] == 3:
            return Response(403)
        return _orig(req)
    httpd.route("/live/index.m3u8", expiring)
    r = record(httpd.url("/live/index.m3u8"), tmp_path, "--buffering", "2", "--duration", "5")
    assert r.rc == 0, r
    assert any("renewed" in e["msg"] for e in r.of("log")), r
    assert not any("skipped" in e["msg"] for e in r.of("log")), r
    check_file(tmp_path / "stream_0.ts", 5.0, tol=1.1)


def _whole_packets(path):
    size = os.path.getsize(path)
    assert size > 0 and size % 188 == 0, size
    dur, err = probe(path)
    assert err == "", err
    return dur


def test_full_disk_is_disk_full_and_the_file_stays_playable(media, httpd, tmp_path):
    """A file size limit (EFBIG, like a full disk) mid-recording: disk_full, whole packets."""
    d, segs = media.vod()
    httpd.serve_dir(d)
    import resource
    import subprocess
    from fixtures_media import record_cmd

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1500000, 1500000))
    p = subprocess.run(record_cmd(httpd.url("/index.m3u8"), tmp_path, "--buffering", "1"),
                       capture_output=True, text=True, timeout=60, preexec_fn=limit)
    assert p.returncode == 1, p
    assert '"error_id":"disk_full"' in p.stdout, p.stdout
    assert 0 < _whole_packets(tmp_path / "stream_0.ts") < 8.0


@pytest.mark.slow
def test_sigkill_leaves_a_playable_file(media, httpd, live_hls, tmp_path):
    d, segs = media.vod("pool", dur=8, seg=1)
    live_hls(httpd, d, segs, seg=1.0, window=6)
    p = start_record(httpd.url("/live/index.m3u8"), tmp_path, "--buffering", "1")
    line = p.stdout.readline()
    while line and not line.startswith('["start"'):
        line = p.stdout.readline()
    time.sleep(1.5)
    p.kill()
    p.wait(5)
    assert _whole_packets(tmp_path / "stream_0.ts") > 0.5
