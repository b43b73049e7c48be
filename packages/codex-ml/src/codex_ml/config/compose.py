"""Compose a run's config with Hydra's compose API and turn every Hydra failure into a
:class:`ConfigError` that says what went wrong and what is available.

Hydra's ``hydra.searchpath`` is honoured only from the primary config or the overrides, so the
distributions' fragment directories are passed as a ``hydra.searchpath=[...]`` override.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codex_ml.config import requirements
from codex_ml.config.arguments import Selection, split_arguments
from codex_ml.config.hydra_call import compose_raw, main_source
from codex_ml.config.searchpath import ConfigSource, all_sources
from codex_ml.errors import ConfigError

DEFAULT_CONFIG = "config"


@dataclass
class Composed:
    """A composed, fully resolved config and how it was obtained."""

    config_name: str
    config: dict[str, Any]
    arguments: list[str]  # the words as typed
    overrides: list[str]  # what Hydra received (bare selections translated)
    choices: dict[str, Any] = field(default_factory=dict)
    sources: list[ConfigSource] = field(default_factory=list)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.config, sort_keys=False, default_flow_style=False)


PACKAGE_DIRECTIVE = "# @package _global_"


def check_primary_package(config_name: str, sources: list[ConfigSource]) -> None:
    """A primary config in a subfolder (``-cn presets/mine``) needs ``# @package _global_`` in its header:
    Hydra otherwise nests its whole content under the folder's key (``presets:``), and the run fails later
    on some unrelated interpolation. Top-level primaries need nothing. Say so before composing."""
    if "/" not in config_name:
        return
    directory = main_source(config_name, sources).directory
    path = directory / f"{config_name}.yaml" if directory is not None else None
    if path is None or not path.is_file():
        return  # Hydra's own "cannot find primary config" message follows, with the available ones
    header = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        header.append(line.strip())
    if not any(line.startswith("# @package") for line in header):
        folder = config_name.rsplit("/", 1)[0]
        raise ConfigError(f"{path}: a primary config in a subfolder needs '{PACKAGE_DIRECTIVE}' as its first line "
                          f"(without it Hydra puts everything under '{folder.replace('/', '.')}:'); add the line, "
                          "or move the file to the top of its config directory (see docs/plugins.md)")


def _compose_checked(config_name: str, overrides: list[str], sources: list[ConfigSource]):
    from codex_ml.config import messages

    try:
        return compose_raw(config_name, overrides, sources)
    except Exception as exc:
        raise ConfigError(messages.explain(exc, config_name, overrides, sources)) from exc


def compose_config(config_name: str | None, words: list[str], *, user_dir: str | None = None,
                   command: str | None = None, check_requirements: bool = True) -> Composed:
    """Compose ``config_name`` with ``words`` (overrides and bare ``GROUP/OPTION`` selections).

    What the preset ``requires`` for ``command`` (every command's when None) is checked first, unless
    ``check_requirements`` is false (``--cfg`` shows a preset's config on hosts that cannot run it).
    """
    from omegaconf import OmegaConf, open_dict
    from omegaconf.errors import OmegaConfBaseException

    config_name = (config_name or DEFAULT_CONFIG).removesuffix(".yaml")
    overrides, selections = split_arguments(list(words))
    sources = all_sources(user_dir)
    main_dir = main_source(config_name, sources).directory
    if check_requirements:
        requirements.check(config_name, main_dir / f"{config_name}.yaml" if main_dir else None, command)
    check_primary_package(config_name, sources)
    if selections:
        from codex_ml.config.suggest import check_selections

        check_selections(selections, sources)
        first = _compose_raw_choices(config_name, overrides, sources)
        overrides = overrides + [s.to_override(first) for s in selections]
    cfg = _compose_checked(config_name, overrides, sources)
    with open_dict(cfg):
        choices = OmegaConf.to_container(cfg.hydra.runtime.choices)
        del cfg["hydra"]
        cfg.pop(requirements.KEY, None)
    try:
        resolved = OmegaConf.to_container(cfg, resolve=True)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"config {config_name!r}: cannot resolve {_where(exc)}: {_first_line(exc)}") from exc
    user_choices = {k: v for k, v in choices.items() if not k.startswith("hydra/")}
    return Composed(config_name, resolved, list(words), overrides, user_choices, sources)


def _compose_raw_choices(config_name: str, overrides: list[str], sources: list[ConfigSource]) -> dict[str, Any]:
    """The group choices before bare selections are applied (decides replace vs add)."""
    cfg = _compose_checked(config_name, overrides, sources)
    return dict(cfg.hydra.runtime.choices)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _where(exc: BaseException) -> str:
    key = getattr(exc, "full_key", None)
    return f"'{key}'" if key else "an interpolation"


__all__ = ["DEFAULT_CONFIG", "Composed", "Selection", "compose_config"]
