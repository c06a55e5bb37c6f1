"""dashboard.components.charts: the plotly figures shared by the pages (pure functions, no Streamlit run needed)."""

import math
import statistics

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


# ---------------------------------------------------------------------------------------------- issue 16
def test_bits_axis_has_round_ticks_of_its_own():
    """Bug 9: the bits/char axis read 2.89, 3.61, 4.33 (the nats grid lines converted to bits)."""
    fig = charts.loss_figure(HISTORY, vocab_size=66, unigram_nats=3.3)
    ax = fig.layout.yaxis2
    assert ax.tickmode == "array" and len(ax.tickvals) >= 3
    step = ax.tickvals[1] - ax.tickvals[0]
    assert step in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0)
    assert all(abs(v / step - round(v / step)) < 1e-9 for v in ax.tickvals)  # multiples of a round step
    lo, hi = ax.range
    assert lo <= ax.tickvals[0] and ax.tickvals[-1] <= hi
    assert [float(text) for text in ax.ticktext] == pytest.approx(list(ax.tickvals))
    assert all(len(text.partition(".")[2]) <= 2 for text in ax.ticktext)  # "3.5", never "3.61"


@pytest.mark.parametrize(("lo", "hi"), [(2.74, 6.2), (0.0, 47_000.0), (1.9, 2.05), (3.1, 3.1000001)])
def test_nice_ticks_are_round_and_inside(lo, hi):
    ticks = charts.nice_ticks(lo, hi)
    assert ticks and all(lo - 1e-9 <= v <= hi + 1e-9 for v in ticks)
    if len(ticks) > 1:
        step = ticks[1] - ticks[0]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert any(abs(mantissa - m) < 1e-6 for m in (1, 2, 2.5, 5))


def test_speed_chart_shows_the_number_the_metric_reports():
    """Bug 9: "Characters / s" said 44,926 beside a speed chart whose axis stopped at 40k. The metric is
    typical_speed (the median of the last steps), drawn on the chart as a dashed line, and the y axis runs to a
    round tick above every value drawn."""
    speeds = [30_000.0] * 50 + [9_000.0] + [44_000.0 + 10 * i for i in range(60)]  # a slow step after a validation
    steps = list(range(1, len(speeds) + 1))
    fig = charts.throughput_figure(steps, speeds, typical_label="median of the last {n} steps")
    typical = charts.typical_speed(speeds)
    assert typical == statistics.median(speeds[-charts.SPEED_WINDOW:])
    (line,) = fig.layout.shapes
    assert line.y0 == line.y1 == typical
    assert f"{typical:,.0f}" in fig.layout.annotations[0].text and "100" in fig.layout.annotations[0].text
    top = fig.layout.yaxis.range[1]
    assert top == fig.layout.yaxis.tickvals[-1] >= max(max(fig.data[0].y), typical)
    assert list(fig.layout.yaxis.ticktext)[-1] == f"{top:,.0f}"
    assert charts.typical_speed([]) is None
    assert not charts.throughput_figure([], []).layout.shapes


def test_loss_figure_reference_lines_carry_the_unit_given():
    """Bug 11: the Korean page's reference lines said "nats" while its axis said 내트."""
    labels = charts.LossLabels(uniform="균등 분포 ln 66", unigram="유니그램", nats_unit="내트", bits="비트/문자")
    fig = charts.loss_figure(HISTORY, vocab_size=66, unigram_nats=3.3, labels=labels)
    notes = [a.text for a in fig.layout.annotations]
    assert notes == ["균등 분포 ln 66 = 4.19 내트", "유니그램 = 3.30 내트"]
    assert all("nats" not in (tr.hovertemplate or "") for tr in fig.data)
    runs = charts.compare_runs_figure([charts.RunCurve("a", [1, 2], [4.0, 3.0])], nats_unit="내트")
    assert "내트" in runs.data[0].hovertemplate and "nats" not in runs.data[0].hovertemplate


def test_role_legend_sits_above_the_bars_not_on_the_axis_title():
    """Bug 2: the horizontal legend at y=-0.15 was drawn over the x-axis title ("LSTM" on "bits/char")."""
    from dashboard.components import charts_ngram

    rows = [{"role": r, "count": 10, "ngram_bits": 3.0, "lstm_bits": 2.0} for r in ("speaker", "newline", "space")]
    fig = charts_ngram.role_figure(rows, {}, title="Mean bits/char", x_title="bits/char", ngram_name="n-gram",
                                   lstm_name="LSTM")
    legend = fig.layout.legend
    assert legend.orientation == "h" and legend.yanchor == "bottom" and legend.y >= 1.0  # above the plot area
    assert fig.layout.title.yref == "container" and fig.layout.title.y == 1  # the title at the very top...
    assert fig.layout.margin.t >= 70  # ...and room for both in the top margin
    assert fig.layout.xaxis.title.text == "bits/char"
