"""What --resume / --force choose, and the errors that name the problem.

Every error case also checks that no file of the work dir changed.
"""
import hashlib
import os
import os.path as osp

import pytest
import torch

from changefine_mm.engine import resume_target
from changefine_mm.engine.resume_target import (ResumeError, check_new_run,
                                                damage,
                                                find_resume_checkpoint,
                                                run_checkpoints)


def save(path, value=1.0):
    torch.save({'state_dict': {'w': torch.full((64, ), value)}}, path)
    return str(path)


@pytest.fixture
def run_dir(tmp_path):
    """A work dir with iter_4/8/12.pth and last_checkpoint -> iter_12."""
    work = tmp_path / 'work'
    work.mkdir()
    for step in (4, 8, 12):
        save(work / f'iter_{step}.pth', step)
    (work / 'last_checkpoint').write_text(str(work / 'iter_12.pth'))
    return str(work)


def digest(folder):
    return {name: hashlib.sha256(
        open(osp.join(folder, name), 'rb').read()).hexdigest()
        for name in os.listdir(folder)}


@pytest.fixture
def logged(monkeypatch):
    """Messages given to print_log by resume_target."""
    seen = []
    monkeypatch.setattr(resume_target, 'print_log',
                        lambda msg, **kwargs: seen.append(msg))
    return seen


def truncate(path):
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])


def test_run_checkpoints_newest_first(run_dir):
    assert [osp.basename(p) for p in run_checkpoints(run_dir)] == [
        'iter_12.pth', 'iter_8.pth', 'iter_4.pth']


def test_resume_follows_last_checkpoint(run_dir):
    assert find_resume_checkpoint(run_dir, 'last') == osp.join(
        run_dir, 'iter_12.pth')
    assert find_resume_checkpoint(run_dir, None) is None


def test_relative_marker_is_found_in_the_work_dir(run_dir, tmp_path):
    marker = osp.join(run_dir, 'last_checkpoint')
    open(marker, 'w').write('work_dirs/moved/iter_8.pth')
    assert find_resume_checkpoint(run_dir, 'last') == osp.join(
        run_dir, 'iter_8.pth')


def test_truncated_newest_falls_back_to_newest_intact(run_dir, logged):
    truncate(osp.join(run_dir, 'iter_12.pth'))
    truncate(osp.join(run_dir, 'iter_8.pth'))
    chosen = find_resume_checkpoint(run_dir, 'last')
    assert chosen == osp.join(run_dir, 'iter_4.pth')
    message = logged[-1]
    assert message.startswith(f'checkpoint {run_dir}/iter_12.pth is damag')
    assert f'resuming from {chosen}, the newest intact' in message


def test_no_intact_checkpoint_is_an_error(run_dir):
    for step in (4, 8, 12):
        truncate(osp.join(run_dir, f'iter_{step}.pth'))
    with pytest.raises(ResumeError, match='no intact older checkpoint'):
        find_resume_checkpoint(run_dir, 'last')


def test_missing_marker_resumes_newest(run_dir, logged):
    os.remove(osp.join(run_dir, 'last_checkpoint'))
    assert find_resume_checkpoint(run_dir, 'last').endswith('iter_12.pth')
    assert logged[-1].startswith(f'no last_checkpoint in {run_dir}')


@pytest.mark.parametrize('content, problem', [
    ('', 'is empty'),
    ('/gone/iter_99.pth', 'names /gone/iter_99.pth, which does not exist'),
])
def test_empty_or_dangling_marker_is_an_error(run_dir, content, problem):
    marker = osp.join(run_dir, 'last_checkpoint')
    open(marker, 'w').write(content)
    before = digest(run_dir)
    with pytest.raises(ResumeError) as err:
        find_resume_checkpoint(run_dir, 'auto')
    message = str(err.value)
    assert f'{marker} {problem}' in message
    assert f'--resume {osp.join(run_dir, "iter_12.pth")}' in message
    assert digest(run_dir) == before


def test_nothing_to_resume_names_the_work_dir(tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    (empty / 'notes.txt').write_text('x')
    with pytest.raises(ResumeError) as err:
        find_resume_checkpoint(str(empty), 'last')
    message = str(err.value)
    assert f'nothing to resume in work dir {empty}' in message
    assert 'notes.txt' in message and '--resume auto' in message
    assert find_resume_checkpoint(str(empty), 'auto') is None


def test_explicit_path(run_dir, tmp_path):
    path = osp.join(run_dir, 'iter_8.pth')
    assert find_resume_checkpoint(run_dir, path) == path
    with pytest.raises(ResumeError, match='nope.pth: no such file'):
        find_resume_checkpoint(run_dir, str(tmp_path / 'nope.pth'))
    truncate(path)
    with pytest.raises(ResumeError, match=r'iter_8\.pth: the file is dam'):
        find_resume_checkpoint(run_dir, path)


def test_new_run_over_old_checkpoints_needs_force(run_dir):
    before = digest(run_dir)
    with pytest.raises(ResumeError) as err:
        check_new_run(run_dir, force=False)
    message = str(err.value)
    assert f'work dir {run_dir} holds checkpoints of an earlier run' \
        in message
    assert 'iter_12.pth' in message and 'last_checkpoint' in message
    assert '--resume' in message and '--force' in message
    assert digest(run_dir) == before
    check_new_run(run_dir, force=True)
    assert not osp.exists(osp.join(run_dir, 'last_checkpoint'))
    assert len(run_checkpoints(run_dir)) == 3
    check_new_run(osp.join(run_dir, 'new'), force=False)


def test_damage_reports_truncation_and_crc(tmp_path):
    path = save(tmp_path / 'a.pth')
    assert damage(path) is None
    data = bytearray(open(path, 'rb').read())
    # A flipped bit in the tensor data: torch.load would not notice.
    data[data.find(torch.ones(4).numpy().tobytes()) + 1] ^= 1
    open(path, 'wb').write(bytes(data))
    assert damage(path) == 'a/data/0 fails its CRC check'
    truncate(path)
    assert damage(path) is not None
