# Scaffolding while the catalogue is being built (issue 3): replaced by the real views.
from django.http import Http404


def home(request):
    raise Http404


def session_detail(request, pk):
    raise Http404


def module_detail(request, slug):
    raise Http404


def provider_detail(request, slug):
    raise Http404
