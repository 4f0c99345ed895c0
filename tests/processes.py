"""Child processes in tests: a Python child run to its end, output read with a deadline, a stop that cannot
hang, a plain environment."""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def run_python(
    *args: str, env: dict, timeout: float = 120, stdin: str | None = None, must_succeed: bool = True
) -> subprocess.CompletedProcess:
    """`python *args` in the project directory (a `manage.py` command, `-m module` or `-c script`), run to
    its end with its output captured as text. Unless told otherwise it must exit 0; the assertion shows
    the end of what it printed."""
    command = [sys.executable, *args]
    done = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, input=stdin, capture_output=True, text=True, timeout=timeout
    )
    if must_succeed:
        assert done.returncode == 0, f"exit {done.returncode}\n{(done.stdout + done.stderr)[-3000:]}"
    return done


def last_json_line(output: str):
    """The JSON value a child printed on its last line of output (the report of a test script)."""
    return json.loads(output.strip().splitlines()[-1])


def plain_env(home, **variables) -> dict[str, str]:
    """A newcomer's shell: PATH, HOME, LANG and nothing the caller happens to export (no
    PYTHONUNBUFFERED, no DJANGO_*), plus `variables`."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    return {**base, **variables}


class LineReader:
    """Reads a child's stdout on a thread, so waiting for a line has a deadline even when the child
    prints nothing (a blocking `readline()` would wait forever)."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        """The first match of `pattern` in the output so far, waiting at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not (found := re.search(pattern, self.text)):
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(remaining, 0)) if remaining > 0 else None
            except queue.Empty:
                line = None
            if line is None:
                raise AssertionError(f"no {pattern!r} within {timeout} s; output so far:\n{self.text}")
            self.lines.append(line)
        return found

    def rest(self, timeout: float = 5) -> str:
        """All output up to the end of the stream (the child has exited), waiting at most `timeout`."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return self.text


def stop(process: subprocess.Popen, grace: float = 5, *, session: bool = False) -> int:
    """SIGTERM, then SIGKILL after `grace` seconds (with `session`, to the whole session the process leads:
    one started with `start_new_session=True`, and only it); returns the exit code. Safe to call twice."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            if session:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
            process.wait(5)
    return process.returncode
