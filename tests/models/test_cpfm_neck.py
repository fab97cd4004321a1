"""CPFM and CPFMNeck: golden parity with the official ChangeFine code
(official mode), shapes, the paper mode, key mapping and parameter counts.

Goldens: ../shared/golden/changefine/{cpfm,neck}_golden.pt (see the README
there for every stored intermediate and its tolerance).
"""
import json
from contextlib import contextmanager
from typing import Dict, Iterator

import pytest
import torch
import torch.nn.functional as F
from conftest import golden_path
from torch import nn

from changefine_mm.models.necks.cpfm_neck import (CPFMNeck,
                                                  convert_official_state_dict,
                                                  official_to_ours)
from changefine_mm.models.necks.cross_perception_module import \
    CrossPerceptionModule
from changefine_mm.models.necks.neighborhood_cross_attention import (
    compact_neighbor_table, neighbor_table)
from changefine_mm.registry import MODELS
from changefine_mm.utils import load_checkpoint_file

CPFM_PREFIX = 'interacts.0.'
TINY = dict(in_channels=32, width=32, num_heads=4, num_classes=2,
            fpn_dim=32, out_channels=32, gn_groups=8)


@pytest.fixture(scope='module')
def cpfm_golden() -> dict:
    return load_checkpoint_file(
        golden_path('changefine', 'cpfm_golden.pt'))


@pytest.fixture(scope='module')
def neck_golden() -> dict:
    return load_checkpoint_file(
        golden_path('changefine', 'neck_golden.pt'))


def cpfm_weights(golden: dict) -> Dict[str, torch.Tensor]:
    """The golden CPFM weights, mapped, dead keys dropped, prefix removed."""
    return {
        key[len(CPFM_PREFIX):]: value
        for key, value in convert_official_state_dict(
            golden['state_dict']).items()
    }


def load_neck_parts(neck: CPFMNeck, golden: dict) -> None:
    """Load the neck golden (no CPFM weights in it) into ``neck``."""
    result = neck.load_state_dict(
        convert_official_state_dict(golden['state_dict']), strict=False)
    assert result.unexpected_keys == []
    assert all(k.startswith('interacts.') for k in result.missing_keys)


@contextmanager
def record(points: Dict[str, tuple]) -> Iterator[Dict[str, list]]:
    """Record module outputs ('out') or first inputs ('in') by name."""
    seen: Dict[str, list] = {name: [] for name in points}
    handles = []
    for name, (module, which) in points.items():

        def hook(mod, args, out, name=name, which=which):
            seen[name].append(args[0] if which == 'in' else out)

        handles.append(module.register_forward_hook(hook))
    try:
        yield seen
    finally:
        for handle in handles:
            handle.remove()


def assert_close(ours: torch.Tensor, ref: torch.Tensor, atol: float,
                 name: str) -> None:
    assert ours.shape == ref.shape, name
    torch.testing.assert_close(ours, ref, atol=atol, rtol=1e-5, msg=name)


# --------------------------------------------------------------- CPFM golden
def test_official_neighbor_table(cpfm_golden):
    index, valid = neighbor_table(16, 16, 1, torch.device('cpu'))
    assert valid.sum().item() == 14 * 14 * 9 + 4 * 14 * 6 + 4 * 4
    assert torch.equal(compact_neighbor_table(index, valid),
                       cpfm_golden['meta']['neighbor_index_table'])


def test_cpfm_golden_eval(cpfm_golden):
    cpfm = CrossPerceptionModule(mode='official')
    cpfm.load_state_dict(cpfm_weights(cpfm_golden), strict=True)
    cpfm.eval()
    points = dict(
        embed=(cpfm.embed, 'out'),
        nbr_sum_preLN=(cpfm.fusion.neighbor_norm, 'in'),
        x21_cross_attn_out=(cpfm.fusion, 'out'),
        e2_plus_x21=(cpfm.norm_fuse, 'in'),
        e2_mlp_out=(cpfm.mlp, 'out'),
        moe_minus_conv_out=(cpfm.moe.minus_proj_conv, 'out'),
        moe_gate_logits=(cpfm.moe.gate, 'out'),
        moe_fused_scaled=(cpfm.moe.out_proj, 'in'),
        moe_out=(cpfm.moe, 'out'),
        ch_attn_out=(cpfm.ch_attn, 'out'),
        mhsa_out=(cpfm.attn, 'out'))
    inputs = cpfm_golden['inputs']
    with torch.no_grad(), record(points) as seen:
        out = cpfm(inputs['x1'], inputs['x2'], (16, 16))
    ref = cpfm_golden['outputs']['eval']
    embed_e1, embed_e2 = seen.pop('embed')
    ours = dict(embed_e1=embed_e1, embed_e2=embed_e2, out=out,
                **{name: values[0] for name, values in seen.items()})
    assert sorted(ours) == sorted(ref)
    for name, value in ours.items():
        assert_close(value, ref[name], 1e-4, name)


def test_cpfm_golden_train_nodrop(cpfm_golden):
    cpfm = CrossPerceptionModule(mode='official', drop=0., attn_drop=0.)
    cpfm.load_state_dict(cpfm_weights(cpfm_golden), strict=True)
    cpfm.train()
    inputs = cpfm_golden['inputs']
    with torch.no_grad():
        out = cpfm(inputs['x1'], inputs['x2'], (16, 16))
    ref = cpfm_golden['outputs']['train_nodrop']
    bn = cpfm.moe.minus_proj_conv[1]
    assert_close(out, ref['out'], 1e-4, 'out')
    assert_close(bn.running_mean, ref['bn_running_mean_after'], 1e-6, 'mean')
    assert_close(bn.running_var, ref['bn_running_var_after'], 1e-6, 'var')


# --------------------------------------------------------------- neck golden
@pytest.fixture(scope='module')
def full_neck(neck_golden) -> CPFMNeck:
    """Full-size official neck, regularisers off (eval is unaffected)."""
    neck = CPFMNeck(drop=0., attn_drop=0.)
    load_neck_parts(neck, neck_golden)
    return neck


def run_neck_tokens(neck: CPFMNeck, golden: dict) -> torch.Tensor:
    inputs = golden['inputs']
    tokens = [inputs[f'cpfm_out{i}'] for i in range(4)]
    return neck.embed_tokens(tokens, inputs['score_x1'], inputs['score_x2'],
                             (16, 16))


def pred_aux(dense_embed: torch.Tensor, golden: dict) -> torch.Tensor:
    """The official coarse head (owned by the decoder) on our embedding."""
    weights = golden['state_dict']
    return F.conv2d(dense_embed, weights['aux_head.0.weight'],
                    weights['aux_head.0.bias'])


def test_neck_golden_eval(full_neck, neck_golden):
    load_neck_parts(full_neck, neck_golden)
    full_neck.eval()
    neck = full_neck.neck
    points = dict(
        score_fusion=(full_neck.fusion_score, 'out'),
        scale2_with_score=(neck.fpn_in[2], 'in'),
        pyr_f4_maxpool=(neck.down, 'out'),
        ppm_out=(neck.ppm_last_conv, 'out'),
        fpn_in2=(neck.fpn_in[2], 'out'),
        fpn_out2=(neck.fpn_out[2], 'out'),
        pyr_f1_up1=(neck.up1, 'out'),
        fpn_out0=(neck.fpn_out[0], 'out'),
        neck_outs=(neck, 'out'),
        moe_gate_logits=(full_neck.embed_feats.gate, 'out'),
        moe_fused=(full_neck.embed_feats.out_proj, 'in'))
    with torch.no_grad(), record(points) as seen:
        dense_embed = run_neck_tokens(full_neck, neck_golden)
    seen = {name: values[0] for name, values in seen.items()}
    ref = neck_golden['outputs']['eval']
    assert_close(dense_embed, ref['dense_embed'], 2e-5, 'dense_embed')
    assert_close(pred_aux(dense_embed, neck_golden), ref['pred_aux'], 2e-5,
                 'pred_aux')
    grid_tokens = seen['scale2_with_score'].flatten(2).transpose(1, 2)
    assert_close(grid_tokens, ref['scale2_with_score'], 2e-5, 'scale2')
    gate = seen['moe_gate_logits'].flatten(1, 2)
    assert_close(gate, ref['moe_gate_logits'], 2e-5, 'moe_gate_logits')
    for name in ('score_fusion', 'pyr_f4_maxpool', 'ppm_out', 'fpn_in2',
                 'fpn_out2'):
        assert_close(seen[name], ref[name], 2e-5, name)
    for name in ('pyr_f1_up1', 'fpn_out0', 'moe_fused'):
        assert_close(seen[name][:, ::16], ref[f'{name}__ch16'], 2e-5, name)
    for i, level in enumerate(seen['neck_outs']):
        assert_close(level[:, ::16], ref[f'neck_out{i}__ch16'], 2e-5,
                     f'neck_out{i}')


def test_neck_golden_train_nodrop(full_neck, neck_golden):
    load_neck_parts(full_neck, neck_golden)
    full_neck.train()
    with torch.no_grad():
        dense_embed = run_neck_tokens(full_neck, neck_golden)
    ref = neck_golden['outputs']['train_nodrop']
    # With batch statistics the 1x1 PPM branch (a spatially constant map,
    # 2 samples) is ill-conditioned: our own float32 run differs from a
    # float64 run by 8e-5 on dense_embed, the golden by 2.4e-5.
    assert_close(pred_aux(dense_embed, neck_golden), ref['pred_aux'], 1e-4,
                 'pred_aux')
    assert_close(dense_embed[:, ::16], ref['dense_embed__ch16'], 1.5e-4,
                 'dense_embed')
    state = full_neck.state_dict()
    stats = ref['bn_running_stats_after']
    ours = {k: v for k, v in stats.items() if official_to_ours(k)}
    assert sorted(set(stats) - set(ours)) == [
        'neck.conv_last.1.0.running_mean', 'neck.conv_last.1.0.running_var'
    ]
    for key, value in ours.items():
        assert_close(state[key], value, 1e-6, key)


# ------------------------------------------------------- mapping and counts
def test_official_key_mapping(cpfm_golden, neck_golden):
    keys = list(cpfm_golden['state_dict']) + list(neck_golden['state_dict'])
    owned = [k for k in keys if not k.startswith('aux_head.')]
    dropped = sorted(k for k in owned if official_to_ours(k) is None)
    assert dropped == sorted(
        [f'interacts.0.{n}.{p}' for n in ('norm', 'norm3', 'ch_attn.norm')
         for p in ('weight', 'bias')] +
        ['neck.conv_last.0.weight'] +
        [f'neck.conv_last.1.0.{p}' for p in
         ('weight', 'bias', 'running_mean', 'running_var',
          'num_batches_tracked')] +
        ['neck.conv_last.2.weight', 'neck.conv_last.2.bias'] +
        [f'neck.{n}.{p}' for n in ('norm', 'norm1', 'norm2', 'norm3', 'norm4')
         for p in ('weight', 'bias')])
    # every other key loads strictly into a full neck (interacts.0..3)
    full = {}
    for key in owned:
        ours = official_to_ours(key)
        if ours is not None:
            value = (cpfm_golden['state_dict'] if key.startswith('interacts')
                     else neck_golden['state_dict'])[key]
            for i in range(4) if key.startswith('interacts') else [None]:
                name = ours if i is None else ours.replace('.0.', f'.{i}.', 1)
                full[name] = value
    with torch.device('meta'):
        neck = CPFMNeck()
    neck.load_state_dict(full, strict=True, assign=True)
    with pytest.raises(ValueError, match='aux_head.0.weight'):
        official_to_ours('aux_head.0.weight')


def test_parameter_counts_match_official():
    with open(golden_path('changefine', 'param_counts.json')) as f:
        counts = json.load(f)
    top, sub = counts['top_level'], counts['sub_modules']
    with torch.device('meta'):
        neck = CPFMNeck()

    def numel(module: nn.Module) -> int:
        return sum(p.numel() for p in module.parameters())

    dim = 512  # the three dead CPFM LayerNorms: norm, norm3, ch_attn.norm
    cpfm_dead = 3 * 2 * dim
    assert numel(neck.interacts[0]) == sub['interacts.0']['total'] - cpfm_dead
    assert numel(neck.interacts) == top['interacts']['total'] - 4 * cpfm_dead
    neck_dead = sub['neck.conv_last']['total'] + sum(
        sub[f'neck.{n}']['total']
        for n in ('norm', 'norm1', 'norm2', 'norm3', 'norm4'))
    assert numel(neck.neck) == top['neck']['total'] - neck_dead
    assert numel(neck.embed_feats) == top['embed_feats']['total']
    assert numel(neck.fusion_score) == top['fusion_score']['total']


# --------------------------------------------------------- shapes and modes
def random_dates(batch: int, grid: int, gen: torch.Generator) -> tuple:
    def date() -> dict:
        return dict(
            feats=[torch.randn(batch, 32, grid, grid, generator=gen)
                   for _ in range(4)],
            score_map=torch.randn(batch, grid * grid, 2, generator=gen),
            text=torch.randn(batch, 2, 16, generator=gen))

    return date(), date()


@pytest.mark.parametrize('image_size, mode', [(256, 'official'),
                                              (512, 'official'),
                                              (256, 'paper')])
def test_neck_shapes(image_size, mode):
    gen = torch.Generator().manual_seed(0)
    neck = MODELS.build(dict(type='CPFMNeck', mode=mode, **TINY)).eval()
    feats_from, feats_to = random_dates(2, image_size // 16, gen)
    with torch.no_grad():
        out = neck(feats_from, feats_to)
    assert out['dense_embed'].shape == (2, 32, image_size // 4,
                                        image_size // 4)
    assert out['text_from'] is feats_from['text']
    assert out['text_to'] is feats_to['text']


@pytest.mark.parametrize('mode', ['official', 'paper'])
def test_neighbor_tables_cached_per_grid(mode):
    cpfm = CrossPerceptionModule(32, 32, 4, mode=mode).eval()
    tables = cpfm.fusion._tables
    with torch.no_grad():
        cpfm(torch.randn(1, 16, 32), torch.randn(1, 16, 32), (4, 4))
        first = dict(tables)
        cpfm(torch.randn(2, 16, 32), torch.randn(2, 16, 32), (4, 4))
        assert len(tables) == 1
        assert all(tables[key] is value for key, value in first.items())
        out = cpfm(torch.randn(1, 16, 32), torch.randn(1, 16, 32), (2, 8))
    assert out.shape == (1, 16, 32)
    assert len(tables) == 2
    with pytest.raises(ValueError, match='grid'):
        cpfm(torch.randn(1, 16, 32), torch.randn(1, 16, 32), (3, 5))


def test_sync_bn_from_config():
    neck = CPFMNeck(norm_cfg=dict(type='SyncBN'), **TINY)
    norms = [m for m in neck.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert len(norms) == 4 * 1 + 4 + 1 + 3 + 3 + 2
    assert all(isinstance(m, nn.SyncBatchNorm) for m in norms)


def test_paper_mode_differs_on_same_weights(cpfm_golden):
    weights = cpfm_weights(cpfm_golden)
    official = CrossPerceptionModule(mode='official').eval()
    paper = CrossPerceptionModule(mode='paper').eval()
    official.load_state_dict(weights)
    paper.load_state_dict(weights)
    tokens = cpfm_golden['outputs']['eval']['embed_e1']
    agg_paper = paper.fusion.aggregate(tokens, (16, 16))
    agg_official = official.fusion.aggregate(tokens, (16, 16))
    assert_close(agg_official, cpfm_golden['outputs']['eval']['nbr_sum_preLN'],
                 1e-4, 'official aggregate')
    # corner token 0: softmax over its 4 in-grid neighbours only
    # interior token 17 (row 1, col 1): softmax over all 9
    for token, nbrs in ((0, [0, 1, 16, 17]),
                        (17, [0, 1, 2, 16, 17, 18, 32, 33, 34])):
        x = tokens[:, token]
        neighbours = tokens[:, nbrs]
        weights_k = torch.softmax(
            torch.einsum('bd,bkd->bk', x, neighbours) / 512**0.5, dim=-1)
        assert not torch.allclose(weights_k, torch.full_like(weights_k,
                                                             weights_k[0, 0]))
        expected = torch.einsum('bk,bkd->bd', weights_k, neighbours)
        assert_close(agg_paper[:, token], expected, 1e-5, f'token {token}')
    assert (agg_paper - agg_official).abs().max() > 1.
    inputs = cpfm_golden['inputs']
    with torch.no_grad():
        out_paper = paper(inputs['x1'], inputs['x2'], (16, 16))
    out_official = cpfm_golden['outputs']['eval']['out']
    assert (out_paper - out_official).abs().max() > 1e-2


def test_channel_gate_init_per_mode():
    x = torch.randn(2, 16, 32)
    grads = {}
    for mode in ('official', 'paper'):
        cpfm = CrossPerceptionModule(32, 32, 4, mode=mode)
        cpfm(x, x.flip(1), (4, 4)).sum().backward()
        grads[mode] = cpfm.ch_attn.q.weight.grad.abs().sum().item()
        assert cpfm.ch_attn.parm.item() == (0. if mode == 'official' else 1.)
    # official: gate 0 -> q/k/v get no gradient until the gate moves
    assert grads['official'] == 0.
    assert grads['paper'] > 0.


def test_paper_mode_trains():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    neck = CPFMNeck(mode='paper', **TINY)
    head = nn.Conv2d(32, 2, 1)
    feats_from, feats_to = random_dates(2, 4, gen)
    target = torch.randint(0, 2, (2, 16, 16), generator=gen)
    params = list(neck.parameters()) + list(head.parameters())
    optim = torch.optim.Adam(params, lr=1e-3)
    neck.train()
    losses = []
    for _ in range(4):
        logits = head(neck(feats_from, feats_to)['dense_embed'])
        loss = F.cross_entropy(logits, target)
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert all(after < before for before, after in zip(losses, losses[1:]))


# ------------------------------------------------------------- bad inputs
def test_bad_inputs():
    gen = torch.Generator().manual_seed(2)
    neck = CPFMNeck(**TINY).eval()
    feats_from, feats_to = random_dates(1, 4, gen)
    with pytest.raises(KeyError, match=r"feats_to lacks \['text'\]"):
        neck(feats_from, {k: v for k, v in feats_to.items() if k != 'text'})
    bad_score = dict(feats_to, score_map=torch.zeros(1, 16, 3))
    with pytest.raises(ValueError, match='score_map of date .to.'):
        neck(feats_from, bad_score)
    bad_grid = dict(feats_to, feats=[f[..., :3] for f in feats_to['feats']])
    with pytest.raises(ValueError, match=r'feats\[0\] of the two dates'):
        neck(feats_from, bad_grid)
    with pytest.raises(ValueError, match='4 maps'):
        neck(feats_from, dict(feats_to, feats=feats_to['feats'][:3]))
    with pytest.raises(ValueError, match="mode must be one of"):
        CPFMNeck(mode='fixed', **TINY)
