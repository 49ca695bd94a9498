import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..");

/** Gas as the docs write it: thousands with one decimal below a million ("78.1k"), whole thousands above ("8,729k"). */
export function docFigure(gas: number): string {
  const thousands = gas / 1000;
  return thousands < 1000 ? `${thousands.toFixed(1)}k` : `${Math.round(thousands).toLocaleString("en-US")}k`;
}

/** Every `<figure><!-- <operation>@<size> -->` in the README and docs/: a figure read from bench/snapshot.json. */
function annotatedFigures() {
  const files = [
    "README.md",
    ...fs
      .readdirSync(path.join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => path.join("docs", f)),
  ];
  const found: { file: string; written: string; operation: string; size: string }[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    for (const m of text.matchAll(/([\d,]+(?:\.\d)?k)<!-- ([\w.]+)@(\d+) -->/g)) {
      found.push({ file, written: m[1], operation: m[2], size: m[3] });
    }
  }
  return found;
}

describe("Docs: every gas figure that names its snapshot entry says what the snapshot says", () => {
  const snapshot = JSON.parse(fs.readFileSync(path.join(ROOT, "bench", "snapshot.json"), "utf8")) as {
    gas: Record<string, Record<string, number>>;
  };

  it("formats figures as the docs write them", () => {
    expect([docFigure(78_094), docFigure(304_780), docFigure(8_728_610)]).to.deep.equal(["78.1k", "304.8k", "8,729k"]);
  });

  it("the annotated figures match bench/snapshot.json (after `BENCH_UPDATE=1 npm run bench:check`, update the docs)", () => {
    const figures = annotatedFigures();
    expect(figures.length).to.be.at.least(19); // the MEV table alone has 19
    const wrong = figures
      .map((f) => {
        const gas = snapshot.gas[f.operation]?.[f.size];
        if (gas === undefined) return `${f.file}: ${f.operation}@${f.size} is not in the snapshot`;
        const expected = docFigure(gas);
        return expected === f.written
          ? undefined
          : `${f.file}: ${f.operation}@${f.size} is written ${f.written}, the snapshot says ${expected}`;
      })
      .filter((line): line is string => line !== undefined);
    expect(wrong, wrong.join("\n")).to.deep.equal([]);
  });
});
