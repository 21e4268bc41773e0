"""What ships: the webhook's wheel and Docker image carry the runtime package only,
and the image installs exactly the locked dependencies.

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
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


# --- the lock the image installs from --------------------------------------------------


def locked() -> dict[str, tuple[str, list[str]]]:
    """requirements.lock: normalised name -> (version, its sha256 hashes)."""
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=\S)", (ROOT / "requirements.lock").read_text()):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if match:
            name = canonicalize_name(match.group(1))
            pins[name] = (match.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return pins


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_the_lock_pins_every_runtime_dependency_within_pyproject_with_hashes() -> None:
    pins = locked()
    for requirement in runtime_requirements():
        version, _hashes = pins[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(version), (requirement, version)
    assert all(hashes for _version, hashes in pins.values())
    assert "backcoach" not in pins and "pytest" not in pins  # the runtime only


def test_ask_sdk_core_is_pinned_exactly_for_the_private_members_envelope_uses() -> None:
    (core,) = [r for r in runtime_requirements() if r.name == "ask-sdk-core"]
    (spec,) = core.specifier
    assert spec.operator == "=="
    assert locked()["ask-sdk-core"][0] == spec.version
    assert metadata.version("ask-sdk-core") == spec.version


def test_the_suite_runs_on_the_locked_versions() -> None:
    """make install takes the runtime dependencies from the lock: what is tested is
    what the image installs (run `make lock`, then `make install`, if this fails)."""
    installed = {name: metadata.version(name) for name in locked()}
    assert installed == {name: version for name, (version, _h) in locked().items()}


def test_the_image_installs_the_lock_with_hashes_and_nothing_unpinned() -> None:
    runs = [
        " ".join(line.split())
        for line in DOCKERFILE.read_text().replace("\\\n", " ").splitlines()
        if line.startswith("RUN pip install")
    ]
    assert any(
        "--require-hashes" in run and "--no-deps" in run and "-r requirements.lock" in run
        for run in runs
    ), runs
    assert all("--no-deps" in run for run in runs), runs  # nothing resolved at build time
    sources = copied_sources(DOCKERFILE.read_text())
    assert sources.index("requirements.lock") < sources.index("skill")
