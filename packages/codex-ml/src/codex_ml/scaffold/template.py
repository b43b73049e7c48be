"""The component a scaffolded plugin starts from: the kind's worked example, or a skeleton of its Protocol."""
from __future__ import annotations

import inspect

from codex_ml.kinds import Example, Kind


def example_for(kind: Kind) -> Example:
    """``kind.example`` when declared; otherwise a class with the Protocol's members to fill in."""
    if kind.example is not None:
        return kind.example
    return _skeleton(kind)


def _skeleton(kind: Kind) -> Example:
    protocol = kind.protocol
    class_name = "My" + protocol.__name__
    lines = ["", "", f"class {class_name}:", f'    """A {kind.singular}: fill in each method ({kind.contract})."""', ""]
    attributes = [name for name in getattr(protocol, "__annotations__", {}) if not name.startswith("_")]
    lines += [f"    {name} = {class_name.lower()!r}" for name in attributes]
    members = sorted(name for name in getattr(protocol, "__protocol_attrs__", _protocol_methods(protocol))
                     if callable(getattr(protocol, name, None)))
    for name in members:
        signature = _unannotated(inspect.signature(getattr(protocol, name)))
        lines += ["", f"    def {name}{signature}:",
                  f'        raise NotImplementedError("{class_name}.{name}")']
    return Example(class_name, "\n".join(lines) + "\n")


def _protocol_methods(protocol: type) -> list[str]:
    return [name for name, value in vars(protocol).items() if callable(value) and not name.startswith("_")]


def _unannotated(signature: inspect.Signature) -> inspect.Signature:
    """The signature without annotations: the Protocol's names are not imported in the generated module."""
    empty = inspect.Parameter.empty
    return signature.replace(parameters=[p.replace(annotation=empty) for p in signature.parameters.values()],
                             return_annotation=empty)
