"""The HTTP client through `streamingserver --fetch` against the loopback fixture servers.

Each test is a user story of what an upstream server does and what the client must make
of it: bodies arrive complete or the fetch fails with a named error, never a short body.
"""
import gzip
import os
import signal
import subprocess
import time
import zlib

import pytest

from fixtures_http import Response, ranged
from sslib import daemon_cmd, under_qemu

SLOW = 4 if under_qemu() else 1


def fetch(*args, timeout=30, expect_rc=None):
    """Runs --fetch; returns (rc, body bytes, stderr text)."""
    cmd = daemon_cmd() + ["--fetch"] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, timeout=timeout * SLOW)
    err = p.stderr.decode(errors="replace")
    if expect_rc is not None:
        assert p.returncode == expect_rc, err
    return p.returncode, p.stdout, err


def error_name(stderr):
    for line in stderr.splitlines():
        if "error=" in line:
            return line.split("error=", 1)[1].split()[0]
    return None


BODY = bytes((i * 7 + 3) & 0xFF for i in range(300000))


@pytest.mark.smoke
def test_plain_body_with_content_length(httpd):
    httpd.content("/a.bin", BODY)
    rc, out, err = fetch(httpd.url("/a.bin"), expect_rc=0)
    assert out == BODY


@pytest.mark.smoke
def test_chunked_body_with_extensions_and_trailers(httpd):
    httpd.route("/c", Response(body=BODY, chunked=True, chunk_size=1000,
                               chunk_ext=';name="va;lue";x', trailers=[("X-Sum", "1"),
                                                                        ("X-More", "2")]))
    rc, out, err = fetch(httpd.url("/c"), expect_rc=0)
    assert out == BODY


def test_gzip_and_deflate_bodies(httpd):
    httpd.route("/g", Response(body=BODY, gzip=True))
    httpd.route("/gc", Response(body=BODY, gzip=True, chunked=True, chunk_size=777))
    httpd.route("/d", Response(body=BODY, deflate=True))
    httpd.route("/raw", Response(body=BODY, deflate="raw"))
    for path in ("/g", "/gc", "/d", "/raw"):
        rc, out, err = fetch(httpd.url(path), expect_rc=0)
        assert out == BODY, path
    assert "gzip" in httpd.requests_for("/g")[0].headers.get("Accept-Encoding")


def test_truncated_gzip_is_an_error(httpd):
    data = gzip.compress(BODY)
    httpd.route("/tg", Response(body=data[: len(data) // 2],
                                headers=[("Content-Encoding", "gzip")]))
    rc, out, err = fetch(httpd.url("/tg"))
    assert rc == 1 and error_name(err) == "protocol"


@pytest.mark.smoke
def test_redirect_chain_relative_and_absolute_keeps_one_connection(httpd):
    httpd.redirect("/r1", "r2", status=301)
    httpd.redirect("/r2", "/dir/../r3", status=302)
    httpd.redirect("/r3", httpd.url("/r4"), status=307)
    httpd.redirect("/r4", "?q=1", status=308)
    httpd.route("/r4", lambda rq: Response(200, b"final " + rq.target.encode()) if rq.query
                else Response(308, b"", [("Location", "?q=1")]))
    rc, out, err = fetch(httpd.url("/r1"), "-v", expect_rc=0)
    assert out == b"final /r4?q=1"
    assert "final_url=%s" % httpd.url("/r4?q=1") in err
    assert httpd.connections == 1, "keep-alive connection not reused across redirects"


def test_cross_host_redirect(httpd, make_httpd):
    other = make_httpd()
    other.content("/x", b"other host")
    httpd.redirect("/go", other.url("/x", host="localhost"))
    rc, out, err = fetch(httpd.url("/go"), "-H", "Authorization: Bearer secret", expect_rc=0)
    assert out == b"other host"
    # credentials given for the first host do not follow to another one
    assert other.requests_for("/x")[0].headers.get("Authorization") is None
    assert httpd.requests_for("/go")[0].headers.get("Authorization") == "Bearer secret"


def test_redirect_loop_fails(httpd):
    httpd.redirect("/loop", "/loop2")
    httpd.redirect("/loop2", "/loop")
    t = time.monotonic()
    rc, out, err = fetch(httpd.url("/loop"))
    assert rc == 1 and error_name(err) == "protocol"
    assert out == b""
    assert httpd.hits["/loop"] + httpd.hits["/loop2"] <= 12
    assert time.monotonic() - t < 5 * SLOW


def test_cookies_set_on_redirect_are_kept(httpd):
    httpd.route("/login", Response(302, b"", [("Location", "/sub/page"),
                                              ("Set-Cookie", "sid=abc123; Path=/; HttpOnly"),
                                              ("Set-Cookie", "narrow=1; Path=/other"),
                                              ("Set-Cookie", "gone=1; Max-Age=0"),
                                              ("Set-Cookie", "foreign=1; Domain=example.com")]))
    httpd.route("/sub/page", lambda rq: Response(200, repr(sorted(rq.cookies.items())).encode()))
    rc, out, err = fetch(httpd.url("/login"), expect_rc=0)
    assert out == repr([("sid", "abc123")]).encode()


def test_secure_cookie_not_sent_over_http(httpd):
    httpd.route("/s", Response(302, b"", [("Location", "/t"),
                                          ("Set-Cookie", "sec=1; Secure"),
                                          ("Set-Cookie", "plain=2")]))
    httpd.route("/t", lambda rq: Response(200, rq.headers.get("Cookie", "").encode()))
    rc, out, err = fetch(httpd.url("/s"), expect_rc=0)
    assert out == b"plain=2"


def test_session_and_extra_headers_are_sent(httpd):
    httpd.route("/h", lambda rq: Response(200, b"ok"))
    fetch(httpd.url("/h"), "-H", "Referer: http://ref.example/", "-H", "Origin: http://o.example",
          "-H", "Cookie: given=1", expect_rc=0)
    rq = httpd.requests_for("/h")[0]
    assert rq.headers.get("Referer") == "http://ref.example/"
    assert rq.headers.get("Origin") == "http://o.example"
    assert rq.headers.get("User-Agent")
    assert rq.headers.get("Host") == "127.0.0.1:%d" % httpd.port
    assert rq.cookies == {"given": "1"}


def test_header_injection_refused(httpd):
    httpd.content("/x", b"x")
    rc, out, err = fetch(httpd.url("/x"), "-H", "X-A: 1\r\nX-Injected: 2")
    assert rc == 1
    assert httpd.hits["/x"] == 0


def test_429_with_retry_after_is_retried(httpd):
    def h(rq):
        if rq.hit == 1:
            return Response(429, b"slow down", [("Retry-After", "1")])
        return Response(200, b"finally")
    httpd.route("/rl", h)
    t = time.monotonic()
    rc, out, err = fetch(httpd.url("/rl"), expect_rc=0)
    assert out == b"finally"
    assert httpd.hits["/rl"] == 2
    assert time.monotonic() - t >= 0.95


def test_503_then_200(httpd):
    httpd.route("/flaky", lambda rq: Response(503, b"busy") if rq.hit < 3 else Response(200, b"ok"))
    rc, out, err = fetch(httpd.url("/flaky"), expect_rc=0)
    assert out == b"ok" and httpd.hits["/flaky"] == 3


def test_52x_retried_then_gives_up(httpd):
    httpd.route("/cf", Response(522, b"origin timeout"))
    rc, out, err = fetch(httpd.url("/cf"), "--retries", "2")
    assert rc == 1 and error_name(err) == "http"
    assert httpd.hits["/cf"] == 3
    assert out == b""


@pytest.mark.parametrize("status,name", [(403, "forbidden"), (401, "forbidden"),
                                         (404, "not_found"), (410, "not_found")])
def test_client_errors_not_retried(httpd, status, name):
    httpd.route("/e", Response(status, b"no"))
    rc, out, err = fetch(httpd.url("/e"))
    assert rc == 1 and error_name(err) == name
    assert httpd.hits["/e"] == 1
    assert out == b""


def test_stalled_server_times_out(httpd):
    httpd.route("/stall", Response(body=b"x" * 1000, delay=30))
    httpd.route("/stall_body", Response(body=b"y" * 100000, stall_at=5000, stall=30))
    for path in ("/stall", "/stall_body"):
        t = time.monotonic()
        rc, out, err = fetch(httpd.url(path), "--timeout", "500", "--retries", "0")
        assert rc == 1 and error_name(err) == "timeout", err
        assert time.monotonic() - t < 5 * SLOW


def test_close_mid_body_is_an_error_not_a_short_body(httpd):
    httpd.route("/cut", Response(body=BODY, close_at=100000))
    httpd.route("/cutc", Response(body=BODY, chunked=True, close_at=100000))
    for path in ("/cut", "/cutc"):
        rc, out, err = fetch(httpd.url(path))
        assert rc == 1 and error_name(err) == "eof", (path, err)
        assert len(out) < len(BODY)


def test_close_delimited_body_is_complete(httpd):
    httpd.route("/cd", Response(body=BODY, content_length=False))
    rc, out, err = fetch(httpd.url("/cd"), expect_rc=0)
    assert out == BODY


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 abc OK\r\n\r\n",
    b"HTTP/2 200\r\n\r\n",
    b"ICY 200 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nBad Header Line\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
])
def test_malformed_responses(httpd, raw):
    httpd.route("/bad", Response(raw=raw))
    rc, out, err = fetch(httpd.url("/bad"))
    assert rc == 1 and error_name(err) == "protocol", err
    assert out == b""


def test_huge_header_block_is_refused(httpd):
    big = [("X-Filler-%03d" % i, "v" * 1000) for i in range(100)]  # ~100 KB
    httpd.route("/big", Response(body=b"x", headers=big))
    t = time.monotonic()
    rc, out, err = fetch(httpd.url("/big"))
    assert rc == 1 and error_name(err) == "protocol"
    assert time.monotonic() - t < 5 * SLOW


def test_interim_100_response_skipped(httpd):
    httpd.route("/100", Response(raw=b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                                     b"Content-Length: 2\r\n\r\nok"))
    rc, out, err = fetch(httpd.url("/100"), expect_rc=0)
    assert out == b"ok"


def test_range_requests(httpd):
    httpd.content("/r.bin", BODY)
    rc, out, err = fetch(httpd.url("/r.bin"), "-r", "1000-1999", "-v", expect_rc=0)
    assert out == BODY[1000:2000]
    assert "status=206" in err and "range_total=%d" % len(BODY) in err
    assert httpd.requests_for("/r.bin")[0].headers.get("Range") == "bytes=1000-1999"
    rc, out, err = fetch(httpd.url("/r.bin"), "-r", "299990-", expect_rc=0)
    assert out == BODY[299990:]


def test_range_ignored_by_server_is_trimmed(httpd):
    httpd.route("/norange", Response(body=BODY))
    rc, out, err = fetch(httpd.url("/norange"), "-r", "5000-5999", expect_rc=0)
    assert out == BODY[5000:6000]
    rc, out, err = fetch(httpd.url("/norange"), "-r", "290000-", expect_rc=0)
    assert out == BODY[290000:]


def test_head_request(httpd):
    httpd.content("/h.bin", BODY)
    rc, out, err = fetch(httpd.url("/h.bin"), "-I", "-v", expect_rc=0)
    assert out == b""
    assert "length=%d" % len(BODY) in err


def test_output_file(httpd, tmp_path):
    httpd.content("/f", BODY)
    dest = tmp_path / "out.bin"
    fetch(httpd.url("/f"), "-o", dest, expect_rc=0)
    assert dest.read_bytes() == BODY


@pytest.mark.smoke
def test_cancel_ends_a_blocked_request_quickly(httpd):
    httpd.route("/forever", Response(body=b"x" * 100, stall_at=10, stall=60))
    p = subprocess.Popen(daemon_cmd() + ["--fetch", httpd.url("/forever")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10 * SLOW
    while httpd.hits["/forever"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    t = time.monotonic()
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=5 * SLOW)
    elapsed = time.monotonic() - t
    assert error_name(err.decode()) == "cancelled"
    print("cancel took %.3f s" % elapsed)
    assert elapsed < (0.2 if not under_qemu() else 1.0), elapsed


def test_connection_refused_and_bad_urls():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc, out, err = fetch("http://127.0.0.1:%d/" % port)
    assert rc == 1 and error_name(err) == "connect"
    rc, out, err = fetch("ftp://127.0.0.1/x")
    assert rc == 1 and error_name(err) == "unsupported"
    rc, out, err = fetch("http://[::1/x")
    assert rc == 1 and error_name(err) == "parse"


def test_ipv6_literal(make_httpd):
    try:
        srv = make_httpd(host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback")
    srv.content("/v6", b"six")
    rc, out, err = fetch(srv.url("/v6"), expect_rc=0)
    assert out == b"six"
    assert srv.requests_for("/v6")[0].headers.get("Host") == "[::1]:%d" % srv.port


def test_localhost_name_resolves(httpd):
    httpd.content("/n", b"named")
    rc, out, err = fetch(httpd.url("/n", host="localhost"), expect_rc=0)
    assert out == b"named"


# ---------------------------------------------------------------- TLS

@pytest.mark.smoke
def test_https_with_the_right_ca(httpsd):
    httpsd.content("/s.bin", BODY)
    rc, out, err = fetch(httpsd.url("/s.bin", host="localhost"), "--ca", httpsd.ca_file, "-v",
                         expect_rc=0)
    assert out == BODY


def test_https_gzip_chunked(httpsd):
    httpsd.route("/gc", Response(body=BODY, gzip=True, chunked=True))
    rc, out, err = fetch(httpsd.url("/gc", host="localhost"), "--ca", httpsd.ca_file, expect_rc=0)
    assert out == BODY


def test_https_session_resumed_on_reconnect(httpsd):
    # the first answer closes its connection, so the redirect needs a new handshake
    httpsd.route("/first", Response(302, b"", [("Location", "/second")], close=True))
    httpsd.content("/second", b"resumed?")
    rc, out, err = fetch(httpsd.url("/first", host="localhost"), "--ca", httpsd.ca_file,
                         expect_rc=0)
    assert out == b"resumed?"
    assert httpsd.connections == 2
    assert httpsd.tls_resumed >= 1, "TLS session not resumed"


@pytest.mark.smoke
@pytest.mark.parametrize("variant", ["wrong_host", "expired", "unknown_ca"])
def test_bad_certificates_refused(make_httpd, test_ca, variant):
    srv = make_httpd(tls=variant)
    srv.content("/x", b"secret")
    rc, out, err = fetch(srv.url("/x", host="localhost"), "--ca", test_ca.ca_file)
    assert rc == 1 and error_name(err) == "tls", err
    assert out == b""
    assert srv.hits["/x"] == 0


def test_no_ca_bundle_means_no_connection(httpsd, tmp_path):
    httpsd.content("/x", b"x")
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    rc, out, err = fetch(httpsd.url("/x", host="localhost"), "--ca", empty)
    assert rc == 1 and error_name(err) == "tls"
    rc, out, err = fetch(httpsd.url("/x", host="localhost"), "--ca", tmp_path / "missing.pem")
    assert rc == 1 and error_name(err) == "tls"


def test_verification_off_is_explicit_and_warns(make_httpd):
    srv = make_httpd(tls="wrong_host")
    srv.content("/x", b"insecure")
    rc, out, err = fetch(srv.url("/x", host="localhost"), "-k", expect_rc=0)
    assert out == b"insecure"
    assert "verification is OFF" in err


def test_rsa_server_certificate(make_httpd, test_ca):
    srv = make_httpd(tls="rsa")
    srv.content("/x", b"rsa")
    rc, out, err = fetch(srv.url("/x", host="localhost"), "--ca", test_ca.ca_file, expect_rc=0)
    assert out == b"rsa"


def test_per_host_rate_limit(httpd):
    for i in range(4):
        httpd.redirect("/hop%d" % i, "/hop%d" % (i + 1))
    httpd.content("/hop4", b"end")
    t = time.monotonic()
    rc, out, err = fetch(httpd.url("/hop0"), "--rate", "240", "--burst", "1", expect_rc=0)
    elapsed = time.monotonic() - t
    assert out == b"end"
    # 5 requests, bucket of 1, 4 per second: the last four wait 0.25 s each
    assert elapsed >= 0.95, elapsed
    assert elapsed < 3 * SLOW


def test_wrong_content_range_is_refused(httpd):
    httpd.route("/liar", Response(206, BODY[:1000], [("Content-Range", "bytes 0-999/%d" % len(BODY))]))
    rc, out, err = fetch(httpd.url("/liar"), "-r", "5000-5999")
    assert rc == 1 and error_name(err) == "protocol"
    assert out == b""


def test_chunked_redirect_and_error_bodies_keep_the_connection(httpd):
    httpd.route("/cr", Response(302, b"moved " * 100, [("Location", "/after")], chunked=True))
    httpd.route("/after", lambda rq: Response(503, b"later " * 100, chunked=True)
                if rq.hit == 1 else Response(200, b"done"))
    rc, out, err = fetch(httpd.url("/cr"), expect_rc=0)
    assert out == b"done"
    assert httpd.connections == 1


def test_404_whose_body_breaks_is_still_not_found(httpd):
    httpd.route("/gone", Response(404, b"x" * 50000, close_at=100))
    rc, out, err = fetch(httpd.url("/gone"))
    assert rc == 1 and error_name(err) == "not_found"
