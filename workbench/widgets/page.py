"""What the dashboard's web page adds to the ipywidgets it shows (served by ``workbench dashboard``).

ipywidgets 8 leaves a few gaps for screen-reader and keyboard users, which a
small script in the page template closes as widgets appear or change:

- a slider's handle (``role="slider"``) gets its label as ``aria-label``, the
  rounded readout as ``aria-valuetext`` (a screen reader said "slider 0.5")
  and its true value as ``aria-valuenow`` (ipywidgets' step rounding gave
  "0.3" for a typed 0.25 and "0.6000000000000001" for 0.6);
- the slider's editable readout leaves the Tab order (one Tab stop per control;
  it can still be clicked and typed into);
- the file-upload buttons lose the file count ipywidgets appends, "(0)".

The script only sets attributes and text; it loads nothing.
"""

from __future__ import annotations

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
  var pending = false;
  function fixAll() {
    pending = false;
    fixSliders(document);
    fixUploads(document);
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
