"""``codex-ml plugins new``: write a plugin distribution that installs and passes its tests as generated."""
from codex_ml.scaffold.writer import scaffold_plugin

__all__ = ["scaffold_plugin"]
