"""Releasing an export on the Hugging Face Hub: upload, then tag the commit ``v<version>``.

Everything that can be refused is refused before the export: the version, the repository
id, the configs, the disk and memory, the token, and a tag that already exists (asked of the
Hub before the export, compared after it). The export is written in a temporary folder
``mnist1d-publish-*`` (in ``tempfile.gettempdir()``) owned by the publishing process and
removed when it ends; the next publish removes those of killed ones.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import mnist1d_core
from mnist1d_core import DATA_VERSION, RELEASES, MNIST1DConfig
from mnist1d_core.files import owned, remove, remove_abandoned

from .card import check_repo_id
from .exporter import check_export, export, listing

#: What a tag's files are compared by: ``sha256sum``'s format, of :func:`listing`.
SUMS_FILE = "SHA256SUMS"

#: The temporary folders of publish, in ``tempfile.gettempdir()``.
WORK_PREFIX = "mnist1d-publish-"

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
            "mnist1d_core.releases.RELEASES); a new version starts with a new entry there, saying what changed"
        )
    return f"v{version}"


def publish(
    repo_id: str,
    version: str,
    configs: Iterable[MNIST1DConfig] | None = None,
    *,
    dry_run: bool = False,
    client=None,
    echo: Callable[[str], None] = print,
    progress=None,
) -> None:
    """Export ``configs`` (default: the named presets), upload the folder to the Hub dataset
    repository ``repo_id`` and tag that commit ``v<version>``.

    Refuses, before the export: a malformed or unreleased version, a repository id the Hub
    refuses, bad configs, an export too large for the disk or memory, and a missing token.
    Refuses, before any upload: data that disagrees with the fingerprint registry, and a tag
    ``v<version>`` that already holds other files (the same files: nothing to do).
    ``dry_run`` prints the plan and touches no network. ``client`` is a
    ``huggingface_hub.HfApi`` (default: one with the saved token).
    """
    tag = release_tag(version)
    check_repo_id(repo_id)
    with _work_folder() as work:
        folder = work / "export"
        configs = check_export(folder, configs, repo_id=repo_id)  # every argument and size
        if not dry_run:
            client = client if client is not None else _hub_client()  # the token
        published = None if dry_run else _tag_sums(client, repo_id, tag)
        export(folder, configs, repo_id=repo_id, progress=progress)
        sums = listing(folder)  # MANIFEST.json per config records the shards; this lists every file
        if published == sums:
            echo(f"{repo_id} {tag} already holds exactly these files: nothing to do")
            return
        if published is not None:
            raise PublishError(
                f"version {version}: tag {tag} of {repo_id} already exists with other files "
                f"({_difference(published, sums)}); a published version is never changed"
            )
        echo(
            f"{'would upload' if dry_run else 'uploading'} to https://huggingface.co/datasets/{repo_id} "
            f"(branch main, created if missing), then tag that commit {tag}:"
        )
        for line in sums.splitlines():
            digest, name = line.split("  ", 1)
            echo(f"  {name}  {(folder / name).stat().st_size:,} bytes  sha256 {digest}")
        echo("  (*.parquet files of the repository that are not listed here are deleted in the same commit)")
        if dry_run:
            echo("dry run: nothing uploaded, nothing tagged")
            return
        client.create_repo(repo_id, repo_type="dataset", exist_ok=True)
        commit = client.upload_folder(
            repo_id=repo_id,
            repo_type="dataset",
            folder_path=str(folder),
            commit_message=f"MNIST-1D {tag}",
            delete_patterns=["*.parquet"],
        )
        client.create_tag(
            repo_id,
            repo_type="dataset",
            tag=tag,
            revision=commit.oid,
            tag_message=f"MNIST-1D {tag}: {RELEASES[-1].changes}",
        )
        echo(f"published {commit.commit_url}, tagged {tag}")


@contextlib.contextmanager
def _work_folder() -> Iterator[Path]:
    """A new temporary folder, owned by this process while the block runs, then removed.
    Those of publishes that were killed are removed first (ownership: ``mnist1d_core.files``)."""
    base = Path(tempfile.gettempdir())
    remove_abandoned(base, f"{WORK_PREFIX}*")
    path = base / f"{WORK_PREFIX}{secrets.token_hex(6)}"
    with owned(path):
        path.mkdir()
        try:
            yield path
        finally:
            remove(path)


def _hub_client():
    import huggingface_hub

    if huggingface_hub.get_token() is None:
        raise PublishError(
            "publishing needs a Hugging Face token with write access: set HF_TOKEN or run `hf auth login`"
        )
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
    def files(sums: str) -> dict[str, str]:  # a published file may be anything: its other lines are skipped
        pairs = (line.split("  ", 1) for line in sums.splitlines())
        return {pair[1]: pair[0] for pair in pairs if len(pair) == 2}

    theirs, ours = files(published), files(local)
    if not theirs:
        return f"its {SUMS_FILE} lists no file" if published else f"it has no {SUMS_FILE}"
    changed = sorted(name for name in theirs.keys() | ours.keys() if theirs.get(name) != ours.get(name))
    return "differing: " + ", ".join(changed)
