"""The corpus's other faces: per-tag listing pages (``autonote list``) and weekly study-group pages
(``autonote digest``), rendered from user-overridable Jinja2 templates in markdown, HTML or JSON."""
