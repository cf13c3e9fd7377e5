"""Draws a load comparison's ratios as an SVG chart: one bar per scenario (its median ratio to the
ceiling of the same round), a whisker for the range over the rounds, grouped by store or session
layer, with the ceiling (1.0x) marked. Plain SVG text, standard library only, so the chart can be
committed beside BENCHMARKS.md and shown there.

Used by scripts/bench.py, scripts/bench_vapor.py and scripts/bench_python.py through
`bench.print_table`; also runs alone on a table those scripts printed:

    python3 scripts/bench_chart.py TABLE.md OUT.svg [TITLE]
"""
import html
import re
import sys

LABEL_WIDTH = 330
PLOT_WIDTH = 460
ROW_HEIGHT = 18
GROUP_GAP = 10
TOP = 46
BOTTOM = 40
# Reads blue, writes orange, sign-in storms purple, anything else green.
COLORS = {("read", "resume"): "#2f6fb3", ("write", "update"): "#c8602c", ("storm",): "#6a4c93"}
OTHER_COLOR = "#4d8a5a"


def color_of(scenario):
    for words, color in COLORS.items():
        if any(word in scenario for word in words):
            return color
    return OTHER_COLOR


def svg(rows, title):
    """`rows` are (group, scenario, ratio) with ratio a (median, low, high) tuple or None; the
    ceilings themselves (ratio 1.0 by definition) are left out."""
    bars = [(group, scenario, ratio) for group, scenario, ratio in rows
            if ratio is not None and "ceiling" not in scenario]
    groups = list(dict.fromkeys(group for group, _, _ in bars))
    top_ratio = max([1.0] + [ratio[2] for _, _, ratio in bars])
    scale_end = max(1.0, round(top_ratio * 4 + 0.5) / 4)
    height = TOP + BOTTOM + len(bars) * ROW_HEIGHT + len(groups) * GROUP_GAP
    width = LABEL_WIDTH + PLOT_WIDTH + 70

    def x(value):
        return LABEL_WIDTH + value / scale_end * PLOT_WIDTH

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{html.escape(title)}</text>',
        '<text x="10" y="36" fill="#555">median ratio to the ceiling of the same round; whiskers: '
        'range over the rounds</text>',
    ]
    plot_bottom = height - BOTTOM
    tick = 0.0
    while tick <= scale_end + 1e-9:
        stroke = "#333" if abs(tick - 1.0) < 1e-9 else "#ddd"
        out.append(f'<line x1="{x(tick):.1f}" y1="{TOP - 4}" x2="{x(tick):.1f}" y2="{plot_bottom}" '
                   f'stroke="{stroke}" stroke-width="1"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{plot_bottom + 14}" text-anchor="middle">{tick:.2f}×</text>')
        tick += 0.25
    out.append(f'<text x="{x(1.0):.1f}" y="{plot_bottom + 28}" text-anchor="middle" fill="#333">ceiling</text>')

    y = TOP
    for group in groups:
        for _, scenario, (median, low, high) in [bar for bar in bars if bar[0] == group]:
            middle = y + ROW_HEIGHT / 2
            label = f"{group} · {scenario}"
            out.append(f'<text x="{LABEL_WIDTH - 8}" y="{middle + 4:.1f}" text-anchor="end">'
                       f'{html.escape(label)}</text>')
            out.append(f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{x(median) - LABEL_WIDTH:.1f}" '
                       f'height="{ROW_HEIGHT - 6}" fill="{color_of(scenario)}"/>')
            out.append(f'<line x1="{x(low):.1f}" y1="{middle:.1f}" x2="{x(high):.1f}" y2="{middle:.1f}" '
                       'stroke="#000" stroke-width="1"/>')
            for end in (low, high):
                out.append(f'<line x1="{x(end):.1f}" y1="{middle - 4:.1f}" x2="{x(end):.1f}" '
                           f'y2="{middle + 4:.1f}" stroke="#000" stroke-width="1"/>')
            out.append(f'<text x="{x(max(high, median)) + 6:.1f}" y="{middle + 4:.1f}">{median:.2f}×</text>')
            y += ROW_HEIGHT
        y += GROUP_GAP
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(rows, path, title):
    with open(path, "w", encoding="utf-8") as file:
        file.write(svg(rows, title))


RATIO = re.compile(r"([0-9.]+)× \(([0-9.]+)–([0-9.]+)\)")


def rows_from_table(text):
    """Reads the (group, scenario, ratio) rows back from a table the bench scripts printed."""
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 6:
            continue
        match = RATIO.fullmatch(cells[-1])
        if match:
            rows.append((cells[0], cells[1], tuple(float(value) for value in match.groups())))
    return rows


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    table_rows = rows_from_table(open(sys.argv[1], encoding="utf-8").read())
    if not table_rows:
        sys.exit(f"{sys.argv[1]} holds no table row with a ratio like 0.80× (0.75–0.85)")
    write(table_rows, sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "Load comparison")
    print(f"wrote {sys.argv[2]}: {len(table_rows)} rows")
