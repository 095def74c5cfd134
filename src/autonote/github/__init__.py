"""The corpus where it lives: GitHub issues.

- :mod:`.connection`: the one home of GitHub access (API root, token, the PyGithub client with its
  retries and rate-limit pacing, errors as one line that never shows the token);
- :mod:`.issues`: an issue and its comments as an import entry (what ``pull`` and the store read);
- :mod:`.sync`: ``github pull`` and ``github push``;
- :mod:`.proposal`: the comment a regenerated body is proposed in;
- :mod:`.action`: ``github action``, for a workflow in the corpus repository;
- :mod:`.store`: the issues of one repository as a note store (:class:`.store.GitHubIssues`);
- :mod:`.repo_source`: a repository as a paper source (its URL parsing is
  :mod:`autonote.sources.github_repo`'s).

Nothing outside this package and ``commands/`` imports it: ``notes/``, ``sources/`` and ``corpus/``
know no backend. PyGithub is imported only when one of these runs.
"""
