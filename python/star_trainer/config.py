"""The iteration config (configs/{exp}_{i}.json, written by activities/write-iteration-config.ts) read
as the settings of a Hugging Face fine-tune. The reference's fields keep their meaning; the fields
only this trainer reads are described in python/README.md."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .errors import BadInputError

PRECISIONS = ("fp32", "bf16", "fp16")
# How `step_N/` holds a LoRA fine-tune: `merged` into full weights (any server loads it), or the
# `adapter` alone, unmerged (PEFT's files), for a server that loads each iteration's adapter at run time.
LORA_SAVES = ("merged", "adapter")


@dataclass(frozen=True)
class LoraSettings:
    r: int
    alpha: int
    dropout: float
    target_modules: str | list[str]
    save: str = "merged"


@dataclass(frozen=True)
class TrainSettings:
    name: str
    total_steps: int
    model_dir: Path
    train_jsonl: Path
    lr: float
    end_lr: float
    warmup_steps: int
    anneal_steps: int
    weight_decay: float
    batch_size: int
    gradient_accumulation_steps: int
    # Longest example in tokens (prompt cut from the left beyond it); None: the model's context.
    seq: int | None
    save_every: int
    seed: int
    precision: str
    lora: LoraSettings | None
    # Passed to TrainingArguments as given (sharding under torchrun); validated by transformers there.
    fsdp: str | None = None
    fsdp_config: dict[str, Any] | None = None
    deepspeed: str | dict[str, Any] | None = None


def local_path(value: str, field: str) -> Path:
    """A plain path or a file:// URI as a path; other schemes are refused (this trainer reads and
    writes local or mounted folders)."""
    parsed = urlparse(value)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme in ("", None) or (len(parsed.scheme) == 1 and value[1:2] == ":"):
        return Path(value)
    raise BadInputError(
        f"{field} {value!r} is a {parsed.scheme}:// URI, but the Hugging Face trainer reads and writes local "
        "folders only: run the experiment with a local storage root (or one mounted on every host)"
    )


def _number(config: dict[str, Any], field: str, default: Any, kind: type, minimum: float | None = None) -> Any:
    value = config.get(field, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInputError(f"config field {field} is {value!r}; expected a number")
    if kind is int:
        if float(value) != int(value):
            raise BadInputError(f"config field {field} is {value!r}; expected a whole number")
        value = int(value)
    else:
        value = float(value)
    if minimum is not None and value < minimum:
        raise BadInputError(f"config field {field} is {value!r}; expected at least {minimum}")
    return value


def _lora(value: Any) -> LoraSettings | None:
    if value is None or value is False:
        return None
    if value is True:
        value = {}
    if not isinstance(value, dict):
        raise BadInputError(f"config field lora is {value!r}; expected null or an object like {{\"r\": 8, \"alpha\": 16}}")
    unknown = set(value) - {"r", "alpha", "dropout", "target_modules", "save"}
    if unknown:
        raise BadInputError(f"config field lora has unknown keys {sorted(unknown)}; known: r, alpha, dropout, target_modules, save")
    save = value.get("save", "merged")
    if save not in LORA_SAVES:
        raise BadInputError(
            f"config field lora.save is {save!r}; expected \"merged\" (full weights in step_N/) or \"adapter\" (the adapter alone, for a server that loads it at run time)"
        )
    targets = value.get("target_modules", "all-linear")
    if not (isinstance(targets, str) or (isinstance(targets, list) and all(isinstance(t, str) for t in targets))):
        raise BadInputError(f"config field lora.target_modules is {targets!r}; expected \"all-linear\" or a list of module names")
    return LoraSettings(
        r=_number(value, "r", 8, int, 1),
        alpha=_number(value, "alpha", 16, int, 1),
        dropout=_number(value, "dropout", 0.0, float, 0.0),
        target_modules=targets,
        save=save,
    )


def _fsdp(value: Any) -> str | None:
    """transformers' `fsdp` option: words such as "full_shard auto_wrap", or a list of them."""
    if value is None or value is False or value == "":
        return None
    if isinstance(value, list) and all(isinstance(word, str) for word in value):
        return " ".join(value)
    if not isinstance(value, str):
        raise BadInputError(f"config field fsdp is {value!r}; expected null, a string like \"full_shard auto_wrap\" or a list of such words")
    return value


def _object_or_none(config: dict[str, Any], field: str) -> dict[str, Any] | None:
    value = config.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInputError(f"config field {field} is {value!r}; expected null or an object")
    return value


def _deepspeed(value: Any) -> str | dict[str, Any] | None:
    """A DeepSpeed config: the JSON object itself, or the path of a JSON file on every host."""
    if value is None or value is False or value == "":
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        if not Path(value).is_file():
            raise BadInputError(f"config field deepspeed names {value!r}, which is not a file: give a DeepSpeed JSON config's path (on every host) or the object itself")
        return value
    raise BadInputError(f"config field deepspeed is {value!r}; expected null, a DeepSpeed config object or the path of one")


def settings_from_config(config: dict[str, Any]) -> TrainSettings:
    if not isinstance(config, dict):
        raise BadInputError("the config must be a JSON object")
    if config.get("bucket"):
        raise BadInputError(
            f"the config names the bucket {config['bucket']!r}: checkpoints would go to gs://{config['bucket']}/{config.get('model_dir')}, "
            "but the Hugging Face trainer writes local folders only; run the experiment with a local storage root"
        )
    for field in ("total_steps", "model_dir"):
        if config.get(field) in (None, ""):
            raise BadInputError(f"the config has no {field}; give the iteration config that star writes (configs/{{exp}}_{{i}}.json)")
    if config.get("train_jsonl") in (None, ""):
        raise BadInputError(
            "the config has no train_jsonl (the iteration's examples as {prompt, completion} JSONL); "
            "configs written by star's config step name it: re-run the experiment's records and config steps"
        )
    total = _number(config, "total_steps", None, int, 1)
    lr = _number(config, "lr", 1e-5, float, 0.0)
    precision = config.get("precision", "fp32")
    if precision not in PRECISIONS:
        raise BadInputError(f"config field precision is {precision!r}; expected one of {', '.join(PRECISIONS)}")
    seq = config.get("seq")
    return TrainSettings(
        name=str(config.get("name", "star")),
        total_steps=total,
        model_dir=local_path(str(config["model_dir"]), "model_dir"),
        train_jsonl=local_path(str(config["train_jsonl"]), "train_jsonl"),
        lr=lr,
        end_lr=_number(config, "end_lr", lr, float, 0.0),
        warmup_steps=_number(config, "warmup_steps", 0, int, 0),
        anneal_steps=_number(config, "anneal_steps", total, int, 1),
        weight_decay=_number(config, "weight_decay", 0.0, float, 0.0),
        batch_size=_number(config, "per_replica_batch", 1, int, 1),
        gradient_accumulation_steps=_number(config, "gradient_accumulation_steps", 1, int, 1),
        seq=None if seq is None else _number(config, "seq", None, int, 2),
        save_every=_number(config, "ckpt_every", 50, int, 1),
        seed=_number(config, "seed", 0, int, 0),
        precision=precision,
        lora=_lora(config.get("lora")),
        fsdp=_fsdp(config.get("fsdp")),
        fsdp_config=_object_or_none(config, "fsdp_config"),
        deepspeed=_deepspeed(config.get("deepspeed")),
    )


def read_settings(path: str) -> TrainSettings:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise BadInputError(f"cannot read the config {path}: {err.strerror}") from err
    try:
        config = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadInputError(f"the config {path} is not valid JSON: {err}") from err
    try:
        return settings_from_config(config)
    except BadInputError as err:
        raise BadInputError(f"{path}: {err}") from err
