"""A booted QEMU test image (rootfs/mkimage.sh + rootfs/boot.sh) and the host-side HLS fixture."""
import functools
import http.server
import os
import re
import shutil
import subprocess
import threading
import time

from sslib import TOP, free_port

BOARDS = os.environ.get("SS_IMAGE_BOARDS", "qemu_mipsel qemu_armhf qemu_aarch64").split()
LOGDIR = os.path.join(TOP, "build", "test-logs")


def board_binary(board):
    """The daemon for board: $SS_BIN_DIR/<board>/streamingserver when it exists, else None
    (mkimage.sh then builds build/<board>/streamingserver with make)."""
    d = os.environ.get("SS_BIN_DIR")
    if d and os.path.isfile(os.path.join(d, board, "streamingserver")):
        return os.path.join(d, board, "streamingserver")
    return None


def missing_tools(board):
    qemu = {"qemu_mipsel": "qemu-system-mipsel", "qemu_armhf": "qemu-system-arm",
            "qemu_aarch64": "qemu-system-aarch64"}[board]
    return [t for t in (qemu, "cpio", "dpkg-deb", "ffmpeg", "ffprobe") if not shutil.which(t)]


class Vm:
    """Boots one board's image with three forwarded loopback ports: the control port (5000),
    the shutdown trigger (5001) and the guest's read-only httpd over /tmp (8080)."""

    def __init__(self, board):
        self.board = board
        self.lines = []
        self.cond = threading.Condition()
        env = dict(os.environ)
        b = board_binary(board)
        if b:
            env["SS_IMAGE_BIN"] = b
        t = time.monotonic()
        r = subprocess.run([os.path.join(TOP, "rootfs", "mkimage.sh"), board], env=env,
                           capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            raise RuntimeError("mkimage.sh %s failed:\n%s%s" % (board, r.stdout, r.stderr))
        self.mkimage_s = time.monotonic() - t
        self.port, self.port_off, self.port_http = free_port(), free_port(), free_port()
        os.makedirs(LOGDIR, exist_ok=True)
        self.log = open(os.path.join(LOGDIR, "image-%s.log" % board), "w")
        self.t_spawn = time.monotonic()
        self.t_listening = None
        self.proc = subprocess.Popen(
            [os.path.join(TOP, "rootfs", "boot.sh"), board, "%d:5000" % self.port,
             "%d:5001" % self.port_off, "%d:8080" % self.port_http],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            now = time.monotonic()
            self.log.write("%7.3f %s\n" % (now - self.t_spawn, line))
            self.log.flush()
            with self.cond:
                if self.t_listening is None and "listening on" in line:
                    self.t_listening = now
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_line(self, pattern, timeout):
        """Returns the first console line matching the regex; raises on timeout or exit."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for line in self.lines[seen:]:
                    if rx.search(line):
                        return line
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    raise AssertionError("no console line /%s/ after %.0f s on %s:\n%s" % (
                        pattern, timeout, self.board, "\n".join(self.lines[-40:])))
                self.cond.wait(min(left, 0.5))

    def boot_to_listening(self):
        return self.t_listening - self.t_spawn

    def console(self):
        with self.cond:
            return "\n".join(self.lines)

    def power_off(self, timeout=60):
        """Asks the guest's init to stop the service and power off; returns QEMU's status."""
        import socket
        with socket.create_connection(("127.0.0.1", self.port_off), timeout=10) as s:
            s.sendall(b"off\n")
        return self.proc.wait(timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        self.log.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        self.server.paths.append(self.path)


class HlsFixture:
    """An ffmpeg-made HLS VOD (H.264 + AAC, TS segments) served on 127.0.0.1; the guest reaches
    it as 10.0.2.2:<port> through QEMU's user networking."""

    SECONDS = 6
    SEGMENT = 2

    def __init__(self, root):
        self.dir = os.path.join(root, "vod")
        os.makedirs(self.dir)
        subprocess.run([
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(self.SECONDS), "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
            "-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", str(self.SEGMENT),
            "-hls_playlist_type", "vod",
            "-hls_segment_filename", os.path.join(self.dir, "seg%03d.ts"),
            os.path.join(self.dir, "index.m3u8")], check=True, timeout=120)
        self.segments = sorted(f for f in os.listdir(self.dir) if f.endswith(".ts"))
        handler = functools.partial(QuietHandler, directory=root)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.paths = []
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def guest_url(self):
        return "http://10.0.2.2:%d/vod/index.m3u8" % self.port

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
