// Close Codes: search on top of mdBook's own search (searcher.js), in both languages.
//
// - Server mode (the site is served by `closecodes serve`, which answers /api/search): results come
//   from the server in the page's language. mdBook's list and header are swapped for fresh copies
//   (same ids, same styles), so elasticlunr keeps writing into detached nodes nobody sees.
// - Browser mode (a site `closecodes build` wrote, on a static host: its pages carry
//   <meta name="closecodes-search">): the same search engine compiled to WebAssembly answers in
//   the page, from the index the build wrote, and from the few files of the pages' body words
//   each query's words fall in. Nothing of it is fetched until the reader focuses
//   the search bar (or presses S or /); mdBook's own index is never loaded. Until the engine is
//   ready, a number or range is answered at once from the registered codes this script knows.
// - Static mode (neither: plain `mdbook serve`): mdBook's elasticlunr results stay; a number or
//   range typed in the bar gets a first result linking its page, and the Chinese build says that
//   full-text Chinese search needs the server.
//
// Safety: text from the URL, the bar or the API is written with textContent only. The one HTML
// input is the server's snippet (already escaped by the server); it is parsed inertly and only
// text and <mark> are kept. No eval, no inline handlers, no external requests.
/* global path_to_root */
(function () {
    "use strict";
    const bar = document.getElementById("mdbook-searchbar");
    const barOuter = document.getElementById("mdbook-searchbar-outer");
    const outer = document.getElementById("mdbook-searchresults-outer");
    let list = document.getElementById("mdbook-searchresults");
    let header = document.getElementById("mdbook-searchresults-header");
    // No mdBook search on this page (search disabled in the build): nothing to cooperate with.
    if (!bar || !outer || !list || !header || !window.fetch || !window.URL) return;

    // Browser mode's module (site.rs writes the meta), and mdBook's index kept from loading: its
    // loader skips the download when an element with this id exists.
    const moduleMeta = document.querySelector('meta[name="closecodes-search"]');
    const moduleName = moduleMeta && /^[\w.-]+\.wasm$/.test(moduleMeta.content) ? moduleMeta.content : "";
    if (moduleName && !document.getElementById("mdbook-search-index")) {
        const stop = document.createElement("template");
        stop.id = "mdbook-search-index";
        document.head.append(stop);
    }

    const zh = /^zh\b/i.test(document.documentElement.lang || "");
    const lang = zh ? "zh" : "en";
    const T = zh ? {
        count: (n, q) => n ? "“" + q + "”共 " + n + " 条结果：" : "没有找到“" + q + "”的结果。",
        notCode: (q) => q + " 不是关闭码（取值范围 0–4999）",
        hint: "中文全文搜索需要 closecodes serve 服务器；这里只能按关闭码编号查找。",
        searching: "搜索中…",
        failed: "搜索失败，请稍后再试。",
        code: (c) => "关闭码 " + c,
        range: (r) => r + " 区间",
        inRange: (r) => "没有单独的条目，属于 " + r + " 区间。",
    } : {
        count: (n, q) => n ? n + (n === 1 ? " result" : " results") + " for “" + q + "”:" : "No results for “" + q + "”.",
        notCode: (q) => q + ": not a close code (0–4999)",
        hint: "",
        searching: "Searching…",
        failed: "Search failed; please try again.",
        code: (c) => "Close code " + c,
        range: (r) => "Range " + r,
        inRange: (r) => "No article of its own; it falls in the range " + r + ".",
    };

    // Site root: mdBook's `path_to_root` points at this build's root; the Chinese build is /zh/.
    const bookRoot = new URL((typeof path_to_root === "string" && path_to_root) || "./", location.href);
    const siteRoot = zh ? new URL("../", bookRoot) : bookRoot;
    // A site-absolute path from codes.json or the API ("/codes/1006.html", "zh/codes/1006.html")
    // resolved under the site root; anything that leaves this origin is refused.
    function siteUrl(path) {
        if (typeof path !== "string" || /^\/\/|^[a-z][a-z0-9+.-]*:/i.test(path)) return null;
        const u = new URL(path.replace(/^\/+/, ""), siteRoot);
        return u.origin === siteRoot.origin && u.href.indexOf(siteRoot.href) === 0 ? u.href : null;
    }
    const apiUrl = (q, limit) => siteRoot.href + "api/search?q=" + encodeURIComponent(q) +
        "&lang=" + lang + "&limit=" + limit;
    const rangeText = (r) => r[0] + "–" + r[1];

    function el(tag, cls, text) {
        const e = document.createElement(tag);
        if (cls) e.className = cls;
        if (text !== undefined) e.textContent = text;
        return e;
    }
    // One result in mdBook's own markup: <li><a>label title</a><span class="teaser">…</span></li>.
    function resultItem(href, label, title, teaser) {
        const li = el("li"), a = el("a");
        a.href = href;
        // Range titles repeat the numbers ("4000–4999: private use"); the label already shows them.
        if (label && title.indexOf(label) === 0) title = title.slice(label.length).replace(/^\s*[:：]\s*/, "") || title;
        a.append(el("span", "closecodes-search-label", label), " ", el("span", "closecodes-search-title", title));
        li.append(a);
        if (teaser) li.append(teaser);
        return li;
    }
    function setHeader(main, extra) {
        header.textContent = main;
        for (const t of extra) if (t) header.append(" ", el("span", "closecodes-search-notice", t));
    }

    let mode = "detecting"; // then "server", "browser" or "static"

    // ---------------------------------------------------------------- static mode: number fast path
    let codes = null;       // {byCode: Map(code → {href, title}), ranges: [{lo, hi, href, title}]}
    let codesLoading = false;
    function fallbackCodes() {
        const byCode = new Map(), ranges = [];
        for (let c = 1000; c <= 1015; c++) byCode.set(c, {href: siteUrl((zh ? "zh/" : "") + "codes/" + c + ".html"), title: T.code(c)});
        for (const r of [[0, 999], [1016, 1999], [2000, 2999], [3000, 3999], [4000, 4999]]) {
            ranges.push({lo: r[0], hi: r[1], href: siteUrl((zh ? "zh/" : "") + "codes/" + r[0] + "-" + r[1] + ".html"), title: T.range(rangeText(r))});
        }
        return {byCode, ranges};
    }
    function loadCodes() {
        if (codes || codesLoading) return;
        codesLoading = true;
        fetch(siteRoot.href + "codes.json", {headers: {Accept: "application/json"}})
            .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
            .then((json) => {
                const byCode = new Map(), ranges = [];
                for (const e of json.entries || []) {
                    const href = siteUrl(e.url && e.url[lang]);
                    const title = String((e[lang] && e[lang].title) || e.name || "");
                    if (!href) continue;
                    if (Number.isInteger(e.code)) byCode.set(e.code, {href, title});
                    else if (Array.isArray(e.range)) ranges.push({lo: +e.range[0], hi: +e.range[1], href, title});
                }
                // Codes that public protocols define have a page of their own ("in the wild").
                for (const p of json.protocols || []) {
                    for (const c of p.codes || []) {
                        if (!Number.isInteger(c.code) || byCode.has(c.code)) continue;
                        const href = siteUrl((lang === "zh" ? "zh/" : "") + "codes/" + c.code + ".html");
                        byCode.set(c.code, {href, title: p.name + ": " + String(c.name || "")});
                    }
                }
                if (!byCode.size && !ranges.length) throw new Error("empty codes.json");
                codes = {byCode, ranges};
            })
            .catch(() => { codes = fallbackCodes(); }) // plain `mdbook serve`, file://, old builds
            .then(decorate);
    }
    // What a numeric query means: {link: <li>} or {notice: text}, or null for ordinary text.
    function fastPath(q, known) {
        const m = /^(\d{1,9})(?:\s*[-–—~]\s*(\d{1,9}))?$/.exec(q);
        if (!m) return null;
        const lo = +m[1], hi = m[2] === undefined ? lo : +m[2];
        if (lo > 4999 || hi > 4999) return {notice: T.notCode(hi > 4999 && lo <= 4999 ? hi : lo)};
        if (lo > hi) return null;
        const table = known || codes;
        if (!table) { loadCodes(); return null; }
        const page = lo === hi && table.byCode.get(lo);
        if (page) return {link: resultItem(page.href, String(lo), page.title)};
        const r = table.ranges.find((x) => x.lo <= lo && hi <= x.hi);
        if (!r) return null;
        const label = rangeText([r.lo, r.hi]);
        if (lo !== hi) return {link: resultItem(r.href, label, r.title)};
        // A code without an article: its range page, anchored (closecodes.js explains it there).
        return {link: resultItem(r.href + "#" + lo, String(lo), r.title, el("span", "teaser", T.inRange(label)))};
    }
    // Runs after every change mdBook makes to its list or header, and on every keystroke.
    const observer = new MutationObserver(() => decorate());
    function observe() {
        observer.observe(list, {childList: true});
        observer.observe(header, {childList: true, characterData: true, subtree: true});
    }
    function decorate() {
        if (mode !== "static") return;
        observer.disconnect(); // our own edits must not re-trigger us
        const q = bar.value.trim();
        for (const old of list.querySelectorAll("li.closecodes-fastpath")) old.remove();
        const fp = q ? fastPath(q) : null;
        if (fp && fp.link) {
            fp.link.classList.add("closecodes-fastpath");
            list.prepend(fp.link);
        }
        // Before elasticlunr's index is loaded mdBook shows nothing; show our part anyway.
        const indexReady = Array.isArray(window.search && window.search.doc_urls);
        if (q && (fp || zh || indexReady)) {
            setHeader(T.count(list.children.length, q), [fp && fp.notice, T.hint]);
            outer.classList.remove("hidden");
        }
        observe();
    }

    // ---------------------------------------------------------------- server mode
    let timer = 0, controller = null, active = -1, enterPending = false;
    // Pause after a keystroke before searching: a request to the server per pause; in the page
    // a search takes a few milliseconds.
    let delay = 120;
    function highlight(i) {
        const items = list.children;
        if (active >= 0 && items[active]) items[active].classList.remove("focus");
        active = Math.max(-1, Math.min(i, items.length - 1));
        if (active >= 0) {
            items[active].classList.add("focus");
            items[active].scrollIntoView({block: "nearest"});
        }
    }
    function openItem(i) {
        const a = list.children[i] && list.children[i].querySelector("a");
        if (a) location.assign(a.href);
    }
    // The server's snippet: parsed inertly (a <template> runs nothing), then only text and
    // <mark> elements (without attributes) are copied into the page.
    function snippet(html) {
        const t = document.createElement("template"), out = el("span", "teaser");
        t.innerHTML = typeof html === "string" ? html : "";
        (function copy(from, to) {
            for (const n of from.childNodes) {
                if (n.nodeType === Node.TEXT_NODE) to.append(n.data);
                else if (n.nodeName === "MARK") copy(n, to.appendChild(el("mark")));
                else if (n.nodeType === Node.ELEMENT_NODE) copy(n, to);
            }
        })(t.content, out);
        return out;
    }
    function render(data, q) {
        list.textContent = "";
        active = -1;
        for (const r of Array.isArray(data.results) ? data.results : []) {
            const href = r && siteUrl(r.url);
            if (!href) continue;
            const label = Number.isInteger(r.code) ? String(r.code) : Array.isArray(r.range) ? rangeText(r.range) : "";
            list.append(resultItem(href, label, String(r.title || ""), snippet(r.snippet)));
        }
        setHeader(T.count(list.children.length, typeof data.query === "string" ? data.query : q),
            [typeof data.notice === "string" ? data.notice : ""]);
        outer.classList.remove("hidden");
        if (enterPending && list.children.length) openItem(0);
        enterPending = false;
    }
    function runQuery() {
        clearTimeout(timer);
        timer = 0;
        if (controller) controller.abort(); // a newer query makes the older answer stale
        const q = bar.value.trim();
        if (!q) {
            list.textContent = "";
            outer.classList.add("hidden");
            return;
        }
        const mine = controller = new AbortController();
        if (barOuter) barOuter.classList.add("searching");
        answer(q, 10, mine.signal)
            .then((data) => { if (controller === mine) render(data || {}, q); }, (err) => {
                if (err.name === "AbortError") return;
                list.textContent = "";
                setHeader(T.failed, []);
                outer.classList.remove("hidden");
            })
            .then(() => {
                if (controller === mine) { controller = null; if (barOuter) barOuter.classList.remove("searching"); }
            });
    }
    // The answer to a query, from the server or from the engine in the page.
    let answer = (q, limit, signal) =>
        fetch(apiUrl(q, limit), {signal, headers: {Accept: "application/json"}})
            .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); });

    // ---------------------------------------------------------------- browser mode
    const INDEX_FILE = "search-index.bin"; // site::SEARCH_INDEX
    // The pages' long prose (site::SEARCH_PROSE): the index ranks without it; snippets drawn
    // from whole pages need it. Fetched after the first answer, so it never delays one.
    const PROSE_FILE = "search-prose.bin";
    // The words of the pages' bodies, cut by term into files (search::shard_file): a query
    // fetches the few its words fall in, which the engine names.
    const shardFile = (k) => "search-body/" + String(k).padStart(3, "0") + ".bin";
    let engine = null; // a promise of {search(q, limit) → the /api/search answer, attach(bytes)}
    let module = null; // a promise of the module's instance, once asked for
    let opened = false; // the index is open: the engine names the shards a query needs
    const shardBytes = new Map(); // shard number → a promise of its bytes
    const fetchShard = (k) => {
        if (!shardBytes.has(k)) {
            const p = fetch(siteRoot.href + shardFile(k))
                .then((r) => { if (!r.ok) throw new Error(r.status); return r.arrayBuffer(); });
            p.catch(() => shardBytes.delete(k)); // a later query tries again
            shardBytes.set(k, p);
        }
        return shardBytes.get(k);
    };
    // While the index downloads and opens, the shards of the query's own words (the module
    // finds them without an index) download too.
    function prefetch(q) {
        if (!module || opened) return;
        module.then((wasm) => {
            const x = wasm.instance.exports;
            if (opened || typeof x.cc_likely !== "function") return;
            const u8 = new TextEncoder().encode(q);
            const p = x.cc_alloc(u8.length);
            new Uint8Array(x.memory.buffer, p, u8.length).set(u8);
            const n = x.cc_likely(p, u8.length);
            JSON.parse(new TextDecoder().decode(new Uint8Array(x.memory.buffer, x.cc_out(), n)))
                .forEach(fetchShard);
        }, () => {});
    }
    let prose = null; // a promise, once the prose was asked for: true when attached
    let proseAsked = false; // the fetch after the first answer is scheduled
    function loadEngine() {
        if (engine) return engine;
        const base = siteRoot.href;
        const instantiate = () => {
            const plain = () => fetch(base + moduleName)
                .then((r) => { if (!r.ok) throw new Error(r.status); return r.arrayBuffer(); })
                .then((b) => WebAssembly.instantiate(b, {}));
            // Streaming compiles while it downloads; it needs the host to send application/wasm.
            return WebAssembly.instantiateStreaming
                ? WebAssembly.instantiateStreaming(fetch(base + moduleName), {}).catch(plain)
                : plain();
        };
        const index = fetch(base + INDEX_FILE)
            .then((r) => { if (!r.ok) throw new Error(r.status); return r.arrayBuffer(); });
        module = instantiate();
        engine = Promise.all([module, index]).then(([wasm, bytes]) => {
            const x = wasm.instance.exports;
            const put = (u8) => {
                const p = x.cc_alloc(u8.length);
                new Uint8Array(x.memory.buffer, p, u8.length).set(u8);
                return p;
            };
            const idx = new Uint8Array(bytes);
            if (!x.cc_open(put(idx), idx.length)) throw new Error("the search index cannot be opened");
            opened = true;
            const enc = new TextEncoder(), dec = new TextDecoder();
            const shards = new Map(); // shard number → a promise of it attached
            const shard = (k) => {
                if (!shards.has(k)) {
                    const p = fetchShard(k)
                        .then((b) => {
                            const u8 = new Uint8Array(b);
                            if (x.cc_shard(put(u8), u8.length) !== k + 1) throw new Error("search shard " + k);
                        });
                    p.catch(() => shards.delete(k)); // a later query tries again
                    shards.set(k, p);
                }
                return shards.get(k);
            };
            const ask = (q, limit) => {
                const u8 = enc.encode(q);
                const n = x.cc_search(put(u8), u8.length, zh ? 1 : 0, limit);
                return JSON.parse(dec.decode(new Uint8Array(x.memory.buffer, x.cc_out(), n)));
            };
            return {
                attach(u8) { return x.cc_attach(put(u8), u8.length) === 1; },
                // The answer once the shards the query's words fall in are attached; a query's
                // first words can choose others (a second round, rarely).
                search(q, limit, round = 0) {
                    const answer = ask(q, limit);
                    if (!answer.need) return Promise.resolve(answer);
                    if (round > 8) return Promise.reject(new Error("search shards"));
                    return Promise.all(answer.need.map(shard))
                        .then(() => this.search(q, limit, round + 1));
                },
            };
        });
        engine.catch(() => { engine = null; module = null; }); // a later focus tries again
        return engine;
    }
    function loadProse() {
        if (prose) return prose;
        const bytes = fetch(siteRoot.href + PROSE_FILE)
            .then((r) => { if (!r.ok) throw new Error(r.status); return r.arrayBuffer(); });
        // Without it, snippets stay drawn from titles and summaries: no second try.
        prose = Promise.all([loadEngine(), bytes])
            .then(([e, b]) => e.attach(new Uint8Array(b)))
            .catch(() => false);
        return prose;
    }
    let engineReady = false;
    function startBrowserMode() {
        delay = 30;
        answer = (q, limit, signal) => {
            // A number needs no engine: answered at once while it loads, from the registered
            // codes and ranges this script knows (the engine's answer follows).
            const fp = engineReady ? null : fastPath(q, fallbackCodes());
            if (fp && fp.link) {
                list.textContent = "";
                list.append(fp.link);
                setHeader(T.count(1, q), []);
                outer.classList.remove("hidden");
            }
            const loading = loadEngine();
            prefetch(q);
            return loading.then((e) => {
                engineReady = true;
                if (signal && signal.aborted) throw new DOMException("stale", "AbortError");
                return e.search(q, limit).then((found) => {
                    if (!proseAsked) {
                        proseAsked = true;
                        // After this answer is on screen: then the shown list is asked again,
                        // for snippets from whole pages.
                        setTimeout(() => loadProse().then((ok) => {
                            if (ok && bar.value.trim() && !outer.classList.contains("hidden")) runQuery();
                        }), 0);
                    }
                    return found;
                });
            });
        };
        // searcher.js marks the bar busy on every key and, with no index of its own, never
        // clears it; its handler runs first.
        bar.addEventListener("keyup", () => { if (!controller && barOuter) barOuter.classList.remove("searching"); });
        const warm = () => { loadEngine(); };
        bar.addEventListener("focus", warm);
        if (document.activeElement === bar) warm();
        // For tests and the console: the same object /api/search answers.
        window.closecodesSearch = (q, limit) => loadEngine()
            .then((e) => loadProse().then(() => e.search(String(q), limit || 10)));
        startRankedMode();
    }

    // Server and browser mode: our own list, filled from `answer`.
    function startRankedMode() {
        // Swap mdBook's list and header for empty copies: searcher.js keeps references to the old
        // ones and may go on filling them, out of the document.
        const newList = list.cloneNode(false), newHeader = header.cloneNode(false);
        list.replaceWith(newList);
        header.replaceWith(newHeader);
        list = newList;
        header = newHeader;
        outer.classList.add("hidden");
        bar.addEventListener("input", (e) => {
            if (e.isComposing) return; // wait for the IME to finish (compositionend)
            clearTimeout(timer);
            timer = setTimeout(runQuery, delay);
        });
        bar.addEventListener("compositionend", () => { clearTimeout(timer); timer = setTimeout(runQuery, delay); });
        // Keys in the bar: handled here and stopped, so searcher.js does not act on its hidden
        // list. Focus stays in the bar, so window.search.hasFocus() stays true and book.js does
        // not turn arrow keys into chapter navigation. Escape is left to searcher.js.
        bar.addEventListener("keydown", (e) => {
            if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.isComposing) return;
            if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "Enter") return;
            e.preventDefault();
            e.stopPropagation();
            if (e.key === "ArrowDown") highlight(active + 1);
            else if (e.key === "ArrowUp") highlight(active - 1);
            else if (timer || controller) { enterPending = true; runQuery(); } // results not current yet
            else openItem(active >= 0 ? active : 0);
        });
        if (bar.value.trim()) runQuery(); // opened with ?search=… or typed during detection
    }

    // ---------------------------------------------------------------- mode detection, once a page
    const probe = new AbortController();
    const probeTimer = setTimeout(() => probe.abort(), 3000);
    fetch(apiUrl("1000", 1), {signal: probe.signal, headers: {Accept: "application/json"}})
        .then((r) => r.ok ? r.json() : null)
        .then((j) => !!(j && Array.isArray(j.results)), () => false)
        .then((server) => {
            clearTimeout(probeTimer);
            mode = server ? "server" : moduleName && window.WebAssembly ? "browser" : "static";
            if (mode === "server") {
                startRankedMode();
            } else if (mode === "browser") {
                startBrowserMode();
            } else {
                observe();
                bar.addEventListener("input", decorate);
                decorate();
            }
        });
})();
