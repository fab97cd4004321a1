# BIT-R18 in the LEVIR-CD comparison (README.md): its LEVIR-CD config already
# uses the shared data pipeline, ChangeMetric and the 40k schedule.
_base_ = ['../bit/bit_r18_256x256_40k_levircd.py']
