"""A dashboard page can shut its own kernel down: the ``_xsrf`` cookie Voila's request needs.

Voila's page sends its kernel shutdown (on reload or close) with the
``_xsrf`` cookie's value; the cookie exists only if the server read the token
while answering the page. ``workbench dashboard`` registers
:func:`workbench.widgets.page.give_page_xsrf_cookie` as Voila's prelaunch hook
through a ``voila.py`` config file. The browser test
(``tests/test_dashboard_browser.py``) checks the whole path with 20 reloads;
these check the parts without a browser.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tornado.testing import AsyncHTTPTestCase
from tornado.web import Application, RequestHandler
from traitlets.config.loader import PyFileConfigLoader

from workbench.commands.dashboard import write_app, write_voila_config
from workbench.widgets.page import give_page_xsrf_cookie


def test_the_config_file_registers_the_hook_for_voila(tmp_path: Path) -> None:
    path = write_voila_config(tmp_path / "config")
    assert path.name == "voila.py"  # the name Voila loads ("voila" config files)
    config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    assert config.VoilaConfiguration.prelaunch_hook is give_page_xsrf_cookie


def test_the_app_folder_holds_the_config_file(tmp_path: Path) -> None:
    args = argparse.Namespace(scenario=None, results=None, save_dir=tmp_path)
    write_app(tmp_path, args)
    assert (tmp_path / "config" / "voila.py").is_file()


class _Page(RequestHandler):
    """Answers like Voila's page handler: the hook runs, the token is never used otherwise."""

    def get(self) -> None:
        assert give_page_xsrf_cookie(self, notebook=None, cwd=".") is None
        self.write("page")


class _Shutdown(RequestHandler):
    def post(self) -> None:  # tornado checks the _xsrf form field against the cookie first
        self.set_status(204)


class TestXsrfCookie(AsyncHTTPTestCase):
    def get_app(self) -> Application:
        return Application([("/", _Page), ("/shutdown", _Shutdown)], xsrf_cookies=True)

    def _cookie(self) -> str:
        response = self.fetch("/")
        cookies = [c for c in response.headers.get_list("Set-Cookie") if c.startswith("_xsrf=")]
        assert len(cookies) == 1, response.headers.get_list("Set-Cookie")
        return cookies[0].split(";")[0].removeprefix("_xsrf=")

    def test_the_page_sets_the_cookie_and_the_shutdown_post_with_it_is_accepted(self) -> None:
        token = self._cookie()
        # what Voila's page sends: the cookie, and its value as the _xsrf form field
        body = f"_xsrf={token}"
        headers = {"Cookie": f"_xsrf={token}"}
        accepted = self.fetch("/shutdown", method="POST", body=body, headers=headers)
        assert accepted.code == 204

    def test_without_the_cookie_the_shutdown_post_is_refused(self) -> None:
        # the refusal Voila logged before the hook: "'_xsrf' argument missing from POST"
        refused = self.fetch("/shutdown", method="POST", body="_xsrf=")
        assert refused.code == 403
