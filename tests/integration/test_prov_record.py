"""End to end per provider, as the plugin does it: get_providers -> get_categories ->
get_media_items -> start -> the start broadcast -> stop, recording the loopback HLS
fixture (Pluto's stitcher, Samsung's redirector and IPTV lists all lead to it)."""
import os
import time

import pytest

from fixtures_ctrl import is_error
from sslib import under_qemu

T = 60 if under_qemu() else 20


def walk(c, d, pid, cat_name, item_name):
    """Browses like the plugin and returns the chosen item."""
    m = c.request("get_providers", {"data_dir": "/data/ubuntu/root/plugins/streamingserver"})
    prov = next(p for p in m[1]["data"] if p["provider_id"] == pid)
    args = {"provider": prov, "data_dir": str(d.data_dir / "STC")}
    m = c.request("get_categories", args, timeout=T)
    assert m[0] == "get_categories", m
    cat = next(x for x in m[1]["data"] if x["name"] == cat_name)
    m = c.request("get_media_items", dict(args, category=cat), timeout=T)
    assert m[0] == "get_media_items", m
    item = next(i for i in m[1]["data"] if i["name"] == item_name)
    return prov, item


def start(c, d, prov, url, show_ads=False):
    c.send("start", {"url": url, "rec_dir": str(d.rec_dir), "show_ads": show_ads,
                     "buffering": 1, "provider": prov, "av1": False, "quality": "provider"})


def record_and_stop(c, d, prov, url, show_ads=False):
    start(c, d, prov, url, show_ads)
    while True:
        m = c.recv(timeout=T)
        if m[0] == "start":
            break
        assert m[0] != "stop", m
    a = m[1]
    assert a["section_index"] == 0
    assert a["rec_file"] == os.path.join(str(d.rec_dir), "stream_0.ts")
    assert os.path.getsize(a["rec_file"]) > 0
    with open(a["rec_file"], "rb") as f:
        assert f.read(1) == b"\x47"
    c.send("stop", {})
    # no further start for that recording
    t = time.monotonic()
    while time.monotonic() - t < 1.0:
        try:
            m = c.recv(timeout=0.3)
        except OSError:
            break
        assert m[0] != "start", m
    return a


def test_pluto_tv_plays_through_the_embed_stitcher(upstream_daemon):
    d = upstream_daemon()
    c = d.client()
    prov, item = walk(c, d, "PlutoTV", "Filme", "Kanal 0 Ä")
    a = record_and_stop(c, d, prov, item["url"], show_ads=False)
    assert a["recorder_id"] == "hls_live"
    embeds = [r for r in d.upstream.httpd.requests if r.path.startswith("/v1/stitch/embed/")]
    assert embeds and "/channel/%s/master.m3u8" % item["id"] in embeds[0].path
    assert len(embeds[0].query["deviceId"][0]) == 36 and len(embeds[0].query["sid"][0]) == 36


def test_pluto_tv_with_ads_uses_the_stitched_url_with_fresh_ids(upstream_daemon):
    d = upstream_daemon()
    c = d.client()
    prov, item = walk(c, d, "PlutoTV", "Nachrichten", "Kanal 2 Ä")
    record_and_stop(c, d, prov, item["url"], show_ads=True)
    st = [r for r in d.upstream.httpd.requests if r.path.startswith("/stitch/hls/channel/")]
    assert st and st[0].query["serverSideAds"] == ["true"]
    assert st[0].query["deviceId"][0] != "unknown" and st[0].query["sid"][0] != "x"


def test_samsung_tv_plus_plays_through_the_redirector(upstream_daemon):
    d = upstream_daemon()
    c = d.client()
    prov, item = walk(c, d, "SamsungTV", "Aerger & Co", "DE Sender 1 Ö")
    a = record_and_stop(c, d, prov, item["url"])
    assert a["recorder_id"] == "hls_live"
    assert d.upstream.httpd.hits["/stvp-DEBC0000001"] >= 1


def test_samsung_drm_channel_is_refused_at_start(upstream_daemon):
    d = upstream_daemon()
    c = d.client()
    prov, item = walk(c, d, "SamsungTV", "Aerger & Co", "DE Sender 3 Ö")
    assert item["drm"] is True
    start(c, d, prov, item["url"])
    m = c.recv_until("stop", timeout=T)
    assert is_error(m, "drm_protected"), m
    assert d.upstream.httpd.hits["/stvp-DEBC0000003"] == 0


def test_iptv_live_vod_and_any_url(upstream_daemon):
    d = upstream_daemon()
    c = d.client()
    prov, item = walk(c, d, "IPTV", "Nachrichten", "Live Kanal")
    assert record_and_stop(c, d, prov, item["url"])["recorder_id"] == "hls_live"
    prov, item = walk(c, d, "IPTV", "Filme", "Film Ä")
    assert record_and_stop(c, d, prov, item["url"])["recorder_id"] == "hls_basic"
    # raw MPEG-TS over HTTP: one section
    prov, item = walk(c, d, "IPTV", "Filme", "Roh TS")
    a = record_and_stop(c, d, prov, item["url"])
    assert a["recorder_id"] == "hls_live"
    # a URL that is in no list: played all the same
    other = d.upstream.httpd.url("/hls/vod.m3u8?direct=1")
    assert record_and_stop(c, d, prov, other)["recorder_id"] == "hls_basic"
    # only http(s)
    start(c, d, prov, "file:///etc/passwd")
    assert is_error(c.recv_until("stop", timeout=T))
