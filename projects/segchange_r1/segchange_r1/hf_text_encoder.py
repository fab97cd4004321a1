"""HFTextEncoder: a local Hugging Face model (BERT, phi-1.5) as encoder."""
import os.path as osp
from typing import List, Optional, Tuple

import torch
from mmengine.model import BaseModule

from changefine_mm.registry import MODELS


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
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 model_path: str,
                 frozen: bool = True,
                 max_length: Optional[int] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
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
        return hidden, encoded['attention_mask'].bool()
