"""HTML to PDF with WeasyPrint, for enrolment.documents, without network or file access.

WeasyPrint fetches what a page links to (stylesheets, images, attachments) through
`StaticFilesFetcher`, which serves this site's static files from the disk and refuses every
other URL: a document never reaches the network nor reads a file outside the static files,
whatever a template or a value in it holds. A refused URL is a warning in WeasyPrint's log and
the document goes without it.

Importing this module loads Pango (WeasyPrint's system library): enrolment.documents imports
it only when it makes a document.
"""

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Tagged PDF: screen readers follow the headings and the tables.
PDF_OPTIONS = {"pdf_tags": True}


def document_base_url() -> str:
    """The base URL the documents are laid out at: `{% static %}` paths resolve under it."""
    return settings.SITE_URL + "/"


def static_file_for_url(url: str) -> Path | None:
    """The local static file a URL under the documents' static prefix names, else None: the
    finders' file (the source), else STATIC_ROOT's (the manifest's hashed names)."""
    prefix = urljoin(document_base_url(), settings.STATIC_URL)
    if not url.startswith(prefix):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    name = unquote(url[len(prefix) :])
    if not name or "\\" in name or "\x00" in name:
        return None
    normalised = posixpath.normpath(name)
    if normalised != name or normalised.startswith(("/", "..")):
        return None
    try:
        found = finders.find(normalised)
    except SuspiciousFileOperation:
        return None
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        try:
            candidate = Path(safe_join(settings.STATIC_ROOT, normalised))
        except SuspiciousFileOperation:
            return None
        if candidate.is_file():
            return candidate
    return None


class StaticFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves the static files only, read from the disk, and
    refuses everything else: other hosts, file: and data: URLs, paths out of the static
    folders. It never opens a connection."""

    def fetch(self, url, headers=None):
        path = static_file_for_url(url)
        if path is None:
            raise ValueError(f"Only static files are served to documents, not {url[:200]!r}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def html_to_pdf(html: str) -> bytes:
    document = HTML(string=html, base_url=document_base_url(), url_fetcher=StaticFilesFetcher())
    return document.write_pdf(**PDF_OPTIONS)
