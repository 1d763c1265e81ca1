"""Process lifecycle: start-up time, options, config reload, signals, auth token, client table
limit, IPv6, memory, and a valgrind-clean protocol session."""
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from fixtures_accept import config_value
from fixtures_ctrl import TEST_PROVIDER, is_error, start_args
from sslib import TOP, Client, daemon_cmd, free_port, sanitized_build, under_qemu


def run_bin(*args, timeout=30):
    return subprocess.run(daemon_cmd() + list(args), capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.smoke
def test_version_and_help():
    r = run_bin("--version")
    assert r.returncode == 0 and r.stdout.startswith("streamingserver "), r
    r = run_bin("--help")
    assert r.returncode == 0 and "--listen" in r.stdout and "auth_token" in r.stdout


def test_bad_options_exit_2():
    r = run_bin("--frobnicate")
    assert r.returncode == 2 and "frobnicate" in r.stderr
    r = run_bin("--port")
    assert r.returncode == 2


def test_explicit_missing_config_file_is_an_error(tmp_path):
    r = run_bin("--config", str(tmp_path / "missing.conf"), "--listen", "127.0.0.1",
                "--port", "1")
    assert r.returncode == 1


def test_bad_listen_address_is_an_error():
    r = run_bin("--listen", "not-an-address", "--port", "5999",
                "--config", "/nonexistent-but-default")
    assert r.returncode != 0


@pytest.mark.smoke
def test_listening_quickly_after_exec(ctrl_daemon):
    dt = ctrl_daemon.t_listening - ctrl_daemon.t_exec
    print("exec to accepting connections (python-measured): %.1f ms" % (dt * 1000))
    assert dt < (10 if under_qemu() else 1.0)
    want = "listening on 127.0.0.1:%d" % ctrl_daemon.port
    deadline = time.monotonic() + 10
    while want not in ctrl_daemon.output() and time.monotonic() < deadline:
        time.sleep(0.02)  # the line follows listen(), so a client may be faster
    assert want in ctrl_daemon.output()


@pytest.mark.smoke
def test_sigterm_idle_exits_zero_quickly(ctrl_daemon):
    c = ctrl_daemon.client()
    t0 = time.monotonic()
    ctrl_daemon.proc.send_signal(signal.SIGTERM)
    rc = ctrl_daemon.proc.wait(10)
    assert rc == 0
    if not under_qemu():
        assert time.monotonic() - t0 < 2
    assert c.wait_closed(timeout=5) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_with_recording_and_stuck_browse(ctrl_daemon, sig):
    a = ctrl_daemon.client()
    b = ctrl_daemon.client()
    a.send("start", start_args(rec_dir=ctrl_daemon.rec_dir))
    a.recv_until("start")
    b.send("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Slow"}})
    time.sleep(0.1)
    t0 = time.monotonic()
    ctrl_daemon.proc.send_signal(sig)
    assert ctrl_daemon.proc.wait(10) == 0
    dt = time.monotonic() - t0
    if not under_qemu():
        assert dt < 2, dt
    assert os.path.exists(os.path.join(str(ctrl_daemon.rec_dir), "stream_0.ts"))
    for c in (a, b):
        msgs = c.wait_closed(timeout=5)
        assert all(m[0] == "start" for m in msgs), msgs  # no stop for a shutdown


def test_sigterm_with_recorder_ignoring_cancel(ctrl_daemon):
    a = ctrl_daemon.client()
    a.send("start", start_args("test://live?interval_ms=50&stuck_ms=30000",
                               rec_dir=ctrl_daemon.rec_dir))
    a.recv_until("start")
    t0 = time.monotonic()
    ctrl_daemon.proc.send_signal(signal.SIGTERM)
    assert ctrl_daemon.proc.wait(10) == 0
    if not under_qemu():
        assert time.monotonic() - t0 < 2


def test_sighup_reloads_config(ctrl_daemon):
    old = ctrl_daemon.client()
    with open(ctrl_daemon.conf, "a") as f:
        f.write("auth_token = s3cret\n")
    ctrl_daemon.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "configuration reloaded" not in ctrl_daemon.output() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "configuration reloaded" in ctrl_daemon.output()
    # Existing clients keep working; new ones must authenticate now.
    assert old.request("get_providers")[0] == "get_providers"
    c = ctrl_daemon.client()
    c.send("get_providers")
    msgs = c.wait_closed()
    assert len(msgs) == 1 and is_error(msgs[0], "forbidden")
    # A reload that fails (file gone) keeps the running configuration.
    os.unlink(ctrl_daemon.conf)
    ctrl_daemon.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "reload failed" not in ctrl_daemon.output() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "reload failed" in ctrl_daemon.output()
    c = ctrl_daemon.client()
    assert c.request("auth", {"token": "s3cret"}) == ["auth", {"ok": True}]


@pytest.mark.smoke
def test_auth_token(make_ctrl_daemon):
    d = make_ctrl_daemon(args=["--auth-token", "t0ken"])
    # wrong first frame: error, then closed
    c = d.client()
    c.send("get_providers")
    msgs = c.wait_closed()
    assert len(msgs) == 1 and is_error(msgs[0], "forbidden")
    # wrong token
    c = d.client()
    c.send("auth", {"token": "nope"})
    msgs = c.wait_closed()
    assert len(msgs) == 1 and is_error(msgs[0], "forbidden")
    # garbage before auth
    c = d.client()
    c.send_frame(b"\xff")
    assert len(c.wait_closed()) == 1
    # right token
    good = d.client()
    assert good.request("auth", {"token": "t0ken"}) == ["auth", {"ok": True}]
    assert good.request("get_providers")[0] == "get_providers"
    # an unauthenticated connection receives no broadcasts
    lurker = d.client()
    good.send("start", start_args(rec_dir=d.rec_dir))
    good.recv_until("start")
    assert lurker.recv_all(timeout=0.3) == []
    good.send("stop")


def test_client_table_is_fixed(ctrl_daemon):
    limit = config_value("CTRL_MAX_CLIENTS", 128)
    clients = [ctrl_daemon.client() for _ in range(limit)]
    extra = Client(ctrl_daemon.port, expect_ready=False)
    # one error reply naming the limit, then the close; no "ready" for a refused client
    msgs = extra.wait_closed(timeout=5)
    assert len(msgs) == 1, msgs
    cmd, args = msgs[0]
    assert cmd == "stop" and args["reason"] == "error" and args["error_id"] == "failure"
    assert "at most %d" % limit in args["msg"] and args["message"] == args["msg"]
    assert args["recorder_id"] == "unknown"
    assert "refused" in ctrl_daemon.output()
    clients[0].close()
    time.sleep(0.1)
    again = ctrl_daemon.client()
    assert again.request("get_providers")[0] == "get_providers"
    for c in clients[1:]:
        assert c.request("get_status")[0] == "get_status"


def test_ipv6_listen(make_ctrl_daemon):
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    d = make_ctrl_daemon(args=["--listen", "::"])
    c = Client(d.port, host="::1")
    assert c.request("get_providers")[0] == "get_providers"
    assert d.client().request("get_providers")[0] == "get_providers"  # v4-mapped


def test_memory_idle_and_with_32_clients(ctrl_daemon):
    time.sleep(0.2)
    idle = ctrl_daemon.rss_kb()
    clients = [ctrl_daemon.client() for _ in range(32)]
    for c in clients:
        assert c.request("get_providers")[0] == "get_providers"
    busy = ctrl_daemon.rss_kb()
    print("RSS idle %d kB, with 32 clients %d kB" % (idle, busy))
    if not sanitized_build():
        assert busy - idle < 1024


def test_valgrind_protocol_session(tmp_path, providers_dir):
    """The host glibc build under valgrind: no invalid access, no leak, clean exit."""
    vg = shutil.which("valgrind")
    binary = os.path.join(TOP, "build", "test", "streamingserver")
    if not vg or under_qemu() or not os.path.exists(binary):
        pytest.skip("valgrind or build/test/streamingserver missing (make unit builds it)")
    rec = tmp_path / "rec"
    rec.mkdir()
    log = tmp_path / "vg.log"
    conf = tmp_path / "ss.conf"
    conf.write_text("test_hooks = 1\nprovider_timeout_ms = 3000\ndata_dir = %s\n"
                    % (tmp_path / "data"))
    port = free_port()
    cmd = [vg, "--quiet", "--error-exitcode=99", "--leak-check=full",
           "--errors-for-leak-kinds=definite,indirect", "--log-file=%s" % log, binary,
           "--config", str(conf), "--listen", "127.0.0.1", "--port", str(port),
           "--providers-dir", str(providers_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                c = Client(port, timeout=30)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert c.request("get_providers")[0] == "get_providers"
        assert is_error(c.request("nope"), "unknown_command")
        c.send_frame(b"\xff\xfe")
        assert is_error(c.recv(), "bad_request")
        assert c.request("get_categories", {"provider": TEST_PROVIDER})[0] == "get_categories"
        m = c.request("get_media_items", {"provider": TEST_PROVIDER,
                                          "category": {"name": "Live"}})
        assert m[0] == "get_media_items"
        c.send("start", start_args("test://live?sections=2&interval_ms=50&end=complete",
                                   rec_dir=rec))
        assert c.recv_until("stop", timeout=30)[1]["reason"] == "complete"
        c.send("start", start_args(rec_dir=rec))
        c.recv_until("start", timeout=30)
        c.send("stop")
        c.send("start", start_args(rec_dir=rec))
        c.recv_until("start", timeout=30)
        bad = Client(port, timeout=30)
        bad.send_raw(b"\xff\xff\xff\xff")
        bad.wait_closed(timeout=30)
        gone = Client(port, timeout=30)
        gone.send("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Slow"}})
        gone.close()
    finally:
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(60)
    report = log.read_text()
    assert rc == 0, report
    assert "ERROR SUMMARY" not in report or "ERROR SUMMARY: 0 errors" in report, report


def test_auth_exempt_loopback(make_ctrl_daemon):
    d = make_ctrl_daemon(config={"auth_token": "t0ken", "auth_exempt_loopback": 1})
    c = d.client()  # from 127.0.0.1: no auth needed
    assert c.request("get_providers")[0] == "get_providers"
