"""Valgrind memcheck on the host glibc build (build/test/streamingserver, built by `make unit`):
a `--record` of a small HLS VOD and a browse of the provider catalogues must end with no
invalid access, no uninitialised use, no definite/indirect leak and a clean exit.
(The protocol session under valgrind is test_ctrl_lifecycle.py::test_valgrind_protocol_session.)
Skipped when valgrind or the binary is missing, or when the suite runs a cross binary."""
import os
import shlex
import shutil

import pytest

from fixtures_media import record, sections
from sslib import TOP, under_qemu

BINARY = os.path.join(TOP, "build", "test", "streamingserver")


@pytest.fixture
def memcheck(tmp_path, monkeypatch):
    """Points daemon_cmd() at valgrind + the glibc build; returns the memcheck log path."""
    vg = shutil.which("valgrind")
    if not vg or under_qemu() or not os.path.exists(BINARY):
        pytest.skip("valgrind or build/test/streamingserver missing (make unit builds it)")
    log = tmp_path / "memcheck.log"
    wrap = [vg, "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect",
            "--track-fds=no", "--log-file=%s" % log]
    monkeypatch.setenv("SS_WRAP", " ".join(shlex.quote(a) for a in wrap))
    monkeypatch.setenv("SS_BIN", BINARY)
    monkeypatch.setenv("SS_SANITIZED", "1")  # memory figures under valgrind mean nothing
    return log


def clean(log):
    assert log.exists(), "valgrind did not run (no %s)" % log
    report = log.read_text()
    assert "ERROR SUMMARY" not in report or "ERROR SUMMARY: 0 errors" in report, report
    assert "Invalid " not in report and "uninitialised" not in report, report
    assert "definitely lost" not in report and "indirectly lost" not in report, report


def test_valgrind_record_hls_vod(memcheck, media, httpd, tmp_path):
    d, segs = media.vod()
    httpd.serve_dir(d)
    out = tmp_path / "out"
    out.mkdir()
    r = record(httpd.url("/index.m3u8"), out, "--buffering", "2", timeout=180)
    clean(memcheck)
    assert r.rc == 0, r
    assert r.stop["reason"] == "complete", r
    assert len(sections(out)) == 1
    assert os.path.getsize(sections(out)[0]) > 100 * 188


def test_valgrind_record_hls_aes128_fmp4(memcheck, media, httpd, tmp_path):
    """The other segment paths: AES-128 TS segments, then fMP4 (init section + m4s)."""
    httpd.serve_dir(media.aes(), prefix="/aes/")
    out = tmp_path / "aes"
    out.mkdir()
    r = record(httpd.url("/aes/index.m3u8"), out, "--buffering", "2", timeout=180)
    clean(memcheck)
    assert r.rc == 0 and r.stop["reason"] == "complete", r
    memcheck.unlink()
    httpd.serve_dir(media.fmp4(), prefix="/fmp4/")
    out = tmp_path / "fmp4"
    out.mkdir()
    r = record(httpd.url("/fmp4/index.m3u8"), out, "--buffering", "2", timeout=180)
    clean(memcheck)
    assert r.rc == 0 and r.stop["reason"] == "complete", r


def test_valgrind_browse_provider_catalogues(memcheck, upstream_daemon, tmp_path):
    local = tmp_path / "local.m3u"
    local.write_text("#EXTM3U\n#EXTINF:-1 tvg-logo=\"http://l/x.png\",Lokal\n"
                     "http://127.0.0.1:1/x.m3u8\n", encoding="utf-8")
    d = upstream_daemon(config={"iptv.list.2": "%s Lokale Datei" % local,
                                "provider_timeout_ms": 30000})
    c = d.client(timeout=60)
    for pid in ("PlutoTV", "SamsungTV", "IPTV"):
        args = {"provider": d.upstream.provider(pid), "data_dir": str(d.data_dir / "STC")}
        m = c.request("get_categories", args, timeout=60)
        assert m[0] == "get_categories", m
        cats = m[1]["data"]
        assert cats, pid
        for cat in cats[:3]:
            m = c.request("get_media_items", dict(args, category=cat), timeout=60)
            assert m[0] == "get_media_items", m
        # a second pass is served from the catalogue cache
        m = c.request("get_media_items", dict(args, category=cats[0]), timeout=60)
        assert m[0] == "get_media_items", m
    assert c.request("get_providers")[0] == "get_providers"
    c.close()
    rc = d.stop(timeout=60)
    clean(memcheck)
    assert rc == 0, d.output()[-4000:]
