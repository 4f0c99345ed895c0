"""Production readiness: gunicorn serves the app with production settings, the Procfile's processes start,
`check --deploy` is clean, and shopify.app.toml, the Dockerfile and compose.yaml agree with the code.

Every server here is a real subprocess on a free loopback port with a production-like environment
(DEBUG off, a temporary SQLite database) and the real settings module, never tests.settings.
"""

import http.client
import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
import tomllib
from contextlib import contextmanager
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from cryptography.fernet import Fernet
from django.conf import settings
from django.urls import resolve

from integration_app.install import oauth
from integration_app.webhooks import shopify as webhooks
from integration_app.webhooks.shopify import HANDLED_TOPICS
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
COMPLIANCE_TOPICS = {"customers/data_request", "customers/redact", "shop/redact"}
CONTRACT_VARIABLES = [  # CONTRACT §1
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "APP_URL",
    "SHOPIFY_API_KEY",
    "SHOPIFY_API_SECRET",
    "SHOPIFY_SCOPES",
    "SHOPIFY_API_VERSION",
    "CIN7_API_URL",
    "CIN7_CALLS_PER_MINUTE",
    "FIELD_ENCRYPTION_KEYS",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
]
# Keeps STATIC_ROOT out of the checkout: the settings fix it to <project>/staticfiles.
STATIC_ROOT_SETTINGS = """\
import os

from integration_app.settings import *  # noqa: F403

STATIC_ROOT = os.environ["PRODTEST_STATIC_ROOT"]
"""


# --- helpers ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp_path: Path, port: int, **overrides: str) -> dict[str, str]:
    """A production environment: DEBUG off, real secrets, a temp SQLite database, plain HTTP on loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    }
    env.update(
        {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "integration_app.settings",
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(45)[:60],
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SHOPIFY_API_KEY": "prod-test-api-key",
            "SHOPIFY_API_SECRET": secrets.token_hex(32),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "REDIS_URL": "",
            "APP_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EMAIL_URL": "consolemail://",
            "LOG_FORMAT": "json",
            "PORT": str(port),
            "GUNICORN_HOST": "127.0.0.1",
            "WEB_CONCURRENCY": "1",
            "Q_WORKERS": "1",
        }
    )
    env.update(overrides)
    return env


def with_temp_static_root(env: dict[str, str], tmp_path: Path) -> Path:
    """Point `env` at a settings module that is the real one with STATIC_ROOT in `tmp_path`."""
    (tmp_path / "prodtest_settings.py").write_text(STATIC_ROOT_SETTINGS)
    static_root = tmp_path / "staticfiles"
    env["DJANGO_SETTINGS_MODULE"] = "prodtest_settings"
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    env["PRODTEST_STATIC_ROOT"] = str(static_root)
    return static_root


def run(command: list[str] | str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    args = ["sh", "-c", command] if isinstance(command, str) else command
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{command} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@contextmanager
def process(command: str, env: dict[str, str], log: Path):
    """Run a Procfile-style command (through `sh -c exec`, as platforms do); always stop it."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["sh", "-c", f"exec {command}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        stop(proc, grace=20, session=True)


def get(port: int, path: str, headers: dict[str, str] | None = None):
    """One GET without following redirects; returns (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def wait_until_serving(proc: subprocess.Popen, port: int, log: Path, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the server exited {proc.returncode}:\n{log.read_text()}"
        try:
            get(port, "/healthz", {"Host": host})
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer within 30 s:\n{log.read_text()}")


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1].strip() + " "
            continue
        current += line
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def healthcheck_command() -> list[str]:
    (arguments,) = [args for keyword, args in dockerfile_instructions() if keyword == "HEALTHCHECK"]
    return json.loads(arguments[arguments.index("CMD") + len("CMD") :].strip())


def app_toml() -> dict:
    with (ROOT / "shopify.app.toml").open("rb") as f:
        return tomllib.load(f)


# --- gunicorn and whitenoise --------------------------------------------------------------------------


@pytest.mark.slow
def test_gunicorn_serves_the_app_with_production_settings(tmp_path):
    port = free_port()
    env = production_env(tmp_path, port)
    static_root = with_temp_static_root(env, tmp_path)
    run(["python", "manage.py", "migrate", "--noinput"], env)
    run(["python", "manage.py", "collectstatic", "--noinput"], env)
    manifest = json.loads((static_root / "staticfiles.json").read_text())

    probe = run(
        [
            "python",
            "-c",
            "import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps([s.DEBUG, s.MIDDLEWARE, s.STORAGES['staticfiles']['BACKEND']]))",
        ],
        env,
    )
    debug, middleware, storage = json.loads(probe.stdout)
    assert debug is False
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") == 1  # right after security
    assert storage == "integration_app.storage.StaticFilesStorage"  # WhiteNoise's manifest storage

    log = tmp_path / "gunicorn.log"
    with process("gunicorn -c gunicorn.conf.py integration_app.wsgi", env, log) as proc:
        wait_until_serving(proc, port, log)

        status, headers, body = get(port, "/healthz")
        assert status == 200
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"database": "ok", "queue": "ok"}

        status, headers, _ = get(port, "/?shop=x.myshopify.com")
        assert status in (200, 302)
        assert headers["Content-Security-Policy"] == (
            "frame-ancestors https://x.myshopify.com https://admin.shopify.com;"
        )
        assert "X-Frame-Options" not in headers
        assert "Strict-Transport-Security" not in headers  # http APP_URL: no HTTPS hardening

        # A collected static file through whitenoise: hashed names are cached for ever.
        if manifest["paths"]:
            paths = sorted(
                manifest["paths"].items(), key=lambda item: not item[0].startswith("integration_app/")
            )
            original, hashed = paths[0]  # the app's own static files first
            status, headers, _ = get(port, f"/static/{hashed}")
            assert status == 200
            assert "immutable" in headers["Cache-Control"]
            assert get(port, f"/static/{original}")[0] == 200

        # The Dockerfile's HEALTHCHECK probes this server as it would inside the container.
        run(healthcheck_command(), env)

    output = log.read_text()
    assert '"logger": "gunicorn.error"' in output  # gunicorn's own lines are JSON on stdout too
    assert '"logger": "integration_app.requests"' in output
    assert "x.myshopify.com HTTP" not in output  # no access line carrying a query string
    assert ".env not found" not in output  # the optional .env file is not reported missing at each start


@pytest.mark.slow
def test_https_app_url_behind_a_proxy(tmp_path):
    """With APP_URL https, a request the proxy marks `X-Forwarded-Proto: https` is served with HSTS and
    Secure cookies, a plain one is redirected to https, and /healthz answers either way."""
    port = free_port()
    host = "cin7-sync.example.com"
    env = production_env(tmp_path, port, APP_URL=f"https://{host}", ALLOWED_HOSTS="")
    run(["python", "manage.py", "migrate", "--noinput"], env)

    log = tmp_path / "gunicorn.log"
    with process("gunicorn -c gunicorn.conf.py integration_app.wsgi", env, log) as proc:
        wait_until_serving(proc, port, log, host=host)
        run(healthcheck_command(), env)  # sends Host: <APP_URL host>, no X-Forwarded-Proto

        status, headers, _ = get(port, "/?shop=x.myshopify.com", {"Host": host})
        assert status == 301
        assert headers["Location"] == f"https://{host}/?shop=x.myshopify.com"

        proxied = {"Host": host, "X-Forwarded-Proto": "https"}
        status, headers, _ = get(port, "/?shop=x.myshopify.com", proxied)
        assert status in (200, 302)
        assert "max-age=31536000" in headers["Strict-Transport-Security"]

        status, headers, _ = get(port, "/auth/install?shop=x.myshopify.com", proxied)
        assert status == 302
        cookies = headers.get_all("Set-Cookie")
        assert cookies
        assert all("Secure" in cookie for cookie in cookies)


# --- Procfile -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_procfile_processes_start(tmp_path):
    entries = procfile()
    assert {"release", "web", "worker"} <= set(entries)
    port = free_port()
    env = production_env(tmp_path, port)

    run(entries["release"], env)
    run(["python", "manage.py", "migrate", "--check"], env)  # nothing left unapplied

    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    with process(entries["web"], env, web_log) as web:
        wait_until_serving(web, port, web_log)
        status, _, body = get(port, "/healthz")
        assert status == 200, body

        with process(entries["worker"], env, worker_log) as worker:
            # The cluster takes a task from the database broker and runs it.
            run(
                [
                    "python",
                    "-c",
                    "import django; django.setup(); from django_q.tasks import async_task; "
                    "async_task('math.sqrt', 16, task_name='prodtest')",
                ],
                env,
            )
            done = False
            deadline = time.monotonic() + 30
            while not done and time.monotonic() < deadline:
                assert worker.poll() is None, f"qcluster exited:\n{worker_log.read_text()}"
                time.sleep(1)
                result = run(
                    [
                        "python",
                        "-c",
                        "import django; django.setup(); from django_q.models import Success; "
                        "print(Success.objects.filter(name='prodtest').exists())",
                    ],
                    env,
                )
                done = result.stdout.strip() == "True"
            assert done, f"the worker did not run the task:\n{worker_log.read_text()}"
            assert worker.poll() is None
            assert stop(worker, grace=20, session=True) == 0, worker_log.read_text()

        status, _, _ = get(port, "/healthz")
        assert status == 200
    assert web.returncode == 0, web_log.read_text()


# --- check --deploy -----------------------------------------------------------------------------------


def test_check_deploy_is_clean_in_production(tmp_path):
    env = production_env(tmp_path, 443, APP_URL="https://cin7-sync.example.com", ALLOWED_HOSTS="")
    env.pop("PORT")
    assert len(env["SECRET_KEY"]) == 60
    result = run(["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert "no issues" in result.stdout + result.stderr


# --- shopify.app.toml ---------------------------------------------------------------------------------


def test_app_toml_agrees_with_settings_and_routes():
    config = app_toml()
    assert config["client_id"] and config["name"]
    assert config["embedded"] is True
    assert config["pos"]["embedded"] is False
    assert isinstance(config["build"]["automatically_update_urls_on_dev"], bool)
    assert config["build"]["include_config_on_deploy"] is True

    app_url = urlsplit(config["application_url"])
    assert app_url.scheme == "https" and app_url.hostname and app_url.path in ("", "/")

    scopes = {scope.strip() for scope in config["access_scopes"]["scopes"].split(",")}
    assert scopes == {scope.strip() for scope in settings.SHOPIFY_SCOPES.split(",")}

    (redirect_url,) = config["auth"]["redirect_urls"]
    redirect = urlsplit(redirect_url)
    assert (redirect.scheme, redirect.hostname) == ("https", app_url.hostname)
    match = resolve(redirect.path)
    assert match.func is oauth.callback and match.url_name == "callback"

    webhook_config = config["webhooks"]
    assert webhook_config["api_version"] == settings.SHOPIFY_API_VERSION
    topics, compliance_topics = set(), set()
    for subscription in webhook_config["subscriptions"]:
        uri = urlsplit(subscription["uri"])
        if uri.scheme:  # absolute URIs must point at this app; relative ones resolve against it
            assert (uri.scheme, uri.hostname) == ("https", app_url.hostname)
        match = resolve(uri.path)
        assert match.func is webhooks.shopify_webhook and match.url_name == "shopify_webhook"
        topics |= set(subscription.get("topics", []))
        compliance_topics |= set(subscription.get("compliance_topics", []))
    assert compliance_topics == COMPLIANCE_TOPICS
    assert topics == {"app/uninstalled"}
    assert topics | compliance_topics == HANDLED_TOPICS


# --- Dockerfile, .dockerignore, compose.yaml, .env.example ---------------------------------------------


def test_dockerfile_runs_the_procfile_commands(tmp_path):
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")

    runs = [args for keyword, args in instructions if keyword == "RUN"]
    assert any(args.endswith("pip install .") for args in runs)
    assert not any("SECRET_KEY" in args for keyword, args in instructions if keyword == "ENV")

    # The processes run as a non-root user, set after the last build step.
    (user,) = [args for keyword, args in instructions if keyword == "USER"]
    assert user not in ("root", "0")
    assert keywords.index("USER") > max(i for i, keyword in enumerate(keywords) if keyword == "RUN")

    (cmd,) = [args for keyword, args in instructions if keyword == "CMD"]
    assert json.loads(cmd) == shlex.split(procfile()["web"])
    assert "/healthz" in " ".join(healthcheck_command())
    for path in ("manage.py", "gunicorn.conf.py", "pyproject.toml"):
        assert (ROOT / path).is_file()

    env = production_env(tmp_path, 8000)
    # The cached dependency layer installs exactly the project's dependencies.
    (dependencies_step,) = [args for args in runs if "requirements.txt" in args]
    listed = run(dependencies_step.split(" > ")[0], env).stdout.split()
    assert listed == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]

    # The build-time collectstatic, exactly as written, succeeds with only its throwaway values.
    (collectstatic,) = [args for args in runs if "collectstatic" in args]
    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "SHOPIFY_API_KEY", "SHOPIFY_API_SECRET"):
        del env[name]
    static_root = with_temp_static_root(env, tmp_path)
    run(collectstatic, env)
    assert (static_root / "staticfiles.json").is_file()


def test_dockerignore_keeps_what_the_image_needs():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(name: str) -> bool:
        result = False
        for pattern in patterns:
            negated = pattern.startswith("!")
            if fnmatch(name, pattern.lstrip("!")):
                result = not negated
        return result

    needed_files = ["manage.py", "gunicorn.conf.py", "pyproject.toml", "Procfile", "shopify.app.toml"]
    for needed in [*needed_files, "integration_app", "connectors", "syncs", "templates"]:
        assert not ignored(needed), needed
    for secret_or_local in (".env", ".git", ".venv", "db.sqlite3", "staticfiles"):
        assert ignored(secret_or_local), secret_or_local


def test_compose_runs_web_and_worker_from_one_image():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "db", "redis"} <= set(services)
    web, worker = services["web"], services["worker"]
    assert web["build"] == worker["build"] == "."
    assert web["image"] == worker["image"]

    commands = procfile()
    assert "command" not in web  # the image's CMD, which is the Procfile's web command
    assert worker["command"] == shlex.split(commands["worker"])
    assert services["release"]["command"] == shlex.split(commands["release"])
    for service in (web, worker):
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert service["depends_on"]["release"] == {"condition": "service_completed_successfully"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_env_example_names_every_setting():
    text = (ROOT / ".env.example").read_text()
    names = {
        line.lstrip("# ").partition("=")[0]
        for line in text.splitlines()
        if "=" in line and line.lstrip("# ").partition("=")[0].isupper()
    }
    assert set(CONTRACT_VARIABLES) <= names
    assert f"SHOPIFY_SCOPES={settings.SHOPIFY_SCOPES}\n" in text
    assert f"SHOPIFY_API_VERSION={settings.SHOPIFY_API_VERSION}\n" in text


def test_deploy_guide_covers_every_setting():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert "\n## Upgrades\n" in guide  # the API version system check points there
    missing = [name for name in CONTRACT_VARIABLES if f"`{name}`" not in guide]
    assert not missing
