"""Publishing MNIST-1D on the Hugging Face Hub.

- ``exporter``: ``export(out, configs)`` writes the folder the Hub expects (Parquet and a
  ``MANIFEST.json`` per config, the dataset card); ``datasets.load_dataset(out, "canonical")``
  reads it offline. ``parquet`` writes and reads its shards; ``summary`` says what they hold.
- ``card``: the dataset card, rendered from ``card_template.md`` and the data (``results``: the
  baselines, as plain data); ``preset_card()`` is the committed ``dataset_card.md``.
- ``verify``: ``verify_export(folder)`` re-checks an export: everything ``load_dataset`` reads.
- ``release``: ``publish(repo_id, version)`` uploads an export and tags the commit ``v<version>``.
"""

from .card import CARD_FILE, FIGURE, FIGURE_COMMAND, check_repo_id, preset_card, render_card, write_preset_card
from .exporter import check_export, export
from .release import HubError, PublishError, publish, release_tag
from .summary import ConfigSummary, SplitSummary, summarize
from .verify import read_card_metadata, verify_export

__all__ = [
    "CARD_FILE",
    "FIGURE",
    "FIGURE_COMMAND",
    "ConfigSummary",
    "HubError",
    "PublishError",
    "SplitSummary",
    "check_export",
    "check_repo_id",
    "export",
    "preset_card",
    "publish",
    "read_card_metadata",
    "release_tag",
    "render_card",
    "summarize",
    "verify_export",
    "write_preset_card",
]
