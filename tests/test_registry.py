"""Scope, parent registries and error messages."""
import pytest
from mmengine.registry import DefaultScope
from mmseg.registry import DATASETS as MMSEG_DATASETS
from mmseg.registry import MODELS as MMSEG_MODELS

from changefine_mm.registry import DATASETS, MODELS

HEAD = dict(in_channels=[8, 16], channels=8, num_classes=2,
            pool_scales=(1, 2), in_index=[0, 1])


@pytest.mark.parametrize('name', ['UPerHead', 'mmseg.UPerHead'])
def test_mmseg_modules_resolve_with_and_without_prefix(name):
    head = MODELS.build(dict(type=name, **HEAD))
    assert type(head).__name__ == 'UPerHead'


def test_our_names_stay_in_our_scope():
    assert 'LEVIRCDDataset' in DATASETS.module_dict
    assert 'LEVIRCDDataset' not in MMSEG_DATASETS.module_dict
    assert 'SiamEncoderDecoder' not in MMSEG_MODELS.module_dict
    assert MODELS.scope == 'changefine_mm'
    assert MODELS.parent is MMSEG_MODELS


def test_unknown_module_names_the_scope():
    with DefaultScope.overwrite_default_scope('changefine_mm'):
        with pytest.raises(KeyError, match=r'NoSuchHead.*changefine_mm'):
            MODELS.build(dict(type='NoSuchHead'))


def test_open_cd_side_by_side():
    opencd = pytest.importorskip('opencd')
    from opencd.registry import MODELS as OPENCD_MODELS
    assert OPENCD_MODELS.get('FC_Siam_diff') is not MODELS.get(
        'FC_Siam_diff')
    assert opencd is not None
