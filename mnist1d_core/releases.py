"""The data releases: what a version of MNIST-1D contains, for every framework.

A release names content. Its version is the ``datasets`` builder's and the TFDS
builder's ``VERSION`` and the Hub tag ``v<version>``. Any change of a named preset's
content fingerprint (``fingerprints.tsv``) needs a new entry here: a new major version.
"""

from __future__ import annotations

from importlib import resources
from typing import NamedTuple


class Release(NamedTuple):
    version: str
    changes: str


#: Oldest first; the last is what this code makes.
RELEASES = (
    Release(
        "1.0.0",
        "First release: `canonical` (the paper's frozen data, bit for bit as float32) and "
        "`shuffled` (the paper's `shuffle_seq=True` variant).",
    ),
)
DATA_VERSION = RELEASES[-1].version

#: BibTeX of the paper, for every builder, the card and the README.
CITATION = resources.files(__package__).joinpath("CITATION.bib").read_text()
