/* TikTok Pixel for the storefront (pixel app). Everything page-specific comes from the JSON block
 * #tiktok-pixel-data written with Django's json_script, so no store text is ever parsed as code.
 * With consent required, nothing is loaded and no event is sent until the shopper accepts. */
(function () {
  "use strict";
  var el = document.getElementById("tiktok-pixel-data");
  if (!el) {
    return;
  }
  var cfg = JSON.parse(el.textContent);
  var started = false;

  function baseCode(w, d, t, sdkUrl) {
    // TikTok's base code (reference §4.1): a queue that the SDK replays once events.js has loaded.
    w.TiktokAnalyticsObject = t;
    var ttq = (w[t] = w[t] || []);
    ttq.methods = ["page", "track", "identify", "instances", "debug", "on", "off", "once", "ready",
      "alias", "group", "enableCookie", "disableCookie", "holdConsent", "revokeConsent", "grantConsent"];
    ttq.setAndDefer = function (obj, name) {
      obj[name] = function () {
        obj.push([name].concat(Array.prototype.slice.call(arguments, 0)));
      };
    };
    for (var i = 0; i < ttq.methods.length; i++) {
      ttq.setAndDefer(ttq, ttq.methods[i]);
    }
    ttq.instance = function (id) {
      var inst = ttq._i[id] || [];
      for (var n = 0; n < ttq.methods.length; n++) {
        ttq.setAndDefer(inst, ttq.methods[n]);
      }
      return inst;
    };
    ttq.load = function (id, opts) {
      ttq._i = ttq._i || {};
      ttq._i[id] = [];
      ttq._i[id]._u = sdkUrl;
      ttq._t = ttq._t || {};
      ttq._t[id] = +new Date();
      ttq._o = ttq._o || {};
      ttq._o[id] = opts || {};
      var s = d.createElement("script");
      s.type = "text/javascript";
      s.async = true;
      s.src = sdkUrl + "?sdkid=" + encodeURIComponent(id) + "&lib=" + t;
      var first = d.getElementsByTagName("script")[0];
      first.parentNode.insertBefore(s, first);
    };
    return ttq;
  }

  function start() {
    if (started) {
      return;
    }
    started = true;
    var ttq = baseCode(window, document, "ttq", cfg.sdkUrl);
    ttq.load(cfg.pixelCode);
    if (cfg.identify) {
      ttq.identify(cfg.identify);
    }
    ttq.page();
    (cfg.events || []).forEach(function (e) {
      ttq.track(e.event, e.properties || {}, { event_id: e.event_id });
    });
  }

  function consentBanner() {
    var banner = document.getElementById("tt-consent-banner");
    if (!banner) {
      return;
    }
    var form = banner.querySelector("form");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = ev.submitter;
      var choice = button ? button.value : "";
      var body = new FormData(form);
      body.set("choice", choice);
      banner.hidden = true;
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      }).then(function (resp) {
        if (resp.ok && choice === "granted") {
          start();
        }
        if (!resp.ok) {
          banner.hidden = false;
        }
      }).catch(function () {
        banner.hidden = false;
      });
    });
  }

  if (cfg.consent === "pending") {
    consentBanner();
  } else if (cfg.consent !== "denied") {
    start();
  }
})();
