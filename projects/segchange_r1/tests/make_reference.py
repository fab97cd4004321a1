"""Make the SegChange-R1 parity reference by running the official code.

Run OUTSIDE this package, with the official repository (github.com/
Yu-Zhouz/SegChange-R1, read at 441c3fb) extracted and first on the path::

    git --git-dir=<mirror> archive HEAD models utils | tar -x -C /tmp/scr1
    PYTHONPATH=/tmp/scr1 python \
        projects/segchange_r1/tests/make_reference.py /tmp/scr1

It runs, at small widths, the official text path and decoder side:

* ``build_embs`` with ``bert-base-uncased`` replaced by a tiny random BERT
  written with ``save_pretrained`` (the official ``TextEncoderBert`` loads
  it through ``from_pretrained`` like the real one), for three prompt
  batches: shorter than ``seq_len=8`` (zero-padded), longer (cut) and
  with an empty first prompt (zeros);
* ``LightweightFPN`` and ``FPNFeatureFuser`` (with EGA) on four scales;
* ``MaskHead`` on a fused map with each batch's embeddings;
* ``BEVLinearAttention`` and ``FeatureDiffModule`` (CBAM) on the scales;
* ``TotalLoss`` with the official weights on fixed logits and labels.

Weights get exactly representable random values (``offset + t * scale``,
``t`` in {-1, 0, 1}, as ChangeCLIP's ``make_reference.py``); the BERT
weights, its config and vocabulary, the inputs, embeddings and outputs go
to ``data/segchange_r1.npz``. ``einops`` (used only by the BEV modules,
not run here) is stubbed when it is not installed.
"""
import argparse
import json
import math
import os.path as osp
import sys
import tempfile
import types

import numpy as np
import torch
from torch import nn

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, HERE)
from tiny_bert import CONFIG as BERT  # noqa: E402
from tiny_bert import VOCAB, write_tiny_bert  # noqa: E402

SEED = 0
PROMPTS = {
    'short': ['buildings with changes', 'new roads'],
    'long': ['buildings with changes and new roads near the river',
             'new roads'],
    'empty': ['', 'new roads'],
}
SCALE_CHANNELS = 32
VIS_DIM = 128  # GroupNorm(32, vis_dim // 4) needs 128 at least


def exact_fill(model: nn.Module, generator: torch.Generator,
               prefix: str = '') -> dict:
    """Give every float weight exactly representable random values."""
    packed = {}
    for name, tensor in model.state_dict().items():
        if not tensor.is_floating_point():
            continue
        ternary = torch.randint(-1, 2, tensor.shape, generator=generator)
        if tensor.dim() >= 2:
            fan_in = tensor[0].numel()
            offset, scale = 0.0, 2.0**-math.ceil(math.log2(fan_in) / 2)
        elif name.endswith(('weight', 'running_var')):
            offset, scale = 1.0, 0.25
        else:
            offset, scale = 0.0, 0.125
        tensor.copy_(offset + ternary.float() * scale)
        packed[f'w/{prefix}{name}'] = ternary.to(torch.int8).numpy()
        packed[f'o/{prefix}{name}'] = np.float32(offset)
        packed[f's/{prefix}{name}'] = np.float32(scale)
    return packed


def tiny_bert(folder: str, generator: torch.Generator) -> dict:
    """Write a tiny random BERT; return its exactly filled weights."""
    from transformers import BertConfig, BertModel
    model = BertModel(BertConfig(**BERT)).eval()
    packed = exact_fill(model, generator, prefix='bert/')
    write_tiny_bert(folder, BERT, VOCAB, model.state_dict())
    return packed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('official_root', help='holds the official models/')
    args = parser.parse_args()
    sys.path.insert(0, args.official_root)
    try:
        import einops  # noqa: F401
    except ImportError:
        stub = types.ModuleType('einops')
        stub.rearrange = None
        sys.modules['einops'] = stub
    from models.encoders import text_encoder
    from models.encoders.bev import BEVLinearAttention
    from models.losses.loss import TotalLoss
    from models.neck.feature_diff import FeatureDiffModule
    from models.masks.mask import MaskHead
    from models.neck.fpn import FPNFeatureFuser, LightweightFPN

    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    packed = {}
    folder = tempfile.mkdtemp(prefix='tiny_bert_')
    packed.update(tiny_bert(folder, generator))
    official_bert = text_encoder.TextEncoderBert
    # build_embs only knows the hub name; point it at the local folder.
    text_encoder.TextEncoderBert = (
        lambda model_name, **kw: official_bert(model_name=folder, **kw))
    outputs = {}
    for case, prompts in PROMPTS.items():
        with torch.no_grad():
            embs = text_encoder.build_embs(
                prompts, 'bert-base-uncased', True, 'cpu',
                batch_size=len(prompts))
        if case == 'empty':
            # Zeros of bert-base's hard-coded width 768; the same zeros at
            # the tiny BERT's width.
            assert embs.shape == (2, 8, 768) and not embs.any()
            embs = torch.zeros(2, 8, BERT['hidden_size'])
        outputs[f'embs_{case}'] = embs.numpy()

    scales = [torch.randint(-8, 9, (2, SCALE_CHANNELS, s, s),
                            generator=generator) for s in (8, 4, 2, 1)]
    for name, neck in (('lfpn', LightweightFPN), ('fpn', FPNFeatureFuser)):
        module = neck([SCALE_CHANNELS] * 4, fpn_out_channels=32,
                      use_ega=True).eval()
        packed.update(exact_fill(module, generator, prefix=f'{name}/'))
        with torch.no_grad():
            outputs[f'{name}_out'] = module(
                [s.float() / 4 for s in scales]).numpy()
    for i, s in enumerate(scales):
        outputs[f'scale{i}'] = s.to(torch.int8).numpy()

    head = MaskHead(vis_dim=VIS_DIM, lang_dim=BERT['hidden_size'],
                    num_classes=1, n_heads=8).eval()
    packed.update(exact_fill(head, generator, prefix='head/'))
    fused = torch.randint(-8, 9, (2, VIS_DIM, 8, 8), generator=generator)
    outputs['fused'] = fused.to(torch.int8).numpy()
    for case in PROMPTS:
        with torch.no_grad():
            outputs[f'logits_{case}'] = head(
                fused.float() / 4,
                torch.from_numpy(outputs[f'embs_{case}'])).numpy()
    # The dual encoder's BEV converter and the difference module (CBAM, the
    # official config's choice) at the small width.
    bev = BEVLinearAttention(SCALE_CHANNELS, SCALE_CHANNELS).eval()
    packed.update(exact_fill(bev, generator, prefix='bev/'))
    diff = FeatureDiffModule([SCALE_CHANNELS] * 4, 'CBAM').eval()
    packed.update(exact_fill(diff, generator, prefix='diff/'))
    scales_b = [torch.randint(-8, 9, s.shape, generator=generator)
                for s in scales]
    with torch.no_grad():
        outputs['bev_out'] = bev(scales[0].float() / 4).numpy()
        for i, d in enumerate(diff([s.float() / 4 for s in scales],
                                   [s.float() / 4 for s in scales_b])):
            outputs[f'diff_out{i}'] = d.numpy()
    for i, s in enumerate(scales_b):
        outputs[f'scale_b{i}'] = s.to(torch.int8).numpy()
    # The official loss (configs/config.yaml weights) on fixed logits.
    logits = torch.randint(-16, 17, (2, 1, 16, 16), generator=generator)
    labels = torch.randint(0, 2, (2, 16, 16), generator=generator)
    total = TotalLoss(num_classes=1, weight_ce=1.0, weight_dice=1.5,
                      weight_focal=1.5, alpha=0.6, gamma=2.0,
                      weight_bcl=0.3)
    outputs['loss_logits'] = logits.to(torch.int8).numpy()
    outputs['loss_labels'] = labels.to(torch.int8).numpy()
    outputs['loss_total'] = total(logits.float() / 8, labels).numpy()
    out = osp.join(HERE, 'data', 'segchange_r1.npz')
    np.savez_compressed(
        out, bert_config=np.array(json.dumps(BERT)),
        vocab=np.array(list(VOCAB)),
        **{f'prompts_{c}': np.array(p) for c, p in PROMPTS.items()},
        **outputs, **packed)
    print(out)


if __name__ == '__main__':
    main()
