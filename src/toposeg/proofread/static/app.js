// toposeg proofread: the page. No build step, no external assets.
"use strict";

// Colours (the same formulas as toposeg.proofread.colours).
const ACCEPTED = [0, 200, 0];
const REJECTED = [110, 110, 110];
const CURRENT = [255, 255, 0];
const MASK = [255, 150, 60];
function uncertaintyColour(u) {
  return [Math.round(255 * u), Math.round(80 * (1 - u)), Math.round(255 * (1 - u))];
}

const S = {
  slice: 0, slices: 1, shape: [1, 1], zoom: 1, summary: null,
  offsets: null, pixels: null, ids: null,
  layers: {}, mask: null, current: -1, mode: "review", layer: "image", frame: null, colours: null,
  stroke: null, busy: false, lastRoundTrip: null, lastAnswer: null, ready: false, showAll: false,
};
// undecided branches that almost no structure keeps are hidden unless "all branches" is on
const HIDDEN_BELOW = 0.025;
const view = document.getElementById("view");
const ctx = view.getContext("2d");
const native = document.createElement("canvas");
const nctx = native.getContext("2d", { willReadFrequently: true });

function status(text, error) {
  const el = document.getElementById("status");
  el.textContent = text;
  el.className = error ? "error" : "";
}

async function api(path, options) {
  const response = await fetch(path, options);
  const type = response.headers.get("Content-Type") || "";
  const body = type.startsWith("application/json") ? await response.json() : await response.blob();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

async function decode(blob) {
  const bitmap = await createImageBitmap(blob);
  const c = document.createElement("canvas");
  c.width = bitmap.width; c.height = bitmap.height;
  const g = c.getContext("2d", { willReadFrequently: true });
  g.drawImage(bitmap, 0, 0);
  const rgba = g.getImageData(0, 0, c.width, c.height).data;
  const grey = new Uint8Array(c.width * c.height);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i];
  return grey;
}

function unpackMask(text) {
  // numpy.packbits of the flat mask (most significant bit first), base64
  const bytes = atob(text);
  const mask = new Uint8Array(S.shape[0] * S.shape[1]);
  for (let i = 0; i < mask.length; i++) mask[i] = (bytes.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1 ? 255 : 0;
  return mask;
}

async function loadSlice(index) {
  const q = "?slice=" + index;
  const [summary, branches, image, likelihood, mask] = await Promise.all([
    api("/api/state" + q), api("/api/branches" + q), api("/api/image.png" + q),
    api("/api/likelihood.png" + q), api("/api/mask.png" + q)]);
  S.slice = index; S.summary = summary; S.slices = summary.slices; S.shape = summary.shape;
  S.offsets = branches.offsets; S.pixels = branches.pixels;
  S.ids = new Int32Array(S.shape[0] * S.shape[1]).fill(-1);
  for (let b = 0; b + 1 < S.offsets.length; b++)
    for (let k = S.offsets[b]; k < S.offsets[b + 1]; k++) S.ids[S.pixels[k]] = b;
  S.layers = { image: await decode(image), likelihood: await decode(likelihood) };
  S.mask = await decode(mask);
  const [h, w] = S.shape;
  S.zoom = Math.max(1, Math.floor(720 / Math.max(h, w)));
  native.width = w; native.height = h;
  view.width = w * S.zoom; view.height = h * S.zoom;
  S.current = summary.queue.length ? summary.queue[0] : -1;
  render();
}

function shown(b) {
  return S.showAll || b === S.current || S.summary.decision[b] >= 0 || S.summary.probability[b] >= HIDDEN_BELOW;
}

function branchColour(b) {
  if (b === S.current) return CURRENT;
  const d = S.summary.decision[b];
  if (d === 1) return ACCEPTED;
  if (d === 0) return REJECTED;
  return uncertaintyColour(S.summary.uncertainty[b]);
}

function packed(c) {
  // one RGBA pixel as a little-endian 32-bit word (alpha 255)
  return (255 << 24 | c[2] << 16 | c[1] << 8 | c[0]) >>> 0;
}

function branchWord(b) {
  // the colour word of branch b, 0 when it is hidden (branches have disjoint pixels)
  return shown(b) ? packed(branchColour(b)) : 0;
}

function pixelWord(i) {
  const b = S.ids[i];
  const c = b >= 0 ? S.colours[b] : 0;
  if (c) return c;
  const v = S.layers[S.layer][i];
  return S.mask[i]
    ? packed([(v + MASK[0] + 1) >> 1, (v + MASK[1] + 1) >> 1, (v + MASK[2] + 1) >> 1])
    : (255 << 24 | v << 16 | v << 8 | v) >>> 0;
}

function draw() {
  nctx.putImageData(S.frame, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(native, 0, 0, view.width, view.height);
  panel();
}

function render() {
  // the whole frame: the layer, the mask tinted, the shown branches over them
  const [h, w] = S.shape;
  const n = S.offsets.length - 1;
  S.colours = new Uint32Array(n);
  for (let b = 0; b < n; b++) S.colours[b] = branchWord(b);
  S.frame = nctx.createImageData(w, h);
  const words = new Uint32Array(S.frame.data.buffer);
  for (let i = 0; i < w * h; i++) words[i] = pixelWord(i);
  draw();
}

function update(pixels, branches) {
  // redraw only the given pixels and the pixels of the given branches (after an action)
  const words = new Uint32Array(S.frame.data.buffer);
  for (const b of branches) {
    if (b < 0) continue;
    S.colours[b] = branchWord(b);
    for (let k = S.offsets[b]; k < S.offsets[b + 1]; k++) words[S.pixels[k]] = pixelWord(S.pixels[k]);
  }
  for (const i of pixels) words[i] = pixelWord(i);
  draw();
}

function select(b) {
  const previous = S.current;
  S.current = b;
  update([], [previous, b]);
}

function panel() {
  const s = S.summary, b = S.current;
  document.getElementById("slice-label").textContent = `slice ${S.slice + 1} / ${S.slices}`;
  const info = document.getElementById("branch-info");
  info.innerHTML = "";
  const rows = b < 0 ? [["branch", "none left"]] : [
    ["branch", b], ["pixels", S.offsets[b + 1] - S.offsets[b]],
    ["persistence", s.persistence[b].toFixed(4)], ["probability", s.probability[b].toFixed(3)],
    ["uncertainty", s.uncertainty[b].toFixed(3)],
    ["decision", ["rejected", "accepted"][s.decision[b]] || "undecided"]];
  for (const [k, v] of rows) {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    info.append(dt, dd);
  }
  const queue = document.getElementById("queue");
  queue.innerHTML = "";
  for (const q of s.queue.slice(0, 50)) {
    const li = document.createElement("li");
    li.dataset.branch = q;
    li.textContent = `branch ${q} · u = ${s.uncertainty[q].toFixed(3)}`;
    if (q === b) li.className = "current";
    li.onclick = () => select(q);
    queue.append(li);
  }
  document.getElementById("brush").classList.toggle("active", S.mode === "paint");
  document.getElementById("erase").classList.toggle("active", S.mode === "erase");
  document.getElementById("layer").classList.toggle("active", S.layer === "likelihood");
  document.getElementById("all").classList.toggle("active", S.showAll);
  view.classList.toggle("brush", S.mode !== "review");
  const decided = s.decision.filter((d) => d >= 0).length;
  if (!document.getElementById("status").classList.contains("error"))
    status(`${decided} of ${s.decision.length} branches decided · ${s.actions} actions logged`);
}

async function send(action) {
  if (S.busy) return;
  S.busy = true;
  const start = performance.now();
  try {
    const expected = S.summary.actions + 1;
    const change = await api("/api/action?slice=" + S.slice, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(action) });
    S.lastAnswer = performance.now() - start;
    status("", false);
    if (change.slice !== S.slice || change.actions !== expected) {
      // another slice, or actions this page has not seen (another tab): load the whole state
      await loadSlice(change.slice);
    } else {
      const previous = S.current;
      const branches = [];
      for (const [b, d] of change.changed) { S.summary.decision[b] = d; branches.push(b); }
      S.summary.queue = change.queue;
      S.summary.actions = change.actions;
      S.summary.can_undo = change.can_undo;
      if (S.current < 0 || S.summary.decision[S.current] >= 0)
        S.current = S.summary.queue.length ? S.summary.queue[0] : -1;
      branches.push(previous, S.current);
      if (change.mask !== undefined) {
        S.mask = unpackMask(change.mask);
        render();
      } else {
        for (const i of change.flip) S.mask[i] = S.mask[i] ? 0 : 255;
        update(change.flip, branches);
      }
    }
    S.lastRoundTrip = performance.now() - start;
  } catch (error) {
    status(error.message, true);
  } finally {
    S.busy = false;
  }
}

function decide(kind) {
  if (S.current < 0) { status("no branch selected", true); return; }
  send({ type: kind, slice: S.slice, branch: S.current });
}

function undo() {
  if (!S.summary.can_undo) { status("nothing to undo", true); return; }
  send({ type: "undo" });
}

function skip() {
  const q = S.summary.queue;
  if (!q.length) return;
  const at = q.indexOf(S.current);
  select(q[(at + 1) % q.length]);
}

async function save() {
  try {
    const r = await api("/api/save", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    status(`saved ${r.saved} (${r.actions} actions)`, false);
  } catch (error) { status(error.message, true); }
}

function pixelAt(event) {
  const rect = view.getBoundingClientRect();
  const col = Math.floor((event.clientX - rect.left) / S.zoom);
  const row = Math.floor((event.clientY - rect.top) / S.zoom);
  const [h, w] = S.shape;
  return row >= 0 && row < h && col >= 0 && col < w ? [row, col] : null;
}

function nearestBranch(row, col) {
  const [h, w] = S.shape;
  for (let r = 0; r <= 3; r++)
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) {
        const y = row + dy, x = col + dx;
        if (y >= 0 && y < h && x >= 0 && x < w && S.ids[y * w + x] >= 0 && shown(S.ids[y * w + x]))
          return S.ids[y * w + x];
      }
  return -1;
}

view.addEventListener("mousedown", (event) => {
  const p = pixelAt(event);
  if (!p) return;
  if (S.mode === "review") {
    const b = nearestBranch(p[0], p[1]);
    if (b >= 0) select(b);
    return;
  }
  S.stroke = [p];
});
view.addEventListener("mousemove", (event) => {
  if (!S.stroke) return;
  const p = pixelAt(event);
  const last = S.stroke[S.stroke.length - 1];
  if (p && (p[0] !== last[0] || p[1] !== last[1])) S.stroke.push(p);
});
window.addEventListener("mouseup", () => {
  if (!S.stroke) return;
  const points = S.stroke; S.stroke = null;
  const radius = Math.max(0, Math.min(64, parseInt(document.getElementById("radius").value, 10) || 0));
  send({ type: "brush", slice: S.slice, points, radius, value: S.mode === "paint" ? 1 : 0 });
});

function setMode(mode) { S.mode = S.mode === mode ? "review" : mode; panel(); }
function changeSlice(step) {
  const next = S.slice + step;
  if (next >= 0 && next < S.slices) loadSlice(next).catch((e) => status(e.message, true));
}

document.getElementById("accept").onclick = () => decide("accept");
document.getElementById("reject").onclick = () => decide("reject");
document.getElementById("next").onclick = skip;
document.getElementById("undo").onclick = undo;
document.getElementById("brush").onclick = () => setMode("paint");
document.getElementById("erase").onclick = () => setMode("erase");
document.getElementById("save").onclick = save;
document.getElementById("prev-slice").onclick = () => changeSlice(-1);
document.getElementById("next-slice").onclick = () => changeSlice(1);
document.getElementById("layer").onclick = () => { S.layer = S.layer === "image" ? "likelihood" : "image"; render(); };
document.getElementById("all").onclick = () => { S.showAll = !S.showAll; render(); };

document.addEventListener("keydown", (event) => {
  if (event.target.tagName === "INPUT") return;
  const key = event.key.toLowerCase();
  const actions = {
    a: () => decide("accept"), r: () => decide("reject"), n: skip, z: undo, u: undo,
    b: () => setMode("paint"), e: () => setMode("erase"), escape: () => { S.mode = "review"; panel(); },
    s: save, "[": () => changeSlice(-1), "]": () => changeSlice(1),
    l: () => document.getElementById("layer").onclick(),
    h: () => document.getElementById("all").onclick(),
  };
  if (actions[key]) { event.preventDefault(); actions[key](); }
});

// For tests and scripts: the colour shown at a pixel, and the page's state.
window.toposeg = {
  state: S,
  render,
  uncertaintyColour,
  pixel(row, col) {
    const d = nctx.getImageData(col, row, 1, 1).data;
    return [d[0], d[1], d[2]];
  },
};

loadSlice(0).then(() => { S.ready = true; }).catch((e) => status(e.message, true));
