"""The one progress display of the package's long loops.

On a terminal it is a ``rich`` progress bar (installed with mmengine);
in a log file or a pipe, where a redrawn bar would be a mess of carriage
returns, it is a plain ``done/total unit | rate | elapsed | ETA`` line
every few seconds.
"""
import sys
import time
from typing import Optional, TextIO


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f'{hours}:{rest // 60:02d}:{rest % 60:02d}'


def _rich_bar(total: int, unit: str, stream: TextIO):
    """A started ``rich`` progress display and its task id."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                               ProgressColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Finished items per second."""

        def render(self, task) -> Text:
            return Text(f'{task.speed or 0:.2f} {unit}/s')

    bar = Progress(MofNCompleteColumn(), BarColumn(), RateColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(),
                   console=Console(file=stream))
    bar.start()
    return bar, bar.add_task(unit, total=total)


class WindowProgress:
    """Progress of ``total`` items (windows, pairs, ...).

    Args:
        total (int): Number of items.
        enabled (bool): False makes every call a no-op (other ranks,
            ``--no-progress``).
        interval (float): Seconds between log lines (times 10) when the
            stream is not a terminal.
        stream (TextIO): Where to print. Defaults to stderr.
        unit (str): What is counted. Defaults to 'windows'.
    """

    def __init__(self,
                 total: int,
                 enabled: bool = True,
                 interval: float = 0.5,
                 stream: Optional[TextIO] = None,
                 unit: str = 'windows') -> None:
        self.total = total
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.unit = unit
        self.interval = 10 * interval
        self.done = 0
        self.start = time.time()
        self.last_print = 0.0
        self.printed = -1  # `done` when the line was last written
        tty = hasattr(self.stream, 'isatty') and self.stream.isatty()
        self._rich = _rich_bar(total, unit, self.stream) \
            if enabled and tty else None

    def text(self) -> str:
        """The current progress line."""
        elapsed = max(time.time() - self.start, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f'{self.done}/{self.total} {self.unit} | {rate:.2f} '
                f'{self.unit}/s | elapsed {_clock(elapsed)} | '
                f'ETA {_clock(eta)}')

    def update(self, count: int) -> None:
        """Record ``count`` more finished items.

        Args:
            count (int): Items just finished.
        """
        self.done += count
        if self._rich is not None:
            bar, task = self._rich
            bar.advance(task, count)
            return
        now = time.time()
        if self.enabled and now - self.last_print >= self.interval:
            self.last_print, self.printed = now, self.done
            self.stream.write(self.text() + '\n')
            self.stream.flush()

    def close(self) -> None:
        """Finish the bar; in a log, add the final count."""
        if self._rich is not None:
            self._rich[0].stop()
        elif self.enabled and self.printed != self.done:
            self.stream.write(self.text() + '\n')
            self.stream.flush()
