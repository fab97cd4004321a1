"""Which checkpoint ``tools/train.py`` resumes, and when it must refuse.

Rules (documented in ``docs/checkpoints.md``):

- ``--resume``: continue the run in the work dir, from the file named by
  ``last_checkpoint`` (or the newest ``iter_*``/``epoch_*`` file when that
  marker is missing). Nothing to resume is an error.
- ``--resume auto``: the same, but an empty work dir starts a new run.
- ``--resume PATH``: that file.
- No ``--resume``: a work dir that holds checkpoints of an earlier run is
  an error unless ``--force``, so a new run never overwrites them.
- An empty or dangling ``last_checkpoint`` is an error naming it.
- A truncated or corrupt newest checkpoint is skipped for the newest
  intact one, with a warning naming both.
"""
import logging
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional

from mmengine.logging import print_log

from changefine_mm.utils.checkpoint import PARTIAL_MARK

MARKER = 'last_checkpoint'
_RUN_FILE = re.compile(r'^(iter|epoch)_(\d+)\.pth$')
_OTHER_FILE = re.compile(r'^best_.*\.pth$')


class ResumeError(RuntimeError):
    """The work dir and the ``--resume``/``--force`` options disagree."""


def run_checkpoints(work_dir: str) -> List[str]:
    """The ``iter_*.pth`` and ``epoch_*.pth`` files of a work dir.

    Args:
        work_dir (str): The folder.

    Returns:
        list[str]: Paths, highest iteration or epoch first.
    """
    if not osp.isdir(work_dir):
        return []
    found = [(int(m.group(2)), name) for name in os.listdir(work_dir)
             for m in [_RUN_FILE.match(name)] if m]
    return [osp.join(work_dir, name) for _, name in sorted(found,
                                                           reverse=True)]


def damage(path: str) -> Optional[str]:
    """Why a checkpoint file cannot be read in full, if it cannot.

    Reads the zip directory and checks every member's CRC (torch's file
    format); nothing is unpickled.

    Args:
        path (str): The checkpoint.

    Returns:
        str or None: The problem, or None for an intact file.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        return f'{type(err).__name__}: {err}' if str(err) else \
            type(err).__name__
    return None if bad is None else f'{bad} fails its CRC check'


def _describe(work_dir: str) -> str:
    if not osp.isdir(work_dir):
        return 'the folder does not exist'
    names = sorted(os.listdir(work_dir))
    if not names:
        return 'the folder is empty'
    shown = ', '.join(names[:8]) + (', ...' if len(names) > 8 else '')
    return f'it holds {shown} but no checkpoint'


def _marker_target(work_dir: str, found: List[str]) -> Optional[str]:
    """The checkpoint ``last_checkpoint`` names (None without marker)."""
    marker = osp.join(work_dir, MARKER)
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        target = f.read().strip()
    choices = (f'; resume a file explicitly with --resume {found[0]}'
               if found else '')
    if not target:
        raise ResumeError(
            f'{marker} is empty (the run was probably killed while writing '
            f'it), so it names no checkpoint to resume{choices}, or delete '
            'it and use --resume to take the newest checkpoint')
    # mmengine writes the path as seen from the training's working folder.
    for path in (target, osp.join(work_dir, osp.basename(target))):
        if osp.isfile(path):
            return path
    raise ResumeError(
        f'{marker} names {target}, which does not exist{choices}, or '
        'delete the marker and use --resume to take the newest checkpoint')


def _newest_intact(path: str, found: List[str]) -> str:
    problem = damage(path)
    if problem is None:
        return path
    older = found[found.index(path) + 1:] if path in found else found
    for candidate in older:
        if damage(candidate) is None:
            print_log(
                f'checkpoint {path} is damaged ({problem}); resuming from '
                f'{candidate}, the newest intact checkpoint',
                logger='current', level=logging.WARNING)
            return candidate
    raise ResumeError(
        f'checkpoint {path} is damaged ({problem}) and the work dir has no '
        'intact older checkpoint to resume; start a new run with --force')


def _report_partial_files(work_dir: str) -> None:
    partial = sorted(n for n in os.listdir(work_dir) if PARTIAL_MARK in n)
    if partial:
        print_log(
            f'ignoring {", ".join(partial)} in {work_dir}: left by a write '
            'that was interrupted (the checkpoints under real names are '
            'complete); they can be deleted',
            logger='current', level=logging.WARNING)


def find_resume_checkpoint(work_dir: str,
                           resume: Optional[str]) -> Optional[str]:
    """The checkpoint to resume, following the module's rules.

    Args:
        work_dir (str): The run's work dir.
        resume (str, optional): None (no ``--resume``), ``'last'`` (plain
            ``--resume``), ``'auto'``, or a checkpoint path.

    Returns:
        str or None: The checkpoint, or None to start a new run.

    Raises:
        ResumeError: When nothing can be resumed as asked.
    """
    if resume is None:
        return None
    if resume not in ('last', 'auto'):
        if not osp.isfile(resume):
            raise ResumeError(f'--resume {resume}: no such file')
        problem = damage(resume)
        if problem is not None:
            raise ResumeError(
                f'--resume {resume}: the file is damaged ({problem}); '
                'name an intact checkpoint, or use --resume to take the '
                f'newest intact one in {work_dir}')
        return resume
    found = run_checkpoints(work_dir)
    path = _marker_target(work_dir, found)
    if path is None and not found:
        if resume == 'auto':
            return None
        raise ResumeError(
            f'--resume: nothing to resume in work dir {work_dir}: '
            f'{_describe(work_dir)} (no {MARKER}, no iter_*.pth or '
            'epoch_*.pth). Check --work-dir, or start a new run without '
            '--resume (--resume auto does that when nothing is found)')
    if path is None:
        print_log(f'no {MARKER} in {work_dir}; resuming its newest '
                  f'checkpoint {found[0]}', logger='current',
                  level=logging.WARNING)
        path = found[0]
    _report_partial_files(work_dir)
    return _newest_intact(path, found)


def check_new_run(work_dir: str, force: bool) -> None:
    """Refuse to start a new run over an earlier run's checkpoints.

    Args:
        work_dir (str): The run's work dir.
        force (bool): Start anyway (``--force``). The earlier run's
            ``last_checkpoint`` is removed so that a later ``--resume``
            cannot pick up its files; its checkpoints are overwritten as
            the new run reaches their iterations.

    Raises:
        ResumeError: If there are checkpoints and ``force`` is False.
    """
    if not osp.isdir(work_dir):
        return
    names = sorted(n for n in os.listdir(work_dir)
                   if n == MARKER or _RUN_FILE.match(n)
                   or _OTHER_FILE.match(n))
    if not names:
        return
    if not force:
        raise ResumeError(
            f'work dir {work_dir} holds checkpoints of an earlier run '
            f'({", ".join(names)}); a new run would overwrite them. '
            'Continue that run with --resume, start over in this folder '
            'with --force, or choose another --work-dir')
    print_log(f'--force: starting a new run in {work_dir} over '
              f'{", ".join(names)}', logger='current',
              level=logging.WARNING)
    marker = osp.join(work_dir, MARKER)
    if osp.isfile(marker):
        try:
            os.remove(marker)
        except FileNotFoundError:  # another rank removed it first
            pass
