"""STANet (open-cd's ``STAHead`` on a Siamese ResNet-18, ``BCLLoss``).

References: tests/models/data/opencd/stanet_{base,bam,pam}/, made with
open-cd's real code by make_references.py there (the distance threshold
is calibrated to the random weights).
"""
import pytest
import torch

from changefine_mm.registry import MODELS
from opencd_reference import check_against_reference

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.mark.parametrize('family', ['stanet_base', 'stanet_bam',
                                    'stanet_pam'])
def test_outputs_equal_open_cd(family, tmp_path):
    check_against_reference(family, str(tmp_path))


def test_bcl_loss_pulls_unchanged_together_and_pushes_changed_apart():
    loss = MODELS.build(dict(type='BCLLoss', margin=2.0))
    target = torch.tensor([[[0, 1], [255, 1]]])
    perfect = torch.tensor([[[[0., 2.5], [7., 3.]]]])
    assert loss(perfect, target).item() == 0
    # Unchanged at distance 1 costs 1 (over 2 "unchanged" pixels: the
    # ignored one counts, as in open-cd); changed at 1 costs (2 - 1)^2.
    wrong = torch.tensor([[[[1., 1.], [7., 2.]]]])
    torch.testing.assert_close(loss(wrong, target),
                               torch.tensor(1 / 2 + 1 / 2), atol=1e-3,
                               rtol=0)


def test_pam_needs_cells_that_divide_the_features():
    head = MODELS.build(dict(
        type='STAHead', in_channels=[8], in_index=[0], channels=8,
        sa_mode='PAM', sa_in_channels=16, out_channels=1, threshold=0.5,
        loss_decode=dict(type='BCLLoss'))).eval()
    with torch.no_grad():
        assert head([torch.randn(1, 16, 8, 8)]).shape == (1, 1, 8, 8)
        with pytest.raises(ValueError, match='divisible by 8'):
            head([torch.randn(1, 16, 12, 12)])


def test_unknown_attention_mode_is_refused():
    with pytest.raises(ValueError, match="sa_mode must be"):
        MODELS.build(dict(type='STAHead', in_channels=[8], in_index=[0],
                          channels=8, sa_mode='CBAM', sa_in_channels=16,
                          out_channels=1, threshold=0.5,
                          loss_decode=dict(type='BCLLoss')))
