"""open-cd baselines: BIT, ChangerEx, FC-EF / FC-Siam-conc / FC-Siam-diff and
SNUNet-ECAM.

Goldens: ../shared/golden/opencd/<model>/ (random weights made with open-cd
itself; see the README there). The other tests use small inputs.
"""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.runner import load_checkpoint, save_checkpoint
from mmseg.structures import SegDataSample

from changefine_mm.registry import DATASETS, MODELS
from conftest import REPO_ROOT, golden_path

GOLDENS = ['bit_r18_levircd', 'changer_ex_r18_levircd', 'fc_siam_diff_levircd']
CONFIGS = {
    'bit_r18': 'bit/bit_r18_256x256_40k_levircd.py',
    'changer_ex_r18': 'changer/changer_ex_r18_512x512_40k_levircd.py',
    'fc_ef': 'fcsn/fc_ef_256x256_40k_levircd.py',
    'fc_siam_conc': 'fcsn/fc_siam_conc_256x256_40k_levircd.py',
    'fc_siam_diff': 'fcsn/fc_siam_diff_256x256_40k_levircd.py',
    'snunet_c16': 'snunet/snunet_c16_256x256_40k_levircd.py',
}


# ------------------------------------------------------------------ helpers
def golden_model(name: str):
    """Golden config in our scope (only default_scope changed) + weights."""
    cfg = Config.fromfile(golden_path('opencd', name, 'config.py'))
    cfg.default_scope = 'changefine_mm'
    model = MODELS.build(cfg.model)
    load_checkpoint(model, golden_path('opencd', name, 'checkpoint.pth'),
                    map_location='cpu', strict=True)
    return cfg, model.eval()


def golden_batch(cfg: Config, name: str, root: str) -> dict:
    """The golden pair through the config's test dataset and pipeline.

    The pipeline's MultiImgResize(1024) is dropped, as in the golden README:
    it would upscale the 256x256 pair (on real LEVIR tiles it is a no-op).
    The pair gets an all-zero label so that the label loader has a file.
    """
    for folder in ('A', 'B', 'label'):
        os.makedirs(osp.join(root, 'test', folder))
    for src, folder in (('img_a.png', 'A'), ('img_b.png', 'B')):
        shutil.copy(golden_path('opencd', name, 'inputs', src),
                    osp.join(root, 'test', folder, 'pair.png'))
    cv2.imwrite(osp.join(root, 'test', 'label', 'pair.png'),
                np.zeros((256, 256), np.uint8))
    dataset_cfg = cfg.test_dataloader.dataset.copy()
    dataset_cfg.data_root = root
    dataset_cfg.pipeline = [
        step for step in cfg.test_pipeline if step['type'] != 'MultiImgResize'
    ]
    return pseudo_collate([DATASETS.build(dataset_cfg)[0]])


def our_model(key: str, seed: int = 0):
    """One of our LEVIR-CD baseline configs, built without pretrained
    weights (offline)."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', CONFIGS[key]))
    cfg.model.pretrained = None
    torch.manual_seed(seed)
    return cfg, MODELS.build(cfg.model)


def randomize_norms(model: torch.nn.Module, seed: int) -> None:
    """Give every BatchNorm non-default statistics, so that a loader which
    drops or swaps them is caught."""
    gen = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            size = module.num_features
            module.running_mean.copy_(0.1 * torch.randn(size, generator=gen))
            module.running_var.copy_(0.5 + torch.rand(size, generator=gen))


def random_batch(size: int = 32, count: int = 2) -> dict:
    gen = torch.Generator().manual_seed(3)
    samples = [
        SegDataSample(metainfo=dict(ori_shape=(size, size),
                                    img_shape=(size, size)))
        for _ in range(count)
    ]
    inputs = [
        torch.randint(0, 256, (6, size, size), dtype=torch.uint8,
                      generator=gen) for _ in range(count)
    ]
    return dict(inputs=inputs, data_samples=samples)


# ------------------------------------------------------------------ goldens
@pytest.mark.parametrize('name', GOLDENS)
def test_golden_reproduction(name, tmp_path):
    cfg, model = golden_model(name)
    ref = torch.load(golden_path('opencd', name, 'reference_io.pt'),
                     weights_only=True)
    batch = golden_batch(cfg, name, str(tmp_path))
    assert torch.equal(batch['inputs'][0], ref['packed_inputs_uint8'])
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        logits = model(data['inputs'], data['data_samples'], mode='tensor')
        result = model.test_step(batch)[0]
    torch.testing.assert_close(data['inputs'], ref['inputs_normalized'],
                               rtol=0, atol=0)
    torch.testing.assert_close(logits, ref['head_logits'], rtol=1e-4,
                               atol=2e-4)
    torch.testing.assert_close(result.seg_logits.data, ref['seg_logits'],
                               rtol=1e-4, atol=2e-4)
    assert torch.equal(result.pred_sem_seg.data, ref['pred_sem_seg'])


@pytest.mark.parametrize('name', GOLDENS)
def test_state_dict_layout_matches_open_cd(name):
    cfg = Config.fromfile(golden_path('opencd', name, 'config.py'))
    cfg.default_scope = 'changefine_mm'
    with open(golden_path('opencd', name, 'state_dict_spec.json')) as f:
        spec = json.load(f)['entries']
    ours = [(key, list(value.shape), str(value.dtype).split('.')[-1])
            for key, value in MODELS.build(cfg.model).state_dict().items()]
    assert ours == [(e['name'], e['shape'], e['dtype']) for e in spec]


# ------------------------------------------------------ round trip, training
@pytest.mark.parametrize('key', sorted(CONFIGS))
def test_strict_checkpoint_round_trip(key, tmp_path):
    _, model = our_model(key, seed=0)
    randomize_norms(model, seed=0)
    path = str(tmp_path / 'model.pth')
    save_checkpoint(dict(meta=dict(), state_dict=model.state_dict()), path)
    _, clone = our_model(key, seed=1)
    load_checkpoint(clone, path, map_location='cpu', strict=True)
    assert list(clone.state_dict()) == list(model.state_dict())
    batch = random_batch()
    with torch.no_grad():
        expected = model.eval().test_step(batch)
        actual = clone.eval().test_step(batch)
    for want, got in zip(expected, actual):
        assert torch.equal(got.seg_logits.data, want.seg_logits.data)
        assert got.pred_sem_seg.data.shape == (1, 32, 32)


@pytest.mark.parametrize('key', sorted(CONFIGS))
def test_tiny_training_run(key, synthetic_cd_root):
    # Augmentations and dropout draw from the global generators: seed them
    # so the run (and the loss comparison) is the same on every machine.
    np.random.seed(0)
    torch.manual_seed(0)
    cfg, model = our_model(key)
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    dataset_cfg.data_root = synthetic_cd_root
    # The config's own augmentations, with 32x32 crops to keep CPU time low.
    for step in dataset_cfg.pipeline:
        if step['type'] == 'MultiImgRandomCrop':
            step['crop_size'] = (32, 32)
    dataset = DATASETS.build(dataset_cfg)
    batch = pseudo_collate([dataset[0], dataset[1]])
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = [p.detach().clone() for p in model.parameters()]
    model.train()
    losses = [
        model.train_step(batch, optim_wrapper)['loss'].item()
        for _ in range(3)
    ]
    assert all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    changed = [
        not torch.equal(a, b) for a, b in zip(before, model.parameters())
    ]
    assert sum(changed) > len(changed) // 2


# ------------------------------------------------------------------ modules
def test_channel_exchange_swaps_every_other_channel():
    exchange = MODELS.build(dict(type='ChannelExchange', p=1 / 2))
    x1, x2 = torch.zeros(2, 4, 3, 3), torch.ones(2, 4, 3, 3)
    out1, out2 = exchange(x1, x2)
    assert out1[:, :, 0, 0].tolist() == [[1, 0, 1, 0]] * 2
    assert out2[:, :, 0, 0].tolist() == [[0, 1, 0, 1]] * 2


def test_spatial_exchange_swaps_columns_only():
    exchange = MODELS.build(dict(type='SpatialExchange', p=1 / 3))
    x1, x2 = torch.zeros(1, 2, 4, 7), torch.ones(1, 2, 4, 7)
    out1, out2 = exchange(x1, x2)
    expected = torch.tensor([1., 0, 0, 1, 0, 0, 1]).expand(1, 2, 4, 7)
    assert torch.equal(out1, expected)
    assert torch.equal(out2, 1 - expected)


@pytest.mark.parametrize('p', [0, 1.5])
def test_exchange_rejects_bad_fraction(p):
    with pytest.raises(ValueError, match='exchange fraction p'):
        MODELS.build(dict(type='ChannelExchange', p=p))


def tiny_ia_resnet(interaction_cfg):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='IA_ResNetV1c', depth=18, stem_channels=8,
             base_channels=8, num_stages=3, strides=(1, 2, 2),
             dilations=(1, 1, 1), out_indices=(0, 1, 2),
             interaction_cfg=interaction_cfg))
    model.eval()  # mmseg's ResNet.train() returns None, so no chaining
    return model


def test_ia_resnet_outputs_both_dates_and_is_symmetric():
    exchanges = (None, dict(type='SpatialExchange'),
                 dict(type='ChannelExchange'))
    model = tiny_ia_resnet(exchanges)
    plain = tiny_ia_resnet((None, None, None))
    x1, x2 = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        outs = model(x1, x2)
        swapped = model(x2, x1)
        no_interaction = plain(x1, x2)
    assert [tuple(o.shape) for o in outs] == [(1, 16, 8, 8), (1, 32, 4, 4),
                                              (1, 64, 2, 2)]
    for out, other in zip(outs, swapped):
        a, b = out.chunk(2, dim=1)
        torch.testing.assert_close(other, torch.cat([b, a], dim=1))
    # Same weights: only the exchanges after stages 2 and 3 differ.
    torch.testing.assert_close(outs[0], no_interaction[0])
    assert not torch.allclose(outs[2], no_interaction[2])


def test_ia_resnet_needs_one_interaction_per_stage():
    with pytest.raises(ValueError, match='interaction_cfg has 2 entries'):
        tiny_ia_resnet((None, None))


def test_fdaf_with_zero_flow_subtracts_the_other_date():
    fdaf = MODELS.build(dict(
        type='Changer', in_channels=[8, 8], in_index=[0, 1], channels=8,
        num_classes=2)).neck_layer
    torch.nn.init.zeros_(fdaf.flow_make[3].weight)
    x1, x2 = torch.randn(2, 4, 5, 6), torch.randn(2, 4, 5, 6)
    out1, out2 = fdaf(x1, x2)
    torch.testing.assert_close(out1, x1 - x2, rtol=0, atol=1e-5)
    torch.testing.assert_close(out2, x2 - x1, rtol=0, atol=1e-5)


def test_changer_head_predicts_at_the_finest_level():
    head = MODELS.build(dict(
        type='Changer', in_channels=[8, 16], in_index=[0, 1], channels=8,
        num_classes=2)).eval()
    feats = [torch.randn(1, 16, 12, 12), torch.randn(1, 32, 6, 6)]
    assert head(feats).shape == (1, 2, 12, 12)
    with pytest.raises(ValueError, match='same length'):
        MODELS.build(dict(type='Changer', in_channels=[8, 16], in_index=[0],
                          channels=8, num_classes=2))


@pytest.mark.parametrize('pool_mode', ['max', 'avg'])
def test_bit_head_pooled_tokens(pool_mode):
    head = MODELS.build(dict(
        type='BITHead', in_channels=16, channels=8, embed_dims=16,
        dec_depth=2, num_heads=2, use_tokenizer=False, pool_mode=pool_mode,
        pool_size=2, num_classes=2)).eval()
    assert head.enc_pos_embedding.shape == (1, 8, 8)
    assert head([torch.randn(1, 32, 4, 5)]).shape == (1, 2, 32, 40)


def test_bit_head_rejects_unknown_pool_mode_and_heads():
    base = dict(type='BITHead', in_channels=16, channels=8, num_classes=2)
    with pytest.raises(ValueError, match="pool_mode must be one of"):
        MODELS.build(dict(base, use_tokenizer=False, pool_mode='median'))
    with pytest.raises(ValueError, match='not divisible by num_heads'):
        MODELS.build(dict(base, embed_dims=10, num_heads=4))


def test_snunet_layout_follows_open_cd():
    model = MODELS.build(dict(type='SNUNet_ECAM', in_channels=3,
                              base_channel=16))
    state = model.state_dict()
    # 3.01 M parameters for SNUNet-c16 (Fang et al., Table II).
    assert sum(p.numel() for p in model.parameters()) == 3_012_048
    assert list(state)[:2] == ['conv0_0.conv1.weight', 'conv0_0.conv1.bias']
    assert list(state)[-4:] == ['ca.fc1.weight', 'ca.fc2.weight',
                                'ca1.fc1.weight', 'ca1.fc2.weight']
    assert state['conv0_4.conv1.weight'].shape == (16, 16 * 5 + 32, 3, 3)
    assert state['Up1_3.up.weight'].shape == (32, 32, 2, 2)
    assert state['ca.fc1.weight'].shape == (4, 64, 1, 1)
    assert state['ca1.fc1.weight'].shape == (4, 16, 1, 1)
    assert 'Up4_1.up.weight' not in state


def test_snunet_rejects_sizes_not_divisible_by_16():
    model = MODELS.build(dict(type='SNUNet_ECAM', in_channels=3,
                              base_channel=4))
    x = torch.randn(1, 3, 40, 40)
    with pytest.raises(ValueError, match='divisible by 16'):
        model(x, x)
    assert model(x[..., :32, :32], x[..., :32, :32])[0].shape == (1, 16, 32,
                                                                  32)
