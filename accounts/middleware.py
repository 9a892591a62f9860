from django.core.exceptions import BadRequest

NUL = "\x00"


def _holds_nul(items) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in items)


class RefuseNulBytesMiddleware:
    """Answer 400 to a request whose path, query string, form data or cookies hold a NUL
    byte. PostgreSQL refuses NUL in text (a DataError, hence a 500): Django's form fields
    refuse it, but the admin's search, list filters and autocomplete pass parameters straight
    to a query, and the session cookie is looked up as it comes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path
            or _holds_nul(request.GET.lists())
            or _holds_nul(request.POST.lists())
            or _holds_nul((key, [value]) for key, value in request.COOKIES.items())
        ):
            raise BadRequest("NUL byte in the request")
        return self.get_response(request)
