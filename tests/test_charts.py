"""dashboard.components.charts: the plotly figures shared by the pages (pure functions, no Streamlit run needed)."""

import math

import plotly.graph_objects as go
import pytest

from dashboard.components import charts
from engine.lm.generate import CharCandidate

HISTORY = {
    "step": [1, 2, 3, 4],
    "loss": [4.2, 3.9, 3.5, 3.1],
    "grad_norm": [2.0, 1.5, 0.8, 0.6],
    "tokens_per_s": [1000.0, 1200.0, 1100.0, 1300.0],
    "eval_step": [2, 4],
    "val_loss": [3.8, 3.2],
}


def _names(fig: go.Figure) -> list[str]:
    return [tr.name for tr in fig.data if tr.name]


def test_loss_figure_has_train_val_reference_lines_and_a_bits_axis():
    labels = charts.LossLabels(train="T", train_smooth="TS", val="V", uniform="U", unigram="G", bits="b/c")
    fig = charts.loss_figure(HISTORY, vocab_size=65, unigram_nats=3.3, labels=labels)
    assert _names(fig) == ["T", "TS", "V"]
    assert list(fig.data[2].x) == [2, 4] and list(fig.data[2].y) == [3.8, 3.2]
    # hover shows the same loss in bits
    assert fig.data[2].customdata[0] == pytest.approx(3.8 / math.log(2))
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert sorted(round(s.y0, 4) for s in lines) == [3.3, round(math.log(65), 4)]
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "U" in notes and "G" in notes
    # the right axis is the left one in bits: same heights
    lo, hi = fig.layout.yaxis.range
    lo2, hi2 = fig.layout.yaxis2.range
    assert lo2 == pytest.approx(lo / math.log(2)) and hi2 == pytest.approx(hi / math.log(2))
    assert hi >= math.log(65) and fig.layout.yaxis2.title.text == "b/c"


def test_loss_figure_with_no_data_yet():
    fig = charts.loss_figure({"step": [], "loss": [], "eval_step": [], "val_loss": []})
    assert not _names(fig)


def test_grad_norm_and_speed_figures():
    fig = charts.grad_norm_figure(HISTORY["step"], HISTORY["grad_norm"], clip=1.0, clip_label="clip")
    assert len(fig.data) == 1 and fig.layout.yaxis.type == "log"
    assert [s.y0 for s in fig.layout.shapes] == [1.0] and "clip" in fig.layout.annotations[0].text
    assert not charts.grad_norm_figure([1], [0.5]).layout.shapes  # no clipping: no threshold line
    fig = charts.throughput_figure(HISTORY["step"], HISTORY["tokens_per_s"])
    assert len(fig.data) == 1 and len(fig.data[0].y) == 4


def test_compare_runs_figure_one_colour_per_run():
    runs = [charts.RunCurve("a", [1, 2], [4.0, 3.0], [2], [3.5]), charts.RunCurve("b", [1, 2, 3], [4.1, 3.6, 3.0])]
    fig = charts.compare_runs_figure(runs, train_suffix="train", val_suffix="val")
    assert _names(fig) == ["a · train", "a · val", "b · train"]
    assert fig.data[0].line.color == fig.data[1].line.color != fig.data[2].line.color
    assert fig.data[1].line.dash == "dash"


def test_candidates_figure_highlights_the_chosen_one_and_marks_filtered_ones():
    cands = [CharCandidate("e", 0.5, True), CharCandidate(" ", 0.3, True), CharCandidate("\n", 0.15, False),
             CharCandidate("a", 0.05, False)]
    labels = charts.CandidateLabels(chosen="C", kept="K", filtered="F")
    fig = charts.candidates_figure(cands, chosen=" ", labels=labels)
    by_name = {tr.name: tr for tr in fig.data}
    assert list(by_name["C"].x) == ["␣"]
    assert list(by_name["K"].x) == ["e"]
    assert list(by_name["F"].x) == ["⏎", "a"]
    assert by_name["F"].marker.pattern.shape == "/"
    assert list(fig.layout.xaxis.categoryarray) == ["e", "␣", "⏎", "a"]  # best first, whatever the style
    # a chosen character outside the recorded candidates: nothing is highlighted, nothing breaks
    fig = charts.candidates_figure(cands, chosen="z", labels=labels)
    assert "C" not in _names(fig)


def test_char_frequency_and_helpers():
    fig = charts.char_frequency_figure([(" ", 10), ("e", 7), ("\n", 3)])
    assert list(fig.data[0].x) == ["␣", "e", "⏎"] and list(fig.data[0].y) == [10, 7, 3]
    assert charts.display_char("x") == "x" and charts.display_char("\t") == "⇥"
    from engine.lm import compare

    assert charts.display_char is compare.display_char, "one visible symbol per character in the whole lab"
    assert charts.smooth([2.0, 2.0, 2.0]) == pytest.approx([2.0, 2.0, 2.0])  # bias-corrected: no ramp from 0
    assert charts.smooth([]) == []


def test_long_series_are_thinned():
    xs, ys = charts.thin(range(10_000), range(10_000), max_points=1000)
    assert len(xs) <= 1001 and xs[0] == 0 and xs[-1] == 9999 and xs == ys
    assert charts.thin([1, 2], [3, 4]) == ([1, 2], [3, 4])
    n = 20_000
    fig = charts.loss_figure({"step": list(range(n)), "loss": [1.0] * n, "eval_step": [], "val_loss": []})
    assert all(len(tr.x) <= charts.MAX_POINTS + 1 for tr in fig.data if tr.x is not None)
