"""Check one of our models against an open-cd differential reference.

The references (tests/models/data/opencd/<family>/, made by
``make_references.py`` there from open-cd's real code) hold open-cd's
config, its state-dict layout and its outputs on one 64x64 pair. The
checks build the config in our scope, write open-cd's weights as an
mmengine checkpoint, load it strictly and compare the outputs.
"""
import importlib.util
import os.path as osp
from typing import Tuple

import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint, save_checkpoint
from mmseg.structures import SegDataSample

from changefine_mm.registry import MODELS

DATA = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'opencd')


def _weights_module():
    spec = importlib.util.spec_from_file_location(
        'opencd_synthetic_weights', osp.join(DATA, 'synthetic_weights.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WEIGHTS = _weights_module()


def reference_config(family: str) -> Config:
    """open-cd's config of the reference, in our scope."""
    cfg = Config.fromfile(osp.join(DATA, family, 'config.py'))
    cfg.default_scope = 'changefine_mm'
    return cfg


def reference_spec(family: str) -> list:
    """open-cd's state-dict entries (name, shape, dtype) of the reference."""
    return WEIGHTS.read_spec(osp.join(DATA, family, 'state_dict_spec.json'))


def load_reference_model(family: str, work_dir: str,
                         **model_options) -> Tuple[Config, torch.nn.Module]:
    """Build the reference config with our modules and load open-cd's
    weights strictly from an mmengine checkpoint.

    Args:
        family (str): The reference folder.
        work_dir (str): Where to write the checkpoint.
        **model_options: Merged into the model config.

    Returns:
        tuple[Config, nn.Module]: The config and our model in eval mode.
    """
    cfg = reference_config(family)
    cfg.merge_from_dict(dict(model=model_options))
    spec = reference_spec(family)
    path = osp.join(work_dir, f'{family}.pth')
    seed = WEIGHTS.read_seed(osp.join(DATA, family, 'state_dict_spec.json'))
    save_checkpoint(
        dict(meta=dict(), state_dict=WEIGHTS.synthetic_state_dict(spec,
                                                                  seed)),
        path)
    torch.manual_seed(1)  # any seed: every weight comes from the file
    model = MODELS.build(cfg.model)
    load_checkpoint(model, path, map_location='cpu', strict=True)
    return cfg, model.eval()


def check_against_reference(family: str, work_dir: str,
                            **model_options) -> None:
    """Our outputs equal open-cd's: logits within 1e-5, same mask.

    Args:
        family (str): The reference folder.
        work_dir (str): Scratch folder for the checkpoint.
        **model_options: Merged into the model config, for arguments
            open-cd's modules lack (e.g. ``backbone=dict(pretrained=None)``
            where open-cd always downloads weights).
    """
    _, model = load_reference_model(family, work_dir, **model_options)
    ours = [(e['name'], e['shape'], e['dtype'])
            for e in WEIGHTS.spec_of(model.state_dict())]
    assert ours == [(e['name'], e['shape'], e['dtype'])
                    for e in reference_spec(family)]
    ref = torch.load(osp.join(DATA, family, 'reference_io.pt'),
                     weights_only=True)
    size = tuple(ref['packed_inputs_uint8'].shape[1:])
    batch = dict(
        inputs=[ref['packed_inputs_uint8']],
        data_samples=[
            SegDataSample(metainfo=dict(ori_shape=size, img_shape=size))
        ])
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
