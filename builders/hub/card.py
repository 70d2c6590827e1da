"""The Hugging Face dataset card of an export: YAML front matter and text.

The YAML is written by the libraries that read it, as ``push_to_hub`` writes it:
huggingface_hub's ``DatasetCardData`` with datasets' ``DatasetInfosDict`` (features, split
sizes, ``download_size``, ``dataset_size``) and ``MetadataConfigs`` (each config's data files).
The YAML also holds, under the custom key ``mnist1d`` (:data:`RECORD_KEY`), each config's
parameters and each split's rows and content fingerprint, as its ``MANIFEST.json`` records them:
``huggingface_hub.DatasetCard.load(path).data.mnist1d``. The text is the template
``card_template.md`` beside this module; its tables are rendered from that record, never read
back, so an edit of the prose keeps a card valid. Configs appear in the order of their names.
Baseline results come as plain data (``mnist1d benchmark --json``'s layout, by config).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import numpy as np
from datasets.info import DatasetInfo, DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData
from huggingface_hub.utils import HFValidationError, validate_repo_id

import mnist1d_core
from mnist1d_core import CITATION, DATA_VERSION, PARAMETERS, PRESETS, RELEASES, SPLITS
from mnist1d_core.config import DEFAULT
from mnist1d_core.files import written_atomically
from mnist1d_core.fingerprint import registry

from ..record.arrow import features
from .results import PAPER_ACCURACY, check_results, results_markdown, sweep_markdown
from .summary import ConfigSummary, summarize

CARD_FILE = "README.md"  # what the Hub reads as the dataset card
RECORD_KEY = "mnist1d"  # the card's YAML key holding what each config's MANIFEST.json records
FIGURE = "assets/mnist1d_examples.png"
FIGURE_COMMAND = f"mnist1d plot --templates --out {FIGURE}"
#: The card's figure, in a source checkout (not installed with the package).
FIGURE_SOURCE = Path(__file__).resolve().parents[2] / FIGURE

_TEMPLATE = resources.files(__package__).joinpath("card_template.md").read_text()
#: The baselines measured on the presets (``mnist1d benchmark --config NAME --json``), by config.
PRESET_RESULTS = "preset_results.json"
#: The Hub's size categories, smallest first, as datasets ships them ("unknown" aside).
_SIZE_CATEGORIES = json.loads(resources.files("datasets.utils.resources").joinpath("size_categories.json").read_text())
_MAGNITUDES = {"K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}


def check_repo_id(repo_id: str) -> None:
    """Refuse a Hub repository id that the Hub would refuse (huggingface_hub's own check),
    or one without its owner: the card's loading example needs ``OWNER/NAME``."""
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise ValueError(f"repo: {error}") from None
    if repo_id.count("/") != 1:
        raise ValueError(f"repo must be OWNER/NAME, got {repo_id!r}")


def preset_card() -> str:
    """The card of the named presets: the committed ``dataset_card.md`` (``mnist1d card``),
    with the baselines measured on them (``PRESET_RESULTS``)."""
    return render_card([summarize(config) for config in PRESETS.values()], figure=True, results=preset_results())


def preset_results() -> dict[str, dict]:
    """The baselines measured on the presets, as ``mnist1d benchmark --json`` writes them:
    committed beside this module (training them takes minutes, the card's tests seconds)."""
    return json.loads(resources.files(__package__).joinpath(PRESET_RESULTS).read_text())


def write_preset_card(out: Path) -> None:
    """Write :func:`preset_card` to ``out`` (whole or not at all): ``mnist1d card``."""
    text = preset_card()
    with written_atomically(out) as partial:
        partial.write_text(text)


def default_config(names: list[str]) -> str | None:
    """The config ``load_dataset(folder)`` (and ``mnist1d benchmark --from``) reads without a name:
    canonical, else the only one; None when the choice is the user's."""
    if "canonical" in names or len(names) != 1:
        return "canonical" if "canonical" in names else None
    return names[0]


def card_data(summaries: list[ConfigSummary]) -> DatasetCardData:
    """The card's YAML metadata, as ``push_to_hub`` writes it: ``configs`` (each config's data
    files; the default one marked) and ``dataset_info`` (features, split sizes, download size)."""
    summaries = sorted(summaries, key=lambda s: s.name)
    data = DatasetCardData(
        license="apache-2.0",
        pretty_name="MNIST-1D",
        task_categories=["tabular-classification"],
        size_categories=[size_category(max(s.config.num_examples for s in summaries))],
        tags=[
            "mnist1d",
            "time-series",
            "time-series-classification",
            "synthetic",
            "procedurally-generated",
            "benchmark",
        ],
    )
    infos = {}
    for s in summaries:
        splits = SplitDict()
        for split in s.splits:
            splits.add(SplitInfo(name=split.name, num_bytes=split.num_bytes, num_examples=split.num_examples))
        infos[s.name] = DatasetInfo(
            config_name=s.name,
            features=features(s.config.final_seq_length),
            splits=splits,
            download_size=s.download_size,
            dataset_size=sum(split.num_bytes for split in s.splits),
        )
    DatasetInfosDict(infos).to_dataset_card_data(data)
    data[RECORD_KEY] = card_record(summaries)
    default = default_config([s.name for s in summaries])
    MetadataConfigs(
        {
            s.name: {
                "data_files": [{"split": split.name, "path": f"{s.name}/{split.name}-*"} for split in s.splits],
                **({"default": True} if s.name == default else {}),
            }
            for s in summaries
        }
    ).to_dataset_card_data(data)
    return data


def card_record(summaries: list[ConfigSummary]) -> dict:
    """The card's ``mnist1d`` key: the release, and each config's parameters and splits."""
    return {
        "release": DATA_VERSION,
        "configs": {
            s.name: {
                "parameters": json.loads(json.dumps(s.config.to_dict())),  # padding as a list, as YAML reads it
                "splits": {x.name: {"num_rows": x.num_examples, "fingerprint": x.fingerprint} for x in s.splits},
            }
            for s in sorted(summaries, key=lambda s: s.name)
        },
    }


def render_card(
    summaries: list[ConfigSummary],
    *,
    repo_id: str | None = None,
    figure: bool = True,
    results: Mapping[str, Mapping] | None = None,
) -> str:
    """The dataset card for ``summaries``: YAML front matter (:func:`card_data`) matching the
    export's files, then the text, with the tables generated from the data, and the
    baselines measured on each config named in ``results`` (``mnist1d export --benchmark``)."""
    summaries = sorted(summaries, key=lambda s: s.name)
    length = {s.config.final_seq_length for s in summaries}
    check_results(results, [s.name for s in summaries])
    return string.Template(_TEMPLATE).substitute(
        measured=_measured(summaries, results or {}),
        front_matter=str(card_data(summaries)),
        figure=_FIGURE_TEXT if figure else "",
        repo=repo_id or "<owner>/<name>",
        first=default_config([s.name for s in summaries]) or summaries[0].name,
        tag=f"v{DATA_VERSION}",
        length=" or ".join(str(n) for n in sorted(length)),
        parameters=_parameters_table(summaries),
        sizes=_sizes_table(summaries),
        fingerprints=_fingerprints_table(card_record(summaries)),
        releases="\n".join(f"| {r.version} | `v{r.version}` | {r.changes} |" for r in RELEASES),
        package_version=mnist1d_core.__version__,
        citation=CITATION,
        # numpy does not promise its Generator streams bit-stable across versions
        numpy_note=(
            f" The sharded variants here were made with numpy {np.__version__}."
            if any(s.config.algorithm == "sharded" for s in summaries)
            else ""
        ),
    )


def size_category(num_examples: int) -> str:
    """The Hub's size category of ``num_examples``, from the list ``datasets`` ships
    (``n<1K``, ``1K<n<10K``, ..., ``100B<n<1T``, ``n>1T``)."""
    for label in _SIZE_CATEGORIES:
        upper = re.search(r"n<(\d+)([KMBT])$", label)
        if (upper and num_examples < int(upper[1]) * _MAGNITUDES[upper[2]]) or label.startswith("n>"):
            return label
    raise AssertionError(f"datasets' size categories end without an open one: {_SIZE_CATEGORIES}")


def _parameters_table(summaries: list[ConfigSummary]) -> str:
    rows = [
        "| parameter | " + " | ".join(f"`{s.name}`" for s in summaries) + " | meaning |",
        "|---|" + "---|" * len(summaries) + "---|",
    ]
    for parameter in PARAMETERS:  # the core's one table: its meanings, as the docs and --help show them
        values = " | ".join(
            _cell(getattr(s.config, parameter.name), getattr(DEFAULT, parameter.name)) for s in summaries
        )
        rows.append(f"| `{parameter.name}` | {values} | {parameter.meaning} |")
    return "\n".join(rows)


def _cell(value, default) -> str:
    text = f"`{value}`"
    return text if value == default else f"**{text}**"


def _sizes_table(summaries: list[ConfigSummary]) -> str:
    rows = ["| config | " + " | ".join(SPLITS) + " | length | Arrow size |", "|---|" + "---:|" * (len(SPLITS) + 2)]
    for s in summaries:
        counts = " | ".join(f"{split.num_examples:,}" for split in s.splits)
        size = sum(split.num_bytes for split in s.splits)
        rows.append(f"| `{s.name}` | {counts} | {s.config.final_seq_length} | {size:,} bytes |")
    return "\n".join(rows)


def _fingerprints_table(record: dict) -> str:
    rows = ["| config | split | examples | content fingerprint (SHA-256) | registered |", "|---|---|---:|---|---|"]
    for name, entry in record["configs"].items():
        for split, found in entry["splits"].items():
            registered = registry().get((name, split))
            rows.append(
                f"| `{name}` | {split} | {found['num_rows']:,} | `{found['fingerprint']}` | "
                f"{'yes' if registered and registered.sha256 == found['fingerprint'] else 'no (custom)'} |"
            )
    return "\n".join(rows)


_FIGURE_TEXT = f"""\
![Templates and examples of MNIST-1D]({FIGURE})

*Top row: the ten digit templates; below: the first three training examples of each digit in
`canonical`. As in the paper, a signal's value runs left to right and time runs top to bottom.
Made with `{FIGURE_COMMAND}`.*
"""


def _measured(summaries: list[ConfigSummary], results: Mapping[str, Mapping]) -> str:
    if not results:
        return (
            "Not measured for this card's configs; `mnist1d benchmark` measures them on any variant, and "
            "`mnist1d export --benchmark` puts them here."
        )
    parts = [
        "Test accuracy of the paper's baselines, trained here with the authors' models and recipe "
        "(`mnist1d benchmark`: Adam, learning rate 1e-2, batches of 100 in order), beside the paper's:"
    ]
    for s in summaries:
        if s.name in results:
            entry = results[s.name]
            table = sweep_markdown(entry) if "sweep" in entry else results_markdown(entry, PAPER_ACCURACY.get(s.name))
            parts.append(f"**`{s.name}`**\n\n{table}".rstrip())
    return "\n\n".join(parts)
