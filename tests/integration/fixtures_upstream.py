"""Fake Pluto TV, Samsung TV Plus and IPTV upstreams on loopback, built at test time.

Fixtures (auto-loaded by conftest.py):
  hls_media   (session)  a small H.264/AAC HLS stream made by ffmpeg: .dir with s000.ts...,
                         .segs [(name, dur)], .vod (playlist text with EXT-X-ENDLIST),
                         .live (the same without it)
  upstream    (function) an Upstream on the `httpd` fixture server serving, in the shapes
                         the real services use:
                           /pluto/v2/channels?start=&stop=   Pluto TV channel list (JSON)
                           /v1/stitch/embed/hls/channel/<id>/master.m3u8, /stitch/hls/...
                           /samsung/.channels.json.gz        Samsung list (gzip JSON)
                           /stvp-<slug>                      redirector -> HLS
                           /iptv/list.m3u                    M3U list
                           /hls/vod.m3u8, /hls/live.m3u8, /hls/s000.ts...  the stream
  upstream_daemon (function) factory: upstream_daemon(config={...}) -> Daemon with every
                         provider pointed at `upstream`, data_dir and rec_dir under tmp_path

Upstream helpers: pluto_channels(...), samsung_list(...), m3u(...) build bodies;
set_pluto(body_or_Response), set_samsung(...), set_m3u(...) replace what is served;
config() -> daemon config keys; provider(pid) -> the dict a client echoes back.
"""
import gzip
import json
import os
import subprocess
import time

import pytest

from fixtures_http import Response
from sslib import Daemon, TOP, under_qemu

PROVIDERS = {
    "PlutoTV": {"title": "Pluto TV", "thumbnail": "provider.png",
                "description": "Pluto TV - Gratis Streamen", "quality": "best"},
    "SamsungTV": {"title": "Samsung TV Plus", "thumbnail": "provider.png",
                  "description": "Samsung TV Plus - Unterhaltung der Spitzenklasse kostenlos",
                  "quality": "best"},
    "IPTV": {"title": "IPTV", "thumbnail": "provider.png",
             "description": "IPTV - eigene M3U-Senderlisten", "quality": "best"},
}


class HlsMedia:
    def __init__(self, d, segs):
        self.dir = d
        self.segs = segs

    def playlist(self, endlist, prefix=""):
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2",
                 "#EXT-X-MEDIA-SEQUENCE:0"]
        for name, dur in self.segs:
            lines += ["#EXTINF:%.3f," % dur, prefix + name]
        if endlist:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"

    @property
    def vod(self):
        return self.playlist(True)

    @property
    def live(self):
        return self.playlist(False)


@pytest.fixture(scope="session")
def hls_media(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("hls"))
    src = os.path.join(d, "src.ts")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000", "-t", "6", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
                    "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "aac", "-b:a", "48k",
                    "-f", "mpegts", src], check=True, timeout=120)
    tmp = os.path.join(d, "_cut.m3u8")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", src, "-c", "copy",
                    "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
                    "-hls_segment_filename", os.path.join(d, "s%03d.ts"), tmp],
                   check=True, timeout=120)
    segs, dur = [], None
    with open(tmp) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#EXTINF:"):
                dur = float(line[8:].split(",")[0])
            elif line and not line.startswith("#"):
                segs.append((line, dur))
    return HlsMedia(d, segs)


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


class Upstream:
    def __init__(self, httpd, media):
        self.httpd = httpd
        self.media = media
        self.pluto_body = None
        self.samsung_body = None
        self.m3u_body = None
        httpd.route("/pluto/v2/channels", lambda rq: self._serve(self.pluto_body))
        httpd.route("/samsung/.channels.json.gz", lambda rq: self._serve(self.samsung_body))
        httpd.route("/iptv/list.m3u", lambda rq: self._serve(self.m3u_body))
        httpd.serve_dir(media.dir, "/hls/")
        httpd.route("/hls/vod.m3u8", lambda rq: Response(
            200, media.vod.encode(), content_type="application/vnd.apple.mpegurl"))
        httpd.route("/hls/live.m3u8", lambda rq: Response(
            200, media.live.encode(), content_type="application/vnd.apple.mpegurl"))
        # Pluto's stitcher (embed and stitched forms) and Samsung's redirector -> the stream
        live_abs = media.playlist(False, prefix=httpd.url("/hls/")).encode()
        for p in ("/v1/stitch/embed/hls/channel/*", "/stitch/hls/channel/*"):
            httpd.route(p, lambda rq, b=live_abs: Response(
                200, b, content_type="application/vnd.apple.mpegurl"))
        httpd.route("/stvp-*", lambda rq: Response(302, b"", [("Location", "/hls/live.m3u8")]))
        self.set_pluto(self.pluto_channels())
        self.set_samsung(self.samsung_list())
        self.set_m3u(self.m3u())

    @staticmethod
    def _serve(body):
        if isinstance(body, Response):
            return body
        if callable(body):
            return body()
        return Response(200, body, content_type="application/json")

    # ---- Pluto TV
    def pluto_channels(self, n=6, epg_hours=48, epg_pad=0, extra=()):
        """Channels in the v2 API shape: two categories, a non-ASCII one, missing fields."""
        now = int(time.time())
        start = now - now % 1800
        chans = []
        cats = ["Filme", "Komödie & Spaß", "Nachrichten"]
        for i in range(n):
            cid = "%024x" % (0x5ddbf866b1862a0009a06000 + i)
            timelines = []
            for k in range(epg_hours * 2):
                t0 = start + (k - 1) * 1800
                timelines.append({
                    "_id": "%024x" % (k + 1000 * i), "start": iso(t0), "stop": iso(t0 + 1800),
                    "title": "Sendung %d/%d Ü" % (i, k),
                    "episode": {"_id": "e%d" % k, "number": k, "description": "x" * epg_pad,
                                "duration": 1800000, "genre": "Film",
                                "series": {"_id": "s", "name": "Serie", "type": "tv"}}})
            ch = {"_id": cid, "slug": "kanal-%d" % i, "name": "Kanal %d Ä" % i,
                  "hash": "#K%d" % i, "number": 100 + i, "summary": "Zusammenfassung %d" % i,
                  "category": cats[i % len(cats)], "isStitched": True,
                  "stitched": {"urls": [{"type": "hls", "url": self.httpd.url(
                      "/stitch/hls/channel/%s/master.m3u8?deviceId=unknown&sid=x" % cid)}],
                      "sessionURL": "https://x/session.json"},
                  "logo": {"path": "https://images.example/%s/logo.png" % cid},
                  "timelines": timelines}
            chans.append(ch)
        # missing fields: no name, not stitched, no category (-> "Other"), wrong types
        chans.append({"_id": "f" * 24, "isStitched": True})
        chans.append({"_id": "e" * 24, "name": "Ohne Stream", "isStitched": False})
        chans.append({"_id": "d" * 24, "name": "Ohne Kategorie", "isStitched": True,
                      "stitched": {"urls": [{"type": "hls", "url": self.httpd.url(
                          "/stitch/hls/channel/%s/master.m3u8" % ("d" * 24))}]},
                      "number": "x", "timelines": "none", "logo": 5})
        chans.extend(extra)
        return json.dumps(chans, ensure_ascii=False).encode()

    def set_pluto(self, body):
        self.pluto_body = body

    # ---- Samsung TV Plus
    def samsung_list(self, regions=("de", "at"), n=4, gz=True):
        out = {"regions": {}}
        for r in regions:
            chans = {}
            for i in range(n):
                slug = "%sBC%07d" % (r.upper(), i)
                ch = {"chno": 1000 + i, "name": "%s Sender %d Ö" % (r.upper(), i),
                      "group": ["Filme", "Ärger & Co"][i % 2],
                      "logo": "https://logo.example/%s.png" % slug,
                      "description": "Beschreibung %d" % i,
                      "programs": [[int(time.time()) - 600, "Jetzt"],
                                   [int(time.time()) + 1200, "Danach"]]}
                if i == n - 1:
                    ch["license_url"] = "https://license.example/widevine"
                chans[slug] = ch
            out["regions"][r] = {"name": r, "tz": "Europe/Berlin", "channels": chans}
        body = json.dumps(out, ensure_ascii=False).encode()
        return gzip.compress(body) if gz else body

    def set_samsung(self, body):
        self.samsung_body = body

    # ---- IPTV
    def m3u(self):
        lines = ["#EXTM3U",
                 '#EXTINF:-1 tvg-id="live.de" tvg-logo="%s" group-title="Nachrichten",'
                 'Live Kanal' % self.httpd.url("/logo.png"),
                 self.httpd.url("/hls/live.m3u8"),
                 '#EXTINF:-1 tvg-id="vod.de" group-title="Filme",Film Ä',
                 self.httpd.url("/hls/vod.m3u8"),
                 '#EXTINF:-1 group-title="Filme",Roh TS', self.httpd.url("/hls/s000.ts"),
                 "#EXTINF:-1,Nicht http", "rtmp://127.0.0.1/x"]
        return ("\n".join(lines) + "\n").encode()

    def set_m3u(self, body):
        self.m3u_body = body

    # ---- daemon side
    def config(self):
        return {
            "provider.PlutoTV.api_url": self.httpd.url("/pluto/v2/channels"),
            "provider.PlutoTV.stitcher_url": self.httpd.url(""),
            "provider.SamsungTV.url": self.httpd.url("/samsung/.channels.json.gz"),
            "provider.SamsungTV.stream_url": self.httpd.url("/stvp-"),
            "provider.SamsungTV.region": "de",
            "iptv.list.1": self.httpd.url("/iptv/list.m3u") + " Meine Liste",
        }

    @staticmethod
    def provider(pid):
        p = dict(PROVIDERS[pid])
        p["provider_id"] = pid
        return p


@pytest.fixture
def upstream(httpd, hls_media):
    return Upstream(httpd, hls_media)


@pytest.fixture
def upstream_daemon(tmp_path, upstream):
    daemons = []
    data_dir = tmp_path / "data"
    rec_dir = tmp_path / "rec"
    rec_dir.mkdir(exist_ok=True)

    def make(config=None, **kw):
        cfg = dict(upstream.config())
        cfg.update({"data_dir": str(data_dir),
                    "provider_timeout_ms": 20000 if under_qemu() else 8000})
        cfg.update(config or {})
        kw.setdefault("providers_dir", os.path.join(TOP, "providers"))
        d = Daemon(config=cfg, **kw)
        d.data_dir = data_dir
        d.rec_dir = rec_dir
        d.upstream = upstream
        daemons.append(d)
        return d

    yield make
    for d in daemons:
        d.stop()
