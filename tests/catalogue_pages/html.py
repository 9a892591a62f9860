"""A small reader of rendered pages for the structure tests (stdlib only)."""

from html.parser import HTMLParser


class PageStructure(HTMLParser):
    """Collects tags with their attributes, label targets and the text of headings."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.label_targets = set()
        self.headings = {}
        self._heading = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "label" and attrs.get("for"):
            self.label_targets.add(attrs["for"])
        if tag in ("h1", "h2", "h3"):
            self._heading = tag
            self.headings.setdefault(tag, []).append("")

    def handle_endtag(self, tag):
        if tag == self._heading:
            self._heading = None

    def handle_data(self, data):
        if self._heading:
            self.headings[self._heading][-1] += data

    def find_all(self, tag, **attrs):
        return [
            found
            for name, found in self.tags
            if name == tag and all(found.get(key) == value for key, value in attrs.items())
        ]

    def unlabelled_controls(self):
        """Form controls (not hidden, not buttons) without a <label for> nor aria-label."""
        missing = []
        for name, attrs in self.tags:
            if name not in ("input", "select", "textarea"):
                continue
            if attrs.get("type") in ("hidden", "submit", "button"):
                continue
            if attrs.get("id") in self.label_targets or attrs.get("aria-label"):
                continue
            missing.append(attrs.get("name"))
        return missing


def structure(response):
    return PageStructure(response.content.decode())
