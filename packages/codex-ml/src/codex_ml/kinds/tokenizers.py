"""The tokenizer kind: encode(text) -> list[int] and decode(ids) -> str."""
from codex_ml.interfaces import Tokenizer
from codex_ml.kinds.declaration import Example, Kind

#: What `codex-ml plugins new --kind tokenizers` writes: a small component that passes its suite.
EXAMPLE_SOURCE = '''
class CharTokenizer:
    """One id per character (its code point)."""

    def encode(self, text: str) -> list[int]:
        return [ord(char) for char in text]

    def decode(self, ids) -> str:
        return "".join(chr(i) for i in ids)
'''

KIND = Kind(
    name="tokenizers",
    singular="tokenizer",
    contract="encode(text) -> list[int] and decode(ids) -> str.",
    protocol=Tokenizer,
    config_group="tokenizer",
    suite="TokenizerConformance",
    example=Example("CharTokenizer", EXAMPLE_SOURCE, '    round_trip_texts = ["hello world", "offline"]\n'),
)
