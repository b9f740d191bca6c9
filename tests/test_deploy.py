"""The deployment definitions validate: prefect.yaml parses, every entrypoint resolves to its
flow, parameters pass the flow's schema, schedules are valid crons; and (slow) a real
`prefect deploy --all` against a test server registers them with their schedules."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

PREFECT_YAML = REPO / "prefect.yaml"


def _deployments() -> list[dict]:
    return yaml.safe_load(PREFECT_YAML.read_text())["deployments"]


def _have(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _loadable(dep: dict) -> bool:
    """publish_dataset lives in flows/publish.py (another work item); skip it until then."""
    return _have(dep["entrypoint"].rsplit(".", 1)[0])


def test_prefect_yaml_matches_prefects_own_model() -> None:
    from prefect.cli.deploy._models import PrefectYamlModel

    model = PrefectYamlModel.model_validate(yaml.safe_load(PREFECT_YAML.read_text()))
    names = {d.name: d for d in model.deployments}
    assert set(names) == {"nightly", "publish-nightly"}
    for dep in model.deployments:
        assert dep.work_pool is not None and dep.work_pool.name == "tolk-process"
        assert dep.tags and "tolk" in dep.tags
        assert dep.schedules and all(s.cron for s in dep.schedules)
        assert dep.enforce_parameter_schema is True
    assert names["nightly"].entrypoint == "tolk.flows.build_corpus.build_corpus"
    assert names["nightly"].schedules[0].cron == "0 2 * * *"


def test_schedules_are_valid_crons() -> None:
    from prefect.client.schemas.schedules import CronSchedule

    for dep in _deployments():
        for s in dep["schedules"]:
            sched = CronSchedule(cron=s["cron"], timezone=s.get("timezone", "UTC"))
            assert sched.cron == s["cron"]
    with pytest.raises(ValueError):
        CronSchedule(cron="0 25 * * *")  # the check above could fail


@pytest.mark.parametrize("name", ["nightly", "publish-nightly"])
def test_entrypoint_resolves_and_parameters_validate(name: str) -> None:
    from prefect.flows import load_flow_from_entrypoint
    from prefect.utilities.callables import parameter_schema
    from prefect.utilities.schema_tools.validation import validate

    dep = next(d for d in _deployments() if d["name"] == name)
    assert _loadable(dep), f"{dep['entrypoint']} is not importable"
    flow = load_flow_from_entrypoint(dep["entrypoint"], use_placeholder_flow=False)
    assert flow.name == dep["entrypoint"].rsplit(".", 1)[1]
    schema = parameter_schema(flow).model_dump_for_openapi()
    validate(dep["parameters"], schema, raise_on_error=True, ignore_required=False)
    flow.validate_parameters(dep["parameters"])  # pydantic: what a run will get


def test_bad_parameters_get_clear_messages() -> None:
    from prefect.exceptions import ParameterTypeError

    from tolk.flows.build_corpus import build_corpus

    good = next(d for d in _deployments() if d["name"] == "nightly")["parameters"]
    bad = {"config": {**good["config"], "langs": ["klingon"], "shard_size": 0}}
    del bad["config"]["out"]
    with pytest.raises(ParameterTypeError) as info:
        build_corpus.validate_parameters(bad)
    msg = str(info.value)
    assert "out" in msg and "shard_size" in msg and "langs" in msg


def test_serve_builds_a_cron_deployment(tmp_path: Path) -> None:
    from tolk.errors import ConfigError
    from tolk.flows.config import BuildConfig
    from tolk.flows.serve import build_deployment

    config = BuildConfig(source=str(tmp_path / "src"), out=str(tmp_path / "out"),
                         langs=["fortran", "cobol"])
    dep = build_deployment(config, name="nightly", cron="30 1 * * *")
    assert dep.name == "nightly" and dep.flow_name == "build_corpus"
    assert [s.schedule.cron for s in dep.schedules] == ["30 1 * * *"]
    assert dep.parameters["config"]["langs"] == ["fortran", "cobol"]
    assert dep.parameters["config"]["out"] == str(tmp_path / "out")
    with pytest.raises(ConfigError, match="not a valid cron"):
        build_deployment(config, cron="every night")


@pytest.mark.slow
def test_prefect_deploy_all_registers_schedules(tmp_path: Path, prefect_harness) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import get_current_settings

    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "home"),
               PREFECT_API_URL=str(get_current_settings().api.url))
    prefect = [sys.executable, "-m", "prefect"]

    def run(*args: str) -> str:
        res = subprocess.run([*prefect, *args], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=300)
        assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
        return res.stdout

    run("work-pool", "create", "tolk-process", "--type", "process", "--overwrite")
    wanted = [d for d in _deployments() if _loadable(d)]
    names = [arg for d in wanted for arg in ("--name", d["name"])]
    run("--no-prompt", "deploy", *names)

    with get_client(sync_client=True) as client:
        for dep in wanted:
            flow_name = dep["entrypoint"].rsplit(".", 1)[1]
            got = client.read_deployment_by_name(f"{flow_name}/{dep['name']}")
            assert got.work_pool_name == "tolk-process"
            assert set(dep["tags"]) <= set(got.tags)
            assert [s.schedule.cron for s in got.schedules] == [s["cron"] for s in
                                                                dep["schedules"]]
            assert got.parameters == dep["parameters"]
            assert got.enforce_parameter_schema
            assert "config" in got.parameter_openapi_schema["properties"] or \
                flow_name != "build_corpus"
