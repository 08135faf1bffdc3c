"""Debates: propositions, an actor registry with roles over time, linking and stance (issue 4).

Entry points: :func:`~stancemap.debate.config.load_debate`, :class:`~stancemap.debate.apply.Applier`
/ :func:`~stancemap.debate.apply.apply_debate`, the sources in :mod:`stancemap.debate.source`, and
``add_debate_commands`` in :mod:`stancemap.debate.cli` for the command line.
"""

from .config import Debate, DebateError, load_debate, parse_debate, write_template

__all__ = ["Debate", "DebateError", "load_debate", "parse_debate", "write_template"]
