// Registers the service worker, offers a waiting new version through the
// page's "有新版本，点此更新" button (never reloads on its own), and asks the
// browser to keep our storage (navigator.storage.persist) so offline records
// are not evicted.
(function () {
  "use strict";
  var waiting = null;
  var userAskedToUpdate = false;

  function showBanner() {
    var b = document.getElementById("yl-update");
    if (!b || !waiting) return;
    b.hidden = false;
    b.onclick = function () {
      userAskedToUpdate = true;
      b.disabled = true;
      waiting.postMessage({ type: "SKIP_WAITING" });
    };
  }

  function offer(worker) {
    waiting = worker;
    showBanner();
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (userAskedToUpdate) window.location.reload();
    });
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
        if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
        reg.addEventListener("updatefound", function () {
          var w = reg.installing;
          if (!w) return;
          w.addEventListener("statechange", function () {
            if (w.state === "installed" && navigator.serviceWorker.controller) offer(w);
          });
        });
        // Look for a new version now and then while the app stays open.
        setInterval(function () { reg.update().catch(function () {}); }, 30 * 60 * 1000);
      }).catch(function (e) { console.warn("service worker not registered", e); });
    });
    // Background Sync where the browser has it (Chromium; not iOS): after a
    // save, ask the browser to wake us when the network returns. The app
    // syncs on its own anyway (on start, on "online", every minute).
    window.addEventListener("yl-saved", function () {
      navigator.serviceWorker.ready.then(function (reg) {
        if (reg.sync) return reg.sync.register("yl-sync");
      }).catch(function () {});
    });
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "SYNC") window.dispatchEvent(new Event("yl-sync-now"));
    });
    // Pages redraw their frame on navigation; keep the button visible.
    setInterval(showBanner, 2000);
  }

  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persisted().then(function (p) {
      if (!p) return navigator.storage.persist();
    }).catch(function () {});
  }
})();
