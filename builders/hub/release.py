"""Releasing an export on the Hugging Face Hub: upload, then tag the commit ``v<version>``.

Everything that can be refused is refused before the export: the version, the repository
id, the configs, the disk and memory, the token, and a tag that already exists (its files
listed by the Hub before the export, compared with the export's after it: the SHA-256 of a
file stored with LFS, the git blob id of any other). The export is written in a temporary
folder ``mnist1d-publish-*`` (in ``tempfile.gettempdir()``) owned by the publishing process
and removed when it ends; the next publish removes those of killed ones.
"""

from __future__ import annotations

import contextlib
import hashlib
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

#: The temporary folders of publish, in ``tempfile.gettempdir()``.
WORK_PREFIX = "mnist1d-publish-"

_VERSION_PATTERN = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


class PublishError(ValueError):
    """A release that must not be made: a bad version or repository, or a tag in the way."""


class HubError(OSError):
    """A call to the Hub that failed for the network, the token, a permission or a rate limit.
    Its message is one line: the repository, the step, the cause."""


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
    ``huggingface_hub.HfApi`` (default: one with the saved token). A Hub call that fails for
    the network, the token, a permission or a rate limit raises :class:`HubError`.
    """
    tag = release_tag(version)
    check_repo_id(repo_id)
    with _work_folder() as work:
        folder = work / "export"
        configs = check_export(folder, configs, repo_id=repo_id)  # every argument and size
        if not dry_run:
            client = client if client is not None else _hub_client()  # the token
        published = None if dry_run else _tag_files(client, repo_id, tag)
        export(folder, configs, repo_id=repo_id, progress=progress)
        files = listing(folder)  # every file, with its SHA-256
        if published is not None:
            differing = _differing(published, folder, files)
            if not differing:
                echo(f"{repo_id} {tag} already holds exactly these files: nothing to do")
                return
            raise PublishError(
                f"version {version}: tag {tag} of {repo_id} already exists with other files "
                f"(differing: {', '.join(differing)}); a published version is never changed"
            )
        echo(
            f"{'would upload' if dry_run else 'uploading'} to https://huggingface.co/datasets/{repo_id} "
            f"(branch main, created if missing), then tag that commit {tag}:"
        )
        for name, digest in files.items():
            echo(f"  {name}  {(folder / name).stat().st_size:,} bytes  sha256 {digest}")
        echo("  (*.parquet files of the repository that are not listed here are deleted in the same commit)")
        if dry_run:
            echo("dry run: nothing uploaded, nothing tagged")
            return
        with _hub_step(client, repo_id, "creating the repository"):
            client.create_repo(repo_id, repo_type="dataset", exist_ok=True)
        with _hub_step(client, repo_id, "uploading the export"):
            commit = client.upload_folder(
                repo_id=repo_id,
                repo_type="dataset",
                folder_path=str(folder),
                commit_message=f"MNIST-1D {tag}",
                delete_patterns=["*.parquet"],
            )
        with _hub_step(client, repo_id, f"tagging {tag} (uploaded as commit {commit.oid}, untagged)"):
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


def _tag_files(client, repo_id: str, tag: str) -> dict | None:
    """The files at tag ``tag`` (``huggingface_hub.hf_api.RepoFile`` by path, but the
    ``.gitattributes`` the Hub writes in every repository), or None if there is no tag."""
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import RepositoryNotFoundError

    try:
        with _hub_step(client, repo_id, "listing its tags", expected=(RepositoryNotFoundError,)):
            refs = client.list_repo_refs(repo_id, repo_type="dataset")
    except RepositoryNotFoundError:
        return None
    target = next((ref.target_commit for ref in refs.tags if ref.name == tag), None)
    if target is None:
        return None
    with _hub_step(client, repo_id, f"listing its files at tag {tag}"):  # the listing is paged as it is read
        tree = list(client.list_repo_tree(repo_id, repo_type="dataset", revision=target, recursive=True))
    return {entry.path: entry for entry in tree if isinstance(entry, RepoFile) and entry.path != ".gitattributes"}


def _differing(published: dict, folder: Path, files: dict[str, str]) -> list[str]:
    """The names, sorted, of the files that differ between the tag (``published``) and the
    export in ``folder`` (``files``: SHA-256 by name), or are on one side only."""

    def same(name: str) -> bool:
        theirs = published[name]
        if theirs.lfs is not None:  # the Hub knows an LFS file by its SHA-256
            return theirs.lfs.sha256 == files[name]
        content = (folder / name).read_bytes()  # any other file by its git blob id
        return theirs.blob_id == hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()

    return sorted(
        name
        for name in published.keys() | files.keys()
        if name not in published or name not in files or not same(name)
    )


@contextlib.contextmanager
def _hub_step(client, repo_id: str, step: str, expected: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """Run one Hub call. Its failures, but ``expected`` (which the caller handles), become a
    :class:`HubError` naming ``repo_id``, ``step`` and the cause: no answer (the network, or
    HF_HUB_OFFLINE), or a refusal (the token, a permission, a rate limit, the Hub's own fault)."""
    from huggingface_hub.utils import OfflineModeIsEnabled

    try:
        yield
    except expected:
        raise
    except (*_http_errors(), OfflineModeIsEnabled) as error:
        raise HubError(f"{repo_id}: {step}: {_cause(error, client)}") from None


def _http_errors() -> tuple[type[Exception], ...]:
    """The base errors of the HTTP library huggingface_hub is built on, whichever is installed:
    httpx2 (huggingface_hub 2), httpx (1.x) or requests (before 1.0)."""
    import importlib

    bases = []
    for module, name in (("httpx2", "HTTPError"), ("httpx", "HTTPError"), ("requests", "RequestException")):
        try:
            bases.append(getattr(importlib.import_module(module), name))
        except ImportError:
            pass
    return tuple(bases)


def _cause(error: BaseException, client) -> str:
    """Why a Hub call failed, in a few words and what to do about it."""
    from huggingface_hub.utils import HfHubHTTPError, OfflineModeIsEnabled

    if isinstance(error, OfflineModeIsEnabled):
        return "HF_HUB_OFFLINE is set: unset it to publish"
    if not isinstance(error, HfHubHTTPError):  # no answer from the Hub at all
        endpoint = getattr(client, "endpoint", None) or "the Hub"
        return f"cannot reach {endpoint} ({_one_line(f'{type(error).__name__}: {error}')})"
    status = error.response.status_code
    advice = {
        401: "the token was refused: set HF_TOKEN to a valid token, or run `hf auth login`",
        403: "permission denied: the token needs write access to this repository",
        429: "rate limited by the Hub: wait, then run the command again",
    }.get(status, "the Hub failed: try again later" if status >= 500 else "the Hub refused the request")
    detail = f": {_one_line(error.server_message)}" if error.server_message else ""
    return f"{advice} (HTTP {status}{detail})"


def _one_line(text: str) -> str:
    return " ".join(text.split())
