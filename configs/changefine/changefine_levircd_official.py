# ChangeFine on LEVIR-CD in official mode: the official code's behaviour
# (inert CoOp prompt and CLIP adapters, uniform neighbourhood weights, five
# decoder passes at test time, ... see docs/changefine.md), e.g. to evaluate
# converted official checkpoints
# (tools/model_converters/changefine_official_to_mm.py). Any other
# ChangeFine config switches the same way with
# `--cfg-options model.mode=official find_unused_parameters=True`.
_base_ = ['./changefine_levircd.py']
model = dict(mode='official')
# Official mode skips the decoder for images whose coarse mask is empty, so
# on some ranks some parameters get no gradient (as in the official runs).
find_unused_parameters = True
