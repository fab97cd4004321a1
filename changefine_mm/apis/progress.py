"""A one-line progress report in windows/s with an ETA."""
import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f'{hours}:{rest // 60:02d}:{rest % 60:02d}'


class WindowProgress:
    """Print ``done/total windows | rate windows/s | elapsed | ETA``.

    On a terminal the line is rewritten in place (carriage return) at most
    every ``interval`` seconds; in a log file a new line is written at
    most every ``10 * interval`` seconds. A last line is written when
    closed.

    Args:
        total (int): Number of windows.
        enabled (bool): False makes every call a no-op (other ranks).
        interval (float): Seconds between terminal refreshes.
        stream (TextIO): Where to print. Defaults to stderr.
    """

    def __init__(self,
                 total: int,
                 enabled: bool = True,
                 interval: float = 0.5,
                 stream: TextIO = None) -> None:
        self.total = total
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, 'isatty') and self.stream.isatty()
        self.interval = interval if self.tty else 10 * interval
        self.done = 0
        self.start = time.time()
        self.last_print = 0.0
        self.printed = -1  # `done` when the line was last written

    def text(self) -> str:
        """The current progress line."""
        elapsed = max(time.time() - self.start, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f'{self.done}/{self.total} windows | {rate:.2f} windows/s | '
                f'elapsed {_clock(elapsed)} | ETA {_clock(eta)}')

    def update(self, count: int) -> None:
        """Record ``count`` more finished windows.

        Args:
            count (int): Windows just finished.
        """
        self.done += count
        now = time.time()
        if self.enabled and now - self.last_print >= self.interval:
            self.last_print, self.printed = now, self.done
            line = '\r' + self.text() if self.tty else self.text() + '\n'
            self.stream.write(line)
            self.stream.flush()

    def close(self) -> None:
        """End the line on a terminal; in a log, add the final count."""
        if not self.enabled:
            return
        if self.tty:
            self.stream.write('\r' + self.text() + '\n')
        elif self.printed != self.done:
            self.stream.write(self.text() + '\n')
        self.stream.flush()
