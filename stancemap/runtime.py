"""onnxruntime sessions for our models (the attribution tagger, the sentence embedder), set up one way."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_threads() -> int:
    """Threads for one model: ``STANCEMAP_THREADS`` if set, else the CPUs this process may run on."""
    env = os.environ.get("STANCEMAP_THREADS")
    if env and env.strip().isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cpu_session(model: str | os.PathLike | Path):
    """An ``onnxruntime.InferenceSession`` on the CPU: all graph optimisations, ``cpu_threads()`` threads
    inside an operator, one between operators (our graphs are a single chain)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = cpu_threads()
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])
