"""Provider stories over TCP against fake upstreams: browsing Pluto TV, Samsung TV Plus and
IPTV lists, the catalogue cache (TTL, stale fallback, corruption, kill during a rebuild),
broken upstream bodies and slow upstreams."""
import json
import os
import signal
import statistics
import struct
import time

import pytest

from fixtures_ctrl import is_error
from fixtures_http import Response
from sslib import TOP, under_qemu


def ascii_only(obj):
    return all(ord(ch) < 128 for ch in json.dumps(obj, ensure_ascii=False))


def browse(c, d, pid, category=None, timeout=None):
    args = {"provider": d.upstream.provider(pid), "data_dir": str(d.data_dir / "STC")}
    if category is None:
        return c.request("get_categories", args, timeout=timeout)
    args["category"] = category
    return c.request("get_media_items", args, timeout=timeout)


def categories(c, d, pid):
    m = browse(c, d, pid)
    assert m[0] == "get_categories", m
    return m[1]["data"]


def items(c, d, pid, cat):
    m = browse(c, d, pid, cat)
    assert m[0] == "get_media_items", m
    return m[1]["data"]


def cat_named(cats, name):
    return next(c for c in cats if c["name"] == name)


def sorted_ci(names):
    return names == sorted(names, key=str.lower)


def peak_rss_kb(d):
    with open("/proc/%d/status" % d.proc.pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@pytest.mark.smoke
def test_providers_are_listed_with_ascii_config_and_logos(upstream_daemon):
    d = upstream_daemon()
    c = d.client()
    m = c.request("get_providers", {"data_dir": "/x"})
    assert m[0] == "get_providers"
    by_id = {p["provider_id"]: p for p in m[1]["data"]}
    assert {"PlutoTV", "SamsungTV", "IPTV"} <= set(by_id)
    for pid in ("PlutoTV", "SamsungTV", "IPTV"):
        p = by_id[pid]
        assert ascii_only(p)
        assert p["thumbnail"] == "provider.png"
        png = os.path.join(TOP, "providers", pid, "provider.png")
        with open(png, "rb") as f:
            head = f.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert os.path.getsize(png) < 10 * 1024
        w, h = struct.unpack(">II", head[16:24])
        assert 16 <= w <= 512 and 16 <= h <= 512


def test_pluto_categories_items_epg_and_cache(upstream_daemon):
    d = upstream_daemon()
    up = d.upstream
    c = d.client()
    cats = categories(c, d, "PlutoTV")
    names = [x["name"] for x in cats]
    assert sorted_ci(names)
    # non-ASCII upstream category: transliterated, and usable as the lookup key
    assert "Komoedie & Spass" in names and "Other" in names
    assert ascii_only(cats)
    assert all(x["provider_id"] == "PlutoTV" and x["icon"].endswith(".png") for x in cats)
    # the EPG window went to the API
    rq = up.httpd.requests_for("/pluto/v2/channels")[-1]
    assert "start" in rq.query and "stop" in rq.query
    t0 = time.strptime(rq.query["start"][0], "%Y-%m-%d %H:00:00.000+0000")
    t1 = time.strptime(rq.query["stop"][0], "%Y-%m-%d %H:00:00.000+0000")
    assert time.mktime(t1) - time.mktime(t0) == 48 * 3600

    its = items(c, d, "PlutoTV", cat_named(cats, "Komoedie & Spass"))
    assert [i["name"] for i in its] == ["Kanal 1 Ä", "Kanal 4 Ä"]
    for i in its:
        assert all(ord(ch) < 128 for ch in i["url"])
        assert "/stitch/hls/channel/%s/" % i["id"] in i["url"]
        assert i["description"].startswith("Now ")
        assert "\nNext " in i["description"]
        assert i["now"].startswith("Sendung") and i["next"].startswith("Sendung")
    # missing fields: no name / not stitched left out, no category -> Other
    other = items(c, d, "PlutoTV", cat_named(cats, "Other"))
    assert [i["name"] for i in other] == ["Ohne Kategorie"]
    all_names = [i["name"] for cat in cats for i in items(c, d, "PlutoTV", cat)]
    assert "Ohne Stream" not in all_names and len(all_names) == 7
    # all of it came from one upstream request (cache)
    assert up.httpd.hits["/pluto/v2/channels"] == 1
    # unknown category: an empty list
    assert items(c, d, "PlutoTV", {"name": "Gibt es nicht"}) == []


def test_samsung_gzip_list_regions_and_drm_marks(upstream_daemon):
    d = upstream_daemon()
    c = d.client()
    cats = categories(c, d, "SamsungTV")
    assert [x["name"] for x in cats] == ["Aerger & Co", "Filme"]
    its = items(c, d, "SamsungTV", cats[0])
    assert [i["slug"] for i in its] == ["DEBC0000001", "DEBC0000003"]
    assert its[0]["url"] == d.upstream.httpd.url("/stvp-DEBC0000001")
    assert its[0]["drm"] is False and its[1]["drm"] is True
    assert "DRM" in its[1]["description"]
    assert its[0]["now"] == "Jetzt" and its[0]["next"] == "Danach"
    d.stop()

    d2 = upstream_daemon(config={"provider.SamsungTV.region": "all"})
    c2 = d2.client()
    names = [x["name"] for x in categories(c2, d2, "SamsungTV")]
    assert names == ["AT - Aerger & Co", "AT - Filme", "DE - Aerger & Co", "DE - Filme"]


def test_iptv_list_groups_and_entries(upstream_daemon, tmp_path):
    local = tmp_path / "local.m3u"
    local.write_text("#EXTM3U\n#EXTINF:-1 tvg-logo=\"http://l/x.png\",Lokal Ü\n"
                     "http://127.0.0.1:1/x.m3u8\n", encoding="utf-8")
    d = upstream_daemon(config={"iptv.list.2": "%s Lokale Datei" % local})
    c = d.client()
    cats = categories(c, d, "IPTV")
    assert [x["name"] for x in cats] == ["Filme", "Lokale Datei", "Nachrichten"]
    films = items(c, d, "IPTV", cats[0])
    assert [i["name"] for i in films] == ["Film Ä", "Roh TS"]
    assert films[0]["tvg_id"] == "vod.de"
    loc = items(c, d, "IPTV", cats[1])
    assert loc[0]["name"] == "Lokal Ü" and loc[0]["logo"] == "http://l/x.png"
    news = items(c, d, "IPTV", cats[2])
    assert news[0]["url"] == d.upstream.httpd.url("/hls/live.m3u8")


def test_large_epg_catalogue_memory_and_cached_item_time(upstream_daemon, capsys):
    d = upstream_daemon()
    up = d.upstream
    body = up.pluto_channels(n=80, epg_hours=48, epg_pad=400)
    assert len(body) >= 5 * 1024 * 1024
    up.set_pluto(body)
    c = d.client()
    base = peak_rss_kb(d)
    t = time.monotonic()
    cats = categories(c, d, "PlutoTV")
    t_build = time.monotonic() - t
    peak = peak_rss_kb(d)
    cat = cat_named(cats, "Filme")
    times = []
    for _ in range(7):
        t = time.monotonic()
        its = items(c, d, "PlutoTV", cat)
        times.append(time.monotonic() - t)
    assert len(its) == 27 and up.httpd.hits["/pluto/v2/channels"] == 1
    peak = max(peak, peak_rss_kb(d))
    with capsys.disabled():
        print("\n[prov] %d-byte Pluto catalogue: fetch+build %.0f ms, peak RSS %d kB "
              "(before %d kB), get_media_items from cache median %.1f ms"
              % (len(body), t_build * 1000, peak, base, statistics.median(times) * 1000))
    # the 5 MB document is never held whole: growth stays far below its size
    assert peak - base < 3 * 1024
    if not under_qemu():
        assert statistics.median(times) < 0.1


def test_invalid_json_and_truncated_gzip_are_errors(upstream_daemon):
    d = upstream_daemon()
    up = d.upstream
    c = d.client()
    up.set_pluto(b'[{"_id": "a", "name": "x", "isStitched": true, ')
    assert is_error(browse(c, d, "PlutoTV"), "failure")
    up.set_pluto(b"<html>Service Unavailable</html>")
    assert is_error(browse(c, d, "PlutoTV"), "failure")
    good = up.samsung_list()
    up.set_samsung(good[:len(good) // 2])
    assert is_error(browse(c, d, "SamsungTV"), "failure")
    # the daemon is fine and recovers once the upstream is
    up.set_pluto(up.pluto_channels())
    up.set_samsung(good)
    assert categories(c, d, "PlutoTV")
    assert categories(c, d, "SamsungTV")


def test_http_500_without_cache_is_an_error_and_with_cache_serves_stale(upstream_daemon):
    d = upstream_daemon(config={"provider.cache_ttl": 1})
    up = d.upstream
    c = d.client()
    up.set_pluto(Response(500, b"oops"))
    assert is_error(browse(c, d, "PlutoTV"))
    up.set_pluto(up.pluto_channels())
    cats = categories(c, d, "PlutoTV")
    up.set_pluto(Response(500, b"oops"))
    time.sleep(1.2)
    hits = up.httpd.hits["/pluto/v2/channels"]
    its = items(c, d, "PlutoTV", cat_named(cats, "Filme"))
    assert len(its) == 2
    assert up.httpd.hits["/pluto/v2/channels"] > hits  # it did try the upstream
    assert "serving the catalogue from" in d.output()


def test_cache_ttl(upstream_daemon):
    d = upstream_daemon(config={"provider.cache_ttl": 2})
    up = d.upstream
    c = d.client()
    cats = categories(c, d, "SamsungTV")
    items(c, d, "SamsungTV", cats[0])
    categories(c, d, "SamsungTV")
    assert up.httpd.hits["/samsung/.channels.json.gz"] == 1
    time.sleep(2.3)
    items(c, d, "SamsungTV", cats[0])
    assert up.httpd.hits["/samsung/.channels.json.gz"] == 2


def test_corrupt_cache_is_ignored_and_refetched(upstream_daemon):
    d = upstream_daemon()
    up = d.upstream
    c = d.client()
    cats = categories(c, d, "IPTV")
    path = d.data_dir / "STC" / "IPTV" / "catalog.v1"
    assert path.exists()
    data = bytearray(path.read_bytes())
    data[-10:-5] = b"XXXXX"
    path.write_bytes(bytes(data))
    assert items(c, d, "IPTV", cats[0])
    assert up.httpd.hits["/iptv/list.m3u"] == 2
    path.write_bytes(b"")
    assert categories(c, d, "IPTV") == cats
    assert up.httpd.hits["/iptv/list.m3u"] == 3


def test_slow_upstream_times_out_without_blocking_other_clients(upstream_daemon):
    d = upstream_daemon(config={"provider_timeout_ms": 2000})
    up = d.upstream
    up.set_pluto(Response(200, up.pluto_channels(), delay=8))
    c = d.client()
    other = d.client()
    t = time.monotonic()
    c.send("get_categories", {"provider": up.provider("PlutoTV"),
                              "data_dir": str(d.data_dir / "STC")})
    time.sleep(0.3)
    t1 = time.monotonic()
    m = other.request("get_providers", {})
    assert m[0] == "get_providers" and time.monotonic() - t1 < 0.5
    m = c.recv(timeout=10)
    assert is_error(m, "timeout"), m
    assert 1.2 < time.monotonic() - t < 3.5
    # a body that trickles in counts against the same deadline
    up.set_pluto(Response(200, up.pluto_channels(n=30), throttle=20000))
    t = time.monotonic()
    assert is_error(browse(c, d, "PlutoTV", timeout=10), "timeout")
    assert time.monotonic() - t < 3.5


def test_kill_during_rebuild_keeps_the_old_catalogue(upstream_daemon):
    d = upstream_daemon(config={"provider.cache_ttl": 1})
    up = d.upstream
    c = d.client()
    cats = categories(c, d, "PlutoTV")
    before = items(c, d, "PlutoTV", cat_named(cats, "Filme"))
    # the next rebuild gets a big body slowly; the daemon is killed in the middle of it
    big = up.pluto_channels(n=200, epg_hours=48)
    up.set_pluto(Response(200, big, throttle=len(big) // 3))
    time.sleep(1.2)
    c.send("get_categories", {"provider": up.provider("PlutoTV"),
                              "data_dir": str(d.data_dir / "STC")})
    time.sleep(1.5)
    d.stop(sig=signal.SIGKILL)
    assert d.proc.returncode == -signal.SIGKILL
    # the upstream is down now: the old catalogue comes back (stale), whole
    up.set_pluto(Response(500, b""))
    d2 = upstream_daemon(config={"provider.cache_ttl": 1})
    c2 = d2.client()
    assert categories(c2, d2, "PlutoTV") == cats
    assert items(c2, d2, "PlutoTV", cat_named(cats, "Filme")) == before


@pytest.mark.slow
def test_largest_catalogue_memory(upstream_daemon, capsys):
    """A 30+ MB Pluto answer (500 channels, 48 h EPG): memory stays flat, cache reads fast."""
    d = upstream_daemon(config={"provider_timeout_ms": 120000})
    up = d.upstream
    body = up.pluto_channels(n=500, epg_hours=48, epg_pad=400)
    assert len(body) > 30 * 1024 * 1024
    up.set_pluto(body)
    c = d.client()
    base = peak_rss_kb(d)
    t = time.monotonic()
    cats = categories(c, d, "PlutoTV")
    t_build = time.monotonic() - t
    times = []
    for _ in range(7):
        t = time.monotonic()
        its = items(c, d, "PlutoTV", cat_named(cats, "Filme"))
        times.append(time.monotonic() - t)
    peak = peak_rss_kb(d)
    with capsys.disabled():
        print("\n[prov] %d-byte Pluto catalogue: fetch+build %.0f ms, peak RSS %d kB "
              "(before %d kB), get_media_items (%d items) from cache median %.1f ms"
              % (len(body), t_build * 1000, peak, base, len(its),
                 statistics.median(times) * 1000))
    assert len(its) == 167
    assert peak - base < 3 * 1024
