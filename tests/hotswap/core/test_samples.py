"""Latency samples: views of an append-only buffer that never change once made."""

import numpy as np
import pytest

from hotswap.core.samples import Samples


def test_adding_windows_keeps_every_earlier_view_unchanged():
    first = Samples([1.0, 2.0])
    grown = first + Samples([3.0])
    longer = grown + Samples(np.arange(10.0))  # past the buffer's room: it doubles
    branch = grown + Samples([7.0])  # grown was extended already: this copies
    assert first == (1.0, 2.0) and grown == (1.0, 2.0, 3.0)
    assert longer.values.tolist() == [1.0, 2.0, 3.0, *range(10)]
    assert branch.values.tolist() == [1.0, 2.0, 3.0, 7.0]
    assert (first + Samples()) is first and len(Samples()) == 0 and not Samples()


def test_values_are_read_only_and_every_other_halves():
    s = Samples(np.arange(5.0))
    with pytest.raises(ValueError):
        s.values[0] = 9.0
    assert s.every_other() == (0.0, 2.0, 4.0)
