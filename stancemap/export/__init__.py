"""Exports for the tools analysts already use: GraphML and GEXF (Gephi), DNA's CSV event list and
``.dna`` database, and JSON for R / pandas."""

from .dna import write_dna
from .eventlist import write_eventlist
from .graphs import write_gexf_dynamic, write_graphml
from .jsonout import write_json

__all__ = ["write_dna", "write_eventlist", "write_gexf_dynamic", "write_graphml", "write_json"]
