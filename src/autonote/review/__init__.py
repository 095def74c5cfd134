"""``autonote review``: every draft is looked at before it reaches the corpus.

drafts.py finds pending drafts and what to warn about, apply.py turns an accepted draft into a
corpus note (an update-draft changes only its regenerated fields, with conflicts detected against
the note as it was), git.py commits exactly the accepted notes, decisions.py remembers accepts and
rejects, session.py is the interactive loop.
"""
