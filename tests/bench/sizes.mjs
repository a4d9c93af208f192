// Prints the first-load bytes of the built site's two bundles: raw, gzip and
// brotli. The field app (what an envoy's phone downloads to open /field) is
// a bundle of its own under envoy/pkg; the site's bundle (residents', staff
// and county pages) is under pkg. With `cargo leptos build --split`, the
// pages split out of each main wasm are listed apart: they are fetched only
// when such a page is opened (the service worker caches the field app's
// chunks with its shell). The field app's sync round is split out too; it
// is fetched when the first sync starts, just after the home screen is
// drawn, and is printed apart with the shared chunks it needs.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
const root = process.argv[2] || "target/site";
const kib = (n) => (n / 1024).toFixed(1);
const add = (a, s) => { a.raw += s.raw; a.gz += s.gz; a.br += s.br; };

function measure(f) {
  const b = readFileSync(`${root}/${f}`);
  return {
    raw: b.length,
    gz: gzipSync(b, { level: 9 }).length,
    br: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
function line(label, s) {
  console.log(`${label.padEnd(26)} raw ${kib(s.raw).padStart(8)} KiB   gzip ${kib(s.gz).padStart(7)} KiB   brotli ${kib(s.br).padStart(7)} KiB`);
}

function bundle(title, dir, name) {
  const files = readdirSync(`${root}/${dir}`).sort();
  // The split loader is imported by the bundle's JS, so it is part of the first load.
  const loader = files.filter((f) => f.startsWith("__wasm_split") && f.endsWith(".js")).map((f) => `${dir}/${f}`);
  const chunks = files.filter((f) => f.endsWith(".wasm") && f !== `${name}.wasm`).map((f) => `${dir}/${f}`);
  console.log(`-- ${title}`);
  const total = { raw: 0, gz: 0, br: 0 };
  for (const f of [`${dir}/${name}.wasm`, `${dir}/${name}.js`, ...loader, "pkg/yinling.css", "pwa.js"]) {
    const s = measure(f);
    add(total, s);
    line(f.includes("/__wasm_split") ? `${dir}/__wasm_split.js` : f, s);
  }
  line("first load total", total);
  if (chunks.length) {
    const lazy = { raw: 0, gz: 0, br: 0 };
    let largest = { br: 0 };
    for (const f of chunks) {
      const s = measure(f);
      add(lazy, s);
      if (s.br > largest.br) largest = { ...s, f };
    }
    line(`lazy: ${chunks.length} chunks`, lazy);
    line("largest chunk", largest);
    console.log(`  (${largest.f}; chunks load only when a page split out of the main wasm is opened)`);
  }
  return { dir, loader };
}

// A split-out function with the shared chunks it imports, as the split
// loader lists them (`__wasm_split_load_<name>[_<hash>] = ... , [__chunk_N, ...])`).
function lazyEntry({ dir, loader }, name) {
  const js = loader.map((f) => readFileSync(`${root}/${f}`, "utf8")).join("\n");
  const m = js.match(new RegExp(`__wasm_split_load_${name}(?:_\\d+)? = [\\s\\S]*?"\\./(split_${name}(?:_\\d+)?\\.wasm)"[\\s\\S]*?, \\[([^\\]]*)\\]\\)\\);`));
  if (!m) return null;
  const deps = m[2].split(",").map((d) => d.trim()).filter(Boolean).map((d) => `${dir}/${d.replace("__chunk_", "chunk_")}.wasm`);
  const sum = { raw: 0, gz: 0, br: 0, files: 1 + deps.length };
  for (const f of [`${dir}/${m[1]}`, ...deps]) add(sum, measure(f));
  return sum;
}

const field = bundle("the field app (envoys' phones, /field)", "envoy/pkg", "envoy");
const wasm = measure("envoy/pkg/envoy.wasm");
console.log(`field app first-load wasm, brotli: ${kib(wasm.br)} KiB = ${(wasm.br / 1000).toFixed(1)} kB (target <= 200 kB)`);
// A release built with --precompress: what the server actually sends.
const served = `${root}/envoy/pkg/envoy.wasm.br`;
if (existsSync(served)) {
  const n = statSync(served).size;
  console.log(`  as served (the build's precompressed envoy.wasm.br): ${kib(n)} KiB = ${(n / 1000).toFixed(1)} kB`);
}
const sync = lazyEntry(field, "sync_round");
if (sync) {
  line("sync round", sync);
  console.log(`  (${sync.files} files, fetched when the first sync starts, after the home screen is drawn)`);
}
console.log();
bundle("the site (residents', staff and county pages)", "pkg", "yinling");
