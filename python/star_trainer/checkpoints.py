"""Where the trainer keeps its state inside `model_dir`:

- `step_{N}/`: the final model as a Hugging Face folder (safetensors + tokenizer), what a server loads,
  or with `lora.save` "adapter" the PEFT adapter alone (adapter_config.json, adapter_model.safetensors,
  the tokenizer), what a server started on the base model loads at run time; saved into `.step_{N}.partial/` and renamed, so the folder is never half written.
- `meta.json`: `{"step": N, "checkpoints": [..., N]}` written last, as the reference trainer does;
  the host worker (host/final-checkpoint.ts) takes N in `checkpoints` to mean `step_N` is complete.
- `resume/checkpoint-{K}/`: the Trainer's state every `ckpt_every` steps (weights, optimizer,
  scheduler, RNG, data position), so a killed run continues from its last save. Removed once the
  final checkpoint is complete.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
# transformers' Trainer writes trainer_state.json after the weights, optimizer, scheduler and RNG state.
STATE_FILE = "trainer_state.json"


def final_dir(model_dir: Path, total_steps: int) -> Path:
    return model_dir / f"step_{total_steps}"


def resume_root(model_dir: Path) -> Path:
    return model_dir / "resume"


def read_meta(model_dir: Path) -> dict[str, Any]:
    try:
        meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def final_is_complete(model_dir: Path, total_steps: int) -> bool:
    checkpoints = read_meta(model_dir).get("checkpoints")
    return isinstance(checkpoints, list) and total_steps in checkpoints and final_dir(model_dir, total_steps).is_dir()


def last_resumable(model_dir: Path) -> tuple[int, Path] | None:
    """The newest complete Trainer checkpoint; newer incomplete ones (a kill while saving) are removed,
    so the Trainer neither resumes from them nor trips over them when it saves that step again."""
    root = resume_root(model_dir)
    if not root.is_dir():
        return None
    found = sorted(
        ((int(m.group(1)), path) for path in root.iterdir() if (m := CHECKPOINT.match(path.name)) and path.is_dir()),
        reverse=True,
    )
    for step, path in found:
        if (path / STATE_FILE).is_file():
            return step, path
        shutil.rmtree(path, ignore_errors=True)
    return None


def write_json_atomically(path: Path, value: Any) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def partial_dir(model_dir: Path, total_steps: int) -> Path:
    return model_dir / f".step_{total_steps}.partial"


def save_final(model: Any, tokenizer: Any, model_dir: Path, total_steps: int, weights_written: bool = False) -> Path:
    """Saves `step_{total_steps}/` whole, then records it in meta.json. `weights_written`: the model's
    weights are already in the partial folder (a sharded run gathers them with every rank)."""
    final = final_dir(model_dir, total_steps)
    if not final.is_dir():
        partial = partial_dir(model_dir, total_steps)
        if not weights_written:
            shutil.rmtree(partial, ignore_errors=True)
            model.save_pretrained(partial, safe_serialization=True)
        tokenizer.save_pretrained(partial)
        os.replace(partial, final)
    meta = read_meta(model_dir)
    checkpoints = [c for c in meta.get("checkpoints", []) if isinstance(c, int) and c != total_steps]
    write_json_atomically(model_dir / "meta.json", {**meta, "step": total_steps, "checkpoints": [*checkpoints, total_steps]})
    return final
