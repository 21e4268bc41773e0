"""The deployable package: what ``backcoach package`` writes is what the ASK CLI reads.

``ask_layout_problems`` writes out, as explicit checks, the rules of the ASK CLI (v2)
project and of Alexa's skill package format that a deploy depends on:
``ask-resources.json`` (version 2020-03-31) names each profile's skill package folder in
``skillMetadata.src``, relative to the project; that folder holds ``skill.json`` with a
``manifest``, the interaction models as ``interactionModels/custom/<locale>.json``, and
the files a manifest names with ``file://`` relative to the package (icons: PNG, 108x108
and 512x512). Pillow reads the icons' real format and size; the models are compared with
``interaction_model/`` and run through the model build rules (``model_problems``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from backcoach_dev.icons import ICONS, stale_icons, write_icons
from skill import skill_package
from skill.cli import main
from skill.interaction_model import LOCALES, MODEL_DIR, model_problems
from skill.skill_package import ROOT

ENDPOINT = "https://coach.example.org/alexa"
RESOURCES_VERSION = "2020-03-31"
# The folders and files a skill package may hold (Alexa's skill package format).
PACKAGE_ENTRIES = {
    "skill.json",
    "interactionModels",
    "assets",
    "accountLinking",
    "alexaPresentationLanguage",
    "response",
    "conversations",
}
ICON_SIZES = {"smallIconUri": 108, "largeIconUri": 512}
LOCALE_FILE = re.compile(r"^[a-z]{2}-[A-Z]{2}\.json$")


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) of a JSON document, leaves included."""
    yield path, node
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        yield from _walk(child, f"{path}/{key}")


def _asset_problems(package: Path, manifest: dict[str, Any]) -> list[str]:
    problems = []
    for where, value in _walk(manifest):
        if not (isinstance(value, str) and value.startswith("file://")):
            continue
        path = package / value.removeprefix("file://")
        if not path.resolve().is_relative_to(package.resolve()) or not path.is_file():
            problems.append(f"{where}: {value} is not a file of the package")
            continue
        size = ICON_SIZES.get(where.rsplit("/", 1)[-1])
        if size is not None:
            with Image.open(path) as image:
                if image.format != "PNG" or image.size != (size, size):
                    problems.append(f"{where}: {image.format} {image.size}, not PNG {size}x{size}")
    return problems


def _model_problems(package: Path, manifest: dict[str, Any]) -> list[str]:
    models = package / "interactionModels" / "custom"
    files = sorted(path.name for path in models.iterdir()) if models.is_dir() else []
    problems = [f"{name} is not <locale>.json" for name in files if not LOCALE_FILE.match(name)]
    locales = set(manifest["manifest"]["publishingInformation"]["locales"])
    found = {name.removesuffix(".json") for name in files}
    if found != locales:
        problems.append(f"models for {sorted(found)}, manifest locales {sorted(locales)}")
    for name in files:
        model = json.loads((models / name).read_text(encoding="utf-8"))
        if not model.get("interactionModel", {}).get("languageModel", {}).get("invocationName"):
            problems.append(f"{name} has no interactionModel.languageModel.invocationName")
    return problems


def ask_layout_problems(project: Path) -> list[str]:
    """What the ASK CLI would not accept in the project at ``project``."""
    resources = json.loads((project / "ask-resources.json").read_text(encoding="utf-8"))
    if resources.get("askcliResourcesVersion") != RESOURCES_VERSION:
        return [f"askcliResourcesVersion is not {RESOURCES_VERSION}"]
    problems = []
    for name, profile in resources.get("profiles", {}).items():
        if "code" in profile or "skillInfrastructure" in profile:
            problems.append(f"profile {name} deploys code: the endpoint is the webhook")
        package = (project / profile["skillMetadata"]["src"]).resolve()
        if not package.is_relative_to(project.resolve()) or not package.is_dir():
            problems.append(f"profile {name}: {package} is not a folder of the project")
            continue
        extra = {entry.name for entry in package.iterdir()} - PACKAGE_ENTRIES
        problems += [f"{entry} is not part of a skill package" for entry in sorted(extra)]
        manifest = json.loads((package / "skill.json").read_text(encoding="utf-8"))
        if manifest.get("manifest", {}).get("manifestVersion") != "1.0":
            problems.append("skill.json has no manifest of version 1.0")
            continue
        problems += _model_problems(package, manifest) + _asset_problems(package, manifest)
    if not resources.get("profiles"):
        problems.append("no profile")
    return problems


def package(out: Path, *extra: str) -> int:
    return main(["package", "--endpoint", ENDPOINT, "--out", str(out), *extra])


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deploy") / "alexa-skill"
    assert package(out) == 0
    return out


def manifest_of(project: Path) -> dict[str, Any]:
    return json.loads((project / "skill-package" / "skill.json").read_text(encoding="utf-8"))


def test_the_package_is_a_project_the_ask_cli_reads(packaged: Path) -> None:
    assert ask_layout_problems(packaged) == []


def test_the_committed_project_has_the_same_layout() -> None:
    assert ask_layout_problems(ROOT) == []


def test_every_packaged_model_is_the_generated_one_and_keeps_the_build_rules(
    packaged: Path,
) -> None:
    models = packaged / "skill-package" / "interactionModels" / "custom"
    for locale in LOCALES:
        text = (models / f"{locale}.json").read_text(encoding="utf-8")
        assert text == (MODEL_DIR / f"{locale}.json").read_text(encoding="utf-8"), locale
        assert model_problems(json.loads(text)) == [], locale
    assert set(manifest_of(packaged)["manifest"]["publishingInformation"]["locales"]) == set(
        LOCALES
    )


def test_the_packaged_manifest_points_at_the_deployer_and_names_no_placeholder(
    packaged: Path,
) -> None:
    text = (packaged / "skill-package" / "skill.json").read_text(encoding="utf-8")
    assert "example.com" not in text
    manifest = json.loads(text)["manifest"]
    assert manifest["apis"]["custom"]["endpoint"]["uri"] == ENDPOINT
    assert manifest["events"]["endpoint"]["uri"] == ENDPOINT
    assert {"eventName": "SKILL_DISABLED"} in manifest["events"]["subscriptions"]
    assert {"type": "CAN_FULFILL_INTENT_REQUEST"} in manifest["apis"]["custom"]["interfaces"]
    privacy = manifest["privacyAndCompliance"]
    assert privacy["usesPersonalInfo"] is True  # pain reports, a person linked to a plan
    for locale in LOCALES:
        urls = privacy["locales"][locale]
        assert urls["privacyPolicyUrl"] == "https://coach.example.org/privacy"
        assert urls["termsOfUseUrl"] == "https://coach.example.org/terms"


def test_the_deployer_may_name_other_pages_and_certificate(tmp_path: Path) -> None:
    privacy, terms = "https://law.example.net/p", "https://law.example.net/t"
    code = package(
        tmp_path, "--privacy-url", privacy, "--terms-url", terms, "--certificate", "Wildcard"
    )
    assert code == 0
    manifest = manifest_of(tmp_path)["manifest"]
    assert manifest["apis"]["custom"]["endpoint"]["sslCertificateType"] == "Wildcard"
    assert manifest["privacyAndCompliance"]["locales"]["en-GB"]["privacyPolicyUrl"] == privacy
    assert manifest["privacyAndCompliance"]["locales"]["en-IN"]["termsOfUseUrl"] == terms


@pytest.mark.parametrize(
    "arguments",
    [
        ["--endpoint", "http://coach.example.org/alexa"],
        ["--endpoint", "https://backcoach.example.com/alexa"],
        ["--endpoint", ENDPOINT, "--privacy-url", "https://example.com/privacy"],
        ["--endpoint", ENDPOINT, "--terms-url", "http://coach.example.org/terms"],
    ],
)
def test_placeholders_and_plain_http_are_refused(
    tmp_path: Path, arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["package", *arguments, "--out", str(tmp_path / "out")]) == 2
    assert "backcoach package:" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_new_package_keeps_the_skill_id_and_spares_other_folders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert package(out) == 0
    states = out / ".ask" / "ask-states.json"
    states.parent.mkdir()
    states.write_text('{"askcliStatesVersion": "2020-03-31"}')
    (out / "skill-package" / "leftover.txt").write_text("old")
    assert package(out) == 0
    assert states.is_file() and not (out / "skill-package" / "leftover.txt").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert package(other) == 2
    assert sorted(path.name for path in other.iterdir()) == ["notes.txt"]


def test_the_layout_check_finds_what_the_ask_cli_would_miss(packaged: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(packaged, broken)
    package_dir = broken / "skill-package"
    (package_dir / "assets" / "images" / "large-icon-512.png").unlink()
    (package_dir / "notes.txt").write_text("not for Alexa")
    images = package_dir / "assets" / "images"
    shutil.copyfile(images / "small-icon-108.png", images / "big.png")
    manifest = manifest_of(broken)
    manifest["manifest"]["publishingInformation"]["locales"]["en-US"]["largeIconUri"] = (
        "file://assets/images/big.png"
    )
    (package_dir / "skill.json").write_text(json.dumps(manifest))
    (package_dir / "interactionModels" / "custom" / "en-IN.json").unlink()
    problems = ask_layout_problems(broken)
    assert any("large-icon-512.png is not a file" in problem for problem in problems)
    assert any("(108, 108), not PNG 512x512" in problem for problem in problems)
    assert any("manifest locales" in problem for problem in problems)
    assert "notes.txt is not part of a skill package" in problems


def test_the_icons_are_rendered_from_the_svg_at_their_sizes() -> None:
    images = ROOT / "skill-package" / "assets" / "images"
    assert stale_icons(images) == []
    for name, size in ICONS.items():
        with Image.open(images / name) as image:
            assert (image.format, image.size) == ("PNG", (size, size))
            colours = image.convert("RGB").getcolors(maxcolors=size * size)
        assert colours is not None and len(colours) > 2  # a picture, not a blank square


def test_the_icon_check_finds_a_stale_or_missing_icon(tmp_path: Path) -> None:
    write_icons(tmp_path)
    assert stale_icons(tmp_path) == []
    Image.new("RGBA", (108, 108), "white").save(tmp_path / "small-icon-108.png")
    (tmp_path / "large-icon-512.png").unlink()
    assert sorted(stale_icons(tmp_path)) == sorted(ICONS)


def test_stale_models_or_a_missing_icon_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "skill-package"
    shutil.copytree(skill_package.PACKAGE_DIR, copy)
    monkeypatch.setattr(skill_package, "PACKAGE_DIR", copy)
    monkeypatch.setattr(skill_package, "MANIFEST_PATH", copy / "skill.json")
    monkeypatch.setattr(skill_package, "MODELS_DIR", copy / "interactionModels" / "custom")
    assert package(tmp_path / "fine") == 0
    (copy / "assets" / "images" / "small-icon-108.png").unlink()
    assert package(tmp_path / "no-icon") == 2
    shutil.copytree(
        skill_package.ROOT / "skill-package" / "assets", copy / "assets", dirs_exist_ok=True
    )
    model = copy / "interactionModels" / "custom" / "en-GB.json"
    model.write_text(model.read_text().replace("back coach", "back coach two", 1))
    assert package(tmp_path / "stale") == 2
    assert not (tmp_path / "no-icon").exists() and not (tmp_path / "stale").exists()


# What the code answers or sends, and what the manifest must declare for Alexa to send
# it (or show it): each declared exactly when its mark is in skill/'s source.
DECLARATIONS = {
    ("events", "SKILL_DISABLED"): 'is_request_type("AlexaSkillEvent.SkillDisabled")',
    ("interfaces", "CAN_FULFILL_INTENT_REQUEST"): 'is_request_type("CanFulfillIntentRequest")',
    ("interfaces", "ALEXA_PRESENTATION_APL"): '"Alexa.Presentation.APL.',
    ("permissions", "alexa::profile:given_name:read"): "given_name",
    ("permissions", "alexa::alerts:reminders:skill:readwrite"): "reminder_management",
}


def declared(manifest: dict[str, Any]) -> set[tuple[str, str]]:
    body = manifest["manifest"]
    return (
        {("events", e["eventName"]) for e in body.get("events", {}).get("subscriptions", [])}
        | {("interfaces", i["type"]) for i in body["apis"]["custom"].get("interfaces", [])}
        | {("permissions", p["name"]) for p in body.get("permissions", [])}
    )


def test_the_manifest_declares_what_the_code_uses_and_nothing_more(packaged: Path) -> None:
    source = "\n".join(path.read_text() for path in (ROOT / "skill").rglob("*.py"))
    used = {declaration for declaration, mark in DECLARATIONS.items() if mark in source}
    found = declared(manifest_of(packaged))
    assert found == used
    assert declared(json.loads((ROOT / "skill-package" / "skill.json").read_text())) == used
