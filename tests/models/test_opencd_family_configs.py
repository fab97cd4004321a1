"""Our LEVIR-CD configs of open-cd's model families (CGNet, TinyCD, TinyCD
v2, STANet, IFN, HANet, LightCDNet, ChangerEx on MiT and ResNeSt,
ChangeStar-FarSeg).

* Each model equals open-cd's config of the same name (the reference's
  config.py, made by tests/models/data/opencd/make_references.py), up to
  SyncBN -> BN and pretrained weights, where a reference exists.
* Each config builds offline and trains: a few AdamW steps on one 32x32
  batch lower the loss.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS
from conftest import REPO_ROOT
from opencd_reference import reference_config

pytestmark = pytest.mark.usefixtures('one_torch_thread')

# our config -> the reference built from open-cd's config of that name
MIRRORS = {
    'cgnet/cgnet_256x256_40k_levircd.py': 'cgnet',
    'tinycd/tinycd_256x256_40k_levircd.py': 'tinycd',
    'tinycd_v2/tinycd_v2_s_256x256_40k_levircd.py': 'tinycd_v2_s',
    'stanet/stanet_base_256x256_40k_levircd.py': 'stanet_base',
    'stanet/stanet_bam_256x256_40k_levircd.py': 'stanet_bam',
    'stanet/stanet_pam_256x256_40k_levircd.py': 'stanet_pam',
    'ifn/ifn_256x256_40k_levircd.py': 'ifn',
    'hanet/hanet_256x256_40k_levircd.py': 'hanet',
    'lightcdnet/lightcdnet_s_256x256_40k_levircd.py': 'lightcdnet_s',
    'changer/changer_ex_mit-b0_512x512_40k_levircd.py': 'changer_ex_mit_b0',
    'changer/changer_ex_s50_512x512_40k_levircd.py': 'changer_ex_s50',
    'changestar/changestar_farseg_1x96_256x256_40k_levircd.py':
    'changestar_farseg',
    'changestar/changestar_upernet_1x96_256x256_40k_levircd.py':
    'changestar_upernet',
}
CONFIGS = sorted(MIRRORS) + [
    'tinycd_v2/tinycd_v2_b_256x256_40k_levircd.py',
    'tinycd_v2/tinycd_v2_l_256x256_40k_levircd.py',
    'lightcdnet/lightcdnet_b_256x256_40k_levircd.py',
]


def normalised(cfg) -> dict:
    """A model config with SyncBN as BN and no pretrained weights."""
    if isinstance(cfg, dict):
        out = {}
        for key, value in cfg.items():
            if key == 'pretrained' and value in (None, False):
                continue
            if key == 'distance_threshold':
                continue  # the references calibrate it to their weights
            if key == 'seg_head_cfg':
                # open-cd's ChangeStarHead writes its placeholders into the
                # config while building (the dumped reference has them).
                value = {k: v for k, v in value.items() if k not in (
                    'num_classes', 'out_channels', 'loss_decode',
                    'dropout_ratio')}
            out[key] = 'BN' if value == 'SyncBN' else normalised(value)
        return out
    if isinstance(cfg, (list, tuple)):
        return [normalised(value) for value in cfg]
    return cfg


def our_config(name: str) -> Config:
    return Config.fromfile(osp.join(REPO_ROOT, 'configs', name))


@pytest.mark.parametrize('name', sorted(MIRRORS))
def test_config_mirrors_open_cd(name):
    ours, theirs = our_config(name), reference_config(MIRRORS[name])
    assert normalised(ours.model.to_dict()) == normalised(
        theirs.model.to_dict())
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg'):
        assert ours[key] == theirs[key], key
    assert ours.train_dataloader.dataset.pipeline == \
        theirs.train_dataloader.dataset.pipeline


def labelled_batch(size: int = 32) -> dict:
    gen = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(2):
        inputs.append(torch.randint(0, 256, (6, size, size),
                                    dtype=torch.uint8, generator=gen))
        label = torch.zeros(1, size, size, dtype=torch.int64)
        label[:, 8:20, 10:24] = 1
        sample = SegDataSample(metainfo=dict(ori_shape=(size, size),
                                             img_shape=(size, size)))
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('name', CONFIGS)
def test_config_trains_offline(name):
    cfg = our_config(name)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    batch = labelled_batch()
    model.train()
    losses = [
        model.train_step(batch, optim_wrapper)['loss'].item()
        for _ in range(4)
    ]
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < losses[0]
