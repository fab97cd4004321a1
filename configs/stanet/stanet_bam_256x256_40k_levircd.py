# STANet-BAM (basic attention) on LEVIR-CD, as open-cd's
# configs/stanet/stanet_bam_256x256_40k_levircd.py.
_base_ = './stanet_base_256x256_40k_levircd.py'
model = dict(decode_head=dict(sa_mode='BAM'))
