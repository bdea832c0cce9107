import json

import pytest

from star_trainer.config import read_settings, settings_from_config
from star_trainer.errors import BadInputError

ITERATION = {"total_steps": 40, "model_dir": "/runs/exp/models/exp_1", "train_jsonl": "file:///runs/exp/exp_1.jsonl", "bucket": ""}


def test_reads_the_reference_fields_of_an_iteration_config():
    settings = settings_from_config({**ITERATION, "lr": 1e-6, "warmup_steps": 100, "gradient_accumulation_steps": 8, "per_replica_batch": 1, "seq": 1536, "ckpt_every": 10})
    assert settings.total_steps == 40
    assert str(settings.model_dir) == "/runs/exp/models/exp_1"
    assert str(settings.train_jsonl) == "/runs/exp/exp_1.jsonl"
    assert (settings.lr, settings.end_lr, settings.warmup_steps, settings.anneal_steps) == (1e-6, 1e-6, 100, 40)
    assert (settings.batch_size, settings.gradient_accumulation_steps, settings.seq, settings.save_every) == (1, 8, 1536, 10)
    assert settings.lora is None


def test_lora_true_takes_the_defaults_and_an_object_its_fields():
    assert settings_from_config({**ITERATION, "lora": True}).lora.r == 8
    lora = settings_from_config({**ITERATION, "lora": {"r": 4, "alpha": 8, "target_modules": ["c_attn"]}}).lora
    assert (lora.r, lora.alpha, lora.target_modules, lora.save) == (4, 8, ["c_attn"], "merged")
    assert settings_from_config({**ITERATION, "lora": {"save": "adapter"}}).lora.save == "adapter"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"bucket": "checkpoint-bucket"}, "writes local folders only"),
        ({"train_jsonl": None}, "has no train_jsonl"),
        ({"train_jsonl": "gs://b/exp_1.jsonl"}, "gs:// URI"),
        ({"total_steps": 0}, "total_steps is 0; expected at least 1"),
        ({"lr": "fast"}, "lr is 'fast'; expected a number"),
        ({"lora": {"rank": 4}}, "unknown keys \\['rank'\\]"),
        ({"lora": {"save": "gguf"}}, "lora.save is 'gguf'; expected \"merged\""),
        ({"precision": "fp8"}, "precision is 'fp8'"),
    ],
)
def test_names_what_is_wrong(change, message):
    config = {**ITERATION, **change}
    config = {k: v for k, v in config.items() if v is not None}
    with pytest.raises(BadInputError, match=message):
        settings_from_config(config)


def test_a_config_that_is_not_json_names_the_file(tmp_path):
    path = tmp_path / "exp_1.json"
    path.write_text("{not json")
    with pytest.raises(BadInputError, match=f"{path} is not valid JSON"):
        read_settings(str(path))
    path.write_text(json.dumps(ITERATION))
    assert read_settings(str(path)).total_steps == 40


def test_the_command_exits_with_status_2_on_bad_input_naming_it(tmp_path, capsys):
    from star_trainer.train import main

    path = tmp_path / "exp_1.json"
    path.write_text(json.dumps({**ITERATION, "train_jsonl": None}))
    assert main(["--config", str(path), "--tune-model-path", str(tmp_path)]) == 2
    assert "has no train_jsonl" in capsys.readouterr().err


def test_sharding_fields_pass_through_and_a_list_of_fsdp_words_is_joined():
    settings = settings_from_config({**ITERATION, "fsdp": ["full_shard", "auto_wrap"], "fsdp_config": {"min_num_params": 1000}})
    assert (settings.fsdp, settings.fsdp_config, settings.deepspeed) == ("full_shard auto_wrap", {"min_num_params": 1000}, None)
    assert settings_from_config({**ITERATION, "deepspeed": {"zero_optimization": {"stage": 2}}}).deepspeed == {"zero_optimization": {"stage": 2}}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"fsdp": 3}, "config field fsdp is 3"),
        ({"fsdp_config": "auto"}, "config field fsdp_config is 'auto'; expected null or an object"),
        ({"deepspeed": "no/such/ds.json"}, "deepspeed names 'no/such/ds.json', which is not a file"),
        ({"deepspeed": 2}, "config field deepspeed is 2"),
    ],
)
def test_malformed_sharding_fields_are_named(change, message):
    with pytest.raises(BadInputError, match=message):
        settings_from_config({**ITERATION, **change})
