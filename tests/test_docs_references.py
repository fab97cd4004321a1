"""Docs drift: what README.md, docs/*.md, projects/*/README.md and the
READMEs under configs/ show to users is real.

* every relative Markdown link points to a file of the repository, and its
  ``#anchor`` to a heading of that file (GitHub's anchor rule);
* every repository path named in text or code (``configs/...``,
  ``tools/...``, ``projects/...``, brace forms expanded) exists;
* every ``--flag`` of a documented command (``python tools/X.py``,
  ``python -m projects...``, ``bash tools/X.sh``) is accepted by the
  argument parser of the script that receives it, the ``dist_*.sh``
  wrappers' own flags included;
* complete commands of code blocks parse (positionals, values, choices),
  and their ``--cfg-options`` keys lead to entries of the config;
* every config a documented command uses or the docs name builds with
  ``Config.fromfile``;
* python examples import what exists, dotted names
  (``changefine_mm.apis.predict_geotiff``) resolve, ``--flags`` quoted in
  prose are options of some script, ``pip install -e ".[x]"`` extras are
  setup.py's (and docs/install.md lists them all);
* every script of tools/ and projects/*/tools/ is named in a doc.

The checkers live in tests/docs_checks.py; they are tested at the end on
small texts with planted mistakes.
"""
import argparse

import pytest
from mmengine.config import Config

from conftest import REPO_ROOT
from docs_checks import (
    DOC_FILES, EXTRA_RE, accepted_options, anchors, argument_problems,
    cfg_option_problems, doc_commands, doc_text, documented_configs,
    dotted_name_problems, expand_braces, extra_problems, flag_problems,
    forwarded_tool, github_anchor, import_problems, inline_commands,
    link_problems, load_config, mentioned_paths, path_problems,
    prose_option_problems, setup_extras, shell_commands, tool_scripts,
    undocumented, wrapper_commands)


@pytest.mark.parametrize('doc', DOC_FILES)
def test_links_resolve(doc):
    assert link_problems(doc_text(doc), doc, REPO_ROOT) == []


@pytest.mark.parametrize('doc', DOC_FILES)
def test_repository_paths_exist(doc):
    assert path_problems(doc_text(doc), doc, REPO_ROOT) == []


@pytest.mark.parametrize('doc', DOC_FILES)
def test_python_examples_import(doc):
    assert import_problems(doc_text(doc), doc) == []


@pytest.mark.parametrize('doc', DOC_FILES)
def test_dotted_names_exist(doc):
    assert dotted_name_problems(doc_text(doc), doc) == []


@pytest.mark.parametrize('doc', DOC_FILES)
def test_extras_exist(doc):
    assert extra_problems(doc_text(doc), doc, setup_extras()) == []


def test_every_extra_in_install_doc():
    """docs/install.md's table says what each extra of setup.py is for."""
    listed = {name for group in EXTRA_RE.findall(doc_text('docs/install.md'))
              for name in group.split(',')}
    assert setup_extras() - listed == set()


@pytest.mark.parametrize('doc', DOC_FILES)
def test_prose_options_exist(doc):
    options = {o for script in tool_scripts() + [
        '-m projects.demo_app.demo_app'] for o in accepted_options(script)[0]}
    assert prose_option_problems(doc_text(doc), doc, options) == []


def test_every_tool_documented():
    """Each script under tools/ and projects/*/tools/ is named in a doc."""
    named = {path for doc in DOC_FILES
             for _, written in mentioned_paths(doc_text(doc))
             for path in expand_braces(written)}
    scripts = tool_scripts(('tools/*.sh', 'tools/**/*.py',
                            'projects/*/tools/*.py'))
    assert len(scripts) > 20
    assert undocumented(scripts, named) == []


@pytest.mark.parametrize('doc', DOC_FILES)
def test_command_options_are_accepted(doc):
    problems = [p for c in doc_commands(doc) for p in flag_problems(c, doc)]
    assert problems == []


@pytest.mark.parametrize('doc', DOC_FILES)
def test_commands_parse(doc):
    """Complete commands of code blocks parse: positionals, values,
    choices."""
    problems = [p for c in shell_commands(doc_text(doc))
                for p in argument_problems(c, doc)]
    assert problems == []


def test_wrapper_options_are_accepted():
    """The options tools/*.sh pass to the python tools exist."""
    problems = [p for script, c in wrapper_commands()
                for p in flag_problems(c, script)]
    assert problems == []


@pytest.mark.parametrize('config', documented_configs())
def test_command_configs_build(config):
    assert load_config(config).filename


@pytest.mark.parametrize('doc', DOC_FILES)
def test_cfg_options_keys_exist(doc):
    problems = [p for c in doc_commands(doc)
                for p in cfg_option_problems(c, doc)]
    assert problems == []


# The checkers on small synthetic docs: each must find what is planted.


def test_anchor_rule():
    assert github_anchor('FLOPs, speed and memory') == 'flops-speed-and-memory'
    assert github_anchor('What `--resume` and `--force` do') == \
        'what---resume-and---force-do'
    assert github_anchor('ONNX with pre- and post-processing') == \
        'onnx-with-pre--and-post-processing'
    assert anchors('# A\n```bash\n# not a heading\n```\n## A\n') == \
        {'a', 'a-1'}


def test_link_checker_finds_broken_links(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'b.md').write_text('# Real heading\n')
    text = ('[ok](b.md#real-heading) [web](https://x.org/y) [self](#top)\n'
            '# Top\n[gone](missing.md) [bad](b.md#no-such-heading)\n'
            '```bash\n[in code](nowhere.md)\n```\n')
    (tmp_path / 'docs' / 'a.md').write_text(text)
    problems = link_problems(text, 'docs/a.md', str(tmp_path))
    assert len(problems) == 2
    assert problems[0].startswith('docs/a.md:3: link missing.md')
    assert '#no-such-heading in docs/b.md' in problems[1]


def test_path_checker_expands_braces_and_skips_placeholders(tmp_path):
    (tmp_path / 'configs' / 'm').mkdir(parents=True)
    (tmp_path / 'configs' / 'm' / 'm_x.py').write_text('')
    text = ('`configs/m/m_{x,y}.py`, data/configs/a.py, work_dirs/m/x.pth\n'
            'configs/m/m_{name}.py, configs/m/m_<N>.py\n'
            "open-cd's `configs/mtkd/*ban*` and configs/m/ too.\n"
            '```text\nerror: configs/m/m_z.py not found\n```\n')
    assert path_problems(text, 'a.md', str(tmp_path)) == [
        'a.md:1: configs/m/m_y.py does not exist (from '
        'configs/m/m_{x,y}.py)']


def test_flag_checker_finds_unknown_options(tmp_path):
    (tmp_path / 'tools').mkdir()
    (tmp_path / 'tools' / 'run.py').write_text('')
    (tmp_path / 'tools' / 'dist_run.sh').write_text(
        'exec python -m torch.distributed.run --nproc_per_node=2 \\\n'
        '    tools/run.py "$1" --launcher pytorch "$@"\n')
    (tmp_path / 'tools' / 'demo.sh').write_text('python tools/run.py a\n')
    text = ('```bash\n'
            'OMP_NUM_THREADS=1 python tools/run.py CONFIG --good 1 \\\n'
            '    --bad x   # --not-a-flag in a comment\n'
            'python tools/run.py C [--good N] [--also=2]    '
            'python tools/gone.py\n'
            'bash tools/dist_run.sh C 4 --wrong && bash tools/demo.sh -x\n'
            'python -m pytest tests -k x && pip install -e .\n'
            'python tools/run.py --good $(git -C /x rev-parse HEAD)\n'
            '```\n'
            'Prose: `tools/run.py --inline-bad`.\n')
    commands = list(shell_commands(text)) + list(inline_commands(text))
    options = {'tools/run.py': ({'--good', '--launcher', '-h'}, {})}.get
    problems = [p for c in commands
                for p in flag_problems(c, 'a.md', str(tmp_path), options)]
    assert problems == [
        'a.md:2: tools/run.py: option --bad is not accepted by tools/run.py',
        'a.md:4: tools/run.py: option --also is not accepted by '
        'tools/run.py',
        'a.md:4: tools/gone.py does not exist',
        'a.md:5: tools/dist_run.sh: option --wrong is not accepted by '
        'tools/run.py',
        'a.md:5: tools/demo.sh takes no options, got -x',
        'a.md:9: tools/run.py: option --inline-bad is not accepted by '
        'tools/run.py',
    ]


def test_argument_checker_parses_complete_commands():
    parser = argparse.ArgumentParser(prog='run.py')
    parser.add_argument('config')
    parser.add_argument('--precision', choices=['fp32', 'bf16'])
    text = ('```bash\n'
            'python tools/run.py\n'
            'python tools/run.py C --precision fp16\n'
            'python tools/run.py C --precision bf16\n'
            'python tools/run.py [--precision P] ...\n'
            '```\n')
    problems = [p for c in shell_commands(text)
                for p in argument_problems(c, 'a.md', lambda _: parser)]
    assert len(problems) == 2
    assert problems[0] == ('a.md:2: tools/run.py: run.py: error: the '
                           'following arguments are required: config')
    assert problems[1].startswith('a.md:3: tools/run.py: run.py: error: '
                                  "argument --precision: invalid choice")


def test_import_checker_finds_missing_names():
    text = ('```python\n'
            'import os\n'
            'from changefine_mm.apis import ChangeInferencer, NoSuchName\n'
            '```\n'
            '1. A list item:\n'
            '   ```python\n'
            '   import changefine_mm.no_such_module\n'
            '   from changefine_mm import registry\n'
            '   ```\n'
            '```python\n'
            'x = (\n'
            '```\n')
    problems = import_problems(text, 'a.md')
    assert problems[:2] == [
        'a.md:3: changefine_mm.apis has no NoSuchName',
        'a.md:7: import changefine_mm.no_such_module fails']
    assert len(problems) == 3
    assert problems[2].startswith('a.md:11: python block does not parse')


def test_dotted_name_checker():
    text = ('`changefine_mm.apis.predict_geotiff(...)` and\n'
            'changefine_mm.apis.no_such_function, see projects.md and\n'
            '`python -m projects.demo_app.demo_app`, '
            'projects.demo_app.demo_app.app.nothing\n')
    assert dotted_name_problems(text, 'a.md') == [
        'a.md:2: changefine_mm.apis.no_such_function does not exist',
        'a.md:3: projects.demo_app.demo_app.app.nothing does not exist']


def test_extra_checker():
    text = 'pip install -e ".[geo,nope]" and "changefine-mm[demo2]"\n'
    assert extra_problems(text, 'a.md', {'geo', 'demo'}) == [
        'a.md:1: extra [nope] is not in setup.py',
        'a.md:1: extra [demo2] is not in setup.py']
    assert {'tests', 'geo', 'ttp'} <= setup_extras()


def test_cfg_option_checker_finds_misspelt_keys():
    cfg = Config(dict(model=dict(backbone=dict(depth=18)),
                      train_dataloader=dict(batch_size=8),
                      custom_hooks=[dict(type='H')]))
    text = ('```bash\n'
            'python tools/train.py configs/m.py --cfg-options \\\n'
            '    model.backbone.depth=50 model.backbone.new_arg=1 \\\n'
            '    train_dataloder.batch_size=6 custom_hooks.0.x=1 \\\n'
            '    custom_hooks.1.x=1 load_from=x.pth --amp model.bad.x=1\n'
            '```\n')
    problems = [p for c in shell_commands(text)
                for p in cfg_option_problems(c, 'a.md', lambda _: cfg)]
    assert problems == [
        "a.md:2: --cfg-options train_dataloder.batch_size: configs/m.py "
        "has no 'train_dataloder' there",
        "a.md:2: --cfg-options custom_hooks.1.x: configs/m.py has no '1' "
        'there']


def test_parser_introspection_reads_real_tools():
    train, _ = accepted_options('tools/train.py')
    assert {'--work-dir', '--resume', '--launcher'} <= train
    demo_app, _ = accepted_options('-m projects.demo_app.demo_app')
    assert {'--port', '--trust-checkpoint'} <= demo_app
    assert forwarded_tool('tools/dist_infer.sh') == 'tools/infer.py'
    assert forwarded_tool('tools/demo.sh') is None


def test_undocumented_script_checker():
    assert undocumented(['tools/x.py', 'projects/p/tools/y.py',
                         'projects/p/tools/z.py'],
                        {'tools/y.py'}) == ['tools/x.py',
                                            'projects/p/tools/z.py']


def test_prose_option_checker():
    text = ('`--window 512` and `tools/x.py --gone`, a `--cpus` quota\n'
            '```bash\npython x.py --not-prose\n```\n')
    assert prose_option_problems(text, 'a.md', {'--window'}) == [
        'a.md:1: --gone is an option of no script']
