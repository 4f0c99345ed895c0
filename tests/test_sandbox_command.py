"""`manage.py sandbox`: both servers start, print URLs and credentials through a pipe at once, answer
(contract §5), and stop cleanly on SIGTERM or SIGINT, also when started with SIGINT ignored."""

import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from connectors.sandbox_data import demo_data
from integration_app.auth.signatures import query_hmac_is_valid
from tests.processes import LineReader, plain_env, stop

ROOT = Path(__file__).resolve().parent.parent
# A stop must end the process with 0, not hang; how fast is no test's business (on a loaded machine the
# interpreter's final garbage collection alone has taken 8 s).
EXIT_TIMEOUT = 60


def start_sandbox(tmp_path, ignore_sigint: bool = False) -> subprocess.Popen:
    """The command as a newcomer's shell starts it, stdout a pipe (as `| tee` or a process manager)."""
    env = plain_env(tmp_path, DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    # Ignored signals stay ignored across exec: as a background job of a non-interactive shell, or
    # `nohup`, starts it.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignore_sigint else None
    try:
        return subprocess.Popen(
            [sys.executable, "manage.py", "sandbox", "--cin7-port", "0", "--shopify-port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    finally:
        if ignore_sigint:
            signal.signal(signal.SIGINT, previous)


@pytest.mark.slow
def test_sandbox_command_serves_both_apis(tmp_path):
    process = start_sandbox(tmp_path)
    try:
        output = LineReader(process)
        output.wait_for(r"Ctrl-C", timeout=60)
        out = output.text
        ready = output.wait_for(r"Sandboxes ready in ([\d.]+) s \((\d+) Cin7 customers, (\d+) products", 0)
        print(f"sandbox startup: {ready.group(1)} s")  # speed is the benchmarks' business, not a test's
        demo = demo_data().summary()  # the demo set, all of it
        assert (int(ready.group(2)), int(ready.group(3))) == (demo["cin7_customers"], demo["cin7_products"])
        cin7_url = output.wait_for(r"CIN7_API_URL=(\S+)", 0).group(1)
        admin = output.wait_for(r"SHOPIFY_ADMIN_URL=(\S+)", 0).group(1)
        account = output.wait_for(r"Account ID\s+(\S+)", 0).group(1)
        key = output.wait_for(r"API key\s+(\S+)", 0).group(1)
        me = requests.get(
            f"{cin7_url}me",
            headers={"api-auth-accountid": account, "api-auth-applicationkey": key},
            timeout=10,
        )
        assert me.status_code == 200 and me.json()["Company"]
        shop = output.wait_for(r"shop\s+(\S+\.myshopify\.com)", 0).group(1)
        authorize = requests.get(f"{admin.format(shop=shop)}/oauth/authorize", timeout=10)
        assert authorize.status_code == 400  # it answers, and refuses a request without client_id
        # "Point the app at them" names everything the app needs, credentials included, and they work.
        client_id = output.wait_for(r"SHOPIFY_API_KEY=(\S+)", 0).group(1)
        app_url = output.wait_for(r"APP_URL=(\S+)", 0).group(1)
        grant = requests.get(
            f"{admin.format(shop=shop)}/oauth/authorize",
            params={
                "client_id": client_id,
                "scope": "read_customers",
                "redirect_uri": f"{app_url}/auth/callback",
            },
            allow_redirects=False,
            timeout=10,
        )
        callback = grant.headers["Location"]
        assert grant.status_code == 302 and callback.startswith(f"{app_url}/auth/callback?")
        secret = output.wait_for(r"SHOPIFY_API_SECRET=(\S+)", 0).group(1)
        assert query_hmac_is_valid(dict(parse_qsl(urlsplit(callback).query)), secret)
        assert "integration_app.E001" not in out  # no "must be set" warning for what the sandbox provides
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(EXIT_TIMEOUT) == 0
        assert "Sandboxes stopped." in output.rest()
    finally:
        stop(process)


@pytest.mark.slow
@pytest.mark.parametrize("ignore_sigint", [False, True], ids=["plain", "sigint-ignored"])
def test_sandbox_prints_its_urls_through_a_pipe_at_once_and_stops_on_sigterm(tmp_path, ignore_sigint):
    process = start_sandbox(tmp_path, ignore_sigint=ignore_sigint)
    try:
        output = LineReader(process)
        # The start-up lines arrive while the sandbox runs (line-buffered), not when a buffer fills or at
        # exit: block-buffered, a pipe would get nothing until the process ends.
        output.wait_for(r"Sandboxes ready in", timeout=60)
        cin7_url = output.wait_for(r"CIN7_API_URL=(\S+)", timeout=2).group(1)
        assert process.poll() is None
        assert requests.get(f"{cin7_url}me", timeout=10).status_code in {401, 403}  # serving
        process.send_signal(signal.SIGTERM)
        assert process.wait(EXIT_TIMEOUT) == 0  # a clean stop, not the default action's 143
        assert "Sandboxes stopped." in output.rest()
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{cin7_url}me", timeout=2)  # its servers are closed
    finally:
        stop(process)


@pytest.mark.slow
def test_sandbox_with_sigint_ignored_still_stops_on_ctrl_c(tmp_path):
    """An inherited "ignore SIGINT" does not make the command unstoppable by Ctrl-C's signal."""
    process = start_sandbox(tmp_path, ignore_sigint=True)
    try:
        output = LineReader(process)
        output.wait_for(r"Ctrl-C", timeout=60)
        process.send_signal(signal.SIGINT)
        assert process.wait(EXIT_TIMEOUT) == 0
    finally:
        stop(process)
