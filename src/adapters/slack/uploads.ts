// What goes up with files.uploadV2 beside a message: the reply's files (a CSV)
// and its pictures, drawn here, each with its alt text. Drawing happens only
// on this path, after the request was acknowledged or in an outbox job.
import type { Reply } from "../../chat/reply.ts";
import { drawPictures, images } from "../../chat/pictures/index.ts";

export interface Upload {
  filename: string;
  title: string;
  file: Buffer;
  alt_text?: string;
}

/** Slack's limit on a file's alt text. */
const ALT_TEXT_MAX = 1000;

export function hasUploads(reply: Reply): boolean {
  return (reply.files?.length ?? 0) > 0 || reply.blocks.some((b) => b.type === "image");
}

export async function uploadsOf(reply: Reply, onError?: (err: unknown) => void): Promise<Upload[]> {
  const out: Upload[] = (reply.files ?? []).map((f) => ({ filename: f.filename, title: f.filename, file: Buffer.from(f.content, "utf8") }));
  for (const image of images(await drawPictures(reply, onError))) {
    if (!image.png) continue;
    const alt = image.alt.length <= ALT_TEXT_MAX ? image.alt : `${image.alt.slice(0, ALT_TEXT_MAX - 1)}…`;
    out.push({ filename: image.filename, title: image.filename, file: Buffer.from(image.png), alt_text: alt });
  }
  return out;
}
