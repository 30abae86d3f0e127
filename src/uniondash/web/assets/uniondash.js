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
