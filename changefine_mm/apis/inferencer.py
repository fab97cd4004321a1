"""ChangeInferencer: run any registered change detector on image pairs.

The model is driven only through the interface every
:class:`~changefine_mm.models.BiTemporalEncoderDecoder` shares with mmseg:
``model.test_step`` (data preprocessor, then ``predict``), whose samples
carry ``seg_logits`` cropped to the input size. A 1-channel head is
already passed through a sigmoid there; a head with two or more channels
gives logits that are turned into probabilities here by a softmax.

Images given to :meth:`ChangeInferencer.predict_arrays` are ``(C, H, W)``
arrays in the band order of the training pipeline, i.e. the order of
``MultiImgLoadImageFromFile``: BGR for 3-band images (OpenCV's order), the
stored band order otherwise. The data preprocessor of the model then does
its own channel swap, normalisation and padding, exactly as in testing.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_state_dict
from mmseg.structures import SegDataSample
from torch import nn

from changefine_mm.models.utils.precision import (autocast_to,
                                                  precision_dtype)
from changefine_mm.utils import CheckpointError, load_checkpoint_file
from changefine_mm.utils.image_io import plane_bands
from changefine_mm.utils.pixel_scaling import (ScaleRule, build_scale,
                                               check_scalable)
from changefine_mm.utils.runtime import adapt_to_machine
from .scene import blend_scene

NODATA = 255
ImageLike = Union[str, np.ndarray]
Result = Dict[str, np.ndarray]


def build_change_model(config: Union[str, Config],
                       checkpoint: Optional[str] = None,
                       cfg_options: Optional[dict] = None,
                       trust_checkpoint: Optional[bool] = None) -> nn.Module:
    """Build a change detector from a config and load its weights.

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Weights; loaded with the safe rules of
            :func:`changefine_mm.utils.load_checkpoint_file`.
        cfg_options (dict, optional): Overrides merged into the config.
        trust_checkpoint (bool, optional): Allow full unpickling of the
            checkpoint (only for files you trust).

    Returns:
        nn.Module: The model on CPU, with ``cfg`` attached.

    Raises:
        CheckpointError: If the weights do not fit the model.
    """
    import changefine_mm
    from changefine_mm.registry import MODELS
    changefine_mm.register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    adapt_to_machine(cfg, 'none', training=False)
    with DefaultScope.overwrite_default_scope('changefine_mm'):
        model = MODELS.build(cfg.model)
    model.cfg = cfg
    if checkpoint is not None:
        state = load_checkpoint_file(checkpoint, trust=trust_checkpoint)
        state = state.get('state_dict', state)
        state = {k[7:] if k.startswith('module.') else k: v
                 for k, v in state.items()}
        try:
            load_state_dict(model, state, strict=True)
        except RuntimeError as err:
            raise CheckpointError(
                f'{checkpoint} does not fit the model of the config: '
                f'{err}') from err
    return model


class ChangeInferencer:
    """Predict change masks and probabilities for pairs of images.

    Args:
        model (str | Config | nn.Module): Config (file or object) to build
            the model from, or a built change detector.
        checkpoint (str, optional): Weights to load (with a config).
        device (str, optional): 'cpu', 'cuda', 'cuda:1', ... Defaults to
            CUDA when available.
        batch_size (int): Pairs or windows per forward pass.
        threshold (float, optional): Change probability above which a
            pixel is changed, for binary models. Defaults to the head's
            ``threshold`` for a 1-channel (sigmoid) head and 0.5 (the
            argmax) for a 2-class head. Ignored for more classes (argmax).
        cfg_options (dict, optional): Config overrides.
        trust_checkpoint (bool, optional): Allow full unpickling.
        bands (Sequence[int], optional): 1-based bands of image files and
            scenes to feed the model, e.g. ``[4, 3, 2]`` for an RGB model
            on Sentinel-2. Defaults to those of the config's test pipeline
            (``MultiImgLoadImageFromFile``), else all bands. Arrays given
            directly are taken as they are.
        scale (dict, optional): Pixel scaling rule (see
            :mod:`changefine_mm.utils.pixel_scaling`); defaults to the
            config's test pipeline's. Non-8-bit images need one.
        precision (str): 'fp32' or 'bf16' (autocast of the forward; build
            ChangeFine with ``model.test_cfg.precision`` too, so that its
            frozen encoders are stored in bf16). Defaults to 'fp32'.

    Example:
        >>> inferencer = ChangeInferencer('configs/fcsn/fc_siam_diff_demo.py',
        ...                               'work_dirs/demo/iter_300.pth')
        >>> result = inferencer('a.png', 'b.png')
        >>> result['mask'].shape, result['prob'].dtype

    A semantic change model (``SiamEncoderMultiDecoder``, configs/scd/)
    gives an :class:`~changefine_mm.apis.scd_inferencer.SCDInferencer`,
    whose results hold the change and both dates' class maps.
    """

    def __new__(cls, model: Union[str, Config, nn.Module], *args,
                **kwargs) -> 'ChangeInferencer':
        if cls is ChangeInferencer:
            from .scd_inferencer import SCDInferencer, is_scd_model
            if is_scd_model(model):
                cls = SCDInferencer
        return super().__new__(cls)

    def __init__(self,
                 model: Union[str, Config, nn.Module],
                 checkpoint: Optional[str] = None,
                 device: Optional[str] = None,
                 batch_size: int = 4,
                 threshold: Optional[float] = None,
                 cfg_options: Optional[dict] = None,
                 trust_checkpoint: Optional[bool] = None,
                 bands: Optional[Sequence[int]] = None,
                 scale: Optional[dict] = None,
                 precision: str = 'fp32') -> None:
        if not isinstance(model, nn.Module):
            model = build_change_model(model, checkpoint, cfg_options,
                                       trust_checkpoint)
        elif checkpoint is not None:
            raise ValueError('pass a checkpoint only with a config; load '
                             'the weights of a built model yourself')
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.device = torch.device(device or (
            'cuda' if torch.cuda.is_available() else 'cpu'))
        self.model = model.to(self.device).eval()
        self.batch_size = batch_size
        self.dtype = precision_dtype(precision, 'precision')
        self.num_classes = self._num_classes()
        self.threshold = self._threshold(threshold)
        loading = _test_loading(getattr(model, 'cfg', None))
        self.bands = list(bands) if bands is not None else \
            loading.get('bands')
        self.scale: Optional[ScaleRule] = build_scale(
            scale if scale is not None else loading.get('scale'))

    @property
    def in_channels(self) -> int:
        """Bands per date the model takes."""
        channels = getattr(self.model, 'backbone_inchannels', None)
        if channels is not None:
            return channels
        mean = getattr(self.model.data_preprocessor, 'mean', None)
        return 3 if mean is None else mean.numel() // 2

    @property
    def num_scores(self) -> int:
        """Probability channels: 1 (change) for binary models, else K."""
        return 1 if self.num_classes <= 2 else self.num_classes

    def _num_classes(self) -> int:
        head = getattr(self.model, 'decode_head', None)
        channels = getattr(head, 'out_channels', None)
        if channels is None:
            raise ValueError(
                f'{type(self.model).__name__} has no decode_head with '
                '`out_channels`; ChangeInferencer needs an mmseg-style '
                'change detector')
        return 2 if channels == 1 else channels

    def _threshold(self, threshold: Optional[float]) -> float:
        if threshold is not None:
            return float(threshold)
        head = self.model.decode_head
        if head.out_channels == 1 and head.threshold is not None:
            return float(head.threshold)
        return 0.5

    def predict_arrays(self, images_a: Sequence[np.ndarray],
                       images_b: Sequence[np.ndarray]) -> np.ndarray:
        """Change probabilities of a batch of equally sized pairs.

        Args:
            images_a (sequence[np.ndarray]): ``(C, H, W)`` date-A images in
                the training band order (BGR for 3 bands).
            images_b (sequence[np.ndarray]): Date-B images, same shapes.

        Returns:
            np.ndarray: ``(N, num_scores, H, W)`` float32 probabilities.
        """
        results = self._test_step(images_a, images_b)
        logits = torch.stack([r.seg_logits.data for r in results]).float()
        if logits.size(1) == 1:  # mmseg already applied the sigmoid
            probs = logits
        else:
            probs = logits.softmax(dim=1)
            if probs.size(1) == 2:
                probs = probs[:, 1:]
        return probs.cpu().numpy()

    def _test_step(self, images_a: Sequence[np.ndarray],
                   images_b: Sequence[np.ndarray]) -> List[SegDataSample]:
        """The model's ``test_step`` on a batch of pairs (no gradients, at
        the inferencer's precision); arguments as :meth:`predict_arrays`.
        """
        inputs, samples = [], []
        for image_a, image_b in zip(images_a, images_b):
            pair = np.concatenate([image_a, image_b], axis=0)
            if pair.dtype != np.uint8:
                pair = pair.astype(np.float32)
            inputs.append(torch.from_numpy(np.ascontiguousarray(pair)))
            shape = tuple(pair.shape[1:])
            samples.append(SegDataSample(
                metainfo=dict(ori_shape=shape, img_shape=shape)))
        with torch.no_grad(), autocast_to(self.device.type, self.dtype):
            return self.model.test_step(
                dict(inputs=inputs, data_samples=samples))

    def load(self, path: str) -> np.ndarray:
        """Read an image file as the model takes it (bands, scaling).

        Args:
            path (str): Image file.

        Returns:
            np.ndarray: ``(C, H, W)`` in the training band order.
        """
        from .files import read_image
        return read_image(path, self.bands, self.scale)

    def prepare_array(self, image: np.ndarray, name: str) -> np.ndarray:
        """Scale a ``(C, H, W)`` array with the inferencer's rule.

        Args:
            image (np.ndarray): The pixels, in the training band order.
            name (str): Its name in error messages.

        Returns:
            np.ndarray: The array itself (8-bit, no rule) or scaled.
        """
        check_scalable(image.dtype, self.scale, name)
        if self.scale is None:
            return image
        hwc = image.transpose(1, 2, 0)
        scaled = self.scale(hwc, plane_bands(None, hwc.shape[2]))
        return np.ascontiguousarray(scaled.transpose(2, 0, 1))

    def window_reader(self, pair):
        """``pair.read`` with the pixel scaling applied to each window.

        A rule that looks at the pixels (percentiles) is fitted once per
        date on a decimated overview of the scene, so that all windows
        get one stretch and no seams appear.

        Args:
            pair (GeoPair): The open scene pair.

        Returns:
            callable: ``window -> (a, b, valid)`` like ``pair.read``.
        """
        check_scalable(pair.src_a.dtypes[0], self.scale, pair.path_a)
        rule = self.scale
        if rule is None:
            return pair.read
        bands = plane_bands(pair.bands, pair.count)
        views = pair.overview() if rule.needs_image else (None, None)
        stretches = [rule.fit(view, bands) for view in views]

        def read(window):
            image_a, image_b, valid = pair.read(window)
            scaled = [
                rule.apply(image.transpose(1, 2, 0), stretch).transpose(
                    2, 0, 1) for image, stretch in zip((image_a, image_b),
                                                       stretches)
            ]
            return scaled[0], scaled[1], valid

        return read

    def decide(self, probs: np.ndarray) -> np.ndarray:
        """Turn probabilities into a mask.

        Args:
            probs (np.ndarray): ``(num_scores, H, W)``, NaN where nodata.

        Returns:
            np.ndarray: ``(H, W)`` uint8: 0/1 (binary) or class index,
            ``NODATA`` (255) where the probabilities are NaN.
        """
        nodata = np.isnan(probs[0])
        if probs.shape[0] == 1:
            mask = (probs[0] > self.threshold).astype(np.uint8)
        else:
            mask = np.nan_to_num(probs, nan=0.0).argmax(0).astype(np.uint8)
        mask[nodata] = NODATA
        return mask

    def predict_pair(self,
                     image_a: np.ndarray,
                     image_b: np.ndarray,
                     window: int,
                     overlap: int,
                     valid: Optional[np.ndarray] = None) -> np.ndarray:
        """Sliding-window probabilities of one in-memory pair.

        Args:
            image_a (np.ndarray): ``(C, H, W)`` date A (training order).
            image_b (np.ndarray): ``(C, H, W)`` date B.
            window (int): Window side.
            overlap (int): Overlap of neighbouring windows.
            valid (np.ndarray, optional): ``(H, W)`` bool, False = nodata.

        Returns:
            np.ndarray: ``(num_scores, H, W)`` float32, NaN where nodata.
        """
        height, width = image_a.shape[1:]
        probs = np.full((self.num_scores, height, width), np.nan,
                        dtype=np.float32)

        def read(win):
            rows, cols = slice(win.row, win.bottom), slice(win.col, win.right)
            return (image_a[:, rows, cols], image_b[:, rows, cols],
                    None if valid is None else valid[rows, cols])

        def sink(row, col, block, _valid):
            probs[:, row:row + block.shape[1],
                  col:col + block.shape[2]] = block

        blend_scene(self.predict_arrays, read, height, width,
                    self.num_scores, sink, window=window, overlap=overlap,
                    batch_size=self.batch_size, strip_width=width,
                    tile=min(window, height))
        return probs

    def __call__(self,
                 images_a: Union[ImageLike, Sequence[ImageLike]],
                 images_b: Union[ImageLike, Sequence[ImageLike]],
                 window: Optional[int] = None,
                 overlap: Optional[int] = None,
                 channel_order: str = 'rgb') -> Union[Result, List[Result]]:
        """Predict one pair or a list of pairs.

        Args:
            images_a: Date-A image(s): file paths or ``(H, W, C)`` arrays.
            images_b: Date-B image(s), as many as ``images_a``.
            window (int, optional): Cut each pair into overlapping windows
                of this size and blend them; None runs whole images
                (batched when sizes agree).
            overlap (int, optional): Window overlap; defaults to a quarter
                of the window.
            channel_order (str): Band order of 3-band arrays, 'rgb' (as
                read by PIL/rasterio) or 'bgr' (as read by OpenCV). Files
                are read in the right order whatever this says.

        Returns:
            dict | list[dict]: For each pair ``mask`` (H, W) uint8 and
            ``prob``: (H, W) float32 change probability for binary models,
            (K, H, W) class probabilities otherwise.
        """
        single = isinstance(images_a, (str, np.ndarray)) or hasattr(
            images_a, '__fspath__')
        list_a = [images_a] if single else list(images_a)
        list_b = [images_b] if single else list(images_b)
        if len(list_a) != len(list_b):
            raise ValueError(f'got {len(list_a)} date-A images but '
                             f'{len(list_b)} date-B images')
        pairs = []
        for index, (item_a, item_b) in enumerate(zip(list_a, list_b)):
            pair = [
                self.load(item) if not isinstance(item, np.ndarray) else
                self.prepare_array(array_to_chw(item, channel_order),
                                   _name(item, index))
                for item in (item_a, item_b)
            ]
            self.check_pair(pair, _name(item_a, index), _name(item_b, index))
            pairs.append(pair)
        if window is None:
            probs = self._predict_whole(pairs)
        else:
            overlap = window // 4 if overlap is None else overlap
            probs = [self.predict_pair(a, b, window, overlap)
                     for a, b in pairs]
        results = [self.result(p) for p in probs]
        return results[0] if single else results

    def result(self, probs: np.ndarray) -> Result:
        """What :meth:`__call__` returns for one pair's probabilities.

        Args:
            probs (np.ndarray): ``(num_scores, H, W)``.

        Returns:
            dict: ``mask`` (:meth:`decide`) and ``prob`` (``(H, W)`` for
            binary models, else ``(K, H, W)``).
        """
        return dict(mask=self.decide(probs),
                    prob=probs[0] if len(probs) == 1 else probs)

    def _predict_whole(self, pairs: List[List[np.ndarray]]
                       ) -> List[np.ndarray]:
        """Whole-image prediction, batching pairs of the same size."""
        probs: List[Optional[np.ndarray]] = [None] * len(pairs)
        by_shape: Dict[Tuple[int, ...], List[int]] = {}
        for index, (image_a, _) in enumerate(pairs):
            by_shape.setdefault(image_a.shape, []).append(index)
        for indices in by_shape.values():
            for start in range(0, len(indices), self.batch_size):
                chunk = indices[start:start + self.batch_size]
                batch = self.predict_arrays([pairs[i][0] for i in chunk],
                                            [pairs[i][1] for i in chunk])
                for i, p in zip(chunk, batch):
                    probs[i] = p
        return probs

    def check_pair(self, pair: List[np.ndarray], name_a: str,
                   name_b: str) -> None:
        """Check band counts and sizes of a ``(C, H, W)`` pair.

        Args:
            pair (list[np.ndarray]): Date A and date B.
            name_a (str): Name of A in error messages.
            name_b (str): Name of B in error messages.
        """
        for name, image in zip((name_a, name_b), pair):
            if image.shape[0] != self.in_channels:
                raise ValueError(
                    f'{name} has {image.shape[0]} bands but the model takes '
                    f'{self.in_channels} bands per date')
        if pair[0].shape != pair[1].shape:
            raise ValueError(
                f'{name_a} and {name_b} differ in size: '
                f'{pair[0].shape[2]}x{pair[0].shape[1]} vs '
                f'{pair[1].shape[2]}x{pair[1].shape[1]} (width x height)')


def array_to_chw(image: np.ndarray, channel_order: str = 'rgb') -> np.ndarray:
    """``(H, W[, C])`` array -> ``(C, H, W)`` in the training band order.

    Args:
        image (np.ndarray): The image.
        channel_order (str): 'rgb' or 'bgr' (only used for 3 bands).

    Returns:
        np.ndarray: ``(C, H, W)``, BGR for 3 bands.
    """
    if channel_order not in ('rgb', 'bgr'):
        raise ValueError(
            f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3:
        raise ValueError(f'expected an (H, W, C) image, got shape '
                         f'{image.shape}')
    if image.shape[2] == 3 and channel_order == 'rgb':
        image = image[..., ::-1]
    return np.ascontiguousarray(image.transpose(2, 0, 1))


def _test_loading(cfg: Optional[Config]) -> dict:
    """``bands``/``scale`` of the test pipeline's image loading, if any."""
    if cfg is None:
        return {}
    loader = cfg.get('test_dataloader') or {}
    pipeline = (loader.get('dataset') or {}).get('pipeline') or \
        cfg.get('test_pipeline') or []
    for step in pipeline:
        if step.get('type') == 'MultiImgLoadImageFromFile':
            return step
    return {}


def _name(item: ImageLike, index: int) -> str:
    if isinstance(item, np.ndarray):
        return f'array #{index}'
    return str(item)
