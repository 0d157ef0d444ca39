from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Pages are never kept by the browser or a proxy: nearly every page shows patient data, and a
    shared ward computer's back button or disk cache must not show it after logout.

    Static files (whitenoise, earlier in the chain) keep their long cache headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
