"""A loopback GitHub REST server: enough of the real API for autonote's client (PyGithub) to run
against unchanged.

It speaks what GitHub speaks: ``GET/POST /repos/{o}/{r}/issues`` (``state``, ``since``, ``sort``,
``direction``, ``page``/``per_page`` with ``Link`` headers; pull requests are listed as issues with
a ``pull_request`` field, as GitHub does), ``GET/PATCH /repos/{o}/{r}/issues/{n}``, issue comments
(per issue and repository-wide with ``since``; one comment read and edited by id), labels (list, create; add to and remove from an
issue; 422 for a label the repository lacks), ``GET /repos/{o}/{r}``, ``/readme``, ``/users/{u}``
and ``/rate_limit``. Tokens are checked (401 ``Bad credentials``), unknown repositories are 404,
and every answer carries ``x-ratelimit-*`` headers from a budget per token: a request over it is
the primary-limit 403. Faults (a secondary-limit 403 with ``retry-after``, 5xx, slow answers) are
scripted per method and path. Every request is recorded.

Answers take the shapes of public recordings of api.github.com (written here in our own words):

- issues and their lists: octokit/fixtures ``scenarios/api.github.com/paginate-issues`` (nulls for
  ``body``, ``milestone``, ``assignee``, ``closed_at``; ``author_association``; label objects with
  ``node_id``, ``description``; ``Link`` pages under ``/repositories/{id}/…``, not the name);
- headers: the same recordings (``x-ratelimit-limit/remaining/reset/used/resource``,
  ``x-github-request-id``, ``x-github-media-type``, ``content-type: application/json; charset=utf-8``);
- a renamed repository: octokit/fixtures ``scenarios/api.github.com/rename-repository`` (301 with
  ``Location: …/repositories/{id}`` and ``{"message": "Moved Permanently", "url": …,
  "documentation_url": …}``; GitHub answers 307 for other methods, as GitHub's docs on HTTP
  redirects say, and keeps the query in the Location, as node-gh/gh#579 shows);
- a transferred issue: 301 to the issue under ``/repositories/{other id}/issues/{new number}``;
  a deleted one: 410 ``{"message": "This issue was deleted"}`` (as recorded in kenn-io/forge's
  tests of the GitHub API);
- the secondary rate limit: 403 with ``retry-after`` and GitHub's documented message
  (:data:`SECONDARY_LIMIT`, the text PyGithub's ``isSecondaryRateLimitError`` matches).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlparse

HTML = "https://github.com"
SECONDARY_LIMIT = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}


def stamp(moment: float) -> str:
    return dt.datetime.fromtimestamp(int(moment), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass
class Fault:
    """A scripted answer replacing the real one for the next request that matches."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    path: str | None = None  # a regular expression searched in the request path
    delay: float = 0.0
    times: int = 1
    process: bool = False  # carry the request out, then answer with the fault (an answer lost on the way)
    raw: bytes | None = None  # the body as sent (an HTML page, deeply nested JSON), not JSON-encoded
    content_type: str = "application/json; charset=utf-8"
    trickle: float = 0.0  # send the whole answer (status line, headers, body) one byte every N s


@dataclass
class User:
    login: str
    type: str = "User"  # User | Organization | Bot
    name: str | None = None
    association: str = "OWNER"  # what author_association items by this user get


@dataclass
class Comment:
    id: int
    issue: int
    body: str
    user: User
    created: float
    updated: float


@dataclass
class Issue:
    number: int
    title: str
    body: str | None
    labels: list[str]
    user: User
    created: float
    updated: float
    state: str = "open"
    pull_request: bool = False
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Repo:
    owner: User
    name: str
    description: str | None = None
    created: float = 0.0
    readme: str | None = None
    private: bool = False
    issues: dict[int, Issue] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # name -> colour
    id: int = 0
    moved_issues: dict[int, tuple[str, int]] = field(default_factory=dict)  # number -> (repo, number) there
    deleted_issues: set[int] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"


class GitHubServer:
    """``with GitHubServer() as server:``; point ``GITHUB_API_URL`` at ``server.url``."""

    def __init__(
        self,
        *,
        tokens: tuple[str, ...] = ("ghp_loopbackTestToken0123456789",),
        rate_limit: int = 5000,
        rate_window: float = 3600.0,
        actor: str = "github-actions[bot]",
    ) -> None:
        self.tokens = set(tokens)
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self.repos: dict[str, Repo] = {}
        self.old_names: dict[str, str] = {}  # a renamed repository's old full name -> its new one
        self.users: dict[str, User] = {}
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.record_bodies = True
        self.primary_refusals = 0  # requests refused because the budget was spent
        self._budgets: dict[str, list[float]] = {}  # who -> [window start, used]
        self._next_comment = 100_000
        self._clock_offset = 0.0
        self._lock = threading.RLock()
        self.actor = self.user(actor, type="Bot", association="NONE")  # who the tokens act as
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def do_GET(self) -> None:
                outer._dispatch(self, "GET", b"")

            def do_POST(self) -> None:
                outer._dispatch(self, "POST", self._body())

            def do_PATCH(self) -> None:
                outer._dispatch(self, "PATCH", self._body())

            def do_PUT(self) -> None:
                outer._dispatch(self, "PUT", self._body())

            def do_DELETE(self) -> None:
                outer._dispatch(self, "DELETE", self._body())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # -- lifecycle ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> GitHubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- data ---------------------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the server's clock (updated_at, since) forward without waiting."""
        self._clock_offset += seconds

    def user(self, login: str, **kw: Any) -> User:
        if login not in self.users:
            self.users[login] = User(login, **kw)
        return self.users[login]

    def add_repo(self, full_name: str, **kw: Any) -> Repo:
        owner, name = full_name.split("/")
        owner_kw = {k: kw.pop(k) for k in ("owner_type", "owner_name") if k in kw}
        user = self.user(owner, type=owner_kw.get("owner_type", "User"), name=owner_kw.get("owner_name"))
        repo = Repo(user, name, created=kw.pop("created", self.now()), id=1_000 + len(self.repos), **kw)
        self.repos[full_name.lower()] = repo
        return repo

    def rename_repo(self, old: str, new: str) -> Repo:
        """Rename (or transfer) a repository: its old name answers redirects, as GitHub's does."""
        with self._lock:
            repo = self.repos.pop(old.lower())
            owner, name = new.split("/")
            repo.owner, repo.name = self.user(owner), name
            self.repos[new.lower()] = repo
            self.old_names[old.lower()] = new.lower()
            return repo

    def transfer_issue(self, full_name: str, number: int, to: str) -> Issue:
        """Move an issue to another repository (it gets a number there; the old one redirects)."""
        with self._lock:
            source, target = self.repos[full_name.lower()], self.repos[to.lower()]
            issue = source.issues.pop(number)
            issue.number = max([0, *target.issues]) + 1
            target.issues[issue.number] = issue
            source.moved_issues[number] = (to.lower(), issue.number)
            return issue

    def delete_issue(self, full_name: str, number: int) -> None:
        with self._lock:
            repo = self.repos[full_name.lower()]
            repo.issues.pop(number)
            repo.deleted_issues.add(number)

    def add_issue(
        self,
        full_name: str,
        title: str,
        body: str | None = "",
        labels: list[str] | tuple[str, ...] = (),
        *,
        number: int | None = None,
        created: float | None = None,
        comments: list[tuple[str, str]] = (),  # (login, body); the repository owner's unless named otherwise
        author: str | None = None,
        pull_request: bool = False,
        state: str = "open",
        create_labels: bool = True,
    ) -> Issue:
        with self._lock:
            repo = self.repos[full_name.lower()]
            number = number or max([0, *repo.issues]) + 1
            moment = created if created is not None else self.now()
            for name in labels:
                if create_labels:
                    repo.labels.setdefault(name, "ededed")
            issue = Issue(number, title, body, list(labels), self.user(author or repo.owner.login),
                          moment, moment, state=state, pull_request=pull_request)  # fmt: skip
            repo.issues[number] = issue
            for login, text in comments:
                self.add_comment(full_name, number, text, login=login, touch=False, at=moment)
            return issue

    def add_comment(
        self, full_name: str, number: int, body: str, *, login: str | None = None, touch: bool = True,
        at: float | None = None, association: str | None = None,
    ) -> Comment:  # fmt: skip
        with self._lock:
            repo = self.repos[full_name.lower()]
            issue = repo.issues[number]
            moment = at if at is not None else self.now()
            user = self.user(login or repo.owner.login)
            if association is not None:
                user.association = association
            self._next_comment += 1
            comment = Comment(self._next_comment, number, body, user, moment, moment)
            issue.comments.append(comment)
            if touch:
                issue.updated = moment
            return comment

    def edit_issue(self, full_name: str, number: int, **changes: Any) -> Issue:
        """A change made on GitHub by someone else (the owner in the browser)."""
        with self._lock:
            issue = self.repos[full_name.lower()].issues[number]
            for key, value in changes.items():
                setattr(issue, key, value)
            issue.updated = self.now()
            return issue

    def issue(self, full_name: str, number: int) -> Issue:
        return self.repos[full_name.lower()].issues[number]

    def fail(self, status: int, body: Any = None, **kw: Any) -> None:
        self.faults.append(Fault(status, body, **kw))

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests made with ``method`` whose path (without the query) matches ``path``."""
        return sum(
            1 for r in self.requests
            if (method is None or r["method"] == method)
            and (path is None or re.search(path, r["path"].split("?")[0]))
        )  # fmt: skip

    # -- HTTP ---------------------------------------------------------------------------------------

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes) -> None:
        parsed = urlparse(handler.path)
        path, query = parsed.path, {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        headers = dict(handler.headers)
        with self._lock:
            self.requests.append(
                {"time": time.time(), "method": method, "path": handler.path, "headers": headers,
                 "body": raw if self.record_bodies else b""}
            )  # fmt: skip
            fault = self._take_fault(method, path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.process:
                with self._lock:
                    self._route(method, path, query, json.loads(raw) if raw else None, headers)
            if fault.status:
                payload = fault.body if fault.body is not None else {"message": f"fault {fault.status}"}
                self._send(
                    handler,
                    fault.status,
                    fault.raw if fault.raw is not None else payload,
                    {**self._rate_headers(headers, spend=False), **fault.headers},
                    content_type=fault.content_type,
                    trickle=fault.trickle,
                )
                return
        who = self._who(headers)
        if who is None:
            self._send(
                handler,
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
                {},
            )
            return
        with self._lock:
            allowed, rate = self._spend(who)
        if not allowed:
            self.primary_refusals += 1
            message = {
                "message": f"API rate limit exceeded for {who}.",
                "documentation_url": "https://docs.github.com/rest",
            }
            self._send(handler, 403, message, rate)
            return
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            self._send(handler, 400, {"message": "Problems parsing JSON"}, rate)
            return
        with self._lock:
            status, payload, extra = self._route(method, path, query, data, headers)
        self._send(handler, status, payload, {**rate, **extra})

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if (fault.method is None or fault.method == method) and (
                fault.path is None or re.search(fault.path, path)
            ):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def _who(self, headers: dict[str, str]) -> str | None:
        auth = headers.get("Authorization")
        if auth is None:
            return "anonymous"
        scheme, _, token = auth.partition(" ")
        if scheme.lower() in ("bearer", "token") and token in self.tokens:
            return f"token-{sorted(self.tokens).index(token)}"
        return None

    def _spend(self, who: str) -> tuple[bool, dict[str, str]]:
        now = time.time()
        budget = self._budgets.setdefault(who, [now, 0])
        if now >= budget[0] + self.rate_window:
            budget[:] = [now, 0]
        limit = self.rate_limit if who != "anonymous" else min(60, self.rate_limit)
        reset = int(budget[0] + self.rate_window + 0.999)
        if budget[1] >= limit:
            return False, self._headers(limit, 0, reset)
        budget[1] += 1
        return True, self._headers(limit, limit - int(budget[1]), reset)

    def _rate_headers(self, headers: dict[str, str], *, spend: bool) -> dict[str, str]:
        who = self._who(headers) or "anonymous"
        budget = self._budgets.get(who, [time.time(), 0])
        limit = self.rate_limit if who != "anonymous" else min(60, self.rate_limit)
        return self._headers(limit, max(0, limit - int(budget[1])), int(budget[0] + self.rate_window + 0.999))

    @staticmethod
    def _headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(reset), "x-ratelimit-used": str(limit - remaining),
            "x-ratelimit-resource": "core",
        }  # fmt: skip

    _request_ids = iter(range(1, 10**9))

    @classmethod
    def _send(
        cls, handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str], *,
        content_type: str = "application/json; charset=utf-8", trickle: float = 0.0,
    ) -> None:  # fmt: skip
        if isinstance(payload, bytes):
            data = payload
        else:
            data = b"" if payload is None else json.dumps(payload).encode()
        request_id = f"{next(cls._request_ids):04X}:{status:05d}:{len(data):07X}:{len(headers):07X}:00000000"
        try:
            if trickle:
                handler.close_connection = True
                text = [f"HTTP/1.1 {status} {handler.responses.get(status, ('',))[0]}",
                        f"Content-Type: {content_type}", f"Content-Length: {len(data)}",
                        *(f"{k}: {v}" for k, v in headers.items()), "", ""]  # fmt: skip
                for byte in "\r\n".join(text).encode() + data:
                    handler.wfile.write(bytes([byte]))
                    handler.wfile.flush()
                    time.sleep(trickle)
                return
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("x-github-media-type", "github.v3; format=json")
            handler.send_header("x-github-request-id", request_id)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    # -- the API ------------------------------------------------------------------------------------

    def _route(
        self, method: str, path: str, query: dict[str, str], data: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if path == "/rate_limit":
            return 200, {"resources": {"core": {}}}, {}
        found = re.fullmatch(r"/users/([^/]+)", path)
        if found and method == "GET":
            user = self.users.get(found[1])
            if user is None:
                return 404, {"message": "Not Found"}, {}
            return 200, {"login": user.login, "id": hash(user.login) % 10**6, "type": user.type,
                         "name": user.name, "url": f"{self.url}/users/{user.login}"}, {}  # fmt: skip
        found = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        by_id = re.fullmatch(r"/repositories/(\d+)(/.*)?", path)
        if found is None and by_id is None:
            return 404, {"message": "Not Found"}, {}
        if by_id is not None:
            repo = next((r for r in self.repos.values() if r.id == int(by_id[1])), None)
            rest = by_id[2] or ""
        else:
            full = f"{found[1]}/{found[2]}".lower()
            rest = found[3] or ""
            repo = self.repos.get(full)
            if repo is None and full in self.old_names:
                return self._moved(self.repos[self.old_names[full]].id, rest, query, method)
        anonymous = "Authorization" not in headers
        if repo is None or (repo.private and anonymous):
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, {}
        gone = re.match(r"/issues/(\d+)(/.*)?$", rest)
        if gone and int(gone[1]) in repo.moved_issues:
            there, number_there = repo.moved_issues[int(gone[1])]
            return self._moved(self.repos[there].id, f"/issues/{number_there}{gone[2] or ''}", query, method)
        if gone and int(gone[1]) in repo.deleted_issues:
            return 410, {"message": "This issue was deleted",
                         "documentation_url": "https://docs.github.com/rest/issues/issues#get-an-issue"}, {}  # fmt: skip
        key = (method, re.sub(r"/\d+", "/N", rest))
        number = int(m[1]) if (m := re.match(r"/issues/(\d+)", rest)) else None
        if anonymous and method != "GET":
            return 401, {"message": "Requires authentication"}, {}
        match key:
            case ("GET", ""):
                return 200, self._repo_json(repo), {}
            case ("GET", "/readme"):
                if repo.readme is None:
                    return 404, {"message": "Not Found"}, {}
                content = base64.b64encode(repo.readme.encode()).decode()
                return 200, {"type": "file", "encoding": "base64", "name": "README.md", "path": "README.md",
                             "content": content, "url": f"{self.url}/repos/{repo.full_name}/contents/README.md"}, {}  # fmt: skip
            case ("GET", "/issues"):
                return self._list_issues(repo, query)
            case ("POST", "/issues"):
                return self._create_issue(repo, data)
            case ("GET", "/issues/comments"):
                items = [c for i in repo.issues.values() for c in i.comments]
                if "since" in query:
                    since = parse_stamp(query["since"])
                    items = [c for c in items if c.updated >= since]
                items.sort(key=lambda c: (c.created, c.id), reverse=query.get("direction") == "desc")
                return self._page(
                    repo, items, query, "/issues/comments", lambda c: self._comment_json(repo, c)
                )
            case ("GET", "/issues/comments/N") | ("PATCH", "/issues/comments/N"):
                return self._one_comment(repo, method, int(rest.rsplit("/", 1)[1]), data)
            case ("GET", "/issues/N"):
                issue = repo.issues.get(number)  # type: ignore[arg-type]
                return (
                    (200, self._issue_json(repo, issue), {}) if issue else (404, {"message": "Not Found"}, {})
                )
            case ("PATCH", "/issues/N"):
                return self._edit_issue(repo, number, data)  # type: ignore[arg-type]
            case ("GET", "/issues/N/comments"):
                issue = repo.issues.get(number)  # type: ignore[arg-type]
                if issue is None:
                    return 404, {"message": "Not Found"}, {}
                return self._page(repo, list(issue.comments), query, f"/issues/{number}/comments",
                                  lambda c: self._comment_json(repo, c))  # fmt: skip
            case ("POST", "/issues/N/comments"):
                issue = repo.issues.get(number)  # type: ignore[arg-type]
                if issue is None or not isinstance(data, dict) or not isinstance(data.get("body"), str):
                    return (
                        (404, {"message": "Not Found"}, {})
                        if issue is None
                        else (422, {"message": "Validation Failed"}, {})
                    )
                comment = self.add_comment(repo.full_name, number, data["body"], login=self.actor.login)  # type: ignore[arg-type]
                return 201, self._comment_json(repo, comment), {}
            case ("POST", "/issues/N/labels"):
                return self._add_labels(repo, number, data)  # type: ignore[arg-type]
            case ("DELETE", _) if m := re.fullmatch(r"/issues/(\d+)/labels/(.+)", rest):
                issue = repo.issues.get(int(m[1]))
                name = unquote(m[2])
                if issue is None or name not in issue.labels:
                    return 404, {"message": "Label does not exist"}, {}
                issue.labels.remove(name)
                issue.updated = self.now()
                return 200, [self._label_json(repo, n) for n in issue.labels], {}
            case ("GET", "/labels"):
                return self._page(
                    repo, sorted(repo.labels), query, "/labels", lambda n: self._label_json(repo, n)
                )
            case ("POST", "/labels"):
                if not isinstance(data, dict) or not isinstance(data.get("name"), str):
                    return 422, {"message": "Validation Failed"}, {}
                if data["name"] in repo.labels:
                    return 422, {"message": "Validation Failed",
                                 "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}]}, {}  # fmt: skip
                repo.labels[data["name"]] = str(data.get("color") or "ededed")
                return 201, self._label_json(repo, data["name"]), {}
        return 404, {"message": "Not Found"}, {}

    def _one_comment(
        self, repo: Repo, method: str, comment_id: int, data: Any
    ) -> tuple[int, Any, dict[str, str]]:
        """``GET``/``PATCH /repos/{o}/{r}/issues/comments/{id}`` (an edit touches the comment and its issue)."""
        found = next((c for i in repo.issues.values() for c in i.comments if c.id == comment_id), None)
        if found is None:
            return 404, {"message": "Not Found"}, {}
        if method == "PATCH":
            if not isinstance(data, dict) or not isinstance(data.get("body"), str):
                return 422, {"message": "Validation Failed"}, {}
            found.body, found.updated = data["body"], self.now()
            repo.issues[found.issue].updated = found.updated
        return 200, self._comment_json(repo, found), {}

    def _moved(
        self, repo_id: int, rest: str, query: dict[str, str], method: str
    ) -> tuple[int, Any, dict[str, str]]:
        """GitHub's redirect for something that moved: 301 for GET, 307 for the other methods."""
        location = f"{self.url}/repositories/{repo_id}{rest}" + (f"?{urlencode(query)}" if query else "")
        status = 301 if method in ("GET", "HEAD") else 307
        message = "Moved Permanently" if status == 301 else "Temporary Redirect"
        body = {
            "message": message,
            "url": location,
            "documentation_url": "https://docs.github.com/v3/#http-redirects",
        }
        return status, body, {"Location": location}

    def _repo_json(self, repo: Repo) -> dict[str, Any]:
        return {
            "id": repo.id, "node_id": f"R_{repo.id}", "name": repo.name, "full_name": repo.full_name,
            "owner": {"login": repo.owner.login, "type": repo.owner.type, "url": f"{self.url}/users/{repo.owner.login}"},
            "private": repo.private, "html_url": f"{HTML}/{repo.full_name}", "description": repo.description,
            "url": f"{self.url}/repos/{repo.full_name}", "created_at": stamp(repo.created),
            "updated_at": stamp(repo.created), "default_branch": "main", "has_issues": True,
        }  # fmt: skip

    def _label_json(self, repo: Repo, name: str) -> dict[str, Any]:
        return {"id": hash(name) % 10**8, "node_id": f"LA_{hash(name) % 10**8}",
                "url": f"{self.url}/repos/{repo.full_name}/labels/{quote(name, safe='')}", "name": name,
                "color": repo.labels.get(name, "ededed"), "default": False, "description": None}  # fmt: skip

    def _issue_json(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}/issues/{issue.number}"
        kind = "pull" if issue.pull_request else "issues"
        data = {
            "url": api, "repository_url": f"{self.url}/repos/{repo.full_name}",
            "comments_url": f"{api}/comments", "labels_url": f"{api}/labels{{/name}}",
            "events_url": f"{api}/events", "html_url": f"{HTML}/{repo.full_name}/{kind}/{issue.number}",
            "id": 10_000_000 + issue.number, "node_id": f"I_{10_000_000 + issue.number}",
            "number": issue.number, "title": issue.title,
            "user": {"login": issue.user.login, "type": issue.user.type, "site_admin": False},
            "labels": [self._label_json(repo, name) for name in issue.labels], "state": issue.state,
            "locked": False, "assignee": None, "assignees": [], "milestone": None, "comments": len(issue.comments),
            "created_at": stamp(issue.created), "updated_at": stamp(issue.updated),
            "closed_at": stamp(issue.updated) if issue.state == "closed" else None,
            "author_association": issue.user.association, "active_lock_reason": None, "body": issue.body,
            "performed_via_github_app": None,
            "state_reason": "completed" if issue.state == "closed" else None,
        }  # fmt: skip
        if issue.pull_request:
            data["pull_request"] = {"url": f"{self.url}/repos/{repo.full_name}/pulls/{issue.number}"}
        return data

    def _comment_json(self, repo: Repo, comment: Comment) -> dict[str, Any]:
        return {
            "id": comment.id, "url": f"{self.url}/repos/{repo.full_name}/issues/comments/{comment.id}",
            "html_url": f"{HTML}/{repo.full_name}/issues/{comment.issue}#issuecomment-{comment.id}",
            "issue_url": f"{self.url}/repos/{repo.full_name}/issues/{comment.issue}", "body": comment.body,
            "user": {"login": comment.user.login, "type": comment.user.type},
            "author_association": comment.user.association,
            "created_at": stamp(comment.created), "updated_at": stamp(comment.updated),
        }  # fmt: skip

    def _page(
        self, repo: Repo, items: list[Any], query: dict[str, str], where: str, render: Any
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = max(1, min(100, int(query.get("per_page", 30))))
        page = max(1, int(query.get("page", 1)))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        base = f"{self.url}/repositories/{repo.id}{where}"  # GitHub's Link pages go by id, not name
        for rel, target in (("prev", page - 1), ("next", page + 1), ("last", last), ("first", 1)):
            if (
                (rel == "prev" and page > 1)
                or (rel == "next" and page < last)
                or (rel in ("last", "first") and last > 1)
            ):
                params = urlencode({**query, "page": target})
                links.append(f'<{base}?{params}>; rel="{rel}"')
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, [render(item) for item in chunk], headers

    def _list_issues(self, repo: Repo, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        state = query.get("state", "open")
        items = [i for i in repo.issues.values() if state == "all" or i.state == state]
        if "since" in query:
            since = parse_stamp(query["since"])
            items = [i for i in items if int(i.updated) >= since]
        by = query.get("sort", "created")
        attribute = {"created": "created", "updated": "updated", "comments": "comments"}.get(by, "created")
        items.sort(
            key=lambda i: (len(i.comments) if attribute == "comments" else getattr(i, attribute), i.number),
            reverse=query.get("direction", "desc") == "desc",
        )
        return self._page(repo, items, query, "/issues", lambda i: self._issue_json(repo, i))

    def _unknown_labels(self, repo: Repo, names: list[str]) -> tuple[int, Any, dict[str, str]] | None:
        unknown = [n for n in names if n not in repo.labels]
        if not unknown:
            return None
        errors = [{"resource": "Label", "code": "invalid", "field": "labels", "value": n} for n in unknown]
        return 422, {"message": "Validation Failed", "errors": errors}, {}

    def _create_issue(self, repo: Repo, data: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(data, dict) or not isinstance(data.get("title"), str) or not data["title"].strip():
            return (
                422,
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
                },
                {},
            )
        labels = [str(n) for n in data.get("labels") or []]
        refused = self._unknown_labels(repo, labels)
        if refused:
            return refused
        issue = self.add_issue(
            repo.full_name, data["title"], data.get("body"), labels, author=self.actor.login
        )
        return 201, self._issue_json(repo, issue), {}

    def _edit_issue(self, repo: Repo, number: int, data: Any) -> tuple[int, Any, dict[str, str]]:
        issue = repo.issues.get(number)
        if issue is None:
            return 404, {"message": "Not Found"}, {}
        if not isinstance(data, dict):
            return 422, {"message": "Validation Failed"}, {}
        if "labels" in data:
            refused = self._unknown_labels(repo, [str(n) for n in data["labels"]])
            if refused:
                return refused
            issue.labels = list(dict.fromkeys(str(n) for n in data["labels"]))
        for key in ("title", "body", "state"):
            if key in data:
                setattr(issue, key, data[key])
        issue.updated = self.now()
        return 200, self._issue_json(repo, issue), {}

    def _add_labels(self, repo: Repo, number: int, data: Any) -> tuple[int, Any, dict[str, str]]:
        issue = repo.issues.get(number)
        if issue is None:
            return 404, {"message": "Not Found"}, {}
        names = data.get("labels") if isinstance(data, dict) else data
        if not isinstance(names, list):
            return 422, {"message": "Validation Failed"}, {}
        refused = self._unknown_labels(repo, [str(n) for n in names])
        if refused:
            return refused
        for name in names:
            if name not in issue.labels:
                issue.labels.append(str(name))
        issue.updated = self.now()
        return 200, [self._label_json(repo, n) for n in issue.labels], {}
