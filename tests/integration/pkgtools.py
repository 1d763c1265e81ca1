"""Helpers for the package tests: build packages, read .deb/.ipk members, scratch roots.

Used by tests/integration/test_package.py (every `make test`) and tests/qemu/.
"""
import io
import os
import shutil
import subprocess
import tarfile

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PACKAGE_SH = os.path.join(TOP, "rootfs", "package.sh")
OLD_PKGS = ("enigma2-plugin-systemplugins-streamingserver", "enigma2-plugin-ubuntu-streamingserver")
PLUGIN_DEP = "enigma2-plugin-systemplugins-streamingserver"
PLUGIN_PROVIDERS = "/data/ubuntu/root/plugins/streamingserver/providers"


def version():
    with open(os.path.join(TOP, "VERSION")) as f:
        return f.read().strip()


def build_packages(board, out, binary, formats="deb ipk"):
    """Runs rootfs/package.sh for board with binary; returns {format: path}."""
    env = dict(os.environ, SS_PKG_BIN=binary, SS_PKG_OUT=str(out), SS_PKG_FORMATS=formats)
    r = subprocess.run([PACKAGE_SH, board], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "package.sh %s failed:\n%s%s" % (board, r.stdout, r.stderr)
    found = {}
    for name in os.listdir(out):
        for fmt in ("deb", "ipk"):
            if name.endswith("." + fmt):
                found[fmt] = os.path.join(str(out), name)
    return found


def ar_members(path):
    """Returns [(name, bytes)] of a Unix ar archive (the .deb and .ipk container)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"!<arch>\n", "%s is not an ar archive" % path
    pos, members = 8, []
    while pos + 60 <= len(data):
        hdr = data[pos:pos + 60]
        name = hdr[:16].decode().strip().rstrip("/")
        size = int(hdr[48:58].decode().strip())
        members.append((name, data[pos + 60:pos + 60 + size]))
        pos += 60 + size + (size & 1)
    return members


def tar_listing(blob):
    """Returns {member name: TarInfo} of a gzip'd tar held in memory."""
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as t:
        return {m.name: m for m in t.getmembers()}


def tar_read(blob, name):
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as t:
        return t.extractfile(name).read()


def control_fields(text):
    """Parses a control paragraph into {field: value} (continuation lines joined by \\n)."""
    fields, key = {}, None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def split_list(value):
    return [v.strip() for v in value.split(",") if v.strip()]


def provider_ids():
    """Provider directories of the tree that the package must carry (those with config.json)."""
    d = os.path.join(TOP, "providers")
    return sorted(p for p in os.listdir(d) if os.path.isfile(os.path.join(d, p, "config.json")))


def busybox_root(root):
    """Makes root a minimal chroot: host busybox-static as /bin/*, /dev/null, /tmp."""
    bb = shutil.which("busybox")
    if not bb:
        return None
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "dev", "tmp", "etc", "var/run", "proc"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy(bb, os.path.join(root, "bin", "busybox"))
    subprocess.run(["chroot", root, "/bin/busybox", "--install", "-s"], check=True)
    if not os.path.exists(os.path.join(root, "dev", "null")):
        subprocess.run(["mknod", "-m", "666", os.path.join(root, "dev", "null"), "c", "1", "3"],
                       check=True)
    return root


def is_static(path):
    r = subprocess.run(["file", "-bL", path], capture_output=True, text=True)
    return "statically linked" in r.stdout or "static-pie" in r.stdout
