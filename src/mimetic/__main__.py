import signal
import sys

# A Ctrl-C that lands while the CLI is still importing (seconds on a loaded machine) finds no run to
# settle: exit 130 quietly instead of printing a KeyboardInterrupt traceback from deep inside an import.
signal.signal(signal.SIGINT, lambda signum, frame: sys.exit(130))
from mimetic.cli import main  # noqa: E402 - after the handler, on purpose

main()  # keeps exiting quietly until a command's body runs (mimetic.interrupts.ctrl_c_raises)
