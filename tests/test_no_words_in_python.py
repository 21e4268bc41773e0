"""No sentence a patient can hear is left in Python: it belongs in content/speech.

An AST walk over ``skill/coach``, ``skill/handlers`` and ``skill/speech`` fails on
any string literal (or the literal parts of an f-string, each field read as ``{}``)
that looks like something said: it has a letter and a space and ends with ``.``,
``?`` or ``!``, or it starts with a capital letter and has a space.

Not looked at, because no patient hears them:
- ``skill/coach/session.py``, for now: its sentences move in its own rewrite;
- docstrings of modules, classes and functions;
- messages of logging calls (``log.*``, ``logger.*``, ``logging.*``);
- messages of exceptions: anything inside ``raise``, or given to a call of a name
  ending in ``Error`` or ``Exception``, and ``assert`` messages;
- dict keys and subscripts (ids, attribute names), and the first argument of
  ``phrase`` (a key);
- the known exceptions in ``ALLOWED`` below, each with why.

What it cannot see: a phrase of one word ("Hold.") and a lower-case fragment with no
end punctuation ("lying on your back", ", holding for"); review catches those.
"""

from __future__ import annotations

import ast
import re

from skill.coach.words import PACKAGE_DIR

FOLDERS = ("coach", "handlers", "speech")
SKIPPED: set[str] = set()
# (file, text): strings that look like sentences but are never said to a patient.
ALLOWED: set[tuple[str, str]] = {
    # The schema's default release after a hold, for exercises whose handout gives
    # none: exercise content, documented with the schema in content/README.md.
    ("coach/catalog.py", "And relax."),
}

LOG_NAMES = {"log", "logger", "logging"}


def looks_said(text: str) -> bool:
    text = text.strip()
    if " " not in text or not re.search(r"[A-Za-z]", text):
        return False
    return text.endswith((".", "?", "!")) or text[:1].isupper()


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of every module, class and function."""
    kinds = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.body and isinstance(node.body[0], ast.Expr):
            found.add(id(node.body[0].value))
    return found


def _silent_call(call: ast.Call) -> bool:
    """A logging call, or an exception being built."""
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id in LOG_NAMES:
            return True
        name = func.attr
    elif isinstance(func, ast.Name):
        name = func.id
    else:
        return False
    return name.endswith(("Error", "Exception"))


def _text(node: ast.Constant | ast.JoinedStr) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    return "".join(
        str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
    )


def said_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """The string literals of ``tree`` that a patient could hear (see the module doc)."""
    found: list[tuple[int, str]] = []
    docstrings = _docstrings(tree)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Raise | ast.Assert):
            return
        if isinstance(node, ast.Call) and _silent_call(node):
            return
        if isinstance(node, ast.Dict):
            for value in node.values:
                visit(value)
            return
        if isinstance(node, ast.Subscript):
            visit(node.value)
            return
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "phrase":
                for keyword in node.keywords:
                    visit(keyword.value)
                return
        if isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Constant) and isinstance(node.value, str)
        ):
            if id(node) in docstrings:
                return
            text = _text(node)
            if looks_said(text):
                found.append((node.lineno, text))
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_no_patient_facing_sentence_is_left_in_python() -> None:
    left: list[str] = []
    for folder in FOLDERS:
        for path in sorted((PACKAGE_DIR / folder).rglob("*.py")):
            name = path.relative_to(PACKAGE_DIR).as_posix()
            if name in SKIPPED:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), name)
            for line, text in said_strings(tree):
                if (name, text) not in ALLOWED:
                    left.append(f"skill/{name}:{line}: {text!r}")
    assert not left, "move these to content/speech/en.yaml:\n" + "\n".join(left)


def test_the_check_finds_a_sentence_and_skips_what_no_patient_hears() -> None:
    source = '''
"""A module docstring. It is not said."""
import logging
log = logging.getLogger("x")

def f(words):
    """Nor is a docstring."""
    log.warning("Nor a log message: %s.", 1)
    if words is None:
        raise ValueError("Nor an exception message.")
    ids = {"Some key here": 1}
    ids["Another key here"] = words.phrase("key_name", name="the bridge")
    return Say(f"Rep {words} of ten.")
'''
    found = said_strings(ast.parse(source))
    assert found == [(13, "Rep {} of ten.")]


def test_what_looks_said() -> None:
    assert looks_said("Hold.") is False  # one word: no space (a known blind spot)
    assert looks_said("Say ready when you're in position.")
    assert looks_said("Do you mean {}, or {}?")
    assert looks_said("lying on your back.")
    assert looks_said("Good to hear")
    assert not looks_said("request %s: store unavailable")
    assert not looks_said("b01-knee-rolls")
    assert not looks_said(", ")
    assert not looks_said("{} in my {}")  # words kept for the history, not said
    assert not looks_said("{}: {} is not used by the code")
