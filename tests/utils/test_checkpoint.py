"""Safe checkpoint loading rules."""
import collections

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

from changefine_mm.utils import (CheckpointError, load_checkpoint_file,
                                 set_checkpoint_trust)
from changefine_mm.utils.checkpoint import (TRUST_ENV, from_plain_data,
                                            to_plain_data)


class Opaque:
    """A class that only full unpickling can restore."""

    def __init__(self, value):
        self.value = value


@pytest.fixture
def unsafe_file(tmp_path):
    path = tmp_path / 'unsafe.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'extra': Opaque(3)},
               path)
    return str(path)


def test_tensors_load_weights_only(tmp_path):
    path = tmp_path / 'plain.pth'
    torch.save({'state_dict': collections.OrderedDict(w=torch.ones(2))},
               path)
    assert load_checkpoint_file(str(path))['state_dict']['w'].sum() == 2


def test_python_objects_are_refused_without_trust(unsafe_file):
    with pytest.raises(CheckpointError,
                       match=r'unsafe\.pth.*--trust-checkpoint'):
        load_checkpoint_file(unsafe_file)


def test_trust_opt_in(unsafe_file, monkeypatch):
    with pytest.warns(UserWarning, match='trusted'):
        assert load_checkpoint_file(unsafe_file, trust=True)['extra'].value \
            == 3
    set_checkpoint_trust(True)
    try:
        assert load_checkpoint_file(unsafe_file)['extra'].value == 3
    finally:
        set_checkpoint_trust(False)
    monkeypatch.setenv(TRUST_ENV, '1')
    assert load_checkpoint_file(unsafe_file)['extra'].value == 3


@pytest.mark.parametrize('content', [b'', b'garbage bytes', None])
def test_truncated_or_foreign_files(tmp_path, content):
    path = tmp_path / 'broken.pth'
    if content is None:  # a real checkpoint cut in half
        torch.save({'w': torch.arange(1000.)}, path)
        content = path.read_bytes()[:len(path.read_bytes()) // 2]
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=r'broken\.pth.*truncated'):
        load_checkpoint_file(str(path))


def test_missing_file():
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        load_checkpoint_file('nowhere.pth')


def test_mmengine_uses_the_safe_loader(unsafe_file):
    with pytest.raises(CheckpointError):
        CheckpointLoader.load_checkpoint(unsafe_file)


def test_plain_data_round_trip(tmp_path):
    buffer = HistoryBuffer([1.0, 2.0], [1, 1], max_length=5)
    checkpoint = dict(message_hub=dict(
        log_scalars={'train/loss': buffer},
        runtime_info=dict(best_score=np.float64(0.5), iter=np.int64(3),
                          table=np.eye(2))))
    path = tmp_path / 'run.pth'
    torch.save(to_plain_data(checkpoint), path)
    restored = from_plain_data(load_checkpoint_file(str(path)))
    hub = restored['message_hub']
    logs, counts = hub['log_scalars']['train/loss'].data
    assert logs.tolist() == [1.0, 2.0] and counts.tolist() == [1, 1]
    assert hub['log_scalars']['train/loss'].max_length == 5
    assert hub['runtime_info']['best_score'] == 0.5
    np.testing.assert_array_equal(hub['runtime_info']['table'], np.eye(2))


def test_interrupted_write_keeps_the_previous_file(tmp_path, monkeypatch):
    from mmengine.fileio import get_file_backend

    from changefine_mm.utils.checkpoint import partial_name
    path = str(tmp_path / 'iter_8.pth')
    backend = get_file_backend(path)  # mmengine's, as CheckpointHook uses
    backend.put(b'complete old version', path)

    def killed(fd):
        raise KeyboardInterrupt  # stands for a kill before the rename

    monkeypatch.setattr('os.fsync', killed)
    with pytest.raises(KeyboardInterrupt):
        backend.put(b'new version, never finished', path)
    assert open(path, 'rb').read() == b'complete old version'
    assert open(partial_name(path), 'rb').read().startswith(b'new')
    monkeypatch.undo()
    backend.put_text('done', path)
    assert open(path).read() == 'done'
    # The next write of the same file reuses and renames the partial name.
    assert [p.name for p in tmp_path.iterdir()] == ['iter_8.pth']
