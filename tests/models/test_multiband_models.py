"""N-band inputs: the preprocessor's per-date stats and every baseline
model built for 13 bands from its config alone."""
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.apis import build_change_model
from changefine_mm.models import DualInputSegDataPreProcessor
from conftest import REPO_ROOT

pytestmark = pytest.mark.usefixtures('one_torch_thread')
BANDS = 13


def _sample(size):
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, size, size,
                                                   dtype=torch.long))
    sample.set_metainfo(dict(ori_shape=(size, size), img_shape=(size, size)))
    return sample


def test_one_date_of_stats_is_repeated_for_date_b():
    pre = DualInputSegDataPreProcessor(mean=list(range(BANDS)),
                                       std=[2.0] * BANDS)
    inputs = torch.full((2 * BANDS, 2, 2), 20.0)
    out = pre(dict(inputs=[inputs], data_samples=[_sample(2)]))['inputs']
    expected = [(20 - k) / 2 for k in range(BANDS)] * 2
    assert out[0, :, 0, 0].tolist() == expected
    with pytest.raises(ValueError, match='5 means/stds but the inputs have '
                       '26 channels'):
        DualInputSegDataPreProcessor(mean=[0] * 5, std=[1] * 5)(
            dict(inputs=[inputs], data_samples=[_sample(2)]))
    with pytest.raises(ValueError, match='set bgr_to_rgb=False'):
        DualInputSegDataPreProcessor(bgr_to_rgb=True)(
            dict(inputs=[inputs], data_samples=[_sample(2)]))


def test_stats_file_gives_mean_and_std_of_chosen_bands(tmp_path):
    path = tmp_path / 'stats.json'
    path.write_text(json.dumps(dict(
        bands=[1, 2, 3, 4], mean=[10, 20, 30, 40], std=[1, 2, 3, 4],
        percentiles={})))
    pre = DualInputSegDataPreProcessor(stats_file=str(path),
                                       stats_bands=[4, 2])
    assert pre.mean.flatten().tolist() == [40, 20]
    assert pre.std.flatten().tolist() == [4, 2]


@pytest.mark.parametrize('config, shrink', [
    ('fcsn/fc_siam_conc_256x256_40k_levircd.py',
     dict(backbone=dict(base_channel=4),
          decode_head=dict(in_channels=4, channels=4))),
    ('snunet/snunet_c16_256x256_40k_levircd.py',
     dict(backbone=dict(base_channel=4),
          decode_head=dict(in_channels=16, channels=16))),
    ('bit/bit_r18_256x256_40k_levircd.py', dict(pretrained=None)),
    ('changer/changer_ex_r18_512x512_40k_levircd.py',
     dict(pretrained=None)),
])
def test_baselines_take_13_bands_from_the_config(config, shrink):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', config))
    cfg.merge_from_dict(dict(model=dict(
        backbone_inchannels=BANDS,
        backbone=dict(in_channels=BANDS),
        data_preprocessor=dict(mean=[127.5] * BANDS, std=[64.0] * BANDS,
                               bgr_to_rgb=False))))
    cfg.merge_from_dict(dict(model=shrink))
    cfg.model.pop('pretrained', None)
    cfg.model.get('backbone', {}).pop('init_cfg', None)
    model = build_change_model(cfg)  # SyncBN -> BN without a GPU
    # Two pairs: Changer's head normalises pooled (1x1) features.
    data = dict(inputs=[torch.rand(2 * BANDS, 32, 32) * 255] * 2,
                data_samples=[_sample(32), _sample(32)])
    model.train()
    losses = model.loss(**model.data_preprocessor(data, True))
    assert all(torch.isfinite(v).all() for k, v in losses.items()
               if 'loss' in k)
