"""Acceptance: what lands in rec_dir. Only our own files are removed at start, stream.log is
appended line by line in the reference format, section files are playable (ffprobe,
tests/tscheck.py) while growing, after a SIGKILL and after the disk fills up."""
import os
import signal
import subprocess
import threading
import time

from fixtures_accept import (LOG_LINE, T, Plugin, check_start, config_value, is_error, probe,
                             tscheck_errors, tscheck_report)

IPTV = {"provider_id": "IPTV"}

OURS = ["stream_0.ts", "stream_1.ts", "stream_12.ts", "stream_0.ts.cuts", "stream_3.ts.ap",
        "stream_1.ts.sc", "stream_0.ts.meta", "stream_0.mp4", "stream_0.mp4.cuts",
        "stream_0.mp4.ap", "stream_0.mp4.sc", "stream_0.mp4.meta", "stream_007.ts"]
THEIRS = ["streaming_party.ts", "stream_old.txt", "stream_.ts", "stream_1.ts.bak",
          "stream_1.mp4", "stream_a.ts", "Stream_0.ts", "stream_0.TS", "xstream_0.ts",
          "stream_0.ts.cuts.bak", "stream_0.tsx", "stream", "stream.ts", "stream_-1.ts",
          "stream_1.ts.cuts~", "movie.ts", "stream_0.mp4.old", "stream_0_1.ts"]


def test_only_our_files_are_removed_at_start(acc, tmp_path):
    rd = acc.rec_dir
    for n in OURS + THEIRS:
        (rd / n).write_bytes(b"old " + n.encode())
    (rd / "stream.log").write_text("12:00:00.000 STC ---/---: /x - play-section\n")
    (rd / "stream_5.ts").mkdir()            # a directory named like ours: left alone
    outside = tmp_path / "precious.ts"
    outside.write_bytes(b"precious")
    os.symlink(str(outside), str(rd / "stream_9.ts"))   # ours by name: the link goes, not its target
    d = acc.daemon()
    p = acc.plugin(d, buffering=1)
    p.start(IPTV, acc.url("/hls/vod.m3u8"))
    a = p.wait_start()
    assert p.wait_stop()["reason"] == "complete"
    left = set(os.listdir(rd))
    for n in THEIRS:
        assert n in left, "user file %s was removed" % n
        assert (rd / n).read_bytes() == b"old " + n.encode(), n
    for n in OURS:
        if n != "stream_0.ts":
            assert n not in left, "stale %s kept" % n
    assert (rd / "stream_5.ts").is_dir()
    assert not os.path.lexists(rd / "stream_9.ts")
    assert outside.read_bytes() == b"precious"
    assert (rd / "stream_0.ts").read_bytes()[:4] != b"old ", "stale stream_0.ts reused"
    assert tscheck_errors(a["rec_file"]) == []
    log = (rd / "stream.log").read_text()
    assert log.startswith("12:00:00.000 STC ---/---: /x - play-section\n"), "log not appended"


def log_lines(rd):
    return [ln for ln in (rd / "stream.log").read_text().split("\n") if ln]


def test_stream_log_format_and_appending_with_the_plugin(acc):
    rd = acc.rec_dir
    d = acc.daemon()
    p = acc.plugin(d, buffering=2)
    stop = threading.Event()

    def plugin_writes():
        # the client appends its own STC lines to the same file (O_APPEND per line)
        k = 0
        while not stop.is_set():
            with open(rd / "stream.log", "a") as f:
                f.write("%s STC 000/---: %s - play-section\n"
                        % (time.strftime("%H:%M:%S") + ".%03d" % (k % 1000),
                           os.path.join(str(rd), "stream_0.ts")))
            k += 1
            time.sleep(0.01)

    t = threading.Thread(target=plugin_writes)
    t.start()
    try:
        p.start(IPTV, acc.url("/acc/live.m3u8"))
        a = p.wait_start()
        time.sleep(1.5)
        p.stop()
        assert p.ping() == []
    finally:
        stop.set()
        t.join()
    lines = log_lines(rd)
    sts = [ln for ln in lines if " STS " in ln]
    assert sts, lines
    for ln in lines:
        assert LOG_LINE.match(ln), "bad stream.log line %r" % ln
    # no secrets: the query string of segment URIs is not logged
    assert not [ln for ln in sts if "?" in ln], sts
    # a second recording appends; it never truncates the log
    n = len(lines)
    p.start(IPTV, acc.url("/hls/vod.m3u8"))
    p.wait_start()
    assert p.wait_stop()["reason"] == "complete"
    lines2 = log_lines(rd)
    assert lines2[:n] == lines and len(lines2) > n
    assert a["rec_file"]


def test_resolution_change_makes_sections_in_order(acc, res_media):
    acc.httpd.serve_dir(res_media.dir, "/res/")
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2",
             "#EXT-X-MEDIA-SEQUENCE:0"]
    for name, dur in acc.media.segs[:3]:
        lines += ["#EXTINF:%.3f," % dur, "/hls/" + name]
    lines.append("#EXT-X-DISCONTINUITY")
    for name, dur in res_media.segs:
        lines += ["#EXTINF:%.3f," % dur, "/res/" + name]
    lines.append("#EXT-X-ENDLIST")
    acc.httpd.content("/acc/two.m3u8", "\n".join(lines) + "\n",
                      content_type="application/vnd.apple.mpegurl")
    d = acc.daemon()
    p = acc.plugin(d, buffering=2)
    p.start(IPTV, acc.url("/acc/two.m3u8"))
    a0 = p.wait_start()
    check_start(a0, acc.rec_dir, 0, 2)
    a1 = p.wait_start()
    size0 = os.path.getsize(a0["rec_file"])
    check_start(a1, acc.rec_dir, 1, 2)
    assert p.wait_stop()["reason"] == "complete"
    # section 0 was complete when section 1 was announced
    assert os.path.getsize(a0["rec_file"]) == size0
    for f, w in ((a0["rec_file"], 320), (a1["rec_file"], 480)):
        err, dur = probe(f)
        assert err == "", (f, err)
        assert tscheck_errors(f) == [], f
        out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                              "-show_entries", "stream=width", "-of", "csv=p=0", f],
                             capture_output=True, text=True, timeout=30).stdout.split()
        assert set(out) == {str(w)}, (f, out)
    assert not os.path.exists(os.path.join(acc.rec_dir, "stream_2.ts"))


def whole_and_playable(path, min_dur=0.3):
    size = os.path.getsize(path)
    assert size > 0 and size % 188 == 0, size
    err, dur = probe(path)
    assert err == "", err
    assert dur >= min_dur, dur
    rep = tscheck_report(path)
    # a cut may leave the last PES short; everything else must hold
    assert [e for e in rep.errors if "truncat" not in e.lower()] == [], rep.errors


def test_sigkill_mid_recording_leaves_a_playable_file(acc):
    d = acc.daemon()
    p = acc.plugin(d, buffering=1)
    p.start(IPTV, acc.url("/acc/live.m3u8"))
    a = p.wait_start()
    time.sleep(1.2)
    d.proc.kill()
    d.proc.wait(5)
    whole_and_playable(a["rec_file"])


def test_sigterm_mid_recording_finalises_and_exits_0_quickly(acc):
    d = acc.daemon()
    p = acc.plugin(d, buffering=1)
    p.start(IPTV, acc.url("/acc/live.m3u8"))
    a = p.wait_start()
    time.sleep(0.5)
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    rc = d.proc.wait(5)
    took = time.monotonic() - t0
    assert rc == 0, d.output()
    assert took < 2.0, took
    # clients are closed; a recording stopped by the server is not an error for the plugin
    msgs = p.wait_closed(timeout=2)
    assert not [m for m in msgs if m[0] == "start"], msgs
    whole_and_playable(a["rec_file"])
    assert tscheck_errors(a["rec_file"]) == []


def fill(path):
    """Writes zeros into path until the filesystem is full."""
    with open(path, "wb") as f:
        block = b"\0" * 65536
        try:
            while True:
                f.write(block)
                f.flush()
        except OSError:
            pass


def test_disk_full_mid_recording_is_disk_full_and_the_file_stays_playable(acc, tmpfs):
    reserve = config_value("HAL_FREE_RESERVE_MB", 64)
    check = config_value("HAL_SPACE_CHECK_KB", 4096) / 1024.0
    disk = tmpfs(reserve + check + 3)
    d = acc.daemon()
    p = Plugin(d, acc.data_dir, disk, buffering=1)
    other = acc.plugin(d)
    p.start(IPTV, acc.url("/acc/live.m3u8"))
    a = p.wait_start()
    assert a["rec_file"] == os.path.join(str(disk), "stream_0.ts")
    fill(os.path.join(str(disk), "filler.bin"))    # another program fills the disk
    m = p.recv_until("stop", timeout=T)
    assert is_error(m, "disk_full"), m
    assert m[1]["recorder_id"] == a["recorder_id"] == "hls_live", m
    assert m[1].get("rec_dir") == str(disk), m
    assert is_error(other.recv_until("stop", timeout=T), "disk_full"), "not broadcast"
    assert p.quiet(0.5) == []
    whole_and_playable(a["rec_file"])
    assert p.ping() == []


def test_disk_below_the_reserve_at_start_is_disk_full(acc, tmpfs):
    disk = tmpfs(2)
    d = acc.daemon()
    p = Plugin(d, acc.data_dir, disk, buffering=1)
    p.start(IPTV, acc.url("/hls/vod.m3u8"))
    m = p.recv_until("stop", timeout=T)
    assert is_error(m, "disk_full"), m
    assert p.quiet(0.4) == []


def test_file_size_limit_is_disk_full_not_a_crash(acc):
    """RLIMIT_FSIZE (EFBIG, SIGXFSZ): the daemon must survive and say disk_full."""
    old = os.environ.get("SS_WRAP")
    os.environ["SS_WRAP"] = "prlimit --fsize=400000 --"
    try:
        d = acc.daemon()
    finally:
        if old is None:
            os.environ.pop("SS_WRAP", None)
        else:
            os.environ["SS_WRAP"] = old
    p = acc.plugin(d, buffering=1)
    p.start(IPTV, acc.url("/acc/live.m3u8"))
    a = p.wait_start()
    m = p.recv_until("stop", timeout=T)
    assert is_error(m, "disk_full"), (m, d.output()[-2000:])
    assert d.proc.poll() is None, "daemon died: %s" % d.proc.returncode
    whole_and_playable(a["rec_file"])
    assert p.ping() == []
