// The explorer: a graph that grows by double-clicking, the penetration tree, and the entity page.
// Every text from the data goes into the page as text (textContent, vis-network titles as text),
// never as markup; data arrives only as JSON from /api.
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var LANG = params.get("lang") || "";
  var messages = {};
  function t(text) { return messages[text] || text; }
  function fmt(text, values) {
    return t(text).replace(/\{(\w+)\}/g, function (_, k) { return values[k] === undefined ? "" : String(values[k]); });
  }

  var KIND_COLORS = {company: "#1f77b4", person: "#e377c2", organization: "#2ca02c", address: "#bcbd22", contact: "#17becf"};
  var TIER_COLORS = {confirmed: "#67000d", red: "#d62728", orange: "#fd8d3c", yellow: "#fdd835"};
  var CHAIN = "#d62728", EVIDENCE = "#6a3d9a";
  var KIND_NAMES = {company: "company", person: "natural person", organization: "other organization",
                    address: "address", contact: "phone / e-mail"};

  // Every table keyed by an id has no prototype: an id may be "constructor", "toString" or "__proto__".
  function table(from) {
    var out = Object.create(null);
    if (from) Object.keys(from).forEach(function (k) { out[k] = from[k]; });
    return out;
  }
  var state = {center: null, mode: "graph", chain: table(), chainNodes: table(), answer: table(), events: table(),
               offsets: table(), moreCount: table(), pinned: table()};
  var nodes, edges, network;
  var $ = function (id) { return document.getElementById(id); };

  function api(path, query) {
    var q = new URLSearchParams(query || {});
    if (LANG) q.set("lang", LANG);
    var text = q.toString();
    return fetch(path + (text ? "?" + text : ""), {credentials: "same-origin"}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || r.statusText);
        return body;
      });
    });
  }

  function status(text, isError) {
    var s = $("status");
    s.textContent = visible(String(text));
    s.className = isError ? "error" : "";
  }

  function filters() {
    var kinds = Array.prototype.filter.call(document.querySelectorAll("input[name=kind]"), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
    var q = {kinds: kinds.join(",") || "none"};
    var share = $("min-share").value;
    if (share && Number(share) > 0) q.min_share = share;
    if ($("as-of").value) q.as_of = $("as-of").value;
    return q;
  }

  function hashColour(text) {
    var h = 0;
    for (var i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) % 360;
    return "hsl(" + h + ", 65%, 55%)";
  }

  function fill(n) {
    var mode = $("colour").value;
    if (mode === "chain") return state.chainNodes[n.id] ? CHAIN : (state.answer[n.id] ? EVIDENCE : "#cccccc");
    if (mode === "group") return n.group ? hashColour("g" + n.group) : "#dddddd";
    if (mode === "cluster") return n.cluster !== undefined && n.cluster !== null ? hashColour("c" + n.cluster) : "#dddddd";
    if (mode === "risk") return TIER_COLORS[n.risk_tier] || "#dddddd";
    return KIND_COLORS[n.kind] || "#999999";
  }

  function tooltip(n) {
    var lines = [visible(n.name), t(KIND_NAMES[n.kind] || n.kind) + " · " + visible(n.id)];
    if (n.reg_no) lines.push(t("registration no.") + " " + n.reg_no);
    if (n.status) lines.push(t("status") + " " + n.status);
    if (n.stake_high !== undefined) lines.push(fmt("integrated stake {stake}", {stake: pct(n.stake_low, n.stake_high)}));
    if (n.group) lines.push(t("enterprise group") + " " + n.group);
    if (n.cluster !== undefined && n.cluster !== null) lines.push(t("cluster") + " " + n.cluster);
    if (n.risk_tier) lines.push(t("risk tier") + " " + t(n.risk_tier) + (n.risk_score !== undefined ? " (" + Number(n.risk_score).toFixed(2) + ")" : ""));
    var why = state.answer[n.id];
    if (why) lines.push(t(why) + (n.beyond ? " " + t("(drawn beyond the hop limit)") : ""));
    if (state.events[n.id]) lines.push(fmt("{count} risk events", {count: state.events[n.id]}));
    return lines.join("\n");
  }

  function pct(low, high) {
    var a = (low * 100).toFixed(2), b = (high * 100).toFixed(2);
    return a === b ? a + " %" : a + "–" + b + " %";
  }

  function visNode(n) {
    if (n.fold) return foldNode(n);
    var party = n.kind === "company" || n.kind === "person" || n.kind === "organization";
    var name = visible(n.name);
    var label = name.length > 18 ? name.slice(0, 17) + "…" : name;
    if (state.mode === "tree" && n.stake_high !== undefined) label += "\n" + pct(n.stake_low, n.stake_high);
    if (state.mode === "tree" && n.controller) label = "★ " + t("actual controller") + "\n" + label;
    var colour = fill(n);
    var ring = state.events[n.id] || (state.mode === "tree" && n.controller) ? CHAIN :
      (state.answer[n.id] && state.answer[n.id].indexOf("evidence") === 0 ? EVIDENCE : colour);
    var out = {id: vid(n.id), label: label, title: tooltip(n), data: n, shape: n.beyond ? "diamond" : (state.mode === "tree" ? "box" : "dot"),
               color: {background: state.mode === "tree" ? "#ffffff" : colour, border: state.mode === "tree" ? colour : ring},
               borderWidth: state.events[n.id] || state.answer[n.id] || (state.mode === "tree" && n.controller) ? 3 : 1,
               size: n.id === state.center ? 26 : (party ? 15 : 7),
               font: {size: n.id === state.center ? 14 : (party ? 11 : 8), color: party ? "#222" : "#777",
                      face: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, Arial"}};
    if (state.mode === "tree") out.level = n.level;
    if (state.pinned[n.id]) { out.fixed = {x: true, y: true}; out.borderWidth = 4; }
    return out;
  }

  function visEdge(e) {
    var onChain = state.chain[e.from + "|" + e.to];
    var out = {id: "e:" + e.id, from: vid(e.from), to: vid(e.to), data: e, title: t(e.kind) + ": " + e.label};
    if (e.kind === "holding") {
      out.label = e.label; out.arrows = "to"; out.color = onChain ? CHAIN : "#7f7f7f"; out.width = onChain ? 4 : 1.5;
    } else if (e.kind === "officer") {
      out.label = e.label; out.arrows = "to"; out.dashes = true; out.color = "#9467bd";
    } else if (e.kind === "link") {
      out.dashes = [2, 4]; out.color = state.answer[e.from] && state.answer[e.to] ? EVIDENCE : "#999999";
    } else {
      out.label = t(e.label.replace(/_/g, " ")); out.dashes = [8, 4]; out.color = onChain ? CHAIN : "#8c564b"; out.arrows = "to";
    }
    out.font = {size: 9, align: "middle"};
    return out;
  }

  // The tree's levels beyond the third are folded into one node a side (their text would be too small to
  // read at fit), all but the control path and the actual controller; a double-click unfolds them.
  var FOLD_BEYOND = 3;
  function foldDeep(view) {
    state.folded = {};
    state.treeEdges = view.edges;
    var shown = view.nodes.filter(function (n) {
      if (Math.abs(n.level) <= FOLD_BEYOND || state.chainNodes[n.id] || n.controller) return true;
      var side = n.level < 0 ? "up" : "down";
      (state.folded[side] = state.folded[side] || []).push(n);
      return false;
    });
    Object.keys(state.folded).forEach(function (side) {
      var count = state.folded[side].length, deepest = 0;
      state.folded[side].forEach(function (n) { deepest = Math.max(deepest, Math.abs(n.level)); });
      shown.push({id: "fold:" + side, kind: "fold", name: "", level: (side === "up" ? -1 : 1) * (FOLD_BEYOND + 1),
                  fold: side, count: count, deepest: deepest});
    });
    return shown;
  }

  function foldNode(n) {
    var text = fmt("+{count} on levels {first}–{last}: double-click to unfold", {count: n.count, first: FOLD_BEYOND + 1, last: n.deepest});
    return {id: "fold:" + n.fold, label: text, title: text, shape: "box", level: n.level, data: n,
            color: {background: "#eeeeee", border: "#aaaaaa"}, font: {size: 12}};
  }

  function unfold(side) {
    var deep = state.folded[side] || [];
    delete state.folded[side];
    nodes.remove("fold:" + side);
    nodes.add(deep.map(visNode));
    edges.update(state.treeEdges.filter(function (e) { return nodes.get(vid(e.from)) && nodes.get(vid(e.to)); }).map(visEdge));
    legend();
    document.body.setAttribute("data-nodes", String(nodes.length));
    document.body.setAttribute("data-expanded", "fold:" + side);
  }

  // A hub opened page after page becomes a star no label of which can be read: its neighbours tied to
  // nothing else drawn (and not part of the answer, nor pinned) fold back into its "+N more" node.
  function foldLeaves(id) {
    var hub = vid(id), center = state.center ? vid(state.center) : null;
    var leaves = network.getConnectedNodes(hub).filter(function (v) {
      var n = nodes.get(v);
      if (!n || !n.data || n.data.more !== undefined || n.data.fold || v === center) return false;
      if (state.answer[n.data.id] || state.chainNodes[n.data.id] || state.pinned[n.data.id]) return false;
      return network.getConnectedNodes(v).length === 1;
    });
    leaves.forEach(function (v) { edges.remove(network.getConnectedEdges(v)); });
    nodes.remove(leaves);
    if (leaves.length) {
      state.offsets[id] = 0;  // opened again from the first page; what is drawn already stays as it is
      setMore(id, (state.moreCount[id] || 0) + leaves.length);
    }
    return leaves.length;
  }

  function moreNode(hub, count) {
    return {id: moreId(hub), label: fmt("+{count} more", {count: count}), shape: "box", size: 10,
            title: fmt("{count} more neighbours not drawn: double-click to open them", {count: count}),
            color: {background: "#eeeeee", border: "#aaaaaa"}, font: {size: 10}, data: {more: hub}};
  }

  function setMore(hub, count) {
    var id = moreId(hub);
    state.moreCount[hub] = Math.max(count, 0);
    if (count > 0) {
      nodes.update(moreNode(hub, count));
      edges.update({id: "me:" + hub, from: vid(hub), to: id, dashes: true, color: "#bbbbbb"});
    } else {
      nodes.remove(id);
      edges.remove("me:" + hub);
    }
  }

  function ensureNetwork() {
    if (network) return;
    nodes = new vis.DataSet();
    edges = new vis.DataSet();
    network = new vis.Network($("graph"), {nodes: nodes, edges: edges}, options());
    network.on("doubleClick", function (event) {
      if (!event.nodes.length) return;
      var node = nodes.get(event.nodes[0]);
      if (!node || !node.data) return;
      if (node.data.more !== undefined) return expand(node.data.more);
      if (node.data.fold) return unfold(node.data.fold);
      if (state.mode === "tree") return treeOpen(node.data.id);
      expand(node.data.id);
    });
    network.on("click", function (event) {
      var node = event.nodes.length ? nodes.get(event.nodes[0]) : null;
      if (node && node.data && node.data.more === undefined && !node.data.fold) showEntity(node.data.id, false);
    });
    window.equitygraph = {network: network, nodes: nodes, edges: edges, expand: expand, open: openEntity, state: state,
                          vid: vid, moreId: moreId};
  }

  function options() {
    var tree = state.mode === "tree";
    return {
      layout: tree ? {hierarchical: {enabled: true, direction: "UD", sortMethod: "directed", levelSeparation: 130,
                                     nodeSpacing: 170, shakeTowards: "roots"}} : {hierarchical: {enabled: false}},
      physics: tree ? {enabled: false} : {solver: "barnesHut", barnesHut: {gravitationalConstant: -5000, springLength: 130},
                                          stabilization: {iterations: 150}},
      interaction: {hover: true, tooltipDelay: 120, multiselect: true},
      edges: {smooth: tree ? {type: "cubicBezier", forceDirection: "vertical"} : {type: "dynamic"}}
    };
  }

  function draw(view) {
    ensureNetwork();
    network.setOptions(options());
    state.events = table(view.events);
    state.chain = table();
    state.chainNodes = table();
    (view.chain || []).forEach(function (c) { state.chain[c[0] + "|" + c[1]] = true; state.chainNodes[c[0]] = state.chainNodes[c[1]] = true; });
    state.answer = table();
    view.nodes.forEach(function (n) { if (n.answer) state.answer[n.id] = n.answer; });
    state.offsets = table();
    state.moreCount = table();
    nodes.clear(); edges.clear();
    var shown = state.mode === "tree" ? foldDeep(view) : view.nodes;
    nodes.add(shown.map(visNode));
    edges.add(view.edges.filter(function (e) { return nodes.get(vid(e.from)) && nodes.get(vid(e.to)); }).map(visEdge));
    var next = table(view.next);
    Object.keys(view.more || {}).forEach(function (hub) {
      state.offsets[hub] = next[hub] || 0; setMore(hub, view.more[hub]);
    });
    settle();
  }

  // Physics lays nodes out by their size, not their labels': where two labels (with their nodes) still
  // overlap once it has settled, the two are pushed apart along the axis they overlap least on.
  var LABEL_ROUNDS = 40, LABEL_GAP = 4;
  function separateLabels() {
    var ids = nodes.getIds(), at = network.getPositions(ids), boxes = {};
    ids.forEach(function (id) {
      var b = network.getBoundingBox(id), p = at[id];
      if (b && p) boxes[id] = {left: b.left - p.x, right: b.right - p.x, top: b.top - p.y, bottom: b.bottom - p.y};
    });
    var moving = ids.filter(function (id) { return boxes[id]; });
    for (var round = 0; round < LABEL_ROUNDS; round++) {
      var moved = false;
      for (var i = 0; i < moving.length; i++) {
        for (var j = i + 1; j < moving.length; j++) {
          var a = moving[i], b = moving[j], pa = at[a], pb = at[b], ba = boxes[a], bb = boxes[b];
          var ox = Math.min(pa.x + ba.right, pb.x + bb.right) - Math.max(pa.x + ba.left, pb.x + bb.left) + LABEL_GAP;
          var oy = Math.min(pa.y + ba.bottom, pb.y + bb.bottom) - Math.max(pa.y + ba.top, pb.y + bb.top) + LABEL_GAP;
          if (ox <= 0 || oy <= 0) continue;
          var fixedA = a === vid(state.center) || nodes.get(a).fixed, fixedB = b === vid(state.center) || nodes.get(b).fixed;
          if (fixedA && fixedB) continue;
          var shareA = fixedA ? 0 : (fixedB ? 1 : 0.5), shareB = 1 - shareA;
          if (oy <= ox) {
            var down = pa.y <= pb.y ? 1 : -1;
            pa.y -= down * oy * shareA; pb.y += down * oy * shareB;
          } else {
            var right = pa.x <= pb.x ? 1 : -1;
            pa.x -= right * ox * shareA; pb.x += right * ox * shareB;
          }
          moved = true;
        }
      }
      if (!moved) break;
    }
    moving.forEach(function (id) { network.moveNode(id, at[id].x, at[id].y); });
  }

  function settle() {
    var done = function () {
      if (state.mode !== "tree") { network.setOptions({physics: {enabled: false}}); separateLabels(); }
      network.fit();
      legend();
      document.body.setAttribute("data-nodes", String(nodes.length));
      document.body.setAttribute("data-ready", String(Date.now()));
    };
    if (state.mode === "tree") { setTimeout(done, 50); return; }
    network.once("stabilizationIterationsDone", done);
    network.stabilize(150);
  }

  function expand(id) {
    if (state.mode === "tree") return treeOpen(id);
    var q = filters();
    q.offset = state.offsets[id] || 0;
    status(t("Loading…"));
    return api("/api/neighbours/" + encodeURIComponent(id), q).then(function (page) {
      Object.assign(state.events, page.events || {});
      page.nodes.forEach(function (n) { if (!nodes.get(vid(n.id))) nodes.add(visNode(n)); });
      page.edges.forEach(function (e) { if (nodes.get(vid(e.from)) && nodes.get(vid(e.to))) edges.update(visEdge(e)); });
      state.offsets[id] = page.offset + page.nodes.length;
      setMore(id, page.more);
      status(fmt("{shown} of {total} neighbours of {id} shown", {shown: state.offsets[id], total: page.total, id: id}));
      // Lay the new nodes out, then hold the picture still while it is read.
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({physics: {enabled: false}});
        legend();
        document.body.setAttribute("data-nodes", String(nodes.length));
        document.body.setAttribute("data-expanded", id + ":" + state.offsets[id]);
      });
      network.setOptions({physics: {enabled: true}});
      network.stabilize(80);
    }).catch(function (err) { status(err.message, true); });
  }

  function openGraph(id) {
    state.mode = "graph"; markMode();
    status(t("Loading…"));
    return api("/api/view/" + encodeURIComponent(id), filters()).then(function (view) {
      draw(view);
      status(view.controllers.length ? fmt("actual controller: {names}", {names: view.controllers.map(function (c) {
        var n = nodes.get(vid(c)); return n ? n.data.name : c; }).join(", ")}) : "");
    }).catch(function (err) { status(err.message, true); });
  }

  function openTree(id) {
    state.mode = "tree"; markMode();
    status(t("Loading…"));
    var q = {up: 2, down: 1};
    if ($("as-of").value) q.as_of = $("as-of").value;
    return api("/api/tree/" + encodeURIComponent(id), q).then(function (view) {
      view.events = {};  // the tree keeps the control path (drawn red) and tags the actual controller
      draw(view);
      treeMore(view.more);
      status(t("Holders above, investments below; the share on each edge and each holder's integrated stake"));
    }).catch(function (err) { status(err.message, true); });
  }

  // One more level of the tree from a node: its holders if it sits above, its investments if below.
  function treeOpen(id) {
    var node = nodes.get(vid(id));
    if (!node || !node.data) return;
    var level = node.data.level || 0;
    var q = level <= 0 ? {up: 1, down: 0} : {up: 0, down: 1};
    if ($("as-of").value) q.as_of = $("as-of").value;
    return api("/api/tree/" + encodeURIComponent(id), q).then(function (view) {
      view.nodes.forEach(function (n) {
        if (nodes.get(vid(n.id))) return;
        n.level = level + n.level;
        nodes.add(visNode(n));
      });
      view.edges.forEach(function (e) { if (nodes.get(vid(e.from)) && nodes.get(vid(e.to))) edges.update(visEdge(e)); });
      treeMore(view.more);
      legend();
      document.body.setAttribute("data-nodes", String(nodes.length));
      document.body.setAttribute("data-expanded", id);
    }).catch(function (err) { status(err.message, true); });
  }

  function treeMore(more) {
    Object.keys(more || {}).forEach(function (key) { status(fmt("{count} more not drawn at {id}", {count: more[key], id: key})); });
  }

  function markMode() {
    $("mode-graph").className = state.mode === "graph" ? "on" : "";
    $("mode-tree").className = state.mode === "tree" ? "on" : "";
  }

  function openEntity(id) {
    if (state.center && state.center !== id) { state.previous = state.center; state.previousName = state.centerName; }
    state.center = id;
    if (location.hash !== "#/entity/" + encodeURIComponent(id)) history.pushState(null, "", "#/entity/" + encodeURIComponent(id));
    languageLinks();
    showEntity(id, true);
    return state.mode === "tree" ? openTree(id) : openGraph(id);
  }

  function showEntity(id, main) {
    var q = {};
    if ($("as-of").value) q.as_of = $("as-of").value;
    return api("/api/entity/" + encodeURIComponent(id), q).then(function (page) { renderPage(page, main); })
      .catch(function (err) { var d = $("details"); d.textContent = ""; var p = el("p", err.message); p.className = "error"; d.appendChild(p); });
  }

  function el(tag, text) { var e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = visible(String(text)); return e; }
  // Characters that reorder or hide the text around them are shown, not obeyed, as the terminal shows them.
  function visible(text) {
    return text.replace(/[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, function (c) {
      return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    });
  }
  // A name in an element of its own (<bdi>): nothing in it can reorder what follows it.
  function named(tag, text) { var e = el(tag); e.appendChild(el("bdi", text)); return e; }
  // The graph library keys its nodes by plain objects: an entity id is drawn under a prefixed id of
  // its own ("n:constructor", never "constructor" or "__proto__"), a hub's "more" node under "m:".
  function vid(id) { return "n:" + id; }
  function moreId(hub) { return "m:" + hub; }

  // A cell naming an entity ("name (ID)" or the bare id) becomes a link to it; so does a cell the
  // section links itself (an address or phone, whose id is not shown).
  function cell(text, names, linked) {
    var td = el("td");
    var value = text === null || text === undefined ? "" : String(text);
    var m = value.match(/^(.*) \(([^()]+)\)$/);
    var id = linked && names[linked] !== undefined ? linked :
             names[value] !== undefined ? value : (m && names[m[2]] !== undefined ? m[2] : null);
    if (id === null) { td.appendChild(el("bdi", value)); return td; }
    var a = named("a", value);
    a.setAttribute("data-entity", id);
    a.addEventListener("click", function () { openEntity(id); });
    td.appendChild(a);
    return td;
  }

  function renderPage(page, main) {
    var d = $("details");
    d.textContent = "";
    var h = named("h1", page.entity.name);
    d.appendChild(h);
    var meta = el("p", t(KIND_NAMES[page.entity.kind] || page.entity.kind) + " · " + page.entity.id +
                  (page.entity.reg_no ? " · " + page.entity.reg_no : ""));
    meta.className = "note";
    d.appendChild(meta);
    if (!main) {
      var go = el("button", t("Open this one"));
      go.type = "button";
      go.addEventListener("click", function () { openEntity(page.entity.id); });
      d.appendChild(go);
    }
    var names = table(page.names), sections = page.sections;
    if (sections.length && sections[0].glance) { renderSections(d, sections.slice(0, 1), names); sections = sections.slice(1); }
    if (main) state.centerName = page.entity.name;
    // An address or a phone is asked only who is registered there: its page is that answer.
    if (main && page.entity.kind !== "address" && page.entity.kind !== "contact") {
      d.appendChild(exports(page.entity));
      d.appendChild(questions(page.entity));
    }
    renderSections(d, sections, names);
    document.body.setAttribute("data-page", page.entity.id);
  }

  // The case report to keep (HTML with its graph, or PDF) as of the date chosen, and the page printed.
  function exports(entity) {
    var box = el("p");
    box.className = "exports";
    [["html", t("Case report (HTML)")], ["pdf", t("Case report (PDF)")]].forEach(function (f) {
      var q = new URLSearchParams({format: f[0]});
      if (LANG) q.set("lang", LANG);
      if ($("as-of").value) q.set("as_of", $("as-of").value);
      var a = el("a", f[1]);
      a.href = "/api/report/" + encodeURIComponent(entity.id) + "?" + q.toString();
      a.setAttribute("download", "");
      a.setAttribute("data-export", f[0]);
      box.appendChild(a);
    });
    var print = el("button", t("Print"));
    print.type = "button";
    print.addEventListener("click", function () { window.print(); });
    box.appendChild(print);
    return box;
  }

  // Printed, every folded section is shown and the graph is a still copy of all of it (the live canvas
  // would be cut or stretched to the paper); afterwards the page is as it was.
  function setupPrinting() {
    var opened = [], picture = null, view = null;
    window.addEventListener("beforeprint", function () {
      var folded = Array.prototype.filter.call(document.querySelectorAll("#details details"), function (x) { return !x.open; });
      folded.forEach(function (x) { x.open = true; });
      opened = opened.concat(folded);  // a second "beforeprint" before the first "afterprint" finds them open
      var canvas = $("graph").querySelector("canvas");
      if (network && canvas && canvas.width && canvas.height && !picture) {
        view = {position: network.getViewPosition(), scale: network.getScale(), animation: false};
        network.fit({animation: false});
        network.redraw();
        picture = document.createElement("canvas");  // drawn now: an image would still be decoding when printed
        picture.id = "graph-print";
        picture.width = canvas.width;
        picture.height = canvas.height;
        picture.getContext("2d").drawImage(canvas, 0, 0);
        $("graph").after(picture);
        document.body.classList.add("printing");
      }
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (x) { x.open = false; });
      opened = [];
      if (picture) { picture.remove(); picture = null; network.moveTo(view); }
      document.body.classList.remove("printing");
    });
  }

  function renderSections(d, sections, names) {
    sections.forEach(function (s) {
      var box = d;
      if (s.fold) {  // shown on request: the answer comes first
        box = el("details");
        box.appendChild(el("summary", s.title));
        d.appendChild(box);
      } else {
        d.appendChild(el("h2", s.title));
      }
      if (!s.rows.length) { var p = el("p", s.empty); p.className = "note"; box.appendChild(p); return; }
      var table = el("table");
      if (s.glance) table.className = "glance";
      if (s.columns.some(function (c) { return c; })) {
        var head = el("tr");
        s.columns.forEach(function (c) { head.appendChild(el("th", c)); });
        table.appendChild(head);
      }
      s.rows.forEach(function (row, r) {
        var tr = el("tr");
        row.forEach(function (c, k) { tr.appendChild(cell(c, names, s.links && s.links[r] ? s.links[r][k] : null)); });
        table.appendChild(tr);
      });
      box.appendChild(table);
      if (s.note) { var n = el("p", s.note); n.className = "note"; box.appendChild(n); }
    });
  }

  // The questions an investigator asks next of the entity on the page, answered in the box below them.
  function questions(entity) {
    var box = el("div"), bar = el("div"), answer = el("div");
    bar.className = "questions";
    answer.id = "answer";
    function button(label, question, path, query) {
      var b = el("button", label);
      b.type = "button";
      b.setAttribute("data-question", question);
      b.addEventListener("click", function () { ask(question, path, query || {}, answer); });
      bar.appendChild(b);
    }
    button(t("Related parties"), "related", "/api/related/" + encodeURIComponent(entity.id));
    button(t("Enterprise group"), "group", "/api/group/" + encodeURIComponent(entity.id));
    button(t("Cluster"), "cluster", "/api/cluster/" + encodeURIComponent(entity.id));
    if (entity.kind === "company") button(t("Where the risk comes from"), "risk", "/api/risk/" + encodeURIComponent(entity.id));
    button(t("Changes in the last 12 months"), "changes", "/api/changes/" + encodeURIComponent(entity.id));
    if (state.previous && state.previous !== entity.id) {
      button(fmt("Paths and stake from {name}", {name: state.previousName || state.previous}), "between", "/api/between",
             {from: state.previous, to: entity.id});
    }
    // Paths to any other party, picked by search: the best match of what is typed.
    var other = el("input"), go = el("button", t("Paths and stake from"));
    other.id = "between-other";
    other.placeholder = t("a name, registration number or pinyin");
    go.type = "button";
    go.setAttribute("data-question", "between-search");
    go.addEventListener("click", function () {
      var text = other.value.trim();
      if (!text) return;
      api("/api/search", {q: text, limit: 1}).then(function (r) {
        if (!r.hits.length) { answer.textContent = ""; answer.appendChild(el("p", t("no matches"))); return; }
        ask("between", "/api/between", {from: r.hits[0].id, to: entity.id}, answer);
      }).catch(function (err) { status(err.message, true); });
    });
    bar.appendChild(go);
    bar.appendChild(other);
    box.appendChild(bar);
    box.appendChild(answer);
    return box;
  }

  function ask(question, path, query, box) {
    if ($("as-of").value) query.as_of = $("as-of").value;
    box.textContent = "";
    box.appendChild(el("p", t("Loading…")));
    return api(path, query).then(function (result) {
      box.textContent = "";
      renderSections(box, result.sections, table(result.names));
      if (result.graph && state.mode === "graph") drawBeside(result.graph);
      document.body.setAttribute("data-answer", question);
    }).catch(function (err) { box.textContent = ""; var p = el("p", err.message); p.className = "error"; box.appendChild(p); });
  }

  // An answer's own parties (a risk's sources and their paths) added to the graph as it stands,
  // drawn as diamonds as the control answer's parties beyond the hop limit are.
  function drawBeside(graph) {
    graph.nodes.forEach(function (n) { if (!nodes.get(vid(n.id))) { state.answer[n.id] = n.answer; nodes.add(visNode(n)); } });
    graph.edges.forEach(function (e) { if (nodes.get(vid(e.from)) && nodes.get(vid(e.to))) edges.update(visEdge(e)); });
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({physics: {enabled: false}});
      legend();
      document.body.setAttribute("data-nodes", String(nodes.length));
    });
    network.setOptions({physics: {enabled: true}});
    network.stabilize(80);
  }

  // The details pane emptied for a list of the whole store: its heading, a row of controls, the answer.
  function listPane(title) {
    var d = $("details"), form = el("div"), answer = el("div");
    d.textContent = "";
    d.appendChild(el("h1", title));
    form.className = "questions";
    answer.id = "answer";
    d.appendChild(form);
    d.appendChild(answer);
    return {form: form, answer: answer};
  }

  // The watchlists' alerts since a day (90 days back at first), in the details pane.
  function openAlerts() {
    var pane = listPane(t("Alerts of the watchlists")), form = pane.form, answer = pane.answer;
    var since = el("input"), list = el("button", t("List"));
    since.type = "date";
    since.id = "alerts-since";
    since.value = new Date(Date.now() - 90 * 86400000).toISOString().slice(0, 10);
    list.type = "button";
    function run() { return ask("alerts", "/api/alerts", {since: since.value}, answer); }
    list.addEventListener("click", run);
    [el("span", t("since")), since, list].forEach(function (e) { form.appendChild(e); });
    return run();
  }

  // The early-warning list with its filters, in the details pane, a page at a time.
  var WARNINGS_PAGE = 50;
  function openWarnings() {
    var pane = listPane(t("Early warnings")), form = pane.form, answer = pane.answer;
    var tier = el("select");
    tier.id = "warn-tier";
    [["", t("every tier")], ["red", t("red")], ["orange", t("orange")], ["yellow", t("yellow")]].forEach(function (o) {
      var option = el("option", o[1]); option.value = o[0]; tier.appendChild(option);
    });
    var region = el("input"), industry = el("input"), cluster = el("input");
    region.id = "warn-region";
    region.placeholder = t("region (e.g. 深圳)");
    industry.id = "warn-industry";
    industry.placeholder = t("industry or business scope (e.g. 理财)");
    cluster.id = "warn-cluster";
    cluster.placeholder = t("cluster (e.g. K:C00026)");
    var list = el("button", t("List")), back = el("button", t("Previous 50")), next = el("button", t("Next 50"));
    var offset = 0;
    [list, back, next].forEach(function (b) { b.type = "button"; });
    back.id = "warn-previous";
    next.id = "warn-next";
    function run() {
      var q = {top: WARNINGS_PAGE, offset: offset};
      if (tier.value) q.tier = tier.value;
      [["region", region], ["industry", industry], ["cluster", cluster]].forEach(function (f) {
        if (f[1].value.trim()) q[f[0]] = f[1].value.trim();
      });
      back.disabled = offset === 0;
      return ask("warnings", "/api/warnings", q, answer).then(function () {
        // a page shorter than a page is the last one
        next.disabled = answer.querySelectorAll("tr").length - 1 < WARNINGS_PAGE;
      });
    }
    list.addEventListener("click", function () { offset = 0; run(); });
    back.addEventListener("click", function () { offset = Math.max(0, offset - WARNINGS_PAGE); run(); });
    next.addEventListener("click", function () { offset += WARNINGS_PAGE; run(); });
    [tier, region, industry, cluster, list, back, next].forEach(function (e) { form.appendChild(e); });
    return run();
  }

  // The legend says what every colour, ring, shape and line drawn now means (and nothing not drawn).
  function legend() {
    var box = $("legend"), mode = $("colour").value, items = [];
    if (mode === "kind") Object.keys(KIND_COLORS).forEach(function (k) { items.push(["dot", KIND_COLORS[k], t(KIND_NAMES[k])]); });
    if (mode === "chain") items = [["dot", CHAIN, t("control chain")], ["dot", EVIDENCE, t("evidence of a concealment signal")], ["dot", "#cccccc", t("other")]];
    if (mode === "risk") Object.keys(TIER_COLORS).forEach(function (k) { items.push(["dot", TIER_COLORS[k], t(k)]); });
    if (mode === "group" || mode === "cluster") items = [["dot", hashColour("g1"), t("one colour per group or cluster")], ["dot", "#dddddd", t("none")]];
    var drawn = nodes ? nodes.get().map(function (n) { return n.data || {}; }) : [];
    var lines = edges ? edges.get() : [];
    var tree = state.mode === "tree";
    if (drawn.some(function (n) { return tree && n.controller; })) items.push(["ring", CHAIN, "★ " + t("actual controller")]);
    if (drawn.some(function (n) { return !tree && state.events[n.id]; })) items.push(["ring", CHAIN, t("has risk events")]);
    if (drawn.some(function (n) { return !tree && state.answer[n.id] && state.answer[n.id].indexOf("evidence") === 0; })) {
      items.push(["ring", EVIDENCE, t("evidence of a concealment signal")]);
    }
    if (drawn.some(function (n) { return state.pinned[n.id]; })) items.push(["ring", "#222222", t("pinned")]);
    if (drawn.some(function (n) { return n.beyond; })) items.push(["diamond", "#555555", t("beyond the hop limit, drawn because the answer rests on it")]);
    if (drawn.some(function (n) { return n.more !== undefined || n.fold; })) items.push(["box", "#aaaaaa", t("not drawn yet: double-click to open")]);
    var kinds = {};
    lines.forEach(function (e) { if (e.data && nodes.get(e.from) && nodes.get(e.to)) kinds[e.data.kind === "holding" && state.chain[e.data.from + "|" + e.data.to] ? "chain" : e.data.kind] = true; });
    [["chain", "4px solid " + CHAIN, t("control chain")], ["holding", "2px solid #7f7f7f", t("holding (share)")],
     ["officer", "2px dashed #9467bd", t("officer role")], ["link", "2px dotted #999999", t("address / phone")],
     ["relation", "2px dashed #8c564b", t("declared tie")]].forEach(function (l) {
      if (kinds[l[0]]) items.push(["line", l[1], l[2]]);
    });
    box.textContent = "";
    items.forEach(function (item) {
      var row = el("span"), mark = el("i");
      mark.className = item[0];
      if (item[0] === "line") mark.style.borderTop = item[1];
      else if (item[0] === "dot") mark.style.background = item[1];
      else mark.style.borderColor = item[1];
      row.appendChild(mark);
      row.appendChild(document.createTextNode(item[2]));
      box.appendChild(row);
    });
  }

  function restyle() {
    legend();
    if (!nodes) return;
    nodes.update(nodes.get().filter(function (n) { return n.data && n.data.more === undefined; }).map(function (n) { return visNode(n.data); }));
  }

  function setupSearch() {
    var input = $("search"), list = $("suggestions"), timer = null, active = -1, hits = [];
    function choose(i) { if (hits[i]) { list.hidden = true; input.value = hits[i].name; openEntity(hits[i].id); } }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (!text) { list.hidden = true; return; }
        api("/api/search", {q: text, limit: 10}).then(function (r) {
          hits = r.hits; active = -1; list.textContent = "";
          hits.forEach(function (h, i) {
            var li = named("li", h.name);
            // How it matched, unless the name or number shown already says so; a fuzzy hit is always marked.
            var how = h.how === "fuzzy" || (h.matched !== h.name && h.matched !== h.reg_no) ? " · " + t(h.how) + " " + h.matched : "";
            li.appendChild(el("small", t(KIND_NAMES[h.kind] || h.kind) + " " + h.id + (h.reg_no ? " " + h.reg_no : "") + how));
            if (h.about) { var about = el("small", h.about); about.className = "about"; li.appendChild(about); }
            li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(i); });
            list.appendChild(li);
          });
          if (!hits.length) list.appendChild(el("li", t("no matches")));
          list.hidden = false;
        }).catch(function (err) { status(err.message, true); });
      }, 150);
    });
    input.addEventListener("keydown", function (ev) {
      var items = list.querySelectorAll("li");
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        active = Math.max(0, Math.min(items.length - 1, active + (ev.key === "ArrowDown" ? 1 : -1)));
        items.forEach(function (li, i) { li.className = i === active ? "active" : ""; });
        ev.preventDefault();
      } else if (ev.key === "Enter") {
        choose(active >= 0 ? active : 0);
      } else if (ev.key === "Escape") {
        list.hidden = true;
      }
    });
    input.addEventListener("blur", function () { setTimeout(function () { list.hidden = true; }, 150); });
  }

  function translatePage() {
    document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(function (e) { e.textContent = t(e.getAttribute("data-i18n")); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (e) {
      e.placeholder = t(e.getAttribute("data-i18n-placeholder"));
    });
    document.title = t("equitygraph explorer");
    languageLinks();
  }

  // The other language, at the same entity.
  function languageLinks() {
    ["zh", "en"].forEach(function (l) {
      var link = $("lang-" + l), q = new URLSearchParams(location.search);
      q.set("lang", l);
      link.href = "?" + q.toString() + location.hash;
    });
  }

  function fromHash() {
    var m = location.hash.match(/^#\/entity\/(.+)$/);
    if (m) { var id = decodeURIComponent(m[1]); if (id !== state.center) openEntity(id); }
  }

  function start() {
    setupSearch();
    $("mode-graph").addEventListener("click", function () { if (state.center) openGraph(state.center); });
    $("mode-tree").addEventListener("click", function () { if (state.center) openTree(state.center); });
    $("fit").addEventListener("click", function () { if (network) network.fit(); });
    $("warnings").addEventListener("click", openWarnings);
    $("alerts").addEventListener("click", openAlerts);
    $("fold").addEventListener("click", function () {
      if (!network) return;
      network.getSelectedNodes().forEach(function (v) {
        var n = nodes.get(v);
        if (!n || !n.data || n.data.more !== undefined || n.data.fold) return;
        var count = foldLeaves(n.data.id);
        status(fmt("{count} neighbours of {id} folded into “+N more”", {count: count, id: n.data.id}));
      });
      legend();
      document.body.setAttribute("data-nodes", String(nodes.length));
    });
    $("hide").addEventListener("click", function () {
      if (!network) return;
      var chosen = network.getSelectedNodes().filter(function (v) { return v !== vid(state.center); });
      nodes.remove(chosen);
      legend();
      document.body.setAttribute("data-nodes", String(nodes.length));
    });
    $("pin").addEventListener("click", function () {
      if (!network) return;
      network.getSelectedNodes().forEach(function (v) {
        var n = nodes.get(v);
        if (!n || !n.data || n.data.more !== undefined || n.data.fold) return;
        state.pinned[n.data.id] = !state.pinned[n.data.id];
        nodes.update(visNode(n.data));
      });
      legend();
    });
    $("colour").addEventListener("change", restyle);
    ["min-share", "as-of"].forEach(function (id) { $(id).addEventListener("change", function () { if (state.center) openEntity(state.center); }); });
    document.querySelectorAll("input[name=kind]").forEach(function (c) {
      c.addEventListener("change", function () { if (state.center && state.mode === "graph") openGraph(state.center); });
    });
    window.addEventListener("popstate", fromHash);
    markMode();
    legend();
    setupPrinting();
    fromHash();
    document.body.setAttribute("data-started", "1");
  }

  api("/api/messages").then(function (r) { messages = r.messages; LANG = LANG || r.lang; })
    .catch(function () { messages = {}; })
    .then(function () { translatePage(); start(); });
})();
