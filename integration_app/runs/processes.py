"""Which process runs a sync, and whether it is knowably gone (contract §4 "a run whose process is gone
frees the shop at once when that is knowable").

A process is named by its host and pid, and by its start: "<scope>:<ticks>", where the scope is the boot
id and the pid namespace (the pids a process can see) and the ticks are its start time since boot
(`/proc/<pid>/stat` field 22, see proc(5)). A pid the kernel reused for another process has another
start, so it never passes for the run's process. Only a process of this host and scope can be checked
(containers sharing a hostname have their own pid namespaces); where `/proc` is missing (not Linux)
nothing is judged gone, and the heartbeat lease decides.
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


def _scope() -> str:
    """This boot of this machine and this pid namespace, or "" when they cannot be read."""
    try:
        boot = (PROC / "sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink(PROC / "self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return ""
    return f"{boot}:{namespace.removeprefix('pid:[').removesuffix(']')}"


def process_start(pid: int) -> str | None:
    """The start of the live process `pid` in this scope, None when there is no such process, "" when
    this system cannot tell."""
    scope = _scope()
    if not scope:
        return ""
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the pid exists
    except ProcessLookupError:
        return None
    except PermissionError:  # another user's process
        pass
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:  # hidden (/proc mounted with hidepid) or ended just now: the lease decides
        return ""
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": the comm may hold spaces
    if fields[0] in GONE_STATES:
        return None
    return f"{scope}:{fields[19]}"  # field 22 of the line, the 20th after the comm


def current_process() -> ProcessId:
    pid = os.getpid()
    return ProcessId(socket.gethostname(), pid, process_start(pid) or "")


def is_gone(host: str, pid: int | None, start: str) -> bool:
    """True only when the process ran on this host, in this scope, and no longer runs (or its pid now
    names another process)."""
    scope = _scope()
    if host != socket.gethostname() or not pid or not scope or start.rpartition(":")[0] != scope:
        return False
    alive = process_start(pid)
    return alive is None or (alive != "" and alive != start)
