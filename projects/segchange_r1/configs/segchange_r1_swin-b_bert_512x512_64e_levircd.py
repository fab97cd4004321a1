# The official text encoder: a local copy of bert-base-uncased (768-d last
# hidden states, frozen), read with Hugging Face transformers
# (pip install transformers). For phi-1.5 set model_path to its folder and
# text_channels to 2048.
_base_ = ['./segchange_r1_swin-b_512x512_64e_levircd.py']
text_channels = 768
model = dict(
    decode_head=dict(text_channels=text_channels),
    text_encoder=dict(
        _delete_=True,
        type='HFTextEncoder',
        model_path='checkpoints/bert-base-uncased',
        frozen=True))
