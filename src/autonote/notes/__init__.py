"""The note: its id grammar, its layouts (markdown file, GitHub issue) and the stores that keep it."""
