"""The shape of the code: no import cycle between the project's modules, and every signal receiver in one module.

Both are read from the source with `ast`, imports inside functions included: an import moved into a function
to dodge a cycle still is one, it only fails later and elsewhere.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("events", "kerman_site")


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules():
    """{dotted name: (path, parsed tree)} of every module under the project's packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = (path, ast.parse(path.read_text(), filename=str(path)))
    return found


MODULES = project_modules()


def imported_modules(name, path, node):
    """The project modules an import statement in module `name` loads (a package's submodules by name)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    if node.level:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    found = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
    # `from package import name` runs the package when a name is not a submodule of it.
    if base in MODULES and len(found) < len(node.names):
        found.append(base)
    return found


def import_graph():
    """{module: {imported module: (line, in a function)}} for every import of a project module by another."""
    graph = {}
    for name, (path, tree) in MODULES.items():
        edges = graph.setdefault(name, {})
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        nested = {id(inner) for function in functions for inner in ast.walk(function)}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported_modules(name, path, node):
                    if target != name:
                        edges.setdefault(target, (node.lineno, id(node) in nested))
    return graph


def cycles(graph):
    """Every strongly connected group of two or more modules, each as one cycle through it (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [path_through(graph, group) for group in groups]


def path_through(graph, group):
    """One cycle inside `group`, from its first module back to it: a breadth-first walk within the group."""
    start = min(group)
    came_from, queue = {start: None}, [start]
    while queue:
        module = queue.pop(0)
        for target in sorted(graph[module]):
            if target == start:
                path = [module]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if target in group and target not in came_from:
                came_from[target] = module
                queue.append(target)
    raise AssertionError(f"no cycle found in {group}")


def describe(graph, cycle):
    steps = []
    for module, target in zip(cycle, cycle[1:], strict=False):
        line, in_function = graph[module][target]
        where = ", inside a function" if in_function else ""
        steps.append(f"  {module} imports {target} (line {line}{where})")
    return " → ".join(cycle) + "\n" + "\n".join(steps)


def test_no_import_cycle_between_the_projects_modules():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "Import cycles:\n" + "\n".join(describe(graph, cycle) for cycle in found)


def test_the_cycle_finder_names_a_cycle_made_of_imports_inside_functions():
    graph = {"a": {"b": (3, True)}, "b": {"c": (1, False)}, "c": {"a": (9, True)}, "d": {"a": (1, False)}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert describe(graph, ["a", "b", "c", "a"]).splitlines()[0] == "a → b → c → a"
    assert "c imports a (line 9, inside a function)" in describe(graph, ["a", "b", "c", "a"])
    assert cycles({"a": {"b": (1, False)}, "b": {}}) == []


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from .models import Incident", "events.views", {"events.models"}),
        ("from .. import place_tree", "events.models.places", {"events.place_tree"}),
        ("from . import signals", "events.apps", {"events.signals"}),
        ("from .base import Versioned", "events.models.sources", {"events.models.base"}),
        ("import events.models", "kerman_site.urls", {"events.models"}),
        ("from events.views import robots_txt", "kerman_site.urls", {"events.views"}),
        ("from django.db import models", "events.views", set()),
    ],
)
def test_imports_are_resolved_to_the_project_modules_they_load(source, module, expected):
    path = MODULES[module][0]
    node = ast.parse(source).body[0]
    assert set(imported_modules(module, path, node)) == expected


def test_the_graph_sees_imports_inside_functions():
    # events/apps.py imports its signals inside ready(); the graph must not miss it.
    assert import_graph()["events.apps"]["events.signals"][1] is True


def signal_registrations():
    """(module, line) of every `@receiver` and every `<signal>.connect(receiver, ...)` in the project."""
    found = []
    for name, (_path, tree) in MODULES.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if getattr(target, "id", getattr(target, "attr", None)) == "receiver":
                        found.append((name, decorator.lineno))
            # A signal's connect() takes the receiver; a module's own connect() (signals.connect()) takes nothing.
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "connect"
                and (node.args or node.keywords)
            ):
                found.append((name, node.lineno))
    return found


def test_every_signal_receiver_is_connected_in_events_signals():
    registrations = signal_registrations()
    assert any(module == "events.signals" for module, _line in registrations)  # the finder does find them
    elsewhere = [f"{module}, line {line}" for module, line in registrations if module != "events.signals"]
    assert not elsewhere, "Receivers registered outside events/signals.py: " + "; ".join(elsewhere)
