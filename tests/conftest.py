"""Shared by every test: nothing may reach the network, and Ctrl-C reaches child processes.

Connections to loopback stay allowed (local worker processes talk over it); any other
address fails the test that tries it. ``refuse_network`` installs the same guard in a
process of its own (test_docs.py runs the docs in one).
"""

import ipaddress
import signal
import socket

import pytest

# The Ctrl-C tests send SIGINT to the commands they start, as a terminal would. A suite run in
# the background (`cmd &` from a script, nohup) starts with SIGINT ignored, which every child
# inherits: their Ctrl-C would never arrive. A handler, unlike "ignored", is reset to the
# default in a child, so with Python's own here, children start as they would from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def loopback_only(connect):
    """``socket.socket.connect`` that refuses every address but loopback."""

    def guarded(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise OSError(f"network access attempted in a test: {address}")
        return connect(sock, address)

    return guarded


def refuse_network():
    socket.socket.connect = loopback_only(socket.socket.connect)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", loopback_only(socket.socket.connect))


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture
def hub_offline(monkeypatch):
    """The Hugging Face libraries in offline mode, as their users set it: the environment
    variables, and the constants they read at import."""
    import datasets
    import huggingface_hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
