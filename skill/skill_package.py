"""The ASK CLI project and ``backcoach package``, which writes a deployable copy of it.

The repository root is an ASK CLI (v2) project: ``ask-resources.json`` names
``skill-package/`` as the skill's metadata (no Lambda code: Alexa calls this webhook),
which holds ``skill.json``, ``interactionModels/custom/<locale>.json`` (written by
``backcoach build-model``) and the icons in ``assets/images/``.  The committed manifest
carries placeholders (example.com) where each deployer's own host goes, so the package
uploaded to Alexa is always written here, from the committed one, with the deployer's
endpoint and privacy and terms URLs; a placeholder or a plain-http URL is refused.

Written by hand: copying a folder and setting a few JSON fields; the ASK CLI itself (node)
only uploads what it finds.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .interaction_model import check_models

ROOT = Path(__file__).resolve().parents[1]
PROJECT_FILE = ROOT / "ask-resources.json"
PACKAGE_DIR = ROOT / "skill-package"
MANIFEST_PATH = PACKAGE_DIR / "skill.json"
MODELS_DIR = PACKAGE_DIR / "interactionModels" / "custom"
PLACEHOLDER_HOST = "example.com"
CERTIFICATE_TYPES = ("Trusted", "Wildcard", "SelfSigned")
DEFAULT_OUT = ROOT / "build" / "alexa-skill"

Manifest = dict[str, Any]


class PackageError(ValueError):
    """The package cannot be written: a bad URL, stale models or an unsafe output folder."""


def deploy_url(url: str, what: str) -> str:
    """``url`` if Alexa may be pointed at it: https, a real host, no placeholder."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        raise PackageError(f"the {what} must be an https:// URL, not {url!r}")
    if not host:
        raise PackageError(f"the {what} has no host: {url!r}")
    if host == PLACEHOLDER_HOST or host.endswith(f".{PLACEHOLDER_HOST}"):
        raise PackageError(f"the {what} is a placeholder ({host}); use your own host")
    if parts.query or parts.fragment:
        raise PackageError(f"the {what} must have no query or fragment: {url!r}")
    return url


def page_url(endpoint: str, page: str) -> str:
    """The webhook's own page beside its endpoint: ``https://h/alexa`` -> ``https://h/privacy``."""
    parts = urlsplit(endpoint)
    parent = PurePosixPath(parts.path or "/").parent
    return urlunsplit((parts.scheme, parts.netloc, str(parent / page), "", ""))


def packaged_manifest(
    manifest: Manifest, endpoint: str, privacy_url: str, terms_url: str, certificate: str
) -> Manifest:
    """The committed manifest with the deployer's endpoint (skill and events) and pages."""
    if certificate not in CERTIFICATE_TYPES:
        raise PackageError(f"certificate type must be one of {', '.join(CERTIFICATE_TYPES)}")
    result = copy.deepcopy(manifest)
    body = result["manifest"]
    where = {"uri": endpoint, "sslCertificateType": certificate}
    body["apis"]["custom"]["endpoint"] = dict(where)
    if "events" in body:
        body["events"]["endpoint"] = dict(where)
    for urls in body["privacyAndCompliance"]["locales"].values():
        urls["privacyPolicyUrl"] = privacy_url
        urls["termsOfUseUrl"] = terms_url
    if PLACEHOLDER_HOST in json.dumps(result):
        raise PackageError(f"the manifest still names {PLACEHOLDER_HOST} after packaging")
    return result


def missing_assets(package: Path, manifest: Manifest) -> list[str]:
    """The ``file://`` references of the manifest's listing that the package lacks."""
    uris = [
        uri
        for info in manifest["manifest"]["publishingInformation"]["locales"].values()
        for uri in info.values()
        if isinstance(uri, str) and uri.startswith("file://")
    ]
    return sorted({uri for uri in uris if not (package / uri.removeprefix("file://")).is_file()})


def _safe_out(out: Path) -> None:
    """Refuse to write into a folder that is neither empty nor an earlier package."""
    if out.exists() and any(out.iterdir()) and not (out / PROJECT_FILE.name).is_file():
        raise PackageError(f"{out} is not empty and holds no {PROJECT_FILE.name}: not replaced")


def write_package(
    out: Path,
    endpoint: str,
    privacy_url: str | None = None,
    terms_url: str | None = None,
    certificate: str = "Trusted",
) -> Path:
    """Write ``out/ask-resources.json`` and ``out/skill-package/`` for ``ask deploy``.

    An earlier package in ``out`` is replaced, except ``.ask/`` (where the ASK CLI keeps
    the skill id after the first deploy, so the next one updates the same skill).
    """
    endpoint = deploy_url(endpoint, "endpoint")
    privacy = deploy_url(privacy_url or page_url(endpoint, "privacy"), "privacy URL")
    terms = deploy_url(terms_url or page_url(endpoint, "terms"), "terms URL")
    stale = check_models(MODELS_DIR)
    if stale:
        raise PackageError(f"models out of date: {', '.join(stale)} (run: backcoach build-model)")
    _safe_out(out)
    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    packaged = packaged_manifest(manifest, endpoint, privacy, terms, certificate)
    missing = missing_assets(PACKAGE_DIR, manifest)
    if missing:
        raise PackageError(f"the manifest names missing files: {', '.join(missing)}")
    target = out / PACKAGE_DIR.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(PACKAGE_DIR, target, ignore=shutil.ignore_patterns(".*"))
    (target / MANIFEST_PATH.name).write_text(json.dumps(packaged, indent=2) + "\n", "utf-8")
    shutil.copyfile(PROJECT_FILE, out / PROJECT_FILE.name)
    return out
