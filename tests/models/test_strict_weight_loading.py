"""load_weights_strictly: all pretrained weights or a clear error."""
import pytest
import torch
from torch import nn

from changefine_mm.models.utils.strict_weight_loading import \
    load_weights_strictly


def _model() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4),
                         nn.Linear(4, 2))


def test_loads_all_but_own_and_derived_entries():
    source, target = _model(), _model()
    weights = {k: v for k, v in source.state_dict().items()
               if not k.startswith('2.')}
    weights['head.weight'] = torch.zeros(1)  # not in the model: ignored
    del weights['1.num_batches_tracked']
    own = target[2].weight.clone()
    load_weights_strictly(target, weights, 'w.pth', own_keys=('2.', ))
    torch.testing.assert_close(target[0].weight, source[0].weight)
    torch.testing.assert_close(target[1].running_var, source[1].running_var)
    torch.testing.assert_close(target[2].weight, own)


def test_missing_or_misshapen_weights_name_file_and_keys():
    weights = _model().state_dict()
    del weights['0.bias']
    weights['2.weight'] = torch.zeros(3, 4)
    with pytest.raises(ValueError,
                       match=r"w.pth does not fit Sequential: missing "
                       r"\['0.bias'\]; shape mismatches \['2.weight: file "
                       r"\(3, 4\) vs model \(2, 4\)'\]"):
        load_weights_strictly(_model(), weights, 'w.pth')
