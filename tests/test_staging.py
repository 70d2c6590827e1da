"""A process forked while a build holds its folder's lock (datasets' pool and its manager) does
not keep the lock: one that outlives a killed build would make every later build wait forever."""

import os
import signal
import subprocess
import sys
import time

from filelock import FileLock, Timeout

from mnist1d_builders.record.staging import building, lock_path

HOLD_THEN_DIE = """
import os, sys, time
from pathlib import Path
from mnist1d_builders.record.staging import building

with building(Path(sys.argv[1])):
    child = os.fork()
    if child == 0:  # an orphan-to-be, as datasets' manager process is after a kill -9
        time.sleep(60)
        os._exit(0)
    print(child, flush=True)
    time.sleep(60)  # killed here, the lock held
"""


def test_a_child_forked_while_the_lock_is_held_does_not_keep_it_after_the_build_is_killed(tmp_path):
    target = tmp_path / "mnist1d" / "canonical" / "1.0.0" / "hash"
    build = subprocess.Popen([sys.executable, "-c", HOLD_THEN_DIE, str(target)], stdout=subprocess.PIPE, text=True)
    child = int(build.stdout.readline())
    try:
        lock = FileLock(str(lock_path(target)))
        try:
            lock.acquire(timeout=0)  # the build still holds it
            raise AssertionError("the build's lock was free while the build ran")
        except Timeout:
            pass
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=30)
        os.kill(child, 0)  # the forked child lives on
        started = time.monotonic()
        lock.acquire(timeout=10)  # and yet the lock is free
        lock.release()
        assert time.monotonic() - started < 10
    finally:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_the_lock_is_released_and_forgotten_when_the_build_ends(tmp_path):
    target = tmp_path / "t"
    with building(target) as staging:
        assert staging.is_dir()
    FileLock(str(lock_path(target))).acquire(timeout=0)
