"""A newcomer's rough edges (issue 10, item 5): the IPTV hint while no list is configured,
SIGHUP with another listen/port (rebind, keeping clients), SIGHUP after a list file
changed, unknown config keys, daemon options around --fetch/--record, --record -o DIR
with missing parents."""
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from fixtures_ctrl import is_error
from fixtures_media import Rec, record, sections
from sslib import TOP, Client, daemon_cmd, free_port, under_qemu

T = 20 if under_qemu() else 5
IPTV = {"provider_id": "IPTV", "title": "IPTV"}
CONF = "/etc/streamingserver/streamingserver.conf"


def wait_for(d, text, count=1, timeout=T):
    deadline = time.monotonic() + timeout
    while d.output().count(text) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return d.output().count(text) >= count


def hup(d, count):
    """SIGHUP and wait for the count-th "configuration reloaded"."""
    d.proc.send_signal(signal.SIGHUP)
    assert wait_for(d, "configuration reloaded", count), d.output()


def browse(c, d, category=None):
    args = {"provider": dict(IPTV), "data_dir": str(d.data_dir)}
    if category is not None:
        args["category"] = category
    m = c.request("get_categories" if category is None else "get_media_items", args,
                  timeout=T)
    assert m[0] in ("get_categories", "get_media_items"), m
    return m[1]["data"]


def ascii_only(obj):
    return all(ord(ch) < 128 for ch in json.dumps(obj, ensure_ascii=False))


# ---- IPTV ---------------------------------------------------------------------------

def test_iptv_without_lists_shows_how_to_add_one(make_ctrl_daemon):
    d = make_ctrl_daemon(providers_dir=os.path.join(TOP, "providers"))
    c = d.client()
    cats = browse(c, d)
    assert len(cats) == 1, cats
    assert cats[0]["provider_id"] == "IPTV" and ascii_only(cats)
    items = browse(c, d, cats[0])
    assert len(items) == 1, items
    it = items[0]
    assert ascii_only(it)
    # the exact key and file to edit, readable on the TV
    assert "iptv.list.1" in it["name"] and CONF in it["name"], it
    # starting the hint is refused cleanly, without any network and without a crash
    m = c.request("start", {"provider": dict(IPTV), "url": it["url"], "buffering": 2,
                            "show_ads": False, "av1": False, "quality": "best",
                            "rec_dir": str(d.rec_dir)}, timeout=T)
    assert is_error(m, "not_found"), m
    assert d.proc.poll() is None
    assert c.request("get_providers")[0] == "get_providers"
    assert os.listdir(str(d.rec_dir)) == []


def m3u(*entries):
    lines = ["#EXTM3U"]
    for group, name in entries:
        lines += ['#EXTINF:-1 group-title="%s",%s' % (group, name),
                  "http://127.0.0.1:9/%s.m3u8" % name.replace(" ", "_")]
    return "\n".join(lines) + "\n"


def test_iptv_list_file_changed_on_disk_is_reread_after_sighup(make_ctrl_daemon, tmp_path):
    lst = tmp_path / "list.m3u"
    lst.write_text(m3u(("Alt", "Eins")))
    # a long TTL: only the file's change may cause the rebuild
    d = make_ctrl_daemon(config={"iptv.list.1": "%s Lokal" % lst, "provider.cache_ttl": 86400})
    c = d.client()
    assert [x["name"] for x in browse(c, d)] == ["Alt"]
    lst.write_text(m3u(("Neu", "Zwei"), ("Neu", "Drei"), ("Zweite Gruppe", "Vier")))
    hup(d, 1)
    cats = browse(c, d)
    assert [x["name"] for x in cats] == ["Neu", "Zweite Gruppe"], cats
    assert [x["name"] for x in browse(c, d, cats[0])] == ["Drei", "Zwei"]
    # unchanged file: the catalogue is reused, not rebuilt
    st = os.stat(str(d.data_dir / "IPTV" / "catalog.v1"))
    hup(d, 2)
    assert [x["name"] for x in browse(c, d)] == ["Neu", "Zweite Gruppe"]
    assert os.stat(str(d.data_dir / "IPTV" / "catalog.v1")).st_ino == st.st_ino


# ---- SIGHUP with another listen/port ------------------------------------------------

class ConfDaemon:
    """A daemon whose listen/port come from its config file only (sslib.Daemon passes them
    on the command line, where a reload cannot change them)."""

    def __init__(self, tmp_path, listen, port):
        self.conf = str(tmp_path / "ss.conf")
        self.logf = open(str(tmp_path / "daemon.log"), "w+")
        self.write(listen, port)
        self.proc = subprocess.Popen(daemon_cmd() + ["--config", self.conf],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        assert self.connectable(port, T), self.output()

    def write(self, listen, port):
        with open(self.conf, "w") as f:
            f.write("listen = %s\nport = %d\nlog_level = info\n" % (listen, port))

    def output(self):
        self.logf.flush()
        self.logf.seek(0)
        return self.logf.read()

    def connectable(self, port, timeout=0.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
            except OSError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.logf.close()


@pytest.fixture
def conf_daemon(tmp_path):
    made = []

    def make(listen, port):
        made.append(ConfDaemon(tmp_path, listen, port))
        return made[-1]

    yield make
    for d in made:
        d.stop()


def test_sighup_with_another_port_rebinds_and_keeps_clients(conf_daemon):
    p1, p2 = free_port(), free_port()
    while p2 == p1:
        p2 = free_port()
    d = conf_daemon("127.0.0.1", p1)
    old = Client(p1)
    d.write("127.0.0.1", p2)
    hup(d, 1)
    assert "listening on 127.0.0.1:%d instead of 127.0.0.1:%d (port changed)" % (p2, p1) \
        in d.output()
    new = Client(p2)
    assert new.request("get_providers")[0] == "get_providers"
    assert old.request("get_providers")[0] == "get_providers", "connected clients stay"
    assert not d.connectable(p1), "the old port is closed"


def test_sighup_with_another_listen_on_the_same_port_hands_it_over(conf_daemon):
    p = free_port()
    d = conf_daemon("127.0.0.1", p)
    old = Client(p)
    # 0.0.0.0:p cannot be bound while 127.0.0.1:p listens: the old socket hands over
    d.write("0.0.0.0", p)
    hup(d, 1)
    assert "listening on 0.0.0.0:%d instead of 127.0.0.1:%d (listen changed)" % (p, p) \
        in d.output(), d.output()
    assert Client(p).request("get_providers")[0] == "get_providers"
    assert old.request("get_providers")[0] == "get_providers"
    d.write("127.0.0.1", p)
    hup(d, 2)
    assert "listening on 127.0.0.1:%d instead of 0.0.0.0:%d" % (p, p) in d.output()


def test_sighup_with_a_busy_port_keeps_the_old_socket_and_warns(conf_daemon):
    p1 = free_port()
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    p2 = busy.getsockname()[1]
    try:
        d = conf_daemon("127.0.0.1", p1)
        old = Client(p1)
        d.write("127.0.0.1", p2)
        hup(d, 1)
        out = d.output()
        assert "WARN: main: config: port changed but cannot listen on 127.0.0.1:%d" % p2 in out
        assert "still listening on 127.0.0.1:%d" % p1 in out
        assert Client(p1).request("get_providers")[0] == "get_providers"
        assert old.request("get_providers")[0] == "get_providers"
    finally:
        busy.close()
    # the next reload tries again and now succeeds
    hup(d, 2)
    assert "listening on 127.0.0.1:%d instead of 127.0.0.1:%d" % (p2, p1) in d.output()
    assert Client(p2).request("get_providers")[0] == "get_providers"


# ---- unknown keys -------------------------------------------------------------------

def conf_line(d, key):
    with open(d.conf) as f:
        for n, line in enumerate(f, 1):
            if line.split("=")[0].strip() == key:
                return n
    raise AssertionError(key)


def test_unknown_keys_are_warned_with_file_line_at_start_and_on_sighup(make_ctrl_daemon):
    d = make_ctrl_daemon(config={"tls_verfy": 0, "provider.PlutoTV.api_url": "http://x/",
                                 "provider.PlutoTV.apiurl": "http://x/",
                                 "provider.NoSuch.url": "http://x/", "iptv.list.1": "/x.m3u"},
                         args=["--set", "alowed_roots=/tmp"])
    assert wait_for(d, "ready")
    out = d.output()
    for key in ("tls_verfy", "provider.PlutoTV.apiurl", "provider.NoSuch.url"):
        assert "config: unknown key '%s' (%s:%d); ignored" % (key, d.conf, conf_line(d, key)) \
            in out, out
    assert "config: unknown key 'alowed_roots' (--set); ignored" in out
    # the fixture's keys and what providers read are known
    assert out.count("unknown key") == 4, out
    with open(d.conf, "a") as f:
        f.write("# a comment\nlog_levle = debug\n")
    hup(d, 1)
    out = d.output()
    assert "config: unknown key 'log_levle' (%s:%d)" % (d.conf, conf_line(d, "log_levle")) in out
    assert out.count("unknown key 'tls_verfy'") == 2, "warned again on every reload"


# ---- options around --fetch/--record -------------------------------------------------

def run(*args):
    return subprocess.run(daemon_cmd() + list(args), capture_output=True, text=True, timeout=60)


TLS_OFF = "TLS certificate verification is OFF"


def test_daemon_options_apply_before_and_after_fetch(tmp_path):
    url = "http://127.0.0.1:%d/" % free_port()  # nothing listens: a quick connect error
    plain = run("--fetch", url, "--retries", "0")
    assert plain.returncode != 0 and TLS_OFF not in plain.stderr, plain.stderr
    for args in (["--set", "tls_verify=0", "--fetch", url, "--retries", "0"],
                 ["--fetch", url, "--set", "tls_verify=0", "--retries", "0"],
                 ["--fetch", url, "--retries", "0", "--set=tls_verify=0"]):
        p = run(*args)
        assert TLS_OFF in p.stderr, (args, p.stderr)
        assert "error=connect" in p.stderr, (args, p.stderr)
    # a config file given before the mode applies too
    conf = tmp_path / "c.conf"
    conf.write_text("tls_verify = no\nlisten = 127.0.0.1\n")
    p = run("--config", str(conf), "--fetch", url, "--retries", "0")
    assert TLS_OFF in p.stderr, p.stderr
    # an option the mode has no use for is refused, not dropped
    for args in (["--port", "1", "--fetch", url], ["--fetch", url, "--listen", "::"],
                 ["--set", "auth_token=x", "--record", url, "-o", str(tmp_path)]):
        p = run(*args)
        assert p.returncode == 2, (args, p)
        assert "has no effect with --" in p.stderr and "see --help" in p.stderr, p.stderr


# ---- --record -o DIR -----------------------------------------------------------------

def test_record_creates_the_output_directory_with_its_parents(media, httpd, tmp_path):
    d, _ = media.vod()
    httpd.serve_dir(d)
    out = tmp_path / "a" / "b" / "c"
    r = record(httpd.url("/index.m3u8"), out, "--buffering", "2")
    assert r.rc == 0 and r.stop["reason"] == "complete", r
    assert len(sections(out)) == 1
    # relative to the current directory
    p = subprocess.run(daemon_cmd() + ["--record", httpd.url("/index.m3u8"), "-o", "rel/x",
                                       "--buffering", "2"],
                       cwd=str(tmp_path), capture_output=True, text=True, timeout=90)
    assert p.returncode == 0, p.stderr
    assert len(sections(tmp_path / "rel" / "x")) == 1
    # ".." in the part still to be made is refused before anything is created
    bad = str(tmp_path / "new" / ".." / "other")
    p = subprocess.run(daemon_cmd() + ["--record", httpd.url("/index.m3u8"), "-o", bad],
                       capture_output=True, text=True, timeout=60)
    ev = Rec(p.returncode, [json.loads(x) for x in p.stdout.splitlines() if x.strip()],
             p.stderr, 0)
    assert p.returncode == 1 and ev.stop["error_id"] == "path_denied", ev
    assert "cannot create the directory" in ev.stop["msg"]
    assert not (tmp_path / "new").exists() and not (tmp_path / "other").exists()
