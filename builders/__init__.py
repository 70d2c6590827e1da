"""Framework builders around ``mnist1d_core``, one subpackage or module per job: ``hf``
(Hugging Face ``datasets``), ``tfds`` (TensorFlow Datasets), ``hub`` (the Hub export and
release), ``manifest`` (the one record of every build, ``MANIFEST.json``), ``verify`` (the one
verifier) and ``read`` (a verified build's splits). See docs/architecture.md."""
