/**
 * The red team's small template language, so the data files can say many things in few
 * lines: `[a|b|c]` picks one alternative (a bracket without `|` is literal text, so markdown
 * links survive) and `{slot}` takes a value the generator supplies. Alternatives are
 * expanded before slots are filled, so a slot's value is never expanded twice.
 */
const ALTERNATIVES = /\[([^[\]]*\|[^[\]]*)\]/g;
const SLOT = /\{([a-z_]+)\}/g;

export function pick<T>(items: readonly T[], random: () => number): T {
  if (items.length === 0) throw new Error("pick from an empty list");
  return items[Math.floor(random() * items.length)]!;
}

/** One expansion of the template's alternatives, drawn with `random`. */
export function expand(template: string, random: () => number): string {
  return template.replace(ALTERNATIVES, (_, body: string) => pick(body.split("|"), random));
}

/** The template expanded, then its slots filled; a slot without a value is an error in the data. */
export function render(template: string, slots: Record<string, string>, random: () => number): string {
  return expand(template, random).replace(SLOT, (whole, name: string) => {
    const value = slots[name];
    if (value === undefined)
      throw new Error(`red-team template names {${name}}, which has no value: ${template}`);
    return value;
  });
}

/** The slot names a template uses, for checking the data files when they load. */
export function slotsOf(template: string): string[] {
  return [...template.matchAll(SLOT)].map((m) => m[1]!);
}
