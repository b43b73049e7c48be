"""Who may register which names, and which provider a user picked when two distributions register one.

- A reserved namespace (``offline:``) belongs to the project's own distributions: the core and the family
  named after it, ``codex-ml-<namespace>-*``. The rule is a naming convention, so the core still names no
  component distribution. A third-party plugin registering ``offline:x`` is refused at discovery (it is
  recorded as failed, with the reason), so no installed package can shadow or break the offline defaults.
- A name two third-party distributions both register is a conflict only when a run or a lookup uses it;
  the user settles it with ``CODEX_ML_PROVIDERS=NAME=DISTRIBUTION[,NAME=DISTRIBUTION...]`` or, in a
  config, ``provider: DISTRIBUTION`` beside the component's ``plugin:`` (``+model.provider=...``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from codex_ml import settings

PROVIDERS_VAR = settings.PROVIDERS
RESERVED_NAMESPACE = "offline"
PROJECT_DISTRIBUTION = "codex-ml"
#: Distributions named ``codex-ml-<namespace>-...`` own ``<namespace>:``.
PROJECT_PREFIX = f"{PROJECT_DISTRIBUTION}-{RESERVED_NAMESPACE}-"


def canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def owns_reserved_namespace(distribution: str) -> bool:
    """The core, the distributions of its reserved namespace's family, and in-process registrations."""
    from codex_ml.plugins.spec import IN_PROCESS

    name = canonical(distribution)
    return distribution == IN_PROCESS or name == PROJECT_DISTRIBUTION or name.startswith(PROJECT_PREFIX)


def reserved_names_claimed(distribution: str, names: Iterable[str]) -> list[str]:
    """The names in ``names`` that ``distribution`` may not register."""
    if owns_reserved_namespace(distribution):
        return []
    return sorted({n for n in names if n.partition(":")[0].strip().lower() == RESERVED_NAMESPACE and ":" in n})


def reserved_message(names: list[str]) -> str:
    return (f"registers {', '.join(repr(n) for n in names)}, but the '{RESERVED_NAMESPACE}:' namespace belongs to "
            f"codex-ml's own distributions; register under your own namespace (e.g. 'yourpackage:name')")


def providers_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{name: distribution}`` from ``CODEX_ML_PROVIDERS`` (malformed items are an error, not ignored)."""
    from codex_ml.errors import CodexMLError

    text = settings.raw(PROVIDERS_VAR, environ)
    chosen: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, distribution = item.rpartition("=")
        if not sep or not name.strip() or not distribution.strip():
            raise CodexMLError(f"{PROVIDERS_VAR}: cannot read {item!r}; expected NAME=DISTRIBUTION "
                               f"(for example {PROVIDERS_VAR}=example:chars=codex-ml-example)")
        chosen[name.strip()] = distribution.strip()
    return chosen
