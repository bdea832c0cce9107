"""The training command under torchrun (DDP, gloo on CPU) against one process with the same step
batch, and a rank killed mid-run, on the tiny model. Real processes: torchrun's own launcher.

Why the runs can agree: the tiny model has no dropout; the Trainer draws one permutation of the
examples from `seed` (the same for every world size) and accelerate hands each rank its slice of every
step's batch of that permutation, so a step sees the same examples whether 1 or 2 processes train;
with `average_tokens_across_devices` the loss is the mean over the step's completion tokens either
way. What differs is the order of float additions (DDP's all-reduce), hence a tolerance.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from star_trainer.tiny_lm import make_tiny_lm

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# 1 vs 2 processes, 8 steps at lr 1e-2. The losses agree to 1e-4. Adam divides each gradient by its
# running scale, so in weights that get almost no gradient (embeddings of tokens the examples never
# use) reduction-order noise becomes a visible update: the largest difference measured was 2.7e-4.
# A tenth of lr still tells noise from a different batch, which moves weights by about lr a step.
LOSS_TOLERANCE = 1e-4
WEIGHT_TOLERANCE = 1e-3
STEP_LINE = re.compile(r"^step (\d+) loss ([0-9.]+)$", re.M)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    corpus.write_text("Input:\n2 9 + 5 7\nTarget:\n<scratch>\n2 9 + 5 7 , C: 0\n</scratch>\n8 6\n" * 20)
    return make_tiny_lm([corpus], tmp_path_factory.mktemp("tiny"), vocab_size=300, positions=64)


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    # 16 examples of unequal lengths: each epoch is 4 full steps of 4, so neither launcher pads a step.
    path = tmp_path_factory.mktemp("examples") / "exp_1.jsonl"
    rows = [{"prompt": f"Input:\n{a} + {b}\nTarget:", "completion": f"\n{a + b}" + " ." * (a % 3)} for a in range(1, 5) for b in range(10, 14)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def write_config(tmp_path, examples, name, **fields):
    path = tmp_path / f"{name}.json"
    config = {"total_steps": 8, "model_dir": str(tmp_path / name), "train_jsonl": str(examples), "lr": 1e-2, "per_replica_batch": 4, "ckpt_every": 2, "seed": 3, **fields}
    path.write_text(json.dumps(config))
    return path


def command(config, tiny, processes):
    train = ["-m", "star_trainer.train", "--config", str(config), "--tune-model-path", str(tiny)]
    if processes == 1:
        return [sys.executable, *train]
    # --standalone: a rendezvous on a free local port, so tests never collide on one.
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes), *train]


def environment():
    env = {**os.environ, "PYTHONPATH": f"{PACKAGE_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "OMP_NUM_THREADS": "1"}
    return {k: v for k, v in env.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}


def run(config, tiny, processes):
    done = subprocess.run(command(config, tiny, processes), capture_output=True, text=True, env=environment(), timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def losses(out):
    return {int(step): float(loss) for step, loss in STEP_LINE.findall(out)}


def weights(model_dir):
    from safetensors.torch import load_file

    return load_file(model_dir / "step_8" / "model.safetensors")


def assert_same_weights(a, b):
    assert set(a) == set(b)
    worst = max((a[name].float() - b[name].float()).abs().max().item() for name in a)
    assert worst <= WEIGHT_TOLERANCE, f"largest weight difference {worst}"


@pytest.fixture(scope="module")
def one_process(tmp_path_factory, tiny, examples):
    tmp_path = tmp_path_factory.mktemp("one")
    out = run(write_config(tmp_path, examples, "model"), tiny, 1)
    return out, tmp_path / "model"


def test_two_processes_train_what_one_does_with_the_same_step_batch(tmp_path, tiny, examples, one_process):
    single_out, single_dir = one_process
    out = run(write_config(tmp_path, examples, "model"), tiny, 2)
    assert out.count("training completed!") == 1, "only rank 0 prints"
    assert "2 replicas of 2 x 1" in out
    assert sorted(losses(out)) == list(range(1, 9)) and out.count("step 1 loss") == 1
    for step, loss in losses(single_out).items():
        assert losses(out)[step] == pytest.approx(loss, abs=LOSS_TOLERANCE), f"step {step}"
    assert_same_weights(weights(single_dir), weights(tmp_path / "model"))
    meta = json.loads((tmp_path / "model" / "meta.json").read_text())
    assert meta["checkpoints"] == [8] and not (tmp_path / "model" / "resume").exists()


def test_a_step_batch_two_processes_cannot_share_exits_2_naming_it(tmp_path, tiny, examples):
    config = write_config(tmp_path, examples, "model", per_replica_batch=3)
    done = subprocess.run(command(config, tiny, 2), capture_output=True, text=True, env=environment(), timeout=900)
    assert done.returncode != 0
    assert "which 2 processes cannot share evenly" in done.stderr


def test_an_fsdp_config_transformers_rejects_is_bad_input(tmp_path, tiny, examples):
    config = write_config(tmp_path, examples, "model", fsdp="full_shard no_such_option")
    done = subprocess.run(command(config, tiny, 1), capture_output=True, text=True, env=environment(), timeout=900)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "refuses the training arguments" in done.stderr and "fsdp" in done.stderr


def test_fsdp_in_one_process_is_bad_input(tmp_path, tiny, examples):
    config = write_config(tmp_path, examples, "model", fsdp="full_shard")
    done = subprocess.run(command(config, tiny, 1), capture_output=True, text=True, env=environment(), timeout=900)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "refuses the training arguments" in done.stderr and "Using fsdp only works in distributed training" in done.stderr, done.stderr


def test_fsdp_on_cpu_processes_is_refused_before_training_naming_it(tmp_path, tiny, examples):
    # accelerate drops FSDP on CPU without a word and would train plain DDP: the trainer says so instead.
    config = write_config(tmp_path, examples, "model", fsdp="full_shard auto_wrap", fsdp_config={"transformer_layer_cls_to_wrap": ["GPT2Block"]})
    done = subprocess.run(command(config, tiny, 2), capture_output=True, text=True, env=environment(), timeout=900)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "the config sets fsdp but the installed accelerate" in done.stderr and "no CUDA device" in done.stderr, done.stderr
    assert "step 1 loss" not in done.stdout and not (tmp_path / "model" / "meta.json").exists()
    # torchrun itself exits 1; its report names the rank's status 2, which the host reads as bad input.
    assert re.search(r"Root Cause \(first observed failure\):[\s\S]*?exitcode\s*:\s*2\b", done.stderr), done.stderr


def test_deepspeed_zero2_on_two_cpu_processes_trains_what_one_process_does(tmp_path, tiny, examples, one_process):
    # deepspeed is not among the venv's pinned packages; `pip install deepspeed` (0.19.8: a pure-Python
    # wheel built from the sdist, its ops compiled on first use) makes this test run.
    pytest.importorskip("deepspeed")
    single_out, single_dir = one_process
    zero2 = {"zero_optimization": {"stage": 2}, "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto", "train_batch_size": "auto"}
    out = run(write_config(tmp_path, examples, "model", deepspeed=zero2), tiny, 2)
    assert out.count("training completed!") == 1, "only rank 0 prints"
    for step, loss in losses(single_out).items():
        assert losses(out)[step] == pytest.approx(loss, abs=LOSS_TOLERANCE), f"step {step}"
    # DeepSpeed's gathered save also writes the tied lm_head.weight; the tensors both hold must agree.
    single, sharded = weights(single_dir), weights(tmp_path / "model")
    assert set(single) <= set(sharded)
    assert_same_weights(single, {name: sharded[name] for name in single})
    meta = json.loads((tmp_path / "model" / "meta.json").read_text())
    assert meta["checkpoints"] == [8] and not (tmp_path / "model" / "resume").exists()


def rank_pids(launcher_pid):
    children = Path(f"/proc/{launcher_pid}/task/{launcher_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_sigkill_of_one_rank_ends_the_run_and_the_rerun_resumes_every_rank_to_the_same_weights(tmp_path, tiny, examples, one_process):
    _, single_dir = one_process
    config = write_config(tmp_path, examples, "model")
    launcher = subprocess.Popen(command(config, tiny, 2), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment())
    seen = []
    for line in launcher.stdout:
        seen.append(line)
        if line.startswith("step 3 loss"):
            break
    assert seen and seen[-1].startswith("step 3 loss"), "".join(seen)
    os.kill(rank_pids(launcher.pid)[-1], signal.SIGKILL)
    rest = launcher.stdout.read()
    assert launcher.wait(timeout=300) != 0, "torchrun fails the run when a rank dies; the run finished before the kill:\n" + rest
    assert not (tmp_path / "model" / "meta.json").exists()
    out = run(config, tiny, 2)
    resumed = re.search(r"state will be restored from checkpoint (\d+)", out)
    assert resumed and int(resumed.group(1)) in (2, 4, 6), out
    assert sorted(losses(out)) == list(range(int(resumed.group(1)) + 1, 9))
    assert_same_weights(weights(single_dir), weights(tmp_path / "model"))
