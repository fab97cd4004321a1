"""Rename the keys of an official checkpoint with a per-key rule.

Every official-name converter (ChangeFine, and the projects' ChangeCLIP
and CLIPFormer) walks a state dict the same way: strip DDP's ``module.``,
rename each key, drop the keys the rule maps to ``None`` and refuse two
keys landing on one name. Only the rule differs.
"""
from typing import Callable, Dict, List, NamedTuple, Optional

from torch import Tensor

DDP_PREFIX = 'module.'


class RenamedStateDict(NamedTuple):
    """Result of :func:`rename_state_dict`.

    Attributes:
        state_dict (dict[str, Tensor]): The weights under our names.
        renamed (list[str]): Official keys whose name changed.
        dropped (list[str]): Official keys the rule mapped to ``None``.
    """
    state_dict: Dict[str, Tensor]
    renamed: List[str]
    dropped: List[str]


def rename_state_dict(
        state_dict: Dict[str, Tensor],
        rename: Callable[[str], Optional[str]]) -> RenamedStateDict:
    """Apply ``rename`` to every key (after removing a leading ``module.``).

    Args:
        state_dict (dict[str, Tensor]): Official weights.
        rename (callable): Maps an official key (without ``module.``) to
            ours, or to ``None`` for a key we do not keep.

    Returns:
        RenamedStateDict: Our weights and the renamed and dropped keys.

    Raises:
        ValueError: If two official keys map to the same name.
    """
    converted: Dict[str, Tensor] = {}
    renamed: List[str] = []
    dropped: List[str] = []
    for key, value in state_dict.items():
        bare = key[len(DDP_PREFIX):] if key.startswith(DDP_PREFIX) else key
        ours = rename(bare)
        if ours is None:
            dropped.append(key)
            continue
        if ours in converted:
            raise ValueError(f'official keys map twice to {ours!r} '
                             f'(second one: {key!r})')
        if ours != bare:
            renamed.append(key)
        converted[ours] = value
    return RenamedStateDict(converted, renamed, dropped)
