"""OSCD: Onera Satellite Change Detection (Daudt et al., IGARSS 2018).

24 pairs of Sentinel-2 L1C city crops (2015-2018), 13 bands whose 10, 20
and 60 m bands the authors resampled to 10 m, one file per band; urban
change labels. Split as published: the city lists ``train.txt`` (14
cities) and ``test.txt`` (10 cities) of the Images folder. Layout of the
three archives, unpacked side by side under ``data_root``::

    Onera Satellite Change Detection dataset - Images/
        train.txt, test.txt            comma-separated city names
        <city>/imgs_1_rect/B01.tif ... B08.tif, B8A.tif, B09.tif ... B12.tif
        <city>/imgs_2_rect/...         same bands, date 2
    Onera Satellite Change Detection dataset - Train Labels/<city>/cm/cm.png
    Onera Satellite Change Detection dataset - Test Labels/<city>/cm/cm.png

Each date is handed to the loading transform as its 13 band files in the
order above (band 1 = B01, 2 = B02 blue, 3 = B03 green, 4 = B04 red,
8 = B08 NIR, 9 = B8A, ..., 13 = B12), so ``bands=[4, 3, 2]`` on
``MultiImgLoadImageFromFile`` gives RGB and reads only those 3 files.
``cm.png`` holds 0 (no change) and 255 (change).
"""
import os.path as osp
from typing import List

from changefine_mm.registry import DATASETS
from .cd_dataset import CDDataset, DatasetLayoutError

OSCD_BANDS = ('B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A',
              'B09', 'B10', 'B11', 'B12')
IMAGES_FOLDER = 'Onera Satellite Change Detection dataset - Images'
LABELS_FOLDER = 'Onera Satellite Change Detection dataset - {} Labels'


@DATASETS.register_module()
class OSCDDataset(CDDataset):
    """OSCD city pairs of one published split.

    Args:
        split (str): 'train' or 'test': which city list and label folder.
        ann_file (str): City list; defaults to the split's list in the
            Images folder (relative to ``data_root``).
        **kwargs: :class:`CDDataset` arguments (``data_root``,
            ``pipeline``, ``with_label``, label rules, ...).
    """

    def __init__(self, split: str = 'train', ann_file: str = '',
                 **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"OSCD has the splits 'train' and 'test', got "
                             f'{split!r}')
        self.oscd_split = split
        super().__init__(
            ann_file=ann_file or osp.join(IMAGES_FOLDER, f'{split}.txt'),
            img_suffix='.tif', seg_map_suffix='.png', **kwargs)

    def load_data_list(self) -> List[dict]:
        """One ``data_info`` per city of the split's list.

        Returns:
            list[dict]: ``img_path`` holds two tuples of 13 band files,
            ``pair_name`` is the city.
        """
        if not osp.isfile(self.ann_file):
            raise DatasetLayoutError(
                f'OSCD city list {self.ann_file} not found: unpack the '
                f'archive "{IMAGES_FOLDER}.zip" into data_root '
                f'({self.data_root})')
        with open(self.ann_file, encoding='utf-8') as file:
            cities = [c.strip() for c in file.read().replace('\n', ',')
                      .split(',') if c.strip()]
        if not cities:
            raise DatasetLayoutError(f'{self.ann_file} lists no city')
        infos = [self._city(city) for city in cities]
        missing = [p for info in infos
                   for p in info['img_path'][0] + info['img_path'][1] +
                   (info['seg_map_path'] or '', )
                   if p and not osp.isfile(p)]
        if missing:
            raise DatasetLayoutError(
                f'OSCD {self.oscd_split} split ({self.ann_file}): '
                f'{len(missing)} file(s) missing, e.g. '
                f'{", ".join(missing[:5])}')
        return infos

    def _city(self, city: str) -> dict:
        images = osp.join(self.data_root, IMAGES_FOLDER, city)
        # Tuples: a date's band files are one (hashable) image source.
        dates = [tuple(osp.join(images, f'imgs_{date}_rect', f'{band}.tif')
                       for band in OSCD_BANDS) for date in (1, 2)]
        label = osp.join(self.data_root,
                         LABELS_FOLDER.format(self.oscd_split.capitalize()),
                         city, 'cm', 'cm.png') if self.with_label else None
        return self._data_info(dates[0], dates[1], label, city)
