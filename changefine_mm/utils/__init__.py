from .checkpoint import (CheckpointError, load_checkpoint_file,
                         set_checkpoint_trust)
from .state_dict_fit import state_dict_mismatch

__all__ = [
    'CheckpointError', 'load_checkpoint_file', 'set_checkpoint_trust',
    'state_dict_mismatch'
]
