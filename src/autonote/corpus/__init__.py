"""The user's own corpus: notes on disk, their vocabulary, and retrieval over them."""
