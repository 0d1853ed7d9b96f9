// parley pages: keyboard voting on the focused statement card, plotly figures from
// data-figure, select-all, form reset.
// Small progressive enhancements on top of htmx; every page also works without this file.
(function () {
  "use strict";

  // four chart tools (download, zoom, pan, reset), their tooltips in the page's language
  var config = {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: [
      "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
      "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian",
      "sendChartToCloud"  // plotly 3 offers to upload the chart to its cloud: never
    ]
  };
  // plotly's locale of the page's language (registered by its vendored locale file)
  var pageLang = (document.documentElement.lang || "en").toLowerCase();
  config.locale = pageLang === "zh" ? "zh-CN" : pageLang;
  var tools = document.querySelector('meta[name="parley-plotly-dictionary"]');
  if (tools) {
    config.locales = {};
    config.locales[config.locale] = { dictionary: JSON.parse(tools.content) };
  }

  function drawFigures(root) {
    if (!window.Plotly) { return; }
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.drawn === "1") { return; }
      var figure = JSON.parse(el.dataset.figure);
      window.Plotly.react(el, figure.data || [], figure.layout || {}, config);
      el.dataset.drawn = "1";
    });
  }

  var keys = {
    a: "agree", ArrowRight: "agree",
    d: "disagree", ArrowLeft: "disagree",
    p: "pass", ArrowDown: "pass"
  };

  // votes in flight whose next card takes the focus when it settles (votes come from the card)
  var refocusAfter = new WeakSet();

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) { return; }
    // keys vote only while the statement card itself has focus: elsewhere (scrolling with the
    // arrows, a screen reader's keys, typing) they do what they always do
    var target = event.target;
    if (!target || target.id !== "card") { return; }
    var vote = keys[event.key] || keys[(event.key || "").toLowerCase()];
    if (!vote) { return; }
    var button = document.querySelector("#card button[data-vote='" + vote + "']");
    if (!button || button.disabled) { return; }
    event.preventDefault();
    button.click();
  }

  function onClick(event) {
    var button = event.target && event.target.closest && event.target.closest("#card form.vote button");
    // a key or click can arrive between htmx's swap and its processing of the new card; process
    // it now (idempotent), in the capture phase so that htmx's own click listener on the form
    // still records which button was pressed, and the vote goes through htmx
    if (button && window.htmx) { window.htmx.process(button.form); }
  }

  function onChange(event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-select-all]")) { return; }
    var form = box.form || document;
    form.querySelectorAll("input[type=checkbox][name='" + box.dataset.selectAll + "']")
      .forEach(function (other) { other.checked = box.checked; });
  }

  function onAfterRequest(event) {
    var form = event.detail && event.detail.elt;
    if (!form || !form.matches) { return; }
    if (form.matches("form[data-reset]") && event.detail.successful) { form.reset(); }
    if (form.matches("form.vote") && !event.detail.successful) {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    }
  }

  function onBeforeRequest(event) {
    // one vote per click: disable the buttons until the next statement is swapped in
    var form = event.detail && event.detail.elt;
    if (form && form.matches && form.matches("form.vote")) {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      refocusAfter.add(event.detail.xhr);
    }
  }

  function onAfterSettle(event) {
    drawFigures(document);
    // a vote's response also swaps the progress bar out of band: wait for the card's settle
    var xhr = event.detail && event.detail.xhr;
    var card = document.getElementById("card");
    if (!xhr || !refocusAfter.has(xhr) || !card || event.target.id !== "card") { return; }
    refocusAfter.delete(xhr);
    // only when the swap took the focus away: a key or button the user reached since keeps it
    var active = document.activeElement;
    if (!active || active === document.body || !active.isConnected) {
      card.focus({ preventScroll: false });
    }
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick, true);
  document.addEventListener("change", onChange);
  document.addEventListener("htmx:beforeRequest", onBeforeRequest);
  document.addEventListener("htmx:afterRequest", onAfterRequest);
  document.addEventListener("htmx:afterSettle", onAfterSettle);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawFigures(document); });
  } else {
    drawFigures(document);
  }
}());
