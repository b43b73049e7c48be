"""Offline tokenizers and models for codex-ml: the tiny vocabulary tokenizer and scripted sequence model, plus GPT-2 and TinyLlama from local files."""
