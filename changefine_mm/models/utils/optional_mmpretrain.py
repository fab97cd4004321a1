"""mmpretrain and peft: the optional extra of the TTP family.

open-cd's Time Travelling Pixels builds on mmpretrain's SAM image encoder
(``ViTSAM`` and its ``TransformerEncoderLayer``) and tunes it with peft's
LoRA. Both are installed by ``pip install "changefine-mm[ttp]"``. Without
them the package still imports; building a TTP module raises an
ImportError that names the extra.
"""
from torch import nn

TTP_EXTRA = ('pip install "changefine-mm[ttp]" '
             '(or pip install mmpretrain==1.2.0 peft==0.21.2)')


def missing_base(name: str, error: ImportError) -> type:
    """A stand-in base class whose construction explains the missing
    package.

    Args:
        name (str): The class that could not be imported.
        error (ImportError): The failed import.

    Returns:
        type: An ``nn.Module`` subclass raising ImportError when built.
    """

    package = (error.name or name).split('.')[0]

    class MissingExtra(nn.Module):

        def __init__(self, *args, **kwargs) -> None:
            raise ImportError(
                f'{type(self).__name__} needs {name} from the optional '
                f'package {package}, which is not installed: '
                f'{TTP_EXTRA}') from error

    return MissingExtra


try:
    from mmpretrain.models.backbones.vit_sam import (TransformerEncoderLayer,
                                                     ViTSAM)
except ImportError as err:  # the optional extra is not installed
    TransformerEncoderLayer = missing_base(
        'mmpretrain.models.backbones.vit_sam.TransformerEncoderLayer', err)
    ViTSAM = missing_base('mmpretrain.ViTSAM', err)


def import_peft():
    """Import peft, or explain how to install it.

    Returns:
        module: The ``peft`` package.
    """
    try:
        import peft
    except ImportError as error:
        raise ImportError(
            f'LoRA tuning (peft_cfg) needs the optional package peft, which '
            f'is not installed: {TTP_EXTRA}') from error
    return peft
