"""The checks behind ``codex-ml doctor``: each returns findings, one line per fact or problem.

A finding is ``ok``, ``warn`` (something a run might trip over, with what to do) or ``error`` (blocks a
run). Versions come from package metadata; the only heavy import is torch, and only in the torch check.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from codex_ml import settings
from codex_ml.errors import DoctorBlockedError
from codex_ml.plugins.spec import load_target
from codex_ml.utils import torch_checks
from codex_ml.utils.offline import ALLOW_NETWORK_VAR, OFFLINE_FLAGS, applied

OK, WARN, ERROR = "ok", "warn", "error"
#: Below this much free space in the output directory a run may fail half-way.
MIN_FREE_BYTES = 1 << 30


@dataclass(frozen=True)
class Finding:
    level: str
    topic: str
    message: str

    def line(self) -> str:
        return f"{self.level:<5}  {self.topic}: {self.message}"


def components_needing(module: str) -> list[str]:
    from codex_ml.plugins.registries import REGISTRIES

    return sorted({spec.name for registry in REGISTRIES.values() for spec in registry.entries() if module in spec.requires})


def check_torch() -> tuple[list[Finding], torch_checks.TorchStatus]:
    status = torch_checks.check_torch()
    if status.ok:
        return [Finding(OK, "torch", status.describe())], status
    if status.state == torch_checks.MISSING:
        users = components_needing("torch")
        if not users:
            return [Finding(OK, "torch", "not installed (no installed component needs it)")], status
        return [Finding(WARN, "torch", f"not installed; needed by {', '.join(users)}. {status.fix()}")], status
    return [Finding(ERROR, "torch", status.describe())], status


def installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_pickle_weights(status: torch_checks.TorchStatus) -> list[Finding]:
    """Whether ``pytorch_model.bin`` can be loaded safely (weights-only unpickler without known bypasses)."""
    if not status.ok:
        if status.state == torch_checks.MISSING and not components_needing("torch"):
            return [Finding(OK, ".bin weights", "not applicable: no torch, and no installed component needs it")]
        return [Finding(WARN, ".bin weights", "cannot be loaded without a complete torch; safetensors weights need it too")]
    minimum = ".".join(map(str, torch_checks.HARDENED_WEIGHTS_ONLY))
    if torch_checks.pickle_weights_allowed(status.version):
        return [Finding(OK, ".bin weights", f"torch {status.version} loads them with weights_only=True")]
    return [Finding(WARN, ".bin weights", f"refused with torch {status.version} (its weights-only unpickler has known "
                    f"bypasses); only safetensors checkpoints load. Upgrade to torch>={minimum} or convert the "
                    f"checkpoint to model.safetensors on a trusted machine")]


def origin(name: str) -> str:
    """Whether codex-ml or the user set environment variable ``name``."""
    return "codex-ml default" if name in applied() else "your environment"




def check_offline_flags() -> list[Finding]:
    findings = []
    if settings.flag(ALLOW_NETWORK_VAR):
        findings.append(Finding(WARN, "network", f"{ALLOW_NETWORK_VAR} is set: the network guard is off and "
                                "libraries may download; unset it for offline runs"))
    for name in OFFLINE_FLAGS:
        value = os.environ.get(name)
        if value is None or settings.is_false(value):
            findings.append(Finding(WARN, "offline", f"{name}={value if value is not None else '(unset)'} lets the library "
                                    f"reach the network: unset it (codex-ml then sets {name}=1)"))
    if not findings:
        flags = ", ".join(f"{name}={os.environ[name]}" for name in OFFLINE_FLAGS)
        findings.append(Finding(OK, "offline", f"{flags}; network guard on for train/evaluate"))
    return findings


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def check_output_dir(directory: Path) -> list[Finding]:
    """Can runs be written under ``directory``? Probed with a temporary file; nothing else is created."""
    directory = directory.expanduser().absolute()
    existing = _nearest_existing(directory)
    if not existing.is_dir():
        return [Finding(ERROR, "output", f"{existing} is not a directory, so {directory} cannot be created: "
                        "pass another --output-dir or move the file away")]
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".codex-ml-doctor-"):
            pass
    except OSError as exc:
        return [Finding(ERROR, "output", f"{existing} is not writable ({exc.strerror}): fix its permissions or "
                        f"run from a writable working directory")]
    free = shutil.disk_usage(existing).free
    where = directory if existing == directory else f"{directory} (will be created)"
    if free < MIN_FREE_BYTES:
        return [Finding(WARN, "output", f"{where} is writable but only {free / 2**20:.0f} MiB free: free some space")]
    return [Finding(OK, "output", f"{where} is writable, {free / 2**30:.1f} GiB free")]


def check_plugins() -> list[Finding]:
    from codex_ml.plugins.manager import get_host

    host = get_host()
    findings = [
        Finding(WARN if record.status == "failed" else OK, "plugin",
                f"{record.distribution} {record.version} {record.status}: {record.error or 'disabled by CODEX_ML_DISABLE_PLUGINS'}")
        for record in host.plugins if record.status != "ok"
    ]
    loaded = sum(record.status == "ok" for record in host.plugins)
    findings.insert(0, Finding(OK, "plugins", f"{loaded} loaded"))
    return findings


def check_catalogue() -> list[Finding]:
    """Every catalogue entry: found, and matching its manifest when one exists (quick: cached hashes)."""
    from codex_ml.artifacts.hashcache import HashCache
    from codex_ml.plugins.catalogue import INVALID, MISSING, MODIFIED, UNVERIFIED, catalogue_specs, entry_status

    cache = HashCache()
    findings = []
    counts: dict[str, int] = {}
    for spec in catalogue_specs():
        entry = entry_status(spec, quick=True, cache=cache)
        counts[entry.status] = counts.get(entry.status, 0) + 1
        label = f"{spec.name} ({spec.kind})"
        artifact = spec.artifact
        if entry.status == MISSING:
            findings.append(Finding(WARN, "catalogue", f"{label} missing: set {artifact.env_var} or place it at "
                                    f"{artifact.layout_path} (runs using it fail)"))
        elif entry.status in (MODIFIED, INVALID):
            findings.append(Finding(ERROR, "catalogue", f"{label} {entry.status} at {entry.path or '-'}: {entry.detail}; "
                                    f"re-copy it and run `codex-ml catalogue verify {spec.name}`"))
        elif entry.status == UNVERIFIED:
            findings.append(Finding(WARN, "catalogue", f"{label} not verified yet: run `codex-ml catalogue verify {spec.name}`"))
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no entries"
    findings.insert(0, Finding(OK, "catalogue", summary))
    return findings



def plugin_checks() -> list[tuple[str, Callable[[], list[Finding]] | str]]:
    """``(plugin, check)`` for every check plugins register through ``register_doctor_checks``."""
    from codex_ml.plugins.manager import get_host

    checks: list[tuple[str, Callable[[], list[Finding]] | str]] = []
    for impl in get_host().pm.hook.register_doctor_checks.get_hookimpls():
        owner = impl.plugin_name.partition(":")[0]
        registered: list[Callable[[], list[Finding]] | str] = []
        try:
            impl.function(register=registered.append)
        except Exception as exc:  # noqa: BLE001 - reported as a finding, the other checks still run
            checks.append((owner, _failing_check(f"register_doctor_checks raised {type(exc).__name__}: {exc}")))
            continue
        checks += [(owner, check) for check in registered]
    return checks


def _failing_check(message: str) -> Callable[[], list[Finding]]:
    def check() -> list[Finding]:
        raise RuntimeError(message)

    return check


def run_plugin_check(owner: str, check: Callable[[], list[Finding]] | str) -> list[Finding]:
    """Run one plugin check; whatever goes wrong becomes one ``error`` finding naming the plugin."""
    try:
        function = load_target(check) if isinstance(check, str) else check
        findings = list(function())
        if not all(isinstance(f, Finding) for f in findings):
            raise TypeError("a doctor check must return a list of Finding")
        return findings
    except Exception as exc:  # noqa: BLE001 - a broken check must not hide the others
        name = check if isinstance(check, str) else getattr(check, "__qualname__", repr(check))
        return [Finding(ERROR, "doctor check", f"{owner}'s {name} failed: {type(exc).__name__}: {exc}")]


def run_checks(output_dir: Path, *, torch: bool = True) -> list[Finding]:
    """Every check; ``torch=False`` leaves out the torch checks (for a run none of whose components needs it)."""
    torch_findings, status = check_torch() if torch else ([], None)
    findings = [*torch_findings, *(check_pickle_weights(status) if torch else [])]
    for owner, check in plugin_checks():
        findings += run_plugin_check(owner, check)
    return [
        *findings,
        *check_offline_flags(),
        *check_output_dir(output_dir),
        *check_plugins(),
        *check_catalogue(),
    ]


def preflight(output_dir: Path, *, needs_torch: bool) -> list[Finding]:
    """The doctor's checks before a run; raise :class:`DoctorBlockedError` listing the blocking findings.

    torch is checked only when one of the run's components needs it (importing it costs seconds)."""
    findings = run_checks(output_dir, torch=needs_torch)
    blocking = [f for f in findings if f.level == ERROR]
    if blocking:
        lines = "\n".join(f"  {f.topic}: {f.message}" for f in blocking)
        raise DoctorBlockedError(f"doctor found {len(blocking)} blocking problem(s); nothing was run:\n{lines}\n"
                                 "Fix them (see `codex-ml doctor`), or pass --skip-doctor to run anyway.")
    return findings


__all__ = ["ERROR", "OK", "WARN", "DoctorBlockedError", "Finding", "components_needing", "installed_version", "origin",
           "preflight", "run_checks"]
