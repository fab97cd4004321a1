"""The segchange_r1_official_* configs: the official setup, end to end."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from changefine_mm.registry import MODELS
from projects.segchange_r1.tests.test_segchange_r1 import TINY, _samples
from projects.segchange_r1.tests.tiny_bert import CONFIG, write_tiny_bert

pytestmark = pytest.mark.usefixtures('one_torch_thread')

CONFIGS = osp.dirname(TINY)
OFFICIAL = ['segchange_r1_official_swin-b_512x512_200e_levircd.py',
            'segchange_r1_official_swin-b_512x512_200e_whucd.py']


@pytest.mark.parametrize('name', OFFICIAL)
def test_official_config_has_the_official_setup(name):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    model = cfg.model
    assert model.text_encoder.type == 'HFTextEncoder'
    assert model.text_encoder.model_path.endswith('bert-base-uncased')
    assert (model.text_encoder.seq_len,
            model.text_encoder.zero_if_first_empty) == (8, True)
    assert model.text_encoder.frozen
    head = model.decode_head
    assert (head.text_channels, head.projector_mode) == (768, 'official')
    assert head.conv_bias is True and model.neck.conv_bias is True
    focal, = [loss for loss in head.loss_decode
              if loss.type == 'BinaryFocalLoss']
    assert (focal.mode, focal.alpha, focal.gamma) == ('official', 0.6, 2.0)
    assert cfg.train_dataloader.batch_size == 4
    assert cfg.train_cfg.max_epochs == 200
    step, = cfg.param_scheduler
    assert (step.type, step.step_size, step.gamma) == ('StepLR', 20, 0.1)
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.optim_wrapper.optimizer.weight_decay == 1e-4


def test_tiny_official_model_trains_and_predicts(tmp_path):
    """The official settings on the tiny demo model, with a tiny BERT."""
    pytest.importorskip('transformers')
    official = Config.fromfile(osp.join(CONFIGS, OFFICIAL[0])).model
    cfg = Config.fromfile(TINY)
    folder = write_tiny_bert(str(tmp_path / 'bert'))
    width = CONFIG['hidden_size']
    cfg.merge_from_dict(dict(model=dict(
        neck=dict(conv_bias=True),
        decode_head=dict(text_channels=width, projector_mode='official',
                         conv_bias=True,
                         loss_decode=official.decode_head.loss_decode),
        text_encoder=dict(official.text_encoder, model_path=folder,
                          _delete_=True))))
    model = MODELS.build(cfg.model)
    assert model.neck.scale_convs[0].conv.bias is not None
    assert model.decode_head.mask_convs[0].conv.bias is not None
    inputs = torch.randn(2, 6, 32, 32)
    losses = model.loss(inputs, _samples(['buildings with changes', None]))
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    # The BERT stays frozen.
    assert all(p.grad is None for p in model.text_encoder.parameters())
    model.eval()
    with torch.no_grad():
        text, mask = model.encode_prompts([dict(prompt=''),
                                           dict(prompt='new roads')])
        assert text.shape == (2, 8, width) and not text.any()
        assert not mask.any()
        with_text = model.predict(inputs, _samples(['new roads'] * 2))
        without = model.predict(inputs, _samples(['', 'new roads']))
    # An empty first prompt silences the text of the whole batch.
    assert not torch.allclose(with_text[1].seg_logits.data,
                              without[1].seg_logits.data)
