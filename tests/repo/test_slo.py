"""The service level objectives: copier/slo.yml's computed `slo` map against an independent
computation, its edges, and the generated slo.yaml (OpenSLO v1) for every cloud: its values,
its references, the README's summary, and the OpenSLO CLI (oslo) accepting it."""

from __future__ import annotations

import re
import subprocess
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from svcforge.cli import app
from svcforge.errors import AnswerError
from svcforge.questions import resolve
from tests.repo.helpers import ALL_KEYS, Rendered, computed, rendered, section, slugs
from tests.support import toolchain
from tests.support.render import answers
from tests.support.tools import go_tool

# The multi-window, multi-burn-rate alerts of the Google SRE workbook (chapter "Alerting on SLOs"):
# key, burn rate, long and short window (s), severity.
BURNS = (("fast", Fraction("14.4"), 3600, 300, "page"), ("slow", Fraction(6), 21600, 1800, "ticket"))
# (availability %, latency %, latency threshold ms, window days): the defaults, every edge of the
# rules, and targets with 3 decimals.
TARGETS = [
    (99.9, 95, 300, 30),
    (95, 95, 1, 7),
    (99.999, 99.99, 60000, 28),
    (99.95, 99, 250, 28),
    (99.99, 97.125, 1000, 7),
    (97.125, 99.5, 300, 30),
    (99.001, 96.001, 300, 7),
]
LONGEST_SERVICE_NAME = 25  # gcp's limit, the highest of the three (copier/service.yml)


def _half_up(value: Fraction, places: int = 2) -> Fraction:
    with localcontext() as context:
        context.prec = 50
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return Fraction(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def expected_slo(availability: float, latency: float, threshold_ms: int, days: int) -> dict[str, Any]:
    """The map copier/slo.yml must compute, from the decimal answers with exact fractions."""
    objectives: dict[str, Any] = {}
    for sli, percent in (("availability", availability), ("latency", latency)):
        target = Fraction(str(percent)) / 100
        budget = 1 - target
        entry: dict[str, Any] = {}
        if sli == "latency":
            entry.update(threshold_ms=Fraction(threshold_ms), threshold_s=Fraction(threshold_ms, 1000))
        entry.update(
            objective_percent=target * 100,
            target_ratio=target,
            error_budget_percent=budget * 100,
            error_budget_ratio=budget,
            error_budget_s=budget * days * 86400,
            error_budget_minutes=budget * days * 1440,
        )
        entry["alerts"] = {
            key: {
                "burn_rate": burn,
                "long_window_s": Fraction(long_s),
                "short_window_s": Fraction(short_s),
                "op": "gt",
                "threshold_ratio": burn * budget,
                "threshold_percent": burn * budget * 100,
                # The share of the window's budget spent over the long window at that burn rate.
                "budget_consumed_percent": _half_up(burn * long_s / (days * 86400) * 100),
                "budget_exhausted_in_h": _half_up(days * 24 / burn),
                "severity": severity,
            }
            for key, burn, long_s, short_s, severity in BURNS
        }
        objectives[sli] = entry
    return {"window_days": Fraction(days), "objectives": objectives}


def _exact(value: Any) -> Any:
    """A number of the map as the exact decimal it was written as (YAML -> float -> shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float):
        # A whole number is written without a decimal point (95, not 95.0).
        assert not value.is_integer(), f"{value!r} should be written as an integer"
    return Fraction(repr(value))


def _exact_tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _exact_tree(v) for k, v in value.items()}
    return _exact(value)


def _slo_answers(availability: float, latency: float, threshold_ms: int, days: int) -> dict[str, Any]:
    return answers(
        slo_availability_percent=availability,
        slo_latency_percent=latency,
        slo_latency_threshold_ms=threshold_ms,
        slo_window_days=days,
    )


@pytest.mark.parametrize("target", TARGETS, ids=[f"{a}-{lat}-{ms}ms-{d}d" for a, lat, ms, d in TARGETS])
def test_slo_map_is_computed_exactly_from_the_answers(target: tuple[float, float, int, int]) -> None:
    slo = resolve(_slo_answers(*target))["slo"]
    assert _exact_tree(slo) == expected_slo(*target)


def test_the_default_thresholds_are_the_workbooks() -> None:
    """99.9 %: 14.4 x 0.1 % = 1.44 % failing requests pages, 6 x 0.1 % = 0.6 % opens a ticket; a 95 %
    latency objective: 72 % and 30 % of requests slower than the threshold."""
    slo = resolve(answers())["slo"]
    availability, latency = slo["objectives"]["availability"], slo["objectives"]["latency"]
    fast, slow = availability["alerts"]["fast"], availability["alerts"]["slow"]
    assert (fast["threshold_percent"], slow["threshold_percent"]) == (1.44, 0.6)
    assert (fast["threshold_ratio"], slow["threshold_ratio"]) == (0.0144, 0.006)
    assert (fast["burn_rate"], slow["burn_rate"]) == (14.4, 6)
    assert (fast["budget_consumed_percent"], slow["budget_consumed_percent"]) == (2, 5)
    assert (fast["severity"], slow["severity"]) == ("page", "ticket")
    lat_fast, lat_slow = latency["alerts"]["fast"], latency["alerts"]["slow"]
    assert (lat_fast["threshold_percent"], lat_slow["threshold_percent"]) == (72, 30)
    assert availability["error_budget_minutes"] == 43.2 and availability["error_budget_s"] == 2592
    assert slo["window_days"] == 30 and latency["threshold_ms"] == 300 and latency["threshold_s"] == 0.3


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "infinity"])
@pytest.mark.parametrize("question", ["slo_availability_percent", "slo_latency_percent"])
def test_nan_and_infinities_are_rejected(tmp_path: Path, question: str, value: str) -> None:
    """float() accepts these words; each fails the range rule (NaN compares false with both bounds)."""
    with pytest.raises(AnswerError) as caught:
        resolve(answers(**{question: value}))
    assert caught.value.question == question and "must be a percentage from 95 to" in caught.value.rule
    dest = tmp_path / "out"
    data_file = tmp_path / "answers.yml"
    data_file.write_text(yaml.safe_dump({k: v for k, v in answers().items() if k != question}))
    result = CliRunner().invoke(
        app, ["new", str(dest), "--data-file", str(data_file), "--data", f"{question}={value}"]
    )
    assert result.exit_code == 2, result.output
    assert (
        f"invalid answer for '{question}'" in result.output
        and "must be a percentage from 95 to" in result.output
    )
    assert not dest.exists() or not any(dest.iterdir())


def test_the_fast_burn_can_fire_at_every_accepted_target() -> None:
    """The lowest accepted targets keep every threshold below 100 % bad requests."""
    slo = resolve(_slo_answers(95, 95, 300, 30))["slo"]
    for objective in slo["objectives"].values():
        for alert in objective["alerts"].values():
            assert 0 < alert["threshold_ratio"] < 1


# --- slo.yaml -------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=ALL_KEYS)
def repo(request: pytest.FixtureRequest) -> Rendered:
    return rendered(request.param)


def _documents(repo: Rendered) -> list[dict[str, Any]]:
    documents = yaml.safe_load(repo.read("slo.yaml"))
    assert isinstance(documents, list)
    return documents


def _by_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def _duration(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"


def test_slo_yaml_states_the_objectives_of_the_answers(repo: Rendered) -> None:
    documents = _documents(repo)
    service = repo.answers["service_name"]
    values = computed(repo)
    slo = values["slo"]
    answers_ = (
        values["slo_availability_percent"],
        values["slo_latency_percent"],
        values["slo_latency_threshold_ms"],
        values["slo_window_days"],
    )
    expected = expected_slo(*answers_)
    assert all(d["apiVersion"] == "openslo/v1" for d in documents)
    assert sorted({d["kind"] for d in documents}) == [
        "AlertNotificationTarget",
        "AlertPolicy",
        "SLI",
        "SLO",
        "Service",
    ]
    assert list(_by_kind(documents, "Service")) == [service]
    targets = _by_kind(documents, "AlertNotificationTarget")
    assert targets[f"{service}-page"]["spec"]["target"] == repo.answers["oncall_tool"]
    assert repo.answers["oncall_schedule"] in targets[f"{service}-page"]["spec"]["description"]
    assert repo.answers["slack_channel"] in targets[f"{service}-ticket"]["spec"]["description"]
    policies = _by_kind(documents, "AlertPolicy")
    slos = _by_kind(documents, "SLO")
    assert sorted(slos) == [f"{service}-availability", f"{service}-latency"]
    assert sorted(_by_kind(documents, "SLI")) == sorted(slos)
    for sli in ("availability", "latency"):
        objective = slos[f"{service}-{sli}"]["spec"]
        want = expected["objectives"][sli]
        assert objective["service"] == service and objective["indicatorRef"] == f"{service}-{sli}"
        assert objective["budgetingMethod"] == "Occurrences"
        assert objective["timeWindow"] == [{"duration": f"{answers_[3]}d", "isRolling": True}]
        assert [Fraction(repr(o["target"])) for o in objective["objectives"]] == [want["target_ratio"]]
        assert f"{slo['objectives'][sli]['error_budget_percent']} % of requests" in objective["description"]
        assert slos[f"{service}-{sli}"]["metadata"]["labels"] == {"team": repo.answers["owner_team"]}
        refs = [p["alertPolicyRef"] for p in objective["alertPolicies"]]
        assert refs == [f"{service}-{sli}-fast-burn", f"{service}-{sli}-slow-burn"]
        for key, burn, long_s, short_s, severity in BURNS:
            policy = policies[f"{service}-{sli}-{key}-burn"]["spec"]
            (condition,) = policy["conditions"]
            assert condition["spec"]["severity"] == severity
            assert condition["spec"]["condition"] == {
                "kind": "burnrate",
                "op": "gt",
                "threshold": float(burn) if burn.denominator != 1 else int(burn),
                "lookbackWindow": _duration(long_s),
                "alertAfter": _duration(short_s),
            }
            assert policy["notificationTargets"] == [{"targetRef": f"{service}-{severity}"}]
            threshold = want["alerts"][key]["threshold_percent"]
            assert f"more than {_exact_text(threshold)} % of requests" in policy["description"]
    latency_sli = _by_kind(documents, "SLI")[f"{service}-latency"]["spec"]
    assert f"within {answers_[2]} ms" in latency_sli["description"]


def _exact_text(value: Fraction) -> str:
    """The shortest decimal of ``value`` (an exact decimal), as the template writes it."""
    text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def test_slo_yaml_measures_each_environments_own_resources(repo: Rendered) -> None:
    """Each SLI counts bad (or good) and total requests from the metrics of the chosen cloud, at
    the load balancer, Cloud Run service or Container App of every environment."""
    names = computed(repo)["names"]
    values = computed(repo)
    for sli_doc in _by_kind(_documents(repo), "SLI").values():
        ratio = sli_doc["spec"]["ratioMetric"]
        assert ratio["counter"] is True
        latency = sli_doc["metadata"]["name"].endswith("-latency")
        assert set(ratio) == {"counter", "good" if latency else "bad", "total"}
        for part in ("good" if latency else "bad", "total"):
            source = ratio[part]["metricSource"]
            spec = source["spec"]
            if repo.cloud == "aws":
                assert source["type"] == "CloudWatch"
                assert (
                    spec["namespace"] == "AWS/ApplicationELB" and spec["region"] == repo.answers["aws_region"]
                )
                assert spec["loadBalancers"] == {env: names[env]["alb"] for env in repo.environments}
                if latency and part == "good":
                    assert spec["stat"] == f"TC(:{values['slo']['objectives']['latency']['threshold_s']})"
            elif repo.cloud == "gcp":
                assert source["type"] == "GoogleCloudMonitoring"
                assert spec["metricType"].startswith("run.googleapis.com/request_")
                assert spec["services"] == {
                    env: f"{values['env_config'][env]['project']}/{names[env]['service']}"
                    for env in repo.environments
                }
                if latency and part == "good":
                    assert spec["distributionCut"] == {
                        "maxMs": repo.answers.get("slo_latency_threshold_ms", 300)
                    }
            else:
                assert source["type"] == "AzureMonitor"
                where = spec.get("resources") or spec["applicationInsights"]
                key = "container_app" if "resources" in spec else "application_insights"
                assert where == {
                    env: f"{names[env]['resource_group']}/{names[env][key]}" for env in repo.environments
                }


def test_slo_yaml_references_resolve_and_names_are_dns_labels(repo: Rendered) -> None:
    documents = _documents(repo)
    names = [d["metadata"]["name"] for d in documents]
    # Names are unique per kind (an SLO and its SLI share theirs).
    kinds = ("Service", "SLI", "SLO", "AlertPolicy", "AlertNotificationTarget")
    by_kind = {kind: _by_kind(documents, kind) for kind in kinds}
    for kind, found in by_kind.items():
        assert len(found) == sum(1 for d in documents if d["kind"] == kind), f"two {kind}s share a name"
    service = repo.answers["service_name"]
    for name in names:
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", name), name
        # At the longest service name any cloud accepts, the name still fits a DNS label.
        assert LONGEST_SERVICE_NAME + len(name) - len(service) <= 63, name
    for slo in _by_kind(documents, "SLO").values():
        assert slo["spec"]["service"] in by_kind["Service"]
        assert slo["spec"]["indicatorRef"] in by_kind["SLI"]
        for ref in slo["spec"]["alertPolicies"]:
            assert ref["alertPolicyRef"] in by_kind["AlertPolicy"]
    for policy in by_kind["AlertPolicy"].values():
        for target in policy["spec"]["notificationTargets"]:
            assert target["targetRef"] in by_kind["AlertNotificationTarget"]


def test_readme_summarises_the_objectives(repo: Rendered) -> None:
    slo = computed(repo)["slo"]
    availability, latency = slo["objectives"]["availability"], slo["objectives"]["latency"]
    readme = repo.read("README.md")
    assert "├── slo.yaml " in readme
    assert f"over a rolling\n{slo['window_days']} days:" in readme
    a, lat = availability, latency
    rows = [
        f"| Availability: requests answered without a server error (5xx) | {a['objective_percent']} % "
        f"| {a['error_budget_percent']} % of requests ({a['error_budget_minutes']} minutes of full outage) |",
        f"| Latency: requests answered within {lat['threshold_ms']} ms | {lat['objective_percent']} % "
        f"| {lat['error_budget_percent']} % of requests |",
    ]
    for row in rows:
        assert row in readme
    prose = " ".join(readme.split("### Service level objectives", 1)[1].split("\n## ", 1)[0].split())
    for objective in (availability, latency):
        for alert in objective["alerts"].values():
            assert f"{alert['threshold_percent']} %" in prose
    assert f"burns {availability['alerts']['fast']['burn_rate']}x as fast as the window allows" in prose
    assert f"open a ticket at {availability['alerts']['slow']['burn_rate']}x" in prose


def _prose_duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{seconds // 60} minutes"


def test_runbook_states_the_objectives_alerts_and_error_budget_policy(repo: Rendered) -> None:
    """The runbook's SLO section: one row per objective and per burn-rate alert, every number
    the map's, each alert linking its failure-mode section when the cloud has one, and the
    policy (page on fast burn, ticket on slow, a freeze once a budget is spent)."""
    slo = computed(repo)["slo"]
    runbook = repo.read("docs/runbook.md")
    text = section(runbook, "service-level-objectives")
    anchors = set(slugs(runbook))
    assert f"measured per request over a rolling {slo['window_days']} days:" in " ".join(text.split())
    a, lat = slo["objectives"]["availability"], slo["objectives"]["latency"]
    assert (
        f"| Availability: requests answered without a server error (5xx) | {a['objective_percent']} % "
        f"| {a['error_budget_percent']} % of requests ({a['error_budget_minutes']} minutes of full outage) |"
    ) in text
    assert (
        f"| Latency: requests answered within {lat['threshold_ms']} ms | {lat['objective_percent']} % "
        f"| {lat['error_budget_percent']} % of requests ({lat['error_budget_minutes']} minutes with every "
        "request slower) |"
    ) in text
    alert_row = re.compile(r"\| \[?(Availability|Latency) (fast|slow) burn")
    rows = [line for line in text.splitlines() if alert_row.match(line)]
    assert len(rows) == 4
    for sli, objective in slo["objectives"].items():
        for burn, alert in objective["alerts"].items():
            title = f"{sli.capitalize()} {burn} burn"
            anchor = f"{sli}-{burn}-burn"
            label = f"[{title}](#{anchor})" if anchor in anchors else title
            bad = "failing" if sli == "availability" else f"slower than {objective['threshold_ms']} ms"
            row = (
                f"| {label} | {alert['burn_rate']}x | {alert['threshold_percent']} % {bad} "
                f"| {_prose_duration(alert['long_window_s'])} and {_prose_duration(alert['short_window_s'])} "
                f"| {alert['budget_consumed_percent']} % | {alert['budget_exhausted_in_h']} hours "
                f"| {alert['severity'].capitalize()} |"
            )
            assert row in rows, (row, rows)
    policy = " ".join(section(runbook, "error-budget-policy").split())
    fast, slow = a["alerts"]["fast"], a["alerts"]["slow"]
    days, fast_h, slow_h = slo["window_days"], fast["budget_exhausted_in_h"], slow["budget_exhausted_in_h"]
    fast_text = f"**Fast burn: page.** At {fast['burn_rate']}x the budget of {days} days is gone in {fast_h} "
    assert fast_text in policy
    assert f"**Slow burn: ticket.** At {slow['burn_rate']}x the budget lasts {slow_h} hours" in policy
    assert f"`{repo.answers['owner_team']}` fixes" in policy
    assert "releases carry only fixes and reliability work" in policy


# --- the OpenSLO CLI ------------------------------------------------------------------------------


def test_pre_commit_validates_slo_yaml_with_the_suites_oslo(repo: Rendered) -> None:
    """The generated repository's hook runs the oslo release this suite validates with."""
    config = yaml.safe_load(repo.read(".pre-commit-config.yaml"))
    (hook,) = [h for r in config["repos"] for h in r["hooks"] if h["id"] == "openslo"]
    pinned = toolchain.load_manifest()["go"]["oslo"]
    assert hook["additional_dependencies"] == [f"{pinned['module']}@{pinned['version']}"]
    assert hook["language"] == "golang" and hook["entry"] == "oslo validate -f"
    assert re.search(hook["files"], "slo.yaml") and not re.search(hook["files"], "docs/slo.yaml")


def _oslo(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [go_tool("oslo"), "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_oslo_accepts_every_variants_slo_yaml() -> None:
    """oslo (the OpenSLO project's CLI, pinned in .ci/toolchain.toml) validates each object against
    the OpenSLO v1 specification."""
    failures = []
    for key in ALL_KEYS:
        result = _oslo(rendered(key).path / "slo.yaml")
        if result.returncode != 0 or "Valid!" not in result.stderr:
            failures.append(f"{key}: {result.stderr}{result.stdout}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("field", "break_it"),
    [
        (
            "'spec.objectives[0].target'",
            lambda docs: _first(docs, "SLO")["spec"]["objectives"][0].update(target=1.5),
        ),
        (
            "'spec.budgetingMethod'",
            lambda docs: _first(docs, "SLO")["spec"].update(budgetingMethod="Average"),
        ),
        (
            "'spec.conditions[0].spec.condition.lookbackWindow.unit'",
            lambda docs: _condition(docs).update(lookbackWindow="1 hour"),
        ),
        ("'metadata.name'", lambda docs: _first(docs, "SLI")["metadata"].update(name="Payments API")),
        (
            "'spec.conditions'",
            lambda docs: _first(docs, "AlertPolicy")["spec"]["conditions"].append(
                _first(docs, "AlertPolicy")["spec"]["conditions"][0]
            ),
        ),
    ],
)
def test_oslo_rejects_a_broken_slo_yaml(tmp_path: Path, field: str, break_it: Any) -> None:
    """The validator is not a rubber stamp: one broken field of a valid file fails it, named."""
    documents = _documents(rendered(ALL_KEYS[0]))
    break_it(documents)
    path = tmp_path / "slo.yaml"
    path.write_text(yaml.safe_dump(documents, sort_keys=False))
    result = _oslo(path)
    assert result.returncode != 0
    assert field in result.stderr, result.stderr


def _first(documents: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(d for d in documents if d["kind"] == kind)


def _condition(documents: list[dict[str, Any]]) -> dict[str, Any]:
    condition: dict[str, Any] = _first(documents, "AlertPolicy")["spec"]["conditions"][0]["spec"]["condition"]
    return condition
