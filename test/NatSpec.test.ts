import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { generateReference, loadInterfaces, natspecGaps, REFERENCE_DIR } from "../scripts/docgen";

// `hardhat test` compiles first, so the build info read here is that of the sources on disk.
describe("NatSpec of the public API and the generated reference", function () {
  it("documents every function of contracts/interfaces/*.sol: a @notice, each @param, each @return (and every event's @notice)", function () {
    const docs = loadInterfaces(hre.config.paths.artifacts);
    expect(docs.map((d) => d.name)).to.include.members(["ISequencerRegistry", "ISequencerSelection", "ISealedAuction", "IExtsload"]);
    const gaps = natspecGaps(docs);
    expect(gaps, `${gaps.length} gaps in the NatSpec of contracts/interfaces/:\n  ${gaps.join("\n  ")}\n`).to.deep.equal([]);
  });

  it("finds a gap it should find (a function without @param and @return)", function () {
    const [doc] = loadInterfaces(hre.config.paths.artifacts).filter((d) => d.name === "IExtsload");
    const stripped = { ...doc, devdoc: { ...doc.devdoc, methods: {} } };
    expect(natspecGaps([stripped])).to.deep.equal([
      "IExtsload.extsload(bytes32): no @param slot",
      "IExtsload.extsload(bytes32): no @return for return value 0 (value)",
      "IExtsload.extsload(bytes32,uint256): no @param startSlot",
      "IExtsload.extsload(bytes32,uint256): no @param nSlots",
      "IExtsload.extsload(bytes32,uint256): no @return for return value 0 (values)",
    ]);
  });

  it("docs/reference/ is what `npm run docs` writes from the current sources", async function () {
    const expected = await generateReference(hre);
    const dir = path.join(hre.config.paths.root, REFERENCE_DIR);
    const onDisk = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    const stale = [...expected.keys()].filter(
      (name) => !onDisk.includes(name) || fs.readFileSync(path.join(dir, name), "utf8") !== expected.get(name),
    );
    const extra = onDisk.filter((name) => !expected.has(name));
    expect(
      [...stale, ...extra],
      `${REFERENCE_DIR}/ is out of date (${[...stale, ...extra].join(", ")}): run \`npm run docs\``,
    ).to.deep.equal([]);
    // The pins are read from the configuration, not written by hand.
    const index = expected.get("README.md")!;
    expect(index).to.include(`\`${hre.config.solidity.compilers[0].version}\``);
    expect(index).to.include(`\`${hre.config.solidity.compilers[0].settings.evmVersion}\``);
  });
});
