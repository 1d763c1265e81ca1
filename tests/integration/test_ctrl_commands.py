"""Commands of PROTOCOL.md with their argument handling and error replies: get_providers,
get_categories, get_media_items, start, stop; path confinement; the job machinery through the
test provider (single recorder, stop within 200 ms, no message after a client's stop)."""
import os
import time

import pytest

from fixtures_ctrl import TEST_PROVIDER, is_error, start_args
from sslib import under_qemu

SLACK = 5 if under_qemu() else 1


def status(c):
    """get_status reply (broadcasts arriving meanwhile are skipped)."""
    c.send("get_status")
    return c.recv_until("get_status")[1]


# ---- get_providers -------------------------------------------------------------------

@pytest.mark.smoke
def test_get_providers_sorted_ascii_broken_skipped(ctrl_daemon):
    c = ctrl_daemon.client()
    m = c.request("get_providers", {"data_dir": "/data/ubuntu/root/plugins/streamingserver/providers"})
    assert m[0] == "get_providers"
    data = m[1]["data"]
    assert [p["provider_id"] for p in data] == ["Umlaut", "PlutoTV", "SamsungTV"]
    assert data[0]["title"] == "Aerger TV"
    assert data[0]["description"] == "Gruesse aus Koeln"
    assert data[1] == {"title": "Pluto TV", "thumbnail": "provider.png",
                       "description": "Pluto TV - Gratis Streamen", "quality": "720p",
                       "provider_id": "PlutoTV"}
    for p in data:
        assert list(p) == ["title", "thumbnail", "description", "quality", "provider_id"]
        for v in p.values():
            assert v.isascii()
    out = ctrl_daemon.output()
    assert "Broken" in out and "NoTitle" in out  # skipped with a warning each


def test_get_providers_missing_directory_is_empty_list(make_ctrl_daemon, tmp_path):
    d = make_ctrl_daemon(providers_dir=str(tmp_path / "nonexistent"))
    assert d.client().request("get_providers") == ["get_providers", {"data": []}]


# ---- browse --------------------------------------------------------------------------

@pytest.mark.smoke
def test_get_categories_reply_and_data_dir_created(ctrl_daemon, tmp_path):
    c = ctrl_daemon.client()
    dd = tmp_path / "plugin" / "data" / "STC"
    m = c.request("get_categories", {"provider": TEST_PROVIDER, "data_dir": str(dd)})
    assert m[0] == "get_categories", m
    names = [x["name"] for x in m[1]["data"]]
    assert "Live" in names and "Aepfel" in names
    for x in m[1]["data"]:
        assert set(x) == {"name", "icon", "provider_id"}
        assert all(v.isascii() for v in x.values())
    assert (dd / "_test").is_dir()


def test_default_data_dir_from_config(ctrl_daemon):
    c = ctrl_daemon.client()
    assert c.request("get_categories", {"provider": TEST_PROVIDER})[0] == "get_categories"
    assert (ctrl_daemon.data_dir / "_test").is_dir()


def test_get_media_items(ctrl_daemon):
    c = ctrl_daemon.client()
    m = c.request("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Live"}})
    assert m[0] == "get_media_items", m
    assert [x["name"] for x in m[1]["data"]] == ["Endless", "Short VOD"]
    assert m[1]["data"][0]["description"] == "Grüß Gott"  # display-only: UTF-8 allowed


@pytest.mark.smoke
@pytest.mark.parametrize("args", [
    {"provider": {"provider_id": "NoSuchProvider"}},
    {"provider": {"provider_id": "../etc"}},
    {"provider": {}},
    {},
    {"provider": "PlutoTV"},
])
def test_unknown_provider(ctrl_daemon, args, tmp_path):
    c = ctrl_daemon.client()
    m = c.request("get_categories", dict(args, data_dir=str(tmp_path / "dd")))
    assert is_error(m, "unknown_provider"), m
    # nothing is created for an unknown provider
    assert not (tmp_path / "dd").exists()


def test_unknown_provider_for_media_items_and_start(ctrl_daemon):
    c = ctrl_daemon.client()
    m = c.request("get_media_items", {"provider": {"provider_id": "Nope"},
                                      "category": {"name": "x"}})
    assert is_error(m, "unknown_provider")
    m = c.request("start", dict(start_args(), provider={"provider_id": "Nope"}))
    assert is_error(m, "unknown_provider")


def test_test_provider_is_off_by_default(make_ctrl_daemon):
    d = make_ctrl_daemon(config={"test_hooks": 0})
    m = d.client().request("get_categories", {"provider": TEST_PROVIDER})
    assert is_error(m, "unknown_provider")


def test_missing_category_is_bad_request(ctrl_daemon):
    c = ctrl_daemon.client()
    m = c.request("get_media_items", {"provider": TEST_PROVIDER})
    assert is_error(m, "bad_request")
    m = c.request("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": 5}})
    assert is_error(m, "bad_request")


def test_provider_error_is_reported(ctrl_daemon):
    c = ctrl_daemon.client()
    m = c.request("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Fail"}})
    assert is_error(m, "not_found"), m


def test_provider_timeout_then_next_request_works(ctrl_daemon):
    c = ctrl_daemon.client()
    t0 = time.monotonic()
    m = c.request("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Slow"}})
    assert is_error(m, "timeout"), m
    assert time.monotonic() - t0 < 1 + 2 * SLACK
    m = c.request("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Live"}})
    assert m[0] == "get_media_items"


def test_browse_requests_are_queued_in_order(ctrl_daemon):
    c = ctrl_daemon.client()
    for name in ["Live", "Fail", "Live"]:
        c.send("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": name}})
    msgs = [c.recv() for _ in range(3)]
    assert msgs[0][0] == "get_media_items"
    assert is_error(msgs[1], "not_found")
    assert msgs[2][0] == "get_media_items"


def test_browse_queue_full_is_busy_error(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Slow"}})
    for _ in range(12):
        c.send("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Live"}})
    msgs = [c.recv(timeout=10 * SLACK) for _ in range(13)]
    assert sum(1 for m in msgs if is_error(m, "failure")) >= 1  # the ones past the queue
    assert sum(1 for m in msgs if is_error(m, "timeout")) == 1
    assert sum(1 for m in msgs if m[0] == "get_media_items") >= 8


def test_large_catalogue_reply(ctrl_daemon):
    c = ctrl_daemon.client()
    m = c.request("get_media_items", {"provider": TEST_PROVIDER,
                                      "category": {"name": "Big:900000"}})
    assert m[0] == "get_media_items"
    assert len(m[1]["data"]) > 5000


def test_catalogue_over_reply_cap_is_failure(ctrl_daemon):
    c = ctrl_daemon.client()
    m = c.request("get_media_items", {"provider": TEST_PROVIDER,
                                      "category": {"name": "Big:5000000"}})
    assert is_error(m, "failure"), m
    assert c.request("get_providers")[0] == "get_providers"


def test_requester_disconnect_during_browse(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Slow"}})
    time.sleep(0.1)
    c.close()
    c2 = ctrl_daemon.client()
    m = c2.request("get_media_items", {"provider": TEST_PROVIDER, "category": {"name": "Live"}},
                   timeout=5 * SLACK)
    assert m[0] == "get_media_items"


# ---- start / stop --------------------------------------------------------------------

@pytest.mark.smoke
def test_start_broadcasts_sections_and_stop_is_silent_and_quick(ctrl_daemon):
    a = ctrl_daemon.client()
    b = ctrl_daemon.client()
    a.send("start", start_args(rec_dir=ctrl_daemon.rec_dir))
    for n in range(3):
        for c in (a, b):
            m = c.recv_until("start")
            s = m[1]
            assert s["section_index"] == n
            assert s["rec_file"] == os.path.join(str(ctrl_daemon.rec_dir), "stream_%d.ts" % n)
            assert os.path.getsize(s["rec_file"]) > 0
            assert s["recorder_id"] == "hls_live" and s["recorder"] == {"type": "hls_live"}
            assert s["segment_index"] == 2
            assert set(s) == {"url", "rec_file", "section_index", "segment_index",
                              "recorder_id", "recorder"}
    t0 = time.monotonic()
    a.send("stop", {})
    st = status(a)
    dt = time.monotonic() - t0
    assert st["recording"] is False
    if not under_qemu():
        assert dt < 0.2, dt
    # Never a start (or stop) after a client's stop.
    for c in (a, b):
        late = [m for m in c.recv_all(timeout=0.3) if m[0] in ("start", "stop")]
        assert late == [], late


def test_quality_show_ads_av1_reach_the_recorder(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send("start", start_args(rec_dir=ctrl_daemon.rec_dir, show_ads=True, av1=True))
    url = c.recv_until("start")[1]["url"]
    # "provider" became the test provider's default (no config.json for _test -> best)
    assert "quality=best" in url and "show_ads=1" in url and "av1=1" in url, url
    c.send("stop")
    c.send("start", start_args(rec_dir=ctrl_daemon.rec_dir, quality="720p"))
    url = c.recv_until("start")[1]["url"]
    assert "quality=720p" in url and "show_ads=0" in url and "av1=0" in url, url
    c.send("stop")


def test_provider_quality_from_echoed_dict(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send("start", start_args(rec_dir=ctrl_daemon.rec_dir,
                               provider=dict(TEST_PROVIDER, quality="480p")))
    assert "quality=480p" in c.recv_until("start")[1]["url"]
    c.send("stop")


def test_buffering_zero_is_one_and_default_is_five(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send("start", start_args(rec_dir=ctrl_daemon.rec_dir, buffering=0))
    assert c.recv_until("start")[1]["segment_index"] == 1
    args = start_args(rec_dir=ctrl_daemon.rec_dir)
    del args["buffering"]
    c.send("start", args)
    assert c.recv_until("start", pred=lambda a: a["segment_index"] == 5)
    c.send("stop")


@pytest.mark.parametrize("extra,error_id", [
    ({"buffering": "abc"}, "bad_request"),
    ({"buffering": -1}, "bad_request"),
    ({"buffering": 1.5}, "bad_request"),
    ({"show_ads": "maybe"}, "bad_request"),
    ({"av1": [1]}, "bad_request"),
    ({"quality": 5}, "bad_request"),
    ({"url": ""}, "bad_request"),
    ({"url": 7}, "bad_request"),
    ({"rec_dir": 7}, "bad_request"),
])
def test_start_argument_errors(ctrl_daemon, extra, error_id):
    c = ctrl_daemon.client()
    args = start_args(rec_dir=ctrl_daemon.rec_dir)
    args.update(extra)
    m = c.request("start", args)
    assert is_error(m, error_id), m
    assert status(c)["recording"] is False


def test_start_without_url_is_bad_request(ctrl_daemon):
    c = ctrl_daemon.client()
    args = start_args(rec_dir=ctrl_daemon.rec_dir)
    del args["url"]
    assert is_error(c.request("start", args), "bad_request")


def test_bad_start_does_not_stop_the_running_recording(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send("start", start_args(rec_dir=ctrl_daemon.rec_dir))
    c.recv_until("start")
    assert is_error(c.request("start", start_args(rec_dir="/etc")), "path_denied")
    assert status(c)["recording"] is True
    c.recv_until("start", pred=lambda a: a["section_index"] >= 1)
    c.send("stop")


def test_start_replaces_running_recording_without_a_stop_message(ctrl_daemon):
    a = ctrl_daemon.client()
    b = ctrl_daemon.client()
    a.send("start", start_args(rec_dir=ctrl_daemon.rec_dir))
    a.recv_until("start", pred=lambda s: s["section_index"] == 1)
    a.send("start", start_args("test://live?interval_ms=50&kind=hls_basic",
                               rec_dir=ctrl_daemon.rec_dir))
    # b sees the old sections, then the new recording from section 0, and no stop between.
    seen = []
    while True:
        m = b.recv()
        assert m[0] == "start", m
        seen.append((m[1]["recorder_id"], m[1]["section_index"]))
        if m[1]["recorder_id"] == "hls_basic":
            break
    assert seen[-1] == ("hls_basic", 0)
    assert status(a)["recorder_id"] == "hls_basic"
    a.send("stop")


def test_vod_complete_sends_one_stop(ctrl_daemon):
    a = ctrl_daemon.client()
    b = ctrl_daemon.client()
    a.send("start", start_args("test://live?sections=2&interval_ms=30&end=complete&kind=mp4",
                               rec_dir=ctrl_daemon.rec_dir))
    for c in (a, b):
        msgs = [c.recv() for _ in range(3)]
        assert [m[0] for m in msgs] == ["start", "start", "stop"]
        stop = msgs[2][1]
        assert stop["reason"] == "complete"
        assert stop["recorder_id"] == "mp4"
        assert stop["rec_dir"] == str(ctrl_daemon.rec_dir)
        assert "msg" in stop and "message" in stop
        assert c.recv_all(timeout=0.3) == []
    assert status(a)["recording"] is False


def test_recorder_error_broadcasts_one_stop_error(ctrl_daemon):
    a = ctrl_daemon.client()
    b = ctrl_daemon.client()
    a.send("start", start_args("test://live?sections=1&interval_ms=30&end=error",
                               rec_dir=ctrl_daemon.rec_dir))
    for c in (a, b):
        assert c.recv()[0] == "start"
        m = c.recv()
        assert is_error(m, "not_found"), m
        assert m[1]["recorder_id"] == "hls_live"
        assert m[1]["rec_dir"] == str(ctrl_daemon.rec_dir)
        assert c.recv_all(timeout=0.3) == []


def test_resolve_failure_is_unicast_to_the_requester(ctrl_daemon):
    a = ctrl_daemon.client()
    b = ctrl_daemon.client()
    m = a.request("start", start_args("test://live?resolve=fail", rec_dir=ctrl_daemon.rec_dir))
    assert is_error(m, "not_found"), m
    assert b.recv_all(timeout=0.3) == []


@pytest.mark.smoke
def test_drm_license_url_broadcasts_drm_protected_and_nothing_else(ctrl_daemon):
    a = ctrl_daemon.client()
    b = ctrl_daemon.client()
    a.send("start", start_args(rec_dir=ctrl_daemon.rec_dir,
                               video={"license_url": "https://lic.example/widevine?t=SECRET"}))
    for c in (a, b):
        m = c.recv()
        assert is_error(m, "drm_protected"), m
        assert "SECRET" not in m[1]["msg"]
    assert status(a)["recording"] is False
    assert a.recv_all(timeout=0.3) == []


def test_stop_without_recording_is_silent(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send("stop", {})
    assert c.recv_all(timeout=0.3) == []


def test_stuck_recorder_refuses_new_start_until_it_ends(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send("start", start_args("test://live?interval_ms=50&stuck_ms=1500",
                               rec_dir=ctrl_daemon.rec_dir))
    c.recv_until("start")
    t0 = time.monotonic()
    m = c.request("start", start_args(rec_dir=ctrl_daemon.rec_dir))
    assert is_error(m, "failure"), m
    if not under_qemu():
        assert time.monotonic() - t0 < 1.0
    time.sleep(1.5)
    c.send("start", start_args(rec_dir=ctrl_daemon.rec_dir))
    assert c.recv_until("start")[1]["section_index"] == 0
    c.send("stop")


# ---- paths ---------------------------------------------------------------------------

@pytest.mark.smoke
def test_rec_dir_dotdot_escape_is_denied(ctrl_daemon):
    c = ctrl_daemon.client()
    m = c.request("start", start_args(rec_dir="/tmp/../etc"))
    assert is_error(m, "path_denied"), m


def test_rec_dir_symlink_escape_is_denied(ctrl_daemon, tmp_path):
    link = tmp_path / "escape"
    os.symlink("/etc", str(link))
    c = ctrl_daemon.client()
    assert is_error(c.request("start", start_args(rec_dir=link)), "path_denied")
    assert is_error(c.request("start", start_args(rec_dir="/etc")), "path_denied")
    assert is_error(c.request("start", start_args(rec_dir="relative/dir")), "path_denied")


def test_rec_dir_missing_is_not_found(ctrl_daemon, tmp_path):
    c = ctrl_daemon.client()
    m = c.request("start", start_args(rec_dir=tmp_path / "missing"))
    assert is_error(m, "not_found"), m


def test_data_dir_escapes_are_denied(ctrl_daemon, tmp_path):
    link = tmp_path / "escape"
    os.symlink("/etc", str(link))
    c = ctrl_daemon.client()
    for dd in ["/etc", "/tmp/../etc", str(link), str(link) + "/sub",
               str(tmp_path / "new" / ".." / ".." / ".." / "etc")]:
        m = c.request("get_categories", {"provider": TEST_PROVIDER, "data_dir": dd})
        assert is_error(m, "path_denied"), (dd, m)
    assert not os.path.exists("/etc/_test")
    m = c.request("start", start_args(rec_dir=ctrl_daemon.rec_dir, data_dir="/etc"))
    assert is_error(m, "path_denied")


def test_allowed_roots_option(make_ctrl_daemon, tmp_path):
    root = tmp_path / "only"
    root.mkdir()
    d = make_ctrl_daemon(allowed_roots=str(root))
    c = d.client()
    assert is_error(c.request("start", start_args(rec_dir=d.rec_dir)), "path_denied")
    m = c.request("get_categories", {"provider": TEST_PROVIDER, "data_dir": str(root / "d")})
    assert m[0] == "get_categories"
    assert (root / "d" / "_test").is_dir()


def test_error_replies_name_the_active_recorder(ctrl_daemon):
    c = ctrl_daemon.client()
    c.send("start", start_args("test://live?interval_ms=50&kind=hls_m4s",
                               rec_dir=ctrl_daemon.rec_dir))
    c.recv_until("start")
    c.send("nope")
    m = c.recv_until("stop")
    assert is_error(m, "unknown_command") and m[1]["recorder_id"] == "hls_m4s", m
    c.send("stop")
    m = c.request("nope")
    assert is_error(m, "unknown_command") and m[1]["recorder_id"] == "unknown", m


def test_provider_quality_from_config_json(make_ctrl_daemon, providers_dir):
    from fixtures_ctrl import write_provider
    write_provider(providers_dir, "_test", {"title": "Test", "quality": "1080p"})
    d = make_ctrl_daemon()
    c = d.client()
    # "_"-directories are not listed, but their config.json still gives the quality.
    ids = [p["provider_id"] for p in c.request("get_providers")[1]["data"]]
    assert "_test" not in ids
    c.send("start", start_args(rec_dir=d.rec_dir, provider=dict(TEST_PROVIDER, quality="480p")))
    assert "quality=1080p" in c.recv_until("start")[1]["url"]
    c.send("stop")
