"""The iteration's kept examples (`{prompt, completion}` JSONL, written by star's records step) as
token ids whose labels count the completion only, as the reference's loss mask counts the answer after
the last `A:`/`Target:` up to and including end-of-text. The completion gets the tokenizer's
end-of-sequence token appended, so the model learns to stop."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadInputError

IGNORE = -100


@dataclass(frozen=True)
class PromptCompletion:
    prompt: str
    completion: str


def read_examples(path: Path) -> list[PromptCompletion]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise BadInputError(f"cannot read the training examples {path}: {err.strerror}") from err
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise BadInputError(f"{path}:{number}: not valid JSON ({err.msg})") from err
        if not isinstance(row, dict) or not isinstance(row.get("prompt"), str) or not isinstance(row.get("completion"), str):
            raise BadInputError(f'{path}:{number}: expected an object with string fields "prompt" and "completion"')
        if row["completion"] == "":
            raise BadInputError(f"{path}:{number}: the completion is empty; nothing to train on")
        examples.append(PromptCompletion(row["prompt"], row["completion"]))
    if not examples:
        raise BadInputError(f"{path} holds no examples: the generation step kept none this iteration")
    return examples


@dataclass(frozen=True)
class Tokenized:
    input_ids: list[int]
    labels: list[int]


def tokenize_example(example: PromptCompletion, tokenizer: Any, max_length: int) -> Tokenized:
    """Prompt and completion are tokenized apart, as a server sees the prompt and then generates: the
    prompt with the tokenizer's special tokens (a BOS where the model uses one), the completion
    without, then EOS. Too long: prompt tokens go from the left (the reference left-truncates
    contexts), then completion tokens from the right."""
    prompt = tokenizer(example.prompt, add_special_tokens=True)["input_ids"]
    completion = tokenizer(example.completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    completion = completion[:max_length]
    keep = max_length - len(completion)
    prompt = prompt[len(prompt) - keep :] if keep > 0 else []
    return Tokenized(input_ids=prompt + completion, labels=[IGNORE] * len(prompt) + completion)


class ExampleDataset:
    """A map-style dataset for transformers.Trainer."""

    def __init__(self, examples: list[Tokenized]):
        self.examples = examples

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict[str, list[int]]:
        example = self.examples[index]
        return {"input_ids": example.input_ids, "labels": example.labels}


class PadCollator:
    """Right-pads a batch: padding is masked out of attention and of the loss."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, rows: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(row["input_ids"]) for row in rows)
        ids, labels, mask = [], [], []
        for row in rows:
            pad = width - len(row["input_ids"])
            ids.append(row["input_ids"] + [self.pad_id] * pad)
            labels.append(row["labels"] + [IGNORE] * pad)
            mask.append([1] * len(row["input_ids"]) + [0] * pad)
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}
