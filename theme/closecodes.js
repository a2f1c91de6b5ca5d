// Close Codes: small behaviours for the static site. Every input read from the URL is checked
// against the close-code pattern before use; nothing from the URL is written as HTML.
(function () {
    "use strict";
    var KEY = "closecodes-lang";
    var pageLang = (document.documentElement.getAttribute("lang") || "en").slice(0, 2);
    var zh = pageLang === "zh";

    // 1. Remember the language a reader chooses with the switch.
    var sw = document.getElementById("cc-lang-switch");
    if (sw) {
        sw.addEventListener("click", function () {
            try { localStorage.setItem(KEY, sw.getAttribute("data-lang")); } catch (e) { /* private mode */ }
        });
        // Arriving from elsewhere (an error message's link, a search engine) on the other language:
        // go to this page's twin in the remembered language.
        var saved = null;
        try { saved = localStorage.getItem(KEY); } catch (e) { /* private mode */ }
        var fromHere = document.referrer && document.referrer.indexOf(location.origin + "/") === 0;
        if (saved && saved !== pageLang && saved === sw.getAttribute("data-lang") && !fromHere) {
            location.replace(sw.href + location.hash);
            return;
        }
    }

    // 2. A code reached through its range (`/codes/4000-4999.html#4123`) or the table (`#4123`).
    var m = /^#([0-9]{1,4})$/.exec(location.hash);
    if (!m) return;
    var code = parseInt(m[1], 10);
    function notice(text) {
        var main = document.querySelector("#mdbook-content main");
        if (!main) return;
        var p = document.createElement("p");
        p.className = "cc-notice";
        p.textContent = text;
        var h1 = main.querySelector("h1");
        main.insertBefore(p, h1 ? h1.nextSibling : main.firstChild);
    }
    var facts = document.querySelector(".cc-facts[data-code]");
    var range = facts && /^([0-9]+)-([0-9]+)$/.exec(facts.getAttribute("data-code"));
    if (range && code >= +range[1] && code <= +range[2]) {
        notice(zh
            ? "关闭码 " + code + " 没有单独的条目，它属于本区间：下面的说明适用于它。"
            : "Code " + code + " has no article of its own; it falls in this range, so what follows applies to it.");
        return;
    }
    var table = document.querySelector(".cc-table");
    if (table && !document.getElementById(String(code))) {
        var rows = table.querySelectorAll("tr.cc-range");
        for (var i = 0; i < rows.length; i++) {
            var r = /^([0-9]+)-([0-9]+)$/.exec(rows[i].id);
            if (r && code >= +r[1] && code <= +r[2]) {
                rows[i].classList.add("cc-highlight");
                rows[i].scrollIntoView();
                return;
            }
        }
    }
})();

// Accessibility fixes to mdBook 0.5's theme (upstream's markup, corrected here):
// - the sidebar toggle is a <label> carrying aria-expanded, which a label may not have; index.hbs
//   turns it into a <button>, which toggles the sidebar's checkbox here (after book.js's own click
//   handler, which readies the sidebar's animation);
// - the sidebar's fold toggles are <a> elements without href, which are neither links nor
//   buttons: they become buttons with a name.
(function () {
    "use strict";
    var zh = (document.documentElement.getAttribute("lang") || "").slice(0, 2) === "zh";
    var toggle = document.getElementById("mdbook-sidebar-toggle");
    var box = document.getElementById("mdbook-sidebar-toggle-anchor");
    if (toggle && box && toggle.tagName === "BUTTON") {
        toggle.addEventListener("click", function () {
            box.checked = !box.checked;
            box.dispatchEvent(new Event("change"));
        });
    }
    var folds = document.querySelectorAll("a.chapter-fold-toggle:not([href])");
    for (var i = 0; i < folds.length; i++) {
        folds[i].setAttribute("role", "button");
        folds[i].setAttribute("aria-label", zh ? "展开或折叠本节" : "Expand or collapse this section");
    }
})();
