"""The assembled SegChange-R1: modes, prompts, tiny CPU training."""
import copy
import logging
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS

pytestmark = pytest.mark.usefixtures('one_torch_thread')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TINY = osp.join(REPO, 'projects', 'segchange_r1', 'configs',
                'segchange_r1_tiny_demo.py')


def _samples(prompts, size=32):
    samples = []
    for i, prompt in enumerate(prompts):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(
            data=(torch.arange(size * size).reshape(1, size, size) % (i + 2)
                  == 0).long())
        meta = dict(img_shape=(size, size), ori_shape=(size, size),
                    pad_shape=(size, size))
        if prompt is not None:
            meta['prompt'] = prompt
        sample.set_metainfo(meta)
        samples.append(sample)
    return samples


def test_modes_and_prompts():
    cfg = Config.fromfile(TINY)
    model = MODELS.build(cfg.model).eval()
    inputs = torch.randn(2, 6, 32, 32)
    samples = _samples(['Buildings.', None])
    assert model.prompts_of([s.metainfo for s in samples]) == [
        'Buildings.', 'Buildings with changes.']
    losses = model.loss(inputs, samples)
    assert {'decode.loss_ce', 'decode.loss_dice', 'decode.loss_focal',
            'decode.loss_bcl'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    preds = model.predict(inputs, copy.deepcopy(samples))
    assert preds[0].pred_sem_seg.data.shape == (1, 32, 32)
    assert set(preds[0].pred_sem_seg.data.unique().tolist()) <= {0, 1}
    assert model(inputs, samples, mode='tensor').shape == (2, 1, 32, 32)
    # The prompt changes the prediction.
    other = model.predict(inputs, copy.deepcopy(_samples(['Roads.', None])))
    assert not torch.allclose(preds[0].seg_logits.data,
                              other[0].seg_logits.data)


def test_tiny_training_decreases_the_loss(synthetic_cd_root, tmp_path):
    cfg = Config.fromfile(TINY)
    pack = cfg.train_pipeline[-1]
    cfg.train_dataloader.update(
        batch_size=2,
        sampler=dict(type='InfiniteSampler', shuffle=False),
        dataset=dict(
            type='PromptCDDataset', data_root=synthetic_cd_root,
            split='train', prompt_file=None, default_prompt='Buildings.',
            indices=2,
            pipeline=[dict(type='MultiImgLoadImageFromFile'),
                      dict(type='MultiImgLoadAnnotations'),
                      dict(type='MultiImgResize', scale=(32, 32)), pack]))
    overrides = dict(
        work_dir=str(tmp_path),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=20,
                       val_interval=1000),
        param_scheduler=[], val_dataloader=None, val_cfg=None,
        val_evaluator=None, test_dataloader=None, test_cfg=None,
        test_evaluator=None, log_processor=dict(by_epoch=False),
        randomness=dict(seed=0))
    for key, value in overrides.items():
        setattr(cfg, key, value)
    cfg.optim_wrapper.optimizer.lr = 1e-2
    cfg.default_hooks.pop('visualization')
    cfg.default_hooks.update(checkpoint=None,
                             logger=dict(type='LoggerHook', interval=10))
    runner = Runner.from_cfg(cfg)
    try:
        runner.train()
    finally:
        # The runner's logger stays mmengine's current one: without its
        # log file (deleted with tmp_path), later models log to the console.
        for handler in list(runner.logger.handlers):
            if isinstance(handler, logging.FileHandler):
                runner.logger.removeHandler(handler)
                handler.close()
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 20
    assert losses[-4:].mean() < 0.8 * losses[:4].mean()
