"""TFDS's DatasetBuilderTestCase, shipped in the dataset folder (TFDS's layout), run by pytest here."""

from mnist1d_builders.tfds.mnist1d import mnist1d_dataset_builder_test as tfds_test


class Mnist1dTest(tfds_test.Mnist1dTest):
    def test_session(self, *args, **kwargs):
        return super().test_session(*args, **kwargs)

    # TensorFlow's context manager of that name, which the TFDS test case uses: not a test,
    # so pytest must not collect it (it would report it as skipped).
    test_session.__test__ = False
