"""Framework builders around ``mnist1d_core``, one subpackage per job:

- ``hf``: the Hugging Face ``datasets`` builder, its staged build and ``load_dataset("mnist1d")``;
- ``tfds``: the TensorFlow Datasets builder and its staged build;
- ``hub``: the Hub export, its card and its release;
- ``record``: ``MANIFEST.json``, the one record of every build, and the one verifier;
- ``torch`` and ``plot``, one module each: PyTorch datasets made in memory, and figures.

See docs/architecture.md."""
