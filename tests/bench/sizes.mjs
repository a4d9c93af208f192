// Prints the first-load bytes of the built site: raw, gzip and brotli.
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
const root = process.argv[2] || "target/site";
let total = { raw: 0, gz: 0, br: 0 };
for (const f of ["pkg/yinling.wasm", "pkg/yinling.js", "pkg/yinling.css", "pwa.js"]) {
  const b = readFileSync(`${root}/${f}`);
  const gz = gzipSync(b, { level: 9 }).length;
  const br = brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  total.raw += b.length; total.gz += gz; total.br += br;
  console.log(`${f.padEnd(20)} raw ${(b.length / 1024).toFixed(1).padStart(8)} KiB   gzip ${(gz / 1024).toFixed(1).padStart(7)} KiB   brotli ${(br / 1024).toFixed(1).padStart(7)} KiB`);
}
console.log(`${"first load total".padEnd(20)} raw ${(total.raw / 1024).toFixed(1).padStart(8)} KiB   gzip ${(total.gz / 1024).toFixed(1).padStart(7)} KiB   brotli ${(total.br / 1024).toFixed(1).padStart(7)} KiB`);
