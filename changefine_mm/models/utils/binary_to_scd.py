"""Carry a binary ChangeFine checkpoint's change branch into ChangeFineSCD.

A binary :class:`ChangeFine` and a :class:`ChangeFineSCD` share the
trainable SAM-CLIP fusion and CoOp context (``backbone.*``), the CPFM neck
(``neck.*``) and the prompt change decoder, which the SCD model holds as
``decode_head.binary_cd_head.*`` instead of ``decode_head.*``. The
land-cover head (``decode_head.semantic_cd_head.*``) exists only in the
SCD model. A few tensors have a shape that depends on the number K of
class prompts (the backbone's score-map fusion, the neck's score fusion);
column k of them belongs to class k, so they are only worth carrying over
when both models prompt with the same class names.
"""
import ast
import contextlib
import copy
import logging
from typing import Dict, Iterator, List, NamedTuple, Optional, Set

import torch
from mmengine.logging import MMLogger
from torch import Tensor

from changefine_mm.registry import MODELS
from changefine_mm.utils import state_dict_mismatch

# Entries every ChangeFine state dict has (the change decoder, the CPFMs).
BINARY_MARKS = ('decode_head.', 'neck.interacts.')
BINARY_HEAD = 'decode_head.'
SCD_HEAD = 'decode_head.binary_cd_head.'
FROZEN_FILES = ('sam_checkpoint', 'clip_checkpoint')
# Any name works: only the shapes of a model with one class more matter.
EXTRA_CLASS = 'an extra class'
# What a stored config's non-literal expression reads as.
NOT_LITERAL = '<not a literal>'


class CarryOver(NamedTuple):
    """What :func:`carry_over` made of a binary checkpoint.

    Attributes:
        state_dict (dict[str, Tensor]): The complete SCD state dict.
        copied (list[str]): SCD keys holding the binary tensor.
        skipped (dict[str, str]): SCD keys whose binary tensor was not
            used, with the reason; they keep their initialisation.
        fresh (list[str]): SCD-only keys, at their initialisation.
        unused (list[str]): Binary keys with no SCD counterpart.
    """

    state_dict: Dict[str, Tensor]
    copied: List[str]
    skipped: Dict[str, str]
    fresh: List[str]
    unused: List[str]


def check_binary_changefine(state_dict: Dict[str, Tensor],
                            source: str) -> None:
    """Refuse a state dict that is not a binary ChangeFine one.

    Args:
        state_dict (dict[str, Tensor]): The checkpoint's state dict.
        source (str): The checkpoint file, for the messages.

    Raises:
        ValueError: If ``state_dict`` lacks ChangeFine's change decoder or
            CPFM entries, or already is a ChangeFineSCD state dict.
    """
    if any(k.startswith(SCD_HEAD) for k in state_dict):
        raise ValueError(
            f'{source} is already a ChangeFineSCD checkpoint (it has '
            f'{SCD_HEAD}* entries): give it to tools/train.py with '
            '--cfg-options load_from=... directly, no conversion needed')
    lacking = [mark for mark in BINARY_MARKS
               if not any(k.startswith(mark) for k in state_dict)]
    if lacking:
        raise ValueError(
            f'{source} is not a binary ChangeFine checkpoint: it has no '
            f'{" / ".join(m + "*" for m in lacking)} entries (first keys: '
            f'{sorted(state_dict)[:4]}). Give a checkpoint that '
            'tools/train.py wrote for a ChangeFine config (an official '
            'whudk/ChangeFine file needs '
            'tools/model_converters/changefine_official_to_mm.py first)')


def scd_key(binary_key: str) -> str:
    """The SCD name of a binary ChangeFine state-dict entry."""
    if binary_key.startswith(BINARY_HEAD):
        return SCD_HEAD + binary_key[len(BINARY_HEAD):]
    return binary_key


def checkpoint_model_cfg(meta: object) -> Optional[dict]:
    """The model config that a Runner checkpoint's ``meta['cfg']`` holds.

    The text is parsed, never run: a config is Python, and running text
    from a checkpoint would undo the safety of ``weights_only`` loading.
    Only literal values are kept (strings, numbers, lists, ``dict(...)``).

    Args:
        meta (object): The checkpoint's ``meta`` entry.

    Returns:
        dict, optional: ``model``'s literal settings, or None when the
        meta holds no readable config (a bare state dict, a hand-made
        file).
    """
    text = meta.get('cfg') if isinstance(meta, dict) else None
    if not isinstance(text, str):
        return None
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == 'model'
                for t in node.targets):
            model = _literal(node.value)
            return model if isinstance(model, dict) else None
    return None


def without_frozen_files(model_cfg: dict) -> dict:
    """``model_cfg`` without the frozen SAM/CLIP weight files.

    Checkpoints never hold the frozen encoders, so a model built only for
    its state dict needs neither their files nor the time to read them.
    """
    model_cfg = copy.deepcopy(model_cfg)
    for key in FROZEN_FILES:
        model_cfg['backbone'][key] = None
    return model_cfg


def build_for_state_dict(model_cfg: dict,
                         device: Optional[str] = None) -> torch.nn.Module:
    """Build a ChangeFine model whose state dict is all that is used.

    The frozen encoders are built random (see
    :func:`without_frozen_files`), so their "RANDOM weights" warnings are
    kept out of the log.

    Args:
        model_cfg (dict): The model config.
        device (str, optional): ``'meta'`` for shapes only.

    Returns:
        nn.Module: The model.
    """
    model_cfg = without_frozen_files(model_cfg)
    device_ctx = torch.device(device) if device else contextlib.nullcontext()
    with _log_errors_only(), device_ctx:
        return MODELS.build(model_cfg)


def class_dependent_keys(model_cfg: dict) -> Set[str]:
    """State-dict keys of the layers whose shape depends on the number of
    class names.

    Found by building the model twice on the meta device (no memory, no
    initialisation), with the config's class names and with one more. A
    layer counts whole: the bias of a layer whose weight depends on K
    belongs with that weight.

    Args:
        model_cfg (dict): A ChangeFine or ChangeFineSCD model config.

    Returns:
        set[str]: The keys of every layer with a shape that differs.
    """
    names = list(model_cfg['backbone']['class_names'])
    shapes = []
    for classes in (names, names + [EXTRA_CLASS]):
        cfg = copy.deepcopy(model_cfg)
        cfg['backbone']['class_names'] = classes
        state = build_for_state_dict(cfg, device='meta').state_dict()
        shapes.append({k: v.shape for k, v in state.items()})
    layers = {_layer(k) for k, shape in shapes[0].items()
              if shapes[1][k] != shape}
    return {k for k in shapes[0] if _layer(k) in layers}


def carry_over(binary: Dict[str, Tensor], scd: Dict[str, Tensor],
               class_dependent: Set[str], class_note: Optional[str],
               source: str, allow_mismatch: bool = False) -> CarryOver:
    """Copy the binary tensors that fit into the SCD state dict.

    Args:
        binary (dict[str, Tensor]): A binary ChangeFine state dict
            (checked by :func:`check_binary_changefine`).
        scd (dict[str, Tensor]): The initial SCD state dict.
        class_dependent (set[str]): SCD keys of the layers whose shape
            depends on K (:func:`class_dependent_keys`).
        class_note (str, optional): Why the class-dependent tensors cannot
            be used; None when both models prompt with the same class
            names, in which case they are copied.
        source (str): The binary checkpoint file, for the messages.
        allow_mismatch (bool): Skip (and report) other tensors of another
            shape instead of refusing the file. Defaults to False.

    Returns:
        CarryOver: The SCD state dict and what happened to every key.

    Raises:
        ValueError: If a tensor outside the class-dependent layers has
            another shape (the configs' widths differ) and
            ``allow_mismatch`` is False; the message names the file and
            the shapes.
    """
    renamed = {scd_key(k): v for k, v in binary.items()}
    shared = [k for k in renamed if k in scd]
    mismatch = state_dict_mismatch(
        {k: scd[k] for k in shared if k not in class_dependent},
        {k: renamed[k] for k in shared}, allow_unexpected=True)
    if mismatch and not allow_mismatch:
        raise ValueError(
            f'{source} does not fit the SCD model outside the layers that '
            f'depend on the class prompts: {mismatch}. The binary and SCD '
            'configs should have the same SAM/CLIP, neck and decoder '
            'widths; --allow-mismatch skips these tensors instead')
    state = dict(scd)
    copied, skipped = [], {}
    for key in shared:
        value = renamed[key]
        if key in class_dependent and class_note is not None:
            skipped[key] = class_note
        elif value.shape != scd[key].shape:
            skipped[key] = state_dict_mismatch({key: scd[key]}, {key: value})
        else:
            state[key] = value.to(scd[key].dtype).clone()
            copied.append(key)
    return CarryOver(
        state_dict=state,
        copied=copied,
        skipped=skipped,
        fresh=[k for k in scd if k not in renamed],
        unused=[k for k in binary if scd_key(k) not in scd])


def _literal(node: ast.AST) -> object:
    """The value of a literal or ``dict(...)`` expression; other
    expressions (names, calls) become :data:`NOT_LITERAL`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == 'dict' and not node.args:
        return {k.arg: _literal(k.value) for k in node.keywords if k.arg}
    if isinstance(node, ast.Dict):
        return {k.value: _literal(v)
                for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant)}
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    try:
        return ast.literal_eval(node)
    except ValueError:
        return NOT_LITERAL


def _layer(key: str) -> str:
    return key.rsplit('.', 1)[0]


@contextlib.contextmanager
def _log_errors_only() -> Iterator[None]:
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
