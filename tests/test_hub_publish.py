"""``mnist1d publish``: the dry run, and the release through a recording stand-in for the Hub
client (the network is off: HF_HUB_OFFLINE=1 and no sockets)."""

import inspect
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("datasets")

import huggingface_hub  # noqa: E402
from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError  # noqa: E402

from mnist1d_builders import hub  # noqa: E402
from mnist1d_builders.hub import exporter, release  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import (  # noqa: E402
    DATA_VERSION,  # noqa: E402
    PRESETS,
    FingerprintMismatch,
    generate,
)

REPO = "someone/mnist1d"
TAG = f"v{DATA_VERSION}"


pytestmark = pytest.mark.usefixtures("hub_offline")


class RecordingHub:
    """Stands in for ``huggingface_hub.HfApi``: records each call, after checking that the real
    method accepts its arguments. ``tags`` maps a tag to the ``SHA256SUMS`` it holds (None: it
    has none); ``exists`` says if the repository does."""

    def __init__(self, tmp_path: Path, tags=None, exists=True):
        self.tmp_path, self.tags, self.exists = tmp_path, dict(tags or {}), exists
        self.calls, self.uploaded = [], {}

    def _record(self, method, *args, **kwargs):
        bound = inspect.signature(getattr(huggingface_hub.HfApi, method)).bind(self, *args, **kwargs)
        self.calls.append((method, {k: v for k, v in bound.arguments.items() if k != "self"}))

    def list_repo_refs(self, repo_id, **kwargs):
        self._record("list_repo_refs", repo_id, **kwargs)
        if not self.exists:
            raise RepositoryNotFoundError("404", response=SimpleNamespace(headers={}, request=None))
        return SimpleNamespace(tags=[SimpleNamespace(name=tag, target_commit=f"commit-{tag}") for tag in self.tags])

    def hf_hub_download(self, repo_id, filename, **kwargs):
        self._record("hf_hub_download", repo_id, filename, **kwargs)
        sums = self.tags[kwargs["revision"].removeprefix("commit-")]
        if sums is None:
            raise EntryNotFoundError(filename)
        path = self.tmp_path / "downloaded" / filename
        path.parent.mkdir(exist_ok=True)
        path.write_text(sums)
        return str(path)

    def create_repo(self, repo_id, **kwargs):
        self._record("create_repo", repo_id, **kwargs)

    def upload_folder(self, **kwargs):
        self._record("upload_folder", **kwargs)
        folder = Path(kwargs["folder_path"])  # a temporary folder: keep what it held
        self.uploaded = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        return SimpleNamespace(
            oid="c0ffee", commit_url=f"https://huggingface.co/datasets/{kwargs['repo_id']}/commit/c0ffee"
        )

    def create_tag(self, repo_id, **kwargs):
        self._record("create_tag", repo_id, **kwargs)


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The export publish must upload: the presets, with the repository named in the card."""
    out = tmp_path_factory.mktemp("expected") / "export"
    hub.export(out, repo_id=REPO)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def no_client():
    raise AssertionError("a Hub client was made")


def test_dry_run_prints_every_file_and_the_tag_and_uses_no_client(expected, monkeypatch, capsys):
    monkeypatch.setattr(release, "_hub_client", no_client)
    assert main(["publish", "--repo", REPO, "--version", DATA_VERSION, "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0]
        == f"would upload to https://huggingface.co/datasets/{REPO} (branch main, created if missing), then tag that commit {TAG}:"
    )
    for line in expected["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ")
        assert f"  {name}  {len(expected[name]):,} bytes  sha256 {digest}" in out
    assert f"  SHA256SUMS  {len(expected['SHA256SUMS']):,} bytes" in out
    assert out[-1] == "dry run: nothing uploaded, nothing tagged"


def test_publish_uploads_the_export_then_tags_that_commit(tmp_path, expected):
    client, said = RecordingHub(tmp_path), []
    hub.publish(REPO, DATA_VERSION, client=client, echo=said.append)
    assert [method for method, _ in client.calls] == ["list_repo_refs", "create_repo", "upload_folder", "create_tag"]
    _, create, upload, tag = (arguments for _, arguments in client.calls)
    assert all(arguments["repo_id"] == REPO and arguments["repo_type"] == "dataset" for _, arguments in client.calls)
    assert create["exist_ok"] and upload["delete_patterns"] == ["*.parquet"]
    assert (tag["tag"], tag["revision"]) == (TAG, "c0ffee")  # the uploaded commit, not whatever main is then
    assert client.uploaded == expected
    assert said[-1] == f"published https://huggingface.co/datasets/{REPO}/commit/c0ffee, tagged {TAG}"


def test_a_new_repository_is_created(tmp_path, expected):
    client = RecordingHub(tmp_path, exists=False)
    hub.publish(REPO, DATA_VERSION, client=client, echo=lambda line: None)
    assert [method for method, _ in client.calls] == ["list_repo_refs", "create_repo", "upload_folder", "create_tag"]
    assert client.uploaded == expected


def test_a_tag_with_the_same_files_is_left_alone(tmp_path, expected):
    client, said = RecordingHub(tmp_path, tags={"v0.9.0": "old", TAG: expected["SHA256SUMS"].decode()}), []
    hub.publish(REPO, DATA_VERSION, client=client, echo=said.append)
    assert [method for method, _ in client.calls] == ["list_repo_refs", "hf_hub_download"]
    download = client.calls[1][1]
    assert (download["filename"], download["revision"]) == ("SHA256SUMS", f"commit-{TAG}")  # the tag's own commit
    assert said[-1] == f"{REPO} {TAG} already holds exactly these files: nothing to do"


@pytest.mark.parametrize(
    "sums, reason",
    [
        (
            "0" * 64 + "  canonical/train-00000-of-00001.parquet\n",
            "differing: README.md, assets/mnist1d_examples.png, "
            "canonical/test-00000-of-00001.parquet, canonical/train-00000-of-00001.parquet",
        ),
        (None, "it has no SHA256SUMS"),
    ],
)
def test_a_tag_with_other_content_is_refused(tmp_path, sums, reason):
    client = RecordingHub(tmp_path, tags={TAG: sums})
    with pytest.raises(hub.PublishError, match=f"tag {TAG} of {REPO} already exists with other files") as error:
        hub.publish(REPO, DATA_VERSION, client=client, echo=lambda line: None)
    assert reason in str(error.value)
    assert [method for method, _ in client.calls] == ["list_repo_refs", "hf_hub_download"]


def test_data_that_disagrees_with_the_registry_is_never_uploaded(tmp_path, monkeypatch):
    def tampered(config, progress=None):
        data = generate(config, progress=progress)
        data.train.y[0] = (data.train.y[0] + 1) % 10
        return data

    monkeypatch.setattr(exporter, "generate", tampered)
    client = RecordingHub(tmp_path)
    with pytest.raises(FingerprintMismatch, match="canonical/train"):
        hub.publish(REPO, DATA_VERSION, client=client, echo=lambda line: None)
    assert [method for method, _ in client.calls] == ["list_repo_refs"]  # asked about the tag; nothing uploaded


@pytest.mark.parametrize(
    "version, message",
    [
        ("1.0", "version must be MAJOR.MINOR.PATCH in digits"),
        (f"v{DATA_VERSION}", "version must be MAJOR.MINOR.PATCH in digits"),
        ("01.0.0", "version must be MAJOR.MINOR.PATCH in digits"),
        ("1.0.0-rc1", "version must be MAJOR.MINOR.PATCH in digits"),
        ("99.0.0", f"version 99.0.0 is not the release this code makes ({DATA_VERSION}"),
    ],
)
def test_cli_refuses_a_malformed_or_unreleased_version(monkeypatch, capsys, version, message):
    monkeypatch.setattr(release, "_hub_client", no_client)
    monkeypatch.setattr(release, "export", lambda *args, **kwargs: pytest.fail("exported"))
    assert main(["publish", "--repo", REPO, "--version", version]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "repo",
    [
        "mnist1d",
        "a/b/c",
        "someone/mnist..1d",
        "some one/mnist1d",
        "someone/name.git",
        "someone/" + "n" * 101,
        "someone/-name",
        "someone/name.",
    ],
)
def test_cli_refuses_a_repository_id_the_hub_refuses(monkeypatch, capsys, repo):
    monkeypatch.setattr(release, "export", lambda *args, **kwargs: pytest.fail("exported"))
    assert main(["publish", "--repo", repo, "--version", DATA_VERSION, "--dry-run"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("mnist1d: error: repo") and repo in error and error.count("\n") == 1


def test_repository_ids_are_checked_by_huggingface_hubs_own_rules():
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    for repo in ["someone/name.git", "someone/" + "n" * 101, "someone/a--b"]:
        with pytest.raises(HFValidationError):
            validate_repo_id(repo)
        with pytest.raises(ValueError, match="repo"):
            hub.check_repo_id(repo)
    hub.check_repo_id("someone/mnist-1d_v2.0")  # accepted


def test_a_real_upload_needs_a_token_checked_before_the_export(monkeypatch):
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    monkeypatch.setattr(release, "export", lambda *args, **kwargs: pytest.fail("exported before the token check"))
    with pytest.raises(hub.PublishError, match=r"needs a Hugging Face token .*HF_TOKEN or run `hf auth login`"):
        hub.publish(REPO, DATA_VERSION, echo=lambda line: None)


def test_the_tag_is_looked_up_before_the_export_and_the_work_folder_removed_after(tmp_path, monkeypatch):
    client, folders = RecordingHub(tmp_path, tags={TAG: "other"}), []

    def export(folder, *args, **kwargs):
        client.calls.append(("export", {}))
        folders.append(folder.parent)
        return real_export(folder, *args, **kwargs)

    real_export = release.export
    monkeypatch.setattr(release, "export", export)
    with pytest.raises(
        hub.PublishError,
        match=f"tag {TAG} of {REPO} already exists with other files "
        r"\(its SHA256SUMS lists no file\)",
    ):
        hub.publish(REPO, DATA_VERSION, [PRESETS["canonical"]], client=client, echo=lambda line: None)
    assert [method for method, _ in client.calls] == ["list_repo_refs", "hf_hub_download", "export"]
    assert folders[0].name.startswith(release.WORK_PREFIX) and not folders[0].exists()
    assert not folders[0].with_name(folders[0].name + ".owner").exists()
