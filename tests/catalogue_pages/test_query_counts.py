"""Every catalogue page runs a constant number of queries whatever the number of sessions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ModuleFactory, ProviderFactory, sessions_in_bulk


def queries_for(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def all_pages(client, session):
    return {
        "home": queries_for(client, reverse("catalogue:home")),
        "catalogue": queries_for(client, reverse("catalogue:session_list")),
        "filtered": queries_for(
            client,
            reverse("catalogue:session_list"),
            {
                "q": "orleans",
                "region": "Centre-Val de Loire",
                "module": session.module.slug,
                "available": "on",
            },
        ),
        "session": queries_for(client, session.get_absolute_url()),
        "ics": queries_for(client, reverse("catalogue:session_ics", args=[session.pk])),
        "module": queries_for(client, session.module.get_absolute_url()),
        "provider": queries_for(client, session.provider.get_absolute_url()),
        "sitemap": queries_for(client, reverse("catalogue:sitemap")),
    }


@pytest.mark.django_db
def test_pages_run_the_same_queries_for_10_and_500_sessions(client):
    module = ModuleFactory(slug="module-1")
    provider = ProviderFactory()
    sessions = sessions_in_bulk(10, module=module, provider=provider, enrolments_each=2)
    with_10 = all_pages(client, sessions[0])
    sessions_in_bulk(490, module=module, provider=provider, enrolments_each=2)
    with_500 = all_pages(client, sessions[0])
    assert with_500 == with_10
    # And a low number: a join or prefetch per relation, not a query per session.
    assert max(with_10.values()) <= 12, with_10
