// Vigilo admin portal: small conveniences over pages that work without
// script — dialogs instead of confirmation pages, clickable table rows,
// auto-submitting filters, and confirmations for destructive buttons.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("click", function (e) {
    // Links and buttons with data-open="<dialog id>" open that dialog.
    var opener = e.target.closest("[data-open]");
    if (opener) {
      var d = document.getElementById(opener.getAttribute("data-open"));
      if (d && typeof d.showModal === "function") {
        e.preventDefault();
        d.showModal();
        // showModal focuses [autofocus] (a safe choice: never the
        // destructive button); otherwise the first field or choice.
        if (!d.querySelector("[autofocus]")) {
          var first = d.querySelector("input:not([type=hidden]), a.choice");
          if (first) first.focus();
        }
        return;
      }
    }
    // Clicking a table row opens its page, unless a control was clicked.
    var row = e.target.closest("tr[data-href]");
    if (row && !e.target.closest("a, button, input, select, label, textarea")) {
      window.location = row.getAttribute("data-href");
    }
  });

  document.addEventListener("submit", function (e) {
    var btn = e.submitter;
    var msg = (btn && btn.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });

  // Delete confirmations: the button works only once the name is typed.
  document.querySelectorAll("input[data-must-equal]").forEach(function (inp) {
    var form = inp.form;
    var btn = form && form.querySelector("button.danger");
    if (!btn) return;
    var sync = function () { btn.disabled = inp.value !== inp.getAttribute("data-must-equal"); };
    inp.addEventListener("input", sync);
    sync();
  });

  // Filters apply as soon as a select changes.
  document.querySelectorAll("select[data-autosubmit], input[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // The wizard's switches say ON/OFF next to them, and dim a switched-off row.
  document.querySelectorAll("label.switch input[type=checkbox]").forEach(function (c) {
    c.addEventListener("change", function () {
      var st = c.parentNode.querySelector(".state");
      if (st) st.textContent = c.checked ? "ON" : "OFF";
      var tr = c.closest("tr");
      if (tr) tr.classList.toggle("off", !c.checked);
      // The "N of M selected" count covers every page (the server counted
      // them); a switch on this page moves it by one.
      var on = document.getElementById("plans-on");
      if (on && tr && tr.hasAttribute("data-plan")) {
        var n = parseInt(on.getAttribute("data-on"), 10) + (c.checked ? 1 : -1);
        on.setAttribute("data-on", String(n));
        on.textContent = String(n);
      }
    });
  });

  // The wizard's end-user price of a sub-integrator follows the price typed
  // beside it while it still holds what the page filled in (data-markup is
  // the default markup); the server marks up the chosen price again, exactly.
  document.querySelectorAll("#wizard-plans tr[data-plan]").forEach(function (tr) {
    var price = tr.querySelector("input[name$=_price]"), eup = tr.querySelector("input[name$=_eup]"),
      auto = tr.querySelector("input[name$=_eup_auto]");
    if (!price || !eup || !auto) return;
    var m = (eup.getAttribute("data-markup") || "").split("/");
    price.addEventListener("input", function () {
      var p = parseFloat(price.value), num = parseInt(m[0], 10), den = parseInt(m[1], 10);
      if (eup.value !== auto.value || !(p >= 0) || !(den > 0)) return;
      eup.value = auto.value = (Math.round(p * num / den * 10000) / 10000).toFixed(4);
    });
  });

  // Radio buttons that show or hide a box (the password of a new user).
  var toggles = document.querySelectorAll("input[data-toggle-on], input[data-toggle-off]");
  var apply = function () {
    // A group may show one box per choice (a camera's type): hide the boxes
    // of the unchecked choices first, then apply the checked one.
    toggles.forEach(function (r) {
      var box = document.getElementById(r.getAttribute("data-toggle-on"));
      if (box && !r.checked) box.hidden = true;
    });
    toggles.forEach(function (r) {
      var id = r.getAttribute("data-toggle-on") || r.getAttribute("data-toggle-off");
      var box = document.getElementById(id);
      if (box && r.checked) box.hidden = !r.hasAttribute("data-toggle-on");
    });
  };
  toggles.forEach(function (r) { r.addEventListener("change", apply); });
  apply();

  // The name menu closes with Escape (focus back on it) and on a click elsewhere.
  var menu = document.querySelector("details.usermenu");
  if (menu) {
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (e) {
      if (menu.open && !menu.contains(e.target)) menu.open = false;
    });
  }

  // Tables fold into one card per row on a phone (app.css, max-width
  // 560px): each cell is labelled with its column's heading, so no table
  // scrolls sideways. Roles keep them tables for screen readers once CSS has
  // made them blocks. Without script the table scrolls inside its box.
  document.querySelectorAll("table.grid").forEach(function (tb) {
    var heads = Array.prototype.map.call(tb.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    tb.setAttribute("role", "table");
    tb.querySelectorAll("tr").forEach(function (tr) {
      tr.setAttribute("role", "row");
      var col = 0;
      Array.prototype.forEach.call(tr.children, function (cell) {
        var head = cell.closest("thead");
        cell.setAttribute("role", head ? "columnheader" : (cell.tagName === "TH" ? "rowheader" : "cell"));
        if (!head && heads[col] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[col]);
        col += cell.colSpan || 1;
      });
    });
    tb.classList.add("stackable");
  });

  // The sign-in form sends the browser's time zone: an account without one
  // adopts it, so times show in local time from the first visit.
  document.querySelectorAll("input[data-browser-tz]").forEach(function (i) {
    try { i.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser: UTC */ }
  });

  // Sign-in: an address whose domain signs in through its organisation's
  // provider gets "Continue with SSO" as soon as it is typed.
  var sso = document.querySelector("[data-sso]");
  var ssoEmail = document.querySelector("form[action='/login'] input[name=email]");
  if (sso && ssoEmail) {
    var ssoLink = sso.querySelector("[data-sso-link]"), ssoTimer = null;
    var ssoCheck = function () {
      var email = ssoEmail.value.trim();
      if (email.indexOf("@") < 1) { sso.hidden = true; return; }
      fetch("/auth/oidc/domain?email=" + encodeURIComponent(email), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { sso: false }; })
        .then(function (j) {
          if (ssoEmail.value.trim() !== email) return; // typed on meanwhile
          var u = new URL(ssoLink.href, location.href);
          u.searchParams.set("email", email);
          ssoLink.href = u.pathname + u.search;
          sso.hidden = !j.sso;
        })
        .catch(function () { /* no SSO hint; the password form still works */ });
    };
    ssoEmail.addEventListener("input", function () { clearTimeout(ssoTimer); ssoTimer = setTimeout(ssoCheck, 250); });
    if (ssoEmail.value) ssoCheck();
  }

  // Passkeys (WebAuthn): the server's options carry binary fields as
  // base64url; navigator.credentials wants ArrayBuffers, and the answer goes
  // back as JSON with base64url again, posted as a form field with the form
  // token. The sign-in form shows only where the browser has WebAuthn.
  var b64u = {
    dec: function (s) {
      s = s.replace(/-/g, "+").replace(/_/g, "/");
      while (s.length % 4) s += "=";
      var bin = atob(s), out = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out.buffer;
    },
    enc: function (buf) {
      var bytes = new Uint8Array(buf), bin = "";
      for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
      return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
  };
  var pkDescriptors = function (list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: b64u.dec(c.id) }); });
  };
  var pkAnswer = function (cred) {
    var r = cred.response, out = { id: cred.id, rawId: b64u.enc(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: b64u.enc(r.clientDataJSON) } };
    if (r.attestationObject) {
      out.response.attestationObject = b64u.enc(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = b64u.enc(r.authenticatorData);
      out.response.signature = b64u.enc(r.signature);
      if (r.userHandle) out.response.userHandle = b64u.enc(r.userHandle);
    }
    return JSON.stringify(out);
  };
  var pkPost = function (url, fields) {
    var body = new URLSearchParams(fields);
    return fetch(url, { method: "POST", credentials: "same-origin", body: body }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j.error && j.error.message) || "the request failed");
        return j;
      });
    });
  };
  var pkRun = function (form, begin, finish, ceremony, extra) {
    var err = form.querySelector("[data-passkey-error]");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      err.hidden = true;
      var csrf = form.querySelector("input[name=csrf]").value;
      pkPost(begin, { csrf: csrf })
        .then(function (start) { return ceremony(start.options).then(function (cred) { return [start, cred]; }); })
        .then(function (sc) {
          return pkPost(finish, Object.assign({ csrf: csrf, token: sc[0].token, credential: pkAnswer(sc[1]) }, extra()));
        })
        .then(function (done) { location.assign(done.next || "/"); })
        .catch(function (x) { err.textContent = "Passkey: " + (x && x.message ? x.message : x); err.hidden = false; });
    });
  };
  if (window.PublicKeyCredential && navigator.credentials) {
    var pkAdd = document.querySelector("form[data-passkey-add]");
    if (pkAdd) {
      pkRun(pkAdd, "/security/passkeys/begin", "/security/passkeys/finish", function (o) {
        var pk = Object.assign({}, o.publicKey);
        pk.challenge = b64u.dec(pk.challenge);
        pk.user = Object.assign({}, pk.user, { id: b64u.dec(pk.user.id) });
        pk.excludeCredentials = pkDescriptors(pk.excludeCredentials);
        return navigator.credentials.create({ publicKey: pk });
      }, function () { return { name: pkAdd.querySelector("input[name=name]").value }; });
    }
    var pkSignIn = document.querySelector("form[data-passkey-signin]");
    if (pkSignIn) {
      pkSignIn.hidden = false;
      pkRun(pkSignIn, "/login/passkey/begin", "/login/passkey/finish", function (o) {
        var pk = Object.assign({}, o.publicKey);
        pk.challenge = b64u.dec(pk.challenge);
        pk.allowCredentials = pkDescriptors(pk.allowCredentials);
        return navigator.credentials.get({ publicKey: pk });
      }, function () { return { next: pkSignIn.querySelector("input[name=next]").value }; });
    }
  } else {
    document.querySelectorAll("form[data-passkey-add]").forEach(function (f) { f.hidden = true; });
  }

  // Branding tab: the preview follows the form as it is typed; a chosen
  // image goes into its hidden field as a data URL (the server re-encodes
  // it). The contrast line is a hint: the server's check decides.
  var brandForm = document.querySelector("form[data-brand-form]");
  if (brandForm) {
    var bp = document.getElementById("brand-preview");
    var hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
    var lum = function (c) {
      if (c.length === 4) c = "#" + c[1] + c[1] + c[2] + c[2] + c[3] + c[3];
      var v = [1, 3, 5].map(function (i) {
        var s = parseInt(c.substr(i, 2), 16) / 255;
        return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
    };
    var ratio = function (c) { return 1.05 / (lum(c) + 0.05); };
    var paint = function () {
      var name = brandForm.elements["product_name"].value;
      bp.querySelectorAll("[data-bp-name]").forEach(function (n) { n.textContent = name; });
      var pc = brandForm.elements["primary_color"].value.trim(), ac = brandForm.elements["accent_color"].value.trim();
      var warn = [];
      if (hex.test(pc)) {
        bp.querySelector("[data-bp-top]").style.background = pc;
        if (ratio(pc) < 4.5) warn.push("Primary colour: contrast " + ratio(pc).toFixed(2) + ":1 with white, 4.5:1 needed");
      }
      if (hex.test(ac)) {
        bp.querySelector("[data-bp-button]").style.background = ac;
        bp.querySelector("[data-bp-link]").style.color = ac;
        if (ratio(ac) < 4.5) warn.push("Accent colour: contrast " + ratio(ac).toFixed(2) + ":1 with white, 4.5:1 needed");
      }
      bp.querySelector("[data-bp-contrast]").textContent = warn.join(" · ");
    };
    brandForm.addEventListener("input", paint);
    brandForm.querySelectorAll("input[data-brand-image]").forEach(function (inp) {
      inp.addEventListener("change", function () {
        var f = inp.files && inp.files[0];
        if (!f) return;
        var rd = new FileReader();
        rd.onload = function () {
          brandForm.elements[inp.getAttribute("data-brand-image")].value = rd.result;
          if (inp.getAttribute("data-brand-image") === "logo") {
            var img = bp.querySelector("[data-bp-logo]");
            img.src = rd.result;
            img.hidden = false;
          }
        };
        rd.readAsDataURL(f);
      });
    });
    paint();
  }

  // Focus the first field with an error so keyboard users land on it.
  var bad = document.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
})();
