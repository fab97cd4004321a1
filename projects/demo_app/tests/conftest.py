"""Run this project's tests on one intra-op thread.

With several processes sharing two cores, torch's second OpenMP thread
mostly waits for a core and slows small models down by an order of
magnitude; the previous setting is restored after each test.
"""
import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
