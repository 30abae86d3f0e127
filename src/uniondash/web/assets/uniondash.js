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
        // An option of an open dcc.Dropdown lives in a popover outside the control (and goes with the
        // redraw): the control to come back to is the dropdown's button, which names the popover it opened.
        var popover = target.closest(".dash-dropdown-content[id]");
        if (popover) {
            owner = document.querySelector('[aria-controls="' + popover.id + '"][id]');
            last = owner ? { element: target, id: owner.id, index: -1 } : null;
            return;
        }
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
// Copy buttons of the share panel (components.copy_button): copy the field, then say so in the live region
// beside it, emptied first so a second copy is announced again.
document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.ud-copy[data-copy]");
    if (!button) {
        return;
    }
    var field = document.getElementById(button.dataset.copy);
    var status = button.closest(".ud-copy-row").parentElement.querySelector(".ud-copy-status");
    if (!field) {
        return;
    }
    function done() {
        if (status) {
            status.textContent = "";
            window.setTimeout(function () {
                status.textContent = button.dataset.copied;
            }, 50);
        }
    }
    function fallback() {
        // No clipboard API (a page served over plain http to another host): select and copy.
        field.focus();
        field.select();
        if (document.execCommand("copy")) {
            done();
        }
        button.focus();
    }
    if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, fallback);
    } else {
        fallback();
    }
});

// dcc.Dropdown puts a focusable input with aria-hidden before its button (for Safari's Tab order), which
// screen readers would land on unannounced (axe: aria-hidden-focus). Take it out of the Tab order for good
// (disabled) and let Tab reach the real button, which carries the name and the listbox.
// An option offered disabled ("冬送温暖（0）") says so to screen readers too (its checkbox alone is disabled).
function uniondashFixDropdowns(root) {
    root.querySelectorAll("input.dash-dropdown-focus-target:not([disabled])").forEach(function (input) {
        var button = input.nextElementSibling;
        input.disabled = true;
        if (button && button.tagName === "BUTTON" && !button.disabled) {
            button.tabIndex = 0;
        }
    });
    root.querySelectorAll(".dash-dropdown-option:not([aria-disabled])").forEach(function (option) {
        if (option.querySelector("input[disabled]")) {
            option.setAttribute("aria-disabled", "true");
        }
    });
}
// Enter in a dropdown's search box chooses its first match, even an option offered disabled ("(0)"): typing
// "winter" and Enter would filter on a programme that shows nothing. Stopped here, before React sees the key,
// when that first match is disabled (callbacks.py also drops a disabled choice that gets through).
["keydown", "keyup"].forEach(function (type) {
    window.addEventListener(
        type,
        function (event) {
            var target = event.target;
            if (event.key !== "Enter" || !(target instanceof Element) || !target.matches(".dash-dropdown-search")) {
                return;
            }
            var popover = target.closest(".dash-dropdown-content");
            var first = popover && popover.querySelector("[role=option]");
            if (first && first.querySelector("input[disabled]")) {
                event.stopPropagation();
                event.preventDefault();
            }
        },
        true
    );
});
new MutationObserver(function () {
    uniondashFixDropdowns(document);
}).observe(document.documentElement, { childList: true, subtree: true });
