"""open-cd's own configs build and train here with only the scope changed.

``tests/data/opencd_configs/`` holds verbatim copies of open-cd configs
(source and commit in its README.md). Each is run by
``tools/analysis_tools/opencd_portability.py`` (tiny generated dataset in
the config's layout, 32-pixel crops, one train step, one scored val step)
and must end as listed in ``EXPECTED``: 'runs', or the reason it cannot
yet. When a family is added, its entries change to 'runs' here.
"""
import os.path as osp
import tempfile

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from changefine_mm.models.utils.optional_mmpretrain import TTP_EXTRA
from conftest import REPO_ROOT, load_tool, require_modules

pytestmark = pytest.mark.usefixtures('one_torch_thread')

PORTABILITY = load_tool('analysis_tools', 'opencd_portability.py')
CONFIGS = osp.join(REPO_ROOT, 'tests', 'data', 'opencd_configs', 'configs')
NO_MODEL = 'no model (dataset base config)'

EXPECTED = {
    'ban/ban_vit-b16-clip_bit_512x512_40k_levircd.py': 'runs',
    'ban/ban_vit-b16-clip_mit-b0_256x256_100e_whucd.py': 'runs',
    'bit/bit_r18_256x256_40k_levircd.py': 'runs',
    'changeformer/changeformer_mit-b0_256x256_40k_levircd.py': 'runs',
    'changer/changer_ex_mit-b0_512x512_40k_levircd.py': 'runs',
    'changer/changer_ex_r18_512x512_80k_s2looking.py': 'runs',
    'changer/changer_ex_s50_512x512_40k_levircd.py': 'runs',
    'changestar/changestar_farseg_1x96_256x256_40k_levircd.py': 'runs',
    'common/standard_256x256_100e_levircd.py': NO_MODEL,
    'common/standard_256x256_100e_whucd.py': NO_MODEL,
    'common/standard_256x256_40k_levircd.py': NO_MODEL,
    'common/standard_512x512_200k_jl1cd.py': NO_MODEL,
    'common/standard_512x512_300e_jl1cd.py': NO_MODEL,
    'common/standard_512x512_40k_levircd.py': NO_MODEL,
    'common/standard_512x512_40k_s2looking.py': NO_MODEL,
    'fcsn/fc_siam_diff_256x256_40k_levircd.py': 'runs',
    'general_scd/scd_upernet_r18_256x512_10k_second.py': 'runs',
    'general_scd/scd_upernet_r18_416x416_40k_landsat.py': 'runs',
    'general_scd/scd_upernet_r18_512x512_40k_bandon.py': 'runs',
    'hanet/hanet_256x256_40k_levircd.py': 'runs',
    'lightcdnet/lightcdnet_s_256x256_40k_levircd.py': 'runs',
    'mtkd/step2/small-changer_ex_r18_512x512_200k_jl1cd.py': 'runs',
    'mtkd/step3/mtkd-changer_ex_r18_512x512_200k_jl1cd.py': 'runs',
    'snunet/snunet_c16_256x256_120k_svcd.py': 'runs',
    'stanet/stanet_base_256x256_40k_levircd.py': 'runs',
    'tinycd/tinycd_256x256_40k_levircd.py': 'runs',
}

# open-cd's TTP configs (SAM ViT-L, 353 M parameters, four of them in the
# MTKD step-3 config) need 30 s of CPU and 3.6 GB for one 32-pixel train
# step each: in CI they run at the reduced width below (their own data,
# pipelines, evaluator, LoRA, necks and head), and
# tests/models/test_ttp.py builds one at full size. Their full-width train
# step is measured by the tool (docs/baselines.md).
TTP_EXPECTED = {
    'mtkd/step1/initial-ttp_vit-sam-l_512x512_300e_jl1cd.py': 'runs',
    'mtkd/step2/large-ttp_vit-sam-l_512x512_300e_jl1cd.py': 'runs',
    'mtkd/step2/medium-ttp_vit-sam-l_512x512_300e_jl1cd.py': 'runs',
    'mtkd/step2/small-ttp_vit-sam-l_512x512_300e_jl1cd.py': 'runs',
    'mtkd/step3/mtkd-ttp_vit-sam-l_512x512_300e_jl1cd.py': 'runs',
    'ttp/ttp_vit-sam-l_512x512_300e_levircd.py': 'runs',
    'ttp/ttp_vit-sam-l_512x512_fp16-300e_levircd.py': 'runs',
}
TTP_REDUCED_WIDTH = {
    'model.backbone.encoder_cfg.arch': dict(
        _delete_=True, embed_dims=32, num_layers=4, num_heads=2,
        feedforward_channels=64, global_attn_indexes=[1, 3]),
    'model.backbone.encoder_cfg.out_channels': 16,
    'model.neck.necks.1.backbone_channel': 32,
    'model.neck.necks.1.in_channels': [8, 16, 32, 32],
    'model.neck.necks.1.out_channels': 16,
    'model.decode_head.in_channels': [16] * 5,
    'model.decode_head.channels': 16,
}

# open-cd's dataset base configs: their datasets and pipelines build.
DATASET_BASES = {
    'clcd.py': 'builds',
    'dsifn.py': 'builds',
    'levir_cd.py': 'builds',
    'rsipac_cd.py': 'builds',
    's2looking.py': 'builds',
    'svcd.py': 'builds',
    'whu_cd.py': 'builds',
    'bandon.py': 'builds',
    'landsat.py': 'builds',
    'second.py': 'builds',
}


def outcome(result: dict) -> str:
    """'runs', 'missing <type>', the no-model note, or the failure."""
    if result['status'] == 'runs':
        return 'runs'
    error = result['error']
    if error.startswith('ValueError: no model'):
        return NO_MODEL
    for marker in (' is not in the changefine_mm', ' is not registered'):
        if marker in error:
            name = error.split(marker)[0].split()[-1].strip('\'"')
            return f'missing {name}'
    return f"fails at {result['stage']}: {error}"


def test_the_kept_configs_are_the_listed_ones():
    found = {
        osp.relpath(p, CONFIGS)
        for p in PORTABILITY.find_configs(osp.dirname(CONFIGS))
    }
    assert found == set(EXPECTED) | set(TTP_EXPECTED)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_open_cd_config(name, tmp_path):
    result = PORTABILITY.run_config(osp.join(CONFIGS, name), str(tmp_path),
                                    size=32)
    assert outcome(result) == EXPECTED[name]


@pytest.mark.parametrize('name', sorted(TTP_EXPECTED))
def test_open_cd_ttp_config_at_reduced_width(name, tmp_path):
    require_modules('mmpretrain', 'peft', install=TTP_EXTRA)
    result = PORTABILITY.run_config(osp.join(CONFIGS, name), str(tmp_path),
                                    size=32, options=TTP_REDUCED_WIDTH)
    assert outcome(result) == TTP_EXPECTED[name]


def build_dataset_base(path: str, work_dir: str) -> str:
    cfg = Config.fromfile(path)
    PORTABILITY.user_edits(cfg, work_dir, 32)
    with DefaultScope.overwrite_default_scope('changefine_mm'):
        try:
            PORTABILITY.build_data(cfg, 32)
        except PORTABILITY.StageError as err:
            return outcome(dict(status='fails', stage=err.stage,
                                error=PORTABILITY._first_line(err.error)))
    return 'builds'


@pytest.mark.parametrize('name', sorted(DATASET_BASES))
def test_open_cd_dataset_config(name):
    path = osp.join(CONFIGS, '_base_', 'datasets', name)
    with tempfile.TemporaryDirectory() as work_dir:
        assert build_dataset_base(path, work_dir) == DATASET_BASES[name]


def test_summary_table_counts_per_family():
    root = osp.dirname(CONFIGS)
    results = {
        osp.join(CONFIGS, 'bit', 'a.py'):
        dict(status='runs', stage='val_step', error=''),
        osp.join(CONFIGS, 'bit', 'b.py'):
        dict(status='fails', stage='train_step', error='x'),
        osp.join(CONFIGS, 'ban', 'c.py'):
        dict(status='fails', stage='model', error='y'),
    }
    table = PORTABILITY.summary_table(results, root)
    assert '| ban | 1 | 0 | 0 |' in table
    assert '| bit | 2 | 2 | 1 |' in table
    assert '| **all** | **3** | **2** | **1** |' in table


def test_user_edits_turn_weight_downloads_off():
    """Explicit and default ``pretrained=True`` (IFN downloads VGG-16
    unless told not to), weight paths and Pretrained init_cfg."""
    model = dict(
        type='DIEncoderDecoder', pretrained='open-mmlab://resnet18_v1c',
        backbone=dict(type='IFN'),
        neck=dict(type='TinyCD', pretrained=True),
        decode_head=dict(type='FCNHead', init_cfg=dict(
            type='Pretrained', checkpoint='x.pth')))
    PORTABILITY._walk(model, PORTABILITY._no_downloads)
    assert model['pretrained'] is None
    assert model['backbone']['pretrained'] is False
    assert model['neck']['pretrained'] is False
    assert model['decode_head']['init_cfg'] is None
