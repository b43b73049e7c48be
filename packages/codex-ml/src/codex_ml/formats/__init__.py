"""File formats shared by the core and component distributions (below the pipeline, so components
may import them)."""
