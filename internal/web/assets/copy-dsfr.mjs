// Copies the parts of @gouvfr/dsfr that Maillage serves into
// internal/web/static/dsfr (gitignored), so that `go build` embeds them in the
// binary. Run by `npm ci` (postinstall). The server also falls back to reading
// node_modules/@gouvfr/dsfr/dist at runtime when the copy is absent.
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const dist = join(root, "node_modules", "@gouvfr", "dsfr", "dist");
const out = join(root, "internal", "web", "static", "dsfr");
if (!existsSync(dist)) {
  console.error("maillage: @gouvfr/dsfr introuvable dans node_modules (" + dist + ")");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const f of ["dsfr.min.css", "dsfr.module.min.js", "dsfr.nomodule.min.js", "utility/icons/icons.min.css"]) {
  cpSync(join(dist, f), join(out, f));
}
for (const d of ["fonts", "icons", "favicon"]) {
  cpSync(join(dist, d), join(out, d), { recursive: true });
}
console.log("maillage: DSFR copié dans internal/web/static/dsfr");
