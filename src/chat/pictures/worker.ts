// The drawing thread: pictures are drawn here, off the main thread, so loading
// the fonts (about a second the first time) or drawing a large heatmap never
// holds up the event loop that acknowledges Slack and Discord requests.
import { parentPort } from "node:worker_threads";
import type { Picture } from "../reply.ts";
import { drawHeatmap } from "./heatmap.ts";
import { drawTierCard } from "./tier-card.ts";
import { drawTierChart } from "./tier-chart.ts";

export function drawNow(picture: Picture): Buffer {
  switch (picture.kind) {
    case "tier-card":
      return drawTierCard(picture.card);
    case "heatmap":
      return drawHeatmap(picture.heatmap);
    case "tier-chart":
      return drawTierChart(picture.chart);
  }
}

parentPort?.on("message", (job: { id: number; picture: Picture }) => {
  try {
    const png = drawNow(job.picture);
    const bytes = new Uint8Array(png.buffer, png.byteOffset, png.byteLength).slice();
    parentPort?.postMessage({ id: job.id, png: bytes }, [bytes.buffer]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
