"""PromptCDDataset: change pairs with a per-image text prompt."""
import os.path as osp
from typing import Dict, List, Optional

from changefine_mm.datasets import CDDataset, DatasetLayoutError
from changefine_mm.registry import DATASETS

_FORMATS = ('default', 'custom')
PROMPT_SEPARATOR = '  '


def read_prompt_file(path: str) -> Dict[str, str]:
    """Read SegChange-R1's ``prompts.txt``.

    Each non-empty line is ``<file name><two spaces><prompt>``; the prompt
    may itself contain spaces. A later line for the same name wins.

    Args:
        path (str): The prompt file.

    Returns:
        dict[str, str]: Prompt by image file name.

    Raises:
        DatasetLayoutError: If the file is missing or a line has no
            two-space separator.
    """
    if not osp.isfile(path):
        raise DatasetLayoutError(f'prompt file does not exist: {path}')
    prompts = {}
    with open(path, encoding='utf-8') as f:
        for line_no, line in enumerate(f, 1):
            line = line.rstrip('\r\n')
            if not line.strip():
                continue
            name, sep, text = line.partition(PROMPT_SEPARATOR)
            if not sep or not name.strip():
                raise DatasetLayoutError(
                    f'{path}, line {line_no}: expected "<file name><two '
                    f'spaces><prompt>", got {line[:80]!r}')
            prompts[name.strip()] = text.strip()
    return prompts


@DATASETS.register_module()
class PromptCDDataset(CDDataset):
    """Change pairs whose ``data_info`` carries a text prompt.

    Reads both layouts of SegChange-R1's data loader
    (``dataloader/building.py``):

    * ``data_format='default'``: ``<data_root>/<split>/{A,B,label}`` and
      ``<data_root>/<split>/prompts.txt``;
    * ``data_format='custom'``: ``<data_root>/{A,B,label}``, the file names
      of each split in ``<data_root>/list/<split>.txt`` and one
      ``<data_root>/prompts.txt``. The list entries are full file names
      (as the official lists), so this format sets both suffixes to ''.

    The prompt of a pair is looked up by the file name of its date-A
    image; pairs without one get ``default_prompt`` (None leaves the key
    out, so the model's own default applies). With ``prompt_file=None`` no
    file is read. ``prompt_key`` must be in the ``meta_keys`` of
    ``MultiImgPackSegInputs`` to reach the model.

    Args:
        split (str): Split name. Defaults to 'train'.
        data_format (str): 'default' or 'custom'. Defaults to 'default'.
        prompt_file (str, optional): File name of the prompts, relative to
            the split folder (default) or ``data_root`` (custom). Defaults
            to 'prompts.txt'.
        default_prompt (str, optional): Prompt of pairs missing from the
            file.
        prompt_key (str): Key of the prompt in ``data_info``. Defaults to
            'prompt'.
        **kwargs: :class:`CDDataset` arguments.
    """

    def __init__(self,
                 split: str = 'train',
                 data_format: str = 'default',
                 prompt_file: Optional[str] = 'prompts.txt',
                 default_prompt: Optional[str] = None,
                 prompt_key: str = 'prompt',
                 **kwargs) -> None:
        if data_format not in _FORMATS:
            raise ValueError(f'data_format must be one of {_FORMATS}, got '
                             f'{data_format!r}')
        self.data_format = data_format
        self.prompt_file = prompt_file
        self.default_prompt = default_prompt
        self.prompt_key = prompt_key
        if data_format == 'custom':
            kwargs.setdefault('ann_file', osp.join('list', f'{split}.txt'))
            kwargs.setdefault('data_prefix', dict(
                img_path_from='A', img_path_to='B', seg_map_path='label'))
            kwargs.setdefault('img_suffix', '')
            kwargs.setdefault('seg_map_suffix', '')
            prompt_dir = ''
        else:
            kwargs['split'] = split
            prompt_dir = split
        self._prompt_dir = prompt_dir
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        """The pairs of :class:`CDDataset`, each with its prompt."""
        data_list = super().load_data_list()
        prompts = {}
        if self.prompt_file is not None:
            prompts = read_prompt_file(
                osp.join(self.data_root or '', self._prompt_dir,
                         self.prompt_file))
        for info in data_list:
            prompt = prompts.get(osp.basename(info['img_path'][0]),
                                 self.default_prompt)
            if prompt is not None:
                info[self.prompt_key] = prompt
        return data_list
