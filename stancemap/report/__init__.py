"""The self-contained HTML report (``stancemap report``)."""

from .html import build_report, write_report

__all__ = ["build_report", "write_report"]
