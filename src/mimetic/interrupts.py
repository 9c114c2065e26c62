"""Stop signals (SIGINT, SIGTERM, SIGHUP): when they interrupt work, and when they wait for the result.

A run that has written its first bundle must end with a result document that names it. While its work
runs, a stop signal raises KeyboardInterrupt (`signals_interrupt`), so lanes stop and the run concludes
`interrupted`. Around that work the run holds the signals (`signals_held`): from the moment the work
ends until the command has printed its result, a stop signal does nothing, so a Ctrl-C that lands just
as the run finishes (or a second one) cannot cut the bundle or the result short. Inside a command
(`command_scope`) the hold outlasts the run's own block until the command's output is out.

All handlers are Python functions, never SIG_IGN: a program started meanwhile (a browser for `--open`)
gets the default dispositions back at exec instead of inheriting an ignored Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

Handler = Callable[[int, Any], Any]
_in_command = False
_stopped = False


def exit_quietly(signum, frame):  # noqa: ARG001 - signal handler signature
    """Ctrl-C before a command's body runs (imports, option parsing: seconds on a loaded machine) finds nothing
    to settle: the process ends at once with 130. Not an exception: raised inside an extension module's work
    (pydantic building a model's validator during an import) one came out as another error and a traceback."""
    os._exit(130)


def ctrl_c_raises() -> None:
    """From here on (a command's body, which settles it) Ctrl-C raises KeyboardInterrupt."""
    if _main_thread():
        signal.signal(signal.SIGINT, _raise_interrupt)


def stop_requested() -> bool:
    """Whether a stop signal raised KeyboardInterrupt in this command, even if code it passed through turned it
    into another exception (an extension module's error, a library's own)."""
    return _stopped


def _raise_interrupt(signum, frame):  # noqa: ARG001 - signal handler signature
    global _stopped
    _stopped = True
    raise KeyboardInterrupt


def _hold(signum, frame):  # noqa: ARG001 - signal handler signature
    pass


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _install(handlers: dict[int, Any]) -> dict[int, Any]:
    return {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}


def stop_signals(handler: Handler, signals: tuple[int, ...] = STOP_SIGNALS) -> contextlib.AbstractContextManager[None]:
    """While the block runs (main thread only), `signals` go to `handler`; the previous handlers come back after."""
    return _handled(handler, signals, restore=lambda: True)


def signals_interrupt(signals: tuple[int, ...] = STOP_SIGNALS) -> contextlib.AbstractContextManager[None]:
    """A stop signal raises KeyboardInterrupt, so a terminated run stops its work the way Ctrl-C does."""
    return stop_signals(_raise_interrupt, signals)


def signals_held(signals: tuple[int, ...] = STOP_SIGNALS) -> contextlib.AbstractContextManager[None]:
    """Stop signals do nothing while the block runs; inside a command they keep doing nothing after it, until
    the command has printed its result (`command_scope` restores them). Nest `signals_interrupt` inside for the
    interruptible part: between the two no signal finds a default handler."""
    return _handled(_hold, signals, restore=lambda: not _in_command)


@contextlib.contextmanager
def _handled(handler: Handler, signals: tuple[int, ...], *, restore: Callable[[], bool]) -> Iterator[None]:
    if not _main_thread():
        yield
        return
    previous = _install(dict.fromkeys(signals, handler))
    try:
        yield
    finally:
        if restore():
            _install(previous)


@contextlib.contextmanager
def command_scope(*, restore: bool = True) -> Iterator[None]:
    """One command, from its start until its output is printed (nested scopes are part of the outer one).

    `restore=False` is for the process's own entry point, which exits right after: held signals then stay
    held through the exit itself, so not even the unwinding to it can turn a printed result into an abort."""
    global _in_command, _stopped
    if not _main_thread() or _in_command:
        yield
        return
    found = {sig: handler for sig in STOP_SIGNALS if (handler := signal.getsignal(sig)) is not None}
    _in_command, _stopped = True, False
    try:
        yield
    finally:
        _in_command = False
        if restore:
            _install(found)


@contextlib.contextmanager
def commands_in_turn() -> Iterator[None]:
    """A process that runs many commands one after another (the lane server, lanes/server.py): inside the block
    each command is a scope of its own, whose held signals come back when its output is out."""
    global _in_command
    outer, _in_command = _in_command, False
    try:
        yield
    finally:
        _in_command = outer
