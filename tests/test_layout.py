"""The layout's rules (docs/DESIGN.md, "Layout"), read from the source: every import, even inside a function.

- nothing in device/uplink/ (the process with the network) imports device/listener/ (the code that hears),
  and the two processes' packages do not import each other at all;
- device/ring/ and device/redact/ import only themselves and the shared pieces at the bottom;
- nothing outside device/owner/ imports it (the owner's tools sit on top; device/__main__.py runs them);
- no import circles.
"""

import ast
from pathlib import Path

DEVICE = Path(__file__).resolve().parent.parent / "device"


def module_name(path: Path) -> str:
    parts = path.relative_to(DEVICE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in DEVICE.rglob("*.py")}


def imports(name: str) -> set[str]:
    """The device modules one module imports, anywhere in it."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x: relative to this module's package
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports(name) for name in MODULES}


def test_the_graph_is_read():
    assert "device.listener.wake" in GRAPH["device.listener.service"]
    assert "device.config" in GRAPH["device.uplink.service"]


def test_the_uplink_never_loads_the_code_that_hears():
    for name, targets in GRAPH.items():
        if name.startswith("device.uplink"):
            assert not [t for t in targets if t.startswith(("device.listener", "device.owner"))], name


def test_the_processes_keep_apart_and_the_lower_packages_import_only_the_bottom():
    bottom = ("device.config", "device.files", "device.peer", "device.notify", "device.version", "device")
    for name, targets in GRAPH.items():
        if name.startswith("device.listener"):
            assert not [t for t in targets if t.startswith(("device.uplink", "device.owner"))], name
        for package in ("device.ring", "device.redact"):
            if name.startswith(package):
                assert all(t.startswith(package) or t in bottom for t in targets), (name, targets)


def test_only_the_owners_tools_import_them():
    for name, targets in GRAPH.items():
        if not name.startswith("device.owner") and name != "device.__main__":
            assert not [t for t in targets if t.startswith("device.owner")], name


def test_no_import_circles():
    done, path = set(), []

    def visit(name):
        if name in path:
            raise AssertionError("import circle: " + " -> ".join(path[path.index(name):] + [name]))
        if name in done:
            return
        path.append(name)
        for target in sorted(GRAPH[name]):
            visit(target)
        path.pop()
        done.add(name)

    for name in sorted(GRAPH):
        visit(name)
