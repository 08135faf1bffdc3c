"""stancemap: who stands where, on which proposition, since when, and according to whom."""

__version__ = "0.1.0"
