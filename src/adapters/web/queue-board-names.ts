// Names for bull-board's icon-only buttons, which its markup leaves unnamed
// and no option of its names (9.10.1: the header's Fullscreen and Settings,
// and the "more actions" menus of the page and of each queue's card). A
// screen reader would announce each as just "button", and axe-core counts
// it as critical. The board's page loads this script from its own origin
// (its policy allows only 'self'); it names a button from the icon it shows
// and names it again whenever React re-renders the page, since React never
// sets these attributes and so never removes them.

/** Where the board's page loads the script, relative to its `<base href>`. */
export const BOARD_NAMES_FILE = "steward-board-names.js";

// In-page code is written as text: this project's TypeScript has no DOM types.
export const BOARD_NAMES_SCRIPT = `(() => {
  const ICONS = { maximize: "Full screen", minimize: "Exit full screen", settings: "Settings", "ellipsis-vertical": "More actions" };
  const named = (b) => b.textContent.trim() !== "" || b.hasAttribute("aria-labelledby") || (b.hasAttribute("aria-label") && !b.hasAttribute("data-steward-named"));
  const nameOf = (b) => {
    const icon = [...(b.querySelector("svg")?.classList ?? [])].find((c) => c.startsWith("lucide-"))?.slice("lucide-".length);
    const label = icon && ICONS[icon];
    if (!label) return undefined;
    const queue = b.closest("[class*='queueCard']")?.querySelector("a")?.textContent.trim();
    return queue ? label + " for " + queue : label;
  };
  const nameAll = () => {
    for (const b of document.querySelectorAll("button")) {
      if (named(b)) continue;
      const label = nameOf(b);
      if (!label || b.getAttribute("aria-label") === label) continue;
      b.setAttribute("aria-label", label);
      b.setAttribute("title", label);
      b.setAttribute("data-steward-named", "");
    }
  };
  nameAll();
  new MutationObserver(nameAll).observe(document.body, { childList: true, subtree: true });
})();
`;
