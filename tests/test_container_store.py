"""The toolchain store, Containerfile lint, the podman chain and doctor rows: fast, no builds.

Every store lives under tmp_path (via the `store` parameter or TOLK_TOOLCHAINS_DIR), never
the user's home. Nothing here runs debootstrap or starts a container.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tolk.errors import ConfigError, ToolchainUnavailable
from tolk.flows import doctor
from tolk.flows.cli_toolchains import add_toolchains_parser, toolchains_command
from tolk.toolchains import container_build, containers
from tolk.toolchains.container_build import find_mirror, offline_key, packages_for
from tolk.toolchains.containers import (
    ENV_VAR, ContainerRef, Manifest, container_for, containerfile_path, lint_containerfile,
    parse_containerfile, record_build, store_dir,
)
from tolk.validators.container import container_chain, engine_failure
from tolk.validators.sandbox import SandboxPolicy, run_sandboxed


def manifest(location: Path | str, langs: tuple[str, ...] = ("fortran",), key: str = "k1",
             kind: str = "rootfs") -> Manifest:
    return Manifest(key=key, kind=kind, langs=langs, packages=("gfortran",), location=str(location),
                    built_at="2026-01-01T00:00:00+00:00", source="test", size_bytes=5,
                    versions={"gfortran": "4:12.2.0-3"})


def fake_rootfs(tmp_path: Path) -> Path:
    root = tmp_path / "rootfs"
    (root / "bin").mkdir(parents=True)
    return root


# --- store --------------------------------------------------------------------------------

def test_store_dir_prefers_parameter_then_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert store_dir() == tmp_path / "env"
    assert store_dir(tmp_path / "param") == tmp_path / "param"
    monkeypatch.delenv(ENV_VAR)
    assert store_dir() == Path.home() / ".cache" / "tolk" / "toolchains"  # computed, not created


def test_missing_toolchain_names_the_build_command(tmp_path: Path) -> None:
    with pytest.raises(ToolchainUnavailable) as err:
        container_for("fortran", tmp_path)
    assert "tolk toolchains build --langs fortran" in err.value.hint


def test_empty_policy_toolchain_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ToolchainUnavailable, match="names no toolchain"):
        container_for("", tmp_path)


def test_recorded_build_is_found_for_each_of_its_langs(tmp_path: Path) -> None:
    rootfs = fake_rootfs(tmp_path)
    record_build(manifest(rootfs, langs=("fortran", "cobol")), tmp_path / "store")
    for lang in ("fortran", "cobol"):
        ref = container_for(lang, tmp_path / "store")
        assert ref == ContainerRef(lang, "rootfs", str(rootfs), "k1")
    assert containers.built_toolchains(tmp_path / "store")[0][1] == manifest(rootfs, ("fortran", "cobol"))


def test_env_var_selects_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record_build(manifest(fake_rootfs(tmp_path)), tmp_path / "store")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "store"))
    assert container_for("fortran").key == "k1"


def test_vanished_rootfs_asks_for_a_forced_rebuild(tmp_path: Path) -> None:
    record_build(manifest(tmp_path / "gone"), tmp_path)
    with pytest.raises(ToolchainUnavailable, match="--force"):
        container_for("fortran", tmp_path)


def test_corrupt_index_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text("{not json")
    with pytest.raises(ConfigError, match="unreadable"):
        container_for("fortran", tmp_path)


def test_manifest_round_trips_through_json() -> None:
    m = manifest("/x", langs=("cobol", "fortran"))
    assert Manifest.from_json(m.to_json()) == m


def test_engine_args_put_rootfs_last_and_image_alone() -> None:
    assert ContainerRef("fortran", "rootfs", "/r", "k").engine_args() == ["--rootfs", "/r"]
    assert ContainerRef("fortran", "image", "localhost/t:1", "k").engine_args() == ["localhost/t:1"]


# --- Containerfile ------------------------------------------------------------------------

def test_parse_joins_continuations_and_skips_comments_inside_them() -> None:
    text = "# top\nFROM debian:12\nRUN a \\\n  # inner comment\n  && b\n\nUSER x\n"
    got = [(i.line, i.keyword, i.args) for i in parse_containerfile(text)]
    assert got == [(2, "FROM", "debian:12"), (3, "RUN", "a && b"), (7, "USER", "x")]


@pytest.mark.parametrize("text, problem", [
    ("FROM debian\n", "not pinned by tag"),
    ("FROM debian:latest\n", "moving tag 'latest'"),
    ("RUN true\nFROM debian:12\n", "RUN before the first FROM"),
    ("FROM debian:12\nRUNN true\n", "unknown instruction 'RUNN'"),
    ("FROM ${BASE}\n", "undefined ARG"),
    ("FROM debian:12\nRUN a \\\n", "dangling line continuation"),
    ("# only a comment\n", "no instructions"),
    ("ARG X=1\n", "no FROM instruction"),
])
def test_lint_finds_each_problem(text: str, problem: str) -> None:
    assert any(problem in p for p in lint_containerfile(text)), lint_containerfile(text)


@pytest.mark.parametrize("text", [
    "ARG TAG=bookworm-20250520-slim\nFROM docker.io/library/debian:${TAG}\nRUN true\n",
    "FROM debian@sha256:" + "a" * 64 + "\n",
    "FROM localhost:5000/debian:12 AS build\n",
])
def test_lint_accepts_pinned_bases(text: str) -> None:
    assert lint_containerfile(text) == []


def test_fortran_containerfile_pins_base_archive_and_compiler() -> None:
    text = containerfile_path("fortran").read_text()
    assert lint_containerfile(text) == []
    ins = parse_containerfile(text)
    args = {i.args.split("=", 1)[0]: i.args.split("=", 1)[1] for i in ins if i.keyword == "ARG"}
    assert args["DEBIAN_TAG"].startswith("bookworm-2") and args["DEBIAN_TAG"].endswith("-slim")
    assert args["GFORTRAN_VERSION"].split(":")[-1].startswith("12.2.0")
    run = next(i.args for i in ins if i.keyword == "RUN")
    assert f"snapshot.debian.org/archive/debian/${{SNAPSHOT}}" in run
    for pkg in ("gfortran", "gfortran-12", "libgfortran5"):
        assert f'"{pkg}=${{' in run, pkg  # every toolchain package pinned by version
    assert next(i.args for i in ins if i.keyword == "USER") not in ("root", "0")
    assert next(i.args for i in ins if i.keyword == "WORKDIR") == "/work"


# --- offline build inputs ----------------------------------------------------------------

def test_find_mirror_reads_deb822_sources(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\n# comment\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\n"
        "Components: main\n\nTypes: deb\nURIs: http://sec.example/debian-security\n"
        "Suites: bookworm-security\n")
    assert find_mirror(tmp_path, "bookworm") == "http://mirror.example/debian"


def test_find_mirror_reads_one_line_sources(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "# deb http://old.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main\n")
    assert find_mirror(tmp_path, "bookworm") == "http://one.example/debian"
    # Another suite comes from the same archive (Julia's bullseye on a bookworm machine).
    assert find_mirror(tmp_path, "trixie") == "http://one.example/debian"
    (tmp_path / "sources.list").write_text("deb https://packages.example.com/apt cloud-sdk main\n")
    with pytest.raises(ConfigError, match="--mirror"):
        find_mirror(tmp_path, "trixie")


def test_find_mirror_falls_back_to_the_main_archive_not_security(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://sec.example/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n")
    (tmp_path / "sources.list.d" / "old.list.disabled").write_text(
        "deb http://disabled.example/debian bullseye main\n")  # apt ignores it, so do we
    assert find_mirror(tmp_path, "bullseye") == "http://mirror.example/debian"


def test_offline_key_depends_on_the_package_set_only() -> None:
    assert offline_key(["gnucobol3", "gfortran"], "bookworm") == offline_key(["gfortran", "gnucobol3"], "bookworm")
    assert offline_key(["gfortran"], "bookworm") != offline_key(["gfortran", "gnucobol3"], "bookworm")
    assert offline_key(["gfortran"], "bookworm") != offline_key(["gfortran"], "trixie")


def test_packages_for_uses_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    assert packages_for(["fortran"]) == ("gfortran",)

    class NoDebian:
        debian_packages: tuple[str, ...] = ()

    import tolk.toolchains.registry as registry
    monkeypatch.setattr(registry, "get_toolchain", lambda lang: NoDebian())
    with pytest.raises(ConfigError, match="from-containerfile"):
        packages_for(["julia"])


def test_rebuild_of_a_recorded_package_set_is_a_no_op(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = offline_key(["gfortran"], "bookworm")
    record_build(manifest(fake_rootfs(tmp_path), key=key), tmp_path / "store")
    monkeypatch.setattr(container_build.os, "geteuid", lambda: 1000)  # would refuse to build
    said: list[str] = []
    got = container_build.build_offline(["fortran"], store=tmp_path / "store", progress=said.append)
    assert got.key == key and "nothing to do" in said[-1]


def test_offline_build_preconditions_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(container_build.os, "geteuid", lambda: 1000)
    with pytest.raises(ToolchainUnavailable, match="needs root"):
        container_build.build_offline(["fortran"], store=tmp_path, progress=lambda s: None)
    monkeypatch.setattr(container_build.os, "geteuid", lambda: 0)
    monkeypatch.setattr(container_build.shutil, "which", lambda *a, **k: None)
    with pytest.raises(ToolchainUnavailable, match="apt-get install debootstrap"):
        container_build.build_offline(["fortran"], store=tmp_path, progress=lambda s: None)
    monkeypatch.setattr(container_build.shutil, "which", lambda *a, **k: "/usr/sbin/debootstrap")
    with pytest.raises(ToolchainUnavailable, match="not reachable"):
        container_build.build_offline(["fortran"], store=tmp_path, mirror="http://127.0.0.1:9/debian",
                                      progress=lambda s: None)
    assert not (tmp_path / "index.json").exists()


# --- the podman chain ---------------------------------------------------------------------

def test_container_chain_carries_the_whole_policy(tmp_path: Path) -> None:
    pol = SandboxPolicy(cpu_seconds=7, memory_bytes=256 << 20, file_size_bytes=1000, nproc=12,
                        nofile=40, uid=64001, toolchain="fortran")
    chain, name = container_chain("podman", ["--rootfs", "/r"], ["./harness", "x"], tmp_path, pol,
                                  False, {"A": "1"})
    text = " ".join(chain)
    for flag in ("--rm", "--network none", "--read-only", "--cap-drop=ALL",
                 "--security-opt no-new-privileges", "--user 64001:64001", "--pids-limit 12",
                 f"--memory {256 << 20}", "--ulimit cpu=7:8", "--ulimit fsize=1000:1000",
                 "--ulimit nproc=12:12", "--ulimit nofile=40:40", "--ulimit core=0:0",
                 f"-v {tmp_path}:/work:ro", "-w /work", "--env A=1", f"--name {name}"):
        assert flag in text, flag
    assert name.startswith("tolk-")
    i = chain.index("--rootfs")
    assert chain[i + 1] == "/r" and chain[i + 2] == "/bin/sh"  # rootfs last: podman stops there
    assert f"ulimit -v {256 << 10}" in chain[i + 4] and chain[-2:] == ["./harness", "x"]
    chain2, name2 = container_chain("podman", ["img"], ["a"], tmp_path,
                                    SandboxPolicy(memory_bytes=0, uid=64002), True, {})
    assert name2 != name and "--memory" not in chain2 and f"{tmp_path}:/work:rw" in chain2
    assert "ulimit -v" not in chain2[-3]


def test_engine_failure_is_told_apart_from_the_command() -> None:
    assert engine_failure(125, "Error: no such file")
    assert engine_failure(126, "Error: runc: runc create failed: ... OCI permission denied")
    assert not engine_failure(127, "/bin/sh: 1: gfortran: not found")
    assert not engine_failure(126, "/bin/sh: 1: ./harness: Permission denied")
    assert not engine_failure(3, "Error: mine")


def test_podman_executor_without_a_built_toolchain_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "empty-store"))
    work = tmp_path / "w" / "run"
    work.mkdir(parents=True)
    with pytest.raises(ToolchainUnavailable):
        run_sandboxed(["true"], workdir=work, policy=SandboxPolicy(toolchain="fortran"),
                      executor="podman")


# --- CLI and doctor ----------------------------------------------------------------------

def _cli(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_toolchains_parser(p.add_subparsers(dest="command"))
    return p.parse_args(argv)


def test_cli_parses_build_flags() -> None:
    a = _cli(["toolchains", "build", "--langs", "fortran,cobol", "--offline", "--force"])
    assert (a.langs, a.mode, a.force, a.suite) == (["fortran", "cobol"], "offline", True, None)
    assert _cli(["toolchains", "build", "--suite", "trixie"]).suite == "trixie"
    assert _cli(["toolchains", "build", "--from-containerfile"]).mode == "containerfile"
    with pytest.raises(SystemExit):
        _cli(["toolchains", "build", "--offline", "--from-containerfile"])
    with pytest.raises(SystemExit):
        _cli(["toolchains", "build", "--langs", "rust"])


def test_cli_list_prints_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert toolchains_command(_cli(["toolchains", "list", "--store", str(tmp_path)])) == 0
    assert "no toolchains built" in capsys.readouterr().out
    record_build(manifest(fake_rootfs(tmp_path)), tmp_path)
    assert toolchains_command(_cli(["toolchains", "list", "--store", str(tmp_path)])) == 0
    out = capsys.readouterr().out
    assert "fortran" in out and "gfortran 4:12.2.0-3" in out and "k1" in out


def _row(rows: list[tuple[str, bool, str]], name: str) -> tuple[str, bool, str]:
    return next(r for r in rows if r[0] == name)


def test_doctor_reports_a_broken_store_and_containerfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    (tmp_path / "index.json").write_text("{broken")
    bad = tmp_path / "Containerfile"
    bad.write_text("FROM debian\nRUN apt-get install \\\n")
    monkeypatch.setattr(containers, "containerfile_path", lambda lang: bad)
    rows = doctor.doctor_lines()
    name, ok, detail = _row(rows, "container:fortran")
    assert not ok and "unreadable" in detail
    name, ok, detail = _row(rows, "containerfile:fortran")
    assert not ok and "not pinned" in detail
    assert _row(rows, "sandbox:docker")[0] == "sandbox:docker"


def test_doctor_never_tracebacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tolk.validators.sandbox as sandbox

    def boom() -> dict[str, str | None]:
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(sandbox, "available_executors", boom)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    rows = doctor.doctor_lines()
    assert ("sandbox", False, "check failed: RuntimeError: engine exploded") in rows
    name, ok, detail = _row(rows, "container:fortran")
    assert not ok and "tolk toolchains build --langs fortran" in detail


def test_doctor_container_row_for_a_recorded_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    record_build(manifest("localhost/tolk-fortran:abc", kind="image", key="image-fortran-abc"), tmp_path)
    name, ok, detail = _row(doctor.doctor_lines(), "container:fortran")
    assert ok and "image image-fortran-abc" in detail
    assert json.loads((tmp_path / "index.json").read_text()) == {"fortran": "image-fortran-abc"}
