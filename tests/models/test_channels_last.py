"""Channels-last batches (``data_preprocessor.channels_last``) in the
convolutional baselines: the same predictions and training steps as the
default layout, up to float rounding."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS
from conftest import REPO_ROOT

# Base model configs where the layout pays (docs/baselines.md), made tiny.
TINY = {
    'fc_siam_diff': dict(backbone=dict(base_channel=4),
                         decode_head=dict(in_channels=4, channels=4)),
    'fc_ef': dict(backbone=dict(base_channel=4),
                  decode_head=dict(in_channels=4, channels=4)),
    'snunet_c16': dict(backbone=dict(base_channel=4),
                       decode_head=dict(in_channels=4 * 4, channels=4 * 4)),
}


def build_pair(name: str):
    """The same tiny model twice, default and channels-last batches."""
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/_base_/models/{name}.py')
    cfg.merge_from_dict(dict(model=TINY[name]))
    torch.manual_seed(0)
    plain = MODELS.build(cfg.model)
    last = copy.deepcopy(plain)
    last.data_preprocessor.channels_last = True
    return plain, last


def batch(count: int = 2, size: int = 64):
    generator = torch.Generator().manual_seed(1)
    inputs, samples = [], []
    for _ in range(count):
        inputs.append(torch.randint(0, 255, (6, size, size),
                                    generator=generator, dtype=torch.uint8))
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.randint(
            0, 2, (1, size, size), generator=generator))
        sample.set_metainfo(dict(ori_shape=(size, size),
                                 img_shape=(size, size),
                                 pad_shape=(size, size)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('name', sorted(TINY))
def test_channels_last_predicts_the_same(name):
    plain, last = (m.eval() for m in build_pair(name))
    # The dates are channel slices of the batch; the first convolution
    # turns them into channels-last feature maps, which the rest keeps.
    first_conv = next(m for m in last.backbone.modules()
                      if isinstance(m, torch.nn.Conv2d))
    seen = []
    hook = first_conv.register_forward_hook(
        lambda module, args, out: seen.append(out.is_contiguous(
            memory_format=torch.channels_last)))
    want = plain.test_step(batch())
    got = last.test_step(batch())
    hook.remove()
    assert seen and all(seen)
    for a, b in zip(want, got):
        torch.testing.assert_close(b.seg_logits.data, a.seg_logits.data,
                                   rtol=1e-5, atol=1e-5)
        assert torch.equal(b.pred_sem_seg.data, a.pred_sem_seg.data)


@pytest.mark.parametrize('name', sorted(TINY))
def test_channels_last_trains_the_same(name):
    plain, last = build_pair(name)
    losses = []
    for model in (plain, last):
        model.train()
        torch.manual_seed(2)  # the same dropout masks
        data = model.data_preprocessor(batch(), True)
        loss = sum(v for k, v in model.loss(**data).items() if 'loss' in k)
        loss.backward()
        losses.append(loss.detach())
    torch.testing.assert_close(losses[1], losses[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(plain.parameters(), last.parameters()):
        if a.grad is not None:
            torch.testing.assert_close(b.grad, a.grad, rtol=1e-4, atol=1e-5)
