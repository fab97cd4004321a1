"""A tiny BERT folder (save_pretrained + vocab.txt) for the tests."""
import os.path as osp
from typing import Dict, Optional, Sequence

import torch

VOCAB = ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'buildings', 'with',
         'changes', 'and', 'new', 'roads', 'near', 'the', 'river', ',', '.')
CONFIG = dict(vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1,
              num_attention_heads=2, intermediate_size=32,
              max_position_embeddings=32)


def write_tiny_bert(folder: str,
                    config: Optional[dict] = None,
                    vocab: Sequence[str] = VOCAB,
                    weights: Optional[Dict[str, torch.Tensor]] = None
                    ) -> str:
    """Write a BertModel folder that HFTextEncoder can read.

    Args:
        folder (str): Where to write (config, weights, vocab.txt).
        config (dict, optional): BertConfig arguments. Defaults to
            :data:`CONFIG`.
        vocab (sequence[str]): WordPiece vocabulary, one token a line.
        weights (dict, optional): Weights to load (random if None).

    Returns:
        str: ``folder``.
    """
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    model = BertModel(BertConfig(**(config or CONFIG)))
    if weights is not None:
        model.load_state_dict(weights, strict=False)
    model.save_pretrained(folder)
    with open(osp.join(folder, 'vocab.txt'), 'w') as f:
        f.write('\n'.join(vocab) + '\n')
    return folder
