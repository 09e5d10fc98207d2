// DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz, pinned in package.json):
// no system Graphviz, the same bytes on every machine. Reads a JSON array of DOT sources on
// stdin and writes the JSON array of their SVGs to stdout (scripts/diagram_render.py).
import { instance } from "@viz-js/viz";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const sources = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const viz = await instance();
const svgs = sources.map((source) => {
  const result = viz.render(source, { format: "svg" });
  if (result.status !== "success") {
    throw new Error(result.errors.map((e) => e.message).join("\n"));
  }
  return result.output;
});
process.stdout.write(JSON.stringify(svgs));
