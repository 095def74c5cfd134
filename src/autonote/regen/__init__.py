"""``autonote regen``: regenerate summaries, key points and tags across the corpus as update-drafts.

select.py picks the notes, journal.py remembers every item's outcome (so nothing is paid twice),
update.py turns a generated note into an update-draft, direct.py runs the requests concurrently
within the rate limits, batch.py goes through the Batch API, report.py shows progress and the table.
"""
