// Prints the first-load bytes of the built site (what a phone downloads to
// open /field): raw, gzip and brotli. With `cargo leptos build --split`, the
// pages split out of the main wasm are listed apart: they are fetched only
// when such a page is opened (and cached by the service worker afterwards).
// The sync round is split out too; it is fetched when the first sync starts,
// just after the home screen is drawn, and is printed apart with the shared
// chunks it needs.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
const root = process.argv[2] || "target/site";
const pkg = readdirSync(`${root}/pkg`).sort();
// The split loader is imported by yinling.js, so it is part of the first load.
const loader = pkg.filter((f) => f.startsWith("__wasm_split") && f.endsWith(".js")).map((f) => `pkg/${f}`);
const chunks = pkg.filter((f) => f.endsWith(".wasm") && f !== "yinling.wasm").map((f) => `pkg/${f}`);

const kib = (n) => (n / 1024).toFixed(1);
function measure(f) {
  const b = readFileSync(`${root}/${f}`);
  return {
    raw: b.length,
    gz: gzipSync(b, { level: 9 }).length,
    br: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
function line(label, s) {
  console.log(`${label.padEnd(20)} raw ${kib(s.raw).padStart(8)} KiB   gzip ${kib(s.gz).padStart(7)} KiB   brotli ${kib(s.br).padStart(7)} KiB`);
}

const total = { raw: 0, gz: 0, br: 0 };
for (const f of ["pkg/yinling.wasm", "pkg/yinling.js", ...loader, "pkg/yinling.css", "pwa.js"]) {
  const s = measure(f);
  total.raw += s.raw; total.gz += s.gz; total.br += s.br;
  line(f.startsWith("pkg/__wasm_split") ? "pkg/__wasm_split.js" : f, s);
}
line("first load total", total);

if (chunks.length) {
  const lazy = { raw: 0, gz: 0, br: 0 };
  let largest = { br: 0 };
  for (const f of chunks) {
    const s = measure(f);
    lazy.raw += s.raw; lazy.gz += s.gz; lazy.br += s.br;
    if (s.br > largest.br) largest = { ...s, f };
  }
  console.log();
  line(`lazy: ${chunks.length} chunks`, lazy);
  line("largest chunk", largest);
  console.log(`  (${largest.f}; chunks load only when a page split out of the main wasm is opened)`);
}

// A split-out function with the shared chunks it imports, as the split
// loader lists them (`__wasm_split_load_<name>[_<hash>] = ... , [__chunk_N, ...])`).
function lazyEntry(name) {
  const js = loader.map((f) => readFileSync(`${root}/${f}`, "utf8")).join("\n");
  const m = js.match(new RegExp(`__wasm_split_load_${name}(?:_\\d+)? = [\\s\\S]*?"\\./(split_${name}(?:_\\d+)?\\.wasm)"[\\s\\S]*?, \\[([^\\]]*)\\]\\)\\);`));
  if (!m) return null;
  const deps = m[2].split(",").map((d) => d.trim()).filter(Boolean).map((d) => `pkg/${d.replace("__chunk_", "chunk_")}.wasm`);
  const sum = { raw: 0, gz: 0, br: 0, files: 1 + deps.length };
  for (const f of [`pkg/${m[1]}`, ...deps]) {
    const s = measure(f);
    sum.raw += s.raw; sum.gz += s.gz; sum.br += s.br;
  }
  return sum;
}
const sync = chunks.length ? lazyEntry("sync_round") : null;
if (sync) {
  console.log();
  line("sync round", sync);
  console.log(`  (${sync.files} files, fetched when the first sync starts, after the home screen is drawn)`);
}
