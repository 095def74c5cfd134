"""The corpus where it lives: GitHub issues.

- :mod:`.connection`: the one home of GitHub access (API root, token, the PyGithub client with its
  retries and rate-limit pacing, errors as one line that never shows the token);
- :mod:`.issues`: an issue and its comments as an import entry (what ``pull`` and the store read);
- :mod:`.sync`: ``github pull`` and ``github push``;
- :mod:`.proposal`: the comment a regenerated body is proposed in;
- :mod:`.action`: ``github action``, for a workflow in the corpus repository.

The issue-backed note store is :mod:`autonote.notes.github`; a repository as a paper source is
:mod:`autonote.sources.github_repo`. PyGithub is imported only when one of these runs.
"""
