from tests.browser.conftest import page, site_url  # noqa: F401  (shared fixtures)
