"""Offline metrics for codex-ml: weighted accuracy, accuracy and exact match."""
