"""The house rules on dependencies, checked on the source tree.

``changefine_mm`` never imports ``projects`` or ``tools``; its ``datasets``
and ``models`` never import each other; a project never uses another
project (imports, ``custom_imports`` names, config ``_base_`` paths or any
other path in code), so what two projects share lives in the package.
"""
import ast
import glob
import os.path as osp
from typing import Iterator, List, Tuple

import pytest

from conftest import REPO_ROOT

PACKAGE = osp.join(REPO_ROOT, 'changefine_mm')
PROJECTS = sorted(
    osp.basename(osp.dirname(p))
    for p in glob.glob(osp.join(REPO_ROOT, 'projects', '*', '')))


def _python_files(folder: str) -> List[str]:
    return sorted(glob.glob(osp.join(folder, '**', '*.py'), recursive=True))


def _imported_modules(path: str) -> Iterator[str]:
    """Absolute names of the modules a file imports."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    package = osp.relpath(osp.dirname(path), REPO_ROOT).split(osp.sep)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] \
                if node.level else []
            yield '.'.join(base + ([node.module] if node.module else []))


def _code_strings(path: str) -> Iterator[Tuple[int, str]]:
    """String constants of a file that are not docstrings."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    docstrings = {
        id(node.value)
        for node in ast.walk(tree) if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            yield node.lineno, node.value


def _other_project(path: str, value: str, own: str) -> str:
    """The other project a module name or path in ``path`` points into."""
    if value.startswith('projects.'):
        target = value.split('.')[1]
    else:
        if '/' not in value:
            return ''
        full = osp.normpath(osp.join(osp.dirname(path), value)) \
            if value.startswith('.') else osp.join(REPO_ROOT, value)
        parts = osp.relpath(full, REPO_ROOT).split(osp.sep)
        target = parts[1] if parts[0] == 'projects' and len(parts) > 1 \
            else ''
    return target if target in PROJECTS and target != own else ''


def test_the_package_never_imports_projects_or_tools():
    files = _python_files(PACKAGE)
    assert len(files) > 50
    bad = [(osp.relpath(p, REPO_ROOT), m) for p in files
           for m in _imported_modules(p)
           if m.split('.')[0] in ('projects', 'tools')]
    assert bad == []


@pytest.mark.parametrize('kind, other', [('datasets', 'models'),
                                         ('models', 'datasets')])
def test_datasets_and_models_never_import_each_other(kind, other):
    files = _python_files(osp.join(PACKAGE, kind))
    bad = [(osp.relpath(p, REPO_ROOT), m) for p in files
           for m in _imported_modules(p)
           if m.startswith(f'changefine_mm.{other}')]
    assert bad == []


@pytest.mark.parametrize('project', PROJECTS)
def test_projects_never_use_another_project(project):
    bad = []
    for path in _python_files(osp.join(REPO_ROOT, 'projects', project)):
        values = [(0, m) for m in _imported_modules(path)]
        for line, value in values + list(_code_strings(path)):
            target = _other_project(path, value, project)
            if target:
                bad.append(f'{osp.relpath(path, REPO_ROOT)}:{line} uses '
                           f'projects/{target} ({value!r})')
    assert bad == []


def test_the_checks_resolve_relative_imports_and_paths():
    head = osp.join(PACKAGE, 'models', 'decode_heads',
                    'text_conditioned_decode_head.py')
    assert 'changefine_mm.models.utils.low_rank_bilinear_attention' in \
        set(_imported_modules(head))
    config = osp.join(REPO_ROOT, 'projects', 'clipformer', 'configs', 'x.py')
    for value in ('../../changeclip/configs/a.py',
                  'projects.changeclip.changeclip',
                  'projects/changeclip/changeclip/rs_classes.txt'):
        assert _other_project(config, value, 'clipformer') == 'changeclip'
    for value in ('../../../configs/_base_/models/clip_text_cd.py',
                  'projects.clipformer.clipformer', 'changeclip'):
        assert _other_project(config, value, 'clipformer') == ''
