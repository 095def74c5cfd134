"""Where papers come from: arXiv (ids and URLs) and local abstracts (files, stdin)."""
