/**
 * A static server for the built dashboard (read-only, GET only): `dashboard/dist/` at `/`, and the deployment
 * records at `/deployments/` (the repository's `deployments/`, `deployments/local/` included), so the page can load
 * `?record=/deployments/local/96369.json`.
 *
 *   npm run dashboard -- [--port 8080] [--host 127.0.0.1] [--records <dir>]
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
};

export interface DashboardServerOptions {
  /** The built page (default dashboard/dist). */
  dist?: string;
  /** Served at /deployments/ (default the repository's deployments/). */
  records?: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
}

/** The file under `root` that `urlPath` names, or undefined when it names nothing there (or escapes it). */
function fileUnder(root: string, urlPath: string): string | undefined {
  const file = path.resolve(root, "." + path.posix.normalize("/" + urlPath));
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  return fs.existsSync(file) && fs.statSync(file).isFile() ? file : undefined;
}

/** Starts the server; resolves once it listens, with its URL. */
export function serveDashboard(options: DashboardServerOptions = {}): Promise<{ server: http.Server; url: string }> {
  const dist = path.resolve(options.dist ?? path.join(__dirname, "dist"));
  const records = path.resolve(options.records ?? path.join(__dirname, "..", "deployments"));
  if (!fs.existsSync(path.join(dist, "index.html"))) {
    return Promise.reject(new Error(`${dist} holds no built dashboard: run npm run dashboard:build`));
  }
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      return res.end();
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      res.writeHead(400);
      return res.end("bad request");
    }
    const file = pathname.startsWith("/deployments/")
      ? fileUnder(records, pathname.slice("/deployments".length))
      : fileUnder(dist, pathname === "/" ? "/index.html" : pathname);
    if (!file) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end(`not found: ${pathname}`);
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : fs.readFileSync(file));
  });
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${port}` });
    });
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const port = Number(option("port") ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port ${option("port")} is not a port number`);
    process.exit(1);
  }
  serveDashboard({ port, host: option("host"), records: option("records") }).then(
    ({ url }) => {
      console.log(`LP-504 dashboard at ${url}/`);
      console.log(`  e.g. ${url}/?rpc=http://127.0.0.1:8545&record=/deployments/local/31337.json`);
    },
    (error: Error & { code?: string }) => {
      console.error(error.code === "EADDRINUSE" ? `port ${port} is in use: pass --port <another>` : error.message);
      process.exit(1);
    },
  );
}
