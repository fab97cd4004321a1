# ChangeAnywhere's fine-tuning protocol on SECOND used as binary change
# detection (configs/common/standard_256x256_50e_second.py of the release):
# the SYSU-CD protocol's schedule and augmentation on SECOND's
# {train,test}/{A,B,bcd}, validated on test as the release does. Copy the
# official lists to <data_root>/dataset_list (projects/changeanywhere/
# dataset_list/SECOND/dataset_list); bcd maps come from SECOND's label1
# (projects/changeanywhere/tools/second_to_bcd.py).
_base_ = ['./sysucd_fewshot_50e.py']
custom_imports = dict(
    imports=['projects.changeanywhere.changeanywhere'],
    allow_failed_imports=False)
dataset_type = 'SECONDBCDDataset'
data_root = 'data/SECOND'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path_from='train/A', img_path_to='train/B',
                         seg_map_path='train/bcd')))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path_from='test/A', img_path_to='test/B',
                         seg_map_path='test/bcd')))
val_dataloader = test_dataloader
