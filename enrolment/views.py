# Scaffolding while enrolment is being built (issue 4): replaced by the real views.
from django.http import Http404


def enrol(request, pk):
    raise Http404
