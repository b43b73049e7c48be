"""The ``codex-ml`` command line. Subcommands live in their own modules and are imported on demand."""
