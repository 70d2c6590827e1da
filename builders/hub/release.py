"""Releasing an export on the Hugging Face Hub: upload, then tag the commit ``v<version>``."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import mnist1d_core
from mnist1d_core import DATA_VERSION, RELEASES, MNIST1DConfig

from ..integrity import SUMS_FILE
from .card import check_repo_id
from .exporter import export

_VERSION_PATTERN = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


class PublishError(ValueError):
    """A release that must not be made: a bad version or repository, or a tag in the way."""


def release_tag(version: str) -> str:
    """``"1.0.0"`` -> ``"v1.0.0"``, for the version this code makes (:data:`DATA_VERSION`)."""
    if not isinstance(version, str) or not _VERSION_PATTERN.fullmatch(version):
        raise PublishError(f"version must be MAJOR.MINOR.PATCH in digits, e.g. {DATA_VERSION}, got {version!r}")
    if version != DATA_VERSION:
        raise PublishError(
            f"version {version} is not the release this code makes ({DATA_VERSION}, the last of "
            "mnist1d_core.releases.RELEASES); a new version starts with a new entry there, saying what changed")
    return f"v{version}"


def publish(repo_id: str, version: str, configs: Iterable[MNIST1DConfig] | None = None, *, dry_run: bool = False,
            client=None, echo: Callable[[str], None] = print, progress=None) -> None:
    """Export ``configs`` (default: the named presets), upload the folder to the Hub dataset
    repository ``repo_id`` and tag that commit ``v<version>``.

    Refuses, before any upload: a malformed or unreleased version, data that disagrees with
    the fingerprint registry, and a tag ``v<version>`` that already holds other files (the
    same files: nothing to do). ``dry_run`` prints the plan and touches no network.
    ``client`` is a ``huggingface_hub.HfApi`` (default: one with the saved token).
    """
    tag = release_tag(version)
    check_repo_id(repo_id)
    with tempfile.TemporaryDirectory(prefix="mnist1d-publish-") as work:
        folder = Path(work) / "export"
        export(folder, configs, repo_id=repo_id, progress=progress)
        sums = (folder / SUMS_FILE).read_text()
        if not dry_run:
            client = client if client is not None else _hub_client()
            published = _tag_sums(client, repo_id, tag)
            if published == sums:
                echo(f"{repo_id} {tag} already holds exactly these files: nothing to do")
                return
            if published is not None:
                raise PublishError(f"version {version}: tag {tag} of {repo_id} already exists with other files "
                                   f"({_difference(published, sums)}); a published version is never changed")
        echo(f"{'would upload' if dry_run else 'uploading'} to https://huggingface.co/datasets/{repo_id} "
             f"(branch main, created if missing), then tag that commit {tag}:")
        for line in sums.splitlines():
            digest, name = line.split("  ", 1)
            echo(f"  {name}  {(folder / name).stat().st_size:,} bytes  sha256 {digest}")
        echo(f"  {SUMS_FILE}  {(folder / SUMS_FILE).stat().st_size:,} bytes")
        echo("  (*.parquet files of the repository that are not listed here are deleted in the same commit)")
        if dry_run:
            echo("dry run: nothing uploaded, nothing tagged")
            return
        client.create_repo(repo_id, repo_type="dataset", exist_ok=True)
        commit = client.upload_folder(repo_id=repo_id, repo_type="dataset", folder_path=str(folder),
                                      commit_message=f"MNIST-1D {tag}", delete_patterns=["*.parquet"])
        client.create_tag(repo_id, repo_type="dataset", tag=tag, revision=commit.oid,
                          tag_message=f"MNIST-1D {tag}: {RELEASES[-1].changes}")
        echo(f"published {commit.commit_url}, tagged {tag}")


def _hub_client():
    import huggingface_hub

    if huggingface_hub.get_token() is None:
        raise PublishError("publishing needs a Hugging Face token with write access: "
                           "set HF_TOKEN or run `hf auth login`")
    return huggingface_hub.HfApi(library_name="mnist1d-datasets", library_version=mnist1d_core.__version__)


def _tag_sums(client, repo_id: str, tag: str) -> str | None:
    """The ``SHA256SUMS`` at tag ``tag`` ("" if the tag lacks one), or None if there is no tag."""
    from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError

    try:
        refs = client.list_repo_refs(repo_id, repo_type="dataset")
    except RepositoryNotFoundError:
        return None
    target = next((ref.target_commit for ref in refs.tags if ref.name == tag), None)
    if target is None:
        return None
    try:
        return Path(client.hf_hub_download(repo_id, SUMS_FILE, repo_type="dataset", revision=target)).read_text()
    except EntryNotFoundError:
        return ""


def _difference(published: str, local: str) -> str:
    def files(sums: str) -> dict[str, str]:
        return {name: digest for digest, name in (line.split("  ", 1) for line in sums.splitlines())}

    theirs, ours = files(published), files(local)
    if not theirs:
        return f"it has no {SUMS_FILE}"
    changed = sorted(name for name in theirs.keys() | ours.keys() if theirs.get(name) != ours.get(name))
    return "differing: " + ", ".join(changed)
