"""The packaging-free reading of ``Requires-Dist: codex-ml ...`` agrees with packaging wherever it answers."""
from __future__ import annotations

import itertools

import pytest
from codex_ml.plugins.requirement import fast_check, requirement_verdict
from packaging.requirements import Requirement

SPECS = ["", ">=0.1", ">=0.1,<0.2", "<0.1", "==0.1", "==0.1.0", "!=0.1", "~=0.1", "~=0.1.0", "~=1.2.3", ">0.1",
         "<=0.1", ">=0.2,<1", "==1.0.0.0", "(>=0.1,<0.2)"]
VERSIONS = ["0.1", "0.1.0", "0.1.1", "0.2", "1.0", "1.2.3", "1.2.9", "1.3", "0.0.9"]


@pytest.mark.parametrize("spec, installed", list(itertools.product(SPECS, VERSIONS)))
def test_fast_path_matches_packaging(spec, installed):
    line = f"codex-ml[run]{spec}"
    quick = fast_check(line, "codex-ml", installed)
    assert quick is not None, line  # simple lines never need packaging
    requirement = Requirement(line)
    expected_applies = bool(requirement.specifier)
    assert quick[0] == expected_applies
    if expected_applies:
        assert (quick[1] == "") == requirement.specifier.contains(installed, prereleases=True), (spec, installed)


@pytest.mark.parametrize("line", ["codex-ml>=0.1; python_version>'3'", "codex-ml==0.1.*", "codex-ml>=0.1rc1",
                                  "codex-ml>=0.1 ; extra == 'x'"])
def test_anything_else_goes_to_packaging(line):
    assert fast_check(line, "codex-ml", "0.1.0") is None
    assert requirement_verdict(line, "codex-ml", "0.1.0")[0] in (True, False)


def test_other_distributions_do_not_apply():
    assert requirement_verdict("pluggy>=1.3", "codex-ml", "0.1.0") == (False, "")
    assert requirement_verdict("Codex_ML<0.1", "codex-ml", "0.1.0") == (True, "<0.1")
