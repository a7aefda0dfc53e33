"""Page layouts: one module per page, each with ``layout(services, **url_params) -> Component``."""
