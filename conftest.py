"""Shared test fixtures and helpers (tests/ and projects/*/tests): tiny
generated data and checkpoints, the registered scope, a one-torch-thread
fixture, the tools as modules, and the ../shared references (skipped when
absent).

Test modules import the helpers with ``from conftest import ...``.
"""
import importlib.util
import os
import os.path as osp
import shutil
from types import ModuleType
from typing import List, Sequence

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import changefine_mm
from changefine_mm.datasets.synthetic import write_dataset
from changefine_mm.models.utils.clip_loading import CLIPArch, build_clip

REPO_ROOT = osp.dirname(osp.abspath(__file__))
SHARED = osp.join(osp.dirname(REPO_ROOT), 'shared')
GOLDEN = osp.join(SHARED, 'golden')
REALCD = osp.join(SHARED, 'data', 'realcd')
# An OpenAI-layout CLIP small enough for CPU tests (one head of 64 channels).
TINY_CLIP_ARCH = CLIPArch(
    embed_dim=16, vision_layers=4, vision_width=64, vision_patch_size=16,
    image_size=32, text_width=64, text_layers=1)


@pytest.fixture(autouse=True, scope='session')
def _register_modules():
    changefine_mm.register_all_modules()


@pytest.fixture
def one_torch_thread():
    """Run a test on one intra-op thread, restoring the setting after.

    For modules of tiny models (``pytestmark =
    pytest.mark.usefixtures('one_torch_thread')``): when several test
    processes share two cores, torch's second OpenMP thread mostly waits
    for a core. Not for every test: on an idle 2-core machine the whole
    suite is about 1 % slower on one thread.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope='session')
def synthetic_cd_root(tmp_path_factory) -> str:
    """A 64x64 synthetic dataset in the LEVIR layout (6/2/2 pairs)."""
    root = str(tmp_path_factory.mktemp('synthetic_cd'))
    write_dataset(root, dict(train=6, val=2, test=2), size=64, seed=1)
    return root


def write_tiny_clip(path: str,
                    arch: CLIPArch = TINY_CLIP_ARCH,
                    seed: int = 0) -> str:
    """Save a seeded random CLIP of ``arch`` as an OpenAI-layout state dict.

    Args:
        path (str): File to write.
        arch (CLIPArch): Dimensions. Defaults to :data:`TINY_CLIP_ARCH`.
        seed (int): Seed of the random weights.

    Returns:
        str: ``path``.
    """
    torch.manual_seed(seed)
    torch.save(build_clip(arch).state_dict(), path)
    return path


def load_tool(*parts: str) -> ModuleType:
    """A script under tools/ as a module (the tools are not a package).

    Args:
        *parts (str): Path of the script below tools/, e.g.
            ``('misc', 'clip_prompt_classes.py')``.

    Returns:
        ModuleType: The executed script.
    """
    path = osp.join(REPO_ROOT, 'tools', *parts)
    name = osp.splitext(parts[-1])[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prompted_copy(src: str, dst: str, classifier, tag: str) -> str:
    """Copy a LEVIR-layout dataset and write its CLIP prompt JSON files.

    Every date folder of every split gets the rankings of
    tools/misc/clip_prompt_classes.py under ``tag``.

    Args:
        src (str): Dataset root (train/val/test, each with A and B).
        dst (str): Root of the copy (must not exist).
        classifier: The CLIP zero-shot classifier that ranks the classes.
        tag (str): Name tag of the JSON files.

    Returns:
        str: ``dst``.
    """
    tool = load_tool('misc', 'clip_prompt_classes.py')
    shutil.copytree(src, dst)
    for split in ('train', 'val', 'test'):
        for date in ('A', 'B'):
            tool.score_folder(osp.join(dst, split, date), classifier, tag,
                              batch_size=4, progress=False)
    return dst


def prompted_change_batch(names_a: Sequence[Sequence[str]],
                          names_b: Sequence[Sequence[str]],
                          size: int = 64,
                          seed: int = 0) -> dict:
    """A batch (dataloader format) of pairs with prompt class names.

    Date B repeats date A but for a square of new pixels (a third of the
    side, top-left at (size/8, 5 size/16)), which is the change label.

    Args:
        names_a (sequence[sequence[str]]): Class names of date A, per pair.
        names_b (sequence[sequence[str]]): Class names of date B, per pair.
        size (int): Image side. Defaults to 64.
        seed (int): Seed of the pixel values.

    Returns:
        dict: ``inputs`` ((6, size, size) uint8 tensors) and
        ``data_samples`` (with ``gt_sem_seg`` and ``prompt_classes``).
    """
    gen = torch.Generator().manual_seed(seed)
    top, left, side = size // 8, size * 5 // 16, size // 3
    square = (slice(None), slice(top, top + side), slice(left, left + side))
    inputs, data_samples = [], []
    for a, b in zip(names_a, names_b):
        image = torch.randint(0, 256, (3, size, size), generator=gen,
                              dtype=torch.uint8)
        changed = image.clone()
        changed[square] = torch.randint(0, 256, (3, side, side),
                                        generator=gen, dtype=torch.uint8)
        label = torch.zeros(1, size, size, dtype=torch.long)
        label[square] = 1
        inputs.append(torch.cat([image, changed]))
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(
            prompt_classes=[list(a), list(b)], img_shape=(size, size),
            ori_shape=(size, size), pad_shape=(size, size)))
        data_samples.append(sample)
    return dict(inputs=inputs, data_samples=data_samples)


def train_steps(model: torch.nn.Module,
                data: dict,
                steps: int,
                lr: float = 2e-3) -> List[float]:
    """Train a detector a few AdamW steps on one preprocessed batch.

    Args:
        model (nn.Module): Change detector whose loss has
            ``decode.loss_ce``.
        data (dict): Output of its data preprocessor (training mode).
        steps (int): Optimiser steps.
        lr (float): Learning rate. Defaults to 2e-3.

    Returns:
        list[float]: ``decode.loss_ce`` before each step.
    """
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = model(**data, mode='loss')['decode.loss_ce']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def read_exact_reference(path: str):
    """Read a parity reference written by a project's make_reference.py.

    Weights are stored exactly as ``offset + t * scale`` (``t`` int8, one
    offset and one power-of-two scale per tensor, keys ``w/``, ``o/``,
    ``s/`` + the official name); every other array is returned as is.

    Args:
        path (str): The ``.npz`` file.

    Returns:
        tuple: official-name weights (dict of float32 tensors) and the
        other arrays (dict of numpy arrays).
    """
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    weights = {
        key[2:]: torch.from_numpy(
            arrays['o/' + key[2:]] +
            arrays[key].astype(np.float32) * arrays['s/' + key[2:]])
        for key in arrays if key.startswith('w/')
    }
    others = {k: v for k, v in arrays.items() if k[:2] not in ('w/', 'o/',
                                                               's/')}
    return weights, others


def _missing_reference(message: str) -> None:
    """Skip a test whose ../shared reference is absent, or fail it in CI.

    CI always has ../shared beside the clone, so a missing file there is a
    broken reference, not a machine without research data.
    """
    if os.environ.get('CI'):
        pytest.fail(message + ' (CI is set: references must be present)')
    pytest.skip(message)


def require_modules(*names: str, install: str) -> None:
    """Skip a test whose optional packages are missing, or fail it in CI
    (which installs every optional package of requirements/tests.txt).

    Args:
        *names (str): Top-level modules the test needs.
        install (str): The command that installs them.
    """
    missing = [n for n in names if importlib.util.find_spec(n) is None]
    if not missing:
        return
    message = f'needs {", ".join(missing)}: {install}'
    if os.environ.get('CI'):
        pytest.fail(message + ' (CI is set: requirements/tests.txt '
                    'installs it)')
    pytest.skip(message)


def golden_path(*parts: str) -> str:
    """Path inside ../shared/golden; skips (fails when CI is set) if absent."""
    path = osp.join(GOLDEN, *parts)
    if not osp.exists(path):
        _missing_reference(f'golden reference not available: {path}')
    return path


def realcd_path(*parts: str) -> str:
    """Path inside ../shared/data/realcd; skips (fails in CI) if absent."""
    path = osp.join(REALCD, *parts)
    if not osp.exists(path):
        _missing_reference(f'real LEVIR-CD samples not available: {path}')
    return path


os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
os.environ.setdefault('HF_HUB_OFFLINE', '1')


def tree_state(root: str, skip: str = '') -> dict:
    """(size, mtime_ns) of every file under ``root``, to show that a run
    changed no file outside its output folder.

    Args:
        root (str): Folder to list.
        skip (str): A folder under ``root`` whose files are not listed
            (the output folder).

    Returns:
        dict[str, tuple[int, int]]: Relative path -> (size, mtime_ns).
    """
    skip = osp.abspath(skip) if skip else ''
    state = {}
    for folder, _, files in os.walk(root):
        if skip and (osp.abspath(folder) + os.sep).startswith(skip + os.sep):
            continue
        for name in files:
            path = osp.join(folder, name)
            info = os.stat(path)
            state[osp.relpath(path, root)] = (info.st_size, info.st_mtime_ns)
    return state
