// Bundles the browser code for the web UI: node frontend/build.mjs (from any directory).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const outdir = join(root, "src/batchjudge/web/static/build");
const entries = ["editor", "charts"];

await build({
  entryPoints: Object.fromEntries(entries.map((name) => [name, join(here, "src", `${name}.js`)])),
  outdir,
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  // A fresh build must not depend on whatever was in NODE_ENV when make ran.
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "eof",
  logLevel: "warning",
});

for (const name of entries) {
  const file = join(outdir, `${name}.js`);
  console.log(`${relative(root, file)}  ${(statSync(file).size / 1024).toFixed(1)} KiB`);
}

// The OpenAPI UI at /docs: Swagger UI's own prebuilt files, copied as they are.
const swagger = join(outdir, "swagger");
mkdirSync(swagger, { recursive: true });
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(join(here, "node_modules/swagger-ui-dist", name), join(swagger, name));
  console.log(`${relative(root, join(swagger, name))}  copied`);
}
