"""Static SVG charts made at build time: bars for a coded column, a histogram for a number,
a line for a time series. No JavaScript and no web font: the text uses the reader's own
Chinese system fonts, so the charts work offline and stay readable."""

from __future__ import annotations

import math
import unicodedata

from markupsafe import Markup

FONT = "system-ui, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
COLOR = "#3f51b5"
MAX_BARS = 15
FONT_SIZE = 12  # px, the SVG's font-size; text widths below are estimated in this unit
LABEL_GAP = 6  # px, the least space between two labels on an axis


def _width(text: str) -> float:
    """Approximate text width in units of the font size (CJK characters are full width)."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def _number(value: float) -> str:
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _svg(width: int, height: int, title: str, body: Markup) -> Markup:
    return Markup(
        '<figure class="educat-chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'font-family="{font}" font-size="{size}"><title>{t}</title>{body}</svg>'
        "<figcaption>{t}</figcaption></figure>"
    ).format(w=width, h=height, font=FONT, size=FONT_SIZE, t=title, body=body)


def bar_chart(title: str, items: list[tuple[str, float]]) -> Markup:
    """Horizontal bars, largest first; beyond MAX_BARS the rest is summed as 其他."""
    items = sorted(items, key=lambda kv: -kv[1])
    if len(items) > MAX_BARS:
        items = items[: MAX_BARS - 1] + [("其他", sum(v for _, v in items[MAX_BARS - 1 :]))]
    label_w = max(40, min(200, FONT_SIZE * max((_width(k) for k, _ in items), default=3) + 10))
    bar_w, row_h = 420, 22
    top = max((v for _, v in items), default=0) or 1
    parts = []
    for i, (label, value) in enumerate(items):
        y = 8 + i * row_h
        w = max(1.0, bar_w * value / top)
        parts.append(
            Markup('<text x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect x="{x}" y="{y}" width="{w:.1f}" height="{h}" fill="{c}"/>'
                   '<text x="{vx:.1f}" y="{ty}">{value}</text>').format(
                lx=label_w - 6, ty=y + 15, label=label, x=label_w, y=y + 3, w=w, h=row_h - 6, c=COLOR, vx=label_w + w + 4, value=_number(value)
            )
        )
    height = 16 + len(items) * row_h
    return _svg(int(label_w + bar_w + 80), height, title, Markup("").join(parts))


def histogram(title: str, values: list[float], bins: int = 10) -> Markup:
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return Markup("")
    low, high = min(values), max(values)
    logarithmic = low > 0 and high / low > 100  # skewed counts: equal bins on a log scale
    if low == high:
        edges = [low, high + 1]
    elif logarithmic:
        a, b = math.log10(low), math.log10(high)
        edges = [10 ** (a + i * (b - a) / bins) for i in range(bins + 1)]
    else:
        edges = [low + i * (high - low) / bins for i in range(bins + 1)]
    counts = [0] * (len(edges) - 1)
    for v in values:
        index = next((i for i in range(len(counts)) if v < edges[i + 1]), len(counts) - 1)
        counts[index] += 1
    if logarithmic:
        title = f"{title}(对数刻度)"
    plot_w, plot_h, left, bottom = 480, 160, 50, 36
    top = max(counts) or 1
    bar = plot_w / len(counts)
    parts = [Markup('<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>').format(l=left, b=10 + plot_h, r=left + plot_w)]
    for i, n in enumerate(counts):
        h = plot_h * n / top
        parts.append(Markup('<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}"><title>{lo} – {hi}:{n} 行</title></rect>').format(
            x=left + i * bar + 1, y=10 + plot_h - h, w=bar - 2, h=h, c=COLOR, lo=_number(edges[i]), hi=_number(edges[i + 1]), n=n))
    for i in (0, len(counts)):
        parts.append(Markup('<text x="{x:.1f}" y="{y}" text-anchor="middle">{v}</text>').format(x=left + i * bar, y=10 + plot_h + 16, v=_number(edges[i])))
    parts.append(Markup('<text x="{x}" y="{y}" text-anchor="end">{n}</text>').format(x=left - 6, y=20, n=top))
    parts.append(Markup('<text x="{x}" y="{y}" text-anchor="middle">行数</text>').format(x=left - 28, y=10 + plot_h / 2))
    return _svg(left + plot_w + 20, 10 + plot_h + bottom, title, Markup("").join(parts))


def labelled(labels: list[str], step: float) -> list[int]:
    """The indexes of the labels to show under points ``step`` px apart, centred on them: every
    k-th, counted back from the last (the latest year), with k just large enough that no two
    shown labels come closer than LABEL_GAP, whatever the number of points."""
    widest = FONT_SIZE * max((_width(label) for label in labels), default=0)
    every = max(1, math.ceil((widest + LABEL_GAP) / step)) if step > 0 else len(labels)
    last = len(labels) - 1
    return [i for i in range(len(labels)) if (last - i) % every == 0]


def line_chart(title: str, points: list[tuple[str, float]]) -> Markup:
    if len(points) < 2:
        return Markup("")
    plot_w, plot_h, left = 480, 160, 70
    right = max(30, FONT_SIZE * max(_width(label) for label, _ in points) / 2 + 4)  # room for the last label
    values = [v for _, v in points]
    low, high = min(0.0, min(values)), max(values) or 1
    step = plot_w / (len(points) - 1)

    def y(v):
        return 10 + plot_h - plot_h * (v - low) / ((high - low) or 1)

    path = " ".join(f"{'M' if i == 0 else 'L'}{left + i * step:.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    parts = [
        Markup('<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>').format(l=left, b=10 + plot_h, r=left + plot_w),
        Markup('<path d="{d}" fill="none" stroke="{c}" stroke-width="2"/>').format(d=path, c=COLOR),
        Markup('<text x="{x}" y="{y:.1f}" text-anchor="end">{v}</text>').format(x=left - 6, y=y(high) + 4, v=_number(high)),
        Markup('<text x="{x}" y="{y:.1f}" text-anchor="end">{v}</text>').format(x=left - 6, y=y(low) + 4, v=_number(low)),
    ]
    shown = set(labelled([label for label, _ in points], step))
    for i, (label, v) in enumerate(points):
        parts.append(Markup('<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{c}"><title>{label}:{v}</title></circle>').format(x=left + i * step, y=y(v), c=COLOR, label=label, v=_number(v)))
        if i in shown:
            parts.append(Markup('<text x="{x:.1f}" y="{y}" text-anchor="middle">{label}</text>').format(x=left + i * step, y=10 + plot_h + 16, label=label))
    return _svg(math.ceil(left + plot_w + right), plot_h + 40, title, Markup("").join(parts))
