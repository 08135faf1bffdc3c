"""The JSON API under ``/api`` (the pages use it too)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["api"])
