"""The policy registry: a leaf module, complete records, the old numbers, clear refusals.

- a leaf: importing it (and listing every policy) imports nothing else of the
  workbench; no policy module registers anything when imported;
- the weight recipes give exactly the numbers (and the order, which fixes the
  floating-point sums) of the ``if policy == ...`` chain they replaced, written
  out here by hand;
- records the workbench has never seen (registered in Python) are run by the
  model, the explainer and the matcher through what the record says, not
  through their names;
- bad records, unknown names, broken or clashing plugins: one line each;
- the conformance suites fail on a policy that breaks their rules;
- the docs tables are the registry's.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_rotation_conformance import STATES, check_rotation

import workbench
from workbench import registry
from workbench.matching import POLICIES
from workbench.matching.policies import assignment_matching, policy_weights
from workbench.model import MentorshipModel
from workbench.registry import FromSetting, PolicyError, PolicyRecord, WeightRecipe
from workbench.scenario import Scenario

ROOT = Path(__file__).parents[1]


def _record(name: str = "test_policy", kind: str = "matching", **changes) -> PolicyRecord:
    fields = {
        "function": "workbench.matching.policies:assignment_matching",
        "label": "A test policy",
        "description": "used by the tests",
        **({"reasons": ("rotation",)} if kind == "rotation" else {}),
        **changes,
    }
    return PolicyRecord(name, kind, **fields)


@pytest.fixture
def registered():
    """Register records for one test; always removed afterwards."""
    added: list[PolicyRecord] = []

    def add(record: PolicyRecord) -> PolicyRecord:
        added.append(registry.register(record))
        return record

    yield add
    for record in added:
        if record.name in registry.names(record.kind):
            registry.unregister(record.kind, record.name)


# -- a leaf, loaded lazily ----------------------------------------------------------------
def test_registry_imports_nothing_else_of_the_workbench() -> None:
    code = (
        "import sys\n"
        "from workbench import registry\n"
        "names = registry.names('matching') + registry.names('rotation')\n"
        "print(len(names), sorted(m for m in sys.modules if m.startswith('workbench')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, modules = done.stdout.split(" ", 1)
    assert int(count) == 16
    assert ast.literal_eval(modules) == [
        "workbench",
        "workbench._version",
        "workbench.errors",
        "workbench.registry",
    ]
    tree = ast.parse((ROOT / "workbench" / "registry.py").read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert {m for m in imported if m.startswith("workbench")} == {"workbench.errors"}


def test_no_policy_module_registers_anything_when_imported() -> None:
    code = (
        "from workbench import registry\n"
        "before = [registry.names(kind) for kind in registry.KINDS]\n"
        "import workbench.matching.stable, workbench.matching.capacity, workbench.matching.peer\n"
        "import workbench.matching.circles, workbench.rotation, workbench.model\n"
        "print(before == [registry.names(kind) for kind in registry.KINDS])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_every_builtin_names_a_distinct_function_or_shares_the_solver_by_recipe() -> None:
    functions: dict[object, list[str]] = {}
    for record in registry.BUILTIN:
        functions.setdefault(record.load(), []).append(record.name)
    shared = {tuple(names) for names in functions.values() if len(names) > 1}
    assert shared == {("affinity", "complementary", "cross_group", "balanced", "optimal")}
    for name in ("affinity", "complementary", "cross_group", "balanced"):
        assert isinstance(registry.get("matching", name).weights, WeightRecipe)
    assert len(set(registry.BUILTIN)) == len(registry.BUILTIN) == 16  # hashable, distinct


def _import_graph():
    """Module -> modules it imports (function-level imports too; TYPE_CHECKING ones not)."""
    import networkx as nx

    modules = {}
    for path in (ROOT / "workbench").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    graph = nx.DiGraph()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = {
            id(sub)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for sub in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for target in targets:
                # a package importing its own submodules is not a cycle
                inside = target == name or name.startswith(f"{target}.")
                if target in modules and target != "workbench" and not inside:
                    graph.add_edge(name, target)
    return graph


def test_no_import_cycle_among_scenario_matching_roster_and_rotation() -> None:
    import networkx as nx

    mine = ("workbench.scenario", "workbench.roster", "workbench.matching", "workbench.rotation")
    cycles = [
        sorted(c)
        for c in nx.strongly_connected_components(_import_graph())
        if len(c) > 1 and any(m.startswith(mine) or m == "workbench.registry" for m in c)
    ]
    assert cycles == []


# -- the old numbers ----------------------------------------------------------------------
def test_weight_recipes_give_the_numbers_of_the_old_chain() -> None:
    config = (
        Scenario()
        .with_overrides(
            {
                "matching.balance": 0.3,
                "matching.weights": {
                    "affinity": 1.5,
                    "complementarity": 0.7,
                    "challenge": 0.2,
                    "cross_group": 0.9,
                    "schedule": 0.4,
                    "language": 0.6,
                },
            }
        )
        .matching
    )
    keep = [("schedule", 0.4), ("language", 0.6)]
    configured = [
        ("affinity", 1.5),
        ("complementarity", 0.7),
        ("challenge", 0.2),
        ("cross_group", 0.9),
        ("schedule", 0.4),
        ("language", 0.6),
    ]
    expected = {
        "affinity": [("affinity", 1.0), *keep],
        "complementary": [("complementarity", 1.0), *keep],
        "cross_group": [("cross_group", 1.0), ("affinity", 0.25), *keep],
        "balanced": [("affinity", 1.0 - 0.3), ("challenge", 0.3), *keep],
    }
    for name in registry.names("matching"):
        got = list(policy_weights(config, name).items())
        assert got == expected.get(name, configured), name  # same numbers, same order


def test_recipe_formula_and_settings() -> None:
    recipe = WeightRecipe({"affinity": FromSetting("balance", complement=True), "challenge": 2.0})
    assert recipe.formula() == "(1 − balance)·affinity + 2·challenge (+ schedule, language as set)"
    assert recipe.settings() == (
        "matching.balance",
        "matching.weights.schedule",
        "matching.weights.language",
    )
    assert registry.using("matching", "matching.balance") == ("balanced",)
    assert set(registry.using("matching", "matching.weights.affinity")) == {
        "optimal",
        "stable",
        "capacity",
        "circles",
        "cross_age",
        "peer",
    }


# -- the workbench reads the record, not the name -----------------------------------------
def test_forms_groups_and_reason_lead_come_from_the_record(registered) -> None:
    circles = "workbench.matching.circles:circles_matching"
    registered(
        _record("huddles", function=circles, forms_groups=True, reason_lead="huddle {group}")
    )
    registered(_record("huddle_pairs", function=circles))
    ties = {}
    for name in ("huddles", "huddle_pairs"):
        scenario = Scenario().with_overrides(
            {"cohort.size": 40, "levers.weeks": 3, "matching.policy": name}
        )
        model = MentorshipModel(scenario, rng=5)
        model.run_model()
        ties[name] = len(model.ties)
    # members of a group get to know each other only when the record says it forms groups
    assert ties["huddles"] > ties["huddle_pairs"]
    result = workbench.match(ROOT / "examples" / "roster_synthetic.csv", policy="huddles", rng=0)
    assert result.pairs["reason"].str.match(r"huddle \d+").all()
    assert "groups," in result.summary().splitlines()[0]
    plain = workbench.match(
        ROOT / "examples" / "roster_synthetic.csv", policy="huddle_pairs", rng=0
    )
    assert not plain.pairs["reason"].str.startswith("huddle").any()
    assert "pairs," in plain.summary().splitlines()[0]


def test_a_recipe_alone_makes_a_new_weighted_policy(registered) -> None:
    registered(_record("challenge_only", weights=WeightRecipe({"challenge": 1.0}, kept=())))
    roster = ROOT / "examples" / "roster_synthetic.csv"
    mine = workbench.match(roster, policy="challenge_only", rng=0)
    reference = workbench.match(
        roster,
        policy="optimal",
        weights={
            "affinity": 0,
            "complementarity": 0,
            "challenge": 1,
            "cross_group": 0,
            "schedule": 0,
            "language": 0,
        },
        rng=0,
    )
    assert mine.pairs[["mentor", "mentee"]].equals(reference.pairs[["mentor", "mentee"]])
    assert mine.policy == "challenge_only"


# -- refusals -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes,message",
    [
        ({"name": "Best Fit"}, "name must be lower-case"),
        ({"kind": "pairing"}, "kind must be one of matching, rotation"),
        ({"function": "no_colon"}, "function must be 'module:attribute'"),
        ({"function": 3}, "function must be 'module:attribute'"),
        ({"label": ""}, "give a label and a description"),
        ({"weights": {"affinity": 1.0}}, "weights must be a WeightRecipe"),
        ({"kind": "rotation", "reasons": ()}, "names the end reasons"),
    ],
)
def test_bad_records_are_refused_in_one_line(changes: dict, message: str) -> None:
    fields = {
        "name": "x",
        "kind": "matching",
        "function": "m:f",
        "label": "X",
        "description": "x",
        **changes,
    }
    with pytest.raises(PolicyError, match=message) as caught:
        PolicyRecord(**fields)
    assert "\n" not in str(caught.value)


def test_names_taken_and_unknown(registered) -> None:
    with pytest.raises(PolicyError, match="'optimal' is built in"):
        registry.register(_record("optimal"))
    with pytest.raises(PolicyError, match="built in and cannot be removed"):
        registry.unregister("rotation", "plan_b")
    first = registered(_record("twice"))
    assert registry.register(first) is first  # the same record again is fine
    with pytest.raises(PolicyError, match="already registered"):
        registry.register(_record("twice", label="Another"))
    registry.register(_record("twice", label="Another"), replace=True)
    assert registry.get("matching", "twice").label == "Another"
    with pytest.raises(PolicyError, match=r"unknown policy 'best'; allowed: affinity, balanced"):
        registry.get("matching", "best")
    with pytest.raises(ValueError):  # so a pydantic validator may call it
        registry.get("rotation", "weekly")
    with pytest.raises(KeyError):
        POLICIES["best"]
    assert "best" not in POLICIES and "optimal" in POLICIES
    with pytest.raises(PolicyError, match="unknown policy kind"):
        registry.names("pairing")


def test_a_function_that_cannot_be_loaded_says_which(registered) -> None:
    registered(_record("missing", function="no_such_module_here:match"))
    with pytest.raises(PolicyError, match=r"policy 'missing': cannot load 'no_such_module_here"):
        POLICIES["missing"]
    registered(_record("not_a_function", function="workbench.registry:ENTRY_POINT_GROUP"))
    with pytest.raises(PolicyError, match="is not a function"):
        registry.get("matching", "not_a_function").load()


def test_broken_and_clashing_plugins_are_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "clashing_policies.py").write_text(
        "from workbench.registry import PolicyRecord\n"
        "OPTIMAL = PolicyRecord('optimal', 'matching', 'clashing_policies:f', 'Mine', 'mine')\n"
        "FINE = PolicyRecord('fine', 'rotation', 'workbench.rotation:no_rotation', 'Fine',\n"
        "                    'fine', reasons=('rotation',))\n",
        encoding="utf-8",
    )
    info = tmp_path / "clashing-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: clashing\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[workbench.policies]\n"
        "broken = no_such_plugin_module:RECORDS\n"
        "clash = clashing_policies:OPTIMAL\n"
        "fine = clashing_policies:FINE\n"
        "wrong = clashing_policies:__doc__\n"
    )
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        with pytest.warns(RuntimeWarning) as warned:
            problems = registry.discover(reload=True)
        assert len(problems) == 3 and len(warned) == 3
        assert "broken = no_such_plugin_module:RECORDS (package clashing) skipped" in problems[0]
        assert any("'optimal': the name is taken" in p for p in problems)
        assert any("expected a PolicyRecord" in p for p in problems)
        assert registry.get("matching", "optimal") in registry.BUILTIN
        assert "fine" in registry.names("rotation")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("clashing_policies", None)
        registry.discover(reload=True)
    assert "fine" not in registry.names("rotation")


# -- the suites can fail ------------------------------------------------------------------
def _reads_poor_checkins(state, scenario, week):
    links = state.links
    return np.flatnonzero(links.alive & (links.poor_streak >= scenario.rotation.poor_checkins)), (
        "plan_b"
    )


def _ends_everything(state, scenario, week):
    return np.arange(len(state.links)), "rotation"


def _forgets_why(roster, config, rng, context=None):
    return dataclasses.replace(assignment_matching(roster, config, rng, context), unmatched={})


def test_the_suites_fail_on_a_policy_that_breaks_their_rules(registered) -> None:
    from test_matching_conformance import check_policy

    registered(
        _record("silent", kind="rotation", function=_reads_poor_checkins, reasons=("plan_b",))
    )
    registered(_record("everything", kind="rotation", function=_ends_everything))
    registered(_record("forgetful", function=_forgets_why))
    scenario, state = STATES[1]  # poor streaks, some links ended
    with pytest.raises(AssertionError, match="reads rotation.poor_checkins"):
        for week in range(1, 10):
            check_rotation(
                "silent", state, scenario.with_overrides({"rotation.poor_checkins": 2}), week
            )
    with pytest.raises(AssertionError):
        check_rotation("everything", state, scenario, 3)
    case = {
        "seed": 1,
        "size": 30,
        "sites": 1,
        "mentor_share": 0.2,
        "forbid": 0,
        "overlap": 0,
        "language": False,
        "capacity": 1,
        "proposing": "mentee",
        "circle_mentors": 1,
    }
    with pytest.raises(AssertionError):
        check_policy("forgetful", case)


# -- the docs tables are the registry's ---------------------------------------------------
@pytest.mark.parametrize(
    "doc,kind", [("docs/matching.md", "matching"), ("docs/extending.md", "rotation")]
)
def test_docs_policy_tables_are_the_registry(doc: str, kind: str) -> None:
    start, end = f"<!-- policies:{kind}:start -->", f"<!-- policies:{kind}:end -->"
    text = (ROOT / doc).read_text(encoding="utf-8")
    embedded = text.split(start, 1)[1].split(end, 1)[0].strip()
    assert embedded == registry.policy_table(kind).strip(), (
        f'paste python -c "from workbench.registry import policy_table; '
        f"print(policy_table('{kind}'))\" between the markers of {doc}"
    )


def test_docs_example_is_the_tested_plugin() -> None:
    text = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
    block = text.split("<!-- example:start -->", 1)[1].split("<!-- example:end -->", 1)[0]
    code = block.strip().removeprefix("```python").removesuffix("```").strip()
    plugin = ROOT / "tests" / "data" / "policy_plugin" / "school_policies.py"
    assert code == plugin.read_text(encoding="utf-8").strip()
