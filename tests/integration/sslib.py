"""Test helpers: start the real daemon, talk the port-5000 protocol over TCP."""
import atexit
import json
import os
import shlex
import signal
import socket
import struct
import subprocess
import shutil
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def daemon_cmd():
    """The daemon command line prefix: SS_WRAP (e.g. qemu-arm-static -cpu cortex-a15) + SS_BIN."""
    binary = os.environ.get("SS_BIN", os.path.join(TOP, "build", "host", "streamingserver"))
    return shlex.split(os.environ.get("SS_WRAP", "")) + [binary]


def under_qemu():
    return bool(os.environ.get("SS_WRAP"))


def sanitized_build():
    """True for ASan/valgrind-style builds whose memory use says nothing about ours."""
    return "asan" in os.environ.get("SS_BIN", "") or bool(os.environ.get("SS_SANITIZED"))


class Daemon:
    """One daemon process on a free loopback port, stopped with SIGTERM at the end."""

    def __init__(self, args=(), config=None, port=None, env=None, providers_dir=None,
                 allowed_roots=None):
        self.port = port or free_port()
        self.tmp = tempfile.mkdtemp(prefix="ss-daemon-")
        # Kept until the test session ends (tests read the log after stop()), then removed.
        atexit.register(shutil.rmtree, self.tmp, True)
        self.conf = os.path.join(self.tmp, "streamingserver.conf")
        lines = dict(config or {})
        with open(self.conf, "w") as f:
            for k, v in lines.items():
                f.write("%s = %s\n" % (k, v))
        cmd = daemon_cmd() + ["--config", self.conf, "--listen", "127.0.0.1",
                              "--port", str(self.port),
                              "--providers-dir", providers_dir or os.path.join(TOP, "providers")]
        if allowed_roots is not None:
            cmd += ["--allowed-roots", allowed_roots]
        cmd += list(args)
        self.cmd = cmd
        self.log = open(os.path.join(self.tmp, "daemon.log"), "w+")
        e = dict(os.environ)
        e.update(env or {})
        self.t_exec = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=e)
        self.wait_listening()

    def wait_listening(self, timeout=None):
        timeout = timeout or (20 if under_qemu() else 5)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited %s: %s" % (self.proc.returncode, self.output()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    self.t_listening = time.monotonic()
                    return
            except OSError:
                time.sleep(0.005)
        raise RuntimeError("daemon not listening on %d: %s" % (self.port, self.output()))

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def client(self, **kw):
        return Client(self.port, **kw)

    def stop(self, sig=signal.SIGTERM, timeout=5):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def encode_frame(payload):
    """One frame: 4-byte big-endian length + payload (bytes, str, or a JSON-able object)."""
    if isinstance(payload, str):
        payload = payload.encode()
    elif not isinstance(payload, (bytes, bytearray)):
        payload = json.dumps(payload).encode()
    return struct.pack(">I", len(payload)) + bytes(payload)


class Client:
    """A protocol client: 4-byte big-endian length + UTF-8 JSON array, both ways."""

    def __init__(self, port, timeout=None, expect_ready=True, host="127.0.0.1", rcvbuf=None):
        self.timeout = timeout or (30 if under_qemu() else 10)
        if rcvbuf is None:
            self.sock = socket.create_connection((host, port), timeout=self.timeout)
        else:
            # A small receive buffer set before connecting keeps the kernel from buffering
            # megabytes for a client that does not read.
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            self.sock = socket.socket(fam, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.sock.settimeout(self.timeout)
            self.sock.connect((host, port))
        self.buf = b""
        if expect_ready:
            msg = self.recv()
            assert msg == ["ready", {}], msg

    def send(self, cmd, args=None):
        payload = json.dumps([cmd, {} if args is None else args]).encode()
        self.sock.sendall(struct.pack(">I", len(payload)) + payload)

    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def recv(self, timeout=None):
        self.sock.settimeout(timeout or self.timeout)
        self._fill(4)
        (n,) = struct.unpack(">I", self.buf[:4])
        self._fill(4 + n)
        payload, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        return json.loads(payload.decode("utf-8"))

    def recv_until(self, cmd, timeout=None, pred=None):
        """Reads messages until one named cmd (and matching pred) arrives; returns it."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no %s message" % cmd)
            m = self.recv(timeout=left)
            if m[0] == cmd and (pred is None or pred(m[1])):
                return m

    def request(self, cmd, args=None, timeout=None):
        self.send(cmd, args)
        return self.recv(timeout)

    def send_frame(self, payload):
        """Sends one frame with any payload (bytes are sent as they are, unchecked)."""
        self.sock.sendall(encode_frame(payload))

    def recv_all(self, timeout=0.5):
        """Every message that arrives until timeout passes without one."""
        out = []
        while True:
            try:
                out.append(self.recv(timeout=timeout))
            except (socket.timeout, TimeoutError):
                return out

    def wait_closed(self, timeout=None):
        """Reads until the server closes the connection; returns the messages read before.
        Raises TimeoutError when the connection stays open."""
        deadline = time.monotonic() + (timeout or self.timeout)
        out = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("connection still open")
            try:
                out.append(self.recv(timeout=left))
            except (EOFError, ConnectionResetError, BrokenPipeError):
                return out
            except (socket.timeout, TimeoutError):
                raise TimeoutError("connection still open")

    def close(self):
        self.sock.close()
