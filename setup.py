"""Install changefine-mm: ``pip install -e .`` (see README for pins)."""
import os.path as osp
from importlib import metadata

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name: str) -> list:
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip()
        ]


def mmcv_requirement() -> list:
    """Full mmcv 2.1.x if present, else the pure-Python mmcv-lite.

    mmseg 1.2.x rejects mmcv >= 2.2; no compiled mmcv op is needed here.
    """
    try:
        metadata.version('mmcv')
        return ['mmcv>=2.0.0,<2.2.0']
    except metadata.PackageNotFoundError:
        return ['mmcv-lite>=2.0.0,<2.2.0']


def version() -> str:
    namespace = {}
    with open(osp.join(HERE, 'changefine_mm', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='changefine-mm',
    version=version(),
    description='Bi-temporal change detection (ChangeFine, open-cd baselines)'
    ' as an OpenMMLab plugin',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['changefine_mm', 'changefine_mm.*']),
    include_package_data=True,
    # The CLIP prompt class list read by CLIPZeroShotClassifier.
    package_data={'changefine_mm.models.utils': ['rs_classes.txt']},
    install_requires=read_requirements('runtime.txt') + mmcv_requirement(),
    extras_require=dict(
        tests=read_requirements('tests.txt'),
        geo=read_requirements('geo.txt'),
        deploy=read_requirements('deploy.txt'),
        demo=read_requirements('demo.txt'),
        plots=read_requirements('plots.txt'),
        text=read_requirements('text.txt'),
        ttp=read_requirements('ttp.txt')),
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Image Recognition',
    ],
)
