"""Where this distribution's artefacts live (shared by the plugin module and the loaders)."""
from codex_ml.artifacts.spec import ArtifactSpec

PACKAGE = "codex_ml.offline.models"
MODELS_DIR = "CODEX_ML_OFFLINE_MODELS_DIR"

TINY_VOCAB = ArtifactSpec("CODEX_ML_TINY_TOKENIZER_PATH", MODELS_DIR, "tiny_tokenizer/vocab.json", package=PACKAGE)
TINY_SEQUENCE = ArtifactSpec("CODEX_ML_TINY_SEQUENCE_PATH", MODELS_DIR, "tiny_sequence_model/model.json", package=PACKAGE)

# Real checkpoints are too large to ship: they come from the project layout or the variables.
GPT2_MODEL = ArtifactSpec("CODEX_ML_GPT2_PATH", MODELS_DIR, "gpt2", is_dir=True, required=("config.json",))
GPT2_TOKENIZER = ArtifactSpec("CODEX_ML_GPT2_TOKENIZER_PATH", MODELS_DIR, "gpt2", is_dir=True, required=("tokenizer.json",))
TINYLLAMA_MODEL = ArtifactSpec("CODEX_ML_TINYLLAMA_PATH", MODELS_DIR, "tinyllama", is_dir=True, required=("config.json",))
TINYLLAMA_TOKENIZER = ArtifactSpec(
    "CODEX_ML_TINYLLAMA_TOKENIZER_PATH", MODELS_DIR, "tinyllama", is_dir=True, required=("tokenizer.model",)
)
