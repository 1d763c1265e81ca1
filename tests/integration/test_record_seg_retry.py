"""Segment retries of the HLS recorder: Retry-After, and 200 answers that are not media.

A 429 with Retry-After is retried no sooner than the server asked (measured here, on the
fixture side); a 200 whose body is an HTML page or garbage is a failed download like a 404:
retried within the window, then skipped with a stream.log line naming the segment.
"""
import os
import threading
import time

from fixtures_http import Response
from fixtures_media import probe, record, tscheck

HTML = b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body>busy</body></html>\n"


def check_file(path, expected, tol=2.1):
    dur, err = probe(path)
    assert err == "", err
    assert abs(dur - expected) <= tol, (path, dur, expected)
    assert tscheck(path) == []


def serve(httpd, d, uri, bad, bad_hits):
    """Serves d, but uri answers bad() on its first bad_hits requests; returns hit times."""
    data = open(os.path.join(d, uri), "rb").read()
    times, lock = [], threading.Lock()

    def handler(req):
        with lock:
            times.append(time.monotonic())
            n = len(times)
        if n <= bad_hits:
            return bad()
        return Response(200, data, content_type="video/mp2t")
    httpd.serve_dir(d)
    httpd.route("/" + uri, handler)
    return times


def stream_log(tmp_path):
    p = tmp_path / "stream.log"
    return p.read_text() if p.exists() else ""


def test_429_retry_after_is_honoured(media, httpd, tmp_path):
    d, segs = media.vod()
    uri = segs[2][0]
    times = serve(httpd, d, uri, lambda: Response(429, b"slow down\n",
                                                  headers=[("Retry-After", "2")],
                                                  content_type="text/plain"), 1)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert len(times) == 2, times
    assert times[1] - times[0] >= 2.0, times[1] - times[0]
    assert "segment-failed" not in stream_log(tmp_path)
    check_file(tmp_path / "stream_0.ts", 8.0)


def test_html_200_is_retried(media, httpd, tmp_path):
    d, segs = media.vod()
    uri = segs[2][0]
    times = serve(httpd, d, uri, lambda: Response(200, HTML, content_type="text/html"), 1)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert len(times) == 2, times
    assert "segment-failed" not in stream_log(tmp_path)
    check_file(tmp_path / "stream_0.ts", 8.0)


def test_persistent_html_200_is_logged_and_skipped(media, httpd, tmp_path):
    d, segs = media.vod()
    uri = segs[2][0]
    # served as octet-stream: the body itself gives it away
    times = serve(httpd, d, uri, lambda: Response(200, HTML * 40), 1000)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert r.stop["reason"] == "complete"
    assert len(times) >= 2, times  # retried
    lines = [ln for ln in stream_log(tmp_path).splitlines() if "segment-failed" in ln]
    assert len(lines) == 1 and uri in lines[0], lines
    check_file(tmp_path / "stream_0.ts", 6.0)


def test_garbage_200_is_retried(media, httpd, tmp_path):
    d, segs = media.vod()
    uri = segs[1][0]
    times = serve(httpd, d, uri, lambda: Response(200, os.urandom(20000)), 1)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    assert len(times) == 2, times
    assert "segment-failed" not in stream_log(tmp_path)
    check_file(tmp_path / "stream_0.ts", 8.0)
