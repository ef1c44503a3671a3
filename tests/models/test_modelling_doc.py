"""docs/modelling.md lists every helper a script may call (engine/scripting.py exposes them) twice: what it
returns, and what an analyst replaces it with when the diagram moves to SpiffArena (issue 10, item 7)."""
import re

from engine import scripting

from conftest import ROOT

DOC = (ROOT / "docs/modelling.md").read_text(encoding="utf-8")


def _first_column(section_title):
    """The names in backticks in the first column of the first table after `section_title`."""
    section = DOC[DOC.index(section_title):]
    rows = re.findall(r"^\| (.+?) \|", section[:section.index("\n## ")], flags=re.M)
    return {m for row in rows for m in re.findall(r"`(\w+)", row)}


def test_every_helper_says_what_it_returns():
    assert set(scripting.helper_globals()) - _first_column("| helper | returns |") == set()


def test_every_helper_has_its_spiffarena_replacement():
    assert set(scripting.helper_globals()) - _first_column("### Moving a diagram to SpiffArena") == set()
