"""One long-lived mimetic process per lane (`mimetic lane serve`): the bootstrap's nested steps run in it.

A fresh `python -m mimetic` per step (init, plan, probe, proof, verify, Observer, completion) spent as much
CPU starting Python as the steps' own work. The bootstrap starts this server once, inside the lane (the
same sandbox, the same environment its steps had), and runs each step through a small bash client that it
writes beside the server's two FIFOs (`start_lane_server` in bootstrap.sh):

    <folder>/requests   the client writes `<pid>\\0<argc>\\0<arg>\\0…`: its own pid and the step's arguments
    <folder>/answers    the server answers `<pid> start`, then `<pid> <exit code>` when the step is done
                        (`<pid> fallback` when it cannot adopt the client's streams: the client runs the step
                        as its own process then)

The server runs a step as the client would have run it: with the client's environment, working directory
and standard streams (`/proc/<pid>/environ`, `cwd` and `fd/0-2`: a `$(…)` capture, a `>>log` or a fresh
`>file` redirect gets the same bytes; a stream it cannot write alike, such as a file written from its middle
or a socket, makes the client run that step as its own process), then puts its own back. Steps run one at a time, in order. A step that was stopped by
a signal (exit 130) ends the server after its answer, as it would have ended a fresh process, and so does
the end of the bootstrap (the server's parent, named by `--parent`: PR_SET_PDEATHSIG, and a check that it
had not already gone before that was set). When the server is gone the client
runs the step as its own process (not yet started) or fails with a clear message (started): it never waits
on a dead server. The server holds no more than the steps did: the lane's environment, never a key (the
bootstrap unsets them before it starts the server, and the setup actor, which takes a credential, runs as
its own process).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REQUESTS = "requests"
ANSWERS = "answers"
INTERRUPTED = 130
MAX_ARGS = 4096  # a step's arguments (the bootstrap's longest has 12); more is not a request the client wrote
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Request:
    pid: int
    argv: list[str]


def read_requests(fd: int) -> Iterator[Request]:
    """Requests from the FIFO, in order: `<pid>\\0<argc>\\0` then argc NUL-terminated arguments."""
    buffer = b""
    fields: list[bytes] = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        buffer += chunk
        *done, buffer = buffer.split(b"\0")
        fields.extend(done)
        while len(fields) >= 2:
            try:
                pid, argc = int(fields[0]), int(fields[1])
            except ValueError:
                pid = argc = -1
            if pid <= 0 or not 0 <= argc <= MAX_ARGS:  # not a request this protocol wrote: skip a field, resynchronise
                del fields[0]
                continue
            if len(fields) < 2 + argc:
                break
            argv = [os.fsdecode(arg) for arg in fields[2:2 + argc]]
            del fields[:2 + argc]
            yield Request(pid, argv)


class AdoptedClient:
    """The client's environment, working directory and standard streams, taken on for one step."""

    def __init__(self, pid: int):
        proc = Path("/proc") / str(pid)
        raw = (proc / "environ").read_bytes()
        self.environ = dict(os.fsdecode(item).split("=", 1) for item in raw.split(b"\0") if b"=" in item)
        self.cwd = os.readlink(proc / "cwd")
        self.streams: list[int] = []
        try:
            for number, flags in ((0, os.O_RDONLY), (1, os.O_WRONLY | os.O_APPEND), (2, os.O_WRONLY | os.O_APPEND)):
                self.streams.append(os.open(proc / "fd" / str(number), flags | os.O_CLOEXEC))
                if number and not _appends_alike(proc, number, self.streams[-1]):
                    raise OSError(f"fd {number} of {pid} is a file written from its middle")
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        for fd in self.streams:
            os.close(fd)
        self.streams = []

    def run(self, step: Callable[[], int]) -> int:
        saved_environ, saved_cwd = dict(os.environ), os.getcwd()
        saved_streams = [os.dup(number) for number in (0, 1, 2)]
        _flush()
        try:
            for number, fd in enumerate(self.streams):
                os.dup2(fd, number)
            os.environ.clear()
            os.environ.update(self.environ)
            os.chdir(self.cwd)
            return step()
        finally:
            _flush()
            for number, fd in enumerate(saved_streams):
                os.dup2(fd, number)
                os.close(fd)
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_environ)
            self.close()


def command_path(argv: list[str]) -> str:
    """The command a step ran (`lane probe`, `run`), for the lane log: its leading words, never its values."""
    words = []
    for arg in argv:
        if arg.startswith("-") or len(words) == 2:
            break
        words.append(arg)
    return " ".join(words) or " ".join(argv[:1])


def _appends_alike(proc: Path, number: int, fd: int) -> bool:
    """Whether writing through our own open of the client's stream (appending) lands where the client's would.

    Reopening by /proc makes a new file offset: right for pipes, `>>` files and a fresh `>file` (empty, at 0), not
    for a file the client writes at some position of its own, which then runs the step as its own process."""
    import stat

    if not stat.S_ISREG(os.fstat(fd).st_mode):
        return True
    info = dict(line.split(":", 1) for line in (proc / "fdinfo" / str(number)).read_text().splitlines() if ":" in line)
    if int(info["flags"].strip(), 8) & os.O_APPEND:
        return True
    return int(info["pos"]) == 0 and os.fstat(fd).st_size == 0


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a step may close or break its stream; the next one gets fresh fds
            pass


def end_with_parent(parent: int) -> bool:
    """Ask the kernel to stop this process when its parent (the bootstrap) ends, however it ends (Linux only);
    False when that parent has already gone (before this process got here)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    return os.getppid() == parent


def serve(folder: Path, run_step: Callable[[list[str]], int], *, parent: int) -> None:
    """Answer the lane's steps one at a time until a step is interrupted, the process is stopped or `parent` (the
    bootstrap that started it) ends."""
    import signal

    if not end_with_parent(parent):
        return
    if hasattr(signal, "SIGQUIT"):  # bash starts a background job with it ignored; a step in its own process was not
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    # Read-write opens never block on a FIFO and never see end-of-file or SIGPIPE: a client that went away
    # mid-request cannot wedge or kill the server.
    requests = os.open(folder / REQUESTS, os.O_RDWR | os.O_CLOEXEC)
    answers = os.open(folder / ANSWERS, os.O_RDWR | os.O_CLOEXEC)
    for request in read_requests(requests):
        try:
            client = AdoptedClient(request.pid)
        except OSError:  # the client is gone, or a stream of it cannot be reopened (a socket): it runs the step
            os.write(answers, f"{request.pid} fallback\n".encode())
            continue
        os.write(answers, f"{request.pid} start\n".encode())
        code = client.run(lambda: run_step(request.argv))
        os.write(answers, f"{request.pid} {code}\n".encode())
        print(f"[mimetic-lane server] {command_path(request.argv)}: exit {code}", file=sys.stderr, flush=True)
        if code == INTERRUPTED:
            return
