"""``mnist1d publish``: the dry run, the release through a recording stand-in for the Hub
client (the network is off: HF_HUB_OFFLINE=1 and no sockets), and each Hub call's failures
met for real: an unreachable endpoint, and a Hub on loopback that refuses every request."""

import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import pytest

pytest.importorskip("datasets")

import huggingface_hub  # noqa: E402
from huggingface_hub.hf_api import RepoFile, RepoFolder  # noqa: E402
from huggingface_hub.utils import RepositoryNotFoundError  # noqa: E402
from huggingface_hub.utils.sha import git_hash  # noqa: E402

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


def hub_tree(files: dict[str, bytes]):
    """What the Hub's tree API lists, recursively, for a commit holding ``files`` (content by
    name): every folder and file, the ``.gitattributes`` the Hub writes in every repository
    among them, Parquet and PNG files stored with LFS (their git blob is the LFS pointer).
    Built as ``HfApi.list_repo_tree`` builds them from the Hub's JSON."""
    files = {".gitattributes": b"*.parquet filter=lfs diff=lfs merge=lfs -text\n", **files}
    folders = {str(parent) for name in files for parent in PurePosixPath(name).parents} - {"."}
    for folder in sorted(folders):
        yield RepoFolder(path=folder, oid=git_hash(folder.encode()))
    for name, content in files.items():
        if name.endswith((".parquet", ".png")):
            sha256 = hashlib.sha256(content).hexdigest()
            pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {len(content)}\n"
            lfs = {"size": len(content), "oid": sha256, "pointerSize": len(pointer)}
            yield RepoFile(path=name, size=len(content), oid=git_hash(pointer.encode()), lfs=lfs)
        else:
            yield RepoFile(path=name, size=len(content), oid=git_hash(content))


class RecordingHub:
    """Stands in for ``huggingface_hub.HfApi``: records each call, after checking that the real
    method accepts its arguments. ``tags`` maps a tag to the files it holds (content by name);
    ``exists`` says if the repository does."""

    def __init__(self, tags=None, exists=True):
        self.tags, self.exists = dict(tags or {}), exists
        self.calls, self.uploaded = [], {}

    def _record(self, method, *args, **kwargs):
        bound = inspect.signature(getattr(huggingface_hub.HfApi, method)).bind(self, *args, **kwargs)
        self.calls.append((method, {k: v for k, v in bound.arguments.items() if k != "self"}))

    def list_repo_refs(self, repo_id, **kwargs):
        self._record("list_repo_refs", repo_id, **kwargs)
        if not self.exists:
            raise RepositoryNotFoundError(
                "404", response=SimpleNamespace(headers={}, request=None, json=dict)
            )  # json: before 1.0
        return SimpleNamespace(tags=[SimpleNamespace(name=tag, target_commit=f"commit-{tag}") for tag in self.tags])

    def list_repo_tree(self, repo_id, **kwargs):
        self._record("list_repo_tree", repo_id, **kwargs)
        return hub_tree(self.tags[kwargs["revision"].removeprefix("commit-")])  # a generator, as the Hub's

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
    assert out[1:-2] == [
        f"  {name}  {len(content):,} bytes  sha256 {hashlib.sha256(content).hexdigest()}"
        for name, content in sorted(expected.items())
    ]
    assert out[-1] == "dry run: nothing uploaded, nothing tagged"


def test_publish_uploads_the_export_then_tags_that_commit(expected):
    client, said = RecordingHub(), []
    hub.publish(REPO, DATA_VERSION, client=client, echo=said.append)
    assert [method for method, _ in client.calls] == ["list_repo_refs", "create_repo", "upload_folder", "create_tag"]
    _, create, upload, tag = (arguments for _, arguments in client.calls)
    assert all(arguments["repo_id"] == REPO and arguments["repo_type"] == "dataset" for _, arguments in client.calls)
    assert create["exist_ok"] and upload["delete_patterns"] == ["*.parquet"]
    assert (tag["tag"], tag["revision"]) == (TAG, "c0ffee")  # the uploaded commit, not whatever main is then
    assert client.uploaded == expected
    assert said[-1] == f"published https://huggingface.co/datasets/{REPO}/commit/c0ffee, tagged {TAG}"


def test_a_new_repository_is_created(expected):
    client = RecordingHub(exists=False)
    hub.publish(REPO, DATA_VERSION, client=client, echo=lambda line: None)
    assert [method for method, _ in client.calls] == ["list_repo_refs", "create_repo", "upload_folder", "create_tag"]
    assert client.uploaded == expected


def test_a_tag_with_the_same_files_is_left_alone(expected):
    client, said = RecordingHub(tags={"v0.9.0": {"old.txt": b"old"}, TAG: expected}), []
    hub.publish(REPO, DATA_VERSION, client=client, echo=said.append)
    assert [method for method, _ in client.calls] == ["list_repo_refs", "list_repo_tree"]
    listed = client.calls[1][1]
    assert (listed["repo_id"], listed["repo_type"], listed["revision"]) == (REPO, "dataset", f"commit-{TAG}")
    assert listed["recursive"]  # the files in the configs' folders too
    assert said[-1] == f"{REPO} {TAG} already holds exactly these files: nothing to do"


def flipped(content: bytes) -> bytes:
    """``content`` with its last byte changed: the same size, other bytes."""
    return content[:-1] + bytes([content[-1] ^ 1])


TRAIN, TEST = "canonical/train-00000-of-00001.parquet", "canonical/test-00000-of-00001.parquet"


@pytest.mark.parametrize(
    "change, differing",
    [
        (lambda files: {**files, TRAIN: flipped(files[TRAIN])}, [TRAIN]),  # an LFS file: its SHA-256
        (lambda files: {**files, "README.md": flipped(files["README.md"])}, ["README.md"]),  # its git blob id
        (lambda files: {**files, TEST: files[TEST] + b"\0"}, [TEST]),  # a longer file
        (  # a file on one side only
            lambda files: {**{name: content for name, content in files.items() if name != TEST}, "old/x.parquet": b""},
            [TEST, "old/x.parquet"],
        ),
        (lambda files: {}, None),  # nothing but the Hub's .gitattributes: every file
    ],
)
def test_a_tag_with_other_content_is_refused_naming_what_differs(expected, change, differing):
    client = RecordingHub(tags={TAG: change(expected)})
    with pytest.raises(hub.PublishError) as error:
        hub.publish(REPO, DATA_VERSION, client=client, echo=lambda line: None)
    assert str(error.value) == (
        f"version {DATA_VERSION}: tag {TAG} of {REPO} already exists with other files "
        f"(differing: {', '.join(differing or sorted(expected))}); a published version is never changed"
    )
    assert [method for method, _ in client.calls] == ["list_repo_refs", "list_repo_tree"]


def test_data_that_disagrees_with_the_registry_is_never_uploaded(monkeypatch):
    def tampered(config, progress=None):
        data = generate(config, progress=progress)
        data.train.y[0] = (data.train.y[0] + 1) % 10
        return data

    monkeypatch.setattr(exporter, "generate", tampered)
    client = RecordingHub()
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


def test_the_tag_is_looked_up_before_the_export_and_the_work_folder_removed_after(monkeypatch):
    client, folders, exported = RecordingHub(tags={TAG: {"old.txt": b"old"}}), [], []

    def export(folder, *args, **kwargs):
        client.calls.append(("export", {}))
        folders.append(folder.parent)
        real_export(folder, *args, **kwargs)
        exported.extend(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())

    real_export = release.export
    monkeypatch.setattr(release, "export", export)
    with pytest.raises(hub.PublishError) as error:
        hub.publish(REPO, DATA_VERSION, [PRESETS["canonical"]], client=client, echo=lambda line: None)
    assert f"tag {TAG} of {REPO} already exists with other files (differing: " in str(error.value)
    assert f"(differing: {', '.join(sorted([*exported, 'old.txt']))})" in str(error.value)
    assert [method for method, _ in client.calls] == ["list_repo_refs", "list_repo_tree", "export"]
    assert folders[0].name.startswith(release.WORK_PREFIX) and not folders[0].exists()
    assert not folders[0].with_name(folders[0].name + ".owner").exists()


# The Hub calls' failures. Each step's real HfApi call, made against a Hub that cannot be
# reached or that refuses: the calls before it are stood in for, and succeed.

STEPS = ["list_repo_refs", "list_repo_tree", "create_repo", "upload_folder", "create_tag"]
STEP_WORDS = {
    "list_repo_refs": "listing its tags",
    "list_repo_tree": f"listing its files at tag {TAG}",
    "create_repo": "creating the repository",
    "upload_folder": "uploading the export",
    "create_tag": f"tagging {TAG} (uploaded as commit c0ffee, untagged)",
}


class RefusingHub(BaseHTTPRequestHandler):
    """Answers every request with ``status``, as the Hub does a bad token (401), a token without
    write access (403), too many requests (429) or its own fault (500)."""

    status = 401

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"error": f"refused with {self.status}"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def online(monkeypatch):
    """Offline mode off (this module's ``hub_offline`` turns it on)."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def refusing_hub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RefusingHub)
    # shutdown() waits for the server loop's next poll: every 0.5 s by default
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def hub_failing_at(step: str, endpoint: str):
    """A real ``HfApi`` on ``endpoint`` whose calls before ``step`` are stood in for."""

    class Hub(huggingface_hub.HfApi):
        def list_repo_refs(self, *args, **kwargs):
            if step == "list_repo_refs":
                return super().list_repo_refs(*args, **kwargs)
            tags = [SimpleNamespace(name=TAG, target_commit="c0ffee")] if step == "list_repo_tree" else []
            return SimpleNamespace(tags=tags)

        def create_repo(self, *args, **kwargs):
            if step == "create_repo":
                return super().create_repo(*args, **kwargs)

        def upload_folder(self, *args, **kwargs):
            if step == "upload_folder":
                return super().upload_folder(*args, **kwargs)
            return SimpleNamespace(oid="c0ffee", commit_url="https://huggingface.co/commit/c0ffee")

    return Hub(endpoint=endpoint, token="hf_fake")


def publish_line(monkeypatch, capsys, client) -> str:
    """What ``mnist1d publish`` with ``client`` says on stderr; it must fail with exit status 1."""
    monkeypatch.setattr(release, "_hub_client", lambda: client)
    assert main(["publish", "--repo", REPO, "--version", DATA_VERSION, "--config", "canonical"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error, error
    return error.rstrip("\n")


@pytest.mark.parametrize("step", STEPS)
def test_each_hub_call_refused_is_one_line_naming_the_repository_and_the_step(
    online, refusing_hub, monkeypatch, capsys, step
):
    monkeypatch.setattr(RefusingHub, "status", 403)
    line = publish_line(monkeypatch, capsys, hub_failing_at(step, refusing_hub))
    assert line.startswith(f"mnist1d: error: {REPO}: {STEP_WORDS[step]}: permission denied: "), line
    assert line.endswith(("(HTTP 403: refused with 403)", "(HTTP 403)")), line  # a HEAD request's answer has no body


@pytest.mark.parametrize(
    "status, cause",
    [
        (401, "the token was refused: set HF_TOKEN to a valid token, or run `hf auth login` (HTTP 401"),
        (403, "permission denied: the token needs write access to this repository (HTTP 403"),
        (429, "rate limited by the Hub: wait, then run the command again (HTTP 429"),
        (500, "the Hub failed: try again later (HTTP 500"),
    ],
)
def test_each_refusal_says_its_cause(online, refusing_hub, monkeypatch, capsys, status, cause):
    monkeypatch.setattr(RefusingHub, "status", status)
    line = publish_line(monkeypatch, capsys, hub_failing_at("create_repo", refusing_hub))
    assert line == f"mnist1d: error: {REPO}: creating the repository: {cause}: refused with {status})"


@pytest.mark.parametrize("step", ["list_repo_refs", "create_repo", "create_tag"])  # the calls made once
def test_each_hub_call_unreachable_is_one_line(online, monkeypatch, capsys, step):
    line = publish_line(monkeypatch, capsys, hub_failing_at(step, "http://127.0.0.1:9"))
    assert line.startswith(f"mnist1d: error: {REPO}: {STEP_WORDS[step]}: cannot reach http://127.0.0.1:9 ("), line


def test_a_listing_that_cannot_reach_the_hub_as_it_is_read_is_one_line(online, monkeypatch, capsys):
    # list_repo_tree retries for about 20 s before it gives up: its "cannot reach" is raised here
    # as it raises it in the end, from the generator it returns, once that is read.
    client = hub_failing_at("list_repo_tree", "http://127.0.0.1:9")
    with pytest.raises(Exception) as unreachable:  # the network's own error, whichever HTTP library raises it
        huggingface_hub.HfApi(endpoint="http://127.0.0.1:9").list_repo_refs(REPO, repo_type="dataset")

    def listing(*args, **kwargs):
        yield from ()
        raise unreachable.value

    monkeypatch.setattr(client, "list_repo_tree", listing)
    line = publish_line(monkeypatch, capsys, client)
    assert line.startswith(
        f"mnist1d: error: {REPO}: listing its files at tag {TAG}: cannot reach http://127.0.0.1:9 ("
    )


def test_the_command_with_a_token_and_no_network_says_one_line(tmp_path):
    """As a user meets it: HF_ENDPOINT unreachable, a token that was never checked."""
    env = {
        **os.environ,
        "HF_ENDPOINT": "http://127.0.0.1:9",
        "HF_TOKEN": "hf_fake",
        "HF_HUB_OFFLINE": "0",
        "HF_HOME": str(tmp_path / "hf"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "mnist1d_cli", "publish", "--repo", REPO, "--version", DATA_VERSION],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    line, end = result.stderr.partition("\n")[::2]
    assert end == "" and line.startswith(
        f"mnist1d: error: {REPO}: listing its tags: cannot reach http://127.0.0.1:9 ("
    )
    # httpx (huggingface_hub 1 and later) says ConnectError, requests (before 1.0) ConnectionError
    assert re.search(r"\((ConnectError|ConnectionError): .*\[Errno 111\] Connection refused", line), line
