"""Is the installed torch complete? A stub or partial wheel imports fine and then fails deep inside a run,
so this checks the pieces codex-ml uses and says how to reinstall when they are missing.

Run ``python -m codex_ml.utils.torch_checks``: exit 0 with the version and location when torch is
complete, else the problem, the reinstall hint and a non-zero exit. ``tests/support/guards.py`` uses the same
:func:`check_torch`, so the test suite and the diagnostic cannot disagree.
"""
from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from dataclasses import dataclass

REINSTALL_HINT = "python -m pip install torch --index-url https://download.pytorch.org/whl/cpu"

#: Submodules a complete torch provides and codex-ml relies on.
REQUIRED_MODULES = ("torch.nn", "torch.utils.data")
#: ``(module, attribute)`` pairs a stub tends to lack.
REQUIRED_ATTRIBUTES = (("torch", "tensor"), ("torch.utils.data", "Dataset"))

#: The one threshold for reading pickle weights (doctor and the models' loader both use it): the
#: weights_only unpickler can be bypassed before 2.6 (CVE-2025-32434) and has an advisory fixed in 2.10
#: (CVE-2026-24747).
HARDENED_WEIGHTS_ONLY = (2, 10)

MISSING, BROKEN, STUB, INCOMPLETE, OK = "missing", "broken", "stub", "incomplete", "ok"


@dataclass(frozen=True)
class TorchStatus:
    """The outcome of :func:`check_torch`; ``problem`` is None exactly when ``state == "ok"``."""

    state: str
    version: str | None = None
    location: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == OK

    def describe(self) -> str:
        """One line: what is installed, or what is wrong and how to fix it."""
        if self.ok:
            return f"torch {self.version} at {self.location}"
        return f"{self.problem}. {self.fix()}"

    def fix(self) -> str:
        verb = "Install" if self.state == MISSING else "Reinstall"
        return f"{verb} the official CPU wheels: {REINSTALL_HINT}"


def parse_version(text: str | None) -> tuple[int, int] | None:
    """``"2.13.0+cpu"`` -> ``(2, 13)``; None when the text does not start with two numbers."""
    match = re.match(r"\s*(\d+)\.(\d+)", text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def _is_stub_version(version: object) -> bool:
    return not isinstance(version, str) or "stub" in version.lower() or parse_version(version) is None


def check_torch() -> TorchStatus:
    """Import torch and the parts codex-ml uses; never raises."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError) as exc:
        return TorchStatus(BROKEN, problem=f"torch cannot be located ({type(exc).__name__}: {exc})")
    if spec is None:
        return TorchStatus(MISSING, problem="torch is not installed")
    if spec.origin in (None, "namespace"):  # a bare folder named torch somewhere on sys.path
        folders = ", ".join(dict.fromkeys(spec.submodule_search_locations or [])) or "?"
        return TorchStatus(MISSING, problem=f"torch is not installed (only a folder named torch without "
                           f"__init__.py, at {folders})")
    try:
        torch = importlib.import_module("torch")
    except Exception as exc:  # noqa: BLE001 - any import failure means "no usable torch"
        return TorchStatus(BROKEN, problem=f"torch fails to import ({type(exc).__name__}: {exc})")
    version = getattr(torch, "__version__", None)
    location = getattr(torch, "__file__", None) or ", ".join(getattr(torch, "__path__", []) or ["?"])
    found = {"version": str(version) if version is not None else None, "location": location}
    if version is None:
        return TorchStatus(STUB, problem=f"torch at {location} has no __version__ (a stub, or a folder left by a "
                           "broken install)", **found)
    if _is_stub_version(version):
        return TorchStatus(STUB, problem=f"torch at {location} is a stub (version {version!r})", **found)
    for module in REQUIRED_MODULES:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001
            return TorchStatus(
                INCOMPLETE, problem=f"torch {version} at {location} is incomplete: {module} fails to import "
                f"({type(exc).__name__}: {exc})", **found,
            )
    for module, attribute in REQUIRED_ATTRIBUTES:
        if not hasattr(sys.modules[module], attribute):
            return TorchStatus(
                INCOMPLETE, problem=f"torch {version} at {location} is incomplete: {module}.{attribute} is missing",
                **found,
            )
    return TorchStatus(OK, **found)


def pickle_weights_allowed(version: str | None) -> bool:
    """Whether pickle weights (``pytorch_model.bin``) may be read with ``torch.load(weights_only=True)``.

    Before 2.6 the weights-only unpickler could be bypassed (CVE-2025-32434); before 2.10 it had a
    memory-corruption advisory (CVE-2026-24747). codex-ml's loaders therefore need 2.10.
    """
    parsed = parse_version(version)
    return parsed is not None and parsed >= HARDENED_WEIGHTS_ONLY


def main(argv: list[str] | None = None) -> int:
    status = check_torch()
    if status.ok:
        print(f"ok: {status.describe()}")
        return 0
    print(f"error: {status.problem}", file=sys.stderr)
    print(f"fix: {status.fix()}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
