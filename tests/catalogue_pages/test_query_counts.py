"""Every catalogue page runs a constant number of queries whatever the number of sessions and
modules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ModuleFactory,
    PrerequisiteModuleFactory,
    ProviderFactory,
    SequenceFactory,
    sessions_in_bulk,
)
from website.selectors import past_sessions


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
        "archives": queries_for(client, reverse("catalogue:archives")),
        "session": queries_for(client, session.get_absolute_url()),
        "ics": queries_for(client, reverse("catalogue:session_ics", args=[session.pk])),
        "modules": queries_for(client, reverse("catalogue:module_list")),
        "module": queries_for(client, session.module.get_absolute_url()),
        "aller_vers": queries_for(client, reverse("catalogue:aller_vers")),
        "provider": queries_for(client, session.provider.get_absolute_url()),
        "sitemap": queries_for(client, reverse("catalogue:sitemap")),
    }


def add_data(*, module, provider, upcoming, past, modules):
    """Upcoming and past sessions (the archives) of `module`, and other modules with their
    sequences, each requiring `module`."""
    sessions = sessions_in_bulk(upcoming, module=module, provider=provider, enrolments_each=2)
    sessions_in_bulk(past, start_in=-400, module=module, provider=provider, enrolments_each=2)
    for _ in range(modules):
        other = PrerequisiteModuleFactory(requires=module)
        SequenceFactory.create_batch(2, module=other)
    return sessions


@pytest.mark.django_db
def test_pages_run_the_same_queries_for_10_and_500_sessions(client):
    module = ModuleFactory(slug="module-1")
    SequenceFactory.create_batch(2, module=module)
    provider = ProviderFactory()
    sessions = add_data(module=module, provider=provider, upcoming=10, past=10, modules=1)
    with_10 = all_pages(client, sessions[0])
    add_data(module=module, provider=provider, upcoming=490, past=490, modules=10)
    with_500 = all_pages(client, sessions[0])
    # The archives list the past sessions: they have data to grow with.
    assert past_sessions().count() == 500
    assert with_500 == with_10
    # And a low number: a join or prefetch per relation, not a query per session.
    assert max(with_10.values()) <= 12, with_10
