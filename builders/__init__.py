"""Framework builders around ``mnist1d_core``: ``mnist1d_builders.hf`` (Hugging Face
``datasets``) and ``mnist1d_builders.tfds`` (TensorFlow Datasets)."""
