"""The faults of issue 14, each reproduced first: what a local account, a hostile file, a crash
at the wrong moment or a busy SQLite could still do. One section per numbered point."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, data_dir: Path, umask: int = 0o022, **env) -> subprocess.CompletedProcess:
    """Run code in a fresh process with Django set up on data_dir (SQLite), under umask."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "JIANHUI_SECRET_KEY", "JIANHUI_FIELD_KEY")}
    environment.update(JIANHUI_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="jianhui.settings",
                       **env)
    script = f"import os\nos.umask({umask})\nimport django\ndjango.setup()\n"
    return subprocess.run([sys.executable, "-c", script + textwrap.dedent(code)], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=120)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- 1. a local account could read the database (and a live session key) -----------------------

def test_data_dir_and_every_file_are_private_under_umask_022(tmp_path):
    data = tmp_path / "fresh"
    proc = _python("""
    from django.conf import settings
    from django.db import connection
    from jianhui.crypto.keyring import load_keyring
    from jianhui.imports import uploads
    with connection.cursor() as c:  # a write: the WAL and its index exist while we hold it
        c.execute("CREATE TABLE t (x)")
        c.execute("INSERT INTO t VALUES (1)")
    load_keyring()
    uploads.upload_dir()
    (settings.DATA_DIR / "written.log").write_text("a log line")
    for name in ("jianhui.sqlite3", "jianhui.sqlite3-wal", "jianhui.sqlite3-shm"):
        print(name, oct(os.stat(settings.DATA_DIR / name).st_mode & 0o777))
    """, data)
    assert proc.returncode == 0, proc.stderr
    modes = dict(line.split() for line in proc.stdout.splitlines() if line.startswith("jianhui"))
    assert modes == {"jianhui.sqlite3": "0o600", "jianhui.sqlite3-wal": "0o600",
                     "jianhui.sqlite3-shm": "0o600"}
    assert _mode(data) == 0o700
    for path in data.rglob("*"):
        assert _mode(path) & 0o077 == 0, f"{path} is {oct(_mode(path))}"


def test_a_readable_data_dir_is_tightened_at_start(tmp_path):
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    db = data / "jianhui.sqlite3"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    (data / "secret_key").write_text("k" * 50)
    os.chmod(data / "secret_key", 0o644)
    proc = _python("print('ok')", data)
    assert proc.returncode == 0, proc.stderr
    assert _mode(data) == 0o700 and _mode(db) == 0o600 and _mode(data / "secret_key") == 0o600
    assert "jianhui.sqlite3" in proc.stderr and "0600" in proc.stderr  # says what it did


def test_a_data_dir_that_cannot_be_tightened_is_refused_in_chinese(tmp_path, monkeypatch):
    from jianhui.lib import files

    data = tmp_path / "foreign"
    data.mkdir()
    os.chmod(data, 0o755)

    def refuse(path, mode):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(files.os, "chmod", refuse)
    with pytest.raises(files.NotPrivate) as caught:
        files.secure_data_dir(data, ("jianhui.sqlite3",))
    message = str(caught.value)
    assert str(data) in message and "chmod 700" in message and "其他用户" in message
