// Vigilo video portal: the "seconds behind live" labels, and on a camera's
// page the 24-hour timeline (recorded spans from the API, gaps visible),
// playback from any moment at 1×/2×/4×/8× with hour-long requests chained,
// back to live, clips and share links. The page says which of these the
// user may use (data-* on #viewer, from the server's camera decision); the
// API decides again on every request.
(function () {
  "use strict";

  function behindText(sec) {
    if (!isFinite(sec)) return "";
    return (sec < 1 ? sec.toFixed(2) : sec < 10 ? sec.toFixed(1) : Math.round(sec)) + " s behind live";
  }

  // Grid tiles: one label per live tile.
  document.querySelectorAll("#video-grid video").forEach(function (v) {
    var label = document.querySelector("[data-behind-for='" + v.getAttribute("data-camera") + "']");
    if (!label) return;
    v.addEventListener("vigilo:behind", function (e) { label.textContent = behindText(e.detail.seconds); });
    v.addEventListener("vigilo:mode", function (e) { if (e.detail.mode === "failed") label.textContent = "no live video"; });
  });

  var viewer = document.getElementById("viewer");
  if (!viewer) return;

  var cam = viewer.getAttribute("data-camera");
  var api = "/api/v1/cameras/" + cam;
  var tz = viewer.getAttribute("data-tz") || "UTC";
  var live = document.getElementById("live-video");
  var pb = document.getElementById("playback-video");
  var behind = document.getElementById("behind");
  var clock = document.getElementById("play-clock");
  var mode = document.getElementById("viewer-mode");
  var goLive = document.getElementById("go-live");
  var DAY = 24 * 3600 * 1000, HOUR = 3600 * 1000;
  // One playback request covers at most CHUNK (the API's limit is an hour);
  // a page may ask for less (window.vigiloPlaybackChunk, seconds), which the
  // tests use to see the chaining without an hour of video.
  var CHUNK = Math.min(HOUR, (window.vigiloPlaybackChunk || 3600) * 1000);

  var fmtFull, fmtTick;
  try {
    fmtFull = new Intl.DateTimeFormat(undefined, { timeZone: tz, year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    fmtTick = new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  } catch (e) {
    tz = "UTC";
    fmtFull = new Intl.DateTimeFormat(undefined, { timeZone: "UTC", dateStyle: "medium", timeStyle: "medium" });
    fmtTick = new Intl.DateTimeFormat(undefined, { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }
  var when = function (ms) { return fmtFull.format(new Date(ms)); };

  // apiError turns the API's error JSON into one sentence.
  async function apiError(res) {
    try {
      var j = await res.json();
      var m = j.error.message || j.error.code;
      if (j.error.fields) {
        m += ": " + Object.keys(j.error.fields).map(function (k) { return k + " " + j.error.fields[k]; }).join("; ");
      }
      return m;
    } catch (e) {
      return "the server answered " + res.status;
    }
  }

  async function postJSON(url, body) {
    var res = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(await apiError(res));
    return res.json();
  }

  // ---- live ----
  if (live) {
    live.addEventListener("vigilo:behind", function (e) {
      if (!live.hidden) behind.textContent = behindText(e.detail.seconds) + (e.detail.mode ? " (" + (e.detail.mode === "webrtc" ? "WebRTC" : "LL-HLS") + ")" : "");
    });
    live.addEventListener("vigilo:mode", function (e) {
      if (e.detail.mode === "failed" && !live.hidden) behind.textContent = "Live video could not be started: " + (live.vigilo && live.vigilo.error || "");
    });
  }

  function showLive() {
    if (!live) return;
    if (pb) {
      pb.pause();
      pb.removeAttribute("src");
      pb.load();
      pb.hidden = true;
    }
    playing = null;
    live.hidden = false;
    if (live.vigilo) live.vigilo.start();
    goLive.hidden = true;
    mode.textContent = "Live";
    clock.textContent = "";
    behind.textContent = "connecting…";
    draw();
  }
  if (goLive) goLive.addEventListener("click", showLive);

  // ---- PTZ (shown only with the ptz right on a camera that has it) ----
  var ptz = document.getElementById("ptz");
  if (ptz) {
    var ptzStatus = document.getElementById("ptz-status");
    // Commands go one after the other: on a quick tap the Stop must not
    // overtake its move on the way to the camera, or it keeps turning.
    var ptzQueue = Promise.resolve();
    var ptzSend = function (body) {
      ptzQueue = ptzQueue.then(async function () {
        var res = await fetch(api + "/ptz", { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        ptzStatus.textContent = res.ok ? "" : "The camera did not move: " + await apiError(res);
        ptz.setAttribute("data-last", body.action + (res.ok ? ":ok" : ":" + res.status));
      }).catch(function () { ptzStatus.textContent = "The camera did not move: no answer"; });
      return ptzQueue;
    };
    var moving = false;
    var stopMove = function () { if (moving) { moving = false; ptzSend({ action: "stop" }); } };
    ptz.querySelectorAll("[data-ptz]").forEach(function (b) {
      var v = b.getAttribute("data-ptz").split(",").map(parseFloat);
      var start = function (e) {
        e.preventDefault();
        moving = true;
        ptzSend({ action: "move", pan: v[0] * 0.5, tilt: v[1] * 0.5, zoom: v[2] * 0.5 });
      };
      b.addEventListener("pointerdown", start);
      b.addEventListener("keydown", function (e) { if ((e.key === "Enter" || e.key === " ") && !e.repeat) start(e); });
      b.addEventListener("keyup", function (e) { if (e.key === "Enter" || e.key === " ") stopMove(); });
      ["pointerup", "pointerleave", "pointercancel", "blur"].forEach(function (ev) { b.addEventListener(ev, stopMove); });
    });
    document.getElementById("ptz-preset").addEventListener("submit", function (e) {
      e.preventDefault();
      var name = document.getElementById("ptz-preset-name").value.trim();
      if (name) ptzSend({ action: "goto_preset", preset: name });
    });
  }

  // ---- playback ----
  var playing = null; // {start: ms asked, dur: ms asked}
  var rate = 1;
  var spans = [];     // [{start, end}] in ms
  var marks = [];     // camera events [{type, start, end}] in ms (end: now while open)
  var winStart = Date.now() - DAY, winEnd = Date.now();
  var span = DAY; // what the timeline shows, ending now: 24 h, 1 h or 10 min

  // spanAt returns the recorded span holding t, or the next one after it.
  function spanFrom(t) {
    for (var i = 0; i < spans.length; i++) {
      if (t < spans[i].end) return { span: spans[i], inside: t >= spans[i].start };
    }
    return null;
  }

  function playFrom(t, quiet) {
    if (!pb) return;
    var status = document.getElementById("tl-status");
    var now = Date.now();
    t = Math.min(t, now - 2000);
    var s = spanFrom(t);
    if (!s) {
      status.textContent = "Nothing recorded after " + when(t) + ".";
      if (live && !quiet) showLive();
      return;
    }
    if (!s.inside) {
      status.textContent = "Nothing recorded at " + when(t) + "; playing from the next recording at " + when(s.span.start) + ".";
      t = s.span.start;
    } else if (!quiet) {
      status.textContent = "";
    }
    // One request covers at most an hour (the API's limit); "ended" asks
    // for the next hour, so a longer stretch plays through.
    var dur = Math.max(1000, Math.min(CHUNK, now - t));
    playing = { start: t, dur: dur };
    if (live) {
      live.hidden = true;
      if (live.vigilo) live.vigilo.stop();
    }
    pb.hidden = false;
    pb.src = api + "/playback?start=" + Math.floor(t) + "&duration=" + (dur / 1000).toFixed(3);
    pb.playbackRate = rate;
    pb.play().catch(function () { /* the controls can start it */ });
    if (goLive) goLive.hidden = false;
    mode.textContent = "Recording from " + when(t);
    behind.textContent = "";
    draw();
  }

  if (pb) {
    pb.addEventListener("ratechange", function () { if (pb.playbackRate !== rate) pb.playbackRate = rate; });
    pb.addEventListener("loadedmetadata", function () { pb.playbackRate = rate; });
    pb.addEventListener("timeupdate", function () {
      if (!playing) return;
      var at = playing.start + pb.currentTime * 1000;
      clock.textContent = when(at);
      pb.setAttribute("data-at", String(Math.round(at)));
      drawPlayhead(at);
    });
    pb.addEventListener("ended", function () {
      if (!playing) return;
      var next = playing.start + playing.dur;
      if (next < Date.now() - 3000) playFrom(next, true);
      else if (live) showLive();
    });
    // Seeking beyond what has arrived asks the server for the video from
    // there, so seeking works while the video is still loading.
    pb.addEventListener("seeking", function () {
      if (!playing || reloading) return;
      var t = pb.currentTime, b = pb.buffered;
      for (var i = 0; i < b.length; i++) if (t >= b.start(i) && t <= b.end(i) + 0.5) return;
      reloading = true;
      playFrom(playing.start + t * 1000, true);
      setTimeout(function () { reloading = false; }, 300);
    });
    pb.addEventListener("error", function () {
      if (playing) document.getElementById("tl-status").textContent = "This stretch could not be played (" + (pb.error && pb.error.message || "error") + ").";
    });
  }
  var reloading = false;

  document.querySelectorAll(".speeds:not(.zoom) button").forEach(function (b) {
    b.addEventListener("click", function () {
      rate = parseFloat(b.getAttribute("data-speed"));
      document.querySelectorAll(".speeds:not(.zoom) button").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
      if (pb) pb.playbackRate = rate;
      if (!playing && mark !== null) playFrom(mark);
    });
  });

  // ---- the timeline ----
  var tl = document.getElementById("timeline");
  var track = tl && tl.querySelector(".tl-track");
  var mark = null;      // keyboard/click mark (ms)
  var sel = null;       // {a, b} selection (ms)
  var selAnchor = null; // keyboard selection start

  function x2t(clientX) {
    var r = track.getBoundingClientRect();
    var f = Math.min(1, Math.max(0, (clientX - r.left) / r.width));
    return winStart + f * (winEnd - winStart);
  }
  function pct(t) { return (100 * (t - winStart) / (winEnd - winStart)) + "%"; }

  function drawPlayhead(at) {
    if (!tl) return;
    var p = tl.querySelector(".tl-play");
    p.hidden = !playing;
    if (playing) p.style.left = pct(at);
  }

  function draw() {
    if (!tl) return;
    var box = tl.querySelector(".tl-spans");
    box.textContent = "";
    spans.forEach(function (s) {
      var a = Math.max(s.start, winStart), b = Math.min(s.end, winEnd);
      if (b <= a) return;
      var el = document.createElement("span");
      el.style.left = pct(a);
      el.style.width = (100 * (b - a) / (winEnd - winStart)) + "%";
      el.title = when(s.start) + " – " + when(s.end);
      box.appendChild(el);
    });
    var evBox = tl.querySelector(".tl-events");
    evBox.textContent = "";
    marks.forEach(function (m) {
      var a = Math.max(m.start, winStart), b = Math.min(m.end, winEnd);
      if (b < a) return;
      var el = document.createElement("span");
      el.className = "ev-" + m.type;
      el.setAttribute("data-type", m.type);
      el.style.left = pct(a);
      el.style.width = (100 * (b - a) / (winEnd - winStart)) + "%";
      el.title = EVENT_NAMES[m.type] + ": " + when(m.start) + (m.open ? " – now" : " – " + when(m.end));
      evBox.appendChild(el);
    });
    var ticks = tl.querySelector(".tl-ticks");
    ticks.textContent = "";
    var step = span / 8, first = Math.ceil(winStart / step) * step;
    for (var t = first; t <= winEnd; t += step) {
      var el2 = document.createElement("span");
      el2.style.left = pct(t);
      el2.textContent = fmtTick.format(new Date(t));
      ticks.appendChild(el2);
    }
    var cur = tl.querySelector(".tl-cursor");
    cur.hidden = mark === null;
    if (mark !== null) cur.style.left = pct(mark);
    var s = tl.querySelector(".tl-sel");
    s.hidden = !sel;
    if (sel) {
      s.style.left = pct(sel.a);
      s.style.width = (100 * (sel.b - sel.a) / (winEnd - winStart)) + "%";
    }
    var m = mark === null ? winEnd : mark;
    tl.setAttribute("aria-valuenow", String(Math.round((m - winStart) / 1000)));
    tl.setAttribute("aria-valuetext", mark === null ? "now" : when(mark));
    drawPlayhead(playing ? playing.start + (pb ? pb.currentTime * 1000 : 0) : 0);
    showSelection();
  }

  async function loadSpans() {
    var now = Date.now();
    winEnd = now;
    winStart = winEnd - span;
    var res = await fetch(api + "/recordings?from=" + Math.floor(now - DAY) + "&to=" + Math.floor(now), { credentials: "same-origin" });
    var status = document.getElementById("tl-status");
    if (!res.ok) {
      status.textContent = "Recordings could not be listed: " + await apiError(res);
      return;
    }
    var list = await res.json();
    spans = list.map(function (s) { return { start: Date.parse(s.start), end: Date.parse(s.end) }; });
    tl.setAttribute("data-spans", String(spans.length));
    if (!spans.length && !playing) status.textContent = "Nothing recorded in the last 24 hours.";
    draw();
  }

  // Camera events (motion, offline, online) as marks above the spans.
  var EVENT_NAMES = { motion: "Motion", offline: "Offline", online: "Online" };
  async function loadEvents() {
    var now = Date.now();
    var res = await fetch(api + "/events?from=" + Math.floor(now - DAY) + "&to=" + Math.floor(now), { credentials: "same-origin" });
    if (!res.ok) return; // the timeline still works without its marks
    var list = await res.json();
    marks = list.filter(function (e) { return EVENT_NAMES[e.type]; }).map(function (e) {
      return { type: e.type, start: Date.parse(e.start), end: e.end ? Date.parse(e.end) : now, open: !e.end };
    });
    tl.setAttribute("data-events", String(marks.length));
    draw();
  }

  document.querySelectorAll(".zoom button").forEach(function (b) {
    b.addEventListener("click", function () {
      span = parseInt(b.getAttribute("data-zoom"), 10) * 1000;
      document.querySelectorAll(".zoom button").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
      winEnd = Date.now();
      winStart = winEnd - span;
      draw();
    });
  });

  if (tl) {
    loadSpans();
    loadEvents();
    setInterval(loadSpans, 30000);
    setInterval(loadEvents, 10000);
    var down = null;
    track.addEventListener("pointerdown", function (e) {
      down = { x: e.clientX, t: x2t(e.clientX) };
      track.setPointerCapture(e.pointerId);
      tl.focus();
    });
    track.addEventListener("pointermove", function (e) {
      if (!down || Math.abs(e.clientX - down.x) < 5) return;
      var t = x2t(e.clientX);
      sel = { a: Math.min(down.t, t), b: Math.max(down.t, t) };
      draw();
    });
    track.addEventListener("pointerup", function (e) {
      if (!down) return;
      var moved = Math.abs(e.clientX - down.x) >= 5;
      var t = down.t;
      down = null;
      if (moved) return;
      mark = t;
      playFrom(t);
    });
    tl.addEventListener("keydown", function (e) {
      // A step is a minute on the 24-hour view, 10 s on the hour, 5 s on
      // ten minutes; Shift makes it ten steps.
      var step = (e.shiftKey ? 10 : 1) * (span >= DAY ? 60000 : span >= HOUR ? 10000 : 5000);
      var m = mark === null ? (playing ? playing.start + pb.currentTime * 1000 : winEnd) : mark;
      switch (e.key) {
        case "ArrowLeft": mark = Math.max(winStart, m - step); break;
        case "ArrowRight": mark = Math.min(winEnd, m + step); break;
        case "Home": mark = winStart; break;
        case "End": winEnd = Date.now(); winStart = winEnd - span; mark = winEnd; break;
        case "Escape": sel = null; selAnchor = null; break;
        case "Enter":
          if (e.shiftKey) {
            if (selAnchor === null) { selAnchor = m; sel = null; }
            else { sel = { a: Math.min(selAnchor, m), b: Math.max(selAnchor, m) }; selAnchor = null; }
          } else {
            mark = m;
            playFrom(m);
          }
          break;
        default: return;
      }
      e.preventDefault();
      if (selAnchor !== null && mark !== null) sel = { a: Math.min(selAnchor, mark), b: Math.max(selAnchor, mark) };
      draw();
    });
  }

  // ---- clips ----
  var clipbox = document.getElementById("clipbox");
  function showSelection() {
    if (!clipbox) return;
    clipbox.hidden = !sel || sel.b - sel.a < 1000;
    if (!clipbox.hidden) {
      document.getElementById("clip-range").textContent = "Selected: " + when(sel.a) + " – " + when(sel.b) +
        " (" + Math.round((sel.b - sel.a) / 1000) + " s)";
    }
  }
  if (clipbox) {
    document.getElementById("clip-cancel").addEventListener("click", function () { sel = null; selAnchor = null; draw(); });
    document.getElementById("clip-save").addEventListener("click", async function () {
      var out = document.getElementById("clip-result");
      var prog = document.getElementById("clip-progress");
      var bar = prog.querySelector("progress"), pctEl = prog.querySelector(".pct");
      out.textContent = "";
      var secs = Math.round((sel.b - sel.a) / 1000);
      try {
        var c = await postJSON(api + "/clips", { start: new Date(sel.a).toISOString(), duration: secs,
          name: document.getElementById("clip-name").value || ("Clip " + when(sel.a)) });
        prog.hidden = false;
        while (c.status === "pending") {
          bar.value = Math.max(0, Math.min(100, Math.round(c.progress || 0))); // percent
          pctEl.textContent = bar.value + " %";
          clipbox.setAttribute("data-progress", String(bar.value));
          await new Promise(function (r) { setTimeout(r, 700); });
          var res = await fetch("/api/v1/clips/" + c.id, { credentials: "same-origin" });
          if (!res.ok) throw new Error(await apiError(res));
          c = await res.json();
        }
        bar.value = 100;
        pctEl.textContent = c.status === "ready" ? "100 %" : "";
        if (c.status !== "ready") throw new Error("the clip could not be made");
        out.textContent = "";
        var a = document.createElement("a");
        a.href = c.download_url || ("/api/v1/clips/" + c.id + "/download");
        a.id = "clip-download";
        a.textContent = "Download the clip";
        a.setAttribute("download", "");
        out.appendChild(a);
        if (viewer.hasAttribute("data-share")) {
          var sb = document.createElement("button");
          sb.type = "button";
          sb.id = "share-clip";
          sb.textContent = "Share this clip";
          sb.addEventListener("click", function () { openShare({ kind: "clip", clip_id: c.id }, "the clip " + (c.name || "")); });
          out.appendChild(document.createTextNode(" "));
          out.appendChild(sb);
        }
      } catch (e) {
        out.textContent = "The clip was not saved: " + e.message;
      }
    });
  }

  // ---- shares ----
  var dlg = document.getElementById("share-dialog");
  var shareReq = null;
  function openShare(req, what) {
    shareReq = req;
    document.getElementById("share-what").textContent = "A link to " + what + " that works without signing in.";
    document.getElementById("share-out").hidden = true;
    document.getElementById("share-error").textContent = "";
    dlg.showModal();
  }
  if (dlg) {
    var shareLive = document.getElementById("share-live");
    if (shareLive) {
      shareLive.addEventListener("click", function () {
        openShare({ kind: "live", camera_id: parseInt(cam, 10) }, "the live view of this camera");
      });
    }
    document.getElementById("share-close").addEventListener("click", function () { dlg.close(); });
    document.getElementById("share-revoke").addEventListener("click", async function () {
      var id = document.getElementById("share-url").getAttribute("data-share");
      var res = await fetch("/api/v1/shares/" + id, { method: "DELETE", credentials: "same-origin" });
      var out = document.getElementById("share-revoked");
      if (res.ok) {
        out.textContent = "Revoked: the link no longer works.";
        document.getElementById("share-revoke").disabled = true;
      } else {
        out.textContent = "Not revoked: " + await apiError(res);
      }
    });
    document.getElementById("share-create").addEventListener("click", async function () {
      var body = Object.assign({ expires_in_hours: parseInt(document.getElementById("share-hours").value, 10) }, shareReq);
      try {
        var s = await postJSON("/api/v1/shares", body);
        var inp = document.getElementById("share-url");
        inp.value = new URL(s.url, location.href).href;
        inp.setAttribute("data-share", String(s.id));
        document.getElementById("share-out").hidden = false;
        document.getElementById("share-revoked").textContent = "";
        document.getElementById("share-revoke").disabled = false;
        inp.focus();
        inp.select();
      } catch (e) {
        document.getElementById("share-error").textContent = "No link was made: " + e.message;
      }
    });
  }

  // ?t=<unix ms> (the admin portal's "Play all") plays from that moment;
  // otherwise the page opens on the live view, and without the live right
  // on the recordings of the last minutes.
  var askedT = parseInt(new URLSearchParams(location.search).get("t") || "", 10);
  if (pb && askedT > 0) {
    var waitAsked = setInterval(function () {
      if (!spans.length) return;
      clearInterval(waitAsked);
      mark = askedT;
      playFrom(askedT);
    }, 200);
    setTimeout(function () { clearInterval(waitAsked); }, 10000);
  } else if (!live && pb) {
    var waitSpans = setInterval(function () {
      if (!spans.length) return;
      clearInterval(waitSpans);
      if (!playing) playFrom(Date.now() - 60000, true); // a gap there plays from the next recording
    }, 200);
    setTimeout(function () { clearInterval(waitSpans); }, 10000);
  }
})();
