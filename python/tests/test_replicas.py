"""How a step's batch is shared between replicas, and the layout read from torchrun's environment."""
import pytest

from star_trainer.errors import BadInputError
from star_trainer.replicas import Replicas, StepSplit, check_devices, replicas_from_env, split_step


def test_one_process_keeps_the_config_batch():
    assert split_step(4, 3, 1) == StepSplit(4, 3)


def test_replicas_take_over_accumulation_first_so_each_pass_keeps_its_batch():
    assert split_step(2, 8, 4) == StepSplit(2, 2)


def test_replicas_share_the_batch_when_the_accumulation_does_not_divide():
    assert split_step(4, 1, 2) == StepSplit(2, 1)


def test_a_step_batch_replicas_cannot_share_is_refused_naming_both_fields():
    with pytest.raises(BadInputError, match=r"per_replica_batch 3 x gradient_accumulation_steps 1 = 3 examples.*2 processes"):
        split_step(3, 1, 2)


def test_the_layout_comes_from_torchrun_variables_and_defaults_to_one_process():
    assert replicas_from_env({}) == Replicas(count=1, local_count=1, rank=0, local_rank=0)
    layout = replicas_from_env({"WORLD_SIZE": "4", "LOCAL_WORLD_SIZE": "2", "RANK": "3", "LOCAL_RANK": "1"})
    assert layout == Replicas(count=4, local_count=2, rank=3, local_rank=1) and not layout.is_main


def test_more_local_processes_than_gpus_is_refused_and_cpu_runs_have_no_limit():
    with pytest.raises(BadInputError, match=r"8 processes .* 2 CUDA devices.*--nproc_per_node 2"):
        check_devices(Replicas(count=8, local_count=8, rank=0, local_rank=0), cuda_devices=2)
    check_devices(Replicas(count=8, local_count=8, rank=0, local_rank=0), cuda_devices=0)
