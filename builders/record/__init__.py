"""The one record of every build, ``MANIFEST.json``, and the one verifier that reads it.

- :mod:`.manifest`: the schema, writing it, and the checks every format shares.
- :mod:`.files`: records read with bounds (no symlink, no special file, no unbounded read).
- :mod:`.staging`: a build made beside its place, under a lock, and moved in whole.
- :mod:`.verify`: ``mnist1d verify PATH`` for a build, an export, a data dir, an ``.npz`` or
  the authors' pickle; each format's reader re-reads the content (:mod:`.arrow` for
  ``datasets``, ``hub.verify`` and ``tfds.verify`` for the others); :mod:`.unrecorded` names a
  build that a framework made itself (``load_dataset``, ``tfds.load``), which has no record.
- :mod:`.read`: a build's splits, read back only once verified intact.

>>> from mnist1d_builders.record import IntegrityError, read_splits, verify_directory
"""

from .files import IntegrityError
from .read import read_splits
from .verify import verify_directory

__all__ = ["IntegrityError", "read_splits", "verify_directory"]
