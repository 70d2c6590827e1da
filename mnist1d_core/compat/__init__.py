"""The authors' API (``mnist1d==0.0.2.post1``) on this package's generator.

Migrating code changes its imports only::

    import mnist1d                                     # before
    import mnist1d_core.compat as mnist1d              # after

    from mnist1d.data import make_dataset, get_dataset_args          # before
    from mnist1d_core.compat import make_dataset, get_dataset_args   # after

The modules mirror the authors': ``data`` (``get_dataset_args``, ``get_templates``,
``make_dataset``, ``get_dataset``), ``transform`` (``pad``, ``shear``, ``translate``,
``corr_noise_like``, ``iid_noise_like``, ``interpolate``, ``transform``) and ``utils``
(``set_seed``, ``ObjectView``, ``to_pickle``, ``from_pickle``, ``plot_signals``), with the
same names, signatures and results. The differences are deliberate: ``make_dataset`` and
``get_dataset`` use no global random state, ``get_dataset`` never downloads (the frozen data
is generated and checked against the fingerprint registry), ``from_pickle`` runs nothing from
the file, and bad arguments fail with a clear error before any work. As in the authors'
package, ``mnist1d_core.compat.transform`` is the function ``transform``; the module's other
functions are imported from ``mnist1d_core.compat.transform``.
"""

from .args import config_from_args
from .data import get_dataset, get_dataset_args, get_templates, make_dataset
from .frozen import FrozenPickleError, frozen_dataset, verify_frozen_pickle
from .pickle_scan import PickleRefused
from .transform import transform
from .utils import ObjectView, from_pickle, plot_signals, set_seed, to_pickle

__all__ = [
    "FrozenPickleError",
    "ObjectView",
    "PickleRefused",
    "config_from_args",
    "from_pickle",
    "frozen_dataset",
    "get_dataset",
    "get_dataset_args",
    "get_templates",
    "make_dataset",
    "plot_signals",
    "set_seed",
    "to_pickle",
    "transform",
    "verify_frozen_pickle",
]
