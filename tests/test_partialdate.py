"""Partial dates (YYYY / YYYY-MM / YYYY-MM-DD): one parser for the store, the debate layer and the analyses."""

from __future__ import annotations

import datetime as dt

import pytest

from stancemap import partialdate as pd

D = dt.date


@pytest.mark.parametrize("value, expected", [
    ("2024-11-25", ("2024-11-25", "2024-11-25")),
    ("2024-02", ("2024-02-01", "2024-02-29")),  # leap year
    ("2023-02", ("2023-02-01", "2023-02-28")),
    ("1900-02", ("1900-02-01", "1900-02-28")),  # divisible by 100: not a leap year
    ("2000-02", ("2000-02-01", "2000-02-29")),  # ... by 400: a leap year
    ("2024-04", ("2024-04-01", "2024-04-30")),
    ("2024-12", ("2024-12-01", "2024-12-31")),
    ("2023", ("2023-01-01", "2023-12-31")),
    ("0001", ("0001-01-01", "0001-12-31")),
    ("9999-12", ("9999-12-01", "9999-12-31")),
    ("  2024-11\n", ("2024-11-01", "2024-11-30")),  # surrounding white space
    (None, (None, None)),
    ("", (None, None)),
    ("   ", (None, None)),
    ("sometime", (None, None)),
    ("2024-13", (None, None)),
    ("2024-00", (None, None)),
    ("2024-02-30", (None, None)),
    ("2023-02-29", (None, None)),
    ("2024-04-31", (None, None)),
    ("2024-11-00", (None, None)),
    ("2024-13-45", (None, None)),
    ("0000", (None, None)),
    ("2024-1", (None, None)),
    ("2024-1-5", (None, None)),
    ("24-11-25", (None, None)),
    ("2024/11/25", (None, None)),
    ("2024-11-25T10:00", (None, None)),
    ("2024 - 11", (None, None)),
    ("２０２４", (None, None)),  # ASCII digits only
    (20241125, (None, None)),
])
def test_date_range(value, expected):
    assert pd.date_range(value) == expected
    start, end = expected
    assert pd.period(value) == (None if start is None else (D.fromisoformat(start), D.fromisoformat(end)))
    assert pd.first_day(value) == (None if start is None else D.fromisoformat(start))
    assert pd.is_valid(value) is (start is not None)


def test_leap_days():
    assert pd.period("2024-02-29") == (D(2024, 2, 29), D(2024, 2, 29))
    assert pd.first_day("2024-02-29") == D(2024, 2, 29)
    assert pd.parse("2023-02-29") is None
    assert pd.parse("2100-02-29") is None
    assert pd.parse("2000-02-29") == pd.PartialDate(2000, 2, 29)


def test_month_ends():
    lasts = {m: pd.period(f"2023-{m:02d}")[1].day for m in range(1, 13)}
    assert lasts == {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
    for m, last in lasts.items():
        assert pd.is_valid(f"2023-{m:02d}-{last:02d}") and not pd.is_valid(f"2023-{m:02d}-{last + 1:02d}")


@pytest.mark.parametrize("value, norm, prec", [
    ("2024-11-25", "2024-11-25", 3),
    (" 2024-11 ", "2024-11", 2),
    ("2024\t", "2024", 1),
    ("2024-13", None, 0),
    ("2024-02-30", None, 0),
    ("", None, 0),
    (None, None, 0),
])
def test_normalise_and_precision(value, norm, prec):
    assert pd.normalise(value) == norm
    assert pd.precision(value) == prec
    p = pd.parse(value)
    assert (p.precision if p else 0) == prec and (p.isoformat() if p else None) == norm


def test_old_locations_use_it():
    """The names callers import from elsewhere are this module's functions."""
    from stancemap.analysis import events
    from stancemap.debate import registry
    from stancemap.store import write

    assert write.date_range is pd.date_range
    assert events.first_day is pd.first_day
    assert registry.period is pd.period
