"""The boundary to matplotlib: a new figure, and a figure written as SVG or HTML.

matplotlib is optional (``pip install 'rabia[plot]'``): it is imported only when a
figure is made, never at import time, and a missing one raises :class:`PlotUnavailable`
naming the extra. Figures are drawn with the object API on an Agg canvas: no pyplot, no
display, no global state. Text stays text in the SVG (``svg.fonttype = none``), so a
figure's labels and values can be read back from its ``<text>`` elements.
"""

from __future__ import annotations

import io
import os
import platform
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rabia.bench.tables import Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PLOT_HINT = "matplotlib is not installed: pip install 'rabia[plot]'"
PlotFormat = Literal["svg", "html"]


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


@dataclass(frozen=True, slots=True)
class Caption:
    """What a figure says about where it comes from."""

    command: str
    machine: str
    date: str
    note: str = ""
    """What the command does not say (e.g. how the servers were set up), or nothing."""

    def text(self) -> str:
        """The command, the note if any, then the machine and the date: one per line."""
        lines = [self.command, self.note, f"{self.machine}, {self.date}"]
        return "\n".join(line for line in lines if line)


def machine_facts() -> str:
    """E.g. "2 CPUs, Linux x86_64, Python 3.11.7"."""
    cpus = os.cpu_count() or 1
    system = f"{platform.system()} {platform.machine()}".strip()
    return f"{cpus} CPU{'s' if cpus != 1 else ''}, {system}, Python {platform.python_version()}"


def caption_now(command: str, note: str = "") -> Caption:
    """A caption for ``command`` run now, on this machine."""
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Caption(command=command, machine=machine_facts(), date=date, note=note)


def plot_format(path: str | Path) -> PlotFormat:
    """``svg`` or ``html``, from the file's extension; anything else is a ValueError."""
    suffix = Path(path).suffix.lower()
    if suffix == ".svg":
        return "svg"
    if suffix in (".html", ".htm"):
        return "html"
    raise ValueError(f"plot file must end in .svg or .html, not {str(path)!r}")


def require_matplotlib() -> None:
    """Raise :class:`PlotUnavailable` now if matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise PlotUnavailable(PLOT_HINT) from exc


def new_figure(width: float, height: float) -> Figure:
    """An empty figure (inches) on an Agg canvas, laid out by the constrained engine."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def plain(text: str) -> str:
    """``text`` with matplotlib's math markers escaped, so it is drawn as written."""
    return text.replace("$", r"\$")


def svg_text(figure: Figure) -> str:
    """The figure as an SVG document: text as ``<text>``, ids and output reproducible."""
    import matplotlib

    out = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "rabia"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue().decode()


_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } .caption { color: #555; white-space: pre-line; }
table { border-collapse: collapse; margin-top: 1em; }
td, th { padding: 0.2em 0.7em; border-bottom: 1px solid #ddd; }
td { text-align: right; font-variant-numeric: tabular-nums; } td:first-child { text-align: left; }
"""


def html_page(title: str, svg: str, table: Table, caption: Caption) -> str:
    """A self-contained page: the SVG inline, then the table of figures."""
    inline = svg[svg.index("<svg") :]
    inline = re.sub(r"<!--.*?-->", "", inline, flags=re.S)
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>\n"
        for row in table.rows
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n"
        f'<p class="caption">{escape(caption.text())}</p>\n'
        f"{inline}\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"
        "</body>\n</html>\n"
    )


def write(figure: Figure, title: str, table: Table, caption: Caption, path: str | Path) -> None:
    """Write ``figure`` to ``path`` (its folder made if missing): SVG, or an HTML page
    with the table, by extension."""
    kind = plot_format(path)
    svg = svg_text(figure)
    text = svg if kind == "svg" else html_page(title, svg, table, caption)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")
