"""changefine-mm: bi-temporal change detection for OpenMMLab.

Importing the package first puts the ``mmcv.ops`` stand-in in place (only
when mmcv's compiled ops are missing), because mmseg imports ``mmcv.ops``
at import time, and routes mmengine's loading and writing of local
checkpoint files through the safe loading and atomic writing rules of
:mod:`changefine_mm.utils.checkpoint`.
Registered modules are imported lazily by mmengine through the registry
``locations`` when the ``changefine_mm`` scope is used; call
:func:`register_all_modules` to import them eagerly.
"""
from .utils.mmcv_ops_standin import install_mmcv_ops_standin

install_mmcv_ops_standin()

from .utils.checkpoint import (register_atomic_local_writer,  # noqa: E402
                               register_safe_local_loader)
from .version import __version__  # noqa: E402

register_safe_local_loader()
register_atomic_local_writer()


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every module of the package so its classes are registered.

    Args:
        init_default_scope (bool): Also make ``changefine_mm`` the current
            default scope. Defaults to True.
    """
    import changefine_mm.datasets  # noqa: F401
    import changefine_mm.engine  # noqa: F401
    import changefine_mm.evaluation  # noqa: F401
    import changefine_mm.models  # noqa: F401
    import changefine_mm.visualization  # noqa: F401
    if init_default_scope:
        from mmengine.registry import init_default_scope as init_scope
        init_scope('changefine_mm')


__all__ = ['__version__', 'register_all_modules']
