# Entry point of the design card: ChangeFine on LEVIR-CD (paper mode, the
# official LEVIR-CD hyper-parameters). See docs/changefine.md and
# configs/changefine/changefine_levircd.py.
_base_ = ['./changefine/changefine_levircd.py']
