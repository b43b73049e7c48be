"""The model kind: generate(prompt) -> str."""
from codex_ml.interfaces import Model
from codex_ml.kinds.declaration import Example, Kind

#: What `codex-ml plugins new --kind models` writes: a small component that passes its suite.
EXAMPLE_SOURCE = '''
class ReverseModel:
    """Answers with the prompt reversed."""

    def generate(self, prompt: str) -> str:
        return prompt[::-1]
'''

KIND = Kind(
    name="models",
    singular="model",
    contract="generate(prompt) -> str.",
    protocol=Model,
    config_group="model",
    suite="ModelConformance",
    example=Example("ReverseModel", EXAMPLE_SOURCE),
)
