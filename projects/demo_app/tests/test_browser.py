"""The demo in a real headless browser (Debian's chromium + chromedriver).

Skipped, with the reason, when selenium, gradio or the browser is missing.
"""
import os
import os.path as osp
import shutil
import socket
import time
import urllib.request

import cv2
import numpy as np
import pytest
import torch

from projects.demo_app.demo_app import ChangePredictor
from projects.demo_app.tests.tiny_models import TEXT_CONFIG, write_checkpoint

pytestmark = pytest.mark.usefixtures('one_torch_thread')

CHROMIUM_FLAGS = ('--headless', '--no-sandbox', '--disable-gpu',
                  '--disable-quic', '--no-first-run',
                  '--disable-background-networking',
                  '--disable-component-update', '--disable-sync')
WAIT_S = 120


def _browser_or_skip():
    missing = [m for m in ('selenium', 'gradio')
               if not _importable(m)]
    if missing:
        pytest.skip(f'browser test skipped: python package(s) {missing} '
                    'not installed (pip install selenium gradio)')
    binary = shutil.which('chromium') or shutil.which('chromium-browser')
    driver = shutil.which('chromedriver')
    if not binary or not driver:
        pytest.skip('browser test skipped: no chromium/chromedriver on PATH '
                    '(apt-get install -y chromium chromium-driver)')
    return binary, driver


def _importable(name):
    import importlib.util
    return importlib.util.find_spec(name) is not None


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _wait(condition, what):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f'timed out after {WAIT_S} s waiting for {what}')


def test_upload_predict_and_download_in_chromium(tmp_path):
    binary, driver_path = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from projects.demo_app.demo_app.app import build_app, serve

    predictor = ChangePredictor(
        TEXT_CONFIG, write_checkpoint(TEXT_CONFIG, str(tmp_path / 'm.pth')))
    rng = np.random.default_rng(0)
    images = []
    for name in ('a.png', 'b.png'):
        path = str(tmp_path / name)
        cv2.imwrite(path, rng.integers(0, 255, (64, 64, 3), np.uint8))
        images.append(path)
    # Random weights give almost constant probabilities: spread them.
    with torch.no_grad():
        predictor.model.decode_head.conv_seg.weight.mul_(1000)
    rgb = [cv2.imread(p)[..., ::-1] for p in images]
    # A threshold at the median probability makes a mask of both values.
    threshold = round(float(np.median(
        predictor.probability(rgb[0], rgb[1], 'New buildings.'))), 2)
    demo = build_app(predictor, out_dir=str(tmp_path / 'masks'))
    url = serve(demo, port=_free_port(), block=False)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS + (
            f'--user-data-dir={tmp_path / "profile"}', ):
        options.add_argument(flag)
    os.environ.setdefault('SE_AVOID_STATS', 'true')
    browser = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        browser.set_page_load_timeout(WAIT_S)
        browser.get(url)
        for elem_id, path in zip(('image_a', 'image_b'), images):
            field = _wait(
                lambda e=elem_id: browser.find_elements(
                    By.CSS_SELECTOR, f'#{e} input[type=file]'),
                f'the upload field of #{elem_id}')
            field[0].send_keys(path)
            _wait(lambda e=elem_id: browser.find_elements(
                By.CSS_SELECTOR, f'#{e} img'), f'the preview of #{elem_id}')
        prompt = browser.find_element(By.CSS_SELECTOR, '#prompt textarea')
        prompt.clear()
        prompt.send_keys('New buildings.')
        number = browser.find_element(By.CSS_SELECTOR,
                                      '#threshold input[type=number]')
        number.clear()
        number.send_keys(str(threshold), Keys.TAB)
        browser.find_element(By.CSS_SELECTOR, '#run').click()
        link = _wait(lambda: browser.find_elements(
            By.CSS_SELECTOR, '#download a[href]'), 'the mask download link')
        _wait(lambda: browser.find_elements(By.CSS_SELECTOR, '#overlay img'),
              'the overlay image')
        with urllib.request.urlopen(link[0].get_attribute('href')) as reply:
            downloaded = cv2.imdecode(
                np.frombuffer(reply.read(), np.uint8), cv2.IMREAD_UNCHANGED)
    finally:
        browser.quit()
        demo.close()
    expected = predictor.predict(rgb[0], rgb[1], 'New buildings.',
                                 threshold)
    assert set(np.unique(expected.mask)) == {0, 1}
    np.testing.assert_array_equal(downloaded, expected.mask * 255)
    assert osp.isdir(tmp_path / 'masks')
