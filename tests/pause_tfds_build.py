"""Test helper: run ``mnist1d ARGS...`` with its TFDS build paused at one phase.

    python pause_tfds_build.py PHASE[,PHASE...] GO_FILE ARGS...

At each PHASE it prints ``paused at PHASE`` on standard output, then waits until GO_FILE exists
(a test kills it meanwhile, or lets it go on), and removes it: the next phase waits for it
again. The phases, in a build's order:

- ``generation``: before the examples are generated;
- ``shards``: a shard file open, its first example handed to TFDS's writer;
- ``recorded``: the build complete in its staging folder, ``MANIFEST.json`` written, just
  before it is moved into place;
- ``renamed``: just after the move, before the staging folder is removed.
"""

import signal
import sys
import time
from pathlib import Path

from tensorflow_datasets.core import file_adapters

from mnist1d_builders.tfds import preparing as prepare_module
from mnist1d_builders.tfds.mnist1d import mnist1d_dataset_builder as builder_module
from mnist1d_cli import main

PHASES, GO = sys.argv[1].split(","), Path(sys.argv[2])
PAUSED = set()
signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even if started where it is ignored


def pause(phase: str) -> None:
    if phase in PAUSED:  # once per phase ("shards": the train split's shard, not the test's too)
        return
    PAUSED.add(phase)
    print(f"paused at {phase}", file=sys.__stdout__, flush=True)  # the command line redirects sys.stdout
    while not GO.exists():
        time.sleep(0.05)
    GO.unlink()


def before(function, phase):
    def paused(*args, **kwargs):
        pause(phase)
        return function(*args, **kwargs)

    return paused


def after(function, phase):
    def paused(*args, **kwargs):
        result = function(*args, **kwargs)
        pause(phase)
        return result

    return paused


def paused_after_first(examples):
    for index, example in enumerate(examples):
        yield example
        if index == 0:
            pause("shards")


for phase in PHASES:
    if phase == "generation":
        builder_module.generate = before(builder_module.generate, phase)
    elif phase == "shards":
        for adapter in (file_adapters.TfRecordFileAdapter, file_adapters.ArrayRecordFileAdapter):
            write = adapter.write_examples  # bound to the class
            adapter.write_examples = classmethod(
                lambda cls, path, iterator, write=write: write(path, paused_after_first(iterator))
            )
    elif phase == "recorded":
        prepare_module._record = after(prepare_module._record, phase)
    elif phase == "renamed":
        prepare_module._move_into_place = after(prepare_module._move_into_place, phase)
    else:
        sys.exit(f"unknown phase {phase!r}")

sys.exit(main(sys.argv[3:]))
