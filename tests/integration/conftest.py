"""pytest setup: shared fixtures live in fixtures_*.py files beside this one."""
import glob
import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)

pytest_plugins = sorted(
    os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(HERE, "fixtures_*.py")))

from sslib import Daemon  # noqa: E402


@pytest.fixture
def daemon(tmp_path):
    """A daemon with default settings; tmp_path is inside the allowed roots (/tmp)."""
    d = Daemon()
    yield d
    d.stop()
