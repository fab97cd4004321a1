"""ONNX export with the pre- and post-processing inside the graph.

The exported graph takes two uint8 images (date A and date B) and returns
the change mask, so a deployment needs no Python code from this package:

* inputs ``image_a``, ``image_b``: uint8 RGB, ``(H, W, 3)`` (``layout
  'hwc'``) or ``(1, 3, H, W)`` (``'nchw'``); other band counts (the
  model's ``backbone_inchannels``, e.g. 13) are taken in their stored
  order. A config's pixel scaling rule is not in the graph: feed it the
  0..255 image that the rule gives, as uint8;
* inside: channel order and normalisation of the model's data
  preprocessor, padding to its ``size_divisor``, the model, resizing of
  the logits, removal of the padding, softmax/sigmoid and argmax/threshold;
* outputs ``mask`` ``(1, H, W)`` uint8 (0/1 or class index) and ``prob``
  ``(1, H, W)`` float32 change probability (``(1, K, H, W)`` for K > 2
  classes).

With ``dynamic=True`` H and W are free (any size, padding computed in the
graph); otherwise the graph is fixed to the example size. The whole image
is one forward pass: for big scenes run the graph on windows, or use
``tools/infer.py``. Export uses the TorchScript-based exporter of
``torch.onnx`` (needs only ``onnx``).
"""
import copy
import warnings
from contextlib import contextmanager
from typing import Dict, Iterator, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

INSTALL_HINT = ('ONNX export needs onnx (and onnxruntime to verify): '
                'pip install "changefine-mm[deploy]"')


class EndToEndChangeModel(nn.Module):
    """A change detector wrapped between uint8 images and a mask.

    Args:
        model (nn.Module): A built change detector (eval mode).
        layout (str): 'hwc' or 'nchw' input layout.
        threshold (float): Change threshold for binary models (see
            :class:`ChangeInferencer`).
        num_classes (int): Classes of the model (2 for binary).
    """

    def __init__(self, model: nn.Module, layout: str, threshold: float,
                 num_classes: int) -> None:
        super().__init__()
        if layout not in ('hwc', 'nchw'):
            raise ValueError(f"layout must be 'hwc' or 'nchw', got {layout}")
        self.model = model
        self.layout = layout
        self.threshold = threshold
        self.num_classes = num_classes
        pre = model.data_preprocessor
        # Bands per date: the model's own setting (configs of N-band models
        # set it), else what the preprocessor's statistics imply.
        channels = getattr(model, 'backbone_inchannels', None) or (
            pre.mean.numel() // 2 if getattr(pre, 'mean', None) is not None
            else 3)
        # The preprocessor turns BGR (training pipeline) into what the
        # model sees; the graph gets RGB, so it swaps only if the
        # preprocessor does not.
        swaps = getattr(pre, 'swap_channel_order',
                        getattr(pre, 'channel_conversion', False))
        order = list(range(channels))
        if channels == 3 and not swaps:
            order = [2, 1, 0]
        self.register_buffer('order', torch.tensor(order), persistent=False)
        normalize = getattr(pre, '_enable_normalize', False)
        # One date's statistics serve both dates (as in the preprocessor).
        repeat = 2 if normalize and pre.mean.numel() == channels else 1
        self.register_buffer(
            'mean', pre.mean.view(-1, 1, 1).repeat(repeat, 1, 1)
            if normalize else torch.zeros(2 * channels, 1, 1),
            persistent=False)
        self.register_buffer(
            'std', pre.std.view(-1, 1, 1).repeat(repeat, 1, 1)
            if normalize else torch.ones(2 * channels, 1, 1),
            persistent=False)
        test_cfg = getattr(pre, 'test_cfg', None) or {}
        self.size_divisor = test_cfg.get('size_divisor') or 1
        self.pad_val = float(getattr(pre, 'pad_val', 0))
        self.align_corners = getattr(model.decode_head, 'align_corners',
                                     False)

    def _to_nchw(self, image: torch.Tensor) -> torch.Tensor:
        if self.layout == 'hwc':
            image = image.permute(2, 0, 1).unsqueeze(0)
        return image.index_select(1, self.order).float()

    def output_axes(self) -> Dict[str, Dict[int, str]]:
        """Output names and their dynamic axes (the graph's outputs)."""
        prob_axes = ({1: 'height', 2: 'width'} if self.num_classes <= 2
                     else {2: 'height', 3: 'width'})
        return dict(mask={1: 'height', 2: 'width'}, prob=prob_axes)

    def model_logits(self, image_a: torch.Tensor,
                     image_b: torch.Tensor):
        """Normalise and pad a uint8 pair, run the model.

        Args:
            image_a (Tensor): Date A in the graph's layout.
            image_b (Tensor): Date B.

        Returns:
            tuple: The model's logits (a tensor, or a dict of them for
            several outputs) at the padded size, and a function that
            brings logits to the input size (resize, crop).
        """
        inputs = torch.cat([self._to_nchw(image_a), self._to_nchw(image_b)],
                           dim=1)
        inputs = (inputs - self.mean) / self.std
        height, width = inputs.shape[2], inputs.shape[3]
        divisor = self.size_divisor
        pad_h = (divisor - height % divisor) % divisor
        pad_w = (divisor - width % divisor) % divisor
        inputs = F.pad(inputs, (0, pad_w, 0, pad_h), value=self.pad_val)
        metas = [dict(img_shape=inputs.shape[2:], pad_shape=inputs.shape[2:])]

        def crop(logits: torch.Tensor) -> torch.Tensor:
            # mmseg heads already return the padded size; heads that do
            # not are brought to it as mmseg's post-processing would.
            logits = F.interpolate(logits, size=inputs.shape[2:],
                                   mode='bilinear',
                                   align_corners=self.align_corners)
            return logits[:, :, :height, :width]

        return self.model.encode_decode(inputs, metas), crop

    def forward(self, image_a: torch.Tensor,
                image_b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """uint8 pair -> (mask, probabilities), see the module docstring."""
        logits, crop = self.model_logits(image_a, image_b)
        logits = crop(logits)
        if logits.size(1) == 1:
            prob = logits.sigmoid()[:, 0]
            mask = prob > self.threshold
        elif self.num_classes == 2:
            prob = logits.softmax(dim=1)[:, 1]
            mask = prob > self.threshold
        else:
            prob = logits.softmax(dim=1)
            mask = prob.argmax(dim=1)
        return mask.to(torch.uint8), prob


def example_inputs(height: int, width: int, channels: int,
                   layout: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """Random uint8 example images for tracing.

    Args:
        height (int): Image height.
        width (int): Image width.
        channels (int): Bands per date.
        layout (str): 'hwc' or 'nchw'.

    Returns:
        tuple[Tensor, Tensor]: Date A and date B.
    """
    if layout == 'hwc':
        shape = (height, width, channels)
    else:
        shape = (1, channels, height, width)
    generator = torch.Generator().manual_seed(0)
    return tuple(
        torch.randint(0, 256, shape, dtype=torch.uint8, generator=generator)
        for _ in range(2))


def export_onnx(inferencer,
                path: str,
                shape: Sequence[int] = (256, 256),
                dynamic: bool = True,
                layout: str = 'hwc',
                opset: int = 17) -> str:
    """Export a model with pre/post-processing to an ONNX file.

    Args:
        inferencer (ChangeInferencer): Holds the model, its threshold and
            classes.
        path (str): ONNX file to write.
        shape (sequence[int]): Example (fixed, unless dynamic) H and W.
        dynamic (bool): Let H and W vary at run time.
        layout (str): 'hwc' ((H, W, C) inputs) or 'nchw' ((1, C, H, W)).
        opset (int): ONNX opset.

    Returns:
        str: ``path``.

    Raises:
        RuntimeError: If the exporter cannot convert the model, naming the
            model and the exporter's reason.
    """
    try:
        import onnx  # noqa: F401
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err
    end_to_end = getattr(inferencer, 'end_to_end_model', None)
    wrapper = (end_to_end(layout) if end_to_end else EndToEndChangeModel(
        inferencer.model, layout, inferencer.threshold,
        inferencer.num_classes)).cpu().eval()
    outputs = wrapper.output_axes()
    inputs = example_inputs(shape[0], shape[1], inferencer.in_channels,
                            layout)
    axes = {0: 'height', 1: 'width'} if layout == 'hwc' else {
        2: 'height', 3: 'width'
    }
    dynamic_axes = None
    if dynamic:
        dynamic_axes = dict(image_a=axes, image_b=axes, **outputs)
    with warnings.catch_warnings(), torch.no_grad():
        # The tracer warns about every shape-dependent Python value; the
        # ones here are recorded as graph ops, which the check confirms.
        warnings.simplefilter('ignore')
        try:
            torch.onnx.export(wrapper, inputs, path, dynamo=False,
                              input_names=['image_a', 'image_b'],
                              output_names=list(outputs),
                              dynamic_axes=dynamic_axes,
                              opset_version=opset)
        except Exception as err:  # noqa: BLE001 - exporter errors vary
            hint = (' Try a fixed size (--static --shape H W).'
                    if dynamic else '')
            raise RuntimeError(
                f'{type(inferencer.model).__name__} cannot be exported to '
                f'ONNX: {str(err).splitlines()[0][:300]}.{hint}') from err
        finally:
            inferencer.model.to(inferencer.device)
    return path


def verify_onnx(path: str,
                inferencer,
                sizes: Sequence[Tuple[int, int]] = ((256, 256), ),
                layout: str = 'hwc',
                seed: int = 0) -> Dict[str, float]:
    """Compare the ONNX graph (onnxruntime) with the PyTorch inferencer.

    Args:
        path (str): ONNX file.
        inferencer (ChangeInferencer): The same model in PyTorch.
        sizes (sequence): (H, W) of the random test pairs.
        layout (str): Layout the graph was exported with.
        seed (int): Seed of the random images.

    The reference is whole-image inference (the graph is one forward pass
    over the whole image), whatever the model's ``test_cfg`` says.

    Returns:
        dict: ``max_prob_diff`` (largest absolute difference of the
        probabilities) and ``mask_mismatch`` (pixels whose masks differ
        although the probability is more than 1e-4 from the threshold).
    """
    if hasattr(inferencer, 'end_to_end_model'):  # semantic change
        from .scd_onnx import verify_scd_onnx
        return verify_scd_onnx(path, inferencer, sizes, layout, seed)
    max_diff, mismatch = 0.0, 0
    for (mask, prob), expected in graph_and_reference(
            path, inferencer, sizes, layout, seed):
        max_diff = max(max_diff,
                       float(np.abs(prob[0] - expected['prob']).max()))
        mismatch += _firm_mismatches(mask[0], expected, inferencer)
    return dict(max_prob_diff=max_diff, mask_mismatch=mismatch)


def graph_and_reference(path: str, inferencer,
                        sizes: Sequence[Tuple[int, int]], layout: str,
                        seed: int) -> Iterator[Tuple[list, dict]]:
    """Random uint8 pairs of each size through the graph and the PyTorch
    inferencer (whole image, unscaled pixels, as the graph sees them).

    Args:
        path (str): ONNX file.
        inferencer: The same model in PyTorch (binary or semantic).
        sizes (sequence): (H, W) of the random test pairs.
        layout (str): Layout the graph was exported with.
        seed (int): Seed of the random images.

    Yields:
        tuple[list, dict]: The graph's outputs and the inferencer's result
        for one pair.
    """
    session = onnx_session(path)
    rng = np.random.default_rng(seed)
    for height, width in sizes:
        pair = [rng.integers(0, 256, (height, width, inferencer.in_channels),
                             dtype=np.uint8) for _ in range(2)]
        feeds = [p if layout == 'hwc' else p.transpose(2, 0, 1)[None]
                 for p in pair]
        outputs = session.run(None, dict(image_a=feeds[0], image_b=feeds[1]))
        with whole_image_inference(inferencer.model), \
                _unscaled(inferencer):
            yield outputs, inferencer(pair[0], pair[1])


def onnx_session(path: str):
    """An onnxruntime CPU session of a graph.

    Args:
        path (str): ONNX file.

    Returns:
        onnxruntime.InferenceSession: The session.
    """
    try:
        import onnxruntime as ort
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err
    return ort.InferenceSession(path, providers=['CPUExecutionProvider'])


@contextmanager
def _unscaled(inferencer) -> Iterator[None]:
    """Feed the inferencer's model the pixels as the graph gets them (the
    graph's inputs are already scaled)."""
    scale, inferencer.scale = inferencer.scale, None
    try:
        yield
    finally:
        inferencer.scale = scale


@contextmanager
def whole_image_inference(model) -> Iterator[None]:
    """Run an mmseg segmentor on whole images for the duration, as the
    exported graph does (a ``test_cfg`` with ``mode='slide'`` would tile
    images larger than its crop).

    Args:
        model (nn.Module): A segmentor with a ``test_cfg``.
    """
    test_cfg = getattr(model, 'test_cfg', None)
    if not test_cfg or test_cfg.get('mode', 'whole') == 'whole':
        yield
        return
    whole = copy.deepcopy(test_cfg)
    whole['mode'] = 'whole'
    model.test_cfg = whole
    try:
        yield
    finally:
        model.test_cfg = test_cfg


def _firm_mismatches(mask: np.ndarray, expected: dict,
                     inferencer) -> int:
    """Mask disagreements that are not ties at the decision boundary."""
    differ = mask != expected['mask']
    if inferencer.num_scores == 1:
        firm = np.abs(expected['prob'] - inferencer.threshold) > 1e-4
    else:
        top2 = np.sort(expected['prob'], axis=0)[-2:]
        firm = (top2[1] - top2[0]) > 1e-4
    return int((differ & firm).sum())


def check_export(path: str,
                 inferencer,
                 shape: Sequence[int],
                 dynamic: bool,
                 layout: str = 'hwc',
                 atol: float = 1e-4) -> Dict[str, float]:
    """Check an exported graph against PyTorch, at another size if dynamic.

    Args:
        path (str): ONNX file.
        inferencer (ChangeInferencer): The same model in PyTorch.
        shape (sequence[int]): The export size (H, W).
        dynamic (bool): Whether the graph was exported with free H and W.
        layout (str): Input layout of the graph.
        atol (float): Largest accepted probability difference.

    Returns:
        dict: The worst :func:`verify_onnx` result.

    Raises:
        RuntimeError: If the graph differs from PyTorch; for a dynamic graph
            that is right only at the export size, the message says why.
    """
    result = verify_onnx(path, inferencer, [tuple(shape)], layout)
    _raise_if_off(result, atol, '')
    if not dynamic:
        return result
    # A size that is neither the export size nor a multiple of 32.
    other = (shape[0] * 3 // 2 + 7, shape[1] + 41)
    result = verify_onnx(path, inferencer, [other], layout)
    _raise_if_off(
        result, atol,
        f' at {other[0]}x{other[1]}, though it matches at the export size '
        f'{shape[0]}x{shape[1]}: the model code turns sizes into constants '
        'while tracing (e.g. int() of a shape, torch.tensor() of sizes, '
        'or nn.MultiheadAttention, whose sequence length the exporter '
        'fixes), so dynamic sizes are not supported for this model; '
        'export with '
        '--static --shape H W for the size you deploy')
    return result


def _raise_if_off(result: Dict[str, float], atol: float, why: str) -> None:
    if result['max_prob_diff'] > atol or result['mask_mismatch']:
        raise RuntimeError(
            f'ONNX output differs from PyTorch{why}: max probability '
            f'difference {result["max_prob_diff"]:.2e} (tolerance '
            f'{atol:.0e}), {result["mask_mismatch"]} mask pixel(s) differ')
