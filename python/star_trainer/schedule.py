"""The reference trainer's learning-rate schedule (mesh-transformer-jax's gpt3_schedule): linear warm-up
to `lr` over `warmup_steps`, then a half cosine from `lr` down to `end_lr` over `anneal_steps`. With
`end_lr == lr` (the paper's 1e-6 runs) it is constant after the warm-up."""
from __future__ import annotations

import math


def learning_rate(step: int, *, lr: float, end_lr: float, warmup_steps: int, anneal_steps: int) -> float:
    # The reference divides by warmup_steps; 0 (no warm-up) means the full rate from the first step.
    warmup = min(max(step, 0), warmup_steps) / warmup_steps if warmup_steps > 0 else 1.0
    anneal = min(max(step - warmup_steps, 0), anneal_steps) / anneal_steps
    return warmup * lr - (lr - end_lr) * (1 - math.cos(math.pi * anneal)) / 2


def lr_factor(lr: float, end_lr: float, warmup_steps: int, anneal_steps: int):
    """The schedule as a multiple of `lr`, for torch's LambdaLR."""

    def factor(step: int) -> float:
        if lr == 0:
            return 0.0
        return learning_rate(step, lr=lr, end_lr=end_lr, warmup_steps=warmup_steps, anneal_steps=anneal_steps) / lr

    return factor
