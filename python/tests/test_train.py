"""The training command end to end, in process, on a tiny model built here (the SIGKILL resume test
runs the real command: test-llm/real-lm.test.ts)."""
import json

import pytest

from star_trainer.config import settings_from_config
from star_trainer.tiny_lm import make_tiny_lm
from star_trainer.train import train


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    corpus.write_text("Input:\n2 9 + 5 7\nTarget:\n<scratch>\n2 9 + 5 7 , C: 0\n</scratch>\n8 6\n" * 20)
    return make_tiny_lm([corpus], tmp_path_factory.mktemp("tiny"), vocab_size=300, positions=64)


@pytest.fixture
def examples(tmp_path):
    path = tmp_path / "exp_1.jsonl"
    rows = [{"prompt": f"Input:\n{a} + {b}\nTarget:", "completion": f"\n{a + b}"} for a in range(1, 5) for b in range(1, 4)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def config(tmp_path, examples, **fields):
    return settings_from_config({"total_steps": 3, "model_dir": str(tmp_path / "model"), "train_jsonl": str(examples), "lr": 1e-2, "per_replica_batch": 2, **fields})


def test_lora_trains_an_adapter_and_saves_it_merged_into_a_plain_model(tmp_path, examples, tiny, capsys):
    from safetensors.torch import load_file

    final = train(config(tmp_path, examples, lora={"r": 4, "alpha": 8}), str(tiny))
    out = capsys.readouterr().out
    assert "step 3 loss" in out and out.rstrip().endswith("training completed!")
    base, tuned = load_file(tiny / "model.safetensors"), load_file(final / "model.safetensors")
    assert set(tuned) == set(base), "merged: the saved model has the base model's tensors, no adapter tensors"
    assert any(not (base[name] == tuned[name]).all() for name in base), "the adapter changed the merged weights"
    assert (final / "tokenizer.json").is_file()


def test_lora_saved_as_an_adapter_is_left_unmerged_for_a_server_to_load_at_run_time(tmp_path, examples, tiny, capsys):
    from safetensors.torch import load_file

    settings = config(tmp_path, examples, lora={"r": 4, "alpha": 8, "save": "adapter"})
    final = train(settings, str(tiny))
    assert sorted(p.name for p in final.glob("*.safetensors")) == ["adapter_model.safetensors"], "the adapter alone, no full weights"
    adapter = json.loads((final / "adapter_config.json").read_text())
    assert (adapter["r"], adapter["lora_alpha"], adapter["peft_type"]) == (4, 8, "LORA")
    tensors = load_file(final / "adapter_model.safetensors")
    assert tensors and all("lora_" in name for name in tensors)
    assert any(name.endswith("lora_B.weight") and tensor.abs().sum() > 0 for name, tensor in tensors.items()), "trained: B moved off zero"
    assert (final / "tokenizer.json").is_file()
    capsys.readouterr()
    train(settings, str(tiny))
    assert "nothing to train" in capsys.readouterr().out, "an adapter folder listed in meta.json is a complete final checkpoint"


def test_a_finished_run_is_not_trained_again(tmp_path, examples, tiny, capsys):
    settings = config(tmp_path, examples)
    train(settings, str(tiny))
    capsys.readouterr()
    train(settings, str(tiny))
    out = capsys.readouterr().out
    assert "nothing to train" in out and "step 1 loss" not in out


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"fsdp": "full_shard", "deepspeed": {"zero_optimization": {"stage": 2}}}, "sets both fsdp and deepspeed"),
        ({"fsdp": "full_shard", "lora": True}, "sets lora with fsdp or deepspeed"),
    ],
)
def test_sharding_the_trainer_cannot_do_is_refused_before_training(tmp_path, examples, tiny, fields, message):
    from star_trainer.errors import BadInputError

    with pytest.raises(BadInputError, match=message):
        train(config(tmp_path, examples, **fields), str(tiny))
    assert not (tmp_path / "model" / "meta.json").exists()


def test_the_config_seed_fixes_the_adapter_so_a_rerun_trains_the_same_one(tmp_path, examples, tiny, capsys):
    """LoRA's A matrices start random: unseeded, two runs of one config trained different adapters."""
    import torch
    from safetensors.torch import load_file

    adapters = []
    for run, process_state in enumerate([1, 2]):
        torch.manual_seed(process_state)  # what else ran in the process before: nothing the seed may depend on
        settings = config(tmp_path / f"run-{run}", examples, lora={"r": 4, "alpha": 8, "save": "adapter"}, seed=7)
        adapters.append(load_file(train(settings, str(tiny)) / "adapter_model.safetensors"))
    capsys.readouterr()
    assert set(adapters[0]) == set(adapters[1])
    assert all(torch.equal(adapters[0][name], adapters[1][name]) for name in adapters[0])
