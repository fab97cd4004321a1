"""Test-only hooks that SIGKILL the training process they run in.

Imported by the configs of ``test_train_exact_resume.py`` through
``custom_imports`` (the test puts this folder on ``PYTHONPATH``).
"""
import os
import signal

from mmengine.hooks import Hook

from changefine_mm.registry import HOOKS


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class KillAfterIterHook(Hook):
    """SIGKILL the process once iteration ``iteration`` is done (and
    logged: the hook runs after the others).

    Args:
        iteration (int): 1-based iteration after which to die.
    """

    priority = 'LOWEST'

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.iteration:
            _die()


@HOOKS.register_module()
class KillDuringSaveHook(Hook):
    """SIGKILL the process in the middle of writing a checkpoint.

    The checkpoint of iteration ``iteration`` is written in full, then,
    before it is synced and renamed, cut to half its bytes and the process
    killed: what a power cut or ``kill -9`` during the write leaves.

    Args:
        iteration (int): Iteration whose checkpoint write is interrupted.
    """

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if checkpoint['meta']['iter'] != self.iteration:
            return

        def cut_and_die(fd: int) -> None:
            os.ftruncate(fd, os.fstat(fd).st_size // 2)
            _die()

        os.fsync = cut_and_die
