"""ChangeCLIP's image encoders and the assembled model: shapes, training."""
import copy

import pytest
import torch
from changeclip_tiny import TINY_RN_ARCH, tiny_clip_file, tiny_config
from open_clip.modified_resnet import ModifiedResNet

from changefine_mm.models.utils.clip_tower_loading import read_clip_tower
from changefine_mm.registry import MODELS
from conftest import prompted_change_batch, train_steps
from projects.changeclip.changeclip import (CLIPResNetWithAttention,
                                            CLIPVisionTransformer)

pytestmark = pytest.mark.usefixtures('one_torch_thread')

NAMES_A = [['building', 'road', 'tree'], ['farmland', 'river', 'pond']]
NAMES_B = [['parking lot', 'square', 'cars'], ['bare land', 'desert',
                                               'mine']]


@pytest.fixture(scope='module')
def rn_clip_file(tmp_path_factory):
    return tiny_clip_file(tmp_path_factory, TINY_RN_ARCH)


@pytest.fixture(scope='module')
def vit_clip_file(tmp_path_factory):
    return tiny_clip_file(tmp_path_factory)


def build(cfg: dict, **changes) -> torch.nn.Module:
    cfg = copy.deepcopy(cfg)
    cfg.update(changes)
    return MODELS.build(cfg)


def r50_model_cfg() -> dict:
    return tiny_config('changeclip_r50_256x256_20k_whucd.py').model.to_dict()


def test_resnet_global_embedding_is_clips_attention_pool(rn_clip_file):
    backbone = CLIPResNetWithAttention(
        layers=[1, 1, 1, 1], width=8, output_dim=16, input_resolution=64,
        clip_checkpoint=rn_clip_file).eval()
    backbone.init_weights()
    reference = ModifiedResNet([1, 1, 1, 1], 16, 4, 64, 8).eval()
    reference.load_state_dict(read_clip_tower(rn_clip_file, 'visual'))
    x = torch.randn(2, 3, 64, 64)
    outs = backbone(x)
    assert [o.shape[1:] for o in outs[:4]] == [
        (32, 16, 16), (64, 8, 8), (128, 4, 4), (256, 2, 2)]
    global_feat, dense = outs[4]
    assert dense.shape == (2, 16, 2, 2)
    # The mean token of the dense pool is exactly CLIP's pooled embedding.
    torch.testing.assert_close(global_feat, reference(x), atol=1e-5,
                               rtol=1e-4)
    # Any input size: the pool's positions are resized.
    assert backbone(torch.randn(1, 3, 96, 96))[4][1].shape == (1, 16, 3, 3)


def test_resnet_loading_resizes_pool_and_rejects_other_dims(
        rn_clip_file):
    backbone = CLIPResNetWithAttention(
        layers=[1, 1, 1, 1], width=8, output_dim=16, input_resolution=128,
        clip_checkpoint=rn_clip_file)
    backbone.init_weights()
    weights = read_clip_tower(rn_clip_file, 'visual')
    torch.testing.assert_close(backbone.layer3[0].conv2.weight,
                               weights['layer3.0.conv2.weight'])
    assert backbone.attnpool.positional_embedding.shape == (17, 256)
    wrong = CLIPResNetWithAttention(
        layers=[1, 1, 1, 1], width=16, output_dim=16,
        clip_checkpoint=rn_clip_file)
    with pytest.raises(ValueError, match='shape mismatches .*conv1.weight'):
        wrong.init_weights()


def test_vit_outputs_and_loading(vit_clip_file):
    backbone = CLIPVisionTransformer(
        input_resolution=64, patch_size=16, width=64, layers=4, heads=1,
        output_dim=16, out_indices=[0, 1, 2, 3], clip_checkpoint=vit_clip_file)
    backbone.init_weights()
    weights = read_clip_tower(vit_clip_file, 'visual')
    torch.testing.assert_close(backbone.proj, weights['proj'])
    # The 2x2 grid of the 32-pixel checkpoint is resized to 4x4.
    assert backbone.positional_embedding.shape == (17, 64)
    outs = backbone(torch.randn(2, 3, 64, 64))
    assert [tuple(o.shape[2:]) for o in outs[:4]] == [
        (16, 16), (8, 8), (4, 4), (2, 2)]
    assert outs[4][0].shape == (2, 16) and outs[4][1].shape == (2, 16, 4, 4)
    with pytest.raises(ValueError, match='out_indices'):
        CLIPVisionTransformer(layers=4, out_indices=[3, 5, 7, 11])


@pytest.mark.parametrize('tiny', ['changeclip_r50_256x256_20k_whucd.py',
                                  'changeclip_vit-b16_256x256_20k_whucd.py'])
def test_detector_loss_and_prediction_shapes(tiny):
    model = MODELS.build(tiny_config(tiny).model)
    data = model.data_preprocessor(prompted_change_batch(NAMES_A, NAMES_B),
                                   True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'decode.loss_ce', 'decode.acc_seg'}
    model.eval()
    with torch.no_grad():
        results = model.test_step(prompted_change_batch(NAMES_A, NAMES_B))
        logits = model(
            **model.data_preprocessor(prompted_change_batch(NAMES_A, NAMES_B)),
            mode='tensor')
    assert results[0].seg_logits.data.shape == (2, 64, 64)
    assert results[1].pred_sem_seg.data.shape == (1, 64, 64)
    assert logits.shape == (2, 2, 16, 16)


def test_few_training_iterations_reduce_the_loss():
    torch.manual_seed(0)
    model = build(r50_model_cfg())
    model.data_preprocessor.size = (32, 32)
    data = model.data_preprocessor(
        prompted_change_batch(NAMES_A, NAMES_B, size=32), True)
    losses = train_steps(model, data, steps=4)
    assert losses[-1] < 0.8 * losses[0], losses
