"""A narrow stand-in for ``mmcv.ops`` when mmcv's compiled ops are missing.

mmsegmentation 1.2.2 imports ``mmcv.ops`` at import time (``point_sample`` in
``mmseg/utils/mask_classification.py`` and ``sigmoid_focal_loss`` in
``mmseg/models/losses/focal_loss.py``). With the pure-Python ``mmcv-lite``
wheel that import fails because the compiled extension ``mmcv._ext`` does not
exist, which makes all of ``mmseg.models`` unusable.

:func:`install_mmcv_ops_standin` puts a small module under the name
``mmcv.ops`` *only* when ``mmcv._ext`` cannot be found, so an installation of
full mmcv is never touched. The stand-in provides:

* ``point_sample``: a pure-PyTorch bilinear point sampler (mmcv's own version
  is pure PyTorch too, built on ``F.grid_sample``);
* every other name: a placeholder that can be imported but raises a
  :class:`RuntimeError` naming the op as soon as it is called or
  instantiated, so models that need real CUDA/C++ ops (PSANet, CCNet, ...)
  fail with an explanation instead of a crash deep inside mmcv.
"""
import importlib.util
import sys
import types
import warnings

import torch
import torch.nn.functional as F

STANDIN_FLAG = '__changefine_mm_standin__'


def point_sample(inputs: torch.Tensor,
                 points: torch.Tensor,
                 align_corners: bool = False,
                 **kwargs) -> torch.Tensor:
    """Sample ``inputs`` bilinearly at normalised ``points``.

    Args:
        inputs (Tensor): Feature map of shape (N, C, H, W).
        points (Tensor): Points in [0, 1] x [0, 1], shape (N, P, 2) or
            (N, Hg, Wg, 2), x first.
        align_corners (bool): Passed to :func:`F.grid_sample`.
        **kwargs: Further :func:`F.grid_sample` arguments.

    Returns:
        Tensor: Sampled features, shape (N, C, P) or (N, C, Hg, Wg).
    """
    add_dim = points.dim() == 3
    if add_dim:
        points = points.unsqueeze(2)
    grid = 2.0 * points - 1.0
    output = F.grid_sample(
        inputs, grid, align_corners=align_corners, **kwargs)
    return output.squeeze(3) if add_dim else output


def _missing_op(name: str) -> type:
    """Build a placeholder class that fails with a clear message when used."""

    def fail(*args, **kwargs):
        raise RuntimeError(
            f'mmcv.ops.{name} needs the compiled mmcv extension (mmcv._ext), '
            'but only mmcv-lite is installed. changefine_mm installed a '
            'stand-in mmcv.ops that provides point_sample only. Install full '
            'mmcv 2.1.x (built with ops) to use this model.')

    return type(name, (), {'__new__': fail, '__call__': fail, 'apply': fail})


def compiled_ops_available() -> bool:
    """Whether mmcv's compiled extension ``mmcv._ext`` is importable."""
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except ModuleNotFoundError:
        return False


def install_mmcv_ops_standin() -> bool:
    """Register the stand-in as ``mmcv.ops`` if the compiled ops are absent.

    Returns:
        bool: True if the stand-in is (now) in place, False if real mmcv
        ops are used.
    """
    if compiled_ops_available():
        return False
    current = sys.modules.get('mmcv.ops')
    if current is not None:
        return getattr(current, STANDIN_FLAG, False)
    module = types.ModuleType('mmcv.ops', __doc__)
    module.point_sample = point_sample
    setattr(module, STANDIN_FLAG, True)

    def __getattr__(name: str):
        if name.startswith('__'):
            raise AttributeError(name)
        return _missing_op(name)

    module.__getattr__ = __getattr__
    sys.modules['mmcv.ops'] = module
    # mmcv.cnn probes an op submodule and warns on every import; with the
    # stand-in its absence is expected and documented.
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    import mmcv
    mmcv.ops = module
    return True
