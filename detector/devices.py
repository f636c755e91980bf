"""Hardware: which device embeddings run on, and what it can do.

- :func:`check_device` refuses a malformed device name, or a CUDA device
  that torch does not see, in one line (``--device cpu``, ``cuda``,
  ``cuda:N``);
- :func:`cpu_supports_bf16` says whether the CPU has native bfloat16
  arithmetic (AVX-512 BF16 or AMX), where ``precision="auto"`` tries bf16;
- :func:`available_cores` counts the cores this process may use.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import ProvenanceError

__all__ = ["available_cores", "check_device", "cpu_supports_bf16"]

_DEVICE = re.compile(r"^(cpu|cuda(:\d+)?|mps)$")


def cpu_supports_bf16() -> bool:
    """True when the CPU has native bfloat16 arithmetic (AVX-512 BF16 or AMX)."""
    import torch

    capability = str(torch.backends.cpu.get_cpu_capability()).upper()
    if "BF16" in capability or "AMX" in capability:
        return True
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    match = re.search(r"^flags\s*:(.*)$", text, flags=re.MULTILINE)
    flags = set(match.group(1).split()) if match else set()
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_device(device: str | None) -> None:
    """Refuse a device that is malformed or absent, in one line.

    Parameters
    ----------
    device : str or None
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``; None picks the GPU
        when there is one.

    Raises
    ------
    ProvenanceError
        A malformed name, or a CUDA device torch does not see.
    """
    if device is None:
        return
    if not _DEVICE.match(device):
        raise ProvenanceError(f"unknown device {device!r}; use cpu, cuda or cuda:N for `device`")
    if device.startswith("cuda"):
        import torch

        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(device.partition(":")[2] or 0)
        if index >= count:
            raise ProvenanceError(
                f"device {device} requested but torch sees {count} CUDA GPU(s); use "
                "`device` cpu, or a GPU that is there"
            )
