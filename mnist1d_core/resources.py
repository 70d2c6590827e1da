"""What a request needs of the machine, checked before any work.

The paper's algorithm holds the whole set in memory (a global shuffle and a global
standardisation), so a large ``num_samples`` can need more memory than there is; builds and
exports need disk. These estimates are compared with what is available *before* anything
is generated or written, so a request too large fails at once, in one line, naming
``num_samples``, the estimate and what is available. The sharded algorithm needs one block
at a time in memory, whatever ``num_samples`` is.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .config import MNIST1DConfig

try:
    import resource
except ImportError:  # Windows: no ulimit
    resource = None

#: The paper algorithm peaks at about twice its float64 output, n x L x 8 bytes
#: (docs/notes/performance.md). The estimate takes 3x, plus the per-example labels and
#: permutation, plus one batch's temporaries.
_PAPER_COPIES = 3
_PER_EXAMPLE = 32  # labels, permutation, fancy-index temporaries: int64 each
#: Memory of one batch's transformations (see ``generate.batch_size``).
BATCH_BYTES = 64 * 2**20


class InsufficientResources(ValueError):
    """The request needs more memory or disk than the machine has."""


def memory_bytes(config: MNIST1DConfig) -> int:
    """Peak memory ``generate(config)`` needs, which returns the whole set (an upper
    estimate): the paper algorithm also shuffles and standardises copies of it; the
    sharded one fills it block by block."""
    output = 8 * config.num_examples * config.final_seq_length + 8 * config.num_examples
    copies = _PAPER_COPIES if config.algorithm == "paper" else 1
    return copies * output + _PER_EXAMPLE * config.num_examples + BATCH_BYTES


def available_memory() -> int | None:
    """Bytes this process can still allocate: the least of the free memory the kernel
    reports, the cgroup's limit and ``ulimit -v``; None where none of them is known."""
    free = _proc_bytes("/proc/meminfo", "MemAvailable:")
    limits = [] if free is None else [free]
    try:  # cgroup v2: a container's limit, minus what it uses
        maximum = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if maximum != "max":
            limits.append(int(maximum) - int(Path("/sys/fs/cgroup/memory.current").read_text()))
    except (OSError, ValueError):
        pass
    soft = resource.getrlimit(resource.RLIMIT_AS)[0] if resource is not None else -1
    if soft not in (-1, getattr(resource, "RLIM_INFINITY", -1)):
        limits.append(soft - (_proc_bytes("/proc/self/status", "VmSize:") or 0))  # less the address space in use
    return max(0, min(limits)) if limits else None


def _proc_bytes(path: str, key: str) -> int | None:
    """The size in kB that the line starting with ``key`` of ``path`` states, in bytes;
    None where there is no such file (not Linux) or line."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_memory(config: MNIST1DConfig) -> None:
    """Refuse to ``generate(config)`` if the whole set does not fit in memory."""
    needed, available = memory_bytes(config), available_memory()
    if available is not None and needed > available:
        instead = (
            "algorithm='sharded', whose builds and streams make one block at a time"
            if config.algorithm == "paper"
            else "a builder or sharded.iter_blocks, which make one block at a time"
        )
        raise InsufficientResources(
            f"num_samples={config.num_samples}: generating the whole set in memory needs about {size(needed)}, "
            f"but {size(available)} is available; use {instead}, or fewer samples"
        )


def check_disk(folder: str | Path, needed: int, config: MNIST1DConfig, what: str) -> None:
    """Refuse to write ``needed`` bytes of ``what`` for ``config`` into ``folder`` (or its
    nearest existing parent) if its file system has less free space."""
    folder = Path(folder).absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise InsufficientResources(
            f"num_samples={config.num_samples}: {what} needs about {size(needed)} of disk, "
            f"but {folder} has {size(free)} free"
        )


def size(num_bytes: int) -> str:
    """``1536`` -> ``"1.5 KB"``: decimal units, as ``df -H`` and ``datasets`` print them."""
    value = float(num_bytes)
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if value < 1000 or unit == "PB":
            return f"{value:.0f} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")
