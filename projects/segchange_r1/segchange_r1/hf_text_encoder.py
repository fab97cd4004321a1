"""HFTextEncoder: a local Hugging Face model (BERT, phi-1.5) as encoder."""
import os.path as osp
from typing import List, Optional, Tuple

import torch
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS


def fit_length(tokens: torch.Tensor, length: int) -> torch.Tensor:
    """Cut or zero-pad the token axis (dim 1) to ``length``.

    Args:
        tokens (Tensor): (B, T, ...) token embeddings or (B, T) mask.
        length (int): Wanted number of tokens.

    Returns:
        Tensor: (B, length, ...), zeros (False) after the last token.
    """
    if tokens.shape[1] >= length:
        return tokens[:, :length]
    pad = tokens.new_zeros(
        (tokens.shape[0], length - tokens.shape[1], *tokens.shape[2:]))
    return torch.cat([tokens, pad], dim=1)


@MODELS.register_module()
class HFTextEncoder(BaseModule):
    """Encode prompts with the last hidden states of a Hugging Face model.

    Paper section 3.1.2; official classes
    ``models/encoders/text_encoder.py::TextEncoderBert`` (default,
    ``bert-base-uncased``, 768-d) and ``TextEncoderLLM``
    (``microsoft/phi-1_5``, 2048-d). ``AutoModel`` gives the base model of
    either, whose ``last_hidden_state`` is what the official classes
    return. Prompts are padded to the longest of the batch; a tokenizer
    without a pad token (phi) pads with its end-of-sequence token, as the
    official code does.

    The official ``build_embs`` then cuts the hidden states to
    ``seq_len=8`` tokens or pads them with zero vectors, and returns zeros
    for the whole batch when the batch's first prompt is empty;
    ``seq_len=8, zero_if_first_empty=True`` (the ``segchange_r1_official_*``
    configs) do the same. By default every token is kept and empty prompts
    are encoded like any other.

    Only local folders are accepted (``local_files_only``), so nothing is
    downloaded. Needs the optional ``transformers`` package; the weights
    are read by transformers itself (safetensors, or its weights-only
    loader for ``.bin`` files).

    Args:
        model_path (str): Folder written by ``save_pretrained`` (config,
            weights and tokenizer files).
        frozen (bool): Keep the weights fixed. Defaults to True, as in the
            official ``freeze_text_encoder``.
        max_length (int, optional): Truncate prompts to this many tokens.
        seq_len (int, optional): Cut or zero-pad the hidden states (and
            the mask) to this many tokens. Defaults to None (keep all).
        zero_if_first_empty (bool): Return zero embeddings (and an empty
            mask) for the batch when its first prompt is ''. Needs
            ``seq_len``. Defaults to False.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 model_path: str,
                 frozen: bool = True,
                 max_length: Optional[int] = None,
                 seq_len: Optional[int] = None,
                 zero_if_first_empty: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if zero_if_first_empty and seq_len is None:
            raise ValueError('zero_if_first_empty needs seq_len (the length '
                             'of the zero embeddings), e.g. seq_len=8')
        try:
            from transformers import AutoModel, AutoTokenizer
        except ImportError as err:
            raise ImportError(
                'HFTextEncoder needs the optional package `transformers` '
                '(pip install transformers); or use CLIPTextEncoder') from err
        model_path = osp.expanduser(str(model_path))
        if not osp.isdir(model_path):
            raise FileNotFoundError(
                f'Hugging Face model folder not found: {model_path} (give '
                'the local folder of e.g. bert-base-uncased; nothing is '
                'downloaded)')
        self.tokenizer = AutoTokenizer.from_pretrained(
            model_path, local_files_only=True)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModel.from_pretrained(model_path,
                                               local_files_only=True)
        self.frozen = frozen
        self.max_length = max_length
        self.seq_len = seq_len
        self.zero_if_first_empty = zero_if_first_empty
        self.embed_dim = self.model.config.hidden_size
        if frozen:
            self.model.requires_grad_(False)

    def train(self, mode: bool = True) -> 'HFTextEncoder':
        """Switch mode; a frozen model stays in eval mode."""
        super().train(mode)
        if self.frozen:
            self.model.eval()
        return self

    def forward(self, prompts: List[str]
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Embed a batch of prompts.

        Args:
            prompts (list[str]): One description per image.

        Returns:
            tuple: (B, T, hidden_size) last hidden states and the (B, T)
            bool attention mask.
        """
        device = next(self.model.parameters()).device
        if self.zero_if_first_empty and prompts[0] == '':
            shape = (len(prompts), self.seq_len)
            return (torch.zeros(*shape, self.embed_dim, device=device),
                    torch.zeros(shape, dtype=torch.bool, device=device))
        encoded = self.tokenizer(
            list(prompts),
            padding=True,
            truncation=self.max_length is not None,
            max_length=self.max_length,
            return_tensors='pt').to(device)
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.frozen):
            hidden = self.model(
                input_ids=encoded['input_ids'],
                attention_mask=encoded['attention_mask']).last_hidden_state
        mask = encoded['attention_mask'].bool()
        if self.seq_len is not None:
            hidden, mask = fit_length(hidden, self.seq_len), fit_length(
                mask, self.seq_len)
        return hidden, mask
