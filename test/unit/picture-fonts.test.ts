// Fonts load as a picture needs them (src/chat/pictures/canvas.ts): a Latin
// tier card registers Noto Sans alone, a later card in another script the
// rest. In a file of its own, so this process starts with no font registered.
import { describe, expect, it } from "vitest";
import { drawTierCard, tierCard } from "../../src/chat/pictures/tier-card.ts";
import { loadPack } from "../../src/programs/load.ts";

const pack = loadPack();
const card = (name: string) => tierCard(pack.partner, pack.badges, { displayName: name }, 640, undefined, ["partner-badge"]);

describe("fonts registered on demand", () => {
  it("draws a Latin card the same before and after every other family is registered, and other scripts once they are", () => {
    const latin = card("Zoë Ångström-Łukasz · “Ada” — bob…");
    const first = drawTierCard(latin);
    const cjk = card("王小明 さくら");
    const withoutCjk = drawTierCard({ ...cjk, name: "" });
    const drawn = drawTierCard(cjk);
    expect(drawn.equals(withoutCjk)).toBe(false);
    expect(drawTierCard(latin).equals(first)).toBe(true);
  });
});
