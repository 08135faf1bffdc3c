"""stancemap: who stands where, on which proposition, since when, and according to whom."""

__version__ = "0.1.0"
from .api import open as open  # noqa: A001,E402 -- stancemap.open(db): the corpus store (see api.py)
