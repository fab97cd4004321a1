"""ExactResumeHook on a minimal runner: save, resume, per-iteration seeds.

The end-to-end proof (a killed tools/train.py run) is in
tests/tools/test_train_exact_resume.py.
"""
import itertools
from types import SimpleNamespace

import pytest
import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from torch.utils.data import DataLoader

from changefine_mm.engine import exact_resume_hook
from changefine_mm.engine.exact_resume_hook import ExactResumeHook

pytestmark = pytest.mark.usefixtures('one_torch_thread')


class Crops:
    """Index plus a random 'crop offset' drawn from torch's generator."""

    def __len__(self):
        return 6

    def __getitem__(self, index):
        return index, int(torch.randint(100, (1, )))


def make_runner(seed, resume=False, batch_size=2, sampler=InfiniteSampler,
                loop_type=IterBasedTrainLoop):
    loop = loop_type.__new__(loop_type)
    loop.dataloader = DataLoader(Crops(), batch_size=batch_size,
                                 sampler=sampler(Crops(), seed=seed),
                                 collate_fn=list)
    return SimpleNamespace(_train_loop=loop, train_loop=loop, seed=seed,
                           iter=0, _resume=resume)


@pytest.fixture
def logged(monkeypatch):
    seen = []
    monkeypatch.setattr(exact_resume_hook, 'print_log',
                        lambda msg, **kwargs: seen.append(msg))
    return seen


def test_resume_continues_the_same_batches():
    hook = ExactResumeHook()
    runner = make_runner(seed=5)
    hook.before_run(runner)
    expected = list(itertools.islice(runner.train_loop.dataloader_iterator,
                                     5))
    checkpoint = dict(meta=dict(iter=3))
    hook.before_save_checkpoint(runner, checkpoint)
    assert checkpoint['random_state'] == dict(
        sampler=dict(seed=5), batch_size=2, world_size=1)

    resumed_hook = ExactResumeHook()
    resumed = make_runner(seed=99, resume=True)  # another config seed
    resumed_hook.before_run(resumed)
    resumed_hook.after_load_checkpoint(resumed, checkpoint)
    assert resumed_hook.seed == 5
    iterator = resumed.train_loop.dataloader_iterator
    # mmengine's loop calls next() 3 times to skip; nothing is loaded.
    assert [next(iterator) for _ in range(3)] == [None] * 3
    assert [next(iterator) for _ in range(2)] == expected[3:]


def test_finite_sampler_resumes_by_replaying_epochs(monkeypatch):
    # mmengine pauses 2 s at each restart of a finite sampler.
    monkeypatch.setattr('mmengine.runner.loops.time.sleep', lambda s: None)
    hook = ExactResumeHook()
    runner = make_runner(seed=5, sampler=DefaultSampler)
    hook.before_run(runner)
    expected = list(itertools.islice(runner.train_loop.dataloader_iterator,
                                     8))  # 3 batches per epoch
    checkpoint = dict(meta=dict(iter=7))
    hook.before_save_checkpoint(runner, checkpoint)

    resumed_hook = ExactResumeHook()
    resumed = make_runner(seed=99, resume=True, sampler=DefaultSampler)
    resumed_hook.before_run(resumed)
    resumed_hook.after_load_checkpoint(resumed, checkpoint)
    iterator = resumed.train_loop.dataloader_iterator
    # No seek: mmengine's skip loads the 7 batches, which replays the
    # epochs and leaves every random stream as it was.
    assert [next(iterator) for _ in range(8)] == expected


def test_epoch_loop_continues_a_mid_epoch_checkpoint():
    def epochs(runner):
        batches = []
        for epoch in (0, 1):
            runner.train_loop.dataloader.sampler.set_epoch(epoch)
            batches.append(list(runner.train_loop.dataloader))
        return batches

    hook = ExactResumeHook()
    runner = make_runner(seed=5, sampler=DefaultSampler,
                         loop_type=EpochBasedTrainLoop)
    hook.before_run(runner)
    expected = epochs(runner)  # 3 batches per epoch
    checkpoint = dict(meta=dict(epoch=1, iter=4))  # 1 batch into epoch 1
    hook.before_save_checkpoint(runner, checkpoint)

    resumed_hook = ExactResumeHook()
    resumed = make_runner(seed=99, resume=True, sampler=DefaultSampler,
                          loop_type=EpochBasedTrainLoop)
    resumed_hook.before_run(resumed)
    resumed_hook.after_load_checkpoint(resumed, checkpoint)
    loader = resumed.train_loop.dataloader
    loader.sampler.set_epoch(1)  # mmengine's DistSamplerSeedHook
    assert list(loader) == expected[1][1:]
    assert list(loader) == expected[1]  # the next pass starts at 0


def test_load_from_is_not_a_resume():
    hook = ExactResumeHook()
    runner = make_runner(seed=7)
    hook.before_run(runner)
    hook.after_load_checkpoint(runner, dict(
        meta=dict(iter=3),
        random_state=dict(sampler=dict(seed=1), batch_size=2,
                          world_size=1)))
    assert hook.seed == 7


def test_warnings_for_old_checkpoints_and_changed_batch_size(logged):
    hook = ExactResumeHook()
    runner = make_runner(seed=5, resume=True, batch_size=3)
    hook.before_run(runner)
    hook.after_load_checkpoint(runner, dict(meta=dict(iter=2)))
    assert 'has no random_state' in logged[-1]
    hook.after_load_checkpoint(runner, dict(
        meta=dict(iter=2),
        random_state=dict(sampler=dict(seed=5), batch_size=2,
                          world_size=1)))
    assert 'batch_size (2 -> 3)' in logged[-1]


def test_model_draws_depend_on_seed_and_iteration_only():
    hook = ExactResumeHook()
    runner = make_runner(seed=5)
    hook.before_run(runner)

    def draw(iteration):
        runner.iter = iteration
        torch.rand(3)  # whatever ran before (validation, hooks)
        hook.before_train_iter(runner, batch_idx=iteration)
        return torch.rand(3)

    assert torch.equal(draw(4), draw(4))
    assert not torch.equal(draw(4), draw(5))
