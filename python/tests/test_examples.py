import json

import pytest

from star_trainer.errors import BadInputError
from star_trainer.examples import IGNORE, PadCollator, PromptCompletion, read_examples, tokenize_example
from star_trainer.tiny_lm import END_OF_TEXT, train_tokenizer


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    corpus.write_text("Input:\n2 9 + 5 7\nTarget:\n<scratch>\n2 9 + 5 7 , C: 0\n</scratch>\n8 6\n" * 20)
    return train_tokenizer([corpus], 300)


def test_counts_the_completion_and_the_end_of_sequence_only(tokenizer):
    example = PromptCompletion("Input:\n2 + 3\nTarget:", "\n<scratch>\n5\n</scratch>\n5")
    tokenized = tokenize_example(example, tokenizer, 512)
    prompt_ids = tokenizer(example.prompt)["input_ids"]
    assert tokenized.input_ids[: len(prompt_ids)] == prompt_ids
    assert tokenized.labels[: len(prompt_ids)] == [IGNORE] * len(prompt_ids)
    counted = [t for t in tokenized.labels if t != IGNORE]
    assert tokenizer.decode(counted) == example.completion + END_OF_TEXT
    assert counted[-1] == tokenizer.eos_token_id


def test_a_long_example_loses_prompt_tokens_from_the_left(tokenizer):
    example = PromptCompletion("Input:\n" + "1 2 3 4 " * 30 + "\nTarget:", " 8 6")
    tokenized = tokenize_example(example, tokenizer, 16)
    assert len(tokenized.input_ids) == 16
    assert tokenizer.decode([t for t in tokenized.labels if t != IGNORE]) == " 8 6" + END_OF_TEXT
    assert tokenizer.decode(tokenized.input_ids).endswith("\nTarget: 8 6" + END_OF_TEXT)


def test_padding_is_out_of_the_loss_and_of_attention():
    batch = PadCollator(pad_id=0)([{"input_ids": [5, 6, 7], "labels": [IGNORE, 6, 7]}, {"input_ids": [5], "labels": [5]}])
    assert batch["input_ids"].tolist() == [[5, 6, 7], [5, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE, 6, 7], [5, IGNORE, IGNORE]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_a_bad_line_is_named_by_file_and_line(tmp_path):
    path = tmp_path / "exp_1.jsonl"
    path.write_text(json.dumps({"prompt": "Q:\nA:", "completion": " 1"}) + "\n" + json.dumps({"prompt": "Q:"}) + "\n")
    with pytest.raises(BadInputError, match=f"{path}:2: expected an object"):
        read_examples(path)
    path.write_text("\n")
    with pytest.raises(BadInputError, match="holds no examples"):
        read_examples(path)
