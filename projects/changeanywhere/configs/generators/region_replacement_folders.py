# Training-free change pairs from any image folder + class-map folder
# (paired by file stem; class maps are one 8-bit channel of class ids).
# Set source.image_dir / source.label_dir (--cfg-options) and, if the maps
# have a no-data value, ignore_index in bank and editor.
_base_ = ['./region_replacement_loveda.py']
source = dict(_delete_=True, layout='folders', image_dir='data/images',
              label_dir='data/labels')
bank = dict(ignore_index=None)
editor = dict(ignore_index=None)
variation = dict(seasonal_classes=())
