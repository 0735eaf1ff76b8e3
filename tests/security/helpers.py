"""Reading security headers the way a browser would."""

CSP_HEADER = "Content-Security-Policy"


def csp_directives(response) -> dict[str, list[str]]:
    """The response's CSP as {directive: [sources]}; AssertionError if there is none."""
    policy = response.headers.get(CSP_HEADER)
    if not policy:
        raise AssertionError(f"No {CSP_HEADER} header on {response.status_code} response.")
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        if name in directives:
            raise AssertionError(f"Directive {name} appears twice (browsers use the first).")
        directives[name] = sources
    return directives
