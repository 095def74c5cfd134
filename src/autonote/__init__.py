"""autonote: draft, regenerate and review Japanese paper notes in the style of your own corpus.

The package is a library first; `autonote.cli` is a thin click layer over it.
Pipeline: sources → corpus (candidates) → prompting → llm → schema/validation → render → drafts.
"""

__version__ = "0.1.0"
