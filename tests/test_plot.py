"""``mnist1d plot``: the paper's way of drawing signals, and the optional matplotlib."""

import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from mnist1d_builders.plot import MISSING_MATPLOTLIB, examples_figure  # noqa: E402
from mnist1d_core import PRESETS, generate  # noqa: E402
from mnist1d_cli import main  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def canonical():
    return generate(PRESETS["canonical"])


def test_each_column_is_one_class_drawn_upright(canonical):
    figure = examples_figure(canonical, per_class=2, templates=True)
    axes = np.array(figure.axes).reshape(3, 10)
    assert [ax.get_title() for ax in axes[0]] == [str(d) for d in range(10)]
    assert [row[0].get_ylabel() for row in axes] == ["template", "example", "example"]
    for digit in range(10):
        template = axes[0, digit].lines[0]
        np.testing.assert_array_equal(template.get_xdata(), canonical.templates.x[digit])
        np.testing.assert_array_equal(template.get_ydata(), canonical.templates.t)
        of_class = np.flatnonzero(canonical.train.y == digit)[:2]
        for row, index in zip(axes[1:, digit], of_class):
            # value on the horizontal axis, time on the vertical one, time running downwards
            np.testing.assert_array_equal(row.lines[0].get_xdata(), canonical.train.x[index])
            np.testing.assert_array_equal(row.lines[0].get_ydata(), canonical.t)
            assert row.yaxis_inverted()


def test_per_class_must_fit_the_train_split():
    small = generate(PRESETS["canonical"].replace(num_samples=20))
    with pytest.raises(ValueError, match=r"per_class=3 but the train split has \d examples of class"):
        examples_figure(small, per_class=3)
    with pytest.raises(ValueError, match="per_class must be an integer >= 1, got 0"):
        examples_figure(small, per_class=0)


def test_per_class_is_bounded_by_the_configs_sizes_before_generating():
    from mnist1d_builders.plot import check_can_draw

    check_can_draw(500, config=PRESETS["canonical"])  # 500 of each class in all, 4000 train examples
    with pytest.raises(ValueError, match="per_class=501, but no class of canonical can have more than 500 train"):
        check_can_draw(501, config=PRESETS["canonical"])
    few_train = PRESETS["canonical"].replace(num_samples=100, train_split=0.05)  # 5 train examples
    with pytest.raises(ValueError, match="no class of .* can have more than 5 train examples"):
        check_can_draw(6, config=few_train)


def test_cli_writes_the_same_png_twice(tmp_path, capsys):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    assert main(["plot", "--out", str(first), "--config", "shuffled", "--per-class", "1"]) == 0
    assert main(["plot", "--out", str(second), "--config", "shuffled", "--per-class", "1"]) == 0
    assert first.read_bytes()[:8] == PNG_MAGIC
    assert first.read_bytes() == second.read_bytes()
    assert capsys.readouterr().out == f"wrote {first.resolve()} (shuffled)\nwrote {second.resolve()} (shuffled)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]


@pytest.mark.parametrize("args, message", [
    (["--out", "{tmp}/figure.jpg"], "--out must end in .png, got"),
    (["--out", "{tmp}/existing.png"], "exists; pass --force to overwrite it"),
    (["--out", "{tmp}/nowhere/figure.png"], "does not exist"),
    (["--out", "{tmp}/figure.png", "--per-class", "0"], "per_class must be an integer >= 1, got 0"),
])
def test_cli_refuses_bad_input_before_drawing(tmp_path, capsys, args, message):
    (tmp_path / "existing.png").write_bytes(b"mine")
    assert main(["plot", *(a.format(tmp=tmp_path) for a in args)]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.png"]
    assert (tmp_path / "existing.png").read_bytes() == b"mine"


def test_without_matplotlib_the_error_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # what an absent package looks like
    out = tmp_path / "figure.png"
    assert main(["plot", "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"mnist1d: error: {MISSING_MATPLOTLIB}\n"
    assert not out.exists()
