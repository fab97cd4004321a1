"""The mmcv.ops stand-in used with mmcv-lite."""
import sys

import pytest
import torch
import torch.nn.functional as F

from changefine_mm.utils import mmcv_ops_standin
from changefine_mm.utils.mmcv_ops_standin import (install_mmcv_ops_standin,
                                                  point_sample)


def test_point_sample_matches_grid_sample():
    torch.manual_seed(0)
    features = torch.randn(2, 3, 5, 7)
    points = torch.rand(2, 4, 2)
    expected = F.grid_sample(
        features, (2 * points - 1).unsqueeze(2),
        align_corners=False).squeeze(3)
    torch.testing.assert_close(point_sample(features, points), expected)
    corner = point_sample(features, torch.zeros(2, 1, 2),
                          align_corners=True)
    torch.testing.assert_close(corner[..., 0], features[..., 0, 0])


@pytest.mark.skipif(mmcv_ops_standin.compiled_ops_available(),
                    reason='full mmcv installed: the stand-in is not used')
def test_standin_serves_mmseg_and_explains_missing_ops():
    import mmcv.ops
    from mmseg.models.losses import focal_loss  # imports mmcv.ops names
    assert getattr(mmcv.ops, mmcv_ops_standin.STANDIN_FLAG)
    assert focal_loss is not None
    with pytest.raises(RuntimeError, match='CrissCrossAttention.*mmcv-lite'):
        mmcv.ops.CrissCrossAttention(8)


def test_never_installed_over_real_ops(monkeypatch):
    monkeypatch.setattr(mmcv_ops_standin, 'compiled_ops_available',
                        lambda: True)
    monkeypatch.delitem(sys.modules, 'mmcv.ops', raising=False)
    assert install_mmcv_ops_standin() is False
    assert 'mmcv.ops' not in sys.modules
