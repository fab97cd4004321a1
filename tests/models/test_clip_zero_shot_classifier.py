"""CLIPZeroShotClassifier and the 56-class list of the CLIP prompts."""
import pytest
import torch

from changefine_mm.models.utils.clip_zero_shot_classifier import (
    DEFAULT_CLASSES, CLIPZeroShotClassifier, read_class_names)

TINY_ARCH = dict(embed_dim=16, vision_layers=1, vision_width=64,
                 image_size=32, text_width=64, text_layers=1)


def test_class_list_is_changeclips_56():
    names = read_class_names(DEFAULT_CLASSES)
    assert len(names) == 56 and len(set(names)) == 56
    assert names[:3] == ['airport', 'bare land', 'basketball court']
    assert names[-1] == 'cabin'


def test_class_file_takes_the_name_before_the_comma(tmp_path):
    path = tmp_path / 'rscls.txt'
    path.write_text('airport, 飞机场\n\nbare land, 裸地\n',
                    encoding='utf-8')
    assert read_class_names(str(path)) == ['airport', 'bare land']
    path.write_text('road\nroad\n')
    with pytest.raises(ValueError, match='twice'):
        read_class_names(str(path))
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        read_class_names(str(tmp_path / 'missing.txt'))


def test_top_classes_follow_the_probabilities():
    torch.manual_seed(0)
    classifier = CLIPZeroShotClassifier(['road', 'river', 'tree'],
                                        arch=TINY_ARCH)
    images = torch.randint(0, 256, (2, 3, 48, 40)).float()
    probs = classifier(images)
    assert probs.shape == (2, 3)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(2))
    top = classifier.top_classes(images, 2)
    expected = probs.argsort(dim=1, descending=True)[:, :2].tolist()
    assert top == [[classifier.class_names[i] for i in row]
                   for row in expected]
    with pytest.raises(ValueError, match='k must be in 1..3'):
        classifier.top_classes(images, 4)
