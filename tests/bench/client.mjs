// The benchmark's HTTP client, the same for both servers: Node's `http` with
// one kept-alive connection, the reply body read whole and decompressed in
// one call (gzip, deflate or br, as a browser accepts them).
//
// Node's `fetch` (undici) costs the client several milliseconds per request
// on its own — it streams every reply through Web Streams and an incremental
// zlib inflater, 16 KB at a time — so with it the benchmark measured the
// client about as much as the servers. A phone's browser decodes a reply
// natively and off the page's thread. Only the subset of `fetch`'s answer the
// benchmark reads is offered: `status`, `headers.get`, `headers.getSetCookie`,
// `text()`, `json()`, `arrayBuffer()`.
import http from "node:http";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const DECODE = {
  gzip: gunzipSync,
  "x-gzip": gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/** `fetch(url, { method, headers, body })`, answered as described above. */
export function request(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          "accept-encoding": "gzip, deflate, br",
          ...headers,
          ...(payload ? { "content-length": payload.length } : {}),
        },
      },
      (res) => {
        const parts = [];
        res.on("data", (c) => parts.push(c));
        res.on("error", reject);
        res.on("end", () => {
          try {
            let raw = parts.length === 1 ? parts[0] : Buffer.concat(parts);
            const coding = String(res.headers["content-encoding"] ?? "").trim().toLowerCase();
            if (coding && coding !== "identity") {
              const decode = DECODE[coding];
              if (!decode) throw new Error(`${method} ${url}: unknown content-encoding ${coding}`);
              raw = decode(raw);
            }
            resolve(answer(res, raw));
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function answer(res, raw) {
  const text = () => raw.toString("utf8");
  return {
    status: res.statusCode,
    ok: res.statusCode >= 200 && res.statusCode < 300,
    headers: {
      get: (name) => {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(", ") : String(v);
      },
      getSetCookie: () => res.headers["set-cookie"] ?? [],
    },
    text: async () => text(),
    json: async () => JSON.parse(text()),
    arrayBuffer: async () => raw,
  };
}
