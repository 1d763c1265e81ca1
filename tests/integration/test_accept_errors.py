"""Acceptance: every error path of PROTOCOL.md gets exactly one `stop`/`error` reply carrying
reason, error_id, msg, message and recorder_id, unicast to the requester, and the connection
stays usable (except after an oversized frame, which closes it)."""
import os
import struct
import time

import pytest

from fixtures_accept import T, frame, grows, is_error
from sslib import Daemon

IPTV = {"provider_id": "IPTV"}
PLUTO = {"title": "Pluto TV", "thumbnail": "provider.png", "provider_id": "PlutoTV",
         "description": "Pluto TV - Gratis Streamen", "quality": "best"}


@pytest.fixture
def ctl():
    """A plain daemon and two clients: fast enough for the qemu-user smoke runs."""
    d = Daemon()
    yield d, d.client(), d.client()
    d.stop()


@pytest.fixture
def env(acc):
    d = acc.daemon(config={"provider_timeout_ms": 1500})
    c = d.client()
    bystander = d.client()
    return acc, d, c, bystander


def one_error(c, ids, bystander=None, usable=True):
    """Exactly one error reply with every key; then the connection still works."""
    m = c.recv(timeout=T)
    assert is_error(m), m
    if isinstance(ids, str):
        ids = (ids,)
    assert m[1]["error_id"] in ids, m
    msgs = c.recv_all(timeout=0.25)
    assert msgs == [], "more than one reply: %r" % msgs
    if bystander is not None:
        assert bystander.recv_all(timeout=0.05) == [], "an error reply leaked to another client"
    if usable:
        r = c.request("get_providers", {}, timeout=T)
        assert r[0] == "get_providers", r
    return m[1]


BAD_FRAMES = [
    pytest.param(b"", id="zero-length"),
    pytest.param(b"\xff\xfe[\"get_providers\", {}]", id="not-utf8"),
    pytest.param(b"[\"get_providers\", {}", id="truncated-json"),
    pytest.param(b"{\"get_providers\": {}}", id="object"),
    pytest.param(b"\"get_providers\"", id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"null", id="null"),
    pytest.param(b"[]", id="empty-array"),
    pytest.param(b"[42, {}]", id="command-not-string"),
    pytest.param(b"[\"get_providers\", []]", id="args-array"),
    pytest.param(b"[\"get_providers\", \"x\"]", id="args-string"),
    pytest.param(b"[\"get_providers\", 1]", id="args-number"),
    pytest.param(b"[\"get_providers\", {}] x", id="trailing-garbage"),
]


@pytest.mark.smoke
@pytest.mark.parametrize("payload", BAD_FRAMES)
def test_bad_frame_is_bad_request_and_connection_stays(ctl, payload):
    d, c, by = ctl
    c.send_raw(frame(payload))
    args = one_error(c, "bad_request", by)
    assert args["recorder_id"] == "unknown", args


@pytest.mark.smoke
def test_unknown_command(ctl):
    d, c, by = ctl
    c.send("get_everything", {})
    one_error(c, "unknown_command", by)
    c.send_raw(frame("[\"get_provid\u00e9rs\", {}]".encode()))
    one_error(c, "unknown_command", by)


@pytest.mark.smoke
def test_oversized_frame_gets_an_error_then_is_closed(ctl):
    d, c, by = ctl
    c.send_raw(struct.pack(">I", 64 * 1024 + 1) + b"[" * 1000)
    msgs = c.wait_closed(timeout=T)
    assert len(msgs) == 1 and is_error(msgs[0]), msgs
    assert by.recv_all(timeout=0.05) == []
    assert by.request("get_providers", {})[0] == "get_providers"


@pytest.mark.parametrize("cmd", ["get_categories", "get_media_items", "start"])
@pytest.mark.parametrize("prov", [
    pytest.param({"provider_id": "NoSuchTV"}, id="unknown"),
    pytest.param({"provider_id": "../PlutoTV"}, id="dotdot"),
    pytest.param({"provider_id": "PlutoTV/../IPTV"}, id="slash"),
    pytest.param({"provider_id": ""}, id="empty"),
    pytest.param({"provider_id": 5}, id="number"),
    pytest.param({"title": "Pluto TV"}, id="missing-id"),
    pytest.param(None, id="no-provider"),
])
def test_unknown_provider(env, cmd, prov):
    acc, d, c, by = env
    args = {"data_dir": str(acc.data_dir), "category": {"name": "Filme"},
            "url": acc.url("/hls/vod.m3u8"), "rec_dir": str(acc.rec_dir)}
    if prov is not None:
        args["provider"] = prov
    c.send(cmd, args)
    one_error(c, ("unknown_provider", "bad_request"), by)
    # nothing was created for it
    assert not os.path.exists(os.path.join(str(acc.data_dir), "NoSuchTV"))
    assert not os.path.exists(os.path.join(str(acc.rec_dir), "stream_0.ts"))


def _outside(tmp_path):
    os.symlink("/etc", str(tmp_path / "etc_link"))
    os.symlink("/", str(tmp_path / "root_link"))
    return [("/etc", "absolute"), ("/tmp/../etc", "dotdot"),
            (str(tmp_path) + "/.." * len(tmp_path.parts) + "/etc", "dotdot-deep"),
            (str(tmp_path / "etc_link"), "symlink"), (str(tmp_path / "root_link" / "usr"),
                                                      "symlink-parent"),
            ("movie", "relative"), ("/tmpfoo", "root-prefix")]


def test_rec_dir_outside_the_roots_is_path_denied(env, tmp_path):
    acc, d, c, by = env
    made = not os.path.exists("/tmpfoo")     # a sibling of the /tmp root, not inside it
    if made:
        os.mkdir("/tmpfoo")
    try:
        for path, why in _outside(tmp_path):
            c.send("start", {"provider": IPTV, "url": acc.url("/hls/vod.m3u8"), "rec_dir": path,
                             "buffering": 1})
            m = c.recv(timeout=T)
            ok = ("path_denied",) if why != "relative" else ("path_denied", "bad_request",
                                                               "not_found")
            assert is_error(m) and m[1]["error_id"] in ok, (path, why, m)
            a = m[1]
            assert a["msg"]
        assert not os.path.exists("/etc/stream_0.ts")
        assert not os.path.exists("/etc/stream.log")
    finally:
        if made:
            os.rmdir("/tmpfoo")


def test_data_dir_outside_the_roots_is_path_denied(env, tmp_path):
    acc, d, c, by = env
    for path, why in _outside(tmp_path):
        for cmd in ("get_categories", "get_media_items"):
            c.send(cmd, {"provider": PLUTO, "data_dir": path, "category": {"name": "Filme"}})
            m = c.recv(timeout=T)
            ok = ("path_denied",) if why != "relative" else ("path_denied", "bad_request")
            assert is_error(m) and m[1]["error_id"] in ok, (path, why, cmd, m)
    assert not os.path.exists("/etc/PlutoTV")
    assert not os.path.exists("/PlutoTV")


def test_start_with_data_dir_outside_the_roots_is_path_denied(env):
    acc, d, c, by = env
    c.send("start", {"provider": IPTV, "url": acc.url("/hls/vod.m3u8"),
                     "rec_dir": str(acc.rec_dir), "data_dir": "/etc", "buffering": 1})
    one_error(c, "path_denied", by)
    assert not os.path.exists("/etc/IPTV")


@pytest.mark.parametrize("extra,ids", [
    ({"url": None}, ("bad_request",)),
    ({"url": 5}, ("bad_request",)),
    ({"url": ""}, ("bad_request", "failure")),
    ({"url": "file:///etc/passwd"}, ("bad_request", "failure")),
    ({"url": "ftp://127.0.0.1/x.ts"}, ("bad_request", "failure")),
    ({"buffering": -1}, ("bad_request",)),
    ({"buffering": 2.5}, ("bad_request",)),
    ({"show_ads": "no"}, ("bad_request",)),
    ({"av1": "yes"}, ("bad_request",)),
    ({"rec_dir": 5}, ("bad_request",)),
    ({"rec_dir": "/tmp/no/such/dir"}, ("not_found", "path_denied")),
    ({"rec_dir": "/tmp"}, None),    # placeholder: replaced by a regular file below
])
def test_bad_start_arguments(env, extra, ids):
    acc, d, c, by = env
    args = {"provider": IPTV, "url": acc.url("/hls/vod.m3u8"), "rec_dir": str(acc.rec_dir),
            "buffering": 1, "show_ads": False, "av1": False, "quality": "provider"}
    args.update(extra)
    if extra.get("url", 0) is None:
        del args["url"]
    if ids is None:     # rec_dir is a regular file
        f = acc.tmp / "not_a_dir"
        f.write_bytes(b"x")
        args["rec_dir"] = str(f)
        ids = ("not_found", "path_denied", "bad_request")
    c.send("start", args)
    one_error(c, ids, by)
    assert not os.path.exists(os.path.join(str(acc.rec_dir), "stream_0.ts"))


def test_missing_or_unknown_category(env):
    acc, d, c, by = env
    c.send("get_media_items", {"provider": PLUTO, "data_dir": str(acc.data_dir)})
    one_error(c, "bad_request", by)
    c.send("get_media_items", {"provider": PLUTO, "data_dir": str(acc.data_dir),
                               "category": {"name": "Gibt es nicht"}})
    m = c.recv(timeout=T)
    # an empty list or one error: never silence
    assert m[0] == "get_media_items" or is_error(m), m
    assert c.recv_all(timeout=0.2) == []


def test_provider_upstream_down_is_one_error(env):
    acc, d, c, by = env
    from fixtures_http import Response
    acc.upstream.set_pluto(Response(500, b"down"))
    c.send("get_categories", {"provider": PLUTO, "data_dir": str(acc.data_dir)})
    one_error(c, ("failure", "not_found", "timeout"), by)


def test_provider_too_slow_is_timeout(env):
    acc, d, c, by = env
    from fixtures_http import Response
    acc.upstream.set_pluto(Response(200, b"[]", delay=30))
    t0 = time.monotonic()
    c.send("get_categories", {"provider": PLUTO, "data_dir": str(acc.data_dir)})
    one_error(c, "timeout", by)
    assert time.monotonic() - t0 < 6


@pytest.mark.smoke
def test_stop_without_a_recording_is_silent(ctl):
    d, c, by = ctl
    c.send("stop", {})
    c.send("stop")
    assert c.recv_all(timeout=0.4) == []
    assert by.recv_all(timeout=0.05) == []


def test_error_reply_names_the_active_recorder(env):
    acc, d, c, by = env
    c.send("start", {"provider": IPTV, "url": acc.url("/acc/live.m3u8"),
                     "rec_dir": str(acc.rec_dir), "buffering": 1})
    s = c.recv_until("start", timeout=T)[1]
    by.recv_until("start", timeout=T)
    c.send("nope", {})
    a = one_error(c, "unknown_command", by)
    assert a["recorder_id"] == s["recorder_id"] == "hls_live", a
    # a refused start does not touch the running recording
    c.send("start", {"provider": IPTV, "url": acc.url("/hls/vod.m3u8"), "rec_dir": "/etc"})
    one_error(c, "path_denied", by)
    assert grows(s["rec_file"], os.path.getsize(s["rec_file"]))
    c.send("stop", {})
    assert c.recv_all(timeout=0.5) == []


def test_resolver_failure_is_unicast_to_the_requester(env):
    acc, d, c, by = env
    c.send("start", {"provider": IPTV, "url": acc.url("/nothing-here.m3u8"),
                     "rec_dir": str(acc.rec_dir), "buffering": 1})
    m = c.recv_until("stop", timeout=T)
    assert is_error(m, "not_found"), m
    assert c.recv_all(timeout=0.3) == []


@pytest.mark.smoke
def test_many_errors_in_a_row_each_get_one_reply(ctl):
    d, c, by = ctl
    n = 200
    c.send_raw(b"".join(frame(b"[\"x%d\", {}]" % i) for i in range(n)))
    got = [c.recv(timeout=T) for _ in range(n)]
    assert all(is_error(m, "unknown_command") for m in got)
    assert c.recv_all(timeout=0.2) == []
    assert c.request("get_providers", {})[0] == "get_providers"
