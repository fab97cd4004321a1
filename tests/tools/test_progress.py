"""The one progress display: rich on a terminal, plain lines in a log."""
import io

from changefine_mm.apis.progress import WindowProgress


class Terminal(io.StringIO):

    def isatty(self) -> bool:
        return True


def test_terminal_gets_a_rich_bar_and_log_plain_lines():
    terminal = Terminal()
    bar = WindowProgress(4, stream=terminal, unit='pairs')
    for _ in range(4):
        bar.update(1)
    bar.close()
    assert '4/4' in terminal.getvalue() and 'pairs/s' in terminal.getvalue()
    log = io.StringIO()
    bar = WindowProgress(4, stream=log, unit='pairs', interval=0)
    bar.update(4)
    bar.close()
    assert log.getvalue().startswith('4/4 pairs | ')
    assert '\r' not in log.getvalue()
    off = Terminal()
    WindowProgress(4, enabled=False, stream=off).update(4)
    assert off.getvalue() == ''
