"""Time Travelling Pixels (open-cd's ``TimeTravellingPixels`` with
``VisionTransformerTurner``, ``ViTSAM_Custom``,
``TimeFusionTransformerEncoderLayer``, ``SequentialNeck``, ``SimpleFPN``,
``MLPSegHead``) and its MTKD wrapper ``DistillTimeTravellingPixels``.

Reference: tests/models/data/opencd/ttp/, made with open-cd's real code by
make_reference.py there (SAM encoder reduced to 32 channels and 4 layers,
LoRA as in open-cd's config): open-cd's config, checkpoint, input pair and
outputs; under mtkd/, the losses of open-cd's DistillTimeTravellingPixels.
TTP needs the optional ``ttp`` extra (mmpretrain, peft): without
it these tests skip, except in CI, which installs it (requirements/
tests.txt).
"""
import json
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint, save_checkpoint
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from changefine_mm.models.utils.optional_mmpretrain import (TTP_EXTRA,
                                                            import_peft,
                                                            missing_base)
from changefine_mm.registry import MODELS
from conftest import REPO_ROOT, require_modules
from opencd_reference import (DATA, WEIGHTS, load_reference_model,
                              reference_config)
from test_opencd_mtkd import reference_batch as labelled_reference_batch

pytestmark = pytest.mark.usefixtures('one_torch_thread')
REFERENCE = osp.join(DATA, 'ttp')


@pytest.fixture
def ttp_extra():
    """Skip without mmpretrain and peft, or fail when CI is set."""
    require_modules('mmpretrain', 'peft', install=TTP_EXTRA)


def reference_model() -> torch.nn.Module:
    """Our model from open-cd's config, open-cd's checkpoint loaded
    strictly."""
    torch.manual_seed(1)  # any seed: every weight comes from the file
    model = MODELS.build(reference_config('ttp').model)
    load_checkpoint(model, osp.join(REFERENCE, 'checkpoint.pth'),
                    map_location='cpu', strict=True)
    return model.eval()


def labelled_sample(label: torch.Tensor) -> SegDataSample:
    sample = SegDataSample(metainfo=dict(img_shape=tuple(label.shape[1:])))
    sample.gt_sem_seg = PixelData(data=label)
    return sample


def test_outputs_equal_open_cd(ttp_extra):
    model = reference_model()
    ours = [(e['name'], e['shape'], e['dtype'])
            for e in WEIGHTS.spec_of(model.state_dict())]
    assert ours == [(e['name'], e['shape'], e['dtype'])
                    for e in WEIGHTS.read_spec(
                        osp.join(REFERENCE, 'state_dict_spec.json'))]
    ref = torch.load(osp.join(REFERENCE, 'reference_io.pt'),
                     weights_only=True)
    size = tuple(ref['packed_inputs_uint8'].shape[1:])
    batch = dict(inputs=[ref['packed_inputs_uint8']], data_samples=[
        SegDataSample(metainfo=dict(ori_shape=size, img_shape=size))])
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        head_logits = model(data['inputs'], data['data_samples'],
                            mode='tensor')
        result = model.test_step(batch)[0]
    torch.testing.assert_close(head_logits, ref['head_logits'], rtol=1e-5,
                               atol=1e-5)
    torch.testing.assert_close(result.seg_logits.data, ref['seg_logits'],
                               rtol=1e-5, atol=1e-5)
    assert torch.equal(result.pred_sem_seg.data, ref['pred_sem_seg'])
    changed = ref['pred_sem_seg'].float().mean()
    assert 0.2 < changed < 0.8 and ref['min_margin'] > 1e-4


def test_lora_trains_adapters_not_the_encoder(ttp_extra):
    model = reference_model().train()
    label = torch.zeros(1, 64, 64, dtype=torch.long)
    label[:, 8:40, 8:40] = 1
    # Two pairs: the head's BatchNorm sees the 1x1 top pyramid level.
    losses = model.loss(torch.randn(2, 6, 64, 64),
                        [labelled_sample(label)] * 2)
    losses['decode.loss_ce'].backward()
    layer = model.backbone.vision_encoder.base_model.model.layers[0]
    qkv = layer.attn.qkv
    assert qkv.lora_A.default.weight.grad is not None
    assert qkv.base_layer.bias.grad is not None  # bias='lora_only'
    assert not qkv.base_layer.weight.requires_grad
    # peft freezes everything but the adapters, the time fusion included.
    assert not layer.soft_ffn[0].weight.requires_grad
    assert model.decode_head.conv_seg.weight.grad is not None


def test_time_fusion_lets_date_b_reach_date_a(ttp_extra):
    """The encoder reads both dates at once: date A's features depend on
    date B (they would not with separate Siamese passes)."""
    model = reference_model()
    pair = torch.randn(1, 6, 64, 64, generator=torch.Generator()
                       .manual_seed(0))
    other_b = pair.clone()
    other_b[:, 3:] = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        feat_a = [model.backbone(torch.cat([x[:, :3], x[:, 3:]]))[0][0]
                  for x in (pair, other_b)]
    assert not torch.allclose(feat_a[0], feat_a[1])


def test_encoder_is_frozen_without_lora(ttp_extra):
    backbone = reference_config('ttp').model.backbone
    backbone.pop('peft_cfg')
    turner = MODELS.build(backbone)
    assert not any(p.requires_grad for p in turner.parameters())


def test_mmpretrain_vitsam_resolves_in_our_scope(ttp_extra):
    encoder = MODELS.build(dict(
        type='mmpretrain.ViTSAM', img_size=32, out_channels=8,
        arch=dict(embed_dims=16, num_layers=2, num_heads=2,
                  feedforward_channels=32, global_attn_indexes=[1])))
    assert encoder(torch.randn(1, 3, 32, 32))[0].shape == (1, 8, 2, 2)


def test_distill_ttp_losses_equal_open_cd(ttp_extra, tmp_path):
    """open-cd's MTKD step-3 TTP config (reduced like the reference): the
    student's and the distillation losses of two pairs taught by the small-
    and the large-change teacher, model in eval mode."""
    _, model = load_reference_model('ttp/mtkd', str(tmp_path))
    ours = [(e['name'], e['shape'])
            for e in WEIGHTS.spec_of(model.state_dict())]
    spec = WEIGHTS.read_spec(osp.join(REFERENCE, 'mtkd',
                                      'state_dict_spec.json'))
    assert ours == [(e['name'], e['shape']) for e in spec]
    ref = torch.load(osp.join(REFERENCE, 'mtkd', 'reference_io.pt'),
                     weights_only=True)
    with torch.no_grad():
        data = model.data_preprocessor(labelled_reference_batch(ref), True)
        losses = model.loss(data['inputs'], data['data_samples'])
    assert sorted(losses) == sorted(ref['losses'])
    for key, value in ref['losses'].items():
        torch.testing.assert_close(losses[key], value, rtol=1e-5, atol=1e-5)


def test_distill_ttp_adds_teachers_in_eval_mode(ttp_extra):
    cfg = reference_config('ttp')
    model = MODELS.build(dict(
        cfg.model, type='DistillTimeTravellingPixels',
        distill_loss=dict(type='DistillLossWithPixel', temperature=2.0,
                          loss_weight=0.0, pixel_weight=0.001)))
    state = model.state_dict()
    for size in 'lms':
        assert (f'teacher_{size}.backbone.vision_encoder.base_model.model.'
                'pos_embed') in state
    label = torch.zeros(1, 64, 64, dtype=torch.long)
    label[:, :32, :32] = 1  # 25 % changed: the large-change teacher
    assert model.teacher_for(0.25) is model.teacher_l
    losses = model.loss(torch.randn(2, 6, 64, 64),
                        [labelled_sample(label)] * 2)
    assert set(losses) == {'decode.acc_seg', 'decode.loss_ce', 'distill'}
    assert not model.teacher_l.training


def test_missing_extra_names_the_install_command():
    error = ImportError("No module named 'mmpretrain'", name='mmpretrain')

    class Encoder(missing_base('mmpretrain.ViTSAM', error)):
        pass

    with pytest.raises(ImportError,
                       match=r'Encoder needs mmpretrain.ViTSAM .*'
                       r'changefine-mm\[ttp\]'):
        Encoder(arch='large')


def test_full_size_config_has_open_cd_layout(ttp_extra):
    """open-cd's own config (SAM ViT-L, 512x512, LoRA) builds with its
    state-dict names and shapes and its trainable parameters; no forward
    (a train step is measured by tools/analysis_tools/opencd_portability.py,
    see docs/baselines.md)."""
    path = osp.join(REPO_ROOT, 'tests', 'data', 'opencd_configs', 'configs',
                    'ttp', 'ttp_vit-sam-l_512x512_300e_levircd.py')
    cfg = Config.fromfile(path)
    cfg.model.backbone.encoder_cfg.init_cfg = None  # no SAM download
    with open(osp.join(REFERENCE, 'state_dict_spec_full.json')) as f:
        spec = json.load(f)
    with DefaultScope.overwrite_default_scope('changefine_mm'):
        model = MODELS.build(cfg.model)
    assert [(e['name'], e['shape']) for e in WEIGHTS.spec_of(
        model.state_dict())] == [(e['name'], e['shape'])
                                 for e in spec['entries']]
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == spec['trainable_parameters']


def test_missing_peft_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, 'peft', None)
    with pytest.raises(ImportError, match=r'peft_cfg.*changefine-mm\[ttp\]'):
        import_peft()


def test_checkpoints_of_peft_before_0_7_load(ttp_extra, tmp_path):
    """peft < 0.7 saved the adapted layer's own weights as ``qkv.weight``
    (no ``base_layer``); they load strictly into the same weights."""
    model = reference_model()
    state = model.state_dict()
    old = {k.replace('.qkv.base_layer.', '.qkv.'): v
           for k, v in state.items()}
    assert 'backbone.vision_encoder.base_model.model.layers.0.attn.qkv.' \
        'weight' in old
    path = str(tmp_path / 'peft_0_6.pth')
    save_checkpoint(dict(meta=dict(), state_dict=old), path)
    fresh = MODELS.build(reference_config('ttp').model)
    load_checkpoint(fresh, path, map_location='cpu', strict=True)
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, state[key]), key
