// Clientside helpers for the dashboard (see callbacks.py).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    uniondash: {
        toggleFilters: function (clicks, open) {
            var now = clicks ? !open : Boolean(open);
            return [now, now, now ? "true" : "false"];
        },
        setDocumentMeta: function (meta) {
            if (meta && meta.lang) {
                document.documentElement.lang = meta.lang;
            }
            if (meta && meta.title) {
                document.title = meta.title;
            }
            // On a phone the section tabs scroll sideways: bring the current one into view (sideways only).
            window.requestAnimationFrame(function () {
                var list = document.querySelector(".ud-nav-list");
                var active = list && list.querySelector(".nav-link.active");
                if (active) {
                    list.scrollLeft = active.offsetLeft - (list.clientWidth - active.offsetWidth) / 2;
                }
            });
            return "";
        },
    },
});

// Keyboard focus survives the page redraw. A filter change redraws the page (controls included), which
// would drop focus to <body> and send a keyboard user back to the top. We remember the focused control
// as (nearest element with an id, position among its focusable descendants); when that element leaves
// the document and nothing else has focus, the same control in the new page gets focus back. A click
// elsewhere leaves the old element in place, so focus is never pulled back against the reader.
(function () {
    var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
    var last = null;
    document.addEventListener("focusin", function (event) {
        var target = event.target;
        if (!(target instanceof Element)) {
            return;
        }
        var owner = target.id ? target : target.parentElement && target.parentElement.closest("[id]");
        if (!owner || owner.id === "main") {
            last = null;
            return;
        }
        var index = owner === target ? -1 : Array.prototype.indexOf.call(owner.querySelectorAll(FOCUSABLE), target);
        last = { element: target, id: owner.id, index: index };
    });
    function restore() {
        if (!last || last.element.isConnected) {
            return;
        }
        var active = document.activeElement;
        if (active && active !== document.body && active.isConnected) {
            return;
        }
        var owner = document.getElementById(last.id);
        if (!owner) {
            return;
        }
        var target = last.index < 0 ? owner : owner.querySelectorAll(FOCUSABLE)[last.index];
        if (target) {
            target.focus({ preventScroll: true });
            last.element = target;
        }
    }
    function watch() {
        new MutationObserver(restore).observe(document.body, { childList: true, subtree: true });
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", watch);
    } else {
        watch();
    }
})();
