"""ChangerEx on MiT and ResNeSt (open-cd's ``IA_MixVisionTransformer`` and
``IA_ResNeSt`` with the ``Changer`` head).

References: tests/models/data/opencd/changer_ex_{mit_b0,s50}/, made with
open-cd's real code by make_references.py there.
"""
import pytest
import torch

from changefine_mm.registry import MODELS
from opencd_reference import check_against_reference

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.mark.parametrize('family', ['changer_ex_mit_b0', 'changer_ex_s50'])
def test_outputs_equal_open_cd(family, tmp_path):
    check_against_reference(family, str(tmp_path))


def test_mit_exchange_changes_only_later_stages():
    def build(interaction_cfg):
        torch.manual_seed(0)
        return MODELS.build(dict(
            type='IA_MixVisionTransformer', embed_dims=8, num_heads=[1, 2],
            num_layers=[1, 1], num_stages=2, patch_sizes=[7, 3],
            strides=[4, 2],
            sr_ratios=[2, 1], out_indices=(0, 1),
            interaction_cfg=interaction_cfg)).eval()

    exchanged = build((None, dict(type='ChannelExchange')))
    plain = build((None, None))
    x1, x2 = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        outs, ref = exchanged(x1, x2), plain(x1, x2)
        swapped = exchanged(x2, x1)
    assert [tuple(o.shape) for o in outs] == [(1, 16, 8, 8), (1, 32, 4, 4)]
    torch.testing.assert_close(outs[0], ref[0])
    assert not torch.allclose(outs[1], ref[1])
    a, b = outs[1].chunk(2, dim=1)
    torch.testing.assert_close(swapped[1], torch.cat([b, a], dim=1))
    with pytest.raises(ValueError, match='interaction_cfg has 1 entries'):
        build((None, ))
