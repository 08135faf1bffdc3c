"""Engines: the ways to run the one extract function over many documents.

Every engine calls :meth:`stancemap.extract.pipeline.Extractor.extract` (a pure function: article ->
statements) and yields the same statements in the same order; nothing downstream knows which ran.
"""
