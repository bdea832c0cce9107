import json

from star_trainer.checkpoints import final_is_complete, last_resumable, resume_root, save_final


def make_checkpoint(model_dir, step, complete):
    path = resume_root(model_dir) / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "model.safetensors").write_bytes(b"weights")
    if complete:
        (path / "trainer_state.json").write_text("{}")
    return path


def test_resumes_from_the_newest_complete_save_and_drops_a_half_written_one(tmp_path):
    make_checkpoint(tmp_path, 5, complete=True)
    ten = make_checkpoint(tmp_path, 10, complete=True)
    partial = make_checkpoint(tmp_path, 15, complete=False)
    assert last_resumable(tmp_path) == (10, ten)
    assert not partial.exists()


def test_nothing_to_resume_without_saves(tmp_path):
    assert last_resumable(tmp_path) is None


class FakeSaver:
    """Writes a file where save_pretrained would write its folder."""

    def __init__(self, name):
        self.name = name

    def save_pretrained(self, path, **kwargs):
        path.mkdir(parents=True, exist_ok=True)
        (path / self.name).write_text("saved")


def test_the_final_checkpoint_counts_once_meta_json_lists_it(tmp_path):
    (tmp_path / "meta.json").write_text(json.dumps({"step": 40, "checkpoints": [40]}))
    assert not final_is_complete(tmp_path, 60)
    final = save_final(FakeSaver("model.safetensors"), FakeSaver("tokenizer.json"), tmp_path, 60)
    assert sorted(p.name for p in final.iterdir()) == ["model.safetensors", "tokenizer.json"]
    assert json.loads((tmp_path / "meta.json").read_text()) == {"step": 60, "checkpoints": [40, 60]}
    assert final_is_complete(tmp_path, 60)
    assert not (tmp_path / ".step_60.partial").exists()
