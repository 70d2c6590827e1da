"""mnist1d_core.compat.utils: pickles (the authors' bytes, read without running anything),
ObjectView and plot_signals, against the authors' (mnist1d==0.0.2.post1)."""

import collections
import os
import pickle
import sys

import matplotlib
import mnist1d.utils as upstream
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mnist1d_core.compat import (
    ObjectView,
    PickleRefused,
    from_pickle,
    get_dataset_args,
    get_templates,
    make_dataset,
    plot_signals,
    to_pickle,
)
from mnist1d_core.compat.utils import MISSING_MATPLOTLIB

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def dataset():
    return make_dataset({"num_samples": 200})


def test_to_pickle_writes_the_authors_bytes(dataset, tmp_path):
    to_pickle(dataset, tmp_path / "ours.pkl")
    upstream.to_pickle(dataset, tmp_path / "theirs.pkl")
    assert (tmp_path / "ours.pkl").read_bytes() == (tmp_path / "theirs.pkl").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ours.pkl", "theirs.pkl"]  # no partial file left


def test_to_pickle_keeps_the_old_file_when_pickling_fails(tmp_path):
    target = tmp_path / "results.pkl"
    to_pickle({"a": 1}, target)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        to_pickle({"a": lambda: 0}, target)
    assert from_pickle(target) == {"a": 1} and [p.name for p in tmp_path.iterdir()] == ["results.pkl"]
    with pytest.raises(FileNotFoundError, match="the folder .* does not exist"):
        to_pickle({}, tmp_path / "missing" / "x.pkl")


def test_from_pickle_reads_the_authors_pickle_of_the_frozen_layout(dataset, tmp_path):
    path = tmp_path / "mnist1d_data.pkl"
    upstream.to_pickle(dataset, path)
    loaded = from_pickle(path)
    assert list(loaded) == ["x", "x_test", "y", "y_test", "t", "templates"]
    assert list(loaded["templates"]) == ["x", "t", "y"]
    for key in ("x", "x_test", "y", "y_test", "t"):
        assert loaded[key].dtype == dataset[key].dtype
        np.testing.assert_array_equal(loaded[key], dataset[key])
    assert upstream.from_pickle(path).keys() == loaded.keys()


arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.uint16, np.bool_, np.complex128]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    elements={"allow_nan": False},
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.complex_numbers(allow_nan=False),
    st.text(max_size=5),
    st.binary(max_size=5),
    arrays.map(lambda a: a.dtype.type(0)),
)
plain = st.recursive(
    st.one_of(scalars, arrays),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=3), inner, max_size=3),
        st.frozensets(st.integers(), max_size=3),
        st.sets(st.text(max_size=2), max_size=3),
        st.binary(max_size=4).map(bytearray),
    ),
    max_leaves=8,
)


def same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(plain, st.integers(0, pickle.HIGHEST_PROTOCOL), st.booleans())
def test_arrays_and_plain_containers_round_trip_with_every_protocol(tmp_path, value, protocol, fortran):
    if fortran and isinstance(value, np.ndarray):
        value = np.asfortranarray(value)
    path = tmp_path / f"value-{protocol}.pkl"
    path.write_bytes(pickle.dumps(value, protocol=protocol))
    assert same(from_pickle(path), pickle.loads(path.read_bytes()))


class RunsCode:
    """What a malicious pickle does: on load, call a function with arguments of its choice."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


@pytest.mark.parametrize("protocol", [0, 2, 3, 5])
def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(tmp_path, protocol):
    marker = tmp_path / "the-payload-ran"
    path = tmp_path / "evil.pkl"
    # hidden among real data, as a tampered copy of mnist1d_data.pkl would be
    path.write_bytes(pickle.dumps({"x": np.zeros((2, 40)), "templates": {"y": RunsCode(marker)}}, protocol=protocol))
    with pytest.raises(
        PickleRefused,
        match=r"evil\.pkl: refused to load posix\.mkdir: from_pickle reads numpy "
        r"arrays and plain containers only, and nothing in the file was run",
    ):
        from_pickle(path)
    assert not marker.exists()
    pickle.loads(path.read_bytes())  # the proof that the payload is real: plain pickle runs it
    assert marker.is_dir()


@pytest.mark.parametrize(
    "value",
    [
        ObjectView({"a": 1}),
        np.ma.masked_array([1, 2]),
        collections.Counter("ab"),
        pickle.loads(pickle.dumps(range(3))),
    ],
)
def test_other_objects_are_refused_with_the_global_they_name(tmp_path, value):
    path = tmp_path / "other.pkl"
    path.write_bytes(pickle.dumps(value, protocol=3))
    with pytest.raises(PickleRefused, match=r"other\.pkl: refused to load \S+: from_pickle reads numpy arrays"):
        from_pickle(path)


def test_codecs_encode_is_admitted_for_latin1_only(tmp_path):
    path = tmp_path / "codec.pkl"
    path.write_bytes(b"c_codecs\nencode\n(Vhi\nVrot13\ntR.")
    with pytest.raises(PickleRefused, match="refused _codecs.encode of str with encoding 'rot13'"):
        from_pickle(path)
    path.write_bytes(pickle.dumps(b"\x00\xff", protocol=2))
    assert from_pickle(path) == b"\x00\xff"


def test_a_damaged_pickle_is_named(tmp_path):
    path = tmp_path / "cut.pkl"
    path.write_bytes(pickle.dumps({"x": np.zeros(100)}, protocol=3)[:-40])
    with pytest.raises(pickle.UnpicklingError, match=r"cut\.pkl: damaged or not a pickle"):
        from_pickle(path)
    with pytest.raises(FileNotFoundError):
        from_pickle(tmp_path / "missing.pkl")


def test_objectview_shares_its_dict_as_the_authors():
    params = {"seed": 1}
    args = ObjectView(params)
    args.seed = 2
    args.extra = True
    assert params == {"seed": 2, "extra": True} and args.__dict__ is params
    assert vars(ObjectView(dict(params))) == vars(upstream.ObjectView(dict(params)))


def figure_content(figure):
    """What a figure shows: per panel its lines, title, limits and background."""
    return [
        {
            "lines": [
                (
                    line.get_xdata().tolist(),
                    line.get_ydata().tolist(),
                    line.get_color(),
                    line.get_marker(),
                    line.get_linestyle(),
                    line.get_linewidth(),
                )
                for line in axes.lines
            ],
            "title": axes.get_title(),
            "xlim": axes.get_xlim(),
            "ylim": axes.get_ylim(),
            "ticks": (list(axes.get_xticks()), list(axes.get_yticks())),
            "face": axes.get_facecolor(),
        }
        for axes in figure.axes
    ] + [tuple(figure.get_size_inches()), figure.dpi]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"labels": list(range(10)), "dark_mode": True, "ratio": 1.33, "zoom": 3},
        {"do_transform": True, "zoom": 6},
    ],
)
def test_plot_signals_draws_what_the_authors_draw(options):
    import matplotlib.pyplot as plt

    templates = get_templates()
    args = get_dataset_args()
    figures = []
    for plot in (upstream.plot_signals, plot_signals):
        np.random.seed(0)  # do_transform draws from the global stream
        figures.append(figure_content(plot(templates["x"], templates["t"], args=args, **options)))
        plt.close("all")
    assert figures[0] == figures[1]
    assert len(figures[1]) == 12 and all(panel["ylim"][0] > panel["ylim"][1] for panel in figures[1][:10])


def test_plot_signals_names_the_extra_when_matplotlib_is_missing(monkeypatch):
    templates = get_templates()
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # "import matplotlib" now fails
    with pytest.raises(ImportError, match='plot_signals needs matplotlib, the "plot" extra') as error:
        plot_signals(templates["x"], templates["t"])
    assert str(error.value) == MISSING_MATPLOTLIB
    with pytest.raises(ValueError, match="do_transform=True needs args"):
        plot_signals(templates["x"], templates["t"], do_transform=True)
