"""The GGUF commands' own contract: what they refuse, that the output appears whole or not at all, and
that llama.cpp's converter runs with the gguf-py beside it. llama.cpp's converter itself is a stand-in
script here (it lives in the llama venv, which these tests do not need); the real one converts
SmolLM2 in test-llm/smollm2.test.ts."""
import json
import textwrap

import pytest

from star_trainer.errors import BadInputError
from star_trainer.gguf_models import convert_to_gguf, drop_quantization_config, main


@pytest.fixture
def checkpoint(tmp_path):
    folder = tmp_path / "step_3"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    return folder


def converter(tmp_path, body):
    """A stand-in for convert_hf_to_gguf.py (`CHECKPOINT --outfile F --outtype T`), with a gguf-py beside it."""
    (tmp_path / "llama.cpp" / "gguf-py" / "gguf").mkdir(parents=True)
    (tmp_path / "llama.cpp" / "gguf-py" / "gguf" / "__init__.py").write_text("WHERE = 'vendored'\n")
    script = tmp_path / "llama.cpp" / "convert_hf_to_gguf.py"
    script.write_text(textwrap.dedent(body))
    return script


WRITES = """
    import sys, gguf
    out = sys.argv[sys.argv.index("--outfile") + 1]
    open(out, "w").write(gguf.WHERE + " " + sys.argv[sys.argv.index("--outtype") + 1])
"""


def test_to_gguf_writes_output_model_gguf_with_the_vendored_gguf_py(tmp_path, checkpoint, capsys):
    script = converter(tmp_path, WRITES)
    out = tmp_path / "step_3_converted"
    assert main(["to-gguf", "--checkpoint", str(checkpoint), "--output", str(out), "--converter", str(script)]) == 0
    assert (out / "model.gguf").read_text() == "vendored q8_0"
    assert [p.name for p in out.iterdir()] == ["model.gguf"], "no temporary file left"
    assert "wrote" in capsys.readouterr().out


def test_a_complete_output_is_not_converted_again(tmp_path, checkpoint):
    script = converter(tmp_path, "raise SystemExit('must not run')\n")
    gguf = tmp_path / "model.gguf"
    gguf.write_text("done before")
    assert convert_to_gguf(checkpoint, gguf, script, "q8_0") == gguf
    assert gguf.read_text() == "done before"


def test_a_failing_converter_is_bad_input_with_its_last_lines_and_leaves_nothing(tmp_path, checkpoint):
    script = converter(tmp_path, """
        import sys
        out = sys.argv[sys.argv.index("--outfile") + 1]
        open(out, "w").write("half")
        print("NotImplementedError: BPE pre-tokenizer was not recognized")
        sys.exit(1)
    """)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BadInputError, match="(?s)converter failed \\(exit 1\\).*pre-tokenizer was not recognized"):
        convert_to_gguf(checkpoint, out / "model.gguf", script, "q8_0")
    assert list(out.iterdir()) == []


def test_a_missing_converter_says_to_run_setup_llama(tmp_path, checkpoint, capsys):
    code = main(["to-gguf", "--checkpoint", str(checkpoint), "--output", str(tmp_path / "o"), "--converter", str(tmp_path / "nope.py")])
    assert code == 2
    assert "scripts/setup-llama.sh" in capsys.readouterr().err


def test_a_folder_that_is_not_a_model_is_refused(tmp_path):
    script = converter(tmp_path, WRITES)
    with pytest.raises(BadInputError, match="not a Hugging Face model folder"):
        convert_to_gguf(tmp_path / "empty", tmp_path / "model.gguf", script, "q8_0")


def test_from_gguf_refuses_a_missing_file(tmp_path, capsys):
    script = converter(tmp_path, WRITES)
    code = main(["from-gguf", "--gguf", str(tmp_path / "missing.gguf"), "--output", str(tmp_path / "hf"), "--converter", str(script)])
    assert code == 2
    assert "missing.gguf is not there" in capsys.readouterr().err


def test_the_saved_config_forgets_the_gguf_quantisation(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model_type": "llama", "quantization_config": {"quant_method": "gguf"}}))
    drop_quantization_config(config)
    assert json.loads(config.read_text()) == {"model_type": "llama"}


def test_from_gguf_without_a_converter_takes_a_complete_hf_folder_as_done(tmp_path, capsys):
    """For vLLM, which serves the safetensors: no converter, and no model.gguf asked of the folder."""
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text("{}")
    assert main(["from-gguf", "--gguf", str(tmp_path / "missing.gguf"), "--output", str(hf)]) == 0
    assert "is complete" in capsys.readouterr().out
    assert not (hf / "model.gguf").exists()
    script = converter(tmp_path, WRITES)
    (tmp_path / "base.gguf").write_text("")
    assert main(["from-gguf", "--gguf", str(tmp_path / "base.gguf"), "--output", str(hf), "--converter", str(script)]) == 0
    assert (hf / "model.gguf").read_text() == "vendored q8_0", "with a converter, the folder gets its model.gguf"
