"""SafeCheckpointHook: checkpoints that load with ``weights_only=True``."""
from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper

from changefine_mm.registry import HOOKS
from changefine_mm.utils.checkpoint import (CheckpointError, from_plain_data,
                                            to_plain_data)


@HOOKS.register_module()
class SafeCheckpointHook(Hook):
    """Keep the run's own checkpoints loadable without full unpickling.

    mmengine writes ``HistoryBuffer`` objects and numpy values into a
    checkpoint's ``message_hub``; torch >= 2.6 refuses those under
    ``weights_only=True``, so ``--resume`` would need unsafe loading. This
    hook stores them as plain data when saving and restores them after
    loading. It also refuses a checkpoint that shares no parameter name
    with the model (a foreign checkpoint) instead of loading nothing with
    a warning.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Convert the checkpoint to plain data in place."""
        plain = to_plain_data(dict(checkpoint))
        checkpoint.clear()
        checkpoint.update(plain)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Restore mmengine objects and reject foreign checkpoints."""
        restored = from_plain_data(dict(checkpoint))
        checkpoint.clear()
        checkpoint.update(restored)
        state = checkpoint.get('state_dict', checkpoint)
        # mmengine loads into the wrapped model of DDP and TTA wrappers.
        model = runner.model.module if is_model_wrapper(runner.model) or \
            isinstance(runner.model, BaseTTAModel) else runner.model
        names = set(model.state_dict())
        keys = {k[len('module.'):] if k.startswith('module.') else k
                for k in state}
        if names and not names & keys:
            source = runner._load_from or 'being resumed'
            raise CheckpointError(
                f'checkpoint {source} shares no parameter name with '
                f'{type(model).__name__}: it was written for another model '
                f"(first keys: {sorted(keys)[:3]}, expected e.g. "
                f'{sorted(names)[:3]})')
