/*! uniondash embed.js: sizes every uniondash chart iframe of the page to its chart. No dependencies.
 * Include once per article: <script src="https://<dashboard>/embed.js" async></script>
 * Each embed page posts {type: "uniondash:embed-height", height} to its parent whenever its height
 * changes (width, language, data); this script sets the height of the iframe that sent it, after
 * checking that the message comes from that iframe's window and from the origin of its src. */
(function () {
  "use strict";
  var HEIGHT = "uniondash:embed-height";
  var HELLO = "uniondash:embed-hello";
  if (window.uniondashEmbed) {
    window.uniondashEmbed.scan();
    return;
  }

  function originOf(frame) {
    try {
      return new URL(frame.getAttribute("src") || "", location.href).origin;
    } catch (error) {
      return null;
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== HEIGHT) return;
    var height = Math.ceil(Number(data.height));
    if (!isFinite(height) || height < 50 || height > 20000) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow === event.source && originOf(frame) === event.origin) {
        frame.style.height = height + "px";
        frame.setAttribute("height", String(height));
      }
    }
  });

  function hello(frame) {
    var origin = originOf(frame);
    if (origin && origin !== "null" && frame.contentWindow) {
      frame.contentWindow.postMessage({ type: HELLO }, origin);
    }
  }

  // A frame that loaded before this script ran posted its height to no one: ask it again. One still
  // loading (its document not yet the embed's) is asked when it has loaded.
  function scan() {
    var frames = document.querySelectorAll("iframe[data-uniondash]");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (!frame.uniondashSeen) {
        frame.uniondashSeen = true;
        frame.addEventListener("load", function (event) { hello(event.target); });
      }
      var loading;
      try {
        loading = frame.contentDocument !== null; // readable: still about:blank, not the embed yet
      } catch (error) {
        loading = false;
      }
      if (!loading) hello(frame);
    }
  }

  window.uniondashEmbed = { scan: scan };
  scan();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
})();
