"""ExactResumeHook: a resumed run repeats the uninterrupted one exactly."""
import logging
from typing import Optional

from mmengine.dist import get_dist_info
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from mmengine.runner.loops import _InfiniteDataloaderIterator

from changefine_mm.registry import HOOKS
from .random_state import derive_seed, seed_all_generators
from .seeded_sampling import SeededSampler, seeded_dataloader

# Stream id of the model's draws in derive_seed (the data's is 0).
MODEL_STREAM = 1
STATE_KEY = 'random_state'


class _SkipFirst:
    """An iterator whose first ``count`` items are None.

    mmengine's ``IterBasedTrainLoop.run`` advances the data iterator by the
    resumed iteration count, loading every skipped batch; the sampler has
    already moved past them, so those calls only need an answer.
    """

    def __init__(self, iterator, count: int) -> None:
        self.iterator = iterator
        self.count = count

    def __iter__(self):
        return self

    def __next__(self):
        if self.count > 0:
            self.count -= 1
            return None
        return next(self.iterator)


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Make a resumed training run draw the same random numbers.

    - The training data loader is rebuilt with
      :class:`~changefine_mm.engine.seeded_sampling.SeededSampler`: each
      sample's augmentation is drawn from a stream seeded by (seed, epoch,
      rank, position), in the training process or in any data worker.
    - Before every training iteration ``random``, ``numpy`` and torch (CPU
      and CUDA) are seeded from (seed, iteration, rank), so dropout masks
      and HSCM pixel sampling do not depend on what ran before (validation,
      hooks, data loading, other ranks).
    - Checkpoints carry the sampler's seed, the batch size and the world
      size under ``random_state``; on resume the saved seed replaces the
      config's and an infinite sampler moves to iteration x batch size
      without loading the skipped batches (a finite one replays them:
      loading is free of side effects on the random streams); an epoch
      loop resumed from a mid-epoch checkpoint continues after the
      epoch's last trained batch.

    With these, a CPU run with ``randomness=dict(seed=..., deterministic=
    True)`` that is killed and resumed ends with the same weights, bit for
    bit, as the run that was never interrupted (see docs/checkpoints.md).
    """

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.seed: Optional[int] = None

    def before_run(self, runner) -> None:
        """Seed the training data loader with the run's seed."""
        if getattr(runner, '_train_loop', None) is None or isinstance(
                runner._train_loop, dict):
            return  # a test-only or val-only run
        loop = runner.train_loop
        try:
            loop.dataloader = seeded_dataloader(loop.dataloader, runner.seed)
        except TypeError as err:
            print_log(f'{err}; training without it', logger='current',
                      level=logging.WARNING)
            return
        self.seed = runner.seed
        if isinstance(loop, IterBasedTrainLoop):
            # Stops the old iterator's workers; the new one reads seeds.
            loop.dataloader_iterator = _InfiniteDataloaderIterator(
                loop.dataloader)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Record what the random streams derive from."""
        sampler = self._sampler(runner)
        if sampler is None:
            return
        loader = runner.train_loop.dataloader
        checkpoint[STATE_KEY] = dict(
            sampler=sampler.state_dict(), batch_size=loader.batch_size,
            world_size=get_dist_info()[1])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Take over the saved seed and position (resume only)."""
        sampler = self._sampler(runner)
        if sampler is None or not getattr(runner, '_resume', False):
            return  # load_from: weights only, the run starts at 0
        state = checkpoint.get(STATE_KEY)
        if state is None:
            print_log(
                'the resumed checkpoint has no random_state (written '
                'without ExactResumeHook): training continues, but not '
                'exactly as the interrupted run would have',
                logger='current', level=logging.WARNING)
            return
        self._warn_if_changed(runner, state)
        sampler.load_state_dict(state['sampler'])
        self.seed = sampler.seed
        loop = runner.train_loop
        meta = checkpoint['meta']
        batch_size = loop.dataloader.batch_size
        if isinstance(loop, IterBasedTrainLoop) and sampler.infinite:
            sampler.seek(meta['iter'] * batch_size)
            loop.dataloader_iterator = _SkipFirst(
                _InfiniteDataloaderIterator(loop.dataloader), meta['iter'])
        elif isinstance(loop, EpochBasedTrainLoop):
            # mmengine restarts the saved epoch from its first batch; a
            # checkpoint written mid-epoch continues after its last one.
            done = meta['iter'] - meta['epoch'] * len(loop.dataloader)
            sampler.seek(max(done, 0) * batch_size)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        """Seed the model's random draws for this iteration."""
        if self.seed is not None:
            seed_all_generators(
                derive_seed(self.seed, MODEL_STREAM, runner.iter,
                            get_dist_info()[0]))

    @staticmethod
    def _sampler(runner) -> Optional[SeededSampler]:
        loop = getattr(runner, '_train_loop', None)
        if loop is None or isinstance(loop, dict):
            return None
        sampler = loop.dataloader.sampler
        return sampler if isinstance(sampler, SeededSampler) else None

    @staticmethod
    def _warn_if_changed(runner, state: dict) -> None:
        now = dict(batch_size=runner.train_loop.dataloader.batch_size,
                   world_size=get_dist_info()[1])
        changed = {k: (state[k], v) for k, v in now.items() if state[k] != v}
        if changed:
            print_log(
                'resuming with a different ' + ', '.join(
                    f'{k} ({old} -> {new})'
                    for k, (old, new) in changed.items()) +
                ': the data order after resume differs from the '
                'interrupted run', logger='current', level=logging.WARNING)


def ensure_exact_resume(cfg) -> None:
    """Add :class:`ExactResumeHook` to ``custom_hooks`` if missing.

    Configs that do not inherit ``configs/_base_/default_runtime.py``
    (open-cd configs) do not list it.

    Args:
        cfg (Config): The config, changed in place.
    """
    name = ExactResumeHook.__name__
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(h.get('type') in (name, f'changefine_mm.{name}')
               for h in hooks):
        hooks.append(dict(type=name))
    cfg.custom_hooks = hooks
