"""Discovery: load every ``codex_ml`` entry point, isolate failures and collect registrations.

Each plugin is loaded and its hooks are called one plugin at a time, so a plugin that fails to
import, fails validation or raises inside a hook is recorded as ``failed`` and the others carry on.
``CODEX_ML_STRICT_PLUGINS=1`` turns the first failure into an error; ``CODEX_ML_DISABLE_PLUGINS``
(comma-separated distribution or entry-point names) skips plugins before they are imported.
"""
from __future__ import annotations

import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy
from codex_ml import settings
from codex_ml.errors import ComponentConflictError, PluginLoadError, UnknownComponentError
from codex_ml.plugins import hookspecs
from codex_ml.plugins.spec import IN_PROCESS, KINDS, ComponentSpec, _Registration

STRICT_VAR = settings.STRICT_PLUGINS
DISABLE_VAR = settings.DISABLE_PLUGINS


def _canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


@dataclass
class PluginRecord:
    """One entry point in the ``codex_ml`` group and what became of it."""

    name: str
    distribution: str
    version: str
    value: str
    status: str = "ok"  # ok | failed | disabled | incompatible
    error: str | None = None
    location: str | None = None
    components: list[ComponentSpec] = field(default_factory=list)


class PluginHost:
    """The plugin manager plus everything discovery found; the registries read from here."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        later = hookspecs.later_kind_hookspecs()
        if later is not None:
            self.pm.add_hookspecs(later)
        self.plugins: list[PluginRecord] = []
        self._components: dict[str, dict[str, list[ComponentSpec]]] = {kind: {} for kind in KINDS}
        #: Source files imported while plugins loaded (the listing cache watches them).
        self.watched_files: set[str] = set()
        #: ``{name: distribution}`` chosen for conflicting names (config ``provider:``); the environment's
        #: ``CODEX_ML_PROVIDERS`` is read at lookup time and comes second.
        self.providers: dict[str, str] = {}

    # -- discovery -----------------------------------------------------------------------------
    def load_entry_points(
        self,
        entry_points: Iterable[metadata.EntryPoint] | None = None,
        *,
        strict: bool | None = None,
        disabled: Iterable[str] | None = None,
    ) -> None:
        strict = settings.flag(STRICT_VAR) if strict is None else strict
        disabled_names = disabled_set(disabled)
        if entry_points is None:
            entry_points = metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP)
        seen: set[tuple[str, str]] = set()
        for meta, ep in sorted(((_metadata(ep), ep) for ep in entry_points), key=_load_order):
            dist_name, version = _identity(meta)
            key = (_canonical(dist_name), ep.name)
            if key in seen:  # the same distribution reached through two sys.path entries
                continue
            seen.add(key)
            record = PluginRecord(ep.name, dist_name, version, ep.value)
            self.plugins.append(record)
            if {_canonical(dist_name), _canonical(ep.name)} & disabled_names:
                record.status = "disabled"
                record.location = lookup_location(ep)
                continue
            incompatibility = api_incompatibility(meta)
            if incompatibility:
                record.status, record.error = "incompatible", incompatibility
                record.location = lookup_location(ep)
                continue
            self._load_one(ep, record)
            if strict:
                raise_if_failed(record)

    def _load_one(self, ep: metadata.EntryPoint, record: PluginRecord) -> None:
        module = None
        before = set(sys.modules)
        try:
            module = ep.load()
            self._watch(set(sys.modules) - before)
            record.location = getattr(module, "__file__", None)
            self.pm.register(module, name=f"{record.distribution}:{record.name}")
            unknown = self._unknown_hooks(module)
            if unknown:
                raise pluggy.PluginValidationError(
                    module, f"implements unknown hook(s) {', '.join(unknown)}; known hooks: {', '.join(hookspecs.all_hook_names())}"
                )
            specs: list[ComponentSpec] = []
            for kind, hook_name in hookspecs.KIND_HOOKS.items():
                caller = getattr(self.pm.hook, hook_name, None)  # None: kind declared after this host was made
                for impl in caller.get_hookimpls() if caller is not None else ():
                    if impl.plugin is module:
                        registration = _Registration(kind, record.distribution, record.version)
                        impl.function(register=registration)
                        specs.extend(registration.specs)
            from codex_ml.plugins.ownership import reserved_message, reserved_names_claimed

            claimed = reserved_names_claimed(record.distribution, [spec.name for spec in specs])
            if claimed:
                raise pluggy.PluginValidationError(module, reserved_message(claimed))
        except Exception as exc:  # noqa: BLE001 - any plugin error must be isolated
            record.status = "failed"
            record.error = _describe(exc)
            record.location = record.location or lookup_location(ep)
            if module is not None and self.pm.is_registered(module):
                self.pm.unregister(module)
            return
        record.components = specs
        self._index(specs)

    def _watch(self, module_names: set[str]) -> None:
        for name in module_names:
            path = getattr(sys.modules.get(name), "__file__", None)
            if path:
                self.watched_files.add(path)

    def add_record(self, record: PluginRecord) -> None:
        """Adopt a record (and its components) discovered earlier, e.g. from the listing cache."""
        self.plugins.append(record)
        self._index(record.components)

    def _index(self, specs: list[ComponentSpec]) -> None:
        """Make ``specs`` findable by kind and name; a second registration of a name is kept as a conflict."""
        for spec in specs:
            self.specs(spec.kind).setdefault(spec.name, []).append(spec)

    def _unknown_hooks(self, module: object) -> list[str]:
        marker = hookspecs.PROJECT + "_impl"
        unknown = []
        for attr in dir(module):
            options = getattr(getattr(module, attr, None), marker, None)
            if options is None or (isinstance(options, dict) and options.get("optionalhook")):
                continue
            hook_name = options.get("specname") or attr if isinstance(options, dict) else attr
            caller = getattr(self.pm.hook, hook_name, None)
            if caller is None or not caller.has_spec():
                unknown.append(hook_name)
        return unknown

    # -- lookup --------------------------------------------------------------------------------
    def specs(self, kind: str) -> dict[str, list[ComponentSpec]]:
        return self._components.setdefault(kind, {})

    def lookup(self, kind: str, name: str, provider: str | None = None) -> ComponentSpec:
        """The one registration of ``name``; ``provider`` (else a chosen provider) picks among several."""
        from codex_ml.plugins.ownership import PROVIDERS_VAR, canonical, providers_from_environment

        candidates = self.specs(kind).get(name)
        if not candidates:
            raise UnknownComponentError(unknown_name_message(KINDS[kind], name, sorted(self.specs(kind))))
        owners = ", ".join(f"{c.distribution} {c.version}".strip() for c in candidates)
        chosen = provider or self.providers.get(name) or providers_from_environment().get(name)
        if chosen:
            picked = [c for c in candidates if canonical(c.distribution) == canonical(chosen)]
            if not picked:
                raise ComponentConflictError(f"{KINDS[kind]} {name!r}: the chosen provider {chosen!r} does not register "
                                             f"it; it is registered by {owners}")
            return picked[0]
        if len(candidates) > 1:
            raise ComponentConflictError(
                f"{KINDS[kind]} {name!r} is registered by more than one distribution: {owners}. Pick one with "
                f"{PROVIDERS_VAR}={name}=<distribution> (or 'provider: <distribution>' beside its 'plugin:' in the "
                f"config), uninstall one, or disable it with {DISABLE_VAR}=<distribution>."
            )
        return candidates[0]

    def add(self, spec: ComponentSpec, *, replace: bool = False) -> None:
        """Register an in-process component; clashing with an existing name needs ``replace=True``."""
        existing = self.specs(spec.kind).get(spec.name)
        if existing and not replace:
            owners = ", ".join(c.distribution for c in existing)
            raise ComponentConflictError(
                f"{KINDS[spec.kind]} {spec.name!r} is already registered by {owners}; pass replace=True to override it"
            )
        self.specs(spec.kind)[spec.name] = [spec]

    def remove(self, kind: str, name: str) -> None:
        if name not in self.specs(kind):
            raise UnknownComponentError(unknown_name_message(KINDS[kind], name, sorted(self.specs(kind))))
        del self.specs(kind)[name]


def unknown_name_message(kind_label: str, name: str, available: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, available, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(available) if available else "none (is the distribution that provides it installed?)"
    return f"unknown {kind_label} {name!r}.{hint} Available: {listing}"


def _metadata(ep: metadata.EntryPoint) -> Any:
    """The plugin distribution's metadata, parsed once and shared by every check below (None if unknown)."""
    dist = getattr(ep, "dist", None)
    return dist.metadata if dist is not None else None


def _identity(meta: Any) -> tuple[str, str]:
    """(distribution name, version)."""
    if meta is None:
        return ("<unknown>", "")
    return (meta["Name"] or "<unknown>", meta["Version"] or "")


def _load_order(item: tuple[Any, metadata.EntryPoint]) -> tuple[str, str]:
    """Load plugins in a stable order (distribution, then entry-point name), whatever the file system says."""
    meta, ep = item
    return (_canonical(_identity(meta)[0]), ep.name)


def api_incompatibility(meta: Any) -> str | None:
    """Why the plugin's requirement on codex-ml excludes the installed core, or None.

    Read from the plugin distribution's metadata (``Requires-Dist``), before anything is imported; a
    plugin that states no range is taken as compatible.
    """
    if meta is None:
        return None
    from codex_ml.plugins.requirement import requirement_verdict
    from codex_ml.plugins.versions import CORE_DISTRIBUTION, core_version

    installed = core_version()
    for line in meta.get_all("Requires-Dist") or []:
        applies, excluded_by = requirement_verdict(line, CORE_DISTRIBUTION, installed)
        if not applies:
            continue
        if not excluded_by:
            return None
        return (f"requires {CORE_DISTRIBUTION}{excluded_by}, but {CORE_DISTRIBUTION} {installed} "
                f"(hook API {hookspecs.API_VERSION}) is installed; install a version of {_identity(meta)[0]} "
                f"made for it, or a matching {CORE_DISTRIBUTION}")
    return None


def lookup_location(ep: metadata.EntryPoint) -> str | None:
    """Where a plugin that did not load was looked up: its module's file when it can be found without
    importing it, else the distribution's metadata folder (which names the site it is installed in)."""
    import importlib.util

    module = getattr(ep, "module", None) or str(getattr(ep, "value", "")).partition(":")[0]
    try:
        found = importlib.util.find_spec(module) if module else None
    except (ImportError, ValueError):
        found = None
    if found is not None and found.origin:
        return found.origin
    dist = getattr(ep, "dist", None)
    path = getattr(dist, "_path", None)  # importlib.metadata.PathDistribution: the .dist-info folder
    return str(path) if path is not None else None


def disabled_set(disabled: Iterable[str] | None = None) -> set[str]:
    """Canonical names from ``disabled`` or, when None, from ``CODEX_ML_DISABLE_PLUGINS``."""
    if disabled is None:
        disabled = settings.names(DISABLE_VAR)
    return {_canonical(n) for n in disabled if n.strip()}


def raise_if_failed(record: PluginRecord) -> None:
    if record.status == "failed":
        raise PluginLoadError(
            f"plugin {record.name!r} from {record.distribution} {record.version} failed to load "
            f"({STRICT_VAR} is set): {record.error}"
        )


def _describe(exc: BaseException) -> str:
    """The error in one line, with the plugin code location that raised it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "codex_ml/plugins/" not in f.filename.replace("\\", "/") and not f.filename.startswith("<frozen")]
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


_HOST: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide host, discovering entry points on first use."""
    global _HOST
    if _HOST is None:
        host = PluginHost()
        host.load_entry_points()
        _HOST = host
    return _HOST


def reset_host(host: PluginHost | None = None) -> None:
    """Forget discovery results (tests), or install ``host`` in their place."""
    global _HOST
    _HOST = host


__all__ = ["IN_PROCESS", "PluginHost", "PluginRecord", "get_host", "reset_host"]
