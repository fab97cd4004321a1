"""Score the inputs of tests/evaluation/test_scd_metric.py with open-cd's
real SCDMetric and write ``reference.json`` next to this file.

open-cd (github likyoo/open-cd, the commit given with ``--commit``) is
imported from a scratch copy of its ``opencd/`` folder whose package
``__init__`` files are emptied (they import every model and mmdet); the
changefine_mm ``mmcv.ops`` stand-in is installed first for mmseg.

Usage::

    python tests/evaluation/data/opencd_scd_metric/make_reference.py \\
        /path/to/open-cd --commit SHA
"""
import argparse
import json
import os
import os.path as osp
import shutil
import sys
import tempfile

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.abspath(osp.join(HERE, *['..'] * 4))


def import_scd_metric(root: str, scratch: str):
    """open-cd's SCDMetric class, without its package ``__init__``s."""
    shutil.copytree(osp.join(root, 'opencd'), osp.join(scratch, 'opencd'))
    for folder, _, files in os.walk(osp.join(scratch, 'opencd')):
        if '__init__.py' in files:
            open(osp.join(folder, '__init__.py'), 'w').close()
    sys.path.insert(0, scratch)
    from opencd.evaluation.metrics.scd_metric import SCDMetric
    return SCDMetric


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('opencd', help='open-cd checkout')
    parser.add_argument('--commit', required=True)
    args = parser.parse_args()
    sys.path.insert(0, REPO)
    sys.path.insert(0, osp.join(REPO, 'tests', 'evaluation'))
    import changefine_mm  # noqa: F401 - the mmcv.ops stand-in for mmseg
    from test_scd_metric import CLASSES, known_samples
    with tempfile.TemporaryDirectory() as scratch:
        metric_cls = import_scd_metric(args.opencd, scratch)
        metric = metric_cls(iou_metrics=['mFscore', 'mIoU'], cal_sek=True)
        metric.dataset_meta = dict(classes=('unchanged', 'changed'),
                                   semantic_classes=CLASSES)
        samples = known_samples()
        metric.process({}, samples)
        scores = metric.evaluate(len(samples))
    out = dict(source=f'likyoo/open-cd@{args.commit}',
               scores={k: float(v) for k, v in scores.items()})
    with open(osp.join(HERE, 'reference.json'), 'w') as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
