// dcgan serve: the explorer page. Plain JavaScript, no library, no build step.
"use strict";

const SLOTS = {
  arith: [["A", "A", 3], ["B", "B", 3], ["C", "C", 3]],
  walk: [["from", "from", 1], ["to", "to", 1]],
  axis: [["set_a", "set A", 16], ["set_b", "set B", 16], ["targets", "targets", 16]],
};
const state = { tab: "arith", active: { arith: "A", walk: "from", axis: "set_a" }, slots: {}, sheet: null, images: [], info: null };
for (const tab of Object.keys(SLOTS)) for (const [key] of SLOTS[tab]) state.slots[key] = [];
window.dcganLatency = [];  // ms from a slider move to the new image being decoded (benchmarks read it)

const $ = (sel) => document.querySelector(sel);

function status(text) { $("#status").textContent = text; }

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

// One request in flight per key; a newer call while one runs replaces the queued one, so a fast
// slider never builds up a queue of stale pictures.
const running = {}, queued = {};
function live(key, job) {
  if (running[key]) { queued[key] = job; return; }
  running[key] = true;
  job().catch((err) => status("error: " + err.message)).finally(() => {
    running[key] = false;
    const next = queued[key];
    delete queued[key];
    if (next) live(key, next);
  });
}

function setImage(img, src) {
  return new Promise((resolve) => {
    img.onload = () => resolve();
    img.onerror = () => resolve();
    img.src = src;
  });
}

function common() {
  const body = { seed: state.sheet.seed, n: state.sheet.n };
  if (state.info.num_classes > 0 && $("#label").value !== "") body.label = Number($("#label").value);
  return body;
}

async function loadSheet() {
  const seed = Number($("#seed").value) || 0, n = Number($("#n").value);
  status("drawing the sheet…");
  const body = { seed, n };
  if (state.info.num_classes > 0 && $("#label").value !== "") body.label = Number($("#label").value);
  const data = await api("/api/sheet", body);
  state.sheet = { seed: data.seed, n: data.n };
  state.images = data.images;
  for (const key of Object.keys(state.slots)) state.slots[key] = [];
  const sheet = $("#sheet");
  sheet.replaceChildren();
  data.images.forEach((src, i) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "cell";
    button.dataset.index = String(i);
    button.title = `sample ${i} (seed ${seed})`;
    const img = document.createElement("img");
    img.src = src;
    img.alt = `sample ${i}`;
    const label = document.createElement("span");
    label.textContent = String(i);
    button.append(img, label);
    button.addEventListener("click", () => pick(i));
    sheet.append(button);
  });
  renderSlots();
  status(`sheet: seed ${seed}, ${n} samples (server ${data.server_ms} ms)`);
}

function pick(index) {
  const spec = SLOTS[state.tab].find(([key]) => key === state.active[state.tab]);
  const [key, , capacity] = spec;
  const list = state.slots[key];
  if (capacity === 1) list.splice(0, list.length, index);
  else if (list.length < capacity) list.push(index);
  if (list.length >= capacity) {  // full: move on to the next slot that is not full
    const next = SLOTS[state.tab].find(([k, , c]) => state.slots[k].length < c);
    if (next) state.active[state.tab] = next[0];
  }
  renderSlots();
  update();
}

function renderSlots() {
  const box = document.querySelector(`#tab-${state.tab} .slots`);
  box.replaceChildren();
  const used = new Set();
  for (const [key, name, capacity] of SLOTS[state.tab]) {
    const slot = document.createElement("div");
    slot.className = "slot" + (state.active[state.tab] === key ? " active" : "");
    slot.dataset.slot = key;
    const title = document.createElement("b");
    title.textContent = `${name} (${state.slots[key].length}/${capacity})`;
    slot.append(title);
    state.slots[key].forEach((index, position) => {
      used.add(index);
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.title = `sample ${index}: click to remove`;
      const img = document.createElement("img");
      img.src = state.images[index];
      img.alt = `sample ${index}`;
      chip.append(img);
      chip.addEventListener("click", (event) => {
        event.stopPropagation();
        state.slots[key].splice(position, 1);
        renderSlots();
        update();
      });
      slot.append(chip);
    });
    slot.addEventListener("click", () => { state.active[state.tab] = key; renderSlots(); });
    box.append(slot);
  }
  document.querySelectorAll("#sheet .cell").forEach((cell) => cell.classList.toggle("used", used.has(Number(cell.dataset.index))));
}

function ready(tab) { return SLOTS[tab].every(([key]) => state.slots[key].length > 0); }

function arithBody() {
  // Copies: a queued request must send the slots as they were when it was made.
  return { ...common(), A: [...state.slots.A], B: [...state.slots.B], C: [...state.slots.C], noise_seed: Number($("#noise-seed").value) || 0 };
}
function walkBody() { return { ...common(), a: state.slots.from[0], b: state.slots.to[0], t: Number($("#walk-t").value) / 100 }; }
function axisBody() {
  return { ...common(), set_a: [...state.slots.set_a], set_b: [...state.slots.set_b], targets: [...state.slots.targets],
           alpha: Number($("#axis-alpha").value) / 100 };
}

function update(started) {
  if (!state.sheet || !ready(state.tab)) return;
  const t0 = started || performance.now();
  const done = (what) => {
    const ms = performance.now() - t0;
    window.dcganLatency.push(ms);
    $("#latency").textContent = `${what}: ${ms.toFixed(0)} ms from input to picture`;
  };
  if (state.tab === "arith") {
    const body = arithBody();
    live("arith", async () => {
      const data = await api("/api/arith", body);
      await Promise.all([setImage($("#arith-result"), data.result), setImage($("#arith-pixel"), data.pixel)]);
      const strip = $("#arith-means");
      strip.replaceChildren(...data.means.map((src, i) => {
        const img = document.createElement("img");
        img.src = src;
        img.alt = `mean of ${"ABC"[i]}`;
        img.title = `decode of mean z of ${"ABC"[i]}`;
        return img;
      }));
      $("#arith-result").dataset.concepts = [body.A, body.B, body.C].map((l) => l.join(",")).join(";");
      done("arithmetic");
    });
  } else if (state.tab === "walk") {
    const body = walkBody();
    live("walk", async () => {
      const data = await api("/api/walk", body);
      await Promise.all([setImage($("#walk-linear"), data.linear), setImage($("#walk-slerp"), data.slerp)]);
      $("#walk-linear").dataset.t = String(body.t);
      done("walk");
    });
  } else {
    const body = axisBody();
    live("axis", async () => {
      const data = await api("/api/axis", body);
      const box = $("#axis-images");
      const imgs = data.images.map((src, i) => {
        const img = document.createElement("img");
        img.alt = `target ${body.targets[i]} moved by ${body.alpha}`;
        return setImage(img, src).then(() => img);
      });
      box.replaceChildren(...(await Promise.all(imgs)));
      box.dataset.alpha = String(body.alpha);
      done("axis");
    });
  }
}

function showTab(tab) {
  state.tab = tab;
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === tab));
  for (const name of Object.keys(SLOTS)) $(`#tab-${name}`).hidden = name !== tab;
  renderSlots();
  update();
}

async function save(kind) {
  const body = { arith: arithBody, walk: walkBody, axis: axisBody }[kind]();
  if (!ready(kind)) { status("fill every slot first"); return; }
  const data = await api("/api/save", { kind, ...body });
  const saved = $("#saved");
  saved.replaceChildren(document.createTextNode(`saved to ${data.dir}: `));
  for (const name of data.files) {
    const a = document.createElement("a");
    a.href = `/files/${data.dir.split("/").slice(1).map(encodeURIComponent).join("/")}/${encodeURIComponent(name)}`;
    a.textContent = name;
    a.target = "_blank";
    saved.append(a);
  }
  status(`saved ${data.files.length} files; re-make with: ${data.command}`);
}

async function init() {
  const response = await fetch("/api/info");
  state.info = await response.json();
  const m = state.info;
  $("#info").textContent = `${m.checkpoint}: ${m.arch}, ${m.resolution}×${m.resolution}×${m.channels}, z ${m.z_dim} (${m.z_dist})` +
    (m.num_classes ? `, ${m.num_classes} classes` : "");
  if (m.num_classes > 0) {
    $("#label-box").hidden = false;
    const select = $("#label");
    for (let k = 0; k < m.num_classes; k++) select.append(new Option(`class ${k}`, String(k)));
  }
  $("#sheet-form").addEventListener("submit", (event) => { event.preventDefault(); loadSheet().catch((e) => status("error: " + e.message)); });
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  $("#walk-t").addEventListener("input", () => update(performance.now()));
  $("#axis-alpha").addEventListener("input", () => update(performance.now()));
  $("#noise-seed").addEventListener("change", () => update());
  document.querySelectorAll("button.save").forEach((b) => b.addEventListener("click", () => save(b.dataset.kind).catch((e) => status("error: " + e.message))));
  await loadSheet();
}

init().catch((err) => status("error: " + err.message));
