// Close Codes: the "try it" panel on each article. Under `closecodes serve` each row's button opens
// the lab endpoint from the reader's own browser and shows the CloseEvent received (code, reason,
// wasClean) and what the server received back, beside what the article says to expect. On a
// static host (no /lab/) the panel says how to run the lab instead. Everything shown is written
// with textContent.
/* global path_to_root */
(function () {
    "use strict";
    var panels = document.querySelectorAll(".cc-lab");
    if (!panels.length || !window.WebSocket || !window.fetch) return;
    var zh = /^zh\b/i.test(document.documentElement.lang || "");
    var T = zh ? {
        waiting: "连接中…", match: "✓ 与本文一致", differ: "✗ 与本文不同", server: "服务器收到：",
        noCode: "不带状态码的关闭帧", nothing: "没有关闭帧", pending: "尚未结束"
    } : {
        waiting: "connecting…", match: "✓ as the article says", differ: "✗ differs from the article", server: "server received: ",
        noCode: "a Close frame without a code", nothing: "no Close frame", pending: "still open"
    };
    var bookRoot = new URL((typeof path_to_root === "string" && path_to_root) || "./", location.href);
    var siteRoot = zh ? new URL("../", bookRoot) : bookRoot;

    function describeServer(r) {
        if (!r || r.state === "pending") return T.pending;
        if (r.state === "code") return String(r.code) + (r.reason ? " “" + r.reason + "”" : "");
        return r.state === "no-code" ? T.noCode : T.nothing;
    }
    function serverKey(r) {
        if (!r) return "";
        return r.state === "code" ? String(r.code) : r.state;
    }
    function received(id, tries) {
        return fetch(new URL("lab/received/" + id, siteRoot).href, { cache: "no-store" })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (r) {
                if (r && r.state === "pending" && tries > 0) {
                    return new Promise(function (ok) { setTimeout(ok, 150); })
                        .then(function () { return received(id, tries - 1); });
                }
                return r;
            });
    }
    function run(row) {
        var out = row.querySelector(".cc-lab-out");
        var endpoint = row.getAttribute("data-endpoint") || "";
        if (!/^\/lab\/[A-Za-z0-9\/?=&._-]*$/.test(endpoint)) return;
        var id = "p" + Math.random().toString(36).slice(2, 12);
        var url = new URL(endpoint.replace(/^\//, ""), siteRoot);
        url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
        url.searchParams.set("id", id);
        out.textContent = T.waiting;
        var ws = new WebSocket(url.href);
        ws.onopen = function () {
            // The size-limit endpoint closes with 1009 when it gets more than 1,024 bytes.
            if (endpoint.indexOf("/lab/limit") === 0) ws.send(new Array(2049).join("x"));
        };
        ws.onclose = function (ev) {
            var seen = "code " + ev.code + (ev.reason ? " “" + ev.reason + "”" : "") + ", wasClean " + ev.wasClean;
            out.textContent = seen;
            received(id, 20).then(function (r) {
                var ok = String(ev.code) === row.getAttribute("data-expect-code") &&
                    String(ev.wasClean) === row.getAttribute("data-expect-clean") &&
                    serverKey(r) === row.getAttribute("data-expect-server");
                out.textContent = seen + "; " + T.server + describeServer(r) + " " + (ok ? T.match : T.differ);
                out.setAttribute("data-result", JSON.stringify({
                    code: ev.code, reason: ev.reason, wasClean: ev.wasClean, server: serverKey(r), ok: ok
                }));
            });
        };
    }
    // Is the lab here? `closecodes serve` answers /lab/ with its index.
    fetch(new URL("lab/", siteRoot).href, { cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .catch(function () { return ""; })
        .then(function (text) {
            var live = text.indexOf("Close Codes lab") === 0;
            Array.prototype.forEach.call(panels, function (panel) {
                panel.classList.add(live ? "cc-lab-live" : "cc-lab-offline");
                var note = panel.querySelector(".cc-lab-static");
                if (note) note.hidden = live;
                Array.prototype.forEach.call(panel.querySelectorAll("tr[data-endpoint]"), function (row) {
                    var button = row.querySelector(".cc-lab-try");
                    if (!button) return;
                    button.disabled = !live;
                    button.addEventListener("click", function () { run(row); });
                });
            });
        });
})();
