"""tools/analysis_tools/plot_curves.py on a small scalars.json."""
import json

import cv2
import pytest

from conftest import load_tool


def _write_log(folder):
    run = folder / '20260101_000000' / 'vis_data'
    run.mkdir(parents=True)
    lines = [dict(lr=0.01, loss=1.0 / it, **{'decode.loss_ce': 0.5 / it},
                  time=0.1, iter=it, step=it) for it in range(1, 11)]
    lines.insert(5, dict(F1=40.0, IoU=25.0, time=0.2, step=5))
    lines.append(dict(F1=60.0, IoU=43.0, time=0.2, step=10))
    (run / 'scalars.json').write_text(
        '\n'.join(json.dumps(line) for line in lines) + '\n')
    return run / 'scalars.json'


def test_split_and_plot(tmp_path, capsys):
    tool = load_tool('analysis_tools', 'plot_curves.py')
    scalars = _write_log(tmp_path)
    assert tool.find_scalars(str(tmp_path)) == str(scalars)
    train, val = tool.read_scalars(str(scalars))
    assert sorted(train) == ['decode.loss_ce', 'loss']  # lr, time skipped
    assert val['F1'] == ([5, 10], [40.0, 60.0])
    html = tmp_path / 'curves.html'
    written = tool.main([str(tmp_path), '--html', str(html)])
    png = cv2.imread(written[0])
    assert png is not None and png.shape[0] > 200
    assert 'F1 (val)' in html.read_text()
    assert f'wrote {written[0]} and {html}' in capsys.readouterr().out
    with pytest.raises(KeyError, match="no key 'mIoU'"):
        tool.main([str(scalars), '--keys', 'mIoU'])
    with pytest.raises(FileNotFoundError, match='no scalars.json'):
        tool.main([str(tmp_path / 'nothing')])
