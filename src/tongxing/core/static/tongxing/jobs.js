/* The job page: while the job waits or runs, ask status.json every 2 seconds and update the
   page in place. Screen readers hear the status when it changes and the progress at every
   tenth of the way, not at every poll. Without JavaScript the page offers a Refresh link. */
(function () {
  "use strict";
  var root = document.getElementById("job");
  if (!root || root.getAttribute("data-active") !== "true" || !window.fetch) { return; }
  var statusUrl = root.getAttribute("data-status-url");
  var live = document.getElementById("job-live");
  var lastStatus = root.getAttribute("data-status");
  var POLL_MS = 2000;

  function byId(id) { return document.getElementById(id); }
  function setText(id, text) {
    var el = byId(id);
    if (el && el.textContent !== text) { el.textContent = text; }
  }
  function show(id, visible) {
    var el = byId(id);
    if (el) { el.hidden = !visible; }
  }
  function setLink(id, url) {
    show(id, Boolean(url));
    if (url) { byId(id + "-link").setAttribute("href", url); }
  }

  function update(state) {
    setText("job-status", state.status_label);
    var bar = byId("job-progress");
    if (state.total > 0) {
      bar.max = state.total;
      bar.value = state.done;
    } else {
      bar.removeAttribute("value");
    }
    bar.textContent = state.progress_text;
    setText("job-progress-text", state.progress_text);
    setText("job-message", state.message || "—");
    setText("job-started", state.started_at_text || "—");
    setText("job-finished", state.finished_at_text || "—");
    setText("job-explanation", state.explanation);
    setText("job-summary", state.summary);
    show("job-summary", Boolean(state.summary));
    setText("job-error", state.error);
    show("job-error", Boolean(state.error));
    setLink("job-result", state.result_url);
    setLink("job-rerun", state.rerun_url);
    show("job-restart", state.can_restart);

    var tenth = tenthOf(state.done, state.total);
    if (state.status !== lastStatus || tenth !== lastTenth) {
      var words = state.status_label + ": " + state.progress_text;
      live.textContent = state.active ? words : words + ". " + state.explanation;
      lastStatus = state.status;
      lastTenth = tenth;
    }
  }

  function tenthOf(done, total) {
    return total > 0 ? Math.floor((done * 10) / total) : null;
  }
  var initialBar = document.getElementById("job-progress");
  var lastTenth = initialBar.hasAttribute("value") ? tenthOf(initialBar.value, initialBar.max) : null;

  function stop() {
    root.setAttribute("data-active", "false");
  }

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) {
        update(state);
        if (state.active) {
          window.setTimeout(poll, POLL_MS);
        } else {
          stop();
          show("job-refresh", false);
        }
      })
      .catch(function () {
        /* Signed out or offline: stop asking, and leave the Refresh link to the user. */
        stop();
        show("job-refresh", true);
      });
  }

  show("job-refresh", false);
  window.setTimeout(poll, POLL_MS);
})();
