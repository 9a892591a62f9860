"""WeasyPrint's URL fetcher serves the static files only: no network, no other file."""

import socket
from unittest import mock
from urllib.request import OpenerDirector

import pytest

from enrolment import pdf

from .conftest import pdf_text

STATIC = "http://127.0.0.1:8000/static/"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


def test_the_documents_stylesheet_is_read_from_the_static_files():
    path = pdf.static_file_for_url(STATIC + "css/documents.css")

    assert path is not None
    assert path.read_text().startswith("/* The PDF documents")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.org/static/css/documents.css",
        "https://127.0.0.1:8000/static/css/documents.css",
        "http://127.0.0.1:8000/admin/",
        "data:text/css,body{}",
        "ftp://127.0.0.1:8000/static/css/documents.css",
        STATIC + "../../etc/passwd",
        STATIC + "css/../../../etc/passwd",
        STATIC + "%2e%2e/%2e%2e/etc/passwd",
        STATIC + "%2Fetc%2Fpasswd",
        STATIC + "css/documents.css?v=1",
        STATIC + "css/missing.css",
        STATIC,
    ],
)
def test_any_other_url_is_refused(url):
    assert pdf.static_file_for_url(url) is None
    with pytest.raises(ValueError, match="Only static files"):
        pdf.StaticFilesFetcher()(url)


def test_a_document_never_fetches_remote_or_file_urls():
    html = """<!DOCTYPE html><html lang="fr"><head>
    <link rel="stylesheet" href="/static/css/documents.css">
    <link rel="stylesheet" href="http://198.51.100.7/evil.css">
    <link rel="stylesheet" href="file:///etc/passwd">
    </head><body><h1>Feuille</h1>
    <img src="https://198.51.100.7/pixel.png" alt="">
    <img src="file:///etc/passwd" alt="">
    <object data="file:///etc/hostname"></object>
    <iframe src="file:///etc/passwd"></iframe>
    </body></html>"""
    served = []
    real = pdf.static_file_for_url

    def spy(url):
        path = real(url)
        served.append((url, path))
        return path

    with (
        mock.patch.object(pdf, "static_file_for_url", side_effect=spy),
        mock.patch.object(OpenerDirector, "open", side_effect=AssertionError("urllib")),
        mock.patch.object(socket.socket, "connect", side_effect=AssertionError("network")),
    ):
        content = pdf.html_to_pdf(html)

    assert "Feuille" in pdf_text(content)
    assert "root:" not in pdf_text(content)
    fetched = {url for url, path in served if path is not None}
    assert fetched == {STATIC + "css/documents.css"}
    refused = {url for url, path in served if path is None}
    assert "http://198.51.100.7/evil.css" in refused
    assert "file:///etc/passwd" in refused
