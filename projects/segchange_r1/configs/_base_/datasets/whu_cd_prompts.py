# WHU-CD tiles in SegChange-R1's "default" layout (see levir_cd_prompts.py).
# The paper uses 512x512 tiles (5947 / 743 / 744 pairs). The suffixes are
# empty, as in the package's WHU-CD config, because the public tilings ship
# as .png or .tif.
_base_ = ['./levir_cd_prompts.py']
data_root = 'data/WHU-CD'
dataset = dict(data_root=data_root, img_suffix='', seg_map_suffix='')
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = dict(dataset=dataset)
