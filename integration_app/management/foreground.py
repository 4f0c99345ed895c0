"""What long-running commands (`sandbox`, `demo`, `bench_*`) share: each line reaches a pipe as it is
printed, and SIGINT or SIGTERM stops them cleanly."""

import signal
import sys
import time
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def flush_each_line() -> None:
    """Line-buffer stdout and stderr: behind a pipe (`| tee`, a process manager, a test) Python buffers
    whole blocks, which would hold back start-up lines (URLs, credentials) and progress."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)


@contextmanager
def stop_on_signals():
    """Within the block, SIGINT and SIGTERM raise KeyboardInterrupt in the main thread, so `finally`
    clauses close servers. Installed explicitly: a command started with SIGINT ignored (a background
    job, `nohup`, some CI runners) still stops, and SIGTERM no longer kills it without clean-up."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, interrupt) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def wait_for_stop() -> None:
    """Block until SIGINT or SIGTERM raises KeyboardInterrupt (inside `stop_on_signals`). Short sleeps:
    the kernel may deliver the signal to a server thread, and Python runs the handler in the main thread
    only when that thread next wakes, so one long sleep could hold the stop back for its whole length."""
    while True:
        time.sleep(0.25)
