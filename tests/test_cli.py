"""The command-line contract: `jianhui stats --json` shape, stdout holding only JSON, and
`jianhui load-demo` on a fresh data dir being idempotent."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

KEYS = {"code", "name", "kind", "parent", "enterprises", "unionized", "standalone", "covered",
        "not_unionized", "federations", "joint_unions", "employees", "employees_unionized",
        "members", "establishment_rate", "membership_rate", "rule25_warnings", "committees"}


def stats_json(*args: str) -> dict:
    out = io.StringIO()
    call_command("stats", "--json", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_stats_json_shape_and_seed_totals(demo):
    data = stats_json("--as-of", "2023-09-29")
    assert set(data) == {"as_of", "total", "jurisdictions"} and data["as_of"] == "2023-09-29"
    assert set(data["total"]) == KEYS - {"code", "name", "kind", "parent"}
    t = data["total"]
    assert (t["enterprises"], t["unionized"], t["standalone"], t["covered"], t["federations"],
            t["members"]) == (164, 161, 96, 65, 3, 15028)
    assert t["committees"] == 96  # one 基层工会委员会 per standalone enterprise
    assert t["establishment_rate"] == 161 / 164 and isinstance(t["membership_rate"], float)
    rows = {r["name"]: r for r in data["jurisdictions"]}
    assert all(set(r) == KEYS for r in data["jurisdictions"])
    assert rows["中江县"]["parent"] is None and rows["高新区"]["parent"] == "510623"
    assert rows["高新区"]["kind"] == "园区" and rows["辑庆镇"]["kind"] == "乡镇"
    assert sum(rows[n]["enterprises"] for n in ("高新区", "凯州新城", "辑庆镇", "兴隆镇")) == 164
    assert all(isinstance(v, int) for k, v in t.items() if not k.endswith("_rate"))


def test_stats_before_the_campaign_and_default_today(demo):
    early = stats_json("--as-of", "2022-09-30")["total"]
    assert early["unionized"] < 161 and early["joint_unions"] == 1
    today = stats_json()
    assert today["total"]["members"] == 15028


def test_stats_rejects_a_bad_date_in_chinese(demo):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("stats", "--as-of", "2023/09/29", stdout=io.StringIO())


def test_stats_table_on_a_terminal(demo):
    out = io.StringIO()
    call_command("stats", "--as-of", "2023-09-29", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "建会率" in text and "98.2%" in text and "15028" in text


def run(args: list[str], data_dir, check=True) -> subprocess.CompletedProcess:
    env = {**os.environ, "JIANHUI_DATA_DIR": str(data_dir), "DATABASE_URL": "",
           "JIANHUI_DEMO_PASSWORD": "Demo-Pass-2023"}
    return subprocess.run([sys.executable, "-m", "jianhui.cli", *args], env=env, check=check,
                          capture_output=True, text=True, timeout=180)


def test_fresh_data_dir_load_demo_twice_then_stats(demo_template, demo_data_dir, tmp_path):
    # The first load is the session's one on a fresh data dir (conftest: demo_template).
    first, fresh = demo_template.result, demo_template.dir
    assert "已载入演示县" in first.stderr and first.stdout == ""
    assert (fresh / "jianhui.sqlite3").exists() and (fresh / "secret_key").exists()
    demo_data_dir(tmp_path)
    second = run(["load-demo"], tmp_path)
    assert "未重复载入" in second.stderr
    result = run(["stats", "--json", "--as-of", "2023-09-29"], tmp_path)
    data = json.loads(result.stdout)  # stdout is only the JSON
    assert data["total"]["members"] == 15028 and data["total"]["standalone"] == 96
    # Any other subcommand goes to Django's management commands.
    assert "migrate" in run(["help"], tmp_path).stdout


def test_serve_on_a_fresh_data_dir_needs_no_manual_step(tmp_path):
    """`jianhui serve` migrates by itself and serves pages and static files with waitress, in
    two forked worker processes (where the platform forks), which stop with it."""
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JIANHUI_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    proc = subprocess.Popen([sys.executable, "-m", "jianhui.cli", "serve", "--port", str(port),
                             "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                login = urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.5)
        # An empty database: the sign-in page gives way to the one-time 初始化 page.
        assert login.status == 200 and login.url == base + "/accounts/init/"
        assert "初始化" in login.read().decode()
        css = urllib.request.urlopen(base + "/static/css/jianhui.css", timeout=5)
        assert css.status == 200
        assert urllib.request.urlopen(base + "/enterprises/", timeout=5).url.startswith(
            base + "/accounts/init/")  # behind login, which sends to 初始化
        with pytest.raises(urllib.error.HTTPError) as bad_host:
            urllib.request.urlopen(urllib.request.Request(
                base + "/accounts/login/", headers={"Host": "evil.example"}), timeout=5)
        assert bad_host.value.code == 400
        if hasattr(os, "fork"):
            workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                     text=True).stdout.split()
            assert len(workers) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    if hasattr(os, "fork"):
        assert not any(os.path.exists(f"/proc/{pid}") for pid in workers)
    printed = proc.stdout.read()
    token = (tmp_path / "init_token").read_text()
    assert f"http://127.0.0.1:{port}/accounts/init/?token={token}" in printed
