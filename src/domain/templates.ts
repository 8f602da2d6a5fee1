// The pack's texts are templates with `{placeholders}`: the code names the
// values, the pack words the message (and an operator's pack may reword it).

/** Fills `{placeholders}` in a pack template; unknown ones stay visible so a typo in the pack shows. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}
