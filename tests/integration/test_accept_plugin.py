"""Acceptance: the unmodified StreamingCockpit plugin's session end to end (reference §1.8b,
§5): ready -> get_providers -> get_categories -> get_media_items -> start with the plugin's
exact arguments -> start broadcast -> stop -> silence, every echoed value pure ASCII."""
import json
import os
import time

import pytest

from fixtures_accept import T, assert_ascii, check_start, probe, tscheck_errors


def browse_all(p, pid):
    """Lists a provider like the plugin; every dict the plugin would echo must be ASCII."""
    provs = p.get_providers()
    assert provs, "no providers"
    for prov in provs:
        assert set(prov) >= {"title", "thumbnail", "description", "quality", "provider_id"}, prov
        assert prov["thumbnail"] == "provider.png", prov
        assert_ascii(prov)
    titles = [x["title"].lower() for x in provs]
    assert titles == sorted(titles), titles
    prov = next(x for x in provs if x["provider_id"] == pid)
    cats = p.get_categories(prov)
    assert cats, "no categories for %s" % pid
    for c in cats:
        assert set(c) >= {"name", "icon", "provider_id"}, c
        assert c["provider_id"] == pid, c
        assert_ascii(c)
    names = [c["name"].lower() for c in cats]
    assert names == sorted(names), names
    # <data_dir>/<provider_id> is the provider's cache, created with parents
    assert os.path.isdir(os.path.join(p.data_dir, pid))
    return prov, cats


def items_of(p, prov, cat):
    items = p.get_media_items(prov, cat)
    for it in items:
        assert isinstance(it.get("name"), str) and it["name"], it
        assert isinstance(it.get("url"), str) and it["url"], it
        assert_ascii(it["url"])
    names = [i["name"].lower() for i in items]
    assert names == sorted(names), names
    return items


def session(acc, d, pid, buffering, cat_name=None, item_pred=None):
    """The §1.8b session; returns (plugin, start args)."""
    p = acc.plugin(d, buffering=buffering)
    prov, cats = browse_all(p, pid)
    cat = next(c for c in cats if cat_name is None or c["name"] == cat_name)
    items = items_of(p, prov, cat)
    item = next(i for i in items if item_pred is None or item_pred(i))
    p.start(prov, item["url"])
    a = p.wait_start()
    check_start(a, acc.rec_dir, 0, buffering)
    # the plugin reads rec_file right away (os.path.getsize) and plays it while it grows
    assert os.path.getsize(a["rec_file"]) > 0
    return p, a


def stop_and_listen(p, seconds=1.0):
    """The plugin's stop: nothing comes back for that recording, ever."""
    p.stop()
    late = p.quiet(seconds)
    assert not [m for m in late if m[0] in ("start", "stop")], late


@pytest.mark.parametrize("buffering", [5, pytest.param(2, marks=pytest.mark.smoke)])
def test_pluto_session_as_the_plugin_does_it(acc, buffering):
    d = acc.daemon()
    p, a = session(acc, d, "PlutoTV", buffering, cat_name="Filme")
    assert a["recorder_id"] == "hls_live"
    stop_and_listen(p)
    # a second client sees the same broadcasts; the recording is over for both
    size = os.path.getsize(a["rec_file"])
    time.sleep(0.3)
    assert os.path.getsize(a["rec_file"]) == size, "file still grows after stop"
    assert size % 188 == 0
    err, _ = probe(a["rec_file"])
    assert err == "", err
    assert tscheck_errors(a["rec_file"]) == []


def test_zap_back_to_the_list_and_to_another_channel(acc):
    """While a channel plays the user goes back (browse requests during the recording)
    and picks another one: the new start replaces the old recording; the new player gets
    section 0 of the new channel; no stop arrives for the replaced one."""
    d = acc.daemon()
    p, a = session(acc, d, "PlutoTV", 2, cat_name="Filme")
    prov = next(x for x in p.get_providers() if x["provider_id"] == "PlutoTV")
    cats = p.get_categories(prov)
    cat = next(c for c in cats if c["name"] == "Nachrichten")
    item = items_of(p, prov, cat)[0]
    p.stop()                      # leaving the player sends stop first
    p.start(prov, item["url"])
    b = p.wait_start()
    check_start(b, acc.rec_dir, 0, 2)
    assert item["id"] in json.dumps(
        [r.path for r in acc.httpd.requests if "/stitch/" in r.path][-1:]), "old channel"
    stop_and_listen(p, 0.5)


def test_non_ascii_names_are_transliterated_not_escaped(acc):
    d = acc.daemon()
    p = acc.plugin(d)
    prov, cats = browse_all(p, "PlutoTV")
    # upstream "Komödie & Spaß": ö -> oe, ß -> ss, and it still works as the lookup key
    cat = next(c for c in cats if c["name"] == "Komoedie & Spass")
    assert items_of(p, prov, cat)
    prov, cats = browse_all(p, "SamsungTV")
    assert "Aerger & Co" in [c["name"] for c in cats]


def test_samsung_session_and_non_ascii_category_is_reachable(acc):
    d = acc.daemon()
    # "Ärger & Co" upstream: the echoed category must be ASCII and still work as the key
    p, a = session(acc, d, "SamsungTV", 2, cat_name="Aerger & Co",
                   item_pred=lambda i: not i.get("drm"))
    assert a["recorder_id"] == "hls_live"
    stop_and_listen(p, 0.6)


def test_iptv_session_every_category(acc):
    d = acc.daemon()
    p = acc.plugin(d, buffering=2)
    prov, cats = browse_all(p, "IPTV")
    for cat in cats:
        items_of(p, prov, cat)


def test_two_plugins_both_get_the_broadcasts_and_only_requesters_get_replies(acc):
    d = acc.daemon()
    p1 = acc.plugin(d, buffering=2)
    p2 = acc.plugin(d, buffering=2)
    prov, cats = browse_all(p1, "IPTV")
    assert p2.quiet(0.3) == [], "browse replies are unicast"
    p1.start(prov, acc.url("/acc/live.m3u8"))
    a1 = p1.wait_start()
    a2 = p2.wait_start()
    assert a1 == a2
    check_start(a1, acc.rec_dir, 0, 2)
    p2.stop()   # any client may stop it; nobody hears about it
    for p in (p1, p2):
        late = p.quiet(0.8)
        assert not [m for m in late if m[0] in ("start", "stop")], late


def test_requests_pipelined_like_the_screens_all_get_replies(acc):
    """Level 0/1/2 screens fire their requests back to back; each one gets its reply."""
    d = acc.daemon()
    p = acc.plugin(d)
    provs = p.get_providers()
    prov = next(x for x in provs if x["provider_id"] == "IPTV")
    p.send("get_providers", {"data_dir": p.PROVIDERS_DIR})
    p.send("get_categories", {"provider": prov, "data_dir": p.data_dir})
    p.send("get_providers", {"data_dir": p.PROVIDERS_DIR})
    names = sorted(p.recv(timeout=T)[0] for _ in range(3))
    assert names == ["get_categories", "get_providers", "get_providers"], names
    assert p.quiet(0.3) == []
