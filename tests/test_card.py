"""The dataset card: the committed ``dataset_card.md`` is what the code renders, and the Hub
libraries read its metadata as the presets are."""

import json
import re
import statistics
from pathlib import Path

import pytest

datasets = pytest.importorskip("datasets")

import huggingface_hub  # noqa: E402
from datasets.info import DatasetInfosDict  # noqa: E402
from datasets.utils.metadata import MetadataConfigs  # noqa: E402

from mnist1d_builders import hub  # noqa: E402
from mnist1d_builders.record.arrow import features as hf_features  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import DATA_VERSION, PRESETS  # noqa: E402
from mnist1d_core.fingerprint import registry  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "dataset_card.md"


@pytest.fixture(scope="module")
def rendered():
    return hub.preset_card()


def test_committed_card_is_what_the_code_renders(rendered):
    # download_size is the Parquet files' bytes, which depend on the pyarrow that writes them
    # (8 bytes more with 25.0 than with 21.0, the oldest supported): compared apart from the rest.
    # test_hub_export checks it against the files an export writes, with any pyarrow.
    def without_download_size(card: str) -> str:
        return re.sub(r"(?m)^  download_size: \d+$", "  download_size: N", card)

    assert without_download_size(CARD.read_text()) == without_download_size(rendered), (
        "dataset_card.md disagrees with the code; regenerate it: mnist1d card --out dataset_card.md --force"
    )
    assert CARD.read_text().count("  download_size: ") == len(PRESETS)


def test_card_metadata_reads_back_as_the_presets(rendered):
    card_data = huggingface_hub.DatasetCard(rendered).data
    assert card_data.license == "apache-2.0" and card_data.pretty_name == "MNIST-1D"
    assert card_data.size_categories == ["1K<n<10K"]
    configs = MetadataConfigs.from_dataset_card_data(card_data)
    assert list(configs) == list(PRESETS) and configs.get_default_config_name() == "canonical"
    infos = DatasetInfosDict.from_dataset_card_data(card_data)
    for name, config in PRESETS.items():
        assert configs[name]["data_files"] == [{"split": s, "path": f"{name}/{s}-*"} for s in ("train", "test")]
        assert infos[name].features == hf_features(config.final_seq_length)
        assert {s: infos[name].splits[s].num_examples for s in ("train", "test")} == {
            "train": config.num_train,
            "test": config.num_test,
        }


def test_card_shows_every_registered_fingerprint_and_the_paper_results(rendered):
    for (name, split), entry in registry().items():
        assert f"| `{name}` | {split} | {entry.num_examples:,} | `{entry.sha256}` | yes |" in rendered
    assert "| MNIST-1D | 32% | 68% | 94% | 91% | 96% |" in rendered
    assert "| MNIST-1D, `shuffle_seq` | 32% | 68% | 56% | 57% | ~30% |" in rendered
    assert f'revision="v{DATA_VERSION}"' in rendered
    assert "@inproceedings{greydanus2024scaling," in rendered


def test_card_embeds_the_committed_figure_and_says_how_it_was_made(rendered):
    assert f"![Templates and examples of MNIST-1D]({hub.FIGURE})" in rendered
    assert f"Made with `{hub.FIGURE_COMMAND}`" in rendered
    assert (ROOT / hub.FIGURE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_sharded_variant_records_the_numpy_version():
    config = PRESETS["canonical"].replace(algorithm="sharded", num_samples=100)
    card = hub.render_card([hub.summarize(config)])
    assert "The sharded variants here were made with numpy" in card
    assert "made with numpy" not in hub.render_card([hub.summarize(PRESETS["shuffled"])])


def test_cli_card_prints_and_writes_it(rendered, tmp_path, capsys):
    assert main(["card"]) == 0
    assert capsys.readouterr().out == rendered
    out = tmp_path / "card.md"
    assert main(["card", "--out", str(out)]) == 0
    assert out.read_text() == rendered and [p.name for p in tmp_path.iterdir()] == ["card.md"]


def test_card_shows_the_baselines_measured_on_every_preset(rendered):
    """The committed measurements (``preset_results.json``, plain data from ``mnist1d benchmark
    --json``) are the paper's run, on exactly the presets' parameters, and the card shows each
    beside the paper's."""
    measured = hub.card.preset_results()
    paper = hub.results.PAPER_ACCURACY
    assert set(measured) == set(PRESETS)
    for name, entry in measured.items():
        assert entry["config"] == json.loads(json.dumps(PRESETS[name].to_dict()))
        assert (entry["steps"], entry["seeds"], tuple(entry["results"])) == (8000, 3, ("linear", "mlp", "cnn", "gru"))
        assert f"**`{name}`**" in rendered
        for model, numbers in entry["results"].items():
            assert abs(numbers["mean"] - paper[name][model]) < 5  # the README's table says which are within 3
            runs = numbers["runs"]
            summary = f"{statistics.fmean(runs):.1f} ± {statistics.pstdev(runs):.1f}"
            assert f"| {summary} | {paper[name][model]:g} |" in rendered


def test_results_as_plain_data_show_the_best_during_training_and_one_seed_without_spread():
    entry = {
        "results": {
            "cnn": {
                "mean": 93.0,
                "std": 0.0,
                "runs": [93.0],
                "best": {"mean": 94.5, "std": 0.0, "runs": [94.5], "steps": [3750]},
            },
            "linear": {"mean": 31.5, "std": 0.0, "runs": [31.5]},
        },
        "steps": 8000,
    }
    table = hub.results.results_markdown(entry, {"cnn": 94.0, "linear": 32.0})
    assert "| CNN | 93.0 | 94 | 94.5 (step 3750) |" in table and "| logistic regression | 31.5 | 32 |  |" in table
    assert "±" not in table and "Over 1 seed, 8000 steps each." in table
    with pytest.raises(ValueError, match=r"results\['canonical'\]\['cnn'\]\['runs'\]"):
        hub.results.check_results(
            {"canonical": {"results": {"cnn": {"mean": 1, "std": 0, "runs": ["x"]}}}}, ["canonical"]
        )


def test_a_card_edited_in_its_prose_still_verifies_and_one_edited_in_its_fingerprints_does_not(tmp_path):
    out = tmp_path / "E"
    hub.export(out, [PRESETS["canonical"]])
    card = out / "README.md"
    card.write_text(card.read_text().replace("## Use", "## How to use it (edited in the Hub's web editor)"))
    table_row = f"| `canonical` | train | 4,000 | `{registry()['canonical', 'train'].sha256}` | yes |"
    card.write_text(card.read_text().replace(table_row, "| `canonical` | train | 4,000 | (edited) | yes |"))
    assert hub.verify_export(out)[-1].startswith("README.md: its YAML")
    digest = registry()["canonical", "train"].sha256
    card.write_text(card.read_text().replace(f"fingerprint: {digest}", f"fingerprint: {'0' * 64}"))
    with pytest.raises(hub.verify.IntegrityError, match="its YAML `mnist1d` does not state what the manifests record"):
        hub.verify_export(out)
