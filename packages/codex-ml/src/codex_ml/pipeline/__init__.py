"""The train and evaluate pipelines: components built from the registries by the names in a composed
config, with every artefact resolved before any work starts."""
