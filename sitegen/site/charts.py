"""Small inline SVG charts for entity pages: a bar per rating, and a timeline
of the claims. Colours come from the stylesheet (classes by the rating's place
in the scale), so they follow the light and dark schemes; every chart has a
text alternative, and the same figures are listed next to it as text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from markupsafe import Markup, escape

from sitegen.content.config import Rating

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 130
BAR_WIDTH = 180


def rating_chart(tally: Sequence[tuple[Rating, int]], positions: dict[str, int],
                 label: str) -> Markup:
    """Horizontal bars: how many claims got each rating."""
    if not tally:
        return Markup("")
    most = max(count for _, count in tally)
    height = len(tally) * (BAR_HEIGHT + GAP)
    width = LABEL_WIDTH + BAR_WIDTH + 40
    rows = []
    for index, (rating, count) in enumerate(tally):
        y = index * (BAR_HEIGHT + GAP)
        length = max(2.0, BAR_WIDTH * count / most)
        position = positions.get(rating.id, 0) % 7
        rows.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">'
            f"{escape(rating.label)}</text>"
            f'<rect class="pos-{position}" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3"/>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 13}">{count}</text>')
    return Markup(
        f'<svg class="chart rating-chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{escape(label)}</title>{''.join(rows)}</svg>")


def timeline_chart(points: Sequence[tuple[dt.date, str]], positions: dict[str, int],
                   label: str) -> Markup:
    """Dots on a time axis: when each claim was reviewed, coloured by rating."""
    if not points:
        return Markup("")
    width, height, left, right, axis = 360, 54, 12, 12, 34
    first = min(d for d, _ in points)
    last = max(d for d, _ in points)
    start = dt.date(first.year, 1, 1)
    end = dt.date(last.year + 1, 1, 1)
    span = (end - start).days

    def x(day: dt.date) -> float:
        return left + (width - left - right) * (day - start).days / span

    parts = [f'<line class="axis" x1="{left}" y1="{axis}" x2="{width - right}" y2="{axis}"/>']
    for year in range(start.year, end.year + 1):
        tick = x(dt.date(year, 1, 1))
        parts.append(f'<line class="axis" x1="{tick:.1f}" y1="{axis - 4}" x2="{tick:.1f}" '
                     f'y2="{axis + 4}"/>')
        if year < end.year or start.year == end.year:
            parts.append(f'<text x="{tick + 2:.1f}" y="{axis + 16}">{year}</text>')
    stacks: dict[float, int] = {}
    for day, rating_id in sorted(points):
        cx = round(x(day), 1)
        level = stacks.get(cx, 0)
        stacks[cx] = level + 1
        parts.append(f'<circle class="pos-{positions.get(rating_id, 0) % 7}" cx="{cx}" '
                     f'cy="{axis - 8 - 7 * min(level, 3)}" r="4"/>')
    return Markup(
        f'<svg class="chart timeline-chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{escape(label)}</title>{''.join(parts)}</svg>")
