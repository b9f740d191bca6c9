"""A tiny random-weight Llama model built locally (no download), and the fixtures that use it.

Key contracts:
- `build_tiny_model(out_dir)` writes a Hugging Face model folder vLLM can load: a byte-level
  BPE tokenizer trained on a few local lines (so any text encodes), a chat template,
  eos/pad tokens, and a 2-layer Llama with hidden 64 and 2 heads (head size 32: vLLM's CPU
  attention rejects head size 16). Weights are random, so its answers are gibberish.
- It needs torch + transformers + tokenizers, which live in the vLLM interpreter, not in
  tolk's venv: fixtures run this file as a script under `vllm_python()` (TOLK_VLLM_PYTHON,
  else `.venv-vllm/bin/python`) and skip when no such interpreter exists (fail under CI=true,
  where setup installs it).
- `tiny_model_dir` is session-scoped: built once per pytest session (a few seconds).
  `vllm_cpu` sets small, polite engine settings for the 2 shared cores; engines built
  under it are shared by the session's tests and closed when the session ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

_CORPUS = """\
def add(a: int, b: int) -> int:
    return a + b
integer function add(a, b)
  integer, intent(in) :: a, b
  add = a + b
end function add
function add(a::Int64, b::Int64)::Int64
    return a + b
end
__device__ int add(int a, int b) { return a + b; }
IDENTIFICATION DIVISION. PROCEDURE DIVISION. COMPUTE R = A + B.
Translate the Python function into Fortran. Here is the code:
```fortran
program main
end program
```
"""


def build_tiny_model(out_dir: str | os.PathLike[str]) -> Path:
    """Write the tiny model folder; needs torch, transformers and tokenizers."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specials = ["<s>", "</s>", "<pad>", "<|system|>", "<|user|>", "<|assistant|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_CORPUS.splitlines() * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(out)

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(fast), hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=8192, bos_token_id=fast.bos_token_id,
                         eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id,
                         tie_word_embeddings=False, torch_dtype="float32")
    LlamaForCausalLM(config).to(torch.float32).save_pretrained(out, safe_serialization=True)
    return out


def vllm_python() -> str | None:
    """The interpreter that has vLLM (and torch), or None."""
    from tolk.translators.backend_vllm import find_vllm_python

    return find_vllm_python()


def vllm_cpu_env() -> dict[str, str]:
    """Engine settings for a CPU test on shared cores (applied to os.environ by fixtures)."""
    return {
        "VLLM_CPU_KVCACHE_SPACE": "1",  # GiB of KV cache: plenty for a 2-layer model
        "OMP_NUM_THREADS": "1",
        "VLLM_CPU_OMP_THREADS_BIND": "nobind",
        "TOLK_VLLM_MAX_MODEL_LEN": "4096",  # real prompts with few-shots fit
        "TOLK_VLLM_DTYPE": "float32",
    }


def make_tiny_model(out_dir: Path, python: str) -> Path:
    """Build the tiny model under `python` (the vLLM interpreter) in a subprocess."""
    subprocess.run([python, str(Path(__file__).resolve()), str(out_dir)], check=True,
                   timeout=600, capture_output=True,
                   env={**os.environ, "OMP_NUM_THREADS": "1"})
    return out_dir


try:  # fixtures only exist where pytest does (this file also runs as a script)
    import pytest

    @pytest.fixture(scope="session")
    def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
        """A tiny model folder, built once per session; skips without a vLLM interpreter."""
        python = vllm_python()
        if python is None:
            why = "no vLLM interpreter (set TOLK_VLLM_PYTHON or create .venv-vllm)"
            if os.environ.get("CI") == "true":  # CI installs it: a skip there hides a gap
                pytest.fail(why + "; scripts/setup.sh must create .venv-vllm")
            pytest.skip(why)
        return make_tiny_model(tmp_path_factory.mktemp("tiny-model"), python)

    @pytest.fixture()
    def vllm_cpu(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
        """Polite CPU engine settings for this test. Tests with the same settings and model
        share one engine through `backend_for`'s cache (as shards of one run do); engines
        are closed when the session ends, since start-up takes minutes."""
        from tolk.translators.llm import clear_backend_cache

        for k, v in vllm_cpu_env().items():
            monkeypatch.setenv(k, v)
        request.config.add_cleanup(lambda: clear_backend_cache("vllm"))

except ImportError:  # pragma: no cover - script mode under the vLLM interpreter
    pass


if __name__ == "__main__":
    build_tiny_model(sys.argv[1])
    print(sys.argv[1])
