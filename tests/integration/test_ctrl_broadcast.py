"""Broadcasts reach every client in order without ever waiting for one: 30 clients, a client
that never reads (cut off at its backlog), clients vanishing mid-broadcast."""
import socket
import struct
import time

import pytest

from fixtures_ctrl import TEST_PROVIDER, is_error, start_args
from sslib import under_qemu


def expect_recording(c, sections, kind="hls_live"):
    for n in range(sections):
        m = c.recv()
        assert m[0] == "start" and m[1]["section_index"] == n, (n, m)
        assert m[1]["recorder_id"] == kind
    m = c.recv()
    assert m[0] == "stop" and m[1]["reason"] == "complete", m


def test_thirty_clients_receive_every_broadcast(ctrl_daemon):
    clients = [ctrl_daemon.client() for _ in range(30)]
    clients[0].send("start", start_args("test://live?sections=20&interval_ms=20&end=complete",
                                        rec_dir=ctrl_daemon.rec_dir))
    for c in clients:
        expect_recording(c, 20)
    for c in clients:
        assert c.recv_all(timeout=0.2) == []


def test_client_that_never_reads_is_cut_off_while_others_receive(ctrl_daemon):
    slow = ctrl_daemon.client(rcvbuf=4096)
    fast = ctrl_daemon.client()
    # The slow client asks for large catalogues and never reads the answers.
    for _ in range(8):
        slow.send("get_media_items", {"provider": TEST_PROVIDER,
                                      "category": {"name": "Big:600000"}})
    time.sleep(0.2)
    t0 = time.monotonic()
    fast.send("start", start_args("test://live?sections=30&interval_ms=20&end=complete",
                                  rec_dir=ctrl_daemon.rec_dir))
    expect_recording(fast, 30)
    if not under_qemu():
        assert time.monotonic() - t0 < 5
    # By now the slow client's backlog passed the cap and it was disconnected.
    deadline = time.monotonic() + 10
    while "does not read" not in ctrl_daemon.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "does not read" in ctrl_daemon.output()
    with pytest.raises((EOFError, ConnectionResetError)):
        slow.sock.settimeout(10)
        while True:
            if not slow.sock.recv(1 << 20):
                raise EOFError()
    assert fast.request("get_providers")[0] == "get_providers"


def test_clients_disconnecting_mid_broadcast(ctrl_daemon):
    stay = [ctrl_daemon.client() for _ in range(15)]
    leave = [ctrl_daemon.client() for _ in range(15)]
    stay[0].send("start", start_args("test://live?sections=60&interval_ms=10&end=complete",
                                     rec_dir=ctrl_daemon.rec_dir))
    time.sleep(0.1)
    for i, c in enumerate(leave):
        if i % 2:
            # abortive close: RST while the server may be writing to it
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        time.sleep(0.02)
    for c in stay:
        expect_recording(c, 60)
    assert ctrl_daemon.proc.poll() is None


def test_unicast_reply_not_interleaved_with_broadcasts(ctrl_daemon):
    a = ctrl_daemon.client()
    a.send("start", start_args("test://live?interval_ms=5", rec_dir=ctrl_daemon.rec_dir))
    for _ in range(5):
        a.send("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Big:300000"}})
    got = 0
    starts = 0
    while got < 5:
        m = a.recv()
        if m[0] == "get_media_items":
            got += 1
            assert len(m[1]["data"]) > 1000
        else:
            assert m[0] == "start"
            starts += 1
    assert starts > 0
    a.send("stop")


def test_error_replies_are_unicast(ctrl_daemon):
    a = ctrl_daemon.client()
    b = ctrl_daemon.client()
    assert is_error(a.request("nope"), "unknown_command")
    assert is_error(a.request("get_categories", {"provider": {"provider_id": "x"}}),
                    "unknown_provider")
    assert b.recv_all(timeout=0.3) == []
