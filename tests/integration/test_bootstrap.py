"""toolchain/bootstrap.sh against stub apt tools: a listed source version that the mirror
does not serve is skipped for the next lower one; a failed package download gets one
`apt-get update` and one retry; every failure ends with a message naming what was tried and
the command to run. The stubs stand in for the Debian archive only; the script, dpkg's
version comparison and the cache layout are the real ones."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
BOOTSTRAP = TOP / "toolchain" / "bootstrap.sh"

APT_CACHE = r"""#!/bin/sh
# stub apt-cache: showsrc prints $STUB_DIR/listed ("pkg version" lines) as apt does
case $1 in
showsrc)
	awk '{ printf "Package: %s\nBinary: %s\nVersion: %s\n\n", $1, $1, $2 }' "$STUB_DIR/listed" ;;
policy)
	echo "$2:"; echo "  Installed: (none)"; echo "  Candidate: 1.0-1" ;;
esac
"""

APT_GET = r"""#!/bin/sh
# stub apt-get: source pkg=ver fails (as a 404) for the versions listed in $STUB_DIR/fail;
# install fails with a fetch error while $STUB_DIR/install_fails counts down.
echo "apt-get $*" >>"$STUB_DIR/calls"
case $1 in
update) echo "Reading package lists..." ;;
source)
	for a; do spec=$a; done
	pkg=${spec%%=*}
	ver=${spec#*=}
	if grep -qxF "$spec" "$STUB_DIR/fail" 2>/dev/null; then
		echo "Err:1 http://deb.example/debian-security stable/main $pkg $ver (dsc)"
		echo "  404  Not Found [IP: 127.0.0.1 80]"
		echo "E: Failed to fetch http://deb.example/pool/main/$pkg/${pkg}_$ver.dsc  404  Not Found [IP: 127.0.0.1 80]"
		echo "E: Failed to fetch some archives."
		exit 100
	fi
	mkdir -p "$pkg-src" && echo "$ver" >"$pkg-src/VERSION" ;;
install)
	n=$(cat "$STUB_DIR/install_fails" 2>/dev/null || echo 0)
	if [ "$n" -gt 0 ]; then
		echo $((n - 1)) >"$STUB_DIR/install_fails"
		echo "E: Failed to fetch http://deb.example/pool/main/f/file/file_5.44-3_amd64.deb  404  Not Found [IP: 127.0.0.1 80]"
		echo "E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?"
		exit 100
	fi
	if [ -f "$STUB_DIR/install_broken" ]; then
		echo "E: Unable to correct problems, you have held broken packages."
		exit 100
	fi
	echo "Setting up $*" ;;
esac
"""

DPKG_QUERY = r"""#!/bin/sh
# stub dpkg-query: nothing is installed
exit 1
"""

ID = r"""#!/bin/sh
# stub id: root, or $STUB_UID
[ "$1" = -u ] && { echo "${STUB_UID:-0}"; exit 0; }
exec /usr/bin/id "$@"
"""


@pytest.fixture
def stub(tmp_path):
    d = tmp_path / "stub"
    d.mkdir()
    for name, text in (("apt-cache", APT_CACHE), ("apt-get", APT_GET),
                       ("dpkg-query", DPKG_QUERY), ("id", ID)):
        f = d / name
        f.write_text(text)
        f.chmod(f.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

    class Stub:
        dir = d
        cache = tmp_path / "cache"

        def listed(self, *lines):
            (d / "listed").write_text("".join(line + "\n" for line in lines))

        def fail(self, *specs):
            (d / "fail").write_text("".join(s + "\n" for s in specs))

        def calls(self):
            f = d / "calls"
            return f.read_text().splitlines() if f.exists() else []

        def run(self, *args, env_extra=None):
            env = dict(os.environ)
            env.update(PATH=f"{d}:{env['PATH']}", STUB_DIR=str(d), SS_CACHE=str(self.cache))
            env.pop("SS_BOOTSTRAP_RUN", None)
            env.update(env_extra or {})
            return subprocess.run([str(BOOTSTRAP), *args], env=env, capture_output=True,
                                  text=True, timeout=60)

    return Stub()


FOUR = ("musl 1.2.3-1", "mbedtls 2.28.3-1", "bearssl 0.6+dfsg.1-3")


def chosen(stdout):
    return {line.split()[0]: line.split()[1] for line in stdout.splitlines() if line.strip()}


def test_highest_version_unreachable_falls_back_to_next_lower(stub):
    stub.listed(*FOUR, "zlib 1:1.2.13.dfsg-1", "zlib 1:1.2.13.dfsg-1+deb12u1")
    stub.fail("zlib=1:1.2.13.dfsg-1+deb12u1")
    r = stub.run("sources")
    assert r.returncode == 0, r.stderr
    got = chosen(r.stdout)
    assert got["zlib"] == "1:1.2.13.dfsg-1"
    assert got["musl"] == "1.2.3-1"
    # the tree really is the lower version's
    tree = [line.split()[2] for line in r.stdout.splitlines() if line.startswith("zlib ")][0]
    assert (Path(tree) / "VERSION").read_text().strip() == "1:1.2.13.dfsg-1"
    # why the higher one was skipped, and which one was used
    assert "1:1.2.13.dfsg-1+deb12u1" in r.stderr and "404 Not Found" in r.stderr
    assert "using 1:1.2.13.dfsg-1" in r.stderr
    src_log = (stub.cache / "log" / "src.log").read_text()
    assert "zlib 1:1.2.13.dfsg-1 used; skipped: 1:1.2.13.dfsg-1+deb12u1" in src_log
    # the highest was tried first, exactly once
    tries = [c for c in stub.calls() if c.startswith("apt-get source") and "zlib=" in c]
    assert len(tries) == 2 and "+deb12u1" in tries[0] and "+deb12u1" not in tries[1]


def test_versions_are_tried_in_dpkg_order_not_listing_order(stub):
    # epoch beats everything; ~ sorts before the release; listing order is scrambled
    stub.listed(*FOUR, "zlib 1.3-1", "zlib 1:1.2.13.dfsg-1~bpo1", "zlib 1:1.2.13.dfsg-1",
                "zlib 1:1.2.12-1")
    stub.fail("zlib=1:1.2.13.dfsg-1", "zlib=1:1.2.13.dfsg-1~bpo1")
    r = stub.run("sources")
    assert r.returncode == 0, r.stderr
    assert chosen(r.stdout)["zlib"] == "1:1.2.12-1"
    order = [c.split("zlib=")[1] for c in stub.calls() if "source" in c and "zlib=" in c]
    assert order == ["1:1.2.13.dfsg-1", "1:1.2.13.dfsg-1~bpo1", "1:1.2.12-1"]


def test_every_version_failing_names_each_and_the_retry_command(stub):
    stub.listed(*FOUR, "zlib 1:1.2.13.dfsg-1", "zlib 1:1.2.13.dfsg-1+deb12u1")
    stub.fail("zlib=1:1.2.13.dfsg-1", "zlib=1:1.2.13.dfsg-1+deb12u1")
    r = stub.run("sources")
    assert r.returncode != 0
    assert "no listed version of source package zlib could be downloaded" in r.stderr
    assert "zlib 1:1.2.13.dfsg-1+deb12u1: Failed to fetch" in r.stderr
    assert "zlib 1:1.2.13.dfsg-1: Failed to fetch" in r.stderr
    assert "apt-get update && toolchain/bootstrap.sh sysroots" in r.stderr
    assert not list((stub.cache / "src").glob("zlib*")), "no half-downloaded tree stays"


def test_a_failed_version_is_not_tried_again_in_the_same_run(stub, tmp_path):
    stub.listed(*FOUR, "zlib 1:1.2.13.dfsg-1", "zlib 1:1.2.13.dfsg-1+deb12u1")
    stub.fail("zlib=1:1.2.13.dfsg-1+deb12u1")
    run_file = tmp_path / "run"
    run_file.write_text("")
    for _ in range(2):  # two invocations of one run (as tests/run.sh makes them)
        r = stub.run("sources", env_extra={"SS_BOOTSTRAP_RUN": str(run_file)})
        assert r.returncode == 0, r.stderr
        assert chosen(r.stdout)["zlib"] == "1:1.2.13.dfsg-1"
    tries = [c for c in stub.calls() if "zlib=1:1.2.13.dfsg-1+deb12u1" in c]
    assert len(tries) == 1
    assert "failed earlier in this run" in r.stderr or "skipped higher" in r.stderr
    # a new run tries the higher version again (the mirror may serve it by now)
    r = stub.run("sources")
    assert r.returncode == 0
    assert len([c for c in stub.calls() if "zlib=1:1.2.13.dfsg-1+deb12u1" in c]) == 2


def test_downloaded_sources_are_reused(stub):
    stub.listed(*FOUR, "zlib 1:1.2.13.dfsg-1")
    assert stub.run("sources").returncode == 0
    n = len(stub.calls())
    r = stub.run("sources")
    assert r.returncode == 0
    assert len(stub.calls()) == n, "a complete download is not fetched again"


def test_package_fetch_error_updates_once_and_retries_once(stub):
    (stub.dir / "install_fails").write_text("1")
    r = stub.run("packages", "host")
    assert r.returncode == 0, r.stderr
    verbs = [c.split()[1] for c in stub.calls()]
    assert verbs == ["install", "update", "install"]
    assert "retrying once" in r.stderr


def test_package_fetch_error_twice_prints_the_exact_command(stub):
    (stub.dir / "install_fails").write_text("5")
    r = stub.run("packages", "host")
    assert r.returncode == 1
    verbs = [c.split()[1] for c in stub.calls()]
    assert verbs == ["install", "update", "install"], "one update, one retry, no more"
    assert "Failed to fetch file_5.44-3_amd64.deb 404 Not Found" in r.stderr
    assert "apt-get update && apt-get install -y --no-install-recommends gcc make" in r.stderr


def test_package_error_that_is_no_fetch_error_is_not_retried(stub):
    (stub.dir / "install_broken").write_text("")
    r = stub.run("packages", "host")
    assert r.returncode == 1
    assert [c.split()[1] for c in stub.calls()] == ["install"]
    assert "held broken packages" in r.stderr
    assert "apt-get install -y --no-install-recommends" in r.stderr


def test_built_sysroot_key_names_the_versions_really_built():
    """The real cache of this machine, when present: every version in a sysroot's key was
    downloaded completely (its tree is marked done), so the key holds what was built."""
    cache = Path(os.environ.get("SS_CACHE") or Path.home() / ".cache" / "streamingserver")
    keys = sorted((cache / "sysroot").glob("*-*/.key")) if (cache / "sysroot").is_dir() else []
    if not keys:
        pytest.skip("no sysroot built in this cache yet")
    for key in keys:
        for line in key.read_text().splitlines():
            name, _, ver = line.partition(" ")
            if name in ("musl", "mbedtls", "bearssl", "zlib"):
                done = cache / "src" / f"{name}_{ver.split(':', 1)[-1]}" / ".done"
                assert done.exists(), f"{key}: {name} {ver} was never downloaded"


def test_package_name_unknown_to_apt_source_index_is_named(stub):
    stub.listed(*FOUR)  # no zlib at all: deb-src incomplete or the package renamed
    r = stub.run("sources")
    assert r.returncode == 1
    assert "apt lists no source package 'zlib'" in r.stderr
    assert "apt-get update" in r.stderr


def test_packages_as_non_root_print_the_command_and_install_nothing(stub):
    r = stub.run("packages", "host", env_extra={"STUB_UID": "1000"})
    assert r.returncode == 1
    assert "as root run:" in r.stderr
    assert "apt-get install -y --no-install-recommends gcc make" in r.stderr
    assert stub.calls() == []


def test_usage_lists_sources_command():
    r = subprocess.run([str(BOOTSTRAP)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "bootstrap.sh sources" in r.stdout
