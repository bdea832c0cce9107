"""How one training step is split over the processes torchrun (or accelerate launch) started.

The iteration config fixes the batch of one optimizer step: `per_replica_batch x
gradient_accumulation_steps` examples, the batch the growth rule's `total_steps` was computed for.
That stays the step's batch however many processes (replicas) train: when the accumulation divides
by R replicas, each keeps `per_replica_batch` per forward pass and accumulates
`gradient_accumulation_steps / R` passes; else, when the batch divides, each takes
`per_replica_batch / R` examples per pass. A step batch neither divides is refused: training with
another batch would silently change the reference schedule.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from .errors import BadInputError


@dataclass(frozen=True)
class Replicas:
    # All processes of the run (torchrun's WORLD_SIZE) and the ones on this host (LOCAL_WORLD_SIZE).
    count: int
    local_count: int
    rank: int
    local_rank: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0


@dataclass(frozen=True)
class StepSplit:
    per_device_batch: int
    gradient_accumulation_steps: int


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as err:
        raise BadInputError(f"the environment variable {name} is {value!r}; torchrun sets it to a whole number") from err


def replicas_from_env(env: Mapping[str, str] | None = None) -> Replicas:
    """The layout torchrun publishes in the environment; one process when it did not start us."""
    env = os.environ if env is None else env
    count = _env_int(env, "WORLD_SIZE", 1)
    return Replicas(
        count=count,
        local_count=_env_int(env, "LOCAL_WORLD_SIZE", count),
        rank=_env_int(env, "RANK", 0),
        local_rank=_env_int(env, "LOCAL_RANK", 0),
    )


def split_step(per_replica_batch: int, gradient_accumulation_steps: int, replicas: int) -> StepSplit:
    """The per-process batch and accumulation that keep the config's step batch over `replicas`."""
    if replicas == 1:
        return StepSplit(per_replica_batch, gradient_accumulation_steps)
    if gradient_accumulation_steps % replicas == 0:
        return StepSplit(per_replica_batch, gradient_accumulation_steps // replicas)
    if per_replica_batch % replicas == 0:
        return StepSplit(per_replica_batch // replicas, gradient_accumulation_steps)
    step_batch = per_replica_batch * gradient_accumulation_steps
    raise BadInputError(
        f"a step's batch is per_replica_batch {per_replica_batch} x gradient_accumulation_steps {gradient_accumulation_steps} = "
        f"{step_batch} examples, which {replicas} processes cannot share evenly: make per_replica_batch or "
        f"gradient_accumulation_steps a multiple of {replicas}, or start {replicas} processes fewer or more "
        "(torchrun --nproc_per_node, or the host count)"
    )


def check_devices(replicas: Replicas, cuda_devices: int) -> None:
    """On a GPU host every local process needs its own device; torch would otherwise fail later with
    a CUDA error that does not say why. CPU runs (gloo) have no such limit."""
    if cuda_devices and replicas.local_count > cuda_devices:
        raise BadInputError(
            f"{replicas.local_count} processes were started on this host (nproc_per_node) but it has {cuda_devices} "
            f"CUDA devices: start at most {cuda_devices} (torchrun --nproc_per_node {cuda_devices})"
        )
