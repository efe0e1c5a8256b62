"""What the dashboard's web page adds to the ipywidgets it shows (served by ``workbench dashboard``).

ipywidgets 8 leaves a few gaps for screen-reader and keyboard users, which a
small script in the page template closes as widgets appear or change:

- a slider's handle (``role="slider"``) gets its label as ``aria-label``, the
  rounded readout as ``aria-valuetext`` (a screen reader said "slider 0.5")
  and its true value as ``aria-valuenow`` (ipywidgets' step rounding gave
  "0.3" for a typed 0.25 and "0.6000000000000001" for 0.6);
- the slider's editable readout leaves the Tab order (one Tab stop per control;
  it can still be clicked and typed into);
- the file-upload buttons lose the file count ipywidgets appends, "(0)";
- once the page's widgets are restored, it presses each hidden "resend"
  button (:class:`workbench.widgets.sync.LiveWidgets`) once: the page builds its
  widgets from a snapshot of the kernel's state and drops updates that arrive
  while it is still creating them, so a run that finished at that moment was
  never shown (the page stayed at "run 4 of 4"); the kernel then sends the
  widgets its background threads write again.

The script only sets attributes and text and presses that button; it loads nothing.

It also holds :func:`give_page_xsrf_cookie`, the Voila prelaunch hook that
lets a page shut its own kernel down when it closes or reloads.
"""

from __future__ import annotations

from typing import Any


def give_page_xsrf_cookie(handler: Any, notebook: Any = None, cwd: str | None = None) -> None:
    """Voila prelaunch hook: set Jupyter Server's ``_xsrf`` cookie on the page's response.

    When a page closes or reloads, Voila's page script asks the server to shut
    the page's kernel down (a ``sendBeacon`` POST to ``voila/api/shutdown/ID``)
    with the ``_xsrf`` cookie's value as the ``_xsrf`` form field. Voila's page
    handler never reads the token, so tornado never sets that cookie, every such
    POST is refused ("'_xsrf' argument missing from POST", voila issue 1458) and
    each reloaded page's kernel (~340 MB) lives on until the idle culler stops it.
    Reading ``handler.xsrf_token`` makes tornado set the cookie (before the page
    is streamed); the XSRF check itself stays on.

    Registered as ``VoilaConfiguration.prelaunch_hook`` by ``workbench dashboard``;
    returns None so Voila runs the notebook unchanged.

    Examples
    --------
    >>> class Handler:  # stands in for a tornado RequestHandler
    ...     read = False
    ...     @property
    ...     def xsrf_token(self):
    ...         self.read = True
    ...         return b"2|token"
    >>> handler = Handler()
    >>> give_page_xsrf_cookie(handler) is None, handler.read
    (True, True)
    """
    _ = handler.xsrf_token  # tornado sets the cookie the first time the token is read


PAGE_SCRIPT = r"""
<script>
(function () {
  "use strict";
  function labelOf(widget) {
    var label = widget.querySelector(":scope > .widget-label");
    return label ? label.textContent.trim() : (widget.getAttribute("title") || "");
  }
  function setAttr(el, name, value) {
    if (value && el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }
  function fixSliders(root) {
    root.querySelectorAll(".widget-slider").forEach(function (widget) {
      var name = labelOf(widget);
      var readout = widget.querySelector(".widget-readout");
      var target = widget.querySelector(".noUi-target");
      var api = target && target.noUiSlider;
      widget.querySelectorAll(".noUi-handle").forEach(function (handle) {
        setAttr(handle, "aria-label", name);
        if (readout) { setAttr(handle, "aria-valuetext", readout.textContent.trim()); }
        if (api && !Array.isArray(api.get())) {
          // noUiSlider's aria-valuenow goes through the widget's step rounding
          // (0.25 read as "0.3", 0.6 as "0.6000000000000001"); give the value itself
          setAttr(handle, "aria-valuenow", String(Number(Number(api.get()).toFixed(6))));
        }
      });
      if (readout) {
        setAttr(readout, "tabindex", "-1");
        setAttr(readout, "aria-label", name ? name + " (type a value)" : "type a value");
      }
    });
  }
  function fixUploads(root) {
    root.querySelectorAll("button.widget-upload").forEach(function (button) {
      button.childNodes.forEach(function (node) {
        if (node.nodeType === Node.TEXT_NODE && /\s*\(\d+\)\s*$/.test(node.textContent)) {
          node.textContent = node.textContent.replace(/\s*\(\d+\)\s*$/, "");
        }
      });
    });
  }
  function widgetsRestored() {
    // Voila's widget manager says when every widget of the kernel's snapshot has its model;
    // without one to ask (another host page), the button being drawn is the best sign
    var app = window.jupyterapp;
    var manager = app && app.widgetManager;
    return !manager || typeof manager.restoredStatus !== "boolean" || manager.restoredStatus;
  }
  function askForLatest(root) {
    root.querySelectorAll("button.wb-resync").forEach(function (button) {
      if (button.dataset.wbResync) { return; }
      button.dataset.wbResync = "waiting";
      var started = Date.now();
      (function press() {
        if (widgetsRestored() || Date.now() - started > 30000) {
          button.dataset.wbResync = "sent";
          button.click();
        } else {
          window.setTimeout(press, 50);
        }
      })();
    });
  }
  var pending = false;
  function fixAll() {
    pending = false;
    fixSliders(document);
    fixUploads(document);
    askForLatest(document);
  }
  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(fixAll); }
  }
  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true
  });
  document.addEventListener("DOMContentLoaded", schedule);
  schedule();
})();
</script>
"""
