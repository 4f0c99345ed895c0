"""Which process runs a sync, and whether it is knowably gone (contract §4 "a run whose process is gone
frees the shop at once when that is knowable").

A process is named by its host, its pid and its start: the boot id and the start time in clock ticks
since boot (`/proc/<pid>/stat` field 22, see proc(5)). A pid the kernel reused for another process has
another start, so it never passes for the run's process. Only a process on this host can be checked;
where `/proc` is missing (not Linux) nothing is judged gone and the heartbeat lease decides.
"""

import os
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
GONE_STATES = ("Z", "X", "x")  # zombie (killed, not yet reaped), dead


@dataclass(frozen=True)
class ProcessId:
    host: str
    pid: int
    start: str  # "" when unknown: such a process is never judged gone


def _boot_id() -> str:
    try:
        return (PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def process_start(pid: int) -> str | None:
    """The start of the live process `pid` ("<boot id>:<ticks>"), None when there is no such process,
    "" when this system cannot tell."""
    if not (PROC / "self/stat").exists():
        return ""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return ""
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": the comm may hold spaces
    if fields[0] in GONE_STATES:
        return None
    return f"{_boot_id()}:{fields[19]}"  # field 22 of the line, the 20th after the comm


def current_process() -> ProcessId:
    pid = os.getpid()
    return ProcessId(socket.gethostname(), pid, process_start(pid) or "")


def is_gone(host: str, pid: int | None, start: str) -> bool:
    """True only when the process ran on this host and no longer runs (or its pid now names another)."""
    if host != socket.gethostname() or not pid or not start:
        return False
    alive = process_start(pid)
    return alive != "" and alive != start  # None (no such process) differs from any start
