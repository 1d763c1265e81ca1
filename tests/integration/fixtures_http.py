"""HTTP/HTTPS fixture servers on loopback for tests: static directories, scripted routes.

Fixtures (auto-loaded by conftest.py):
  test_ca      (session)  a throw-away CA made with `openssl`; .ca_file, .cert(variant)
  make_httpd   (function) factory: make_httpd(tls=None|"good"|"wrong_host"|"expired"|
                          "unknown_ca"|"rsa", host="127.0.0.1") -> Httpd, stopped at teardown
  httpd        (function) plain HTTP server on 127.0.0.1, random port
  httpsd       (function) the same over TLS, certificate for localhost/127.0.0.1/::1 signed by
                          test_ca; httpsd.ca_file is the CA bundle a client must trust

Typical use:
  httpd.serve_dir(tmp_path)                         # files, with Range and HEAD, keep-alive
  httpd.route("/api", lambda rq: {"ok": 1})          # dict/list -> JSON
  httpd.route("/seg", lambda rq: Response(body=data, chunked=True, gzip=True))
  httpd.route("/live/*", handler)                   # prefix route
  httpd.redirect("/a", "/b", status=301)
  url = httpd.url("/a");  httpd.hits["/b"];  httpd.connections;  httpd.requests[-1].headers

A handler gets a Request (method, path, target, query, headers, body, cookies, conn_id,
conn_index, hit, tls) and returns a Response, a (status, headers, body) tuple, bytes/str
(200), a dict/list (200 JSON) or an int (status, empty body). Response options script
misbehaviour: delay (seconds before the first byte), stall_at/stall (pause mid-body),
close_at (abrupt close after N body bytes), content_length (declared length override, or
False for a close-delimited body), raw (bytes written verbatim, then close), throttle
(bytes/s), chunk_ext/trailers for chunked bodies, gzip/deflate.
"""
import collections
import copy
import email.utils
import gzip as gziplib
import http.server
import json
import mimetypes
import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
import time
import urllib.parse
import zlib

import pytest

__all__ = ["Response", "Request", "Httpd", "TestCA", "ranged"]


class Response:
    """What a route answers; every option has a safe default (a plain 200)."""

    def __init__(self, status=200, body=b"", headers=None, reason=None, content_type=None,
                 chunked=False, chunk_size=4096, chunk_ext=None, trailers=None,
                 gzip=False, deflate=False, content_length=None, delay=0.0, stall_at=None,
                 stall=0.0, close_at=None, close=False, raw=None, throttle=None):
        self.status = status
        self.body = body
        # list of (name, value); a dict keeps its order
        self.headers = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        self.reason = reason
        self.content_type = content_type
        self.chunked = chunked
        self.chunk_size = max(1, chunk_size)
        self.chunk_ext = chunk_ext          # e.g. ';name=value' after each chunk size
        self.trailers = list(trailers or [])
        self.gzip = gzip                    # True: when the client accepts it; "always": anyway
        self.deflate = deflate              # True: zlib-wrapped; "raw": raw deflate
        self.content_length = content_length  # None: auto; int: declared; False: omit + close
        self.delay = delay
        self.stall_at = stall_at            # body offset (0: right after the header block)
        self.stall = stall
        self.close_at = close_at            # body offset after which the socket is closed
        self.close = close
        self.raw = raw
        self.throttle = throttle            # bytes per second, None: unlimited


class Request:
    """One parsed request as a route sees it."""

    def __init__(self, handler, body):
        self.method = handler.command
        self.target = handler.path
        parts = urllib.parse.urlsplit(handler.path)
        self.path = parts.path
        self.query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        self.headers = handler.headers          # email.message.Message: case-insensitive get()
        self.body = body
        self.conn_id = handler.conn_id
        self.conn_index = handler.conn_index    # 0 for the first request on a connection
        self.tls = handler.server.tls_ctx is not None
        self.client_address = handler.client_address
        self.hit = 0                            # filled in: n-th request for this path (1-based)
        self.cookies = {}
        for line in handler.headers.get_all("Cookie") or []:
            for kv in line.split(";"):
                if "=" in kv:
                    k, v = kv.strip().split("=", 1)
                    self.cookies[k] = v

    def accepts_gzip(self):
        return "gzip" in (self.headers.get("Accept-Encoding") or "").lower()

    def range(self):
        """(start, end_or_None) of a single 'bytes=' Range, or None."""
        return parse_range(self.headers.get("Range"))


def parse_range(value):
    if not value or not value.strip().startswith("bytes="):
        return None
    spec = value.strip()[6:].split(",")[0].strip()
    a, _, b = spec.partition("-")
    try:
        if a == "":
            return (-int(b), None)              # suffix range: last N bytes
        return (int(a), int(b) if b else None)
    except ValueError:
        return None


def ranged(req, data, content_type="application/octet-stream", **opts):
    """A Response for in-memory data honouring a single Range (206/416) like a file server."""
    headers = list(opts.pop("headers", []))
    headers.append(("Accept-Ranges", "bytes"))
    r = req.range()
    total = len(data)
    if r is None:
        return Response(200, data, headers, content_type=content_type, **opts)
    start, end = r
    if start < 0:
        start = max(0, total + start)
        end = total - 1
    if end is None or end >= total:
        end = total - 1
    if start >= total or start > end:
        return Response(416, b"", headers + [("Content-Range", "bytes */%d" % total)])
    headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end, total)))
    return Response(206, data[start:end + 1], headers, content_type=content_type, **opts)


class _Closed(Exception):
    """The script closed the connection on purpose."""


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ss-fixture/1"
    timeout = 30  # idle keep-alive connections end on their own
    # Request-line + header block cap of the stdlib parser is 64 KiB per line; fine for tests.

    def setup(self):
        super().setup()
        srv = self.server
        with srv.lock:
            srv.conn_seq += 1
            self.conn_id = srv.conn_seq
        self.conn_index = -1

    def log_message(self, fmt, *args):  # quiet; tests read httpd.requests instead
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (_Closed, ConnectionError, ssl.SSLError, socket.timeout, OSError):
            self.close_connection = True

    def _dispatch(self):
        self.conn_index += 1
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        req = Request(self, body)
        srv = self.server.owner
        with srv.lock:
            srv.hits[req.path] += 1
            req.hit = srv.hits[req.path]
            srv.requests.append(req)
        handler = srv.find_route(req.path)
        if handler is None:
            resp = Response(404, b"not found\n", content_type="text/plain")
        else:
            try:
                resp = _to_response(handler(req) if callable(handler) else handler)
            except Exception as e:  # a test bug: answer 500 and keep it visible
                srv.errors.append(e)
                resp = Response(500, ("handler error: %r\n" % e).encode(), close=True)
        self._send(req, resp)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = _dispatch

    def _sleep(self, secs):
        if secs and self.server.owner.stop_event.wait(secs):
            raise _Closed()

    def _write(self, data, resp, sent):
        """Writes body bytes honouring stall_at/close_at/throttle; returns the new offset."""
        view = memoryview(data)
        while len(view):
            n = len(view)
            for mark in (resp.stall_at, resp.close_at):
                if mark is not None and sent < mark:
                    n = min(n, mark - sent)
            if resp.throttle:
                n = min(n, max(1, resp.throttle // 20))
            if resp.stall_at is not None and sent == resp.stall_at and resp.stall:
                self.wfile.flush()
                self._sleep(resp.stall)
                resp.stall = 0
            if resp.close_at is not None and sent >= resp.close_at:
                self._abort()
            self.wfile.write(view[:n])
            sent += n
            view = view[n:]
            if resp.throttle:
                self._sleep(n / resp.throttle)
        if resp.stall_at is not None and sent == resp.stall_at and resp.stall:
            self.wfile.flush()
            self._sleep(resp.stall)
            resp.stall = 0
        if resp.close_at is not None and sent >= resp.close_at:
            self._abort()
        return sent

    def _abort(self):
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise _Closed()

    def _send(self, req, resp):
        resp = copy.copy(resp)  # per-request state (stall is consumed)
        self._sleep(resp.delay)
        if resp.raw is not None:
            self.wfile.write(resp.raw)
            self._abort()
        body = resp.body
        if isinstance(body, str):
            body = body.encode()
        encoding = None
        if resp.gzip == "always" or (resp.gzip and req.accepts_gzip()):
            encoding = "gzip"
        elif resp.deflate:
            encoding = "deflate"
        if encoding and not isinstance(body, (bytes, bytearray)):
            body = b"".join(body)
        if encoding == "gzip":
            body = gziplib.compress(bytes(body), mtime=0)
        elif encoding == "deflate":
            c = zlib.compressobj(wbits=-15 if resp.deflate == "raw" else 15)
            body = c.compress(bytes(body)) + c.flush()
        names = {k.lower() for k, _ in resp.headers}
        lines = ["HTTP/1.1 %d %s" % (resp.status, resp.reason if resp.reason is not None
                                     else self.responses.get(resp.status, ("OK",))[0])]
        hdrs = list(resp.headers)
        if "date" not in names:
            hdrs.append(("Date", email.utils.formatdate(usegmt=True)))
        if "server" not in names:
            hdrs.append(("Server", self.server_version))
        if resp.content_type and "content-type" not in names:
            hdrs.append(("Content-Type", resp.content_type))
        if encoding:
            hdrs.append(("Content-Encoding", encoding))
        close = resp.close or self.close_connection
        bodyless = req.method == "HEAD" or resp.status in (204, 304) or resp.status < 200
        if resp.chunked and not bodyless:
            hdrs.append(("Transfer-Encoding", "chunked"))
        elif "content-length" not in names:
            if resp.content_length is False:
                close = True
            elif resp.content_length is not None:
                hdrs.append(("Content-Length", str(resp.content_length)))
            elif isinstance(body, (bytes, bytearray)):
                if resp.status not in (204, 304) and resp.status >= 200:
                    hdrs.append(("Content-Length", str(len(body))))
            else:
                close = True  # an iterable of unknown length: close-delimited
        if close:
            hdrs.append(("Connection", "close"))
            self.close_connection = True
        head = "\r\n".join(lines + ["%s: %s" % kv for kv in hdrs]) + "\r\n\r\n"
        self.wfile.write(head.encode("latin-1"))
        if bodyless:
            self.wfile.flush()
            if resp.stall_at == 0:
                self._sleep(resp.stall)
            if resp.close_at == 0:
                self._abort()
            return
        chunks = [body] if isinstance(body, (bytes, bytearray)) else body
        sent = 0
        if not resp.chunked:
            for c in chunks:
                sent = self._write(c, resp, sent)
            if sent == 0:
                sent = self._write(b"", resp, sent)
        else:
            ext = resp.chunk_ext or ""
            for c in chunks:
                for i in range(0, len(c), resp.chunk_size):
                    piece = c[i:i + resp.chunk_size]
                    self.wfile.write(("%x%s\r\n" % (len(piece), ext)).encode())
                    sent = self._write(piece, resp, sent)
                    self.wfile.write(b"\r\n")
            sent = self._write(b"", resp, sent)
            tail = "0%s\r\n" % ext + "".join("%s: %s\r\n" % kv for kv in resp.trailers) + "\r\n"
            self.wfile.write(tail.encode("latin-1"))
        self.wfile.flush()
        if self.close_connection:
            try:
                if isinstance(self.connection, ssl.SSLSocket):
                    # close_notify: OpenSSL only keeps the session resumable after it
                    self.connection.settimeout(1)
                    self.connection.unwrap()
                else:
                    self.connection.shutdown(socket.SHUT_WR)
            except (OSError, ValueError):
                pass


def _to_response(r):
    if isinstance(r, Response):
        return r
    if isinstance(r, tuple):
        status, headers, body = (r + (None, None))[:3]
        return Response(status, body or b"", headers)
    if isinstance(r, (bytes, bytearray, str)):
        return Response(200, r)
    if isinstance(r, (dict, list)):
        return Response(200, json.dumps(r).encode(), content_type="application/json")
    if isinstance(r, int):
        return Response(r, b"")
    raise TypeError("route handler returned %r" % type(r))


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, owner, host, tls_ctx):
        self.owner = owner
        self.tls_ctx = tls_ctx
        self.lock = owner.lock
        self.conn_seq = 0
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, 0), _Handler)

    def finish_request(self, request, client_address):
        owner = self.owner
        with owner.lock:
            owner.connections += 1
            owner.socks.add(request)
        try:
            if self.tls_ctx is not None:
                request.settimeout(10)
                try:
                    request = self.tls_ctx.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    with owner.lock:
                        owner.tls_errors.append(e)
                    return
                with owner.lock:
                    owner.socks.add(request)
                    owner.tls_versions.append(request.version())
                    if request.session_reused:
                        owner.tls_resumed += 1
                request.settimeout(None)
            super().finish_request(request, client_address)
        finally:
            with owner.lock:
                owner.socks.discard(request)

    def handle_error(self, request, client_address):
        pass  # client went away mid-response: expected in many tests


class Httpd:
    """A running fixture server. All counters are safe to read from the test thread."""

    def __init__(self, host="127.0.0.1", tls_ctx=None, ca_file=None, url_host=None):
        self.lock = threading.RLock()
        self.stop_event = threading.Event()
        self.routes = {}
        self.prefix_routes = []
        self.hits = collections.Counter()
        self.requests = []
        self.errors = []
        self.tls_errors = []
        self.tls_versions = []
        self.tls_resumed = 0
        self.connections = 0
        self.socks = set()
        self.ca_file = ca_file
        self.host = host
        self.scheme = "https" if tls_ctx else "http"
        self._srv = _Server(self, host, tls_ctx)
        self.port = self._srv.server_address[1]
        self.url_host = url_host or (("[%s]" % host) if ":" in host else host)
        self._thread = threading.Thread(target=self._srv.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # ---- addresses
    def url(self, path="/", host=None):
        """Absolute URL for path on this server (host defaults to the listen address)."""
        return "%s://%s:%d%s" % (self.scheme, host or self.url_host, self.port, path)

    @property
    def base(self):
        return self.url("")

    # ---- content
    def route(self, path, handler, **opts):
        """Serves path ("/x" exact, "/x/*" prefix) with handler (callable or fixed value).

        opts (chunked=, gzip=, deflate=, ...) are Response options applied to whatever the
        handler returns when it returns something other than a Response."""
        if opts:
            inner = handler

            def handler(req, _inner=inner, _opts=opts):
                r = _inner(req) if callable(_inner) else _inner
                if isinstance(r, Response):
                    return r
                base = _to_response(r)
                kw = dict(status=base.status, body=base.body, headers=base.headers,
                          content_type=base.content_type)
                kw.update(_opts)
                return Response(**kw)
        with self.lock:
            if path.endswith("*"):
                self.prefix_routes.append((path[:-1], handler))
                self.prefix_routes.sort(key=lambda pr: -len(pr[0]))
            else:
                self.routes[path] = handler

    def content(self, path, data, content_type="application/octet-stream", **opts):
        """Serves fixed bytes at path with Range support (opts: Response options)."""
        if isinstance(data, str):
            data = data.encode()
        self.route(path, lambda req: ranged(req, data, content_type, **opts))

    def redirect(self, path, location, status=302, headers=None):
        """Answers path with a redirect to location (absolute or relative, used verbatim)."""
        self.route(path, lambda req: Response(status, b"",
                                              [("Location", location)] + list(headers or [])))

    def serve_dir(self, directory, prefix="/", **opts):
        """Serves files below directory under prefix, with Range, HEAD and keep-alive.

        opts: chunked=True / gzip=True|"always" / throttle=... applied to every file."""
        directory = os.path.abspath(str(directory))
        prefix = prefix if prefix.endswith("/") else prefix + "/"

        def handler(req):
            rel = urllib.parse.unquote(req.path[len(prefix):])
            full = os.path.abspath(os.path.join(directory, rel))
            if not (full == directory or full.startswith(directory + os.sep)) or \
                    not os.path.isfile(full):
                return Response(404, b"not found\n", content_type="text/plain")
            return _file_response(req, full, opts)
        self.route(prefix + "*", handler)

    def find_route(self, path):
        with self.lock:
            if path in self.routes:
                return self.routes[path]
            for prefix, h in self.prefix_routes:
                if path.startswith(prefix):
                    return h
        return None

    # ---- inspection
    def requests_for(self, path):
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def reset_counts(self):
        with self.lock:
            self.hits.clear()
            self.requests.clear()
            self.connections = 0
            self.tls_resumed = 0
            self.tls_errors.clear()
            self.tls_versions.clear()

    def stop(self):
        self.stop_event.set()
        self._srv.shutdown()
        self._srv.server_close()
        with self.lock:
            socks = list(self.socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(5)


def _file_response(req, full, opts):
    size = os.path.getsize(full)
    ctype = mimetypes.guess_type(full)[0] or "application/octet-stream"
    if full.endswith(".m3u8"):
        ctype = "application/vnd.apple.mpegurl"
    elif full.endswith(".ts"):
        ctype = "video/mp2t"
    elif full.endswith((".m4s", ".mp4")):
        ctype = "video/mp4"
    headers = [("Accept-Ranges", "bytes"),
               ("Last-Modified", email.utils.formatdate(os.path.getmtime(full), usegmt=True))]
    r = req.range()
    start, end, status = 0, size - 1, 200
    if r is not None:
        s, e = r
        if s < 0:
            s, e = max(0, size + s), size - 1
        if e is None or e >= size:
            e = size - 1
        if s >= size or s > e:
            return Response(416, b"", headers + [("Content-Range", "bytes */%d" % size)])
        start, end, status = s, e, 206
        headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end, size)))
    length = end - start + 1

    def chunks():
        with open(full, "rb") as f:
            f.seek(start)
            left = length
            while left > 0:
                b = f.read(min(256 * 1024, left))
                if not b:
                    break
                left -= len(b)
                yield b
    kw = dict(opts)
    if not kw.get("chunked") and not kw.get("gzip") and not kw.get("deflate"):
        kw.setdefault("content_length", length)
    return Response(status, chunks(), headers, content_type=ctype, **kw)


class TestCA:
    """A CA and server certificates made with the openssl CLI, cached for the session."""

    __test__ = False  # not a pytest test class

    VARIANTS = ("good", "wrong_host", "expired", "unknown_ca", "rsa")

    def __init__(self, directory):
        self.dir = str(directory)
        self.ca_key = os.path.join(self.dir, "ca.key")
        self.ca_file = os.path.join(self.dir, "ca.pem")
        self._certs = {}
        self._lock = threading.Lock()
        self._make_ca(self.ca_key, self.ca_file, "ss test CA")

    def _run(self, *args):
        subprocess.run(["openssl"] + list(args), check=True, cwd=self.dir,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def _make_ca(self, key, pem, cn):
        self._run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                  "-nodes", "-keyout", key, "-out", pem, "-days", "3650", "-subj", "/CN=" + cn,
                  "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def cert(self, variant="good"):
        """(cert_pem, key_pem) for variant: good | wrong_host | expired | unknown_ca | rsa."""
        if variant not in self.VARIANTS:
            raise ValueError(variant)
        with self._lock:
            if variant in self._certs:
                return self._certs[variant]
            ca_key, ca_pem = self.ca_key, self.ca_file
            if variant == "unknown_ca":
                ca_key = os.path.join(self.dir, "other-ca.key")
                ca_pem = os.path.join(self.dir, "other-ca.pem")
                self._make_ca(ca_key, ca_pem, "ss other CA")
            key = os.path.join(self.dir, variant + ".key")
            csr = os.path.join(self.dir, variant + ".csr")
            pem = os.path.join(self.dir, variant + ".pem")
            ext = os.path.join(self.dir, variant + ".ext")
            if variant == "wrong_host":
                cn, san = "wrong.example", "DNS:wrong.example,DNS:*.wrong.example"
            else:
                cn, san = "localhost", "DNS:localhost,IP:127.0.0.1,IP:::1"
            with open(ext, "w") as f:
                f.write("subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\n"
                        "keyUsage=critical,digitalSignature,keyEncipherment\n"
                        "extendedKeyUsage=serverAuth\n" % san)
            if variant == "rsa":
                newkey = ["-newkey", "rsa:2048"]
            else:
                newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
            self._run("req", "-new", *newkey, "-nodes", "-keyout", key, "-subj", "/CN=" + cn,
                      "-out", csr)
            days = "-1" if variant == "expired" else "30"
            self._run("x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
                      "-set_serial", str(int(time.time() * 1000)), "-days", days,
                      "-extfile", ext, "-out", pem)
            if variant == "unknown_ca":
                with open(pem, "a") as out, open(ca_pem) as inp:
                    out.write(inp.read())  # full chain, but to a root the client lacks
            self._certs[variant] = (pem, key)
            return pem, key

    def server_context(self, variant="good", min_version=None, max_version=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        pem, key = self.cert(variant)
        ctx.load_cert_chain(pem, key)
        if min_version:
            ctx.minimum_version = min_version
        if max_version:
            ctx.maximum_version = max_version
        return ctx


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    """Session-wide test CA (openssl); .ca_file is the PEM bundle clients must trust."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    return TestCA(tmp_path_factory.mktemp("test-ca"))


@pytest.fixture
def make_httpd(test_ca):
    """Factory for extra servers: make_httpd(tls=None|variant, host=..., min_version=...)."""
    servers = []

    def make(tls=None, host="127.0.0.1", min_version=None, max_version=None, url_host=None):
        ctx = None
        if tls:
            ctx = test_ca.server_context(tls, min_version, max_version)
        s = Httpd(host=host, tls_ctx=ctx, ca_file=test_ca.ca_file if tls else None,
                  url_host=url_host)
        servers.append(s)
        return s
    yield make
    for s in servers:
        s.stop()


@pytest.fixture
def httpd():
    """Plain HTTP/1.1 fixture server on 127.0.0.1 (random port)."""
    s = Httpd()
    yield s
    s.stop()


@pytest.fixture
def httpsd(test_ca):
    """HTTPS fixture server; certificate for localhost/127.0.0.1/::1 from test_ca."""
    s = Httpd(tls_ctx=test_ca.server_context("good"), ca_file=test_ca.ca_file)
    yield s
    s.stop()
