"""The boundary to matplotlib: file kinds, captions, SVG with readable text, the HTML page,
and the error when matplotlib is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rabia.bench.plotting import (
    PLOT_HINT,
    Caption,
    PlotUnavailable,
    caption_now,
    machine_facts,
    new_figure,
    plain,
    plot_format,
    require_matplotlib,
    write,
)
from rabia.bench.tables import Table
from tests.bench.helpers import svg_texts

CAPTION = Caption(command="rabia bench --x 1", machine="2 CPUs, Linux", date="2026-01-02")
TABLE = Table(("name", "value"), (("a <b>", "1,000"), ("c", "2")))


def test_format_by_extension() -> None:
    assert plot_format("x.svg") == "svg"
    assert plot_format(Path("a/b.HTML")) == "html"
    assert plot_format("b.htm") == "html"
    with pytest.raises(ValueError, match=r"\.svg or \.html"):
        plot_format("x.png")


def test_caption_names_the_command_machine_and_date() -> None:
    assert CAPTION.text() == "rabia bench --x 1\n2 CPUs, Linux, 2026-01-02"
    assert f"{os.cpu_count()} CPU" in machine_facts()
    now = caption_now("cmd", note="a note")
    assert now.command == "cmd" and now.machine == machine_facts()
    assert now.text().splitlines()[:2] == ["cmd", "a note"]
    assert now.date[:2] == "20" and now.date.endswith("UTC")


def test_svg_keeps_text_as_written_and_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    for path in (first, second):
        figure = new_figure(3, 2)
        figure.add_subplot().set_title(plain("costs $5 and $6"))
        write(figure, "t", TABLE, CAPTION, path)
    svg = first.read_text()
    assert svg.startswith("<?xml")
    assert "costs $5 and $6" in svg_texts(svg)
    assert svg == second.read_text()


def test_html_page_inlines_the_svg_and_the_table(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    figure = new_figure(3, 2)
    figure.add_subplot().set_xlabel("an axis")
    write(figure, "Title <1>", TABLE, CAPTION, path)
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<?xml" not in page
    assert "<title>Title &lt;1&gt;</title>" in page
    assert "rabia bench --x 1\n2 CPUs, Linux, 2026-01-02" in page
    assert "an axis" in svg_texts(page)
    assert "<th>name</th><th>value</th>" in page
    assert "<tr><td>a &lt;b&gt;</td><td>1,000</td></tr>" in page
    assert "<script" not in page and "http://" not in page.split("<svg", 1)[0]


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(PlotUnavailable) as caught:
        require_matplotlib()
    assert str(caught.value) == PLOT_HINT
    assert "pip install 'rabia[plot]'" in PLOT_HINT
    with pytest.raises(PlotUnavailable):
        new_figure(1, 1)


def test_importing_rabia_bench_does_not_import_matplotlib() -> None:
    code = (
        "import sys, rabia.cli, rabia.bench.plots, rabia.bench.plotting;"
        "print('matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"
