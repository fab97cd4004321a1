from .checkpoint import (CheckpointError, load_checkpoint_file,
                         set_checkpoint_trust)

__all__ = ['CheckpointError', 'load_checkpoint_file', 'set_checkpoint_trust']
