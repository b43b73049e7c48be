"""The dataset kind: sized, re-iterable collections of records."""
from codex_ml.interfaces import Dataset
from codex_ml.kinds.declaration import Example, Kind

#: What `codex-ml plugins new --kind datasets` writes: a small component that passes its suite.
EXAMPLE_SOURCE = '''
import random


class GreetingsDataset:
    """Three records, optionally shuffled with a seed."""

    def __init__(self, shuffle: bool = False, seed: int = 0) -> None:
        self.records = ["hello", "bonjour", "hallo"]
        if shuffle:
            random.Random(seed).shuffle(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)
'''

KIND = Kind(
    name="datasets",
    singular="dataset",
    contract="sized, re-iterable collections of records.",
    protocol=Dataset,
    config_group="data",
    suite="DatasetConformance",
    example=Example("GreetingsDataset", EXAMPLE_SOURCE, '''    expected_length = 3
    shuffle_kwargs = {"shuffle": True, "seed": 1}
'''),
)
