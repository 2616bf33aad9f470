"""The cyclic garbage collector, paused while a stage builds what it keeps.

Parsing and building allocate millions of objects and free few until they end: the
cyclic collector would walk the survivors again and again for nothing (a third of the
parse of 300 runbooks, a quarter of a one-change rebuild). Reference counting still
frees what is dropped: the parse leaves no cycles behind (block nodes hold no parent,
cached inline parts no token), so pausing it costs no memory.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside; the collector as it was after (nested pauses too)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
