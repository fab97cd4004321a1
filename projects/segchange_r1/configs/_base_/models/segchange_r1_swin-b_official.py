# SegChange-R1 as the official code builds it (configs/config.yaml and the
# classes it selects, github.com/Yu-Zhouz/SegChange-R1 441c3fb): the Swin-B
# model of segchange_r1_swin-b.py with the frozen bert-base-uncased text
# encoder of the official build_embs (last hidden states cut or zero-padded
# to seq_len=8 tokens; an empty first prompt gives the batch zero
# embeddings), the D-Projector averaging all 8 tokens (padding included),
# the conv biases before GroupNorm of the L-FPN and the mask head, and the
# focal loss weighting every pixel by alpha=0.6.
_base_ = ['./segchange_r1_swin-b.py']
text_channels = 768
model = dict(
    neck=dict(conv_bias=True),
    decode_head=dict(
        text_channels=text_channels,
        projector_mode='official',
        conv_bias=True,
        loss_decode=[
            dict(type='mmseg.CrossEntropyLoss', use_sigmoid=True,
                 avg_non_ignore=True, loss_weight=1.0, loss_name='loss_ce'),
            dict(type='BinaryDiceLoss', smooth=1.0, loss_weight=1.5),
            dict(type='BinaryFocalLoss', alpha=0.6, gamma=2.0,
                 mode='official', loss_weight=1.5),
            dict(type='BatchBalancedContrastiveLoss', margin=2.0,
                 loss_weight=0.3),
        ]),
    # A local copy of bert-base-uncased (save_pretrained folder, e.g. from
    # `huggingface-cli download bert-base-uncased --local-dir ...` on a
    # machine with network); nothing is downloaded here.
    text_encoder=dict(
        _delete_=True,
        type='HFTextEncoder',
        model_path='checkpoints/bert-base-uncased',
        frozen=True,
        seq_len=8,
        zero_if_first_empty=True))
