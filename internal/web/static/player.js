// Vigilo live player: our own code, no library. It attaches to every
//
//   <video data-whep="URL" data-hls="URL" [data-token="T"]>
//
// on the page (and to more through VigiloPlayer.attach(video)). WebRTC first:
// a WHEP client (RFC 9725) that POSTs a recvonly offer as application/sdp,
// applies the answer and DELETEs the session's Location when it stops. When
// WebRTC is missing, blocked or shows no frame in time, LL-HLS: our own small
// player on Media Source Extensions (parse the m3u8, fetch the EXT-X-MAP init
// and the fMP4 parts/segments in order, append them to one SourceBuffer,
// stay near the live edge), or the browser's own HLS where there is no MSE.
//
// Players that cannot send headers carry a stream token: data-token="T" (or a
// token already in the URLs) is appended as ?token= to every request,
// including the playlists' relative URIs. Share pages include this same
// script, so the attribute names are a contract.
//
// What it exposes on each video element:
//   video.vigilo.mode    "webrtc" | "hls" | "native-hls" | "connecting" | "failed"
//   video.vigilo.behind  measured seconds behind live (NaN until known)
//   video.vigilo.stop()  ends the session; video.vigilo.start() begins anew
// and the same as data-mode / data-behind attributes, plus a "vigilo:behind"
// event ({detail: {seconds, mode}}) about once a second.
(function () {
  "use strict";

  var WEBRTC_FIRST_FRAME_MS = 5000; // no frame by then: try LL-HLS
  var LIVE_SLACK = 1.5;             // seconds of buffer before jumping to the edge
  var STALL_MS = 3000;              // no new WebRTC frame this long: start again

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // tokenOf returns the stream token of the element or of its URLs.
  function tokenOf(video) {
    if (video.getAttribute("data-token")) return video.getAttribute("data-token");
    var urls = [video.getAttribute("data-whep"), video.getAttribute("data-hls")];
    for (var i = 0; i < urls.length; i++) {
      if (!urls[i]) continue;
      try {
        var t = new URL(urls[i], location.href).searchParams.get("token");
        if (t) return t;
      } catch (e) { /* not a URL */ }
    }
    return "";
  }

  // withToken resolves u against base and adds the stream token when the
  // URL does not carry one.
  function withToken(u, base, token) {
    var url = new URL(u, base || location.href);
    if (token && !url.searchParams.has("token")) url.searchParams.set("token", token);
    return url.href;
  }

  function report(st, seconds) {
    st.behind = seconds;
    var v = st.video;
    if (isFinite(seconds)) v.setAttribute("data-behind", seconds.toFixed(2));
    v.setAttribute("data-mode", st.mode);
    v.dispatchEvent(new CustomEvent("vigilo:behind", { detail: { seconds: seconds, mode: st.mode } }));
  }

  function setMode(st, mode) {
    st.mode = mode;
    st.video.setAttribute("data-mode", mode);
    st.video.dispatchEvent(new CustomEvent("vigilo:mode", { detail: { mode: mode } }));
  }

  // waitFrames resolves once the video's time advances (a frame was shown),
  // and rejects after ms.
  function waitFrames(st, ms) {
    var v = st.video;
    var t0 = v.currentTime;
    var deadline = Date.now() + ms;
    return new Promise(function (resolve, reject) {
      (function poll() {
        if (st.stopped) return reject(new Error("stopped"));
        if (v.currentTime > t0 && v.readyState >= 2) return resolve();
        if (Date.now() > deadline) return reject(new Error("no video within " + ms + " ms"));
        setTimeout(poll, 100);
      })();
    });
  }

  // ---- WebRTC (WHEP) ----

  function gathered(pc, ms) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise(function (resolve) {
      var done = function () {
        if (pc.iceGatheringState === "complete") {
          pc.removeEventListener("icegatheringstatechange", done);
          resolve();
        }
      };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, ms); // send what we have; the server offers its own candidates
    });
  }

  async function startWebRTC(st) {
    if (typeof window.RTCPeerConnection !== "function") throw new Error("WebRTC is not available");
    var v = st.video;
    var pc = new RTCPeerConnection();
    st.pc = pc;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.ontrack = function (ev) {
      v.srcObject = (ev.streams && ev.streams[0]) || new MediaStream([ev.track]);
      v.play().catch(function () { /* autoplay rules: the controls can start it */ });
    };
    var t0 = performance.now();
    var offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await gathered(pc, 1000);
    var tGathered = performance.now();
    var res = await fetch(withToken(st.whep, null, st.token), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/sdp", "Accept": "application/sdp" },
      body: pc.localDescription.sdp
    });
    if (res.status !== 201) throw new Error("WHEP answered " + res.status);
    var loc = res.headers.get("Location");
    if (loc) st.session = withToken(loc, res.url || st.whep, st.token);
    await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
    var tAnswered = performance.now();
    pc.addEventListener("connectionstatechange", function () {
      if (st.stopped || st.pc !== pc) return;
      if (pc.connectionState === "failed" || pc.connectionState === "closed") {
        // The server ended it (rights taken away, camera off) or the path
        // broke: try again from the top after a pause.
        restart(st, "WebRTC " + pc.connectionState);
      }
    });
    await waitFrames(st, WEBRTC_FIRST_FRAME_MS);
    // How the start went, for whoever looks (tests log it).
    v.setAttribute("data-timing", "ice " + Math.round(tGathered - t0) + " ms, answer " + Math.round(tAnswered - tGathered) +
      " ms, first frame " + Math.round(performance.now() - tAnswered) + " ms");
    setMode(st, "webrtc");
    st.frames = -1;
    st.framesAt = Date.now();
    st.timer = setInterval(function () { measureWebRTC(st, pc); }, 1000);
  }

  // measureWebRTC estimates the delay behind live: the jitter buffer's mean
  // delay, decoding, and half the round trip to the server.
  async function measureWebRTC(st, pc) {
    if (st.pc !== pc) return;
    try {
      var stats = await pc.getStats();
      var jb = NaN, rtt = 0, dec = 0, frames = 0;
      stats.forEach(function (s) {
        if (s.type === "inbound-rtp" && s.kind === "video") frames = s.framesDecoded || 0;
        if (s.type === "inbound-rtp" && s.kind === "video" && s.jitterBufferEmittedCount > 0) {
          jb = s.jitterBufferDelay / s.jitterBufferEmittedCount;
          if (s.framesDecoded > 0 && s.totalDecodeTime) dec = s.totalDecodeTime / s.framesDecoded;
        }
        if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime) rtt = s.currentRoundTripTime;
      });
      report(st, jb + dec + rtt / 2);
      // A session the server ended (a revoked share, a right taken away)
      // may still look connected for a while: no new frame for 3 s means
      // start again, which asks the server whether we may.
      var now = Date.now();
      if (frames !== st.frames) {
        st.frames = frames;
        st.framesAt = now;
      } else if (now - (st.framesAt || now) >= STALL_MS && st.pc === pc) {
        restart(st, "no video for " + STALL_MS / 1000 + " s");
      }
    } catch (e) { /* closed meanwhile */ }
  }

  function stopWebRTC(st) {
    if (st.pc) {
      try { st.pc.close(); } catch (e) { /* already closed */ }
      st.pc = null;
    }
    if (st.session) {
      fetch(st.session, { method: "DELETE", credentials: "same-origin", keepalive: true }).catch(function () {});
      st.session = null;
    }
    if (st.video.srcObject) st.video.srcObject = null;
  }

  // ---- LL-HLS ----

  function attrs(s) {
    var out = {};
    var re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g, m;
    while ((m = re.exec(s))) out[m[1]] = m[2].replace(/^"|"$/g, "");
    return out;
  }

  // parsePlaylist reads a multivariant or media playlist. Media playlists
  // become segments (complete, with their parts where listed) and the
  // in-progress segment's parts.
  function parsePlaylist(text, base, token) {
    var pl = { variants: [], segments: [], map: null, msn: 0, target: 6, partTarget: 0, canBlock: false, ended: false };
    var cur = { parts: [] }, variant = null;
    var lines = text.split(/\r?\n/);
    if (lines[0].trim() !== "#EXTM3U") throw new Error("not an HLS playlist");
    var res = function (u) { return withToken(u, base, token); };
    for (var i = 1; i < lines.length; i++) {
      var l = lines[i].trim();
      if (!l) continue;
      var c = l.indexOf(":"), tag = c > 0 ? l.slice(0, c) : l, val = c > 0 ? l.slice(c + 1) : "";
      if (l[0] !== "#") {
        if (variant) { pl.variants.push({ uri: res(l), codecs: variant.CODECS || "" }); variant = null; continue; }
        cur.uri = res(l);
        pl.segments.push(cur);
        cur = { parts: [] };
        continue;
      }
      switch (tag) {
        case "#EXT-X-STREAM-INF": variant = attrs(val); break;
        case "#EXT-X-MEDIA-SEQUENCE": pl.msn = parseInt(val, 10); break;
        case "#EXT-X-TARGETDURATION": pl.target = parseFloat(val); break;
        case "#EXT-X-PART-INF": pl.partTarget = parseFloat(attrs(val)["PART-TARGET"]) || 0; break;
        case "#EXT-X-SERVER-CONTROL": pl.canBlock = attrs(val)["CAN-BLOCK-RELOAD"] === "YES"; break;
        case "#EXT-X-MAP": pl.map = res(attrs(val).URI); break;
        case "#EXT-X-PROGRAM-DATE-TIME": cur.pdt = Date.parse(val); break;
        case "#EXTINF": cur.duration = parseFloat(val); break;
        case "#EXT-X-ENDLIST": pl.ended = true; break;
        case "#EXT-X-PART":
          var a = attrs(val);
          cur.parts.push({ uri: res(a.URI), duration: parseFloat(a.DURATION), independent: a.INDEPENDENT === "YES" });
          break;
      }
    }
    for (var k = 0; k < pl.segments.length; k++) pl.segments[k].msn = pl.msn + k;
    cur.msn = pl.msn + pl.segments.length;
    pl.partial = cur;
    return pl;
  }

  // codecOf reads the H.264 profile and level from the init segment's avcC
  // box ("avc1.PPCCLL"), for a playlist that does not name its codecs.
  function codecOf(init) {
    var b = new Uint8Array(init);
    for (var i = 4; i + 8 < b.length; i++) {
      if (b[i] === 0x61 && b[i + 1] === 0x76 && b[i + 2] === 0x63 && b[i + 3] === 0x43) { // "avcC"
        var h = function (x) { return (x < 16 ? "0" : "") + x.toString(16); };
        return "avc1." + h(b[i + 5]) + h(b[i + 6]) + h(b[i + 7]);
      }
      if (b[i] === 0x68 && b[i + 1] === 0x76 && b[i + 2] === 0x63 && b[i + 3] === 0x43) return "hvc1.1.6.L93.B0"; // "hvcC"
    }
    return "avc1.42e01e";
  }

  async function get(st, url, kind) {
    var res = await fetch(url, { credentials: "same-origin", signal: st.abort.signal });
    if (!res.ok) {
      var err = new Error("HLS " + res.status + " for " + url);
      err.status = res.status;
      throw err;
    }
    return kind === "text" ? res.text() : res.arrayBuffer();
  }

  function append(sb, buf) {
    return new Promise(function (resolve, reject) {
      var ok = function () { clean(); resolve(); };
      var bad = function () { clean(); reject(new Error("SourceBuffer error")); };
      var clean = function () { sb.removeEventListener("updateend", ok); sb.removeEventListener("error", bad); };
      sb.addEventListener("updateend", ok);
      sb.addEventListener("error", bad);
      sb.appendBuffer(buf);
    });
  }

  function removeRange(sb, from, to) {
    return new Promise(function (resolve) {
      if (to <= from) return resolve();
      var done = function () { sb.removeEventListener("updateend", done); resolve(); };
      sb.addEventListener("updateend", done);
      try { sb.remove(from, to); } catch (e) { done(); }
    });
  }

  // startAt picks where a viewer joins: the newest segment that begins with
  // an independent part (a keyframe), or the third-newest segment of a
  // playlist without parts.
  function startAt(pl) {
    var p = pl.partial;
    if (p.parts.length && p.parts[0].independent) return { msn: p.msn, part: 0 };
    for (var i = pl.segments.length - 1; i >= 0; i--) {
      var s = pl.segments[i];
      if (s.parts.length && s.parts[0].independent) return { msn: s.msn, part: 0 };
    }
    var k = Math.max(0, pl.segments.length - 3);
    return { msn: pl.msn + k, part: 0 };
  }

  // chunksFrom lists what to fetch from next on: the remaining parts of the
  // segment being played, then whole segments or their parts.
  function chunksFrom(pl, next) {
    var all = pl.segments.concat([pl.partial]), out = [];
    var n = { msn: next.msn, part: next.part };
    for (var i = 0; i < all.length; i++) {
      var s = all[i];
      if (s.msn < n.msn) continue;
      if (s.msn > n.msn) n = { msn: s.msn, part: 0 }; // a segment vanished: go on with the next
      if (s.parts.length) {
        for (var j = n.part; j < s.parts.length; j++) {
          out.push({ url: s.parts[j].uri, duration: s.parts[j].duration, next: { msn: s.msn, part: j + 1 } });
        }
        if (!s.uri) break; // still being written: wait for more parts
        if (out.length) out[out.length - 1].next = { msn: s.msn + 1, part: 0 };
        else n = { msn: s.msn + 1, part: 0 };
      } else if (s.uri) {
        if (n.part === 0) out.push({ url: s.uri, duration: s.duration, next: { msn: s.msn + 1, part: 0 } });
        n = { msn: s.msn + 1, part: 0 };
      }
    }
    return { chunks: out, next: out.length ? out[out.length - 1].next : n };
  }

  async function startHLS(st) {
    if (!st.hls) throw new Error("no LL-HLS address");
    var v = st.video;
    if (!window.MediaSource) {
      if (!v.canPlayType("application/vnd.apple.mpegurl")) throw new Error("this browser plays neither MSE nor HLS");
      v.src = withToken(st.hls, null, st.token);
      v.play().catch(function () {});
      await waitFrames(st, 10000);
      setMode(st, "native-hls");
      st.timer = setInterval(function () {
        var s = v.seekable;
        if (s.length) report(st, s.end(s.length - 1) - v.currentTime);
      }, 1000);
      return;
    }
    st.abort = new AbortController();
    var url = withToken(st.hls, null, st.token);
    var pl = parsePlaylist(await get(st, url, "text"), url, st.token);
    var codecs = "";
    if (pl.variants.length) {
      codecs = pl.variants[0].codecs;
      url = pl.variants[0].uri;
      pl = parsePlaylist(await get(st, url, "text"), url, st.token);
    }
    if (!pl.map) throw new Error("the playlist has no EXT-X-MAP (fMP4) init segment");
    var ms = new MediaSource();
    v.src = URL.createObjectURL(ms);
    await new Promise(function (r) { ms.addEventListener("sourceopen", r, { once: true }); });
    var init = await get(st, pl.map, "buf");
    var video = codecs.split(",").filter(function (c) { return /^(avc|hvc|hev)/.test(c.trim()); })[0] || codecOf(init);
    var sb = ms.addSourceBuffer('video/mp4; codecs="' + video.trim() + '"');
    await append(sb, init);

    var next = startAt(pl), started = false, arrived = Date.now(), lastDur = pl.partTarget || 1;
    st.timer = setInterval(function () {
      var b = v.buffered;
      if (!b.length) return;
      // Behind live: what is buffered ahead of the play head, the time
      // since the newest part arrived, and that part's own length (its
      // first frame was that old when it was published).
      report(st, (b.end(b.length - 1) - v.currentTime) + (Date.now() - arrived) / 1000 + lastDur);
    }, 1000);
    setMode(st, "hls");
    var first = true;
    while (!st.stopped) {
      if (next.msn < pl.msn) next = startAt(pl); // fell out of the window: rejoin at the edge
      var plan = chunksFrom(pl, next);
      for (var i = 0; i < plan.chunks.length && !st.stopped; i++) {
        var c = plan.chunks[i];
        var buf = await get(st, c.url, "buf");
        await append(sb, buf);
        arrived = Date.now();
        lastDur = c.duration || lastDur;
        next = c.next;
        var b = v.buffered;
        if (b.length) {
          var end = b.end(b.length - 1);
          if (!started) {
            started = true;
            v.currentTime = b.start(0);
            v.play().catch(function () {});
          } else if (end - v.currentTime > LIVE_SLACK + lastDur) {
            v.currentTime = end - Math.max(0.3, lastDur); // keep near the live edge
          }
          if (v.currentTime - b.start(0) > 30) await removeRange(sb, b.start(0), v.currentTime - 10);
        }
      }
      if (first) {
        first = false;
        // Not a frame in time means this path does not work either.
        waitFrames(st, 10000).catch(function (e) { if (!st.stopped) fail(st, e); });
      }
      if (pl.ended) break;
      next = plan.next;
      var reload = url;
      if (pl.canBlock) {
        var u = new URL(url);
        u.searchParams.set("_HLS_msn", String(next.msn));
        if (pl.partTarget) u.searchParams.set("_HLS_part", String(next.part));
        reload = u.href;
      } else {
        await sleep(1000 * (pl.partTarget || pl.target / 2));
      }
      var text;
      try {
        text = await get(st, reload, "text");
      } catch (e) {
        // 400: the part asked for has left the window (we fell behind) or
        // is too far ahead; read the playlist as it is and rejoin the edge.
        if (e.status !== 400 || reload === url) throw e;
        text = await get(st, url, "text");
      }
      pl = parsePlaylist(text, url, st.token);
      if (next.msn < pl.msn || next.msn > pl.partial.msn + 1) next = startAt(pl);
    }
  }

  function stopHLS(st) {
    if (st.abort) st.abort.abort();
    st.abort = null;
    var v = st.video;
    if (v.src && v.src.indexOf("blob:") === 0) URL.revokeObjectURL(v.src);
    v.removeAttribute("src");
    try { v.load(); } catch (e) { /* detached */ }
  }

  // ---- the player ----

  function clear(st) {
    if (st.timer) clearInterval(st.timer);
    st.timer = null;
    stopWebRTC(st);
    stopHLS(st);
  }

  function fail(st, err) {
    clear(st);
    setMode(st, "failed");
    st.error = String(err && err.message || err);
    st.video.setAttribute("data-error", st.error);
    report(st, NaN);
  }

  async function run(st) {
    var gen = ++st.gen;
    setMode(st, "connecting");
    if (st.whep && !st.noWebRTC) {
      try {
        await startWebRTC(st);
        return;
      } catch (e) {
        if (st.stopped || gen !== st.gen) return;
        st.webrtcError = String(e && e.message || e);
        st.video.setAttribute("data-webrtc-error", st.webrtcError);
        clear(st);
      }
    }
    try {
      await startHLS(st);
    } catch (e) {
      if (!st.stopped && gen === st.gen && e.name !== "AbortError") fail(st, e);
    }
  }

  function restart(st, why) {
    clear(st);
    st.video.setAttribute("data-restart", why);
    setTimeout(function () { if (!st.stopped) run(st); }, 1000);
  }

  function attach(video) {
    if (video.vigilo) return video.vigilo;
    var st = {
      video: video, gen: 0, mode: "connecting", behind: NaN, stopped: false,
      whep: video.getAttribute("data-whep") || "", hls: video.getAttribute("data-hls") || "",
      token: tokenOf(video), noWebRTC: video.hasAttribute("data-no-webrtc")
    };
    st.stop = function () { st.stopped = true; clear(st); setMode(st, "stopped"); };
    st.start = function () {
      if (!st.stopped) return;
      st.stopped = false;
      run(st);
    };
    video.vigilo = st;
    video.muted = true; // browsers start only muted video by themselves
    run(st);
    return st;
  }

  window.VigiloPlayer = { attach: attach };
  function attachAll() {
    document.querySelectorAll("video[data-whep], video[data-hls]").forEach(attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attachAll);
  else attachAll();
  window.addEventListener("pagehide", function () {
    document.querySelectorAll("video[data-whep], video[data-hls]").forEach(function (v) { if (v.vigilo) v.vigilo.stop(); });
  });
})();
