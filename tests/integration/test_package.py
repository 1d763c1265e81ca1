"""The installable packages: control fields and contents of the .deb (DreamOS) and .ipk
(OE-Alliance), a dpkg install into a scratch root that replaces the Python server under the
StreamingCockpit plugin, and the SysV init script keeping the daemon alive in a chroot.

Quick (a few seconds): packages are built from the host daemon (SS_BIN) for the board named,
so no cross build or QEMU system boot is needed. tests/qemu/ boots the real thing.
"""
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

import pkgtools
from pkgtools import control_fields, split_list, tar_listing, tar_read
from sslib import Client, TOP, free_port

DREAMOS_BOARDS = ("dm900", "dm920", "dmone", "dmtwo")
BOARDS = sorted(f[:-len("_defconfig")] for f in os.listdir(os.path.join(TOP, "boards"))
                if f.endswith("_defconfig") and f != "host_defconfig")
DEB_ARCH = {"mipsel": "mipsel", "armhf": "armhf", "aarch64": "arm64", "x86_64": "amd64"}
IPK_ARCH = {"mipsel": "mips32el", "armhf": "cortexa15hf-neon-vfpv4", "aarch64": "aarch64",
            "x86_64": "x86_64"}
CONF = "/etc/streamingserver/streamingserver.conf"


def host_bin():
    return os.environ.get("SS_BIN", os.path.join(TOP, "build", "host", "streamingserver"))


def board_arch(board):
    with open(os.path.join(TOP, "boards", board + ".mk")) as f:
        for line in f:
            if line.startswith("ARCH"):
                return line.split(":=")[1].strip()
    raise AssertionError("no ARCH in boards/%s.mk" % board)


def need_root_tools():
    if os.geteuid() != 0:
        pytest.skip("needs root (chroot, mknod) for the scratch-root install")
    if not shutil.which("busybox"):
        pytest.skip("busybox-static not installed (toolchain/bootstrap.sh packages all)")


@pytest.fixture(scope="module")
def any_bin():
    """A binary to package: the host daemon (content checks do not run it)."""
    b = host_bin()
    if not os.path.isfile(b):
        pytest.skip("no daemon binary %s (make BOARD=host)" % b)
    return b


@pytest.fixture(scope="module")
def dm920(tmp_path_factory, any_bin):
    return pkgtools.build_packages("dm920", tmp_path_factory.mktemp("pkg-dm920"), any_bin)


def deb_parts(path):
    m = dict(pkgtools.ar_members(path))
    ctl = next(v for k, v in m.items() if k.startswith("control.tar"))
    data = next(v for k, v in m.items() if k.startswith("data.tar"))
    return ctl, data


def check_control(fields, arch):
    assert fields["Package"] == "streamingserver"
    assert fields["Version"] == pkgtools.version()
    assert fields["Architecture"] == arch
    assert fields["Maintainer"]
    assert fields["Description"].strip()
    # StreamingCockpit Depends: enigma2-plugin-systemplugins-streamingserver (unversioned)
    assert pkgtools.PLUGIN_DEP in split_list(fields["Provides"])
    for old in pkgtools.OLD_PKGS:
        assert old in split_list(fields["Conflicts"]), old
        assert old in split_list(fields["Replaces"]), old


def check_common_data(listing):
    """Files both formats carry, with owner and modes as installed on the box."""
    def mode(name):
        return listing["./" + name].mode & 0o7777

    for m in listing.values():
        assert m.uid == 0 and m.gid == 0, m.name
        assert m.name == "." or m.name.startswith("./"), m.name
    assert mode("usr/bin/streamingserver") == 0o755
    assert mode("etc/streamingserver/streamingserver.conf") == 0o644
    assert mode("usr/lib/streamingserver/prestart") == 0o755
    assert listing["./usr/share/streamingserver/ca-certificates.crt"].size > 10000
    ids = pkgtools.provider_ids()
    packaged = sorted({n.split("/")[5] for n in listing
                       if n.startswith("./usr/share/streamingserver/providers/") and
                       n.count("/") >= 6})
    assert packaged == ids
    for pid in ids:
        assert "./usr/share/streamingserver/providers/%s/config.json" % pid in listing
        if os.path.exists(os.path.join(TOP, "providers", pid, "provider.png")):
            assert "./usr/share/streamingserver/providers/%s/provider.png" % pid in listing
    assert not any(n.startswith("./data/") for n in listing), "nothing may land in the chroot tree"


def test_deb_control_fields(dm920):
    """dpkg-deb -I: name, version, arch, and the relations that replace the Python server."""
    r = subprocess.run(["dpkg-deb", "-f", dm920["deb"]], capture_output=True, text=True, check=True)
    f = control_fields(r.stdout)
    check_control(f, "armhf")
    assert int(f["Installed-Size"]) > 0
    r = subprocess.run(["dpkg-deb", "-I", dm920["deb"]], capture_output=True, text=True, check=True)
    for script in ("postinst", "prerm", "postrm", "conffiles"):
        assert script in r.stdout


def test_deb_contents(dm920):
    """dpkg-deb -c: binary, config as conffile, systemd unit (no SysV script), providers."""
    r = subprocess.run(["dpkg-deb", "-c", dm920["deb"]], capture_output=True, text=True, check=True)
    assert "./usr/bin/streamingserver" in r.stdout
    ctl, data = deb_parts(dm920["deb"])
    listing = tar_listing(data)
    check_common_data(listing)
    assert "./lib/systemd/system/streamingserver.service" in listing
    assert "./etc/init.d/streamingserver" not in listing
    unit = tar_read(data, "./lib/systemd/system/streamingserver.service").decode()
    assert "Restart=always" in unit and "WantedBy=multi-user.target" in unit
    assert "ExecStart=/usr/bin/streamingserver --config " + CONF in unit
    assert tar_read(ctl, "./conffiles").decode().split() == [CONF]


def test_systemd_unit_verifies(dm920, tmp_path):
    """systemd-analyze accepts the unit (only the binary's absence on this host is excused)."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed")
    _, data = deb_parts(dm920["deb"])
    unit = tmp_path / "streamingserver.service"
    unit.write_bytes(tar_read(data, "./lib/systemd/system/streamingserver.service"))
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                       timeout=60)
    complaints = [ln for ln in (r.stdout + r.stderr).splitlines()
                  if ln.strip() and "/usr/bin/streamingserver" not in ln]
    assert not complaints, complaints


def test_ipk_layout_and_contents(dm920):
    """The .ipk is the standard ar of debian-binary, control.tar.gz, data.tar.gz; SysV files."""
    members = pkgtools.ar_members(dm920["ipk"])
    assert [n for n, _ in members] == ["debian-binary", "control.tar.gz", "data.tar.gz"]
    m = dict(members)
    assert m["debian-binary"] == b"2.0\n"
    ctl = tar_listing(m["control.tar.gz"])
    assert {"./control", "./conffiles", "./postinst", "./prerm", "./postrm"} <= set(ctl)
    for s in ("postinst", "prerm", "postrm"):
        assert ctl["./" + s].mode & 0o111, s
    check_control(control_fields(tar_read(m["control.tar.gz"], "./control").decode()),
                  "cortexa15hf-neon-vfpv4")
    data = tar_listing(m["data.tar.gz"])
    check_common_data(data)
    assert data["./etc/init.d/streamingserver"].mode & 0o777 == 0o755
    assert data["./usr/lib/streamingserver/supervise"].mode & 0o777 == 0o755
    assert "./lib/systemd/system/streamingserver.service" not in data
    # dpkg-deb reads the same container, as opkg does
    r = subprocess.run(["dpkg-deb", "-f", dm920["ipk"], "Package"], capture_output=True, text=True)
    assert r.stdout.strip() == "streamingserver"


def test_every_board_gets_an_ipk_and_dreamos_boards_a_deb(tmp_path, any_bin):
    """Default formats and architecture names per board."""
    for board in BOARDS:
        out = tmp_path / board
        env = dict(os.environ, SS_PKG_BIN=any_bin, SS_PKG_OUT=str(out))
        env.pop("SS_PKG_FORMATS", None)
        r = subprocess.run([pkgtools.PACKAGE_SH, board], env=env, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        names = sorted(os.listdir(out))
        arch = board_arch(board)
        v = pkgtools.version()
        want = ["streamingserver_%s_%s.ipk" % (v, IPK_ARCH[arch])]
        if board in DREAMOS_BOARDS:
            want.append("streamingserver_%s_%s.deb" % (v, DEB_ARCH[arch]))
        assert names == sorted(want), board


def test_packages_are_reproducible(tmp_path, any_bin):
    """Same inputs, same bytes (fixed mtimes, owners, member order)."""
    a = pkgtools.build_packages("dm920", tmp_path / "a", any_bin)
    b = pkgtools.build_packages("dm920", tmp_path / "b", any_bin)
    for fmt in ("deb", "ipk"):
        with open(a[fmt], "rb") as fa, open(b[fmt], "rb") as fb:
            assert fa.read() == fb.read(), fmt


# ---------------------------------------------------------------- dpkg --root installs

def make_deb(tmp_path, name, control, files=None, postrm=None):
    """A tiny stand-in package (the Python server or the plugin) for the upgrade path."""
    d = tmp_path / ("src-" + name)
    (d / "DEBIAN").mkdir(parents=True)
    (d / "DEBIAN" / "control").write_text(control)
    for path, text in (files or {}).items():
        p = d / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    if postrm:
        (d / "DEBIAN" / "postrm").write_text(postrm)
        (d / "DEBIAN" / "postrm").chmod(0o755)
    out = tmp_path / (name + ".deb")
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(d), str(out)], check=True,
                   capture_output=True)
    return str(out)


def python_server_deb(tmp_path):
    # Mirrors the Python package: files inside the chroot tree, postrm wiping them on remove.
    return make_deb(tmp_path, "old", (
        "Package: enigma2-plugin-systemplugins-streamingserver\nVersion: 0.18.1\n"
        "Architecture: all\nMaintainer: test <t@localhost>\nDescription: Python server\n"), {
        "/data/ubuntu/root/plugins/streamingserver/main.py": "print()\n",
        "/data/ubuntu/root/plugins/streamingserver/providers/PlutoTV/config.json": "{}\n",
    }, postrm='#!/bin/sh\nif [ "$1" = remove ]; then\n'
              '\trm -rf /data/ubuntu/root/plugins/streamingserver >/dev/null 2>&1\nfi\nexit 0\n')


def plugin_deb(tmp_path):
    return make_deb(tmp_path, "plugin", (
        "Package: enigma2-plugin-extensions-streamingcockpit\nVersion: 0.13.0\n"
        "Architecture: all\nMaintainer: test <t@localhost>\n"
        "Depends: enigma2-plugin-systemplugins-streamingserver\nDescription: plugin\n"))


def dpkg_root(tmp_path, arch):
    root = str(tmp_path / "root")
    pkgtools.busybox_root(root)
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
        open(os.path.join(root, f), "a").close()
    if arch != subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                              text=True).stdout.strip():
        subprocess.run(["dpkg", "--root", root, "--add-architecture", arch], check=True)
    return root


def dpkg(root, *args):
    # --log: dpkg's log file is not relative to --root; keep the host's log clean
    os.makedirs(root + "/var/log", exist_ok=True)
    r = subprocess.run(["dpkg", "--root", root, "--log", root + "/var/log/dpkg.log"] +
                       list(args), capture_output=True, text=True, timeout=60)
    return r


def status(root, pkg):
    r = subprocess.run(["dpkg-query", "--root", root, "-W", "-f", "${db:Status-Abbrev}", pkg],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""


def test_deb_replaces_python_server_under_the_plugin(tmp_path, dm920):
    """An image with the Python server and StreamingCockpit: installing ours removes the
    Python package, keeps the plugin's dependency satisfied and links the logos where the
    plugin looks; remove and purge clean up after themselves."""
    need_root_tools()
    root = dpkg_root(tmp_path, "armhf")
    r = dpkg(root, "-i", python_server_deb(tmp_path), plugin_deb(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    r = dpkg(root, "-i", dm920["deb"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "will remove enigma2-plugin-systemplugins-streamingserver" in r.stdout + r.stderr
    assert status(root, "streamingserver") == "ii"
    old = status(root, "enigma2-plugin-systemplugins-streamingserver")
    assert old[1:2] != "i", "Python server still installed: %r" % old
    assert status(root, "enigma2-plugin-extensions-streamingcockpit") == "ii"
    r = dpkg(root, "--audit")
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout

    plugdir = root + "/data/ubuntu/root/plugins/streamingserver"
    assert not os.path.exists(plugdir + "/main.py")
    assert os.readlink(root + pkgtools.PLUGIN_PROVIDERS) == "/usr/share/streamingserver/providers"
    for pid in pkgtools.provider_ids():
        assert os.path.isfile(root + "/usr/share/streamingserver/providers/%s/config.json" % pid)
    wants = root + "/etc/systemd/system/multi-user.target.wants/streamingserver.service"
    assert os.readlink(wants) == "/lib/systemd/system/streamingserver.service"
    # the scratch root has no CA bundle of its own: ours is linked in
    assert os.readlink(root + "/etc/ssl/certs/ca-certificates.crt") == \
        "/usr/share/streamingserver/ca-certificates.crt"

    r = dpkg(root, "-r", "streamingserver")
    assert r.returncode != 0, "dpkg must refuse to break the plugin's dependency"
    r = dpkg(root, "-r", "enigma2-plugin-extensions-streamingcockpit", "streamingserver")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not os.path.lexists(root + pkgtools.PLUGIN_PROVIDERS)
    assert not os.path.lexists(wants)
    assert not os.path.lexists(root + "/etc/ssl/certs/ca-certificates.crt")
    assert os.path.exists(root + CONF), "conffile stays until purge"
    r = dpkg(root, "-P", "streamingserver")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not os.path.exists(root + CONF)


def test_deb_fresh_install_satisfies_plugin_dependency(tmp_path, dm920):
    """No Python server ever installed: the plugin installs against our Provides."""
    need_root_tools()
    root = dpkg_root(tmp_path, "armhf")
    os.makedirs(root + "/etc/ssl/certs")
    with open(root + "/etc/ssl/certs/ca-certificates.crt", "w") as f:
        f.write("image bundle\n")
    r = dpkg(root, "-i", dm920["deb"])
    assert r.returncode == 0, r.stdout + r.stderr
    r = dpkg(root, "-i", plugin_deb(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert status(root, "enigma2-plugin-extensions-streamingcockpit") == "ii"
    # the image's own bundle is left alone
    assert not os.path.islink(root + "/etc/ssl/certs/ca-certificates.crt")
    # a plugin data dir someone made by hand is never replaced by our link
    r = dpkg(root, "-r", "enigma2-plugin-extensions-streamingcockpit", "streamingserver")
    assert r.returncode == 0
    os.makedirs(root + pkgtools.PLUGIN_PROVIDERS + "/Mine")
    r = dpkg(root, "-i", dm920["deb"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert os.path.isdir(root + pkgtools.PLUGIN_PROVIDERS + "/Mine")
    assert not os.path.islink(root + pkgtools.PLUGIN_PROVIDERS)


# ---------------------------------------------------------------- SysV init script in a chroot

def wait_ready(port, timeout=5.0):
    """Connects and reads the ["ready", {}] frame; retries until timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            c = Client(port, timeout=2)
            c.close()
            return True
        except (OSError, EOFError, AssertionError) as e:
            last = e
            time.sleep(0.05)
    raise AssertionError("no daemon on port %d: %s" % (port, last))


def port_closed(port, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            time.sleep(0.05)
        except OSError:
            return True
    return False


def read_pids(root):
    with open(root + "/var/run/streamingserver.pid") as f:
        sup, child = f.read().split()
    return int(sup), int(child)


def test_ipk_init_script_starts_restarts_and_stops_daemon(tmp_path, any_bin):
    """Unpack the .ipk like opkg into a chroot, run its postinst: the init script starts the
    daemon under the supervisor; a killed daemon is back within the plugin's 5 s retry
    window; stop ends both; postrm removes the rc links and our logo link."""
    need_root_tools()
    if not pkgtools.is_static(any_bin):
        pytest.skip("%s is not static; it cannot run in the scratch chroot" % any_bin)
    pk = pkgtools.build_packages("host", tmp_path / "pkg", any_bin, formats="ipk")
    root = pkgtools.busybox_root(str(tmp_path / "root"))
    m = dict(pkgtools.ar_members(pk["ipk"]))
    for blob, dest in ((m["data.tar.gz"], root), (m["control.tar.gz"], root + "/tmp/ctl")):
        os.makedirs(dest, exist_ok=True)
        (tmp_path / "x.tgz").write_bytes(blob)
        subprocess.run(["tar", "-xzf", str(tmp_path / "x.tgz"), "-C", dest], check=True)
    port = free_port()
    os.makedirs(root + "/etc/default", exist_ok=True)
    with open(root + "/etc/default/streamingserver", "w") as f:
        f.write('STREAMINGSERVER_OPTS="--listen 127.0.0.1 --port %d"\n'
                "STREAMINGSERVER_LOG=/tmp/daemon.log\n" % port)

    def chroot(*cmd):
        return subprocess.run(["chroot", root] + list(cmd), capture_output=True, text=True,
                              timeout=30)

    try:
        r = chroot("/bin/sh", "/tmp/ctl/postinst", "configure")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_ready(port)
        assert os.readlink(root + pkgtools.PLUGIN_PROVIDERS) == \
            "/usr/share/streamingserver/providers"
        assert os.path.islink(root + "/etc/rc5.d/S20streamingserver")
        assert os.path.islink(root + "/etc/rc0.d/K20streamingserver")
        r = chroot("/etc/init.d/streamingserver", "status")
        assert r.returncode == 0, r.stdout
        sup, child = read_pids(root)
        # The daemon reads the providers through the plugin's logo path (prestart's link).
        c = Client(port, timeout=10)
        try:
            reply = c.request("get_providers", {})
            assert reply[0] == "get_providers", reply
            assert sorted(p["provider_id"] for p in reply[1]["data"]) == pkgtools.provider_ids()
        finally:
            c.close()
        r = chroot("/etc/init.d/streamingserver", "reload")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_ready(port)
        assert read_pids(root) == (sup, child), "reload must not restart the daemon"

        os.kill(child, signal.SIGKILL)
        t0 = time.monotonic()
        wait_ready(port, timeout=4.5)
        assert time.monotonic() - t0 < 4.5, "plugin gives up after about 5 s"
        sup2, child2 = read_pids(root)
        assert sup2 == sup and child2 != child

        r = chroot("/etc/init.d/streamingserver", "start")
        assert "already running" in r.stdout
        r = chroot("/etc/init.d/streamingserver", "stop")
        assert r.returncode == 0, r.stdout + r.stderr
        assert port_closed(port)
        for pid in (sup2, child2):
            assert not os.path.exists("/proc/%d" % pid) or \
                open("/proc/%d/stat" % pid).read().split()[2] == "Z"
        r = chroot("/etc/init.d/streamingserver", "status")
        assert r.returncode == 3

        r = chroot("/bin/sh", "/tmp/ctl/prerm", "remove")
        assert r.returncode == 0
        r = chroot("/bin/sh", "/tmp/ctl/postrm", "remove")
        assert r.returncode == 0
        assert not os.path.lexists(root + "/etc/rc5.d/S20streamingserver")
        assert not os.path.lexists(root + pkgtools.PLUGIN_PROVIDERS)
    finally:
        chroot("/etc/init.d/streamingserver", "stop")
        log = root + "/tmp/daemon.log"
        if os.path.exists(log):
            print(open(log).read())
