"""References into docs/ARCHITECTURE.md name sections that exist.

The code points at the architecture by section name ("docs/ARCHITECTURE.md, 'Pain
policy'"), so a renamed or removed section would leave dangling pointers; this finds
them. It also keeps the evidence for not using the SDK's verifier in the document.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
REFERENCE = re.compile(r"ARCHITECTURE\.md,?\s+(?:#\s*)?['\"]([^'\"]+)['\"]")


def sections() -> set[str]:
    return {
        match.group(1).strip()
        for match in re.finditer(r"^#{2,3} (.+)$", ARCHITECTURE.read_text(), re.MULTILINE)
    }


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return [ROOT / name for name in listed if name.endswith((".py", ".md", ".yaml", "Makefile"))]


def test_every_reference_names_a_section_of_the_architecture() -> None:
    known = sections()
    references = []
    for path in tracked_text_files():
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        for match in REFERENCE.finditer(text):
            name = " ".join(match.group(1).split())  # a reference may wrap
            references.append(name)
            assert name in known, f"{path.relative_to(ROOT)} names {name!r}; sections: {known}"
    assert len(references) >= 15  # the code really does point here


def test_the_architecture_keeps_the_evidence_against_the_sdk_verifier() -> None:
    text = ARCHITECTURE.read_text()
    assert "ask-sdk-webservice-support" in text
    assert "Error detecting the version of libcrypto" in text
    assert "OpenSSL 3.0" in text and "oscrypto 1.3.0" in text
