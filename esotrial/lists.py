def query_string_without(request, *names):
    """The list's filters as a query string, without `names` (its page parameters): what page links append."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
