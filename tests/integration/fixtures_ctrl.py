"""Fixtures for the control-server tests: a providers directory and a daemon with test hooks.

Fixtures (auto-loaded by conftest.py):
  providers_dir  (function) providers/<id>/config.json tree: PlutoTV, SamsungTV, a non-ASCII
                            title, a broken entry, a directory without config.json, "_hidden"
  ctrl_daemon    (function) daemon with test_hooks = 1 (the "_test" provider and simulated
                            recorder), data_dir and a rec_dir under tmp_path, provider timeout
                            1 s; .rec_dir and .data_dir are set
  make_ctrl_daemon (function) factory with the same defaults: make_ctrl_daemon(config={...},
                            args=[...]) -> Daemon (stopped at teardown)

Helpers: start_args(url, ...) builds a `start` request for the test provider; is_error(msg,
error_id) checks a PROTOCOL.md error reply with every key present.
"""
import json
import os

import pytest

from sslib import Daemon, under_qemu

ERROR_KEYS = {"reason", "error_id", "msg", "message", "recorder_id"}
TEST_PROVIDER = {"provider_id": "_test", "title": "Test"}


def is_error(msg, error_id=None):
    """True when msg is ["stop", {reason: error, ...all PROTOCOL.md keys...}] (with error_id)."""
    if not (isinstance(msg, list) and len(msg) == 2 and msg[0] == "stop"):
        return False
    args = msg[1]
    if args.get("reason") != "error" or not ERROR_KEYS <= set(args):
        return False
    return error_id is None or args["error_id"] == error_id


def start_args(url="test://live?interval_ms=50", rec_dir=None, **extra):
    a = {"provider": dict(TEST_PROVIDER), "url": url, "buffering": 2, "show_ads": False,
         "av1": False, "quality": "provider"}
    if rec_dir is not None:
        a["rec_dir"] = str(rec_dir)
    a.update(extra)
    return a


def write_provider(root, pid, cfg):
    d = os.path.join(root, pid)
    os.makedirs(d, exist_ok=True)
    if cfg is not None:
        with open(os.path.join(d, "config.json"), "w", encoding="utf-8") as f:
            f.write(cfg if isinstance(cfg, str) else json.dumps(cfg, ensure_ascii=False))
    return d


@pytest.fixture
def providers_dir(tmp_path):
    root = tmp_path / "providers"
    root.mkdir()
    write_provider(root, "SamsungTV", {"title": "Samsung TV Plus", "thumbnail": "provider.png",
                                       "description": "Unterhaltung der Spitzenklasse",
                                       "quality": "best"})
    write_provider(root, "PlutoTV", {"title": "Pluto TV", "thumbnail": "provider.png",
                                     "description": "Pluto TV - Gratis Streamen",
                                     "quality": "720p"})
    write_provider(root, "Umlaut", {"title": "Ärger TV", "description": "Grüße aus Köln",
                                    "quality": "best"})
    write_provider(root, "Broken", "{\"title\": \"Broken\", ")
    write_provider(root, "NoTitle", {"description": "no title"})
    write_provider(root, "Empty", None)
    write_provider(root, "_hidden", {"title": "Hidden"})
    (root / "README").write_text("not a provider\n")
    return root


@pytest.fixture
def make_ctrl_daemon(tmp_path, providers_dir):
    daemons = []
    rec_dir = tmp_path / "rec"
    rec_dir.mkdir(exist_ok=True)
    data_dir = tmp_path / "data"

    def make(config=None, args=(), **kw):
        cfg = {"test_hooks": 1, "provider_timeout_ms": 3000 if under_qemu() else 1000,
               "data_dir": str(data_dir)}
        cfg.update(config or {})
        kw.setdefault("providers_dir", str(providers_dir))
        d = Daemon(args=args, config=cfg, **kw)
        d.rec_dir = rec_dir
        d.data_dir = data_dir
        daemons.append(d)
        return d

    yield make
    for d in daemons:
        d.stop()


@pytest.fixture
def ctrl_daemon(make_ctrl_daemon):
    return make_ctrl_daemon()
