"""Download throughput and peak RSS of `--fetch` against `curl`, same fixture server, same run.

Writes the numbers to build/test-logs/fetch-throughput.txt (the closing note's source).
SS_FETCH_BENCH_MB sets the file size (default 200), SS_FETCH_BENCH_RUNS the runs per client
(default 3, alternating, median reported: the shared Python server makes single runs noisy).
Skipped under qemu-user.
"""
import os
import subprocess
import time

import pytest

from sslib import TOP, daemon_cmd, under_qemu

MB = int(os.environ.get("SS_FETCH_BENCH_MB", "200"))
RUNS = int(os.environ.get("SS_FETCH_BENCH_RUNS", "3"))


def run_measured(cmd, tmp_path):
    """Runs cmd under GNU time; returns (seconds, peak RSS in KiB) of that one command.

    (os.wait4's ru_maxrss would count the forked Python interpreter before the exec.)"""
    tf = tmp_path / "time.out"
    t = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-o", str(tf), "-f", "%M"] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.monotonic() - t
    assert p.returncode == 0, (cmd, p.stderr.decode(errors="replace"))
    return elapsed, int(tf.read_text().split()[-1])


@pytest.mark.slow
@pytest.mark.skipif(under_qemu(), reason="throughput is measured on the host only")
def test_fetch_throughput_vs_curl(httpd, httpsd, tmp_path):
    for tool in ("curl", "/usr/bin/time"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            pytest.skip("%s not installed" % tool)
    big = tmp_path / "big.bin"
    block = os.urandom(1 << 20)
    with open(big, "wb") as f:
        for _ in range(MB):
            f.write(block)
    httpd.serve_dir(tmp_path)
    httpsd.serve_dir(tmp_path)
    size = MB << 20
    rows = []
    for label, url, ours_extra, curl_extra in [
        ("http", httpd.url("/big.bin"), [], []),
        ("https", httpsd.url("/big.bin", host="localhost"), ["--ca", httpsd.ca_file],
         ["--cacert", httpsd.ca_file]),
    ]:
        out_ours = tmp_path / ("ours-" + label)
        out_curl = tmp_path / ("curl-" + label)
        ours, theirs = [], []
        for _ in range(RUNS):
            ours.append(run_measured(daemon_cmd() + ["--fetch", url, "-o", str(out_ours)]
                                     + ours_extra, tmp_path))
            assert out_ours.stat().st_size == size
            out_ours.unlink()
            theirs.append(run_measured(["curl", "-sS", "--fail", "-o", str(out_curl), url]
                                       + curl_extra, tmp_path))
            assert out_curl.stat().st_size == size
            out_curl.unlink()
        t1 = sorted(t for t, _ in ours)[RUNS // 2]
        t2 = sorted(t for t, _ in theirs)[RUNS // 2]
        rss1 = max(r for _, r in ours)
        rss2 = max(r for _, r in theirs)
        rows.append("%-5s %d MB  --fetch %7.1f MB/s  peak RSS %6d KiB   curl %7.1f MB/s  "
                    "peak RSS %6d KiB  (median of %d)" % (label, MB, size / t1 / 1e6, rss1,
                                                         size / t2 / 1e6, rss2, RUNS))
        # fixed buffers: the body is never held whole (200 MB would show up here)
        assert rss1 < 4 * 1024, rss1
    report = "\n".join(rows) + "\n"
    os.makedirs(os.path.join(TOP, "build", "test-logs"), exist_ok=True)
    with open(os.path.join(TOP, "build", "test-logs", "fetch-throughput.txt"), "w") as f:
        f.write("binary: %s\n" % " ".join(daemon_cmd()) + report)
    print("\n" + report)
