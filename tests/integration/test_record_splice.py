"""The splice at an EXT-X-DISCONTINUITY between two encodes: video and audio continue the
previous timestamps by one frame duration of their own stream, with one offset for both.

ffmpeg's encodes start the audio one AAC frame (priming) before the video but end both
together, so one offset cannot give both streams a one-frame step: the stream that would
otherwise overlap itself steps by exactly one frame, the other by at most one frame more.
"""
import json
import subprocess

from fixtures_media import record, sections

VIDEO, AUDIO = 3600, 1920  # 25 fps; AAC 1024 samples at 48 kHz
TOL = 90  # 1 ms


def dts_steps(path, kind):
    """Consecutive DTS steps (90 kHz) of the first stream of kind, as ffprobe reads them."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", kind + ":0",
                          "-show_packets", "-show_entries", "packet=dts", "-of", "json",
                          str(path)], capture_output=True, text=True, check=True).stdout
    dts = [p["dts"] for p in json.loads(out)["packets"] if "dts" in p]
    return [b - a for a, b in zip(dts, dts[1:])]


def test_splice_steps_are_one_frame(media, httpd, tmp_path):
    d, _ = media.disc_pair()
    httpd.serve_dir(d)
    r = record(httpd.url("/index.m3u8"), tmp_path, "--buffering", "2")
    assert r.rc == 0, r
    files = sections(tmp_path)
    assert len(files) == 1
    exact = 0
    for kind, frame in (("v", VIDEO), ("a", AUDIO)):
        steps = dts_steps(files[0], kind)
        odd = [(i, s) for i, s in enumerate(steps) if abs(s - frame) > TOL]
        assert len(odd) <= 1, (kind, odd)  # only the splice may differ
        for _, s in odd:
            assert frame - TOL <= s <= 2 * frame + TOL, (kind, odd)  # no overlap, no hole
        exact += not odd
    assert exact >= 1  # the stream that binds continues by exactly one frame
