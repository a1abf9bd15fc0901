"""Stopping cleanly: Ctrl-C / SIGTERM set a flag that the loop reads between steps, so the
checkpoint it then writes holds a whole step (never a D update without its G update). A second
Ctrl-C interrupts at once.

Under torchrun every process has its own flag (a SIGTERM may reach one rank only, or reach them
between different steps). ``StopRequest.agreed(ctx)`` makes it one decision: the flags are
combined with an all-reduce (max) once a step, so either every rank stops after the same step
or none does; without it one rank could leave for its checkpoint while the others wait in the
next step's gradient all-reduce, and the job would hang.
"""

from __future__ import annotations

import signal
from typing import Any

import torch
import torch.distributed as dist


class StopRequest:
    def __init__(self):
        self.requested = False
        self.previous: dict[int, Any] = {}

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self.previous[sig] = signal.signal(sig, self._handler)
            except ValueError:  # not in the main thread: leave signals alone
                pass
        return self

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False

    def agreed(self, ctx, device: torch.device) -> bool:
        """True on every process when any process was asked to stop (the only call: once a step)."""
        if not ctx.enabled:
            return self.requested
        flag = torch.tensor([1.0 if self.requested else 0.0], device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        self.requested = bool(flag.item())
        return self.requested
