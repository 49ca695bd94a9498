/** Small DOM and formatting helpers of the dashboard: text is always set as text, never parsed as HTML. */
import { formatEther } from "ethers";

type Child = Node | string | number | bigint | undefined | null | false;

/** An element with attributes and children (strings become text nodes). */
export function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A table with a header row; `rows` are lists of cells (an element or text). */
export function table(headers: string[], rows: { attrs?: Record<string, string>; cells: Child[] }[], empty: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", {}, t)))),
      h(
        "tbody",
        {},
        ...rows.map((r) =>
          h("tr", r.attrs ?? {}, ...r.cells.map((c) => (c instanceof HTMLElement && c.tagName === "TD" ? c : h("td", {}, c)))),
        ),
      ),
    ),
  );
}

/** A table cell carrying a field name (what tests and scrapers select on). */
export function cell(field: string, ...children: Child[]): HTMLElement {
  return h("td", { "data-field": field }, ...children);
}

/** An amount of the native coin: at most 4 decimals, with its unit. */
export function coin(wei: bigint): string {
  const [whole, fraction = ""] = formatEther(wei).split(".");
  const trimmed = fraction.slice(0, 4).replace(/0+$/, "");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${grouped}${trimmed ? "." + trimmed : ""} LUX`;
}

/** `0x1234…abcd`, with the full address as a tooltip. */
export function short(address: string): HTMLElement {
  const text = address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
  return h("span", { class: "mono", title: address }, text);
}

/** Basis points as a percentage. */
export function bps(value: bigint): string {
  return `${(Number(value) / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}

/** A unix time as UTC date and time. */
export function when(seconds: bigint | number | undefined): string {
  if (seconds === undefined || BigInt(seconds) === 0n) return "—";
  return new Date(Number(seconds) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/** A duration relative to now: "in 1 m 5 s", "3 s ago". */
export function relative(seconds: bigint, now: number): string {
  const delta = Number(seconds) - now;
  const abs = Math.abs(delta);
  const text =
    abs >= 86_400
      ? `${Math.floor(abs / 86_400)} d ${Math.floor((abs % 86_400) / 3600)} h`
      : abs >= 3600
        ? `${Math.floor(abs / 3600)} h ${Math.floor((abs % 3600) / 60)} m`
        : abs >= 60
          ? `${Math.floor(abs / 60)} m ${abs % 60} s`
          : `${abs} s`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

/** A labelled figure of the overview. */
export function stat(label: string, value: Child, testId?: string, note?: Child): HTMLElement {
  return h(
    "div",
    { class: "stat" },
    h("div", { class: "label" }, label),
    h("div", { class: "value", "data-testid": testId }, value),
    note ? h("div", { class: "note" }, note) : undefined,
  );
}

/** A titled card. */
export function section(title: string, id: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "card", id }, h("h2", {}, title), ...children);
}
