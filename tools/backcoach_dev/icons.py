"""``backcoach-dev icons``: the skill's icons, rendered from ``assets/icon.svg``.

Alexa wants a 108x108 and a 512x512 PNG. They are rendered by resvg (resvg-py, the Rust
renderer without system libraries) and committed in ``skill-package/assets/images/``, so
neither the webhook nor ``backcoach package`` needs a renderer; ``--check`` fails when a
committed PNG is missing or is not what the SVG renders to (``make icons`` rewrites them).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import resvg_py
from PIL import Image, ImageChops

from skill.skill_package import PACKAGE_DIR, ROOT

SVG_PATH = ROOT / "assets" / "icon.svg"
IMAGES_DIR = PACKAGE_DIR / "assets" / "images"
ICONS = {"small-icon-108.png": 108, "large-icon-512.png": 512}
# Channel steps two renders of the same SVG may differ by (anti-aliasing across versions).
TOLERANCE = 8


def render(size: int, svg_path: Path = SVG_PATH) -> bytes:
    """The SVG as a ``size`` x ``size`` PNG."""
    return bytes(resvg_py.svg_to_bytes(svg_path=str(svg_path), width=size, height=size))


def differs(png: bytes, expected: bytes) -> bool:
    """True if the two PNGs differ in size or by more than TOLERANCE in any pixel."""
    first = Image.open(io.BytesIO(png)).convert("RGBA")
    second = Image.open(io.BytesIO(expected)).convert("RGBA")
    if first.size != second.size:
        return True
    extremes = ImageChops.difference(first, second).getextrema()
    return max(high for _low, high in extremes) > TOLERANCE


def stale_icons(images_dir: Path = IMAGES_DIR) -> list[str]:
    """The icon files missing from ``images_dir`` or not rendered from the current SVG."""
    stale = []
    for name, size in ICONS.items():
        path = images_dir / name
        if not path.is_file() or differs(path.read_bytes(), render(size)):
            stale.append(name)
    return stale


def write_icons(images_dir: Path = IMAGES_DIR) -> list[Path]:
    images_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, size in ICONS.items():
        path = images_dir / name
        path.write_bytes(render(size))
        paths.append(path)
    return paths


def add_icons_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true", help="only check the committed PNGs (exit 1 if stale)"
    )


def icons_command(args: argparse.Namespace) -> int:
    if not args.check:
        for path in write_icons():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    stale = stale_icons()
    if stale:
        print(f"icons out of date: {', '.join(stale)} (run: make icons)", file=sys.stderr)
        return 1
    print("icons are up to date")
    return 0
