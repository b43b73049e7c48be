"""Small environment helpers: torch diagnostics, offline mode, the network guard and safe loading.

Each module has one job and imports nothing heavy at import time.
"""
