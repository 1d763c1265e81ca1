"""User stories of the progressive MP4 recorder and raw MPEG-TS streams, via --record."""
import json
import os
import struct
import threading

from fixtures_http import Response, ranged
from fixtures_media import probe, record, sections, start_record, tscheck


def top_boxes(path):
    """[(type, offset, size)] of the top-level boxes of an MP4 file."""
    with open(path, "rb") as f:
        return top_boxes_of(f.read())


def top_boxes_of(data):
    """[(type, offset, size)] of the top-level boxes of MP4 bytes."""
    out = []
    pos = 0
    while pos + 8 <= len(data):
        size, typ = struct.unpack(">I4s", data[pos:pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        out.append((typ.decode("latin-1"), pos, size))
        if size < 8:
            break
        pos += size
    return out


def check_mp4(path, expected=10.0):
    dur, err = probe(path)
    assert err == "", err
    assert abs(dur - expected) < 0.5, dur
    types = [t for t, _, _ in top_boxes(path)]
    assert types.index("moov") < types.index("mdat"), types


def test_mp4_faststart_file(media, httpd, tmp_path):
    path = media.mp4(faststart=True)
    httpd.content("/movie.mp4", open(path, "rb").read(), "video/mp4")
    r = record(httpd.url("/movie.mp4"), tmp_path)
    assert r.rc == 0, r
    assert r.stop["reason"] == "complete"
    assert len(r.starts) == 1
    assert r.starts[0]["recorder_id"] == "mp4"
    assert r.starts[0]["rec_file"] == str(tmp_path / "stream_0.mp4")
    assert open(tmp_path / "stream_0.mp4", "rb").read() == open(path, "rb").read()
    assert any("mp4" in e["msg"] and "%" in e["msg"] for e in r.of("log"))


def test_mp4_moov_at_end_is_rewritten_to_faststart(media, httpd, tmp_path):
    path = media.mp4(faststart=False)
    types = [t for t, _, _ in top_boxes(path)]
    assert types.index("mdat") < types.index("moov")
    httpd.content("/movie.mp4", open(path, "rb").read(), "video/mp4")
    r = record(httpd.url("/movie.mp4"), tmp_path)
    assert r.rc == 0, r
    assert len(r.starts) == 1
    assert any("faststart" in e["msg"] for e in r.of("log"))
    check_mp4(tmp_path / "stream_0.mp4")
    # The moov was fetched with its own Range request before the media data.
    ranges = [q.headers.get("Range") for q in httpd.requests_for("/movie.mp4")]
    assert len(ranges) >= 3, ranges


def test_mp4_dropped_connection_resumes_with_range(media, httpd, tmp_path):
    path = media.mp4(faststart=True)
    data = open(path, "rb").read()
    cut = len(data) // 3

    ranged_hits = []

    def handler(req):
        # The recorder's first (ranged) download dies a third of the way in; the probe
        # before it has no Range.
        if req.headers.get("Range"):
            ranged_hits.append(req.headers.get("Range"))
            if len(ranged_hits) == 1:
                return ranged(req, data, "video/mp4", close_at=cut)
        return ranged(req, data, "video/mp4")
    httpd.route("/movie.mp4", handler)
    r = record(httpd.url("/movie.mp4"), tmp_path)
    assert r.rc == 0, r
    assert open(tmp_path / "stream_0.mp4", "rb").read() == data
    assert ranged_hits[0] == "bytes=0-"
    assert len(ranged_hits) == 2, ranged_hits
    start = int(ranged_hits[1][6:].split("-")[0])
    assert 0 < start <= cut, ranged_hits
    assert any("resuming" in e["msg"] for e in r.of("log"))


def test_mp4_moov_at_end_without_range_support_is_downloaded_in_order(media, httpd, tmp_path):
    """A server that ignores Range (200 to a ranged request, no Accept-Ranges) gets one plain
    download; the start comes once the moov is on disk, before the trailing box arrives."""
    data = open(media.mp4(faststart=False), "rb").read()
    data += struct.pack(">I4s", 8 + 65536, b"free") + bytes(65536)
    boxes = {t: (o, s) for t, o, s in top_boxes_of(data)}
    moov_end = boxes["moov"][0] + boxes["moov"][1]
    assert boxes["mdat"][0] < boxes["moov"][0] and moov_end < len(data)
    started = threading.Event()

    def body(req):
        yield data[:moov_end]
        if req.headers.get("Range"):
            started.wait(20)  # the rest only once the recorder has announced the file
        yield data[moov_end:]

    httpd.route("/movie.mp4", lambda req: Response(200, body(req), content_type="video/mp4",
                                                   content_length=len(data)))
    p = start_record(httpd.url("/movie.mp4"), tmp_path)
    events, at_start = [], None
    try:
        for line in p.stdout:
            events.append(json.loads(line))
            if events[-1][0] == "start" and at_start is None:
                out = tmp_path / "stream_0.mp4"
                at_start = (os.path.getsize(out), probe(out))
                started.set()
        p.wait(60)
    finally:
        started.set()
        if p.poll() is None:
            p.kill()
    stderr = p.stderr.read()
    assert p.returncode == 0, (events, stderr[-2000:])
    starts = [e[1] for e in events if e[0] == "start"]
    assert len(starts) == 1 and starts[0]["rec_file"] == str(tmp_path / "stream_0.mp4")
    assert [e[1]["reason"] for e in events if e[0] == "stop"] == ["complete"]
    size, (dur, err) = at_start
    assert moov_end <= size < len(data), (size, moov_end, len(data))
    assert err == "" and abs(dur - 10.0) < 0.5, (dur, err)
    assert open(tmp_path / "stream_0.mp4", "rb").read() == data
    check_probe = probe(tmp_path / "stream_0.mp4")
    assert check_probe[1] == "" and abs(check_probe[0] - 10.0) < 0.5, check_probe
    assert any("no Range support" in e[1]["msg"] for e in events if e[0] == "log"), events
    ranged_hits = [q for q in httpd.requests_for("/movie.mp4") if q.headers.get("Range")]
    assert len(ranged_hits) == 1, [q.headers.get("Range") for q in ranged_hits]


def test_mp4_start_url_has_no_credentials_query_or_fragment(media, httpd, tmp_path):
    path = media.mp4(faststart=True)
    httpd.content("/movie.mp4", open(path, "rb").read(), "video/mp4")
    url = httpd.url("/movie.mp4").replace("://", "://user:secret@", 1) + "?token=abc#frag"
    r = record(url, tmp_path)
    assert r.rc == 0, r
    assert [s["url"] for s in r.starts] == [httpd.url("/movie.mp4")], r.starts


def test_mp4_404_is_not_found(httpd, tmp_path):
    httpd.route("/gone.mp4", Response(404))
    r = record(httpd.url("/gone.mp4"), tmp_path)
    assert r.rc == 1
    assert r.stop["error_id"] == "not_found"


def test_raw_ts_over_http_is_one_live_section(media, httpd, tmp_path):
    path = media.raw_ts()
    httpd.content("/stream.ts", open(path, "rb").read(), "video/mp2t")
    r = record(httpd.url("/stream.ts"), tmp_path, "--buffering", "1")
    assert r.rc == 0, r
    assert [s["recorder_id"] for s in r.starts] == ["hls_live"]
    files = sections(tmp_path)
    assert len(files) == 1
    dur, err = probe(files[0])
    assert err == ""
    assert abs(dur - 8.0) < 1.0, dur
    assert tscheck(files[0]) == []


def test_raw_ts_that_ends_within_its_first_pseudo_segment_still_starts(media, httpd, tmp_path):
    """A body shorter than one pseudo-segment (CONFIG_HLS_RAWTS_SEGMENT_KB) that ends normally
    is a complete recording: start, then stop complete (it used to stop without a start)."""
    data = open(media.raw_ts(), "rb").read()[:188 * 1000]
    httpd.content("/short.ts", data, "video/mp2t")
    r = record(httpd.url("/short.ts"), tmp_path, "--buffering", "1")
    assert r.rc == 0, r
    assert [s["recorder_id"] for s in r.starts] == ["hls_live"], r
    assert r.stop["reason"] == "complete"
    files = sections(tmp_path)
    assert len(files) == 1 and os.path.getsize(files[0]) > 100 * 188


def test_not_a_stream_is_an_error(httpd, tmp_path):
    httpd.content("/page.html", b"<html>" + b"x" * 2000)
    r = record(httpd.url("/page.html"), tmp_path)
    assert r.rc == 1
    assert r.stop["reason"] == "error"
