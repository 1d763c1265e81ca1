"""PROTOCOL.md transport and framing: greeting, split and coalesced frames, bad frames of every
kind get the named error reply, oversized frames end only that connection."""
import json
import socket
import struct
import time

import pytest

from fixtures_ctrl import is_error
from sslib import encode_frame, sanitized_build, under_qemu


@pytest.mark.smoke
def test_ready_is_the_first_frame_and_immediate(ctrl_daemon):
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", ctrl_daemon.port), timeout=10)
    s.settimeout(10 if not under_qemu() else 30)
    data = b""
    while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
        chunk = s.recv(4096)
        assert chunk, "connection closed before ready"
        data += chunk
    n = struct.unpack(">I", data[:4])[0]
    assert json.loads(data[4:4 + n]) == ["ready", {}]
    assert len(data) == 4 + n  # nothing else is sent unasked
    if not under_qemu():
        assert time.monotonic() - t0 < 0.5
    s.close()


@pytest.mark.smoke
def test_unknown_command_gets_error_and_connection_stays(ctrl_daemon):
    c = ctrl_daemon.client()
    m = c.request("frobnicate", {"x": 1})
    assert is_error(m, "unknown_command"), m
    assert m[1]["recorder_id"] == "unknown"
    assert m[1]["msg"] == m[1]["message"]
    # the same connection still works
    assert c.request("get_providers")[0] == "get_providers"


def test_frame_split_byte_by_byte(ctrl_daemon):
    c = ctrl_daemon.client()
    data = encode_frame(["get_providers", {"data_dir": "/tmp"}])
    for i in range(len(data)):
        c.send_raw(data[i:i + 1])
        if i % 7 == 0:
            time.sleep(0.001)
    assert c.recv()[0] == "get_providers"


def test_frames_coalesced_in_one_write(ctrl_daemon):
    c = ctrl_daemon.client()
    data = (encode_frame(["nope1", {}]) + encode_frame(["get_providers", {}]) +
            encode_frame(b"") + encode_frame(["nope2"]))
    c.send_raw(data)
    msgs = [c.recv() for _ in range(4)]
    assert is_error(msgs[0], "unknown_command")
    assert msgs[1][0] == "get_providers"
    assert is_error(msgs[2], "bad_request")
    assert is_error(msgs[3], "unknown_command")


def test_coalesced_frame_and_a_half(ctrl_daemon):
    c = ctrl_daemon.client()
    a = encode_frame(["nope", {}])
    b = encode_frame(["get_providers", {}])
    c.send_raw(a + b[:3])
    assert is_error(c.recv(), "unknown_command")
    time.sleep(0.05)
    c.send_raw(b[3:])
    assert c.recv()[0] == "get_providers"


@pytest.mark.parametrize("payload", [
    b"",                              # zero-length frame
    b"\xff\xfe\xfd",                  # not UTF-8
    b"[\"get_providers\", {\"a\": \"\xc3\x28\"}]",  # invalid UTF-8 inside a string
    b"[\"get_providers\", {",         # truncated JSON
    b"[\"get_providers\", {}] x",     # trailing garbage
    b"{\"cmd\": \"get_providers\"}",  # object, not an array
    b"\"get_providers\"",             # string
    b"42",                            # number
    b"[]",                            # empty array
    b"[42, {}]",                      # command not a string
    b"[\"get_providers\", []]",       # args not an object
    b"[\"get_providers\", \"x\"]",    # args not an object
    b"[\"get_providers\", {}, 3]",    # extra element
    b"[\"a\", {\"b\": tru}]",         # bad literal
    b"[\"a\", {\"b\": 01}]",          # bad number
])
def test_bad_frames_get_bad_request_and_connection_stays(ctrl_daemon, payload):
    c = ctrl_daemon.client()
    c.send_frame(payload)
    m = c.recv()
    assert is_error(m, "bad_request"), (payload, m)
    assert c.request("get_providers")[0] == "get_providers"


def test_args_may_be_missing(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send_frame(b"[\"get_providers\"]")
    assert c.recv()[0] == "get_providers"


def test_too_many_json_values_is_bad_request(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send_frame(["get_providers", {"x": [0] * 5000}])
    assert is_error(c.recv(), "bad_request")
    assert c.request("get_providers")[0] == "get_providers"


def test_largest_frame_is_accepted(ctrl_daemon):
    c = ctrl_daemon.client()
    base = json.dumps(["nope", {"pad": ""}]).encode()
    pad = 65536 - len(base)
    payload = json.dumps(["nope", {"pad": "x" * pad}]).encode()
    assert len(payload) == 65536
    c.send_frame(payload)
    assert is_error(c.recv(), "unknown_command")
    assert c.request("get_providers")[0] == "get_providers"


@pytest.mark.parametrize("length", [65537, 0x7FFFFFFF, 0xFFFFFFFF])
def test_oversized_frame_error_then_close_others_unaffected(ctrl_daemon, length):
    other = ctrl_daemon.client()
    c = ctrl_daemon.client()
    c.send_raw(struct.pack(">I", length) + b"[\"get_providers\"")
    msgs = c.wait_closed()
    assert len(msgs) == 1 and is_error(msgs[0], "bad_request"), msgs
    assert other.request("get_providers")[0] == "get_providers"
    assert ctrl_daemon.client().request("get_providers")[0] == "get_providers"


def test_ten_megabytes_of_garbage(ctrl_daemon):
    other = ctrl_daemon.client()
    rss0 = ctrl_daemon.rss_kb()
    c = ctrl_daemon.client()
    garbage = bytes((i * 7919 + 13) & 0xFF for i in range(65536)) * 160  # 10 MiB
    try:
        c.send_raw(garbage)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close while we are still sending
    try:
        msgs = c.wait_closed()
        assert all(is_error(m, "bad_request") for m in msgs)
    except (ConnectionResetError, EOFError):
        pass
    assert other.request("get_providers")[0] == "get_providers"
    assert ctrl_daemon.proc.poll() is None
    if not sanitized_build():
        assert ctrl_daemon.rss_kb() - rss0 < 2048


def test_garbage_that_looks_like_small_frames(ctrl_daemon):
    c = ctrl_daemon.client()
    # Small lengths with junk payloads: each is one bad_request, connection stays.
    data = b"".join(encode_frame(bytes([0x80 + i % 64]) * (i % 50 + 1)) for i in range(200))
    c.send_raw(data)
    for _ in range(200):
        assert is_error(c.recv(), "bad_request")
    assert c.request("get_providers")[0] == "get_providers"


def test_rss_unchanged_after_ten_thousand_malformed_frames(ctrl_daemon):
    c = ctrl_daemon.client()
    bad = [b"", b"\xff", b"[1,2", b"{}", b"[\"x\", 1]", b"[\"nope\", {}]"]
    # Warm up (first allocations, page faults of the reply path), then measure.
    def burst(n):
        data = b"".join(encode_frame(bad[i % len(bad)]) for i in range(n))
        c.send_raw(data)
        for _ in range(n):
            m = c.recv()
            assert m[0] == "stop"
    burst(1000)
    rss0 = ctrl_daemon.rss_kb()
    for _ in range(10):
        burst(1000)
    rss1 = ctrl_daemon.rss_kb()
    print("RSS before %d kB, after 10000 malformed frames %d kB" % (rss0, rss1))
    if not sanitized_build():
        assert rss1 - rss0 < 256


def test_client_closing_with_unread_replies(ctrl_daemon):
    for _ in range(20):
        c = ctrl_daemon.client()
        c.send_raw(encode_frame(["get_providers", {}]) * 50)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()  # reset with replies in flight
    assert ctrl_daemon.client().request("get_providers")[0] == "get_providers"
