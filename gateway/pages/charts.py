"""Small server-drawn SVG charts: no script, nothing for the CSP to refuse, light on a phone."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    x: float
    y: float
    height: float


def bar_chart(points: list[tuple[str, Decimal]], *, width: float = 320, height: float = 120,
              gap: float = 8) -> list[Bar]:
    """Bars scaled to the largest value; a chart of zeros or negatives draws flat bars."""
    if not points:
        return []
    top = max((value for _, value in points), default=Decimal(0))
    slot = width / len(points)
    bars = []
    for index, (label, value) in enumerate(points):
        share = float(value / top) if top > 0 and value > 0 else 0.0
        bar_height = round(share * height, 1)
        bars.append(Bar(label=label, value=value, x=round(index * slot + gap / 2, 1), y=round(height - bar_height, 1),
                        height=bar_height))
    return bars


def bar_width(count: int, *, width: float = 320, gap: float = 8) -> float:
    return round(width / max(count, 1) - gap, 1)
