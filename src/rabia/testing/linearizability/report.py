"""A self-contained HTML report of a check: the history as a timeline, with the
smallest failing window of each failing partition drawn on its own.

One lane per process, a bar per operation from call to return; a call of unknown
outcome runs to the right edge. Inline SVG and CSS only: no scripts, no assets.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from html import escape

from rabia.testing.linearizability.checker import CheckResult, PartitionResult
from rabia.testing.linearizability.history import Operation
from rabia.testing.linearizability.model import Model

_LANE = 20
_BAR = 14
_LEFT = 90  # room for process names
_TOP = 24  # room for the time axis

_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.verdict { font-weight: bold; padding: 0.1em 0.5em; border-radius: 4px; }
.linearizable { background: #d4f4d4; } .not-linearizable { background: #f8d0d0; }
.unknown { background: #f4ecc4; }
.scroll { overflow-x: auto; border: 1px solid #ddd; margin: 0.5em 0; }
svg text { font: 11px monospace; fill: #222; }
svg .lane-name { font: 12px monospace; }
rect.op { fill: #cfe0f4; stroke: #6a8fba; }
rect.op.open { fill: url(#open); stroke-dasharray: 4 2; }
rect.op.prefix { fill: #cdebc9; stroke: #5a9a55; }
rect.op.pending { fill: #fbe3b8; stroke: #c98a1b; }
rect.op.stuck { fill: #f6b3b3; stroke: #c0392b; stroke-width: 2; }
rect.op.dim { opacity: 0.35; }
rect.window { fill: #c0392b; opacity: 0.08; }
line.axis { stroke: #999; } line.tick { stroke: #ddd; }
table { border-collapse: collapse; } td, th { padding: 0.15em 0.6em; text-align: left; }
tr:nth-child(even) { background: #f6f6f6; }
.legend span { display: inline-block; padding: 0 0.5em; margin-right: 0.4em; border: 1px solid; }
"""

_DEFS = (
    '<defs><pattern id="open" width="8" height="8" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="8" height="8" fill="#eef2f7"/>'
    '<rect width="3" height="8" fill="#d5dfeb"/></pattern></defs>'
)


def render_html(result: CheckResult, model: Model[Hashable], title: str = "history") -> str:
    """The report of ``result`` (checked against ``model``) as one HTML document."""
    ops = result.history
    verdict_class = result.verdict.replace(" ", "-")
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{escape(title)}: {escape(result.verdict)}</title><style>{_CSS}</style>",
        "</head><body>",
        f"<h1>{escape(title)} <span class='verdict {verdict_class}'>",
        f"{escape(result.verdict)}</span></h1>",
        f"<p>Model <b>{escape(model.name)}</b>; {len(ops)} operations, ",
        f"{len(result.partitions) + len(result.skipped)} partition(s); ",
        f"checked in {result.elapsed:.2f} s.",
    ]
    if result.skipped:
        parts.append(f" {len(result.skipped)} partition(s) left unchecked after the first failure.")
    parts.append("</p>")
    if result.verdict == "unknown":
        parts.append(
            "<p>The time budget ran out before a verdict: the history may or may not be "
            "linearizable. Partitions still undecided are drawn below.</p>"
        )
    marks: dict[int, str] = {}
    windows: list[tuple[float, float]] = []
    for partition in result.partitions:
        if partition.verdict == "linearizable" or partition.stuck is None:
            continue
        parts.append(_failure_section(result, partition, model))
        window = result.window(partition)
        windows.append(_span(ops, window))
        for i in window:
            marks[i] = _mark(partition, i)
    parts.append("<h2>Whole history</h2>")
    parts.append(_legend())
    shown = list(range(len(ops)))
    parts.append(_timeline(ops, shown, marks, model, windows, dim_unmarked=bool(marks)))
    parts.append("</body></html>")
    return "".join(parts)


def _mark(partition: PartitionResult, i: int) -> str:
    if i == partition.stuck:
        return "stuck"
    if i in partition.pending:
        return "pending"
    return "prefix"


def _failure_section(
    result: CheckResult, partition: PartitionResult, model: Model[Hashable]
) -> str:
    ops = result.history
    assert partition.stuck is not None
    stuck = ops[partition.stuck]
    window = result.window(partition)
    marks = {i: _mark(partition, i) for i in window}
    order = {op: n for n, op in enumerate(partition.prefix, 1)}
    label = "" if partition.key is None else f" key {escape(repr(partition.key))}"
    when = "its return" if stuck.ret is None else f"its return at {_time(stuck.ret)}"
    head = (
        f"<h2>Partition{label}: {escape(partition.verdict)}</h2>"
        f"<p>The longest linearization found has {len(partition.prefix)} of "
        f"{len(partition.operations)} operations and leaves the state at "
        f"<code>{escape(repr(partition.state))}</code>. From there no operation can "
        f"be linearized in a way that lets <b>{escape(model.describe(stuck))}</b> by "
        f"process {escape(str(stuck.process))} take effect before {when}. "
        "The smallest failing window:</p>"
    )
    if partition.verdict == "unknown":
        head = (
            f"<h2>Partition{label}: unknown</h2><p>Out of time. The longest "
            f"linearization so far has {len(partition.prefix)} of "
            f"{len(partition.operations)} operations and stops before "
            f"<b>{escape(model.describe(stuck))}</b>:</p>"
        )
    rows = [
        "<table><tr><th>#</th><th>process</th><th>operation</th><th>call</th>"
        "<th>return</th><th>role</th></tr>"
    ]
    for i in window:
        op = ops[i]
        role = marks[i] if marks[i] != "prefix" else f"linearized #{order[i]}"
        rows.append(
            f"<tr><td>{i}</td><td>{escape(str(op.process))}</td>"
            f"<td>{escape(model.describe(op))}</td><td>{_time(op.call)}</td>"
            f"<td>{'?' if op.ret is None else _time(op.ret)}</td><td>{role}</td></tr>"
        )
    rows.append("</table>")
    labels = {i: f"#{order[i]} " for i in window if i in order}
    svg = _timeline(
        ops, list(window), marks, model, [_span(ops, window)], labels=labels, outside_labels=True
    )
    return head + _legend() + svg + "".join(rows)


def _legend() -> str:
    return (
        "<p class='legend'><span style='background:#cdebc9'>linearized</span>"
        "<span style='background:#fbe3b8'>could come next</span>"
        "<span style='background:#f6b3b3'>stuck: must have happened by its return</span>"
        "<span style='background:#eef2f7'>outcome unknown</span></p>"
    )


def _span(ops: Sequence[Operation], window: Sequence[int]) -> tuple[float, float]:
    start = min(ops[i].call for i in window)
    ends = [r for i in window if (r := ops[i].ret) is not None]
    return start, max(ends, default=start)


def _time(t: float) -> str:
    t = round(t, 9)
    return str(int(t)) if float(t).is_integer() else f"{t:.6g}"


def _timeline(
    ops: Sequence[Operation],
    shown: Sequence[int],
    marks: dict[int, str],
    model: Model[Hashable],
    windows: Sequence[tuple[float, float]] = (),
    *,
    dim_unmarked: bool = False,
    labels: dict[int, str] | None = None,
    outside_labels: bool = False,
) -> str:
    if not shown:
        return "<p>(no operations)</p>"
    labels = labels or {}
    processes = sorted({ops[i].process for i in shown}, key=_natural)
    lane = {p: n for n, p in enumerate(processes)}
    t0 = min(ops[i].call for i in shown)
    finite = [r for i in shown if (r := ops[i].ret) is not None]
    t1 = max([*finite, *(ops[i].call for i in shown)])
    span = max(t1 - t0, 1e-9)
    width = min(max(900, 6 * len(shown)), 24000)
    plot = width - _LEFT - (220 if outside_labels else 30)
    end_x = _LEFT + plot + 20  # where calls of unknown outcome end

    def x(t: float) -> float:
        return _LEFT + (t - t0) / span * plot

    height = _TOP + _LANE * len(processes) + 10
    out = [
        f"<div class='scroll'><svg xmlns='http://www.w3.org/2000/svg' width='{width}' "
        f"height='{height}' viewBox='0 0 {width} {height}'>{_DEFS}"
    ]
    for start, end in windows:
        out.append(
            f"<rect class='window' x='{x(start):.1f}' y='{_TOP - 6}' "
            f"width='{max(x(end) - x(start), 2):.1f}' height='{height - _TOP}'/>"
        )
    out.append(f"<line class='axis' x1='{_LEFT}' y1='{_TOP - 6}' x2='{end_x}' y2='{_TOP - 6}'/>")
    for t in _ticks(t0, t1):
        out.append(
            f"<line class='tick' x1='{x(t):.1f}' y1='{_TOP - 6}' x2='{x(t):.1f}' "
            f"y2='{height}'/><text x='{x(t):.1f}' y='{_TOP - 10}' "
            f"text-anchor='middle'>{_time(t)}</text>"
        )
    for p, n in lane.items():
        out.append(
            f"<text class='lane-name' x='4' y='{_TOP + n * _LANE + _BAR - 2}'>"
            f"{escape(str(p))[:12]}</text>"
        )
    next_left: dict[int, float] = {}  # where the next bar in the same lane starts
    last: dict[Hashable, int] = {}
    for i in sorted(shown, key=lambda i: ops[i].call):
        if ops[i].process in last:
            next_left[last[ops[i].process]] = x(ops[i].call)
        last[ops[i].process] = i
    for i in shown:
        op = ops[i]
        left = x(op.call)
        right = end_x if op.ret is None else x(op.ret)
        classes = ["op"]
        if op.ret is None:
            classes.append("open")
        if i in marks:
            classes.append(marks[i])
        elif dim_unmarked:
            classes.append("dim")
        y = _TOP + lane[op.process] * _LANE
        text = labels.get(i, "") + model.describe(op)
        tip = (
            f"op {i}, process {op.process}, key {op.key!r}: {model.describe(op)}; "
            f"call {_time(op.call)}, return {'?' if op.ret is None else _time(op.ret)}"
        )
        bar_width = max(right - left, 2)
        out.append(
            f"<g><title>{escape(tip)}</title><rect class='{' '.join(classes)}' "
            f"x='{left:.1f}' y='{y}' width='{bar_width:.1f}' height='{_BAR}' rx='2'/>"
        )
        if bar_width > 7 * len(text) + 4:
            out.append(f"<text x='{left + 3:.1f}' y='{y + _BAR - 3}'>{escape(text)}</text>")
        elif outside_labels:
            room = int((next_left.get(i, width) - left - bar_width - 6) // 7)
            if room < len(text):
                text = text[: room - 1] + "…" if room >= 3 else ""
            out.append(
                f"<text x='{left + bar_width + 3:.1f}' y='{y + _BAR - 3}'>{escape(text)}</text>"
            )
        out.append("</g>")
    out.append("</svg></div>")
    return "".join(out)


def _ticks(t0: float, t1: float) -> list[float]:
    """Round tick times, about ten of them, between ``t0`` and ``t1``."""
    span = t1 - t0
    if span <= 0:
        return [t0]
    step = 10 ** math.floor(math.log10(span / 10))
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= 12:
            step *= factor
            break
    first = math.ceil(t0 / step) * step
    return [first + k * step for k in range(int((t1 - first) / step) + 1)]


def _natural(process: Hashable) -> tuple[int, float, str]:
    if isinstance(process, int | float) and not isinstance(process, bool):
        return (0, float(process), "")
    return (1, 0.0, str(process))
