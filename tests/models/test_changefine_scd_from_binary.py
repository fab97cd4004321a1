"""A binary ChangeFine checkpoint starts a ChangeFineSCD:
tools/model_converters/changefine_binary_to_scd.py carries the change
branch over, re-initialises the class-dependent layers and the land-cover
head (and says so), and refuses checkpoints of other models.

Tiny models of configs/changefine/changefine_tiny_demo.py (binary, K=2
prompts) and configs/scd/changefine_scd_tiny_demo.py (SCD, SECOND's six
land-cover names), checkpoints in the layout tools/train.py writes.
"""
import copy
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from changefine_mm.datasets.synthetic_scd import write_scd_dataset
from changefine_mm.models.utils.binary_to_scd import scd_key
from changefine_mm.registry import MODELS
from conftest import REPO_ROOT, load_tool
from test_changefine_scd import LAND_COVER, SIZE, runner_cfg

pytestmark = pytest.mark.usefixtures('one_torch_thread')

BINARY = osp.join(REPO_ROOT, 'configs', 'changefine',
                  'changefine_tiny_demo.py')
SCD = osp.join(REPO_ROOT, 'configs', 'scd', 'changefine_scd_tiny_demo.py')
# The layers of the tiny models whose shapes depend on the number of
# class prompts: the backbone's score-map fusion, the neck's score fusion.
CLASS_LAYERS = ('backbone.fusion.embed_img_t.', 'neck.fusion_score.')
converter = load_tool('model_converters', 'changefine_binary_to_scd.py')


def write_binary(path: str, class_names=None, with_cfg: bool = True,
                 edit=None, mode: str = 'paper') -> dict:
    """A 'trained' binary ChangeFine checkpoint as tools/train.py writes
    it: ``state_dict`` (no frozen SAM/CLIP) and ``meta['cfg']``.

    The weights are moved away from their initialisation, so that a
    carried-over tensor cannot equal the SCD model's own by chance.
    """
    cfg = Config.fromfile(BINARY)
    if class_names is not None:
        cfg.model.backbone.class_names = class_names
    cfg.model.mode = mode
    state = MODELS.build(copy.deepcopy(cfg.model)).state_dict()
    gen = torch.Generator().manual_seed(1)
    for key, value in state.items():
        if value.is_floating_point():
            value.add_(torch.randn(value.shape, generator=gen))
            if key.endswith('running_var'):
                value.abs_()
    if edit is not None:
        edit(state)
    meta = dict(cfg=cfg.pretty_text) if with_cfg else {}
    torch.save(dict(state_dict=state, meta=meta), path)
    return state


def scd_init() -> dict:
    """The tiny SCD model's initial state dict (``init_seed`` fixed)."""
    model_cfg = Config.fromfile(SCD).model
    return MODELS.build(copy.deepcopy(model_cfg)).state_dict()


@pytest.fixture(scope='module')
def converted(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp('binary_to_scd')
    binary = str(root / 'binary.pth')
    out = str(root / 'scd.pth')
    state = write_binary(binary)
    output = converter.main([binary, SCD, out])
    return dict(binary=state, output=output, out=out, root=root)


def test_change_branch_carried_over(converted):
    binary, output = converted['binary'], converted['output']
    state, meta = output['state_dict'], output['meta']
    init = scd_init()
    # A complete SCD state dict: mmengine's load_from finds every key.
    assert list(state) == list(init)
    assert all(state[k].shape == init[k].shape for k in init)
    renamed = {scd_key(k): v for k, v in binary.items()}
    assert 'decode_head.binary_cd_head.decoder.conv_out.weight' in renamed
    for key in meta['copied_keys']:
        assert torch.equal(state[key], renamed[key]), key
        if init[key].is_floating_point():
            assert not torch.equal(state[key], init[key]), key
    class_keys = {k for k in init if k.startswith(CLASS_LAYERS)}
    # fc2.bias has no K in its shape but belongs with its K-wide weight.
    assert 'neck.fusion_score.fc2.bias' in class_keys
    assert set(meta['skipped_keys']) == class_keys
    for why in meta['skipped_keys'].values():
        assert 'K=2' in why and 'K=6' in why
    assert set(meta['copied_keys']) == set(renamed) - class_keys
    assert set(meta['fresh_keys']) == {
        k for k in init if k.startswith('decode_head.semantic_cd_head.')}
    assert meta['unused_binary_keys'] == []
    for key in list(class_keys) + meta['fresh_keys']:
        assert torch.equal(state[key], init[key]), key


def test_report_names_skipped_and_new(tmp_path, capsys):
    binary = str(tmp_path / 'binary.pth')
    write_binary(binary)
    converter.main([binary, SCD, str(tmp_path / 'scd.pth')])
    report = capsys.readouterr().out
    for layer in ('backbone.fusion.embed_img_t.fc1.weight',
                  'neck.fusion_score.fc2.bias'):
        assert f'skipped {layer} (left at its initialisation): depends ' \
            'on the class prompts' in report
    assert 'new in the SCD model, left at their initialisation: 103 ' \
        "tensors: {'decode_head.semantic_cd_head.logit_scale': 1" in report
    assert 'load_from=' in report


def test_checkpoint_of_tools_train(tmp_path, monkeypatch, capsys,
                                   synthetic_cd_root):
    """The file tools/train.py writes for the tiny binary config (one
    iteration on the synthetic LEVIR-layout pairs): its class names come
    from the config stored in its meta."""
    config = tmp_path / 'binary.py'
    loader = dict(num_workers=0, persistent_workers=False)
    config.write_text(f"""
_base_ = [{BINARY!r}]
model = dict(data_preprocessor=dict(size=(64, 64)))
train_dataloader = dict(batch_size=2, dataset=dict(
    data_root={synthetic_cd_root!r}), **{loader!r})
val_dataloader = dict(dataset=dict(data_root={synthetic_cd_root!r}),
                      **{loader!r})
test_dataloader = val_dataloader
train_cfg = dict(max_iters=1, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1))
""")
    work = str(tmp_path / 'work')
    monkeypatch.setattr(sys, 'argv',
                        ['train.py', str(config), '--work-dir', work])
    load_tool('train.py').main()
    binary = osp.join(work, 'iter_1.pth')
    output = converter.main([binary, SCD, str(tmp_path / 'scd.pth')])
    trained = torch.load(binary, weights_only=True)['state_dict']
    meta = output['meta']
    assert meta['converted_from'] == 'iter_1.pth'
    assert len(meta['copied_keys']) == len(trained) - 8
    for key in meta['copied_keys']:
        assert torch.equal(output['state_dict'][key],
                           trained[key.replace('binary_cd_head.', '')])
    assert all("binary ['background', 'Buildings'] (K=2)" in why
               for why in meta['skipped_keys'].values())
    assert len(meta['skipped_keys']) == 8


def test_other_mode_reported(tmp_path, capsys):
    """An official-mode binary model into a paper-mode SCD config: the
    modules only official mode builds are listed as dropped, with a
    warning saying how to keep them."""
    binary = str(tmp_path / 'binary.pth')
    state = write_binary(binary, mode='official')
    output = converter.main([binary, SCD, str(tmp_path / 'scd.pth')])
    dropped = output['meta']['unused_binary_keys']
    assert dropped and all(k in state for k in dropped)
    assert not any(k in output['state_dict'] for k in dropped)
    report = capsys.readouterr().out
    assert f'(dropped): {dropped[:1]}'[:-1] in report
    assert "WARNING: the binary model ran in mode 'official', the SCD " \
        "config in 'paper'" in report
    assert '--cfg-options model.mode=official' in report
    output = converter.main([binary, SCD, str(tmp_path / 'scd.pth'),
                             '--cfg-options', 'model.mode=official'])
    assert output['meta']['unused_binary_keys'] == []


def test_load_from_trains_and_tests(converted):
    """tools/train.py's path: load_from the converted file, one training
    iteration at lr 0 (the parameters stay the loaded ones), a test."""
    root = converted['root']
    data_root = str(root / 'data')
    write_scd_dataset(data_root, dict(train=2, val=1, test=1), size=SIZE,
                      seed=3)
    cfg = runner_cfg(data_root, str(root / 'work'), 1)
    cfg.load_from = converted['out']
    cfg.optim_wrapper.optimizer.lr = 0.0
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    state = converted['output']['state_dict']
    for name, param in runner.model.named_parameters():
        if name in state:
            assert torch.equal(param.detach(), state[name]), name
    scores = runner.test()
    assert 0 <= scores['binary/F1'] <= 100
    assert 0 <= scores['semantic/mIoU'] <= 100


@pytest.mark.parametrize('class_names, with_cfg, skipped', [
    # The SCD model's own names: the class-dependent layers fit and mean
    # the same, so they are carried over too.
    (LAND_COVER, True, None),
    # Same K, other names: the shapes fit but class k is another class.
    (['building'] * 6, True, 'binary ['),
    # Same K, names unknown (no config in the meta): not carried over.
    (LAND_COVER, False, 'holds no config'),
])
def test_class_names_decide_class_layers(tmp_path, class_names, with_cfg,
                                         skipped):
    binary = str(tmp_path / 'binary.pth')
    state = write_binary(binary, class_names, with_cfg)
    output = converter.convert(binary, SCD, str(tmp_path / 'scd.pth'))
    meta = output['meta']
    class_keys = {scd_key(k) for k in state if k.startswith(CLASS_LAYERS)}
    assert len(class_keys) == 8
    if skipped is None:
        assert meta['skipped_keys'] == {}
        assert class_keys <= set(meta['copied_keys'])
        for key in class_keys:
            assert torch.equal(output['state_dict'][key], state[key])
    else:
        assert set(meta['skipped_keys']) == class_keys
        assert all(skipped in why for why in meta['skipped_keys'].values())


def test_stored_config_is_read_not_run(tmp_path):
    """The config text in a checkpoint's meta is parsed for its literals;
    code in it never runs (the file was loaded with weights_only)."""
    binary = str(tmp_path / 'binary.pth')
    state = write_binary(binary)
    marks = [tmp_path / 'imported', tmp_path / 'called']
    text = (f"import pathlib; pathlib.Path({str(marks[0])!r}).touch()\n"
            "model = dict(type='ChangeFine', backbone=dict(\n"
            "    class_names=['bare soil', 'roof'],\n"
            f"    sam_arch=open({str(marks[1])!r}, 'w')))\n")
    torch.save(dict(state_dict=state, meta=dict(cfg=text)), binary)
    meta = converter.convert(binary, SCD, str(tmp_path / 'scd.pth'))['meta']
    assert not any(mark.exists() for mark in marks)
    assert all("binary ['bare soil', 'roof'] (K=2)" in why
               for why in meta['skipped_keys'].values())
    assert meta['binary_mode'] == 'paper'


def test_other_widths_refused_or_skipped(tmp_path):
    """A shape mismatch outside the class-dependent layers means the two
    configs differ: refused, or skipped and listed on request."""
    def one_wrong(state):
        state['neck.embed_feats.norm.weight'] = torch.ones(5)

    binary = str(tmp_path / 'binary.pth')
    out = str(tmp_path / 'scd.pth')
    write_binary(binary, edit=one_wrong)
    with pytest.raises(ValueError, match=r"does not fit the SCD model .*"
                       r"neck\.embed_feats\.norm\.weight: file \(5,\) vs "
                       r"model \(32,\)") as err:
        converter.convert(binary, SCD, out)
    assert binary in str(err.value) and '--allow-mismatch' in str(err.value)
    assert not osp.exists(out)
    meta = converter.convert(binary, SCD, out, allow_mismatch=True)['meta']
    why = meta['skipped_keys']['neck.embed_feats.norm.weight']
    assert 'file (5,) vs model (32,)' in why
    assert len(meta['skipped_keys']) == 9


def test_refuses_other_checkpoints(converted, tmp_path):
    out = str(tmp_path / 'scd.pth')
    foreign = str(tmp_path / 'upernet.pth')
    torch.save(dict(state_dict={
        'backbone.conv1.weight': torch.zeros(2, 3, 3, 3),
        'decode_head.conv_seg.weight': torch.zeros(2, 4, 1, 1)}), foreign)
    with pytest.raises(ValueError, match='is not a binary ChangeFine '
                       r'checkpoint: it has no neck\.interacts\.\*') as err:
        converter.convert(foreign, SCD, out)
    assert foreign in str(err.value)
    with pytest.raises(ValueError, match='already a ChangeFineSCD'):
        converter.convert(converted['out'], SCD, out)
    empty = str(tmp_path / 'empty.pth')
    torch.save(dict(meta={}), empty)
    with pytest.raises(ValueError, match='holds no state dict'):
        converter.convert(empty, SCD, out)
    binary = str(tmp_path / 'binary.pth')
    write_binary(binary)
    with pytest.raises(ValueError, match="model.type is 'ChangeFine'"):
        converter.convert(binary, BINARY, out)
    assert not osp.exists(out)
