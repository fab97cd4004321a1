"""Tiny checkpoints of real configs, written by the tests themselves."""
import os.path as osp

import torch
from mmengine.config import Config

from changefine_mm.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TEXT_CONFIG = osp.join(REPO, 'projects', 'segchange_r1', 'configs',
                       'segchange_r1_tiny_demo.py')
PLAIN_CONFIG = osp.join(REPO, 'configs', 'fcsn', 'fc_siam_diff_demo.py')


def write_checkpoint(config: str, path: str, seed: int = 0) -> str:
    """Save a randomly initialised model of ``config`` as a training
    checkpoint (``meta`` + ``state_dict``), as the Runner writes it."""
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(config).model)
    torch.save(dict(meta=dict(seed=seed), state_dict=model.state_dict()),
               path)
    return path
