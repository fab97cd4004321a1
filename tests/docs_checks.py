"""Checkers that compare the docs (README.md, docs/*.md,
projects/*/README.md, the READMEs under configs/) with the repository:
links and anchors, repository paths, the options and arguments of
documented commands, configs and their ``--cfg-options`` keys, python
examples and dotted names, extras, and which tools are named.
tests/test_docs_references.py runs them on every doc.

Only parsing, imports and argparse introspection: no model is built.
"""
import argparse
import ast
import contextlib
import functools
import glob
import importlib
import io
import os
import os.path as osp
import re
import runpy
import shlex
import sys
import textwrap
from typing import Dict, Iterator, List, NamedTuple, Optional, Set, Tuple
from unittest import mock

from mmengine.config import Config

from conftest import REPO_ROOT, require_modules

DOC_FILES = sorted(
    ['README.md'] +
    [osp.relpath(p, REPO_ROOT)
     for p in glob.glob(osp.join(REPO_ROOT, 'docs', '*.md')) +
     glob.glob(osp.join(REPO_ROOT, 'projects', '*', 'README.md')) +
     glob.glob(osp.join(REPO_ROOT, 'configs', '**', 'README.md'),
               recursive=True)])
# Top folders of the repository whose paths the docs name. Other paths
# (data/, work_dirs/, checkpoints/, path/to/..., /tmp/...) are inputs the
# user provides or outputs a command writes, never files of the repo.
REPO_FOLDERS = ('configs', 'tools', 'projects', 'changefine_mm',
                'requirements', 'tests', 'docs')
PATH_RE = re.compile(
    r'(?<![\w./$-])((?:%s)/[\w.{},*<>%%/-]*)' % '|'.join(REPO_FOLDERS))
# Paths the docs name in other repositories (or files the reader writes):
# where each lives.
NOT_OURS = {
    'configs/0cd_ce/changeclip_*.py': "ChangeCLIP's official repository",
    'tools/clip_inference.py': "ChangeCLIP's official repository",
    'tools/rscls.txt': "ChangeCLIP's official repository",
    'configs/config.yaml': "SegChange-R1's official repository",
    'configs/general_scd/*.py': "open-cd's repository",
    'configs/mtkd/*ban*': "open-cd's repository",
    'configs/mtkd/README.md': "open-cd's repository",
    'tools/model_converters/swin2mmseg.py': "mmsegmentation's repository",
    'configs/my_levir.py': 'the config docs/quick_start.md has you write',
}
# Options the prose names that belong to other programs.
OTHER_PROGRAMS_OPTIONS = {'--cpus': "docker run's CPU quota"}
# Code blocks that show what a program printed (paths may be wrong on
# purpose, as in an error message).
OUTPUT_LANGS = ('text', 'console')
SHELL_LANGS = ('bash', 'sh', 'shell')
FENCE_RE = re.compile(r'^(\s*)(```|~~~)\s*([\w-]*)')
LINK_RE = re.compile(r'!?\[[^\]]*\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)')
INLINE_CODE_RE = re.compile(r'`([^`]+)`')
FLAG_RE = re.compile(r'^\[*(--?[A-Za-z][\w-]*)')
# Modules run with ``python -m`` that start the repository script named
# after them (torchrun in the dist_*.sh wrappers).
LAUNCHERS = ('torch.distributed.run', )
COMMAND_STARTS = ('python', 'python3', 'bash', 'sh')
SEPARATORS = ('&&', '||', ';', '|')
# Top-level packages of this repository (the docs' imports of anything else
# are not checked).
OURS = ('changefine_mm', 'projects')


class Line(NamedTuple):
    """A line of a Markdown file and whether it is inside a code block."""
    number: int
    text: str
    fence: Optional[str]  # language of the enclosing code block


class Command(NamedTuple):
    """A shell command of a doc: where it is and its words."""
    number: int
    words: List[str]


def read_lines(text: str) -> List[Line]:
    """Split Markdown into lines, each with its code block language.

    Args:
        text (str): Markdown text.

    Returns:
        list[Line]: Fence lines themselves are left out.
    """
    lines, fence = [], None
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE_RE.match(line)
        if match:
            fence = None if fence is not None else match.group(3)
            continue
        lines.append(Line(number, line, fence))
    return lines


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading.

    Args:
        heading (str): Heading text (Markdown, without the ``#`` marks).

    Returns:
        str: Lowercase, links reduced to their text, punctuation but ``-``
        and ``_`` dropped, spaces turned into ``-``.
    """
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', heading.strip())
    text = re.sub(r'[^\w\- ]', '', text.lower())
    return text.replace(' ', '-')


def anchors(text: str) -> Set[str]:
    """Anchors of every heading of a Markdown text (repeats get -1, -2).

    Args:
        text (str): Markdown text.

    Returns:
        set[str]: The anchors.
    """
    found, seen = set(), {}
    for line in read_lines(text):
        match = re.match(r'^#{1,6}\s+(.*?)\s*#*\s*$', line.text)
        if line.fence is not None or not match:
            continue
        anchor = github_anchor(match.group(1))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else f'{anchor}-{count}')
    return found


def file_anchors(path: str) -> Set[str]:
    """The heading anchors of a Markdown file."""
    with open(path, encoding='utf-8') as f:
        return anchors(f.read())


def link_problems(text: str, doc: str, root: str) -> List[str]:
    """Relative links (and anchors) of a doc that lead nowhere.

    Args:
        text (str): The doc's Markdown.
        doc (str): Its path relative to ``root`` (links are relative to
            its folder).
        root (str): Repository root.

    Returns:
        list[str]: One ``doc:line: ...`` message per broken link.
    """
    problems = []
    for line in read_lines(text):
        if line.fence is not None:
            continue
        for target in LINK_RE.findall(line.text):
            if re.match(r'^[a-z][\w+.-]*:', target):  # http:, mailto:
                continue
            path, _, anchor = target.partition('#')
            file = osp.normpath(osp.join(root, osp.dirname(doc), path)) \
                if path else osp.join(root, doc)
            where = f'{doc}:{line.number}: link {target}'
            if not osp.exists(file):
                problems.append(f'{where}: {osp.relpath(file, root)} does '
                                'not exist')
            elif anchor and (not file.endswith('.md')
                             or anchor not in file_anchors(file)):
                problems.append(f'{where}: no heading with anchor '
                                f'#{anchor} in {osp.relpath(file, root)}')
    return problems


def expand_braces(path: str) -> List[str]:
    """Expand shell brace forms: ``a_{x,y}.py`` -> ``a_x.py``, ``a_y.py``.

    Args:
        path (str): A path, possibly with (nested) ``{a,b}`` groups (a
            group without a comma, ``{p}``, is a placeholder and stays).

    Returns:
        list[str]: Every expansion.
    """
    match = re.search(r'\{([^{}]*,[^{}]*)\}', path)
    if not match:
        return [path]
    return [p for choice in match.group(1).split(',')
            for p in expand_braces(path[:match.start()] + choice +
                                   path[match.end():])]


def mentioned_paths(text: str) -> Iterator[Tuple[int, str]]:
    """Repository paths named anywhere in a doc (text and code).

    Args:
        text (str): Markdown text.

    Yields:
        tuple[int, str]: Line number and path (braces not expanded yet;
        trailing punctuation stripped).
    """
    for line in read_lines(text):
        if line.fence in OUTPUT_LANGS:
            continue
        for match in PATH_RE.finditer(line.text):
            path = match.group(1).rstrip('.,:;')
            if path not in NOT_OURS:
                yield line.number, path


def path_exists(path: str, root: str) -> bool:
    """Whether a documented path (``*``, ``<N>`` and ``{p}`` as wildcards)
    exists, from the repository root or from a project's folder (the
    project READMEs and docs/projects*.md name ``tools/...``,
    ``configs/...`` of the project they describe).

    Args:
        path (str): Repository-relative path, braces expanded.
        root (str): Repository root.

    Returns:
        bool: True when a file or folder matches.
    """
    pattern = re.sub(r'<[^<>]*>|\{[^{}]*\}', '*', path)
    return bool(glob.glob(osp.join(root, pattern)) or
                glob.glob(osp.join(root, 'projects', '*', pattern)))


def path_problems(text: str, doc: str, root: str) -> List[str]:
    """Repository paths of a doc that do not exist.

    Args:
        text (str): The doc's Markdown.
        doc (str): Its path (for the messages).
        root (str): Repository root.

    Returns:
        list[str]: One ``doc:line: ...`` message per missing path.
    """
    return [f'{doc}:{number}: {path} does not exist'
            + (f' (from {written})' if written != path else '')
            for number, written in mentioned_paths(text)
            for path in expand_braces(written)
            if not path_exists(path, root)]


def split_words(command: str) -> List[str]:
    """Shell words of a command line, comments dropped.

    Args:
        command (str): One logical line (continuations joined).

    Returns:
        list[str]: Its words (quotes removed; a ``$(...)`` substitution is
        one word ``$(...)``, its options are another program's); a line
        shlex cannot read falls back to splitting on whitespace.
    """
    command = re.sub(r'\$\([^()]*\)', '$(...)', command)
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split('#')[0].split()


def split_commands(number: int, words: List[str]) -> Iterator[Command]:
    """Cut a line's words into commands at ``&&``, ``|``, ``;`` and at
    every further ``python``/``bash`` (the README lists two per line).

    Args:
        number (int): Line number of the command's first line.
        words (list[str]): The words.

    Yields:
        Command: Each command (environment assignments dropped).
    """
    current: List[str] = []
    for word in words:
        if word in SEPARATORS or (word in COMMAND_STARTS and current):
            if current:
                yield Command(number, current)
            current = [] if word in SEPARATORS else [word]
            continue
        if not current and re.match(r'^[A-Za-z_]\w*=', word):
            continue
        current.append(word.rstrip(';'))
    if current:
        yield Command(number, current)


def shell_commands(text: str) -> Iterator[Command]:
    """Commands of the shell code blocks of a doc.

    Lines ending with ``\\`` are joined with the next.

    Args:
        text (str): Markdown (or a shell script: pass it as one block by
            wrapping it in a bash fence).

    Yields:
        Command: Every command.
    """
    pending, start = '', 0
    for line in read_lines(text):
        if line.fence not in SHELL_LANGS:
            continue
        if not pending:
            start = line.number
        stripped = line.text.strip()
        if stripped.endswith('\\'):
            pending += stripped[:-1] + ' '
            continue
        yield from split_commands(start, split_words(pending + stripped))
        pending = ''


def inline_commands(text: str) -> Iterator[Command]:
    """Commands quoted inline in prose (``python tools/x.py --flag`` or
    ``tools/x.py --flag``).

    Args:
        text (str): Markdown text.

    Yields:
        Command: Every inline command (a bare script path is prefixed with
        ``python``/``bash``).
    """
    for line in read_lines(text):
        if line.fence is not None:
            continue
        for span in INLINE_CODE_RE.findall(line.text):
            words = split_words(span)
            if not words:
                continue
            if len(words) > 1 and re.match(
                    r'^(tools|projects/\w+/tools)/.*\.(py|sh)$', words[0]):
                runner = 'bash' if words[0].endswith('.sh') else 'python'
                words = [runner] + words
            if words[0] in COMMAND_STARTS:
                yield from split_commands(line.number, words)


class _Captured(Exception):
    """Carries the parser a script was about to parse its arguments with."""

    def __init__(self, parser: argparse.ArgumentParser):
        super().__init__()
        self.parser = parser


def _capture(parser, *args, **kwargs):
    """Stands in for ``ArgumentParser.parse_args``: hands the parser over."""
    raise _Captured(parser)


@functools.lru_cache(maxsize=None)
def tool_parser(target: str) -> argparse.ArgumentParser:
    """The argument parser of a script of the repository.

    The script runs as ``__main__`` with ``ArgumentParser.parse_args``
    replaced by an exception that carries the parser, so nothing after
    argument parsing runs.

    Args:
        target (str): ``path/to/script.py`` (repository-relative) or
            ``-m dotted.module``.

    Returns:
        argparse.ArgumentParser: The parser the script parses ``argv``
        with.
    """
    argv = sys.argv
    try:
        with mock.patch.object(argparse.ArgumentParser, 'parse_args',
                               _capture), \
                mock.patch.object(argparse.ArgumentParser,
                                  'parse_known_args', _capture):
            sys.argv = [target]
            if target.startswith('-m '):
                runpy.run_module(target[3:], run_name='__main__')
            else:
                runpy.run_path(osp.join(REPO_ROOT, target),
                               run_name='__main__')
    except ModuleNotFoundError as err:
        _require_optional(err)
        raise
    except _Captured as captured:
        parser = captured.parser
    else:
        raise AssertionError(f'{target} never parsed its arguments with '
                             'argparse')
    finally:
        sys.argv = argv
    return parser


def accepted_options(target: str) -> Tuple[Set[str], Dict[str, Set[str]]]:
    """Option strings a script's argument parser accepts.

    Args:
        target (str): As for :func:`tool_parser`.

    Returns:
        tuple: The main parser's option strings, and each sub-command's.
    """
    parser = tool_parser(target)
    subcommands = {
        name: set(sub._option_string_actions)
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name, sub in action.choices.items()
    }
    return set(parser._option_string_actions), subcommands


def forwarded_tool(script: str, root: str = REPO_ROOT) -> Optional[str]:
    """The python tool a shell wrapper passes its extra arguments to.

    Args:
        script (str): Repository-relative ``.sh`` path.
        root (str): Repository root.

    Returns:
        str, optional: The tool (repository-relative) on the line that
        forwards ``"$@"``, or None when the wrapper forwards nothing.
    """
    with open(osp.join(root, script), encoding='utf-8') as f:
        text = f.read().replace('\\\n', ' ')
    for line in text.splitlines():
        if '"$@"' in line:
            match = re.search(r'((?:tools|projects)/[\w/.-]+\.py)', line)
            if match:
                return match.group(1)
    return None


def repo_script(word: str) -> Optional[str]:
    """A word that names a script of the repository, normalised.

    Args:
        word (str): e.g. ``tools/train.py`` or ``$ROOT/tools/infer.py``.

    Returns:
        str, optional: The repository-relative path, or None.
    """
    word = re.sub(r'^(\$\w+|\$\{\w+\})/', '', word)
    if re.match(r'^(tools|projects|tests)/[\w/.-]+\.(py|sh)$', word):
        return word
    return None


def command_target(words: List[str]) -> Optional[Tuple[str, List[str]]]:
    """Which repository script a command runs, and its arguments.

    Args:
        words (list[str]): The command's words.

    Returns:
        tuple, optional: (``script.py``/``script.sh``/``-m module``,
        arguments), or None for commands of other programs (pip, pytest,
        venv ...).
    """
    if not words or words[0] not in COMMAND_STARTS:
        return None
    rest = words[1:]
    if words[0] in ('python', 'python3') and rest[:1] == ['-m']:
        module = rest[1] if len(rest) > 1 else ''
        if module.split('.')[0] == 'projects':
            return '-m ' + module, rest[2:]
        if module not in LAUNCHERS:
            return None
    for i, word in enumerate(rest):
        script = repo_script(word)
        if script:
            return script, rest[i + 1:]
    return None


def flags(arguments: List[str]) -> List[str]:
    """The option words of a command's arguments (``[--x`` read as ``--x``,
    ``--x=v`` as ``--x``).

    Args:
        arguments (list[str]): Words after the script.

    Returns:
        list[str]: The options.
    """
    return [m.group(1) for m in map(FLAG_RE.match, arguments) if m]


def flag_problems(command: Command, doc: str, root: str = REPO_ROOT,
                  options=accepted_options) -> List[str]:
    """Options of a command that its script does not accept.

    Args:
        command (Command): A documented command.
        doc (str): The doc (for the messages).
        root (str): Repository root.
        options (callable): ``target -> (option strings, sub-commands)``.

    Returns:
        list[str]: One ``doc:line: ...`` message per unknown option or
        missing script.
    """
    target = command_target(command.words)
    if target is None:
        return []
    script, arguments = target
    where = f'{doc}:{command.number}: {script}'
    if not script.startswith('-m ') and not osp.isfile(
            osp.join(root, script)):
        return [f'{where} does not exist']
    given = flags(arguments)
    if script.endswith('.sh'):
        script = forwarded_tool(script, root)
        if script is None:
            return [f'{where} takes no options, got {" ".join(given)}'
                    ] if given else []
    accepted, subcommands = options(script)
    positionals = [a for a in arguments if not a.startswith('-')]
    for name, sub in subcommands.items():
        if name in positionals[:1]:
            accepted = accepted | sub
    return [f'{where}: option {flag} is not accepted by {script}'
            for flag in given if flag not in accepted]


def argument_problems(command: Command, doc: str,
                      parser_of=tool_parser) -> List[str]:
    """Errors of a script's parser on a complete documented command.

    Complete: a python script run with real words, not a usage line
    (``[--x N]``, ``...``, ``{a,b}`` choices, ``A|B``), so the positional
    arguments, option values, types and choices are checked too.

    Args:
        command (Command): A command of a shell code block.
        doc (str): The doc (for the messages).
        parser_of (callable): ``target -> ArgumentParser``.

    Returns:
        list[str]: The parser's error, as ``doc:line: script: error``.
    """
    target = command_target(command.words)
    if target is None or target[0].endswith('.sh') or any(
            re.search(r'[\[\]|]|\.\.\.|\{[^}]*,', word)
            for word in target[1]):
        return []
    script, arguments = target
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            parser_of(script).parse_args(arguments)
    except SystemExit:
        error = stderr.getvalue().strip().splitlines()[-1]
        return [f'{doc}:{command.number}: {script}: {error}']
    return []


def config_paths(command: Command) -> List[str]:
    """Config files a command passes (its ``configs/`` and
    ``projects/*/configs/`` arguments).

    Args:
        command (Command): A documented command.

    Returns:
        list[str]: Repository-relative config paths.
    """
    target = command_target(command.words)
    if target is None:
        return []
    return [word for word in target[1]
            if re.match(r'^(configs|projects/\w+/configs)/.*\.py$', word)]


@functools.lru_cache(maxsize=None)
def load_config(path: str) -> Config:
    """A config of the repository, built once."""
    return Config.fromfile(osp.join(REPO_ROOT, path))


def cfg_option_problems(command: Command, doc: str,
                        config_of=load_config) -> List[str]:
    """``--cfg-options`` keys whose parent entry is not in the config.

    mmengine adds an unknown key silently, so a typo in a documented
    override (``train_dataloder.batch_size=6``) would change nothing. The
    last part may be new (a module argument the config leaves at its
    default); every part before it must exist.

    Args:
        command (Command): A documented command.
        doc (str): The doc (for the messages).
        config_of (callable): ``path -> Config``.

    Returns:
        list[str]: One ``doc:line: ...`` message per bad key.
    """
    target, configs = command_target(command.words), config_paths(command)
    if target is None or not configs or '--cfg-options' not in target[1]:
        return []
    cfg = config_of(configs[0])
    arguments = target[1]
    start = arguments.index('--cfg-options') + 1
    problems = []
    for word in arguments[start:]:
        if word.startswith('-'):
            break
        key = word.partition('=')[0]
        node = cfg
        for part in key.split('.')[:-1]:
            if isinstance(node, (dict, Config)) and part in node:
                node = node[part]
            elif isinstance(node, (list, tuple)) and part.isdigit() \
                    and int(part) < len(node):
                node = node[int(part)]
            else:
                problems.append(f'{doc}:{command.number}: --cfg-options '
                                f'{key}: {configs[0]} has no {part!r} '
                                'there')
                break
    return problems


def python_blocks(text: str) -> Iterator[Tuple[int, str]]:
    """The ``python`` code blocks of a doc.

    Args:
        text (str): Markdown text.

    Yields:
        tuple[int, str]: Line number of the block's first line and its
        source (dedented: blocks inside list items are indented).
    """
    start, source, previous = 0, [], None
    for line in read_lines(text) + [Line(-1, '', None)]:
        inside = line.fence == 'python' and (
            previous is None or line.number == previous + 1)
        if not inside and source:
            yield start, textwrap.dedent('\n'.join(source))
            source = []
        if line.fence == 'python':
            start = line.number if not source else start
            source.append(line.text)
            previous = line.number
        else:
            previous = None


def _require_optional(err: ModuleNotFoundError) -> None:
    """Skip (fail in CI) when a third-party package an import needs is
    missing: an optional extra, not a docs problem."""
    top = (err.name or '').split('.')[0]
    if top and top not in OURS:
        require_modules(top, install='pip install -r requirements/tests.txt')


def _importable(module: str) -> bool:
    """Whether ``import module`` succeeds (a missing optional package
    skips the test instead)."""
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as err:
        _require_optional(err)
        return False
    except ImportError:
        return False
    return True


def import_problems(text: str, doc: str) -> List[str]:
    """Imports from this repository (``changefine_mm``, ``projects``) in the
    python blocks of a doc that fail, and blocks that are not Python.

    Args:
        text (str): The doc's Markdown.
        doc (str): The doc (for the messages).

    Returns:
        list[str]: One ``doc:line: ...`` message per problem.
    """
    problems = []
    for start, source in python_blocks(text):
        try:
            tree = ast.parse(source)
        except SyntaxError as err:
            problems.append(f'{doc}:{start + err.lineno - 1}: python block '
                            f'does not parse: {err.msg}')
            continue
        for node in ast.walk(tree):
            where = f'{doc}:{start + getattr(node, "lineno", 1) - 1}'
            if isinstance(node, ast.Import):
                problems += [f'{where}: import {a.name} fails'
                             for a in node.names
                             if a.name.split('.')[0] in OURS
                             and not _importable(a.name)]
            elif (isinstance(node, ast.ImportFrom) and not node.level
                  and node.module.split('.')[0] in OURS):
                if not _importable(node.module):
                    problems.append(f'{where}: import {node.module} fails')
                    continue
                module = importlib.import_module(node.module)
                problems += [
                    f'{where}: {node.module} has no {a.name}'
                    for a in node.names
                    if not hasattr(module, a.name)
                    and not _importable(f'{node.module}.{a.name}')]
    return problems


DOTTED_RE = re.compile(r'(?<![\w.])((?:changefine_mm|projects\.(?:%s))'
                       r'(?:\.[A-Za-z_]\w*)*)' % '|'.join(
                           name for name in os.listdir(
                               osp.join(REPO_ROOT, 'projects'))
                           if osp.isdir(osp.join(REPO_ROOT, 'projects', name))
                           and not name.startswith('_')))


def resolves(dotted: str) -> bool:
    """Whether a dotted Python name of this repository exists.

    Args:
        dotted (str): e.g. ``changefine_mm.apis.predict_geotiff``.

    Returns:
        bool: True when its longest importable prefix has the rest as
        attributes.
    """
    parts = dotted.split('.')
    for cut in range(len(parts), 0, -1):
        if not _importable('.'.join(parts[:cut])):
            continue
        obj = importlib.import_module('.'.join(parts[:cut]))
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def dotted_name_problems(text: str, doc: str) -> List[str]:
    """Dotted names of this repository's modules, functions and classes
    (``changefine_mm.apis.predict_geotiff``) that do not exist.

    Args:
        text (str): The doc's Markdown.
        doc (str): The doc (for the messages).

    Returns:
        list[str]: One ``doc:line: ...`` message per unknown name.
    """
    return [f'{doc}:{line.number}: {name} does not exist'
            for line in read_lines(text)
            for name in DOTTED_RE.findall(line.text)
            if not resolves(name)]


EXTRA_RE = re.compile(r'(?:\.|changefine-mm)\[([\w,-]+)\]')


def setup_extras(root: str = REPO_ROOT) -> Set[str]:
    """The extras of setup.py's ``extras_require=dict(...)``.

    Args:
        root (str): Repository root.

    Returns:
        set[str]: Their names.
    """
    with open(osp.join(root, 'setup.py'), encoding='utf-8') as f:
        tree = ast.parse(f.read())
    return {k.arg for node in ast.walk(tree) if isinstance(node, ast.keyword)
            and node.arg == 'extras_require'
            for k in node.value.keywords}


def extra_problems(text: str, doc: str, extras: Set[str]) -> List[str]:
    """``pip install -e ".[x]"`` / ``changefine-mm[x]`` extras that setup.py
    does not define.

    Args:
        text (str): The doc's Markdown.
        doc (str): The doc (for the messages).
        extras (set[str]): setup.py's extras.

    Returns:
        list[str]: One ``doc:line: ...`` message per unknown extra.
    """
    return [f'{doc}:{line.number}: extra [{name}] is not in setup.py'
            for line in read_lines(text)
            for group in EXTRA_RE.findall(line.text)
            for name in group.split(',') if name not in extras]


def undocumented(scripts: List[str], named: Set[str]) -> List[str]:
    """Scripts no doc names (a project's ``tools/x.py`` may be named from
    its project folder, as its README does).

    Args:
        scripts (list[str]): Repository-relative script paths.
        named (set[str]): Repository paths the docs name.

    Returns:
        list[str]: The scripts not named.
    """
    return [s for s in scripts if s not in named and not (
        s.startswith('projects/') and s.split('/', 2)[2] in named)]


def prose_option_problems(text: str, doc: str,
                          options: Set[str]) -> List[str]:
    """Options quoted in prose (`` `--flag` ``, outside commands) that no
    script of the repository accepts.

    Args:
        text (str): The doc's Markdown.
        doc (str): The doc (for the messages).
        options (set[str]): Every option of every script.

    Returns:
        list[str]: One ``doc:line: ...`` message per unknown option.
    """
    return [f'{doc}:{line.number}: {flag} is an option of no script'
            for line in read_lines(text) if line.fence is None
            for span in INLINE_CODE_RE.findall(line.text)
            for flag in re.findall(r'(?<![\w-])(--[a-z][\w-]*)', span)
            if flag not in options and flag not in OTHER_PROGRAMS_OPTIONS]


def tool_scripts(patterns: Tuple[str, ...] = (
        'tools/**/*.py', 'projects/*/tools/*.py')) -> List[str]:
    """Repository-relative scripts matching ``patterns``.

    Args:
        patterns (tuple[str]): Globs below the repository root. Defaults
            to the python tools of tools/ and projects/*/tools/.

    Returns:
        list[str]: The scripts, sorted (package ``__init__`` files left
        out).
    """
    return sorted(osp.relpath(p, REPO_ROOT) for pattern in patterns
                  for p in glob.glob(osp.join(REPO_ROOT, pattern),
                                     recursive=True)
                  if not p.endswith('__init__.py'))


def documented_configs() -> List[str]:
    """Configs of documented commands, and every complete config (not a
    ``_base_`` part) the docs name."""
    used = {path for doc in DOC_FILES for c in doc_commands(doc)
            for path in config_paths(c)}
    named = {path for doc in DOC_FILES
             for _, written in mentioned_paths(doc_text(doc))
             for path in expand_braces(written)
             if re.match(r'^configs/(?!_base_/).*\.py$', path)
             and osp.isfile(osp.join(REPO_ROOT, path))}
    return sorted(used | named)


def doc_text(doc: str) -> str:
    """The Markdown of a doc (path relative to the repository)."""
    with open(osp.join(REPO_ROOT, doc), encoding='utf-8') as f:
        return f.read()


def doc_commands(doc: str) -> List[Command]:
    """A doc's commands: those of its shell blocks, then inline ones."""
    text = doc_text(doc)
    return list(shell_commands(text)) + list(inline_commands(text))


def wrapper_commands() -> List[Tuple[str, Command]]:
    """Commands the shell wrappers under tools/ run."""
    found = []
    for script in sorted(glob.glob(osp.join(REPO_ROOT, 'tools', '*.sh'))):
        with open(script, encoding='utf-8') as f:
            text = '```bash\n' + f.read() + '```\n'
        found += [(osp.relpath(script, REPO_ROOT), c)
                  for c in shell_commands(text)]
    return found
