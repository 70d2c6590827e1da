"""get_dataset (the authors' cache, never the network), the frozen data from the generator,
and checking a copy of the authors' mnist1d_data.pkl against the registry.

The authors' pickle is rebuilt here from golden-checked data with the authors' to_pickle
(tests never read ../shared); its layout is the one measured on the real file.
"""

import hashlib
import pickle

import golden
import mnist1d.data as upstream
import mnist1d.utils as upstream_utils
import numpy as np
import pytest

from mnist1d_core.compat import (
    FrozenPickleError,
    from_pickle,
    frozen_dataset,
    get_dataset,
    get_dataset_args,
    get_templates,
    make_dataset,
    to_pickle,
    verify_frozen_pickle,
)
from mnist1d_core.compat.frozen import FROZEN_SHA256, FROZEN_URL
from mnist1d_core.fingerprint import FingerprintMismatch

LAYOUT = ["x", "x_test", "y", "y_test", "t", "templates"]


@pytest.fixture(scope="module")
def frozen():
    return frozen_dataset()


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def small_args(**changes):
    args = get_dataset_args()
    args.num_samples = 100
    vars(args).update(changes)
    return args


def test_the_frozen_data_is_the_papers_float32_identical_and_float64_within_1e_15(frozen):
    from mnist1d_core import fingerprint

    assert list(frozen) == LAYOUT and list(frozen["templates"]) == ["x", "t", "y"]
    assert fingerprint(frozen["x"], frozen["y"]) == golden.TRAIN_FINGERPRINT
    assert fingerprint(frozen["x_test"], frozen["y_test"]) == golden.TEST_FINGERPRINT
    for ours, theirs in (
        (frozen["x"][0], golden.TRAIN_X_FIRST_ROW),
        (frozen["x_test"][-1], golden.TEST_X_LAST_ROW),
        (frozen["t"], golden.T),
    ):
        assert ours.dtype == np.float64
        assert np.abs(ours - theirs).max() <= 1e-15
        np.testing.assert_array_equal(ours.astype(np.float32), np.float32(theirs))
    np.testing.assert_array_equal(frozen["t"], golden.T)  # t is identical


def test_download_generates_the_frozen_data_at_the_default_path(in_tmp, frozen, capsys):
    data = get_dataset(get_dataset_args())
    assert sorted(p.name for p in in_tmp.iterdir()) == ["mnist1d_data.pkl"]
    saved = from_pickle(in_tmp / "mnist1d_data.pkl")
    for key in LAYOUT[:5]:
        np.testing.assert_array_equal(data[key], frozen[key])
        np.testing.assert_array_equal(saved[key], frozen[key])
    assert "nothing is downloaded" in capsys.readouterr().out
    assert verify_frozen_pickle(in_tmp / "mnist1d_data.pkl")[-1].endswith("matches the registry (canonical/test)")


def test_download_ignores_the_args_as_the_authors(in_tmp, frozen):
    data = get_dataset(small_args(shuffle_seq=True, seed=9), path="elsewhere.pkl", verbose=False)
    np.testing.assert_array_equal(data["x"], frozen["x"])


def test_an_existing_file_is_loaded_as_the_authors_load_it(in_tmp, capsys):
    mine = make_dataset(small_args(seed=3))
    to_pickle(mine, "mnist1d_data.pkl")
    before = (in_tmp / "mnist1d_data.pkl").read_bytes()
    for download in (True, False):
        ours = get_dataset(get_dataset_args(), download=download)
        theirs = upstream.get_dataset(upstream.get_dataset_args(), path="mnist1d_data.pkl", download=download)
        for key in LAYOUT[:5]:
            np.testing.assert_array_equal(ours[key], mine[key])
            np.testing.assert_array_equal(theirs[key], mine[key])
    assert (in_tmp / "mnist1d_data.pkl").read_bytes() == before
    assert "Successfully loaded data from mnist1d_data.pkl" in capsys.readouterr().out
    get_dataset(get_dataset_args(), verbose=False)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("with_template", [False, True])
def test_without_download_a_missing_file_is_made_from_args_as_the_authors(in_tmp, with_template):
    kwargs = {"template": get_templates() | {"y": np.arange(10, 20)}} if with_template else {}
    ours = get_dataset(small_args(seed=5), path="ours.pkl", download=False, verbose=False, **kwargs)
    theirs = upstream.get_dataset(small_args(seed=5), path="theirs.pkl", download=False, verbose=False, **kwargs)
    for result in (ours, from_pickle("ours.pkl")):
        for key in ("y", "y_test"):
            np.testing.assert_array_equal(result[key], theirs[key])
        for key in ("x", "x_test", "t"):
            np.testing.assert_allclose(result[key], theirs[key], rtol=0, atol=1e-12)
    assert from_pickle("ours.pkl").keys() == upstream_utils.from_pickle("theirs.pkl").keys()


def test_regenerate_overwrites_the_file_as_the_authors(in_tmp):
    to_pickle({"stale": True}, "ours.pkl")
    upstream_utils.to_pickle({"stale": True}, "theirs.pkl")
    ours = get_dataset(small_args(seed=6), path="ours.pkl", download=False, regenerate=True, verbose=False)
    theirs = upstream.get_dataset(
        small_args(seed=6), path="theirs.pkl", download=False, regenerate=True, verbose=False
    )
    assert from_pickle("ours.pkl").keys() == theirs.keys() == ours.keys()
    np.testing.assert_array_equal(from_pickle("ours.pkl")["y"], theirs["y"])


def test_bad_calls_are_refused_before_anything_is_written(in_tmp):
    cases = [
        (dict(download=True, regenerate=True), ValueError, "download=True and regenerate=True: choose one"),
        (dict(args=small_args(num_samples=5)), ValueError, "num_samples must be in 10..1000000000000000, got 5"),
        (dict(seed=1), TypeError, r"unexpected keyword argument\(s\) seed; make_dataset takes template="),
        (dict(template=[1]), TypeError, "template must be a dict"),
        (
            dict(args=small_args(url="https://example.org/other.pkl")),
            ValueError,
            r"args.url='https://example.org/other.pkl': get_dataset never downloads",
        ),
        (dict(path="no/such/folder/data.pkl"), FileNotFoundError, "the folder 'no/such/folder' does not exist"),
        (dict(path="."), ValueError, r"path '\.' is a folder; give the name of a file"),
    ]
    for kwargs, error, message in cases:
        call = {"args": small_args(), "verbose": False} | kwargs
        with pytest.raises(error, match=message):
            get_dataset(**call)
    assert list(in_tmp.iterdir()) == []


def test_an_unreadable_file_is_an_error_and_is_kept(in_tmp):
    (in_tmp / "mnist1d_data.pkl").write_bytes(b"<html>404</html>")
    with pytest.raises(
        pickle.UnpicklingError,
        match="mnist1d_data.pkl: damaged or not a pickle .*; remove the file, "
        "or pass download=False, regenerate=True to overwrite it",
    ):
        get_dataset(get_dataset_args(), verbose=False)
    assert (in_tmp / "mnist1d_data.pkl").read_bytes() == b"<html>404</html>"
    data = get_dataset(small_args(), download=False, regenerate=True, verbose=False)
    assert len(from_pickle("mnist1d_data.pkl")["y"]) == len(data["y"]) == 80


# --- verify_frozen_pickle -------------------------------------------------------------


@pytest.fixture
def authors_pickle(tmp_path, frozen):
    """A copy of the authors' mnist1d_data.pkl: their layout and dtypes, their to_pickle."""
    path = tmp_path / "mnist1d_data.pkl"
    upstream_utils.to_pickle({key: frozen[key] for key in LAYOUT}, path)
    return path


def test_verify_accepts_a_copy_of_the_authors_file(authors_pickle):
    lines = verify_frozen_pickle(authors_pickle)
    assert (
        lines[0] == f"{authors_pickle}: read as a pickle of numpy arrays and plain containers (nothing in it was run)"
    )
    assert lines[1] == (  # re-made, not the original bytes, and said so before the splits' checks
        f"{authors_pickle}: a re-created copy of the data of the authors' mnist1d_data.pkl, not their published "
        f"file: other bytes (SHA-256 {hashlib.sha256(authors_pickle.read_bytes()).hexdigest()}; theirs is "
        f"{FROZEN_SHA256}), the same content (below)"
    )
    assert lines[2:] == [
        f"train (x, y): 4000 examples of length 40, content fingerprint {golden.TRAIN_FINGERPRINT} (x as float32): "
        "matches the registry (canonical/train)",
        f"test (x_test, y_test): 1000 examples of length 40, content fingerprint {golden.TEST_FINGERPRINT} "
        "(x_test as float32): matches the registry (canonical/test)",
    ]


def test_verify_names_the_file_when_the_content_differs(authors_pickle, frozen):
    data = from_pickle(authors_pickle)
    data["x_test"][3, 7] += 1e-3
    to_pickle(data, authors_pickle)
    with pytest.raises(
        FrozenPickleError,
        match=rf"{authors_pickle}: x_test/y_test of shape \(1000, 40\) has content "
        rf"fingerprint [0-9a-f]{{64}}, not the registered {golden.TEST_FINGERPRINT}",
    ):
        verify_frozen_pickle(authors_pickle)
    assert issubclass(FrozenPickleError, FingerprintMismatch)  # what the command line reports as damaged data


@pytest.mark.parametrize(
    "content, message",
    [
        ([1, 2], r"not the authors' layout \(a dict with 'x' and 'y'\), got list"),
        ({"x": np.zeros((2, 40))}, r"not the authors' layout \(a dict with 'x' and 'y'\), got \['x'\]"),
        ({"x": np.zeros(40), "y": np.zeros(40, int)}, "'x' and 'y' are not \\(n, L\\) float signals"),
    ],
)
def test_verify_refuses_what_is_not_such_a_pickle(tmp_path, content, message):
    path = tmp_path / "other.pkl"
    to_pickle(content, path)
    with pytest.raises(FrozenPickleError, match=f"{path}: {message}"):
        verify_frozen_pickle(path)


def test_verify_refuses_damaged_and_unsafe_files_and_missing_ones(tmp_path):
    path = tmp_path / "mnist1d_data.pkl"
    path.write_bytes(b"not a pickle")
    with pytest.raises(FrozenPickleError, match=f"{path}: damaged or not a pickle .*; not a copy of the authors'"):
        verify_frozen_pickle(path)
    path.write_bytes(pickle.dumps({"x": get_dataset_args()}, protocol=3))
    with pytest.raises(FrozenPickleError, match=f"{path}: refused to load mnist1d_core.compat.utils.ObjectView"):
        verify_frozen_pickle(path)
    with pytest.raises(ValueError, match="no such file"):
        verify_frozen_pickle(tmp_path / "missing.pkl")


def test_the_url_is_the_authors():
    assert get_dataset_args().url == upstream.get_dataset_args().url == FROZEN_URL


def test_mnist1d_verify_checks_a_copy_of_the_authors_file(authors_pickle, capsys):
    from mnist1d_cli import main

    assert main(["verify", str(authors_pickle)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{authors_pickle}: intact" and out[1:] == [
        f"  {line}" for line in verify_frozen_pickle(authors_pickle)
    ]
    data = from_pickle(authors_pickle)
    data["y"][0] = (data["y"][0] + 1) % 10
    to_pickle(data, authors_pickle)
    assert main(["verify", str(authors_pickle)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"mnist1d: error: {authors_pickle}: x/y of shape (4000, 40) has content fingerprint")
    assert err.count("\n") == 1


def test_verify_refuses_a_file_far_larger_than_the_authors_before_reading_it(tmp_path):
    big = tmp_path / "mnist1d_data.pkl"
    with open(big, "wb") as f:  # sparse: 30 GB on paper, nothing on disk
        f.truncate(30 * 10**9)
    with pytest.raises(
        FrozenPickleError,
        match=rf"{big}: 30,000,000,000 bytes, where the authors' mnist1d_data.pkl has "
        r"1,642,012; not a copy of it",
    ):
        verify_frozen_pickle(big)
