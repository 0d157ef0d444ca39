"""Reading a rendered form back as the browser would submit it."""


def submitted_values(form):
    """{html name: value} of a bound or unbound Django form as it was rendered (what the user sees)."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        data[bound.html_name] = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
    return data
