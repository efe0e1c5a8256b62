"""Widgets that background threads write, sent again once a freshly loaded page is ready.

A web page (Voila, or a browser tab reopened on a running kernel) builds its
widgets from a snapshot of the kernel's widget states (ipywidgets'
``request_states``). Updates the kernel sends after that snapshot but before
the page has created the widget models are dropped by the page without a word
(a message for a widget it does not know yet has nowhere to go). A background
run that publishes at that moment (on an idle machine the first runs end just
as a reloaded page connects) left the page at "run 4 of 4" for ever.

:class:`LiveWidgets` closes that gap. Writers hold :attr:`LiveWidgets.lock`
while they change the widgets; the page, once its widgets are restored,
presses the hidden :attr:`LiveWidgets.button` (the page script in
:mod:`workbench.widgets.page` does) and :meth:`LiveWidgets.resend` sends the
state of every registered widget again, under the same lock, so what the page
ends with is what the kernel holds.

Examples
--------
>>> import ipywidgets as widgets
>>> status = widgets.HTML("running…")
>>> live = LiveWidgets()
>>> live.add(status, status.layout)
>>> with live.lock:
...     status.value = "up to date"
>>> live.resend()  # what a click on live.button does
2
>>> "wb-resync" in live.button._dom_classes, live.button.layout.display
(True, 'none')
"""

from __future__ import annotations

import logging
import threading

import ipywidgets as widgets

log = logging.getLogger(__name__)

#: The class of the hidden button a loaded page presses (the page script looks for it).
RESYNC_CLASS = "wb-resync"


class LiveWidgets:
    """Widgets written from other threads, the lock their writers hold, and a resend button.

    Attributes
    ----------
    lock : threading.RLock
        Held while the widgets change and while they are sent again, so a
        resend never sends an older value after a newer one.
    button : ipywidgets.Button
        Hidden; a click sends every registered widget's state again. Put it
        in the page (anywhere inside the displayed widget tree).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._widgets: list[widgets.Widget] = []
        self.button = widgets.Button(
            description="Show the latest results",
            tooltip="Sent by the page once it has loaded, to show results finished meanwhile",
            layout=widgets.Layout(display="none"),
        )
        self.button.add_class(RESYNC_CLASS)
        self.button.on_click(lambda _: self.resend())

    def add(self, *items: widgets.Widget) -> None:
        """Register widgets (a widget's ``layout`` too, if its layout is written)."""
        self._widgets.extend(items)

    def resend(self) -> int:
        """Send the state of every registered widget again; returns how many were sent."""
        sent = 0
        with self.lock:
            for widget in self._widgets:
                if widget.comm is not None:  # closed widgets have none
                    widget.send_state()
                    sent += 1
        log.debug("the page asked for the live widgets again: %d sent", sent)
        return sent
