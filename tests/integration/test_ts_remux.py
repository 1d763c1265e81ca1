"""The TS remuxer turns HLS segments (TS and fMP4) into playable section files.

Media is made at test time with Debian's ffmpeg; every output goes through
`ffprobe -v error` (no errors, expected duration within one segment) and tests/tscheck.py
(CC continuity, PAT/PMT period, PCR interval, monotonic PTS/DTS, key frame first).
The remuxer runs through the test driver build/test/tools/tsremux (core/ts/module.mk).
"""
import json
import os
import random
import shutil
import subprocess
import sys

import pytest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests"))
import tscheck  # noqa: E402

SEG = 2.0  # segment duration used for all generated media

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
                                reason="ffmpeg/ffprobe not installed")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, timeout=300, **kw)


@pytest.fixture(scope="session")
def tsremux():
    """The driver binary, ASan+UBSan build (built on demand)."""
    variant = os.environ.get("SS_TS_TOOL", "build/test-asan/tools/tsremux")
    run(["make", "-s", "-C", TOP, variant])
    return os.path.join(TOP, variant)


def hls(out, prefix, seconds, size="640x360", vcodec="libx264", acodec="aac", rate=48000,
        offset=None, fmp4=False, bframes=0, src="testsrc2", freq=440, tag="hvc1"):
    """Encodes an HLS stream; returns the segment paths (and the init path for fMP4)."""
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
           "%s=size=%s:rate=25" % (src, size), "-f", "lavfi", "-i",
           "sine=frequency=%d:sample_rate=%d" % (freq, rate), "-t", str(seconds),
           "-c:v", vcodec, "-g", "50", "-pix_fmt", "yuv420p"]
    if vcodec == "libx264":
        cmd += ["-preset", "ultrafast", "-bf", str(bframes)]
        if bframes:
            cmd += ["-preset", "veryfast"]
    else:
        cmd += ["-preset", "ultrafast", "-x265-params", "log-level=error:keyint=50:min-keyint=50",
                "-tag:v", tag]
    cmd += ["-c:a", acodec, "-b:a", "96k"]
    if offset is not None:
        cmd += ["-output_ts_offset", str(offset)]
    ext = "m4s" if fmp4 else "ts"
    cmd += ["-f", "hls", "-hls_time", str(SEG), "-hls_list_size", "0",
            "-hls_segment_filename", os.path.join(out, prefix + "%d." + ext)]
    if fmp4:
        cmd += ["-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", prefix + "_init.mp4"]
    cmd.append(os.path.join(out, prefix + ".m3u8"))
    run(cmd)
    segs = []
    with open(os.path.join(out, prefix + ".m3u8")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                segs.append(os.path.join(out, line))
    if fmp4:
        return os.path.join(out, prefix + "_init.mp4"), segs
    return segs


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tsmedia"))
    m = {}
    m["a"] = hls(d, "a", 8)
    m["b"] = hls(d, "b", 6, src="testsrc", freq=880, offset=1000, bframes=2)
    m["c"] = hls(d, "c", 4, size="1280x720")
    m["w"] = hls(d, "w", 20, offset=(1 << 33) / 90000.0 - 10)
    m["f"] = hls(d, "f", 6, fmp4=True, bframes=2)
    m["dir"] = d
    return m


def remux(tsremux, out, args, chunk=None, seed=None):
    os.makedirs(out, exist_ok=True)
    cmd = [tsremux, "-o", out]
    if chunk is not None:
        cmd += ["-c", str(chunk)]
    if seed is not None:
        cmd += ["-r", str(seed)]
    p = subprocess.run(cmd + args, capture_output=True, text=True, timeout=300)
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.startswith("{")]
    return p.returncode, lines, sorted(f for f in os.listdir(out) if f.endswith(".ts"))


def probe(path):
    p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name,"
                        "width,height,sample_rate", "-of", "json", path],
                       capture_output=True, text=True, timeout=60)
    assert p.stderr.strip() == "", "ffprobe errors on %s:\n%s" % (path, p.stderr)
    return json.loads(p.stdout)


def decode_clean(path):
    p = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stderr.strip() == "", "decode errors on %s:\n%s" % (path, p.stderr)


def verify(path, expect_s, decode=True):
    """ffprobe + tscheck; duration within one segment of expect_s."""
    info = probe(path)
    dur = float(info["format"]["duration"])
    assert abs(dur - expect_s) <= SEG, "%s: duration %.3f, expected %.3f" % (path, dur, expect_s)
    rep = tscheck.check(path)
    assert rep.ok, "%s:\n%s" % (path, "\n".join(rep.errors))
    if decode:
        decode_clean(path)
    return info


def videos(info):
    return [s for s in info["streams"] if "width" in s]


def test_plain_segments_make_one_section(tsremux, media, tmp_path):
    rc, lines, files = remux(tsremux, str(tmp_path), media["a"])
    assert rc == 0 and files == ["stream_0.ts"]
    info = verify(str(tmp_path / "stream_0.ts"), 8)
    assert videos(info)[0]["width"] == 640
    segs = [x for x in lines if "segment" in x]
    assert all(x["keyframe"] and x["section"] == 0 for x in segs)
    assert abs(sum(x["duration"] for x in segs) / 90000.0 - 8) < 0.1


def test_discontinuity_between_two_encodes_same_resolution(tsremux, media, tmp_path):
    args = media["a"][:2] + ["-d"] + media["b"]
    rc, lines, files = remux(tsremux, str(tmp_path), args)
    assert rc == 0 and files == ["stream_0.ts"], "same resolution must stay in one section"
    verify(str(tmp_path / "stream_0.ts"), 4 + 6)
    segs = [x for x in lines if "segment" in x]
    assert segs[2]["rebased"] and not segs[3]["rebased"]


def test_unannounced_jump_is_rebased(tsremux, media, tmp_path):
    rc, lines, files = remux(tsremux, str(tmp_path), media["a"][:2] + media["b"][:2])
    assert rc == 0 and files == ["stream_0.ts"]
    verify(str(tmp_path / "stream_0.ts"), 8)
    assert [x for x in lines if "segment" in x][2]["rebased"]


def test_resolution_change_starts_a_new_section(tsremux, media, tmp_path):
    args = media["a"][:2] + ["-d"] + media["c"] + ["-d"] + media["a"][2:]
    rc, lines, files = remux(tsremux, str(tmp_path), args)
    assert rc == 0 and files == ["stream_0.ts", "stream_1.ts", "stream_2.ts"]
    sizes = []
    for f, dur in zip(files, (4, 4, 4)):
        info = verify(str(tmp_path / f), dur)
        sizes.append((videos(info)[0]["width"], videos(info)[0]["height"]))
        data = open(str(tmp_path / f), "rb").read(188 * 2)
        assert ((data[1] & 0x1F) << 8 | data[2]) == 0, "section must start with the PAT"
        assert ((data[189] & 0x1F) << 8 | data[190]) == 0x1000, "then the PMT"
    assert sizes == [(640, 360), (1280, 720), (640, 360)]
    sections = [x for x in lines if "segment" not in x]
    assert [s["width"] for s in sections] == [640, 1280, 640]


def test_timestamps_starting_10s_before_the_33bit_wrap(tsremux, media, tmp_path):
    rc, lines, files = remux(tsremux, str(tmp_path), media["w"])
    assert rc == 0 and files == ["stream_0.ts"]
    rep = tscheck.check(str(tmp_path / "stream_0.ts"))
    assert rep.ok, rep.errors
    first = rep.info["streams"][0x100]["first_pts"]
    assert first > (1 << 33) - 12 * 90000, "timestamps must be kept, not rebased"
    verify(str(tmp_path / "stream_0.ts"), 20)
    assert not any(x.get("rebased") for x in lines)


@pytest.mark.parametrize("chunk,seed", [(1, None), (0, 1), (0, 2), (188, None), (1000, None)])
def test_any_split_gives_the_same_bytes(tsremux, media, tmp_path, chunk, seed):
    args = media["a"][:2] + ["-d"] + media["b"][:1]
    remux(tsremux, str(tmp_path / "ref"), args)
    rc, _, files = remux(tsremux, str(tmp_path / "split"), args, chunk=chunk, seed=seed)
    assert rc == 0
    for f in files:
        assert open(str(tmp_path / "ref" / f), "rb").read() == \
            open(str(tmp_path / "split" / f), "rb").read(), f


def test_garbage_and_truncated_segments(tsremux, media, tmp_path):
    rnd = random.Random(5)
    segs = media["a"]
    d = tmp_path / "in"
    d.mkdir()
    data = [open(s, "rb").read() for s in segs]
    bad = []
    # garbage before the first packet (with a stray sync byte)
    bad.append(bytes(rnd.randrange(256) for _ in range(1000)) + b"\x47" + data[0])
    # truncated in the middle of a packet
    bad.append(data[1][:len(data[1]) // 2 + 77])
    # garbage in the middle, then the rest of the segment
    cut = 188 * 300
    bad.append(data[2][:cut] + bytes(rnd.randrange(256) for _ in range(777)) + data[2][cut:])
    # a segment of pure noise, and an empty one
    bad.append(bytes(rnd.randrange(256) for _ in range(50000)))
    bad.append(b"")
    bad.append(data[3])
    paths = []
    for i, b in enumerate(bad):
        p = d / ("g%d.ts" % i)
        p.write_bytes(b)
        paths.append(str(p))
    rc, lines, files = remux(tsremux, str(tmp_path / "out"), paths)
    assert rc == 0, lines
    assert files == ["stream_0.ts"]
    rep = tscheck.check(str(tmp_path / "out" / "stream_0.ts"))
    assert rep.ok, rep.errors
    probe(str(tmp_path / "out" / "stream_0.ts"))
    segs = [x for x in lines if "segment" in x]
    assert segs[0]["skipped"] >= 1000 and segs[3]["skipped"] > 0


def test_fmp4_segments_become_ts(tsremux, media, tmp_path):
    init, segs = media["f"]
    rc, lines, files = remux(tsremux, str(tmp_path), ["-i", init] + segs)
    assert rc == 0 and files == ["stream_0.ts"], lines
    info = verify(str(tmp_path / "stream_0.ts"), 6)
    codecs = sorted(s["codec_name"] for s in info["streams"])
    assert codecs == ["aac", "h264"]
    assert videos(info)[0]["width"] == 640


def test_fmp4_split_byte_by_byte(tsremux, media, tmp_path):
    init, segs = media["f"]
    remux(tsremux, str(tmp_path / "ref"), ["-i", init] + segs[:2])
    rc, _, files = remux(tsremux, str(tmp_path / "one"), ["-i", init] + segs[:2], chunk=1)
    assert rc == 0 and files == ["stream_0.ts"]
    assert open(str(tmp_path / "ref" / "stream_0.ts"), "rb").read() == \
        open(str(tmp_path / "one" / "stream_0.ts"), "rb").read()


def test_fmp4_truncated_fragment(tsremux, media, tmp_path):
    init, segs = media["f"]
    t = tmp_path / "t.m4s"
    data = open(segs[1], "rb").read()
    t.write_bytes(data[:len(data) * 2 // 3])
    rc, lines, files = remux(tsremux, str(tmp_path / "o"), ["-i", init, segs[0], str(t), segs[2]])
    assert rc == 0 and files == ["stream_0.ts"]
    rep = tscheck.check(str(tmp_path / "o" / "stream_0.ts"))
    assert rep.ok, rep.errors
    probe(str(tmp_path / "o" / "stream_0.ts"))


def test_hevc_ts_and_fmp4(tsremux, tmp_path):
    d = str(tmp_path)
    segs = hls(d, "h", 4, vcodec="libx265", size="960x540")
    rc, _, files = remux(tsremux, os.path.join(d, "o1"), segs)
    assert rc == 0 and files == ["stream_0.ts"]
    info = verify(os.path.join(d, "o1", "stream_0.ts"), 4)
    assert videos(info)[0]["codec_name"] == "hevc" and videos(info)[0]["width"] == 960
    init, fsegs = hls(d, "hf", 4, vcodec="libx265", size="960x540", fmp4=True)
    rc, lines, files = remux(tsremux, os.path.join(d, "o2"), ["-i", init] + fsegs)
    assert rc == 0 and files == ["stream_0.ts"], lines
    info = verify(os.path.join(d, "o2", "stream_0.ts"), 4)
    assert videos(info)[0]["codec_name"] == "hevc" and videos(info)[0]["height"] == 540


def test_ac3_is_signalled_the_dvb_way(tsremux, tmp_path):
    d = str(tmp_path)
    segs = hls(d, "ac", 4, acodec="ac3")
    rc, _, files = remux(tsremux, os.path.join(d, "o"), segs)
    assert rc == 0
    path = os.path.join(d, "o", "stream_0.ts")
    info = verify(path, 4)
    assert "ac3" in [s["codec_name"] for s in info["streams"]]
    streams = tscheck.check(path).info["streams"]
    assert streams[0x101]["stream_type"] == 0x06 and streams[0x101]["codec"] == "ac3"


def test_audio_change_starts_a_new_section(tsremux, media, tmp_path):
    d = str(tmp_path)
    segs = hls(d, "r44", 4, rate=44100)
    rc, lines, files = remux(tsremux, os.path.join(d, "o"), media["a"][:2] + ["-d"] + segs)
    assert rc == 0 and files == ["stream_0.ts", "stream_1.ts"]
    for f in files:
        verify(os.path.join(d, "o", f), 4)


def _patch_pmt(data, fn):
    """Applies fn(section bytearray) to every PMT (PID from the PAT) and fixes its CRC."""
    out = bytearray(data)
    pmt_pid = None
    for k in range(len(out) // 188):
        p = memoryview(out)[k * 188:(k + 1) * 188]
        pid = ((p[1] & 0x1F) << 8) | p[2]
        if pid == 0 and p[1] & 0x40:
            s = 5 + p[4]
            pmt_pid = ((p[s + 10] & 0x1F) << 8) | p[s + 11]
        elif pid == pmt_pid and p[1] & 0x40:
            s = 5 + p[4]
            ln = (((p[s + 1] & 0x0F) << 8) | p[s + 2]) + 3
            sec = bytearray(p[s:s + ln - 4])
            fn(sec)
            crc = tscheck.crc32_mpeg(sec)
            p[s:s + ln - 4] = sec
            p[s + ln - 4:s + ln] = crc.to_bytes(4, "big")
    return bytes(out)


def test_sample_aes_and_scrambled_are_drm(tsremux, media, tmp_path):
    data = open(media["a"][0], "rb").read()

    def to_sample_aes(sec):
        i = 12 + (((sec[10] & 0x0F) << 8) | sec[11])
        while i + 5 <= len(sec):
            if sec[i] == 0x1B:
                sec[i] = 0xDB
            i += 5 + (((sec[i + 3] & 0x0F) << 8) | sec[i + 4])

    p = tmp_path / "saes.ts"
    p.write_bytes(_patch_pmt(data, to_sample_aes))
    rc, lines, _ = remux(tsremux, str(tmp_path / "o1"), [str(p)])
    assert rc == 2 and lines[-1]["error"] == "drm_protected"
    scr = bytearray(data)
    for k in range(len(scr) // 188):
        if ((scr[k * 188 + 1] & 0x1F) << 8 | scr[k * 188 + 2]) == 0x100:
            scr[k * 188 + 3] |= 0x80
    p2 = tmp_path / "scr.ts"
    p2.write_bytes(bytes(scr))
    rc, lines, _ = remux(tsremux, str(tmp_path / "o2"), [str(p2)])
    assert rc == 2 and lines[-1]["error"] == "drm_protected"


def _packets(data):
    return [bytearray(data[i:i + 188]) for i in range(0, len(data), 188)]


def test_checker_catches_broken_files(tsremux, media, tmp_path):
    """tscheck itself must fail on the faults it is meant to find."""
    rc, _, _ = remux(tsremux, str(tmp_path), media["a"][:1])
    good = open(str(tmp_path / "stream_0.ts"), "rb").read()
    assert tscheck.check(good).ok
    pk = _packets(good)

    def pid(p):
        return ((p[1] & 0x1F) << 8) | p[2]

    # a continuity counter jump on the video PID
    bad = [bytearray(p) for p in pk]
    k = next(i for i, p in enumerate(bad) if pid(p) == 0x100 and not p[1] & 0x40 and i > 50)
    bad[k][3] = (bad[k][3] & 0xF0) | ((bad[k][3] + 5) & 0x0F)
    assert any("CC" in e for e in tscheck.check(b"".join(bad)).errors)
    # PAT/PMT only at the start
    bad = [p for i, p in enumerate(pk) if i < 2 or pid(p) not in (0, 0x1000)]
    errs = tscheck.check(b"".join(bad)).errors
    assert any("PAT interval" in e for e in errs)
    # wrong PTS marker bits on a PES header
    bad = [bytearray(p) for p in pk]
    k = next(i for i, p in enumerate(bad) if pid(p) == 0x101 and p[1] & 0x40)
    off = 4 if not bad[k][3] & 0x20 else 5 + bad[k][4]
    bad[k][off + 9] &= 0xFE
    assert any("marker" in e for e in tscheck.check(b"".join(bad)).errors)
    # the file starting with a non-key picture
    first_key = next(i for i, p in enumerate(pk) if pid(p) == 0x100 and p[1] & 0x40)
    second = next(i for i, p in enumerate(pk) if i > first_key and pid(p) == 0x100 and p[1] & 0x40)
    bad = pk[:2] + [p for p in pk[second:]]
    assert any("key frame" in e or "CC" in e for e in tscheck.check(b"".join(bad)).errors)
    # time going backwards: the same file twice in one section
    assert any("not increasing" in e or "PCR goes back" in e
               for e in tscheck.check(good + good).errors)
    # a truncated packet
    assert not tscheck.check(good[:-5]).ok
    # the CLI exits 1 with reasons
    p = tmp_path / "bad.ts"
    p.write_bytes(good[:-5])
    r = subprocess.run([sys.executable, os.path.join(TOP, "tests", "tscheck.py"), str(p)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "FAILED" in r.stdout


def test_fmp4_with_ac3_audio_and_inband_hevc(tsremux, tmp_path):
    """ac-3 sample entries with all-default trun samples; hev1 with parameter sets only in
    hvcC (they must still reach the output before each IRAP)."""
    d = str(tmp_path)
    init, segs = hls(d, "fa", 4, acodec="ac3", fmp4=True)
    rc, lines, files = remux(tsremux, os.path.join(d, "o1"), ["-i", init] + segs)
    assert rc == 0 and files == ["stream_0.ts"], lines
    info = verify(os.path.join(d, "o1", "stream_0.ts"), 4)
    assert sorted(s["codec_name"] for s in info["streams"]) == ["ac3", "h264"]
    init, segs = hls(d, "fh", 4, vcodec="libx265", fmp4=True, tag="hev1")
    rc, lines, files = remux(tsremux, os.path.join(d, "o2"), ["-i", init] + segs)
    assert rc == 0 and files == ["stream_0.ts"], lines
    info = verify(os.path.join(d, "o2", "stream_0.ts"), 4)
    assert videos(info)[0]["codec_name"] == "hevc"


def test_fragmented_mp4_with_its_own_moov(tsremux, tmp_path):
    """A whole fragmented MP4 (ftyp, moov, then moof/mdat pairs per track) as one segment
    without EXT-X-MAP, fed in random pieces."""
    d = str(tmp_path)
    src = os.path.join(d, "frag.mp4")
    run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "6", "-c:v", "libx264",
         "-preset", "ultrafast", "-g", "25", "-bf", "2", "-c:a", "aac", "-f", "mp4", "-movflags",
         "+frag_keyframe+empty_moov+separate_moof+default_base_moof", src])
    rc, lines, files = remux(tsremux, os.path.join(d, "o"), ["-f", src], chunk=0, seed=9)
    assert rc == 0 and files == ["stream_0.ts"], lines
    verify(os.path.join(d, "o", "stream_0.ts"), 6)


@pytest.fixture(scope="session")
def mixed(tmp_path_factory):
    """Segments of many shapes: audio only, video only, E-AC-3, two audio tracks, MPEG-2."""
    d = str(tmp_path_factory.mktemp("tsmixed"))

    def enc(prefix, args):
        run(["ffmpeg", "-v", "error", "-y"] + args + [
            "-t", "4", "-f", "hls", "-hls_time", str(SEG), "-hls_list_size", "0",
            "-hls_segment_filename", os.path.join(d, prefix + "%d.ts"),
            os.path.join(d, prefix + ".m3u8")])
        return [os.path.join(d, "%s%d.ts" % (prefix, i)) for i in range(2)]

    v = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"]
    a = ["-f", "lavfi", "-i", "sine=sample_rate=44100"]
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "50"]
    return {
        "ao": enc("ao", a + ["-c:a", "aac"]),
        "vo": enc("vo", v + x264 + ["-an"]),
        "ea": enc("ea", v + a + x264 + ["-c:a", "eac3"]),
        "two": enc("two", v + a + ["-f", "lavfi", "-i", "sine=frequency=900:sample_rate=44100",
                                   "-map", "0", "-map", "1", "-map", "2"] + x264 +
                   ["-c:a", "aac", "-metadata:s:a:0", "language=deu",
                    "-metadata:s:a:1", "language=eng"]),
        "m2v": enc("m2v", v + a + ["-c:v", "mpeg2video", "-g", "12", "-c:a", "mp2"]),
    }


@pytest.mark.parametrize("order,sections", [
    ("ao vo ao vo", 4),
    ("ea two m2v ao vo", 5),
    ("vo vo ao ao", 2),
])
def test_mixed_segments_each_section_is_clean(tsremux, mixed, media, tmp_path, order, sections):
    """Codec and stream-set changes between segments, with and without discontinuity tags:
    every section is a clean file (PCR never ahead of video, timeline continuous)."""
    args = []
    for i, name in enumerate(order.split()):
        if i % 2:
            args.append("-d")
        args += mixed[name]
    rc, lines, files = remux(tsremux, str(tmp_path), args, chunk=0, seed=4)
    assert rc == 0, lines
    assert len(files) == sections, files
    for f in files:
        rep = tscheck.check(str(tmp_path / f))
        assert rep.ok, "%s:\n%s" % (f, "\n".join(rep.errors))
        probe(str(tmp_path / f))
        decode_clean(str(tmp_path / f))


def test_repeated_and_reordered_segments_stay_monotonic(tsremux, media, tmp_path):
    """A segment fetched twice, and time running backwards without a tag, still give one
    section with increasing timestamps."""
    a = media["a"]
    w = media["w"]
    rc, lines, files = remux(tsremux, str(tmp_path), [a[0], a[0], a[1], a[1], a[2]])
    assert rc == 0 and files == ["stream_0.ts"]
    verify(str(tmp_path / "stream_0.ts"), 10)
    out2 = str(tmp_path / "rev")
    rc, lines, files = remux(tsremux, out2, [w[9], w[8], w[7], a[0]])
    assert rc == 0 and files == ["stream_0.ts"]
    verify(os.path.join(out2, "stream_0.ts"), 8)
