"""tools/analysis_tools/scene_panel.py: a titled panel, or a clear error."""
import sys

import cv2
import pytest

from changefine_mm.apis.demo_scene import write_demo_scene
from changefine_mm.visualization.change_visualizer import TP_COLOUR
from conftest import load_tool


def _run(monkeypatch, *args):
    tool = load_tool('analysis_tools', 'scene_panel.py')
    monkeypatch.setattr(sys, 'argv', ['scene_panel.py', *args])
    tool.main()


def test_panel_with_legend_and_missing_folder_error(tmp_path, monkeypatch,
                                                    capsys):
    path_a, path_b, label = write_demo_scene(str(tmp_path), 96, 96, tile=32)
    out = tmp_path / 'panel.png'
    _run(monkeypatch, path_a, path_b, label, '--label', label, '-o',
         str(out), '--height', '64')
    panel = cv2.imread(str(out))[..., ::-1]
    assert panel.shape[0] > 64 + 28  # titles above, legend below
    body = panel[28:28 + 64]
    assert (body == TP_COLOUR).all(-1).any()  # the label as mask: all TP
    assert f'wrote {out}' in capsys.readouterr().out
    missing = tmp_path / 'no_such_folder' / 'panel.png'
    with pytest.raises(SystemExit) as exc:
        _run(monkeypatch, path_a, path_b, label, '-o', str(missing))
    assert str(exc.value.code).startswith(f'error: cannot write {missing}')
    assert 'wrote' not in capsys.readouterr().out
