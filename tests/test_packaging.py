"""What ships: the webhook's wheel and Docker image carry the runtime package only.

The developer tools (chat, simulate, bench, the private PKI) live in ``tools/`` as the
``backcoach-dev`` package (issue 14). These tests build the real wheel, offline, from a
copy of the checkout, and read the Dockerfile, so a tool creeping back into ``skill/``
or into the image fails here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "infra" / "Dockerfile"
DEV_NAMES = ("bench", "chat", "backcoach_dev", "tests", "tools")
# What the image needs to serve: the package, its data, gunicorn's settings, the lock.
RUNTIME_SOURCES = {
    "pyproject.toml",
    "README.md",
    "requirements.lock",
    "skill/__init__.py",
    "skill",
    "content",
    "interaction_model",
    "infra/gunicorn.conf.py",
}
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv*", "node_modules", "build", "*.egg-info", "__pycache__", "var", ".*_cache"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``pip wheel`` builds from this checkout (a copy: the build writes
    ``build/`` and ``*.egg-info`` next to the sources)."""
    source = tmp_path_factory.mktemp("source") / "backcoach"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
         "--no-build-isolation", "--no-index", "-w", str(out), "-q"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("backcoach-*.whl")
    return found


def test_the_wheel_holds_the_runtime_package_only(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        modules = [name for name in names if name.endswith(".py")]
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = archive.read(entry_points).decode()
        sources = {name: archive.read(name).decode() for name in modules}
    assert "skill/app.py" in modules and "skill/verify.py" in modules  # it is the webhook
    assert all(name.startswith("skill/") for name in modules), modules
    parts = {part for name in modules for part in Path(name).with_suffix("").parts}
    assert not parts & set(DEV_NAMES), sorted(parts & set(DEV_NAMES))
    assert re.findall(r"^(\S+)\s*=", scripts, re.MULTILINE) == ["backcoach"]
    for name, text in sources.items():
        assert "backcoach_dev" not in text, name
        assert not re.search(r"^\s*(from|import)\s+(skill\.|\.+)(bench|chat)\b", text, re.M), name


def test_the_runtime_imports_no_developer_tool() -> None:
    """Every module of ``skill`` imported, in a fresh interpreter: none of the dev
    package comes along (the backcoach command cannot reach chat or bench)."""
    probe = (
        "import importlib, pkgutil, sys, skill\n"
        "for info in pkgutil.walk_packages(skill.__path__, 'skill.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('backcoach_dev')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_backcoach_command_has_no_developer_subcommands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "skill.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    commands = set(re.search(r"\{([^}]*)\}", done.stdout).group(1).split(","))  # type: ignore[union-attr]
    assert "serve" in commands
    assert not commands & {"chat", "simulate", "bench"}


def copied_sources(dockerfile: str) -> list[str]:
    """The sources of every COPY (ADD is refused outright: it can fetch and unpack)."""
    assert not re.search(r"^ADD\s", dockerfile, re.MULTILINE)
    sources = []
    for line in dockerfile.replace("\\\n", " ").splitlines():
        words = line.split()
        if words and words[0] == "COPY":
            arguments = [word for word in words[1:] if not word.startswith("--")]
            sources += [source.rstrip("/") for source in arguments[:-1]]
    return sources


def test_the_dockerfile_copies_only_the_runtime() -> None:
    sources = copied_sources(DOCKERFILE.read_text())
    assert "skill" in sources and "content" in sources
    assert set(sources) <= RUNTIME_SOURCES, sorted(set(sources) - RUNTIME_SOURCES)
    assert "." not in sources
    for source in sources:
        assert (ROOT / source).exists(), source  # nothing stale that a build would trip on
    assert not {path.name for path in (ROOT / "skill").iterdir()} & set(DEV_NAMES)


def test_the_copy_check_would_catch_a_developer_tool() -> None:
    """The parser above reads what a careless edit would add."""
    assert copied_sources("COPY tools ./tools\nCOPY --chown=1 tests/ /app/tests/\n") == [
        "tools",
        "tests",
    ]
