# Training-free ChangeAnywhere-style pairs from OpenEarthMap, the source
# ChangeAnywhere-100K was made from (<root>/<region>/{images,labels}/*.tif
# and <root>/train.txt; 0 = unknown, 1 bareland, 2 rangeland, 3 developed
# space, 4 road, 5 tree, 6 water, 7 agriculture land, 8 building).
_base_ = ['./region_replacement_loveda.py']
ignore_index = 0
source = dict(_delete_=True, layout='openearthmap',
              root='data/OpenEarthMap', split='train')
variation = dict(seasonal_classes=(2, 5, 7))  # rangeland, tree, agriculture
